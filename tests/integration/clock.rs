//! Clock time: a scenario with `run.start` may write its instants as clock times, read against
//! the start's date and UTC offset, and its mistakes are reported at their line and column;
//! every output shows clock times beside offsets, and only when the run has a start.

use crate::helpers::{run, scenario};

/// One message at `at` to a receiver that accepts at once, in a run with `run_fields`.
fn one_message(run_fields: &str, at: &str) -> String {
    format!(
        r#"(
    name: "clock",
    run: ({run_fields}),
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 1, at: "{at}")],
        recipients: (mix: {{"r": 1.0}}),
        connections: (transaction_time: Fixed("0s")),
        retry: Fixed(interval: "10m"),
    )],
    receivers: {{ "r": (outages: [(start: "{at}", end: "2026-11-30 12:00", kind: Refused)]) }},
)"#
    )
}

const MONDAY: &str = r#"start: "2026-11-30T09:00:00+01:00", horizon: "2026-12-01 09:00""#;

#[test]
fn clock_times_are_offsets_from_the_start() {
    // Arrives at 10:00 (1 h), refused until 12:00, retried every 10 minutes from 10:00:
    // delivered at 12:00 (3 h after the start).
    let summary = run(&one_message(MONDAY, "10:00")).summary;
    assert_eq!(summary.delivered, 1);
    assert_eq!(summary.all_done_s, Some(3.0 * 3600.0));
    assert_eq!(summary.latency_s.unwrap().max, 2.0 * 3600.0);
    // The same times written as offsets give the same run.
    let offsets = one_message(r#"horizon: "1d""#, "1h").replace("2026-11-30 12:00", "3h");
    assert_eq!(run(&offsets).summary.all_done_s, Some(3.0 * 3600.0));
    // The horizon as a clock time: 24 hours.
    assert_eq!(
        scenario(&one_message(MONDAY, "10:00"))
            .run()
            .horizon
            .as_millis(),
        86_400_000
    );
}

/// The (line, column) of a scenario error, and its message.
fn located_error(text: &str) -> ((usize, usize), String) {
    let error = mailsim::scenario::parse("clock.ron", text).unwrap_err();
    (
        error.location().expect("a located error"),
        error.to_string(),
    )
}

#[test]
fn clock_mistakes_are_reported_at_their_line_and_column() {
    // Before the start, on the line of the campaign (6), at the value.
    let (at, message) = located_error(&one_message(MONDAY, "08:00"));
    assert_eq!(at, (6, 46), "{message}");
    assert!(message.contains("is before the run's start"), "{message}");
    // Not a time of day.
    let (at, message) = located_error(&one_message(MONDAY, "25:00"));
    assert_eq!(at, (6, 46), "{message}");
    assert!(message.contains("invalid clock time `25:00`"), "{message}");
    // A clock time in a run without a start.
    let (at, message) = located_error(&one_message(r#"horizon: "1d""#, "10:00"));
    assert_eq!(at, (6, 46), "{message}");
    assert!(message.contains("the run has no start"), "{message}");
    // A start without its UTC offset, at the start (line 3).
    let no_offset = one_message(MONDAY, "10:00").replace("09:00:00+01:00", "09:00:00");
    let (at, message) = located_error(&no_offset);
    assert_eq!(at, (3, 19), "{message}");
    assert!(message.contains("no UTC offset"), "{message}");
    // A syntax mistake that keeps the start from being read is reported as such, not as a
    // clock time without a start.
    let broken = one_message(MONDAY, "10:00").replace("(mix:", "(mix");
    let (at, message) = located_error(&broken);
    assert_eq!(at.0, 7, "{message}");
    assert!(!message.contains("no start"), "{message}");
}

/// Every file of a run of scenario text, by name.
fn files(text: &str) -> std::collections::BTreeMap<String, String> {
    use mailsim::report::{ReportOptions, render_run};
    let scenario = scenario(text);
    let output = mailsim::model::simulate(&scenario, 0).expect("runs");
    render_run(&scenario, &output, ReportOptions::default())
        .expect("renders")
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("text")))
        .collect()
}

/// The event log of a run of scenario text.
fn event_log(text: &str) -> String {
    use mailsim::report::trace::{EventLog, MessageFilter};
    let scenario = scenario(text);
    let mut bytes = Vec::new();
    let mut log = EventLog::new(&scenario, MessageFilter::default(), &mut bytes);
    let control = mailsim::model::RunControl::default();
    mailsim::model::simulate_observed(&scenario, 0, control, &mut log).expect("runs");
    log.finish().expect("written to memory");
    String::from_utf8(bytes).expect("JSON text")
}

#[test]
fn clock_columns_and_labels_appear_only_with_a_start() {
    let with = files(&one_message(MONDAY, "10:00"));
    let without = files(&one_message(r#"horizon: "1d""#, "1h").replace("2026-11-30 12:00", "3h"));
    // CSV: a `time` column beside `time_s`.
    assert!(with["timeseries.csv"].starts_with("time_s,time,arrived_total,"));
    assert!(with["timeseries.csv"].contains("\n3600,2026-11-30T10:00:00+01:00,1,"));
    assert!(without["timeseries.csv"].starts_with("time_s,arrived_total,"));
    let over_time = "deliverability-over-time.csv";
    assert!(with[over_time].starts_with("time_s,time,scope,name,"));
    assert!(without[over_time].starts_with("time_s,scope,name,"));
    // summary.json names the start; the summaries show clock times.
    assert!(with["summary.json"].contains(r#""start": "2026-11-30T09:00:00+01:00""#));
    assert!(!without["summary.json"].contains(r#""start""#));
    assert!(with["summary.md"].contains("3h, Mon 2026-11-30 12:00 +01:00: the last message left"));
    assert!(without["summary.md"].contains("| 3h: the last message left"));
    assert!(with["report.html"].contains("<dt>started</dt><dd>2026-11-30T09:00:00+01:00</dd>"));
    assert!(!without["report.html"].contains("<dt>started</dt>"));
    // Chart axes: clock times on the start's day, or the time since the start.
    let queue = &with["queue-depth.svg"];
    assert!(
        queue.contains("clock time (UTC+01:00, simulated)"),
        "axis title"
    );
    assert!(
        queue.contains("\n10:00\n") && queue.contains("\n12:00\n"),
        "tick labels"
    );
    assert!(without["queue-depth.svg"].contains("time since the start (simulated)"));
}

#[test]
fn the_terminal_summary_trace_and_event_log_show_clock_times() {
    let text = one_message(MONDAY, "10:00");
    let summary = run(&text).summary;
    let table = mailsim::report::summary_table(&summary);
    assert!(
        table.contains("  started Mon 2026-11-30 09:00 (clock times below are at UTC+01:00)\n"),
        "{table}"
    );
    assert!(
        table.contains("  all mail done at               3h  Mon 12:00\n"),
        "{table}"
    );
    let scenario = scenario(&text);
    let mut journey = mailsim::report::trace::Journey::new(1);
    mailsim::model::simulate_observed(&scenario, 0, Default::default(), &mut journey).unwrap();
    let trace = mailsim::report::trace::journey_text(&scenario, &journey);
    assert!(
        trace.contains("   1:00:00.000  Mon 10:00     arrived in the sender's queue\n"),
        "{trace}"
    );
    assert!(
        trace.contains("retries at 1:10:00.000 (Mon 10:10)"),
        "{trace}"
    );
    let log = event_log(&text);
    let first = log.lines().next().expect("a line");
    assert!(
        first.starts_with(r#"{"time_s":3600.0,"time":"2026-11-30T10:00:00+01:00","#),
        "{first}"
    );
    let plain = event_log(&one_message(r#"horizon: "1d""#, "1h").replace("2026-11-30 12:00", "3h"));
    assert!(!plain.contains(r#""time":"#) && plain.starts_with(r#"{"time_s":3600.0,"message""#));
}

#[test]
fn the_monday_campaign_runs_on_the_clock_as_its_comment_says() {
    let scenario = mailsim::scenario::load(std::path::Path::new("scenarios/monday-campaign.ron"))
        .expect("valid");
    let clock = scenario.clock().expect("a start");
    assert_eq!(clock.to_string(), "2026-11-30T09:00:00+01:00");
    let output = mailsim::model::simulate(&scenario, 0).expect("runs");
    let summary = &output.summary;
    // All mail done at 14:20, well after the 2.5 hours the throttle alone would need.
    let done = summary.all_done_s.expect("all done");
    let at = mailsim::engine::SimTime((done * 1000.0) as u64);
    assert_eq!(clock.time_of_day(at), "14:20:05");
    let share = |deadline: &str| {
        summary
            .delivered_by
            .iter()
            .find(|b| b.deadline == deadline)
            .and_then(|b| b.share)
            .expect("a share")
    };
    assert!((0.44..0.47).contains(&share("1h")), "{}", share("1h"));
    assert!((0.94..0.96).contains(&share("4h")), "{}", share("4h"));
    // Nothing is delivered during the 421 half hour (11:00 to 11:30, 2h to 2h30; from the
    // first sample inside it), and deliveries resume after it.
    let delivered_at = |minutes: u64| {
        output
            .samples
            .iter()
            .find(|s| s.time.as_millis() == minutes * 60_000)
            .expect("a sample on the 5-minute grid")
            .delivered
    };
    assert_eq!(delivered_at(125), delivered_at(150));
    assert!(
        delivered_at(180) > delivered_at(150),
        "deliveries resume after 11:30"
    );
}
