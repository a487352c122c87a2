//! The faults an operator running mailsim from scripts, cron and cluster jobs meets, each one
//! found by an adversarial pass (issue 15) and pinned here: huge inputs refused before they
//! fill the memory, concurrent runs into one folder, failed final moves, shard files that were
//! edited or run on another scenario, runaway runs, and settings that deserve a warning. (The
//! signal cases are in `signals`, the memory estimate against measured peaks in `estimate`.)

use std::path::Path;
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

const SMALL: &str = r#"(
    name: "small",
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 300, at: "0s")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "20m"),
    )],
    receivers: { "r": (throttle: (rate: "600/h", burst: 10)) },
)"#;

fn mailsim(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("mailsim").expect("binary built");
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

fn run(dir: &Path, args: &[&str]) -> Output {
    mailsim(dir).args(args).output().expect("mailsim runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Names in `dir` (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write");
}

// 1.
#[test]
fn four_billion_mailboxes_are_refused_by_the_estimate_instead_of_aborting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = SMALL.replace(
        r#""r": (throttle: (rate: "600/h", burst: 10))"#,
        r#""r": (recipient_limits: (mailboxes: 4294967295, per_hour: 10))"#,
    );
    write(dir.path(), "s.ron", &text);
    let validate = run(dir.path(), &["validate", "s.ron"]);
    let stdout = String::from_utf8_lossy(&validate.stdout);
    assert!(validate.status.success());
    assert!(
        stdout.contains("estimate:") && stdout.contains("128.0 GiB"),
        "{stdout}"
    );
    for command in [
        &["run", "s.ron", "--out", "out"][..],
        &["trace", "s.ron", "--first-deferred"],
    ] {
        let output = run(dir.path(), command);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("too large for this machine"));
    }
    assert!(!dir.path().join("out").exists());
}

// 3.
#[test]
fn runs_started_together_into_one_folder_each_get_their_own_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.ron", SMALL);
    let binary = assert_cmd::cargo::cargo_bin("mailsim");
    let children: Vec<_> = (0..4)
        .map(|_| {
            StdCommand::new(&binary)
                .current_dir(dir.path())
                .args(["run", "s.ron", "--out", "out", "--quiet"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("exits");
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(
        names(&dir.path().join("out/small")),
        ["seed-1", "seed-1-2", "seed-1-3", "seed-1-4"]
    );
    for folder in ["seed-1", "seed-1-2", "seed-1-3", "seed-1-4"] {
        let summary = dir
            .path()
            .join("out/small")
            .join(folder)
            .join("summary.json");
        assert!(summary.exists(), "{folder} is complete");
    }
}

// 4.
#[test]
fn a_file_in_place_of_the_named_run_folder_is_refused_before_the_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.ron", SMALL);
    std::fs::create_dir_all(dir.path().join("out/small")).expect("mkdir");
    write(dir.path(), "out/small/seed-1", "a file, not a run");
    let started = Instant::now();
    let output = run(
        dir.path(),
        &[
            "run", "s.ron", "--out", "out", "--run-id", "seed-1", "--force",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("is not a folder"),
        "{}",
        stderr(&output)
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(names(&dir.path().join("out/small")), ["seed-1"]);
    // (A move that fails at the very end, after the run, is covered by the folder's unit
    // tests: `a_failed_final_move_leaves_nothing_and_keeps_what_was_there`.)
}

/// Runs the two shards of `--replications 4` of `scenario` and returns their folders.
fn shards(dir: &Path, first: &str, second: &str) -> [String; 2] {
    for (k, scenario) in [(1, first), (2, second)] {
        let output = run(
            dir,
            &[
                "run",
                scenario,
                "--replications",
                "4",
                "--shard",
                &format!("{k}/2"),
                "--out",
                "parts",
                "--quiet",
            ],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    [
        "parts/small/replications-seed-1-shard-1-of-2".into(),
        "parts/small/replications-seed-1-shard-2-of-2".into(),
    ]
}

// 6.
#[test]
fn a_shard_file_naming_a_path_cannot_write_outside_the_output_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.ron", SMALL);
    let [one, two] = shards(dir.path(), "s.ron", "s.ron");
    for name in ["../../escaped", "/tmp/escaped-absolute", "a b"] {
        for part in [&one, &two] {
            let path = dir.path().join(part).join("shard.json");
            let text = std::fs::read_to_string(&path).expect("shard file");
            let edited = text.replacen(
                "\"scenario\":\"small\"",
                &format!("\"scenario\":{name:?}"),
                1,
            );
            assert_ne!(text, edited, "the shard file names its scenario");
            write(&dir.path().join(part), "shard.json", &edited);
        }
        let output = run(dir.path(), &["merge", &one, &two, "--out", "merged/inner"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains("cannot be used as a folder name"));
        assert!(!dir.path().join("merged").exists());
        assert!(!dir.path().join("escaped").exists());
        assert!(!Path::new("/tmp/escaped-absolute").exists());
        for part in [&one, &two] {
            let path = dir.path().join(part).join("shard.json");
            let text = std::fs::read_to_string(&path).expect("shard file");
            write(
                &dir.path().join(part),
                "shard.json",
                &text.replacen(
                    &format!("\"scenario\":{name:?}"),
                    "\"scenario\":\"small\"",
                    1,
                ),
            );
        }
    }
}

// 7.
#[test]
fn shards_are_identified_by_the_scenario_content_not_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.ron", SMALL);
    // The same file, once by a relative and once by an absolute path: they merge.
    let absolute = dir.path().join("s.ron").display().to_string();
    let [one, two] = shards(dir.path(), "s.ron", &absolute);
    let merged = run(
        dir.path(),
        &["merge", &one, &two, "--out", "merged", "--quiet"],
    );
    assert!(merged.status.success(), "{}", stderr(&merged));
    // Shard 2 run on a modified file at the same path: refused, naming shard 2 and its folder.
    std::fs::remove_dir_all(dir.path().join("parts")).expect("clean");
    let [one, _] = shards(dir.path(), "s.ron", "s.ron");
    std::fs::remove_dir_all(
        dir.path()
            .join(&one)
            .with_file_name("replications-seed-1-shard-2-of-2"),
    )
    .expect("drop shard 2");
    write(dir.path(), "s.ron", &SMALL.replace("600/h", "900/h"));
    let output = run(
        dir.path(),
        &[
            "run",
            "s.ron",
            "--replications",
            "4",
            "--shard",
            "2/2",
            "--out",
            "parts",
            "--quiet",
        ],
    );
    assert!(output.status.success());
    let two = "parts/small/replications-seed-1-shard-2-of-2";
    let refused = run(dir.path(), &["merge", &one, two, "--out", "wrong"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains("shard 2/2 does not belong"), "{message}");
    assert!(message.contains("other scenario content"), "{message}");
    assert!(
        message.contains("shard-2-of-2"),
        "names the folder: {message}"
    );
    assert!(!dir.path().join("wrong").exists());
}

// 8.
#[test]
fn a_device_or_a_huge_file_is_refused_as_a_scenario_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let huge = dir.path().join("huge.ron");
    std::fs::File::create(&huge)
        .and_then(|file| file.set_len(1 << 30))
        .expect("a sparse 1 GiB file");
    let mut paths = vec![huge.display().to_string()];
    if Path::new("/dev/zero").exists() {
        paths.push("/dev/zero".into());
    }
    for path in paths {
        for command in ["validate", "run"] {
            let started = Instant::now();
            let output = run(dir.path(), &[command, &path]);
            assert_eq!(output.status.code(), Some(2), "{path}: {}", stderr(&output));
            assert!(
                stderr(&output).contains("larger than 16 MiB"),
                "{}",
                stderr(&output)
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{path}: not refused at once"
            );
        }
    }
}

// 10.
#[test]
fn max_events_stops_at_exactly_its_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.ron", SMALL);
    let output = run(
        dir.path(),
        &["run", "s.ron", "--out", "out", "--max-events", "1000"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("stopped after 1,000 events, its limit (--max-events 1000)"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("out").exists());
    // A run of exactly its limit completes: find its event count, then give exactly that.
    let full = run(dir.path(), &["run", "s.ron", "--out", "out"]);
    let stdout = String::from_utf8_lossy(&full.stdout);
    let events = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("events"))
        .map(|rest| rest.trim().replace(',', ""))
        .expect("the summary counts events");
    let exact = run(
        dir.path(),
        &[
            "run",
            "s.ron",
            "--out",
            "out",
            "--max-events",
            &events,
            "--quiet",
        ],
    );
    assert!(exact.status.success(), "{events}: {}", stderr(&exact));
}

// 11.
#[test]
fn runaways_are_stopped_by_the_default_event_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outage = r#""r": (outages: [(start: "0s", end: "7d", kind: Refused)])"#;
    let base = SMALL
        .replace("messages: 300", "messages: 100")
        .replace(r#""r": (throttle: (rate: "600/h", burst: 10))"#, outage);
    let retry_every_millisecond =
        base.replace(r#"Fixed(interval: "20m")"#, r#"Fixed(interval: "1ms")"#);
    let alert_every_millisecond = base.replace(
        r#"retry: Fixed"#,
        r#"queue_alert: (threshold: 1, every: "1ms"), retry: Fixed"#,
    );
    for text in [retry_every_millisecond, alert_every_millisecond] {
        write(dir.path(), "s.ron", &text);
        let output = run(dir.path(), &["run", "s.ron", "--out", "out"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("stopped after 10,000,000 events, the default budget"),
            "{message}"
        );
        assert!(message.contains("--max-events"), "{message}");
        assert!(!dir.path().join("out").exists());
    }
}

// 12.
#[test]
fn likely_mistakes_are_warned_about_and_bad_values_are_input_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let short_lifetime = SMALL.replace(
        r#"Fixed(interval: "20m")"#,
        r#"Fixed(interval: "20m", lifetime: "5m")"#,
    );
    write(dir.path(), "life.ron", &short_lifetime);
    let lognormal = SMALL.replace(
        "retry:",
        r#"connections: (transaction_time: LogNormal(mean: "0s", sd: "1s")), retry:"#,
    );
    write(dir.path(), "zero.ron", &lognormal);
    for (file, warning) in [
        (
            "life.ron",
            "the lifetime (5m) is shorter than the retry interval (20m)",
        ),
        ("zero.ron", "a LogNormal with a mean of 0s is always 0s"),
    ] {
        let output = run(dir.path(), &["validate", file]);
        assert!(output.status.success());
        assert!(
            stderr(&output).contains(&format!("warning: {file}: senders[0].")),
            "{}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(warning), "{}", stderr(&output));
    }
    // --run-id: only letters, digits, `-` and `_`, at most 100 characters, checked before the run.
    write(dir.path(), "s.ron", SMALL);
    let long = "x".repeat(300);
    for id in ["a b", "new\nline", "star*", &long] {
        let started = Instant::now();
        let output = run(
            dir.path(),
            &["run", "s.ron", "--out", "out", "--run-id", id],
        );
        assert_eq!(output.status.code(), Some(2), "{id:?}: {}", stderr(&output));
        assert!(stderr(&output).contains("cannot be used as a folder name"));
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(!dir.path().join("out").exists(), "{id:?}");
    }
    // An absurd rate is an input error at the value, not a memory refusal.
    write(
        dir.path(),
        "rate.ron",
        &SMALL.replace(
            r#"Campaign(messages: 300, at: "0s")"#,
            r#"Poisson(rate: "1e308/s")"#,
        ),
    );
    let output = run(dir.path(), &["run", "rate.ron", "--out", "out"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid rate `1e308/s`"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("too large"));
    // OS errors are printed once.
    write(dir.path(), "blocked", "a file where a folder should be");
    for (args, os_error) in [
        (&["validate", "missing.ron"][..], "(os error 2)"),
        (&["run", "s.ron", "--out", "blocked/out"], "(os error 20)"),
    ] {
        let output = run(dir.path(), args);
        assert_eq!(
            stderr(&output).matches(os_error).count(),
            1,
            "{}",
            stderr(&output)
        );
    }
}
