//! `mailsim policies` and `mailsim schedule` from the outside: output formats, figures the
//! reference sheet's algorithms give by hand, and exit code 2 with the valid choices on bad input.

use assert_cmd::Command;

fn mailsim() -> Command {
    Command::cargo_bin("mailsim").expect("binary")
}

fn stdout(args: &[&str]) -> String {
    let output = mailsim().args(args).output().expect("run");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn policies_lists_every_built_in_policy_with_defaults_and_source() {
    let out = stdout(&["policies"]);
    for name in [
        "fope",
        "exchange-online",
        "exchange-server",
        "postfix",
        "exim",
        "sendmail",
        "kumomta",
        "kumomta-office365",
        "powermta",
        "rfc5321",
        "adaptive",
    ] {
        assert!(
            out.contains(&format!("\n{name}: ")) || out.starts_with(&format!("{name}: ")),
            "{name}"
        );
    }
    assert!(out.contains("maximal_backoff_time: \"1h6m40s\""));
    assert!(out.contains("rules: \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\""));
    assert!(out.contains("qmgr_active.c"));
    let one = stdout(&["policies", "kumomta"]);
    assert!(one.contains("retry_interval: \"20m\"") && !one.contains("postfix:"));
}

#[test]
fn postfix_csv_matches_the_hand_worked_schedule() {
    let csv = stdout(&["schedule", "postfix", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        &lines[..8],
        &[
            "attempt,offset_s,gap_s,event",
            "1,0,,attempt",
            "2,300,300,attempt",
            "3,600,300,attempt",
            "4,1200,600,attempt",
            "5,2400,1200,attempt",
            "6,4800,2400,attempt",
            "7,9000,4200,attempt",
        ]
    );
    assert_eq!(lines.last(), Some(&"108,433200,,expired"));
    assert_eq!(lines.len(), 1 + 108 + 1);
}

#[test]
fn fope_csv_has_one_delay_warning_and_one_expired_row() {
    let csv = stdout(&["schedule", "fope", "--format", "csv"]);
    assert_eq!(csv.matches("delay_warning").count(), 1);
    assert!(csv.contains("\n7,7200,,delay_warning\n"));
    assert!(csv.ends_with("361,432000,,expired\n"));
}

#[test]
fn params_and_replies_change_the_schedule() {
    let csv = stdout(&[
        "schedule",
        "postfix",
        "--format",
        "csv",
        "--param",
        "maximal_queue_lifetime=1h",
        "--param",
        "delay_warning_time=30m",
    ]);
    // Attempts 0, 300, 600, 1200, 2400, 4800 (≥ 3600: expired); the notice at the first
    // failure at or past 30 min − 1 s, i.e. attempt 5 at 2400.
    assert!(csv.contains("5,2400,,delay_warning\n"));
    assert!(csv.ends_with("6,4800,,expired\n"));
    let exchange = stdout(&[
        "schedule",
        "exchange-server",
        "--reply",
        "connect-refused",
        "--format",
        "csv",
    ]);
    assert!(exchange.contains("\n2,60,60,attempt\n") && exchange.contains("\n6,540,300,attempt\n"));
}

#[test]
fn jittered_json_depends_on_the_seed_only() {
    let a = stdout(&["schedule", "kumomta", "--format", "json", "--seed", "3"]);
    let b = stdout(&["schedule", "kumomta", "--format", "json", "--seed", "3"]);
    assert_eq!(a, b);
    let json: serde_json::Value = serde_json::from_str(&a).expect("json");
    let rows = json["rows"].as_array().expect("rows");
    let attempts = rows.iter().filter(|r| r["event"] == "attempt").count();
    assert_eq!(attempts, 9);
    let expired = rows.last().expect("last row");
    assert_eq!(expired["event"], "expired");
    let at = expired["offset_s"].as_f64().expect("offset");
    assert!((at - 306_000.0).abs() <= 240.0, "{at}");
    assert_ne!(
        a,
        stdout(&["schedule", "kumomta", "--format", "json", "--seed", "4"])
    );
}

#[test]
fn the_table_says_when_the_message_expired() {
    let table = stdout(&["schedule", "exim"]);
    assert!(table.contains("29 attempts; expired at 363712"), "{table}");
}

#[test]
fn bad_input_exits_2_and_lists_the_choices() {
    let cases: [(&[&str], &str); 4] = [
        (&["schedule", "postfx"], "kumomta-office365"),
        (
            &["schedule", "postfix", "--param", "minimal_backof=1s"],
            "minimal_backoff_time",
        ),
        (&["schedule", "postfix", "--param", "oops"], "name=value"),
        (
            &[
                "schedule",
                "fope",
                "--reply",
                "550 5.1.10 Recipient not found",
            ],
            "temporary",
        ),
    ];
    for (args, expected) in cases {
        let output = mailsim().args(args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn postfix_and_exim_say_what_their_conformance_runs_showed() {
    for (policy, version) in [("postfix", "Postfix 3.7.11"), ("exim", "Exim 4.96")] {
        let out = stdout(&["policies", policy]);
        let checked = out
            .lines()
            .find(|line| line.trim_start().starts_with("checked:"))
            .unwrap_or_else(|| panic!("{policy}: no `checked:` line in\n{out}"));
        assert!(checked.contains(version), "{checked}");
        assert!(checked.contains("conformance/README.md"), "{checked}");
    }
    // A policy never checked against its real system has no such line.
    assert!(!stdout(&["policies", "fope"]).contains("checked:"));
}
