//! Malformed scenarios: each must fail with exit code 2, a message that says what and where,
//! and nothing written under the output folder.

use assert_cmd::Command;

use super::helpers::validate;

/// The suite's small valid scenario, which the malformed cases edit.
pub(crate) const VALID: &str = r#"(
    name: "ok",
    senders: [(
        name: "s",
        traffic: [Poisson(rate: "600/h", end: "1h")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "20m"),
    )],
    receivers: { "r": () },
)"#;

/// (case, scenario text, fragments the error must contain).
///
/// Longer than 80 lines because it is a data table, not logic: one entry per malformed
/// scenario (its name, an edit of [`VALID`], the fragments), and one list is where a reader
/// looks for whether a mistake is covered.
fn cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let edit = |from: &str, to: &str| {
        assert!(VALID.contains(from), "{from} not in the base scenario");
        VALID.replacen(from, to, 1)
    };
    vec![
        (
            "unclosed bracket",
            VALID.trim_end_matches(')').to_string(),
            vec!["test.ron:"],
        ),
        (
            "missing comma",
            edit(r#"name: "s","#, r#"name: "s""#),
            vec!["test.ron:5:"],
        ),
        (
            "unknown field",
            edit(r#"name: "s","#, r#"name: "s", colour: 3,"#),
            vec!["test.ron:4:", "colour"],
        ),
        (
            "bad duration unit",
            edit(r#"end: "1h""#, r#"end: "1x""#),
            vec!["test.ron:5:", "invalid duration `1x`", "90s"],
        ),
        (
            "negative duration",
            edit(r#"end: "1h""#, r#"end: "-1h""#),
            vec!["test.ron:5:", "negative duration"],
        ),
        (
            "bad rate",
            edit(r#""600/h""#, r#""600 per hour""#),
            vec!["test.ron:5:", "invalid rate", "600/h"],
        ),
        (
            "rate with unknown unit",
            edit(r#""600/h""#, r#""600/week""#),
            vec!["test.ron:5:", "unknown unit `week`"],
        ),
        (
            "unknown policy",
            edit("Fixed(", "Fxed("),
            vec!["test.ron:7:", "Fxed", "Fixed"],
        ),
        (
            "wrong type",
            edit(r#"mix: {"r": 1.0}"#, r#"mix: {"r": "all"}"#),
            vec!["test.ron:6:"],
        ),
        (
            "shares do not sum to 1",
            edit(r#"{"r": 1.0}"#, r#"{"r": 0.9}"#),
            vec!["senders[0].recipients.mix", "sum to 0.9"],
        ),
        (
            "unknown receiver in the mix",
            edit(r#"{"r": 1.0}"#, r#"{"x": 1.0}"#),
            vec!["senders[0].recipients.mix.x", "no receiver named `x`", "r"],
        ),
        (
            "end before start",
            edit(r#"end: "1h""#, r#"start: "2h", end: "1h""#),
            vec!["senders[0].traffic[0].end", "not after the start"],
        ),
        (
            "zero connections",
            edit(r#"retry:"#, r#"connections: (per_destination: 0), retry:"#),
            vec!["senders[0].connections.per_destination", "zero connections"],
        ),
        (
            "bad connection word",
            edit(
                r#"retry:"#,
                r#"connections: (per_destination: "lots"), retry:"#,
            ),
            vec!["senders[0].connections.per_destination", "`lots`"],
        ),
        (
            "zero retry interval",
            edit(r#"interval: "20m""#, r#"interval: "0s""#),
            vec!["senders[0].retry.interval"],
        ),
        (
            "cap below base",
            edit(
                r#"Fixed(interval: "20m")"#,
                r#"Exponential(base: "1h", cap: "5m")"#,
            ),
            vec!["senders[0].retry.cap", "smaller than the base"],
        ),
        (
            "share above one",
            edit(
                r#"mix: {"r": 1.0})"#,
                r#"mix: {"r": 1.0}, invalid_share: 1.5)"#,
            ),
            vec!["test.ron:6:", "not a share"],
        ),
        (
            "outage ends before it starts",
            edit(
                r#""r": ()"#,
                r#""r": (outages: [(start: "2h", end: "1h", kind: Timeout)])"#,
            ),
            vec!["receivers.r.outages[0].end"],
        ),
        (
            "overlapping outages",
            edit(
                r#""r": ()"#,
                r#""r": (outages: [(start: "1h", end: "3h", kind: Timeout), (start: "2h", end: "4h", kind: Refused)])"#,
            ),
            vec!["receivers.r.outages[1]", "overlaps"],
        ),
        (
            "unknown outage kind",
            edit(
                r#""r": ()"#,
                r#""r": (outages: [(start: "1h", end: "2h", kind: Blackout)])"#,
            ),
            vec!["test.ron:9:", "Blackout", "Timeout"],
        ),
        (
            "zero sample interval",
            edit(
                r#"name: "ok","#,
                r#"name: "ok", run: (sample_every: "0s"),"#,
            ),
            vec!["run.sample_every"],
        ),
        (
            "source past the horizon",
            edit(r#"name: "ok","#, r#"name: "ok", run: (horizon: "30m"),"#)
                .replace(r#"end: "1h""#, r#"start: "40m""#),
            vec!["senders[0].traffic[0].start", "horizon"],
        ),
        (
            "bad folder name",
            edit(r#"name: "ok""#, r#"name: "../x""#),
            vec!["name", "folder name"],
        ),
        (
            "empty campaign",
            edit(
                r#"Poisson(rate: "600/h", end: "1h")"#,
                r#"Campaign(messages: 0, at: "0s")"#,
            ),
            vec!["senders[0].traffic[0].messages"],
        ),
        (
            "no senders",
            edit(r#"senders: ["#, r#"senders: [], unused: ["#),
            vec!["test.ron:"],
        ),
        (
            "bad IP address",
            edit(
                r#"name: "s","#,
                r#"name: "s", ips: [(count: 1, first_address: "300.1.1.1")],"#,
            ),
            vec!["senders[0].ips[0].first_address", "not an IPv4 address"],
        ),
        (
            "duplicate sender",
            edit(
                r#"    )],"#,
                r#"    ), (name: "s", traffic: [Campaign(messages: 1, at: "0s")], recipients: (mix: {"r": 1.0}), retry: Fixed(interval: "1m"))],"#,
            ),
            vec!["senders[1].name", "already defined"],
        ),
        (
            "empty sender name",
            edit(r#"name: "s","#, r#"name: "","#),
            vec!["senders[0].name", "empty"],
        ),
        (
            "zero messages per connection",
            edit(
                r#"retry:"#,
                r#"connections: (messages_per_connection: 0), retry:"#,
            ),
            vec!["senders[0].connections.messages_per_connection"],
        ),
        (
            "zero alert interval",
            edit(
                r#"retry:"#,
                r#"queue_alert: (threshold: 10, every: "0s"), retry:"#,
            ),
            vec!["senders[0].queue_alert.every"],
        ),
        (
            "zero-IP pool",
            edit(r#"name: "s","#, r#"name: "s", ips: [(count: 0)],"#),
            vec!["senders[0].ips[0].count"],
        ),
        (
            "no IP pools",
            edit(r#"name: "s","#, r#"name: "s", ips: [],"#),
            vec!["senders[0].ips", "no sending IPs"],
        ),
        (
            "too many IPs",
            edit(r#"name: "s","#, r#"name: "s", ips: [(count: 70000)],"#),
            vec!["senders[0].ips", "at most 65535"],
        ),
        ("too many IPs across senders", edit(r#"name: "s","#, r#"name: "s", ips: [(count: 40000)],"#).replace(r#"    )],"#, r#"    ), (name: "t", ips: [(count: 40000)], traffic: [Campaign(messages: 1, at: "0s")], recipients: (mix: {"r": 1.0}), retry: Fixed(interval: "1m"))],"#), vec!["senders", "80000 sending IPs in all"]),
        (
            "no traffic",
            edit(
                r#"traffic: [Poisson(rate: "600/h", end: "1h")],"#,
                r#"traffic: [],"#,
            ),
            vec!["senders[0].traffic", "no traffic sources"],
        ),
        (
            "empty mix",
            edit(r#"mix: {"r": 1.0}"#, r#"mix: {}"#),
            vec!["senders[0].recipients.mix", "empty"],
        ),
        (
            "negative share in the mix",
            edit(r#"{"r": 1.0}"#, r#"{"r": -1.0}"#),
            vec!["senders[0].recipients.mix.r", "not a number above 0"],
        ),
        (
            "duplicate key in the mix",
            edit(r#"{"r": 1.0}"#, r#"{"r": 0.5, "r": 0.5}"#),
            vec!["test.ron:6:", "appears twice"],
        ),
        (
            "duplicate receiver",
            edit(r#""r": ()"#, r#""r": (), "r": ()"#),
            vec!["test.ron:9:", "appears twice"],
        ),
        (
            "profile steps out of order",
            edit(
                r#"Poisson(rate: "600/h", end: "1h")"#,
                r#"Profile(steps: [(from: "2h", rate: "1/h"), (from: "1h", rate: "2/h")])"#,
            ),
            vec!["senders[0].traffic[0].steps[1].from", "not after"],
        ),
        (
            "profile period too short",
            edit(
                r#"Poisson(rate: "600/h", end: "1h")"#,
                r#"Profile(steps: [(from: "0h", rate: "1/h"), (from: "30h", rate: "2/h")], repeat: "24h")"#,
            ),
            vec!["senders[0].traffic[0].repeat"],
        ),
        (
            "profile of zero rates",
            edit(
                r#"Poisson(rate: "600/h", end: "1h")"#,
                r#"Profile(steps: [(from: "0h", rate: "0/h")])"#,
            ),
            vec!["senders[0].traffic[0].steps", "zero rate"],
        ),
        (
            "zero Poisson rate",
            edit(r#""600/h""#, r#""0/h""#),
            vec!["senders[0].traffic[0].rate", "zero rate"],
        ),
        (
            "zero throttle rate",
            edit(r#""r": ()"#, r#""r": (throttle: (rate: "0/h", burst: 5))"#),
            vec!["receivers.r.throttle.rate"],
        ),
        (
            "zero throttle burst",
            edit(r#""r": ()"#, r#""r": (throttle: (rate: "10/h", burst: 0))"#),
            vec!["receivers.r.throttle.burst"],
        ),
        (
            "unknown reputation class",
            edit(
                r#""r": ()"#,
                r#""r": (reputation_deferral: {Excellent: 0.1})"#,
            ),
            vec!["test.ron:9:", "Excellent", "Good"],
        ),
        (
            "deferral probability above one",
            edit(r#""r": ()"#, r#""r": (reputation_deferral: {Poor: 1.5})"#),
            vec!["test.ron:9:", "not a share"],
        ),
        (
            "outage after the horizon",
            edit(
                r#""r": ()"#,
                r#""r": (outages: [(start: "8d", end: "9d", kind: Timeout)])"#,
            ),
            vec!["receivers.r.outages[0].start", "horizon"],
        ),
        (
            "outage fraction above one",
            edit(
                r#""r": ()"#,
                r#""r": (outages: [(start: "1h", end: "2h", kind: Timeout, fraction: 2.0)])"#,
            ),
            vec!["test.ron:9:", "not a share"],
        ),
        (
            "zero horizon",
            edit(r#"name: "ok","#, r#"name: "ok", run: (horizon: "0s"),"#),
            vec!["run.horizon"],
        ),
        (
            "offsets out of order",
            edit(
                r#"Fixed(interval: "20m")"#,
                r#"Offsets(offsets: ["30m", "5m"])"#,
            ),
            vec!["senders[0].retry.offsets", "not after"],
        ),
        (
            "empty offsets",
            edit(r#"Fixed(interval: "20m")"#, r#"Offsets(offsets: [])"#),
            vec!["senders[0].retry.offsets", "empty"],
        ),
        (
            "multiplier below one",
            edit(
                r#"Fixed(interval: "20m")"#,
                r#"Exponential(base: "1m", cap: "1h", multiplier: 0.5)"#,
            ),
            vec!["senders[0].retry.multiplier"],
        ),
        (
            "NaN multiplier",
            edit(
                r#"Fixed(interval: "20m")"#,
                r#"Exponential(base: "1m", cap: "1h", multiplier: NaN)"#,
            ),
            vec!["senders[0].retry.multiplier"],
        ),
        (
            "unknown jitter",
            edit(
                r#"Fixed(interval: "20m")"#,
                r#"Exponential(base: "1m", cap: "1h", jitter: Partial)"#,
            ),
            vec!["test.ron:7:", "Partial", "Decorrelated"],
        ),
        (
            "no receivers",
            edit(r#"receivers: { "r": () },"#, r#"receivers: {},"#),
            vec!["receivers", "no receivers"],
        ),
        (
            "duration that overflows",
            edit(r#"end: "1h""#, r#"end: "999999999999999999d""#),
            vec!["test.ron:5:", "duration"],
        ),
        (
            "NaN share",
            edit(
                r#"mix: {"r": 1.0})"#,
                r#"mix: {"r": 1.0}, invalid_share: NaN)"#,
            ),
            vec!["test.ron:6:", "not a share"],
        ),
        (
            "unknown transaction time shape",
            edit(
                r#"retry:"#,
                r#"connections: (transaction_time: Uniform("1s")), retry:"#,
            ),
            vec!["test.ron:7:", "Uniform", "LogNormal"],
        ),
        (
            "text where a number belongs",
            edit(r#"name: "ok","#, r#"name: "ok", run: (seed: "abc"),"#),
            vec!["test.ron:2:"],
        ),
        (
            "missing retry policy",
            edit(r#"        retry: Fixed(interval: "20m"),"#, ""),
            vec!["test.ron:", "retry"],
        ),
    ]
}

#[test]
fn every_bad_scenario_is_refused_with_a_located_message_and_no_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = cases();
    assert!(cases.len() >= 40);
    for (name, text, fragments) in cases {
        let file = dir.path().join("test.ron");
        std::fs::write(&file, &text).expect("write");
        let out = dir.path().join("output");
        let result = Command::cargo_bin("mailsim")
            .expect("binary built")
            .current_dir(dir.path())
            .args(["run", "test.ron", "--out", "output"])
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(
            result.status.code(),
            Some(2),
            "{name}: exit code; stderr:\n{stderr}"
        );
        for fragment in &fragments {
            assert!(
                stderr.contains(fragment),
                "{name}: `{fragment}` missing from:\n{stderr}"
            );
        }
        for internal in ["Raw", "RetrySpec", "Params`", "mailsim::scenario"] {
            assert!(
                !stderr.contains(internal),
                "{name}: `{internal}` in:\n{stderr}"
            );
        }
        assert!(!out.exists(), "{name}: something was written under output/");
    }
}

#[test]
fn the_valid_base_scenario_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("test.ron"), VALID).expect("write");
    Command::cargo_bin("mailsim")
        .expect("binary built")
        .current_dir(dir.path())
        .args(["run", "test.ron", "--quiet", "--out", "output"])
        .assert()
        .success();
    assert!(dir.path().join("output/ok/seed-1/summary.json").exists());
}

#[test]
fn a_missing_file_is_bad_input() {
    let result = Command::cargo_bin("mailsim")
        .expect("binary built")
        .args(["run", "no/such/file.ron"])
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&result.stderr)
            .contains("could not read scenario file no/such/file.ron")
    );
}

#[test]
fn syntax_errors_underline_the_offending_text() {
    let text = VALID.replacen(r#"end: "1h""#, r#"end: "1x""#, 1);
    let (_, _, stderr) = validate(text.as_bytes());
    // The excerpt shows the line and a label under the value.
    assert!(
        stderr.contains(r#"traffic: [Poisson(rate: "600/h", end: "1x")],"#),
        "{stderr}"
    );
    assert!(stderr.contains("here"), "{stderr}");
}
