//! Round trips through every log format: a simulated run is recorded as an MTA would log it
//! (`HistoryRecorder`), written as a Postfix, Exim and KumoMTA log (`mta::logs::emit`), read
//! back by the same readers `mailsim replay` uses, and must give back the same arrivals (the
//! replay CSV byte for byte), the same outcomes with their times, and every attempt with its
//! time, status and reply; the counts also match the run's own summary.

use mailsim::model::{HistoryRecorder, RunControl, simulate_observed};
use mailsim::mta::logs::summary::reply_key;
use mailsim::mta::logs::{
    self, Format, History, ObservedSummary, ParseOptions, Stamp, YearRule, emit, write,
};

use crate::helpers::scenario;

/// Throttling, an outage of refused connections, a 421 hour, invalid recipients (bounces), a
/// short lifetime (expiries) and Postfix's dead destination, to two receivers.
const SCENARIO: &str = r#"(
    name: "round-trip",
    run: (horizon: "8h"),
    senders: [(
        name: "mta",
        traffic: [Campaign(messages: 400, at: "0s", spread: "1h")],
        recipients: (mix: {"o365": 0.8, "small": 0.2}, invalid_share: 0.05),
        connections: (per_destination: 4, transaction_time: Exponential(mean: "700ms")),
        retry: Postfix(queue_run_delay: "60s", minimal_backoff_time: "60s", maximal_queue_lifetime: "30m"),
    )],
    receivers: {
        "o365": (throttle: (rate: "200/h", burst: 5),
                 outages: [(start: "20m", end: "40m", kind: Refused),
                           (start: "70m", end: "80m", kind: Greeting421)]),
        "small": (greylisting: (delay: "3m")),
    },
)"#;

fn zero() -> Stamp {
    Stamp::parse_rfc3339("2026-11-30T09:00:00.000+01:00").expect("valid")
}

/// The run as an MTA would log it, and its summary.
fn simulated(format: Format) -> (History, mailsim::metrics::Summary) {
    let scenario = scenario(SCENARIO);
    let mut recorder = HistoryRecorder::new(&scenario, zero());
    let output = simulate_observed(&scenario, 0, RunControl::default(), &mut recorder)
        .expect("the run completes");
    (recorder.finish(format), output.summary)
}

fn read_back(format: Format, history: &History) -> History {
    let mut text = Vec::new();
    emit::write(format, history, &mut text).expect("written");
    let text = String::from_utf8(text).expect("utf-8");
    let options = ParseOptions {
        year: YearRule::FirstLine(2026),
        utc_offset: None,
    };
    logs::parse(format, &text, &options)
}

fn arrivals(history: &History) -> String {
    let mut out = Vec::new();
    write::arrivals(history, write::TimeFormat::Rfc3339, &mut out).expect("written");
    String::from_utf8(out).expect("utf-8")
}

fn round_trip(format: Format) {
    let (original, summary) = simulated(format);
    let back = read_back(format, &original);
    assert_eq!(back.lines.problem_total(), 0, "{:?}", back.lines.problems);
    assert_eq!(arrivals(&back), arrivals(&original), "the replay CSV");
    assert_eq!(back.messages.len(), original.messages.len());
    for (a, b) in original.messages.iter().zip(&back.messages) {
        let what = format!("{format} message {}", a.id);
        assert_eq!(
            (a.arrival, a.outcome, a.end),
            (b.arrival, b.outcome, b.end),
            "{what}"
        );
        assert_eq!(a.recipient, b.recipient, "{what}");
        assert_eq!(a.attempts.len(), b.attempts.len(), "{what}");
        for (x, y) in a.attempts.iter().zip(&b.attempts) {
            assert_eq!(
                (x.time, x.status, x.connected),
                (y.time, y.status, y.connected),
                "{what}"
            );
            if x.connected {
                assert_eq!(
                    reply_key(x),
                    reply_key(y),
                    "{what}: {} / {}",
                    x.text,
                    y.text
                );
            }
        }
    }
    // The log's counts are the run's own.
    let observed = ObservedSummary::of(&back);
    let o = observed.outcomes;
    assert_eq!(
        (o.delivered, o.bounced, o.expired, o.queued),
        (
            summary.delivered,
            summary.bounced,
            summary.expired,
            summary.queued_at_end
        )
    );
    let tried = back
        .messages
        .iter()
        .flat_map(|m| &m.attempts)
        .filter(|a| !a.skipped())
        .count() as u64;
    assert_eq!(tried, summary.attempts, "attempts that tried the receiver");
    // The scenario exercised what it should.
    assert!(o.delivered > 0 && o.bounced > 0 && o.expired > 0, "{o:?}");
    assert!(observed.deferrals > 100, "{}", observed.deferrals);
}

#[test]
fn a_postfix_log_of_a_run_reads_back_as_the_run() {
    round_trip(Format::Postfix);
}

#[test]
fn an_exim_log_of_a_run_reads_back_as_the_run() {
    round_trip(Format::Exim);
}

#[test]
fn a_kumomta_log_of_a_run_reads_back_as_the_run() {
    round_trip(Format::KumoMta);
}
