//! The memory estimate against the measured peak: `mailsim run --stats` prints both for the
//! same run (peak resident memory from the kernel, the estimate the run was checked against),
//! and they agree within 30% for shapes dominated by time-series rows and their charts, by a
//! backlog of messages waiting for connections, and by a study's runs one after another.
//!
//! Only shapes whose peak does not depend on timing are checked here: one simulation at a
//! time. With `--jobs 2` the peak depends on how far one worker has got when the other
//! finishes, which a loaded machine changes (two runs whose memory grows with simulated time
//! overlap fully only if both progress at the same speed); those shapes are measured, several
//! times and under load, in BENCHMARKS.md ("Memory estimate against measured peaks"), with the
//! full panel on a release build.

#![cfg(target_os = "linux")]

use std::path::Path;

use assert_cmd::Command;

/// Parses a `--stats` size such as `123.4 MiB` or `1.2 GiB` into MiB.
fn mib(text: &str) -> f64 {
    let mut parts = text.split_whitespace();
    let value: f64 = parts.next().and_then(|v| v.parse().ok()).expect("a number");
    match parts.next() {
        Some("KiB") => value / 1024.0,
        Some("MiB") => value,
        Some("GiB") => value * 1024.0,
        other => panic!("unit {other:?}"),
    }
}

/// Runs `mailsim run` with `--stats` and returns (peak, estimate) in MiB.
fn measured(dir: &Path, scenario: &str, extra: &[&str]) -> (f64, f64) {
    std::fs::write(dir.join("s.ron"), scenario).expect("write");
    let output = Command::cargo_bin("mailsim")
        .expect("binary")
        .current_dir(dir)
        .args(["run", "s.ron", "--out", "out", "--quiet", "--stats"])
        .args(extra)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let peak = stderr
        .split("peak memory (RSS) ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("the peak");
    let estimate = stderr.split("estimated ").nth(1).expect("the estimate");
    let _ = std::fs::remove_dir_all(dir.join("out"));
    (mib(peak), mib(estimate.trim()))
}

fn assert_close(what: &str, (peak, estimate): (f64, f64)) {
    eprintln!("{what}: measured {peak:.1} MiB, estimated {estimate:.1} MiB");
    let error = (estimate - peak) / peak;
    assert!(
        error.abs() <= 0.30,
        "{what}: estimated {estimate:.1} MiB, measured {peak:.1} MiB ({:+.0}%)",
        error * 100.0
    );
}

#[test]
fn the_estimate_is_within_30_percent_of_the_measured_peak() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rows = r#"(name: "rows", run: (horizon: "100d", sample_every: "1m", stop_when_drained: false),
        senders: [(name: "s", traffic: [Campaign(messages: 10, at: "0s")],
        recipients: (mix: {"r": 1.0}), retry: Fixed(interval: "20m"))], receivers: {"r": ()})"#;
    assert_close(
        "time-series rows and their charts",
        measured(dir.path(), rows, &[]),
    );
    let backlog = r#"(name: "backlog", run: (horizon: "1d", sample_every: "1h"),
        senders: [(name: "s", traffic: [Campaign(messages: 2000000, at: "0s", spread: "1h")],
        recipients: (mix: {"r": 1.0}), retry: Fixed(interval: "20m"))], receivers: {"r": ()})"#;
    assert_close(
        "a backlog waiting for connections",
        measured(dir.path(), backlog, &[]),
    );
    // A study on one worker: the second run starts after the first has ended and freed its
    // memory, so the peak is one run's (and what the allocator keeps from the first),
    // whatever the machine is doing.
    let one_worker = rows.replace("100d", "300d");
    assert_close(
        "a study's runs one after another",
        measured(
            dir.path(),
            &one_worker,
            &["--replications", "2", "--jobs", "1"],
        ),
    );
}
