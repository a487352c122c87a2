//! Tests of the observed summary.

use super::super::{ParseOptions, YearRule, parse};
use super::*;

#[test]
fn durations_and_shares_read_like_people_write_them() {
    assert_eq!(human_duration(4.25), "4.2s");
    assert_eq!(human_duration(42.0), "42s");
    assert_eq!(human_duration(725.0), "12m05s");
    assert_eq!(human_duration(3720.0), "1h02m");
    assert_eq!(
        human_duration(2.0 * 86_400.0 + 3.0 * 3600.0 + 59.0),
        "2d03h"
    );
    assert_eq!(percent(1, 8), "12.5%");
    assert_eq!(percent(0, 0), "—");
}

#[test]
fn percentiles_are_exact_ranks_and_never_pass_the_maximum() {
    let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(nearest_rank(&sorted, 0.5), 5.0);
    assert_eq!(nearest_rank(&sorted, 0.9), 9.0);
    assert_eq!(nearest_rank(&sorted, 0.99), 10.0);
    assert_eq!(nearest_rank(&[7.0], 0.5), 7.0);
}

#[test]
fn a_small_postfix_history_summarises_exactly() {
    let log = "\
Nov 23 10:00:00 mx postfix/smtpd[1]: AAAAA1: client=c[198.51.100.7]
Nov 23 10:00:01 mx postfix/qmgr[2]: AAAAA1: from=<a@x.org>, size=10, nrcpt=1 (queue active)
Nov 23 10:00:02 mx postfix/smtp[3]: AAAAA1: to=<b@y.net>, relay=mx.y.net[192.0.2.1]:25, delay=2, delays=0/0/1/1, dsn=4.7.500, status=deferred (host mx.y.net[192.0.2.1] said: 451 4.7.500 Server busy (in reply to RCPT TO command))
Nov 23 10:05:02 mx postfix/smtp[3]: AAAAA1: to=<b@y.net>, relay=none, delay=302, delays=300/0/2/0, dsn=4.4.1, status=deferred (connect to mx.y.net[192.0.2.1]:25: Connection refused)
Nov 23 11:02:02 mx postfix/smtp[3]: AAAAA1: to=<b@y.net>, relay=mx.y.net[192.0.2.1]:25, delay=3722, delays=3700/0/1/21, dsn=2.0.0, status=sent (250 2.0.0 OK)
Nov 23 11:02:02 mx postfix/qmgr[2]: AAAAA1: removed
Nov 23 10:30:00 mx postfix/smtpd[1]: BBBBB2: client=c[198.51.100.7]
Nov 23 10:30:01 mx postfix/smtp[3]: BBBBB2: to=<c@z.com>, relay=mx.z.com[192.0.2.2]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)
";
    let options = ParseOptions {
        year: YearRule::FirstLine(2024),
        utc_offset: None,
    };
    let summary = ObservedSummary::of(&parse(Format::Postfix, log, &options));
    assert_eq!(summary.messages, 2);
    assert_eq!(summary.outcomes.delivered, 2);
    assert_eq!(
        (
            summary.attempts,
            summary.connected_attempts,
            summary.deferrals
        ),
        (4, 3, 2)
    );
    let latency = summary.latency_s.unwrap();
    assert_eq!((latency.p50, latency.max), (1.0, 3722.0));
    assert_eq!(
        summary.deferrals_by_reply,
        vec![
            ReplyCount {
                reply: "4.4.1 (no reply)".into(),
                count: 1
            },
            ReplyCount {
                reply: "451 4.7.500".into(),
                count: 1
            },
        ]
    );
    assert_eq!(
        summary.attempts_per_message,
        vec![
            AttemptsBin {
                attempts: 1,
                messages: 1
            },
            AttemptsBin {
                attempts: 3,
                messages: 1
            },
        ]
    );
    let hours: Vec<(String, u64, u64)> = summary
        .hourly
        .iter()
        .map(|h| (h.hour.to_string(), h.attempts, h.deferrals))
        .collect();
    assert_eq!(
        hours,
        vec![
            ("2024-11-23T10:00:00Z".into(), 3, 2),
            ("2024-11-23T11:00:00Z".into(), 1, 0)
        ]
    );
    let text = summary.to_string();
    assert!(
        text.contains("p50 1s  p90 1h02m  p99 1h02m  max 1h02m  (exact, 2 delivered)"),
        "{text}"
    );
    assert!(
        text.contains("2024-11-23 10:00        3 attempts        2 deferred   66.7%"),
        "{text}"
    );
}
