//! The command line says what it did: a comparison needs two policies, a split never makes an
//! empty part, a `--precision` goal that was not reached says so and exits with code 3, and
//! `validate` prints the size estimate that `run` checks.

use assert_cmd::Command;

/// A small scenario whose replications differ (Poisson arrivals).
const SMALL: &str = r#"(
    name: "honest",
    run: (horizon: "1d", seed: 3),
    senders: [(
        name: "s",
        traffic: [Poisson(rate: "600/h", end: "1h")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "10m"),
    )],
    receivers: { "r": (reputation_deferral: {Good: 0.3}) },
)"#;

/// Runs mailsim in a temporary folder holding SMALL as `s.ron`; returns the folder, the exit
/// code, stdout and stderr.
fn mailsim(args: &[&str]) -> (tempfile::TempDir, Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.ron"), SMALL).expect("write");
    let output = Command::cargo_bin("mailsim")
        .expect("binary built")
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    (dir, output.status.code(), stdout, stderr)
}

#[test]
fn a_comparison_of_one_policy_is_refused() {
    let (dir, code, _, stderr) = mailsim(&["compare", "s.ron", "--policy", "postfix"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("two or more policies"), "{stderr}");
    assert!(
        stderr.contains("only one --policy was given: `postfix`"),
        "{stderr}"
    );
    assert!(!dir.path().join("output").exists());
}

#[test]
fn a_split_into_more_parts_than_runs_is_refused() {
    let args = ["run", "s.ron", "--replications", "1", "--shard", "2/2"];
    let (dir, code, _, stderr) = mailsim(&args);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("1 configuration × 1 replication = 1 run"),
        "{stderr}"
    );
    assert!(stderr.contains("--shard K/1"), "{stderr}");
    assert!(!dir.path().join("output").exists());
    // As many parts as runs is fine.
    let (_, code, stdout, stderr) =
        mailsim(&["run", "s.ron", "--replications", "2", "--shard", "2/2"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("shard 2/2 (1 run): "), "{stdout}");
}

#[test]
fn an_unreached_precision_goal_is_said_plainly_and_exits_3_with_the_results_written() {
    let args = [
        "run",
        "s.ron",
        "--precision",
        "latency_s.mean=0.0001",
        "--max-replications",
        "4",
        "--quiet",
    ];
    let (dir, code, stdout, stderr) = mailsim(&args);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("precision NOT reached"), "{stderr}");
    assert!(stderr.contains("(asked: at most 0.01%)"), "{stderr}");
    assert!(stdout.contains("results: "), "{stdout}");
    let folder = dir.path().join("output/honest/replications-seed-3");
    assert!(folder.join("report.html").exists());
    // A goal met says what was reached, as a percentage of the fraction asked (5% = 0.05).
    let (_, code, _, stderr) = mailsim(&["run", "s.ron", "--precision", "delivered=0.5"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("precision reached"), "{stderr}");
    assert!(stderr.contains("(asked: at most 50%)"), "{stderr}");
}

#[test]
fn validate_prints_the_size_estimate() {
    let (_, code, stdout, stderr) = mailsim(&["validate", "s.ron"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("\nestimate: about 600 messages"),
        "{stdout}"
    );
    assert!(stdout.ends_with("ok: s.ron is valid\n"), "{stdout}");
}
