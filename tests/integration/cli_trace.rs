//! `mailsim trace` from the outside: one message's timeline with exact times and replies, the
//! first deferred message, the JSON-lines event log and its filters, and exit code 2 on bad
//! input.

use assert_cmd::Command;

fn mailsim() -> Command {
    Command::cargo_bin("mailsim").expect("binary")
}

/// Message 1 at 0 from sender "s" to a greylisting receiver (delay 25m), 2 s transactions,
/// 10-minute retries; message 2 at 1m from sender "t" to a receiver that accepts everything.
const GREYLIST: &str = r#"(
    name: "trace-micro",
    run: (horizon: "1d", sample_every: "10m"),
    senders: [(
        name: "s",
        ips: [(count: 1, first_address: "203.0.113.1")],
        traffic: [Campaign(messages: 1, at: "0s")],
        recipients: (mix: {"grey": 1.0}),
        connections: (per_destination: 1, transaction_time: Fixed("2s")),
        delay_warning: "15m",
        retry: Fixed(interval: "10m"),
    ), (
        name: "t",
        ips: [(count: 1, first_address: "203.0.113.2")],
        traffic: [Campaign(messages: 1, at: "1m")],
        recipients: (mix: {"ok": 1.0}),
        connections: (transaction_time: Fixed("2s")),
        retry: Fixed(interval: "10m"),
    )],
    receivers: { "grey": (greylisting: (delay: "25m")), "ok": () },
)"#;

fn write_scenario(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("trace-micro.ron");
    std::fs::write(&path, GREYLIST).expect("write");
    path.display().to_string()
}

fn run(args: &[&str]) -> std::process::Output {
    mailsim().args(args).output().expect("runs")
}

#[test]
fn trace_shows_each_attempt_with_its_reply_and_the_policys_decision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_scenario(&dir);
    let out = run(&["trace", &file, "--message", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("→ receiver grey"), "{text}");
    assert!(text.contains("retry policy: fixed: every 10m"), "{text}");
    // Greylisted from 0 until 25m: attempts at 0, 10m02s, 20m04s fail, 30m06s succeeds.
    assert_eq!(
        text.matches(
            "← 450 4.2.0 Greylisted, please try again later (temporary failure, recipient scope)"
        )
        .count(),
        3,
        "{text}"
    );
    let arrival = 0;
    let clock = |s: u64| format!("0:{:02}:{:02}.000", s / 60, s % 60);
    for (offset, line) in [
        (0, "attempt 1 from 203.0.113.1 on a new connection"),
        (
            2,
            "deferred: the reply is temporary (4.2.0); the policy retries at 0:10:02.000 (in 10m)",
        ),
        (30 * 60 + 6, "attempt 4 from 203.0.113.1"),
        (30 * 60 + 8, "  ← 250 2.0.0 OK (accepted, message scope)"),
        (30 * 60 + 8, "delivered, 30m8s after arrival"),
    ] {
        let expected = format!("{}  {line}", clock(arrival + offset));
        assert!(text.contains(&expected), "no {expected:?} in\n{text}");
    }
    // The delay notice at the first failure at or past 15 minutes (the attempt of 20m04s
    // ends at 20m06s).
    assert!(
        text.contains(&format!(
            "{}  delay notice sent to the sender (queued for 20m6s)",
            clock(arrival + 20 * 60 + 6)
        )),
        "{text}"
    );
}

#[test]
fn first_deferred_follows_the_greylisted_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_scenario(&dir);
    let out = run(&["trace", &file, "--first-deferred"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("message 1 of trace-micro (seed 1): sender s → receiver grey"),
        "{text}"
    );
    // --to alone follows the first message to that receiver.
    let out = run(&["trace", &file, "--to", "ok"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("message 2 of trace-micro"), "{text}");
    assert!(
        text.contains("0:01:02.000  delivered, 2s after arrival"),
        "{text}"
    );
    // Nothing to the accepting receiver is ever deferred.
    let out = run(&["trace", &file, "--first-deferred", "--to", "ok"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf-8"),
        "no message to ok was deferred in this run\n"
    );
}

#[test]
fn events_writes_one_json_object_per_step_and_filters_by_receiver() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_scenario(&dir);
    let all = dir.path().join("all.jsonl");
    let out = run(&["trace", &file, "--events", all.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&all).expect("written");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    // grey: arrived + 4 × (started, ended) + 3 deferred + 1 notice + delivered = 14;
    // ok: arrived, started, ended, delivered = 4.
    assert_eq!(lines.len(), 18);
    let ended: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["event"] == "attempt_ended")
        .collect();
    assert_eq!(ended.len(), 5);
    let greylisted = ended.iter().filter(|l| l["code"] == "4.2.0").count();
    assert_eq!(greylisted, 3);
    let first = ended
        .iter()
        .find(|l| l["code"] == "4.2.0")
        .expect("greylisted");
    assert_eq!(first["ip"], "203.0.113.1");
    assert_eq!(first["sender"], "s");
    assert_eq!(first["message"], 1);
    assert_eq!(first["receiver"], "grey");
    assert_eq!(first["scope"], "recipient");
    assert_eq!(
        first["reply"],
        "450 4.2.0 Greylisted, please try again later"
    );
    // Times never go back.
    let times: Vec<f64> = lines
        .iter()
        .map(|l| l["time_s"].as_f64().expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    // --to keeps only that receiver's steps; an existing file is not replaced without --force.
    let ok = dir.path().join("ok.jsonl");
    let ok_path = ok.to_str().expect("path");
    assert!(
        run(&["trace", &file, "--events", ok_path, "--to", "ok"])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&ok).expect("written");
    assert_eq!(text.lines().count(), 4);
    assert!(text.lines().all(|l| l.contains(r#""receiver":"ok""#)));
    let again = run(&["trace", &file, "--events", ok_path]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert!(
        run(&["trace", &file, "--events", ok_path, "--force"])
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(&ok).expect("read").lines().count(),
        18
    );
}

#[test]
fn bad_trace_requests_exit_with_2_and_say_how_to_fix_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_scenario(&dir);
    for (args, hint) in [
        (vec!["trace", &file], "--first-deferred"),
        (vec!["trace", &file, "--to", "nope"], "use one of: grey, ok"),
        (vec!["trace", &file, "--message", "0"], "numbered from 1"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
    // A message number past the last one is not an error: the trace says so.
    let out = run(&["trace", &file, "--message", "9"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("never arrived"));
}

/// Twenty messages at once to a receiver that refuses connections for the first 30 minutes.
const REFUSED: &str = r#"(
    name: "trace-refused",
    run: (horizon: "1d"),
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 20, at: "0s")],
        recipients: (mix: {"down": 1.0}),
        connections: (per_destination: 2),
        retry: Postfix(),
    )],
    receivers: { "down": (outages: [(start: "0s", end: "30m", kind: Refused)]) },
)"#;

#[test]
fn trace_names_the_rule_behind_a_hold_and_follows_the_message_under_another_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trace-refused.ron");
    std::fs::write(&path, REFUSED).expect("write");
    let file = path.display().to_string();
    let out = run(&["trace", &file, "--message", "20"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("retry policy: postfix:"), "{text}");
    assert!(
        text.contains("deferred: without an attempt, as if 4.4.1 again: Postfix dead destination"),
        "{text}"
    );
    // The same message under Exim: the host's retry record holds it.
    let out = run(&["trace", &file, "--message", "20", "--policy", "exim"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("retry policy: exim:"), "{text}");
    assert!(
        text.contains("without an attempt: Exim retry time not reached for the host"),
        "{text}"
    );
    // The event log names the rule too.
    let events = dir.path().join("e.jsonl");
    let out = run(&["trace", &file, "--events", &events.display().to_string()]);
    assert!(out.status.success());
    let log = std::fs::read_to_string(&events).expect("written");
    assert!(
        log.lines().any(|l| l.contains("\"event\":\"deferred\"")
            && l.contains("\"rule\":\"Postfix dead destination")),
        "{log}"
    );
    // An unknown policy is bad input.
    let out = run(&["trace", &file, "--message", "1", "--policy", "nonesuch"]);
    assert_eq!(out.status.code(), Some(2));
}
