//! Hand-computable micro-scenarios: tiny worlds whose every count and instant can be worked out
//! on paper, so each assertion is an exact number.

use crate::helpers::{self, run};

/// One message at t=0, one receiver, instant connections and transactions, a fixed retry.
fn single_message(receiver: &str, retry: &str, extra_sender: &str) -> String {
    format!(
        r#"(
            name: "micro",
            run: (horizon: "10d", sample_every: "10m"),
            senders: [(
                name: "s",
                traffic: [Campaign(messages: 1, at: "0s")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: 1, transaction_time: Fixed("0s")),
                retry: {retry},
                {extra_sender}
            )],
            receivers: {{ "r": {receiver} }},
        )"#
    )
}

#[test]
fn an_outage_until_30m_with_10m_retries_delivers_at_30m_on_the_4th_attempt() {
    let text = single_message(
        r#"(outages: [(start: "0s", end: "30m", kind: Refused)])"#,
        r#"Fixed(interval: "10m")"#,
        "",
    );
    let summary = run(&text).summary;
    assert_eq!(summary.delivered, 1);
    assert_eq!(summary.attempts, 4);
    assert_eq!(summary.deferrals.get("4.4.1"), Some(&3));
    let latency = summary.latency_s.expect("one delivery");
    assert_eq!(latency.max, 1800.0);
    assert_eq!(latency.mean, 1800.0);
    assert_eq!(summary.retry_queue_empty_s, Some(1800.0));
}

#[test]
fn a_timeout_holds_the_connection_for_the_connect_timeout() {
    // Attempts at 0 (times out at 30 s), 10m30s (times out at 11m), 21m, 31m30s → delivered.
    let text = single_message(
        r#"(outages: [(start: "0s", end: "30m", kind: Timeout)])"#,
        r#"Fixed(interval: "10m")"#,
        "",
    );
    let summary = run(&text).summary;
    assert_eq!(summary.attempts, 4);
    assert_eq!(
        summary.latency_s.expect("delivered").max,
        31.0 * 60.0 + 30.0
    );
}

#[test]
fn an_unknown_recipient_bounces_after_one_attempt() {
    let text = r#"(
            name: "micro",
            senders: [(
                name: "s",
                traffic: [Campaign(messages: 1, at: "0s")],
                recipients: (mix: {"r": 1.0}, invalid_share: 1.0),
                connections: (transaction_time: Fixed("2s")),
                retry: Fixed(interval: "10m"),
            )],
            receivers: { "r": () },
        )"#;
    let summary = run(text).summary;
    assert_eq!(
        (summary.bounced, summary.attempts, summary.delivered),
        (1, 1, 0)
    );
    assert!(summary.deferrals.is_empty());
    assert_eq!(summary.end_time_s, 2.0);
}

#[test]
fn a_message_expires_at_the_first_failure_at_or_past_its_lifetime() {
    // Attempts at 0, 20, 40, 60 min; the one at 60 min is the first at or past 50 min.
    let text = single_message(
        r#"(outages: [(start: "0s", end: "9d", kind: Reply451)])"#,
        r#"Fixed(interval: "20m", lifetime: "50m")"#,
        "",
    );
    let summary = run(&text).summary;
    assert_eq!((summary.expired, summary.attempts), (1, 4));
    assert_eq!(summary.end_time_s, 3600.0);
    assert_eq!(summary.deferrals.get("4.3.2"), Some(&4));
    assert_eq!(summary.little.mean_time_in_queue_s, 3600.0);
}

#[test]
fn the_delay_warning_goes_out_at_the_first_failure_at_or_past_its_age() {
    // FOPE: 20 min retries, notice at 2 h. Failures at 0, 20, …, 120 min; 120 min is the first
    // at or past 2 h, so exactly one notice; delivery at 140 min.
    let text = single_message(
        r#"(outages: [(start: "0s", end: "130m", kind: Reply451)])"#,
        r#"Fixed(interval: "20m")"#,
        r#"delay_warning: "2h","#,
    );
    let output = run(&text);
    assert_eq!(output.summary.delay_warnings, 1);
    assert_eq!(output.summary.attempts, 8);
    let warned_at = output
        .samples
        .iter()
        .find(|s| s.delay_warnings == 1)
        .expect("a sample after the warning")
        .time;
    assert_eq!(warned_at.as_secs_f64(), 7200.0);
}

#[test]
fn the_token_bucket_admits_its_burst_then_defers_with_server_busy() {
    // 5 messages at once, a bucket of 3 refilling at 1 per 10 minutes: 3 accepted at t=0,
    // 2 deferred with 4.7.500. At the 5 min retry the bucket holds 0.5 tokens: both deferred
    // again. At 10 min it holds 1: one is accepted, the other deferred (bucket empty again).
    // At 15 min 0.5 tokens: deferred. At 20 min 1 token: accepted.
    // Attempts 5 + 2 + 2 + 1 + 1 = 11; deferrals 2 + 2 + 1 + 1 = 6.
    let text = r#"(
        name: "micro",
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 5, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
            retry: Fixed(interval: "5m"),
        )],
        receivers: { "r": (throttle: (rate: "6/h", burst: 3)) },
    )"#;
    let summary = run(text).summary;
    assert_eq!(summary.delivered, 5);
    assert_eq!(summary.deferrals.get("4.7.500"), Some(&6));
    assert_eq!(summary.attempts, 11);
    assert_eq!(summary.latency_s.expect("delivered").max, 1200.0);
    assert_eq!(summary.peak_queue, 2);
}

#[test]
fn queue_alerts_repeat_while_the_queue_stays_above_the_threshold() {
    // 10 messages deferred at t=0 by an outage until 2 h, 20 min retries. The alert fires when
    // the 6th is deferred (t=0), then at 30, 60, 90 min; the check at 120 min was scheduled
    // before the retries due at 120 min, so (FIFO at equal times) it still sees 10 waiting and
    // fires a 5th time; at 150 min the queue is empty and the alert stops.
    let text = r#"(
        name: "micro",
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 10, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
            queue_alert: (threshold: 5, every: "30m"),
            retry: Fixed(interval: "20m"),
        )],
        receivers: { "r": (outages: [(start: "0s", end: "2h", kind: Refused)]) },
    )"#;
    let summary = run(text).summary;
    assert_eq!(summary.queue_alerts, 5);
    assert_eq!(summary.delivered, 10);
}

#[test]
fn messages_wait_first_in_first_out_for_a_single_connection() {
    // 3 messages at once, one connection, 10 s per transaction: delivered at 10, 20, 30 s.
    let text = r#"(
        name: "micro",
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 3, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: 1, messages_per_connection: 2, transaction_time: Fixed("10s"), connect_time: "1s"),
            retry: Fixed(interval: "5m"),
        )],
        receivers: { "r": () },
    )"#;
    let summary = run(text).summary;
    // Connection 1: connect 1 s + 10 s, then reuse: +10 s → 11, 21; new connection: 22 + 10 = 32.
    let latency = summary.latency_s.expect("delivered");
    assert_eq!(latency.max, 32.0);
    assert_eq!(latency.mean, (11.0 + 21.0 + 32.0) / 3.0);
    assert_eq!(summary.peak_waiting_connection, 2);
}

#[test]
fn reputation_deferrals_hit_only_the_class_configured() {
    let text = r#"(
        name: "micro",
        senders: [(
            name: "s",
            ips: [(count: 1, reputation: Good), (count: 1, reputation: Poor)],
            traffic: [Campaign(messages: 2, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
            retry: Fixed(interval: "10m", lifetime: "0s"),
        )],
        receivers: { "r": (reputation_deferral: {Poor: 1.0}) },
    )"#;
    // Round robin: message 1 on the Good IP (delivered), message 2 on the Poor IP (deferred
    // with 4.7.650; a zero lifetime means one attempt only, so it expires at once).
    let summary = run(text).summary;
    assert_eq!((summary.delivered, summary.expired), (1, 1));
    assert_eq!(summary.deferrals.get("4.7.650"), Some(&1));
}

#[test]
fn deferral_rates_per_sending_ip_are_recorded_over_time() {
    // Two IPs used in turn; the receiver defers every attempt from the Poor one. 10 messages
    // at 0 and 10 at 1h, one attempt each (zero lifetime): per IP, 5 attempts in each hour.
    let text = r#"(
        name: "micro",
        run: (horizon: "3h", sample_every: "30m"),
        senders: [(
            name: "s",
            ips: [(count: 1, reputation: Good), (count: 1, reputation: Poor)],
            traffic: [Campaign(messages: 10, at: "0s"), Campaign(messages: 10, at: "1h")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
            retry: Fixed(interval: "10m", lifetime: "0s"),
        )],
        receivers: { "r": (reputation_deferral: {Poor: 1.0}) },
    )"#;
    let scenario = helpers::scenario(text);
    let output = mailsim::model::simulate(&scenario, 0).expect("runs");
    let good: Vec<_> = output.deliverability.ip_over_time(0).collect();
    let poor: Vec<_> = output.deliverability.ip_over_time(1).collect();
    assert_eq!(good.len(), output.samples.len());
    // Samples at 0, 30m (after the first campaign) and 1h, 1h30 … (after the second).
    assert_eq!((good[1].attempts, good[1].deferred), (5, 0));
    assert_eq!((poor[1].attempts, poor[1].deferred), (5, 5));
    let last = output.samples.len() - 1;
    assert_eq!((good[last].attempts, good[last].deferred), (10, 0));
    assert_eq!((poor[last].attempts, poor[last].deferred), (10, 10));
    let csv = mailsim::report::deliverability_over_time_csv(
        &scenario,
        &output.samples,
        &output.deliverability,
    );
    assert!(csv.starts_with("time_s,scope,name,attempts_total,deferrals_total,rejections_total\n"));
    assert!(csv.contains("\n1800,ip,192.0.2.2,5,5,0\n"), "{csv}");
    assert!(csv.contains("\n1800,receiver,r,10,5,0\n"), "{csv}");
}

/// `messages` at t=0 through one connection whose transaction takes an hour, behind a refusal
/// until 30 minutes with 10-minute retries, stopped at `horizon`, counted against `deadlines`.
fn one_slow_connection(messages: u64, horizon: &str, deadlines: &str) -> String {
    format!(
        r#"(
            name: "micro",
            run: (horizon: "{horizon}", sample_every: "10m", deadlines: {deadlines}),
            senders: [(
                name: "s",
                traffic: [Campaign(messages: {messages}, at: "0s")],
                recipients: (mix: {{"r": 1.0}}),
                connections: (per_destination: 1, transaction_time: Fixed("1h")),
                retry: Fixed(interval: "10m"),
            )],
            receivers: {{ "r": (outages: [(start: "0s", end: "30m", kind: Refused)]) }},
        )"#
    )
}

#[test]
fn all_mail_is_done_when_the_last_message_leaves_not_when_the_retry_queue_empties() {
    // Both messages are refused at 0, 10 and 20 minutes and due again at 30 minutes, when the
    // retry queue empties for good. The first then takes the connection for an hour
    // (delivered at 1h30), the second waits for it (delivered at 2h30).
    let text = one_slow_connection(2, "1d", r#"["1h", "90m", "2h30m", "24h"]"#);
    let summary = run(&text).summary;
    assert_eq!((summary.delivered, summary.queued_at_end), (2, 0));
    assert_eq!(summary.retry_queue_empty_s, Some(1800.0));
    assert_eq!(summary.all_done_s, Some(9000.0));
    let by: Vec<(&str, f64, u64, Option<f64>)> = summary
        .delivered_by
        .iter()
        .map(|b| (b.deadline.as_str(), b.deadline_s, b.delivered, b.share))
        .collect();
    assert_eq!(
        by,
        [
            ("1h", 3600.0, 0, Some(0.0)),
            ("90m", 5400.0, 1, Some(0.5)),
            ("2h30m", 9000.0, 2, Some(1.0)),
            ("24h", 86400.0, 2, Some(1.0)),
        ]
    );
    // Nothing was left: no warning anywhere.
    assert_eq!(mailsim::report::unfinished_warning(&summary), None);
    let table = mailsim::report::summary_table(&summary);
    assert!(!table.contains("WARNING"), "{table}");
}

#[test]
fn the_default_deadlines_are_5m_1h_4h_and_24h() {
    let text = single_message("()", r#"Fixed(interval: "10m")"#, "");
    let summary = run(&text).summary;
    let deadlines: Vec<&str> = summary
        .delivered_by
        .iter()
        .map(|b| b.deadline.as_str())
        .collect();
    assert_eq!(deadlines, ["5m", "1h", "4h", "24h"]);
    assert!(summary.delivered_by.iter().all(|b| b.share == Some(1.0)));
    assert_eq!(summary.all_done_s, Some(0.0));
}

#[test]
fn a_run_stopped_with_mail_queued_has_no_all_done_time_and_says_so_loudly() {
    // Three messages need 3h30 through the one connection; the run stops at 2h with the
    // third still waiting and the second in its attempt.
    let text = one_slow_connection(3, "2h", r#"["1h", "4h"]"#);
    let summary = run(&text).summary;
    assert_eq!((summary.delivered, summary.queued_at_end), (1, 2));
    assert_eq!(summary.all_done_s, None);
    let shares: Vec<Option<f64>> = summary.delivered_by.iter().map(|b| b.share).collect();
    assert_eq!(shares, [Some(0.0), Some(1.0 / 3.0)]);
    let warning = mailsim::report::unfinished_warning(&summary).expect("a warning");
    assert!(
        warning.starts_with(
            "WARNING: the run stopped at its horizon (2h) with 2 of 3 messages (66.7%) still queued"
        ),
        "{warning}"
    );
    let table = mailsim::report::summary_table(&summary);
    let second_line = table.lines().nth(1).unwrap();
    assert!(second_line.contains(&warning), "{table}");
    let scenario = crate::helpers::scenario(&text);
    let output = run(&text);
    let headline = mailsim::report::headline::run_headline(&scenario, &output);
    let markdown = mailsim::report::summary_markdown(&summary, "", &headline, &[]);
    assert!(
        markdown.contains(&format!("> **⚠ {warning}**")),
        "{markdown}"
    );
    let html = mailsim::report::report_html(&scenario, &output, &[]);
    assert!(
        html.contains("<p class=\"warning\">⚠ WARNING: the run stopped"),
        "{html}"
    );
}

#[test]
fn deadlines_must_grow_and_be_positive() {
    let shrinking = one_slow_connection(1, "1d", r#"["1h", "5m"]"#);
    let error = mailsim::scenario::parse("t.ron", &shrinking).unwrap_err();
    assert!(
        error.to_string().contains("run.deadlines")
            && error.to_string().contains("1h comes before 5m"),
        "{error}"
    );
    let zero = one_slow_connection(1, "1d", r#"["0s"]"#);
    let error = mailsim::scenario::parse("t.ron", &zero).unwrap_err();
    assert!(error.location().is_some(), "{error}");
    assert!(error.to_string().contains("zero"), "{error}");
}
