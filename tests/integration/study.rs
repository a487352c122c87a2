//! Studies over many runs: confidence intervals that cover a known answer, common random
//! numbers, warm-up, results that do not depend on the thread count or on sharding, and a
//! sweep that finds a known threshold.

use std::path::Path;

use crate::helpers::{run, scenario};
use assert_cmd::Command;
use mailsim::model::RunControl;
use mailsim::study::{Interval, Workers, metric_value, run_cells};

/// A sender whose receiver defers each attempt with probability `q` (reputation, independent
/// draws), with instant attempts, unlimited connections and a fixed `interval_s` retry: the
/// number of failures before delivery is geometric, so the mean delay is T·q/(1−q).
fn independent_failures(q: f64, interval_s: u32, seed: u64, messages: u32) -> String {
    format!(
        r#"(
            name: "geometric",
            run: (horizon: "60d", seed: {seed}),
            senders: [(
                name: "s",
                traffic: [Campaign(messages: {messages}, at: "0s", spread: "1h")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
                retry: Fixed(interval: "{interval_s}s", lifetime: "30d"),
            )],
            receivers: {{ "r": (reputation_deferral: {{Good: {q}}}) }},
        )"#
    )
}

fn no_progress() {}

/// `latency_s.mean` of replications `0..replications` of scenario text, on `threads` threads.
fn mean_latencies(text: &str, replications: u32, threads: usize) -> Vec<f64> {
    let scenario = scenario(text);
    let workers = Workers {
        threads,
        shard: None,
        control: RunControl::default(),
        progress: &no_progress,
    };
    let reduce = |_: usize, _: u32, output: mailsim::model::RunOutput| {
        metric_value(&output.summary, "latency_s.mean").expect("deliveries")
    };
    run_cells(
        &[scenario],
        &["x".into()],
        0..replications,
        workers,
        &reduce,
    )
    .expect("runs")
}

#[test]
fn the_95_percent_interval_covers_the_known_mean_delay_about_95_percent_of_the_time() {
    let (q, interval) = (0.5, 600);
    let truth = f64::from(interval) * q / (1.0 - q);
    let experiments = 40;
    let mut covered = 0;
    let mut all = Vec::new();
    for seed in 1..=experiments {
        let latencies = mean_latencies(&independent_failures(q, interval, seed, 100), 5, 2);
        let ci = Interval::of(&latencies).expect("five values");
        covered += usize::from(ci.covers(truth));
        all.extend(latencies);
    }
    // Expected 38 of 40; fewer than 34 would happen by chance well under 1% of the time.
    assert!(covered >= 34, "covered {covered} of {experiments}");
    let overall = Interval::of(&all).unwrap();
    assert!(
        (overall.mean - truth).abs() < 0.03 * truth,
        "{} vs {truth}",
        overall.mean
    );
}

#[test]
fn threads_do_not_change_replication_results() {
    let text = independent_failures(0.3, 300, 7, 50);
    assert_eq!(mean_latencies(&text, 6, 1), mean_latencies(&text, 6, 2));
}

#[test]
fn a_warmup_leaves_early_arrivals_out_of_latency_but_counts_them() {
    // 10 messages at 0 and 10 at 2h, each delivered after exactly one 30 min outage-retry
    // for the first group only.
    let text = |warmup: &str| {
        format!(
            r#"(
            name: "warm",
            run: (horizon: "1d", warmup: "{warmup}"),
            senders: [(
                name: "s",
                traffic: [Campaign(messages: 10, at: "0s"), Campaign(messages: 10, at: "2h")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
                retry: Fixed(interval: "30m"),
            )],
            receivers: {{ "r": (outages: [(start: "0s", end: "1m", kind: Refused)]) }},
        )"#
        )
    };
    let cold = run(&text("0s")).summary;
    let warm = run(&text("1h")).summary;
    assert_eq!((cold.delivered, warm.delivered), (20, 20));
    assert_eq!((cold.attempts, warm.attempts), (30, 30));
    assert_eq!(cold.latency_s.as_ref().unwrap().mean, 900.0);
    assert_eq!(warm.latency_s.as_ref().unwrap().mean, 0.0);
    assert_eq!(cold.warmup_s, None);
    assert_eq!(warm.warmup_s, Some(3600.0));
    // Little's law over the window after the warm-up: nothing is ever queued then.
    assert_eq!(warm.little.mean_queued, 0.0);
}

fn mailsim(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("mailsim")
        .expect("binary")
        .args(args)
        .output()
        .expect("run")
}

fn succeed(args: &[&str]) -> String {
    let output = mailsim(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Every file of a folder, by name, with its bytes.
fn files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .expect("folder")
        .map(|entry| {
            let entry = entry.expect("entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).expect("file"),
            )
        })
        .collect();
    files.sort();
    files
}

/// Asserts two folders hold the same files with the same bytes, naming the first difference.
fn assert_same_folders(a: &Path, b: &Path) {
    let (left, right) = (files(a), files(b));
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&left), names(&right));
    for ((name, x), (_, y)) in left.iter().zip(&right) {
        assert!(
            x == y,
            "{name} differs:\n{}\n---\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

/// A temporary folder holding THROTTLED as `tiny.ron`, with the scenario and output paths.
fn tiny_folder() -> (tempfile::TempDir, String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.ron");
    std::fs::write(&file, THROTTLED).unwrap();
    let out = dir.path().join("out");
    (dir, file.to_str().unwrap().to_string(), out)
}

/// A small throttled scenario where policies differ.
const THROTTLED: &str = r#"(
    name: "tiny",
    run: (horizon: "3d", seed: 5),
    senders: [(
        name: "s",
        traffic: [Poisson(rate: "1200/h", end: "1h")],
        recipients: (mix: {"r": 1.0}, invalid_share: 0.02),
        connections: (per_destination: 4),
        retry: Postfix(),
    )],
    receivers: { "r": (throttle: (rate: "600/h", burst: 20)) },
)"#;

#[test]
fn compare_gives_zero_paired_difference_for_a_policy_against_itself_and_the_same_bytes_on_any_thread_count()
 {
    let (_dir, file, out) = tiny_folder();
    let (file, out) = (file.as_str(), out.to_str().unwrap());
    let compare = |jobs: &str, id: &str| {
        succeed(&[
            "compare",
            file,
            "--policy",
            "fope",
            "--policy",
            "fope",
            "--policy",
            "postfix:minimal_backoff_time=600s",
            "--replications",
            "4",
            "--jobs",
            jobs,
            "--out",
            out,
            "--run-id",
            id,
            "-q",
        ])
    };
    compare("1", "one");
    compare("2", "two");
    assert_same_folders(
        &Path::new(out).join("tiny/one"),
        &Path::new(out).join("tiny/two"),
    );
    let one = files(&Path::new(out).join("tiny/one"));
    let names: Vec<&str> = one.iter().map(|f| f.0.as_str()).collect();
    for expected in [
        "comparison.json",
        "comparison.csv",
        "comparison.md",
        "compare-queue-depth.svg",
        "compare-receiver-load.svg",
        "compare-latency-cdf.svg",
        "compare-outcomes.svg",
        "report.html",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&one.iter().find(|f| f.0 == "comparison.json").unwrap().1).unwrap();
    assert_eq!(json["meta"]["replications"], 4);
    assert_eq!(json["baseline"], "fope");
    let cells = json["cells"].as_array().unwrap();
    assert_eq!(cells[1]["label"], "fope #2");
    // The same policy under common random numbers: every paired difference is exactly 0.
    for row in cells[1]["difference"].as_array().unwrap() {
        if !row["mean"].is_null() {
            assert_eq!(row["mean"], 0.0, "{row}");
            assert_eq!(row["half_width"], 0.0, "{row}");
        }
    }
    // A different policy does differ, in attempts at least.
    let attempts = cells[2]["difference"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["metric"] == "attempts")
        .unwrap();
    assert_ne!(attempts["mean"], 0.0);
}

#[test]
fn shards_merged_equal_the_unsplit_sweep_byte_for_byte() {
    let (_dir, file, out) = tiny_folder();
    let (file, out_s) = (file.as_str(), out.to_str().unwrap());
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            file,
            "--set",
            "senders[0].connections.per_destination=1,4",
            "--set",
            "receivers.r.throttle.rate=300/h..600/h:300/h",
            "--replications",
            "3",
            "--target",
            "latency_s.mean <= 1h",
            "--out",
            out_s,
            "-q",
        ];
        args.extend(extra);
        succeed(&args)
    };
    sweep(&["--run-id", "whole"]);
    for k in ["1/3", "2/3", "3/3"] {
        let id = format!("part{}", &k[..1]);
        sweep(&["--shard", k, "--run-id", &id]);
    }
    let part = |k: &str| {
        out.join(format!("tiny/part{k}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let (p1, p2, p3) = (part("1"), part("2"), part("3"));
    succeed(&[
        "merge", &p3, &p1, &p2, "--out", out_s, "--run-id", "merged", "-q",
    ]);
    assert_same_folders(&out.join("tiny/whole"), &out.join("tiny/merged"));
    let whole = files(&out.join("tiny/whole"));
    assert!(whole.iter().any(|f| f.0 == "sweep.csv"));
    assert!(whole.iter().any(|f| f.0 == "sweep-latency_s.mean.svg"));
    // A missing part is refused with exit code 2.
    let output = mailsim(&["merge", &p1, &p2, "--out", out_s]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing shard(s) 3/3"));
}

#[test]
fn a_sweep_finds_the_connections_needed_for_a_latency_target() {
    // 60 messages at once, 60 s each, no retries: with c connections the last one is
    // delivered after ceil(60 / c) minutes, so `latency_s.max <= 600` needs c >= 6.
    let text = r#"(
        name: "capacity",
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 60, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: 1, transaction_time: Fixed("60s")),
            retry: Fixed(interval: "10m"),
        )],
        receivers: { "r": () },
    )"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("capacity.ron");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let stdout = succeed(&[
        "sweep",
        file.to_str().unwrap(),
        "--set",
        "senders[0].connections.per_destination=1..10:1",
        "--target",
        "latency_s.max <= 10m",
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--run-id",
        "c",
    ]);
    let met = "Target longest latency ≤ 10m: met from connections per destination = 6 (judged";
    assert!(stdout.contains(met), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("capacity/c/sweep.json")).unwrap()).unwrap();
    assert_eq!(json["thresholds"][0]["value"], "6");
    assert_eq!(json["meta"]["kind"], "sweep");
}

#[test]
fn bad_sweep_paths_and_values_exit_2_naming_the_valid_form() {
    let (_dir, file, out) = tiny_folder();
    let file = file.as_str();
    for (set, expected) in [
        ("senders[3].retry.interval=1m", "has 1 item(s)"),
        ("senders[0].connections.per_destination", "has no `=`"),
        (
            "senders[0].connections.per_destination=1..4",
            "needs a step",
        ),
        ("receivers.nope.throttle.rate=1/h", "has no entry `nope`"),
        (
            "senders[0].connections.per_destination=0",
            "per_destination",
        ),
    ] {
        let output = mailsim(&["sweep", file, "--set", set, "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(expected), "{set}: {stderr}");
    }
    assert!(!out.exists(), "nothing is written for bad input");
}

#[test]
fn run_with_replications_reports_intervals_and_shards_merge_back() {
    let (_dir, file, out) = tiny_folder();
    let (file, out_s) = (file.as_str(), out.to_str().unwrap());
    let stdout = succeed(&[
        "run",
        file,
        "--replications",
        "4",
        "--out",
        out_s,
        "--run-id",
        "all",
    ]);
    assert!(stdout.contains("4 replications per run"), "{stdout}");
    assert!(stdout.contains("\n  p99 latency  "), "{stdout}");
    for (shard, id) in [("1/2", "a"), ("2/2", "b")] {
        succeed(&[
            "run",
            file,
            "--replications",
            "4",
            "--shard",
            shard,
            "--out",
            out_s,
            "--run-id",
            id,
            "-q",
        ]);
    }
    let (a, b) = (out.join("tiny/a"), out.join("tiny/b"));
    succeed(&[
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        out_s,
        "--run-id",
        "m",
        "-q",
    ]);
    assert_same_folders(&out.join("tiny/all"), &out.join("tiny/m"));
}

#[test]
fn precision_adds_replications_until_the_interval_is_narrow_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("geometric.ron");
    std::fs::write(&file, independent_failures(0.5, 600, 3, 100)).unwrap();
    let out = dir.path().join("out");
    let (file, out_s) = (file.to_str().unwrap(), out.to_str().unwrap());
    for (jobs, id) in [("1", "one"), ("2", "two")] {
        succeed(&[
            "run",
            file,
            "--precision",
            "latency_s.mean=0.05",
            "--jobs",
            jobs,
            "--out",
            out_s,
            "--run-id",
            id,
            "-q",
        ]);
    }
    assert_same_folders(&out.join("geometric/one"), &out.join("geometric/two"));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("geometric/one/replications.json")).unwrap(),
    )
    .unwrap();
    // Starting at 5 and doubling: the per-replication spread (about 14% of the mean) needs
    // more than 20 replications for a half-width within 5%.
    assert_eq!(json["meta"]["replications"], 40);
    let latency = json["cells"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["metric"] == "latency_s.mean")
        .unwrap();
    let relative = latency["half_width"].as_f64().unwrap() / latency["mean"].as_f64().unwrap();
    assert!(relative <= 0.05, "{relative}");
}

#[test]
fn compare_runs_the_scenarios_policies_list_when_no_policy_is_given() {
    let listed = THROTTLED.replace(
        "receivers: {",
        r#"policies: [(name: "postfix", retry: Postfix()), (name: "fope-5m", retry: Fope(interval: "5m"))],
    receivers: {"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("listed.ron");
    std::fs::write(&file, &listed).unwrap();
    let out = dir.path().join("out");
    let (file_s, out_s) = (file.to_str().unwrap(), out.to_str().unwrap());
    let stdout = succeed(&[
        "compare",
        file_s,
        "--replications",
        "2",
        "--out",
        out_s,
        "--run-id",
        "c",
    ]);
    let ranked = ["\n  1     fope-5m  ", "\n  2     postfix (baseline)  "];
    assert!(ranked.iter().all(|row| stdout.contains(row)), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("tiny/c/comparison.json")).unwrap())
            .unwrap();
    assert_eq!(json["baseline"], "postfix");
    assert_eq!(
        json["cells"][1]["settings"][0][1],
        r#"Fope(interval: "5m")"#
    );
    // A mistake in the list is a scenario error naming its place, with exit code 2.
    std::fs::write(
        &file,
        listed.replace(r#"interval: "5m""#, r#"interval: "0s""#),
    )
    .unwrap();
    let output = mailsim(&["compare", file_s, "--out", out_s]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("policies[1].retry.interval"), "{stderr}");
}
