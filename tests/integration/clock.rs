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
