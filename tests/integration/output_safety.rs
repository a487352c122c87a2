//! Outputs are written completely or not at all: no overwriting without --force, a clear error
//! and no partial folder when the output cannot be written, nothing left after Ctrl-C, and a
//! clear refusal for scenarios that would not fit in memory.

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;

const SMALL: &str = r#"(
    name: "small",
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 50, at: "0s")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "20m"),
    )],
    receivers: { "r": () },
)"#;

fn mailsim(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("mailsim").expect("binary built");
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Every entry under `dir`, recursively, as relative paths.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            found.push(path.display().to_string());
            if path.is_dir() {
                found.extend(tree(&path));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn an_earlier_run_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.ron"), SMALL).expect("write");
    let run = |extra: &[&str]| {
        mailsim(dir.path())
            .args([
                "run", "s.ron", "--quiet", "--out", "out", "--run-id", "base",
            ])
            .args(extra)
            .output()
            .expect("runs")
    };
    assert!(run(&[]).status.success());
    let summary = dir.path().join("out/small/base/summary.json");
    std::fs::write(&summary, "marker").expect("mark the earlier run");
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("already holds an earlier run") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&summary).expect("kept"), "marker");
    assert!(run(&["--force"]).status.success());
    assert!(
        std::fs::read_to_string(&summary)
            .expect("replaced")
            .contains("\"meta\"")
    );
    // Without --run-id, a second run gets a new folder beside the first.
    let auto = mailsim(dir.path())
        .args(["run", "s.ron", "--quiet", "--out", "out"])
        .output()
        .expect("runs");
    assert!(auto.status.success());
    let again = mailsim(dir.path())
        .args(["run", "s.ron", "--quiet", "--out", "out"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&again.stdout).contains("seed-1-2"));
}

#[test]
fn an_unwritable_output_path_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.ron"), SMALL).expect("write");
    // A file where the output folder should be: no user, not even root, can create inside it.
    std::fs::write(dir.path().join("blocked"), "not a folder").expect("write");
    let before = tree(dir.path());
    let result = mailsim(dir.path())
        .args(["run", "s.ron", "--out", "blocked/results"])
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("could not create") && stderr.contains("blocked/results"),
        "{stderr}"
    );
    assert_eq!(tree(dir.path()), before, "something was left behind");
}

#[cfg(unix)]
#[test]
fn a_read_only_output_folder_is_a_clear_error_and_leaves_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.ron"), SMALL).expect("write");
    let out = dir.path().join("readonly");
    std::fs::create_dir(&out).expect("create");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    if std::fs::write(out.join("probe"), "x").is_ok() {
        // Running as root: permissions do not bind, so this case cannot be staged here; the
        // not-a-folder test above covers the same error path.
        std::fs::remove_file(out.join("probe")).expect("clean");
        return;
    }
    let result = mailsim(dir.path())
        .args(["run", "s.ron", "--out", "readonly"])
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&result.stderr).contains("could not create"));
    assert!(tree(&out).is_empty());
}

#[test]
fn a_scenario_too_large_for_the_machine_is_refused_with_its_estimate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let huge = SMALL.replace("messages: 50", "messages: 1000000000000");
    std::fs::write(dir.path().join("huge.ron"), huge).expect("write");
    let result = mailsim(dir.path())
        .args(["run", "huge.ron", "--out", "out"])
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("too large for this machine"), "{stderr}");
    assert!(
        stderr.contains("about 1,000,000,000,000 messages"),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-large"), "{stderr}");
    assert!(!dir.path().join("out").exists());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_promptly_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Millions of messages deferred again and again: many seconds of work in a debug build.
    let long = SMALL
        .replace(
            "messages: 50, at: \"0s\"",
            "messages: 3000000, at: \"0s\", spread: \"1d\"",
        )
        .replace(
            r#""r": ()"#,
            r#""r": (throttle: (rate: "10/s", burst: 10))"#,
        )
        .replace(r#"Fixed(interval: "20m")"#, r#"Fixed(interval: "1m")"#);
    std::fs::write(dir.path().join("long.ron"), long).expect("write");
    let binary = assert_cmd::cargo::cargo_bin("mailsim");
    let child = StdCommand::new(binary)
        .current_dir(dir.path())
        .args(["run", "long.ron", "--out", "out"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    std::thread::sleep(Duration::from_millis(700));
    let sent = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let started = std::time::Instant::now();
    let output = child.wait_with_output().expect("exits");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "did not stop promptly"
    );
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was written"));
    assert!(
        tree(&dir.path().join("out")).is_empty(),
        "{:?}",
        tree(&dir.path().join("out"))
    );
}
