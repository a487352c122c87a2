//! Signals, as scripts, cron, `timeout`, systemd, Slurm and Kubernetes send them, to a running
//! `mailsim` child process: SIGTERM and SIGHUP stop it like Ctrl-C with their own exit codes
//! (128 + the signal's number), during the simulation, while the charts are drawn and during a
//! study; a second signal ends it at once; a process killed outright (SIGKILL) leaves a staging
//! folder that the next run removes. Never is a half-written folder left.

#![cfg(unix)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A run of many seconds in a debug build: millions of messages deferred again and again.
const LONG: &str = r#"(
    name: "long",
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 3000000, at: "0s", spread: "1d")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "1m"),
    )],
    receivers: { "r": (throttle: (rate: "10/s", burst: 10)) },
)"#;

/// A run that simulates in a moment and then draws half a million time-series rows in every
/// chart: many seconds in the report.
const LONG_REPORT: &str = r#"(
    name: "charts",
    run: (horizon: "365d", sample_every: "1m", stop_when_drained: false),
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 10, at: "0s")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "20m"),
    )],
    receivers: { "r": () },
)"#;

/// Twelve million messages arrive in one event: a single step of almost two seconds in the test
/// build, well past the test's 0.4 s of waiting, which a first signal cannot cut short (the run
/// checks its flag between events) but a second one can.
const ONE_LONG_STEP: &str = r#"(
    name: "burst",
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 12000000, at: "0s")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "1m"),
    )],
    receivers: { "r": () },
)"#;

fn start(dir: &Path, scenario: &str, args: &[&str]) -> Child {
    std::fs::write(dir.join("s.ron"), scenario).expect("write the scenario");
    Command::new(assert_cmd::cargo::cargo_bin("mailsim"))
        .current_dir(dir)
        .args(["run", "s.ron", "--out", "out"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mailsim starts")
}

/// Waits until the run's staging folder exists (the scenario is read and checked, the
/// simulation starts), then `more`: so a signal meets the phase a test means, however loaded
/// the machine is.
fn wait_until_running(dir: &Path, more: Duration) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if tree(&dir.join("out"))
            .iter()
            .any(|p| p.contains(".partial-"))
        {
            std::thread::sleep(more);
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the run did not start within a minute");
}

fn send(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal}");
}

/// Waits for the child and returns its output and how long it took after `since`.
fn finish(child: Child, since: Instant) -> (Output, Duration) {
    let output = child.wait_with_output().expect("mailsim exits");
    (output, since.elapsed())
}

/// Every entry under `dir`, recursively.
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
    found
}

fn assert_stopped(output: &Output, code: i32, took: Duration, out: &Path) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?} to stop");
    assert!(tree(out).is_empty(), "left behind: {:?}", tree(out));
}

#[test]
fn sigterm_and_sighup_stop_a_run_like_ctrl_c_with_their_own_exit_codes() {
    for (signal, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let child = start(dir.path(), LONG, &[]);
        wait_until_running(dir.path(), Duration::from_millis(300));
        let sent = Instant::now();
        send(&child, signal);
        let (output, took) = finish(child, sent);
        assert_stopped(&output, code, took, &dir.path().join("out"));
    }
}

#[test]
fn a_signal_while_the_charts_are_drawn_ends_the_run_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), LONG_REPORT, &[]);
    // The simulation takes well under a second of CPU even in a debug build; the charts take
    // many.
    wait_until_running(dir.path(), Duration::from_millis(3000));
    let sent = Instant::now();
    send(&child, "TERM");
    let (output, took) = finish(child, sent);
    assert_stopped(&output, 143, took, &dir.path().join("out"));
    assert!(
        took < Duration::from_secs(3),
        "took {took:?}: the charts were finished first"
    );
}

#[test]
fn a_second_signal_ends_the_run_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), ONE_LONG_STEP, &[]);
    wait_until_running(dir.path(), Duration::from_millis(300));
    send(&child, "INT");
    std::thread::sleep(Duration::from_millis(100));
    let sent = Instant::now();
    send(&child, "TERM");
    let (output, took) = finish(child, sent);
    // The second signal's code: the first alone would have waited for the step to end.
    assert_stopped(&output, 143, took, &dir.path().join("out"));
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn a_signal_stops_a_study_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), LONG, &["--replications", "4", "--jobs", "2"]);
    wait_until_running(dir.path(), Duration::from_millis(300));
    let sent = Instant::now();
    send(&child, "TERM");
    let (output, took) = finish(child, sent);
    assert_stopped(&output, 143, took, &dir.path().join("out"));
}

#[test]
fn a_killed_runs_staging_folder_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start(dir.path(), LONG, &[]);
    wait_until_running(dir.path(), Duration::from_millis(300));
    send(&child, "KILL");
    let _ = child.wait_with_output();
    let scenario_folder = dir.path().join("out/long");
    let left: Vec<String> = tree(&scenario_folder);
    assert!(
        left.iter().any(|path| path.contains(".seed-1.partial-")),
        "SIGKILL cannot be handled: its staging folder stays until the next run ({left:?})"
    );
    // The next run of the same scenario (a small one) removes the orphan and writes its own.
    let small = LONG.replace("messages: 3000000", "messages: 10");
    let next = start(dir.path(), &small, &["--quiet"]);
    let (output, _) = finish(next, Instant::now());
    assert!(output.status.success());
    let names: Vec<String> = std::fs::read_dir(&scenario_folder)
        .expect("listable")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["seed-1"], "{names:?}");
}
