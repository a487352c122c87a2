//! Tests of the Postfix log reader.

use super::super::{ArrivalSource, ObservedSummary, YearRule};
use super::*;

fn options() -> ParseOptions {
    ParseOptions {
        year: YearRule::FirstLine(2024),
        utc_offset: None,
    }
}

#[test]
fn fields_keep_angle_brackets_and_stop_at_the_next_key() {
    let line = "to=<b@example.net>, orig_to=<x, y@example.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.91, tls=a, b, dsn=2.0.0";
    assert_eq!(field(line, "to"), Some("<b@example.net>"));
    assert_eq!(field(line, "orig_to"), Some("<x, y@example.net>"));
    assert_eq!(
        field(line, "relay"),
        Some("mx.example.net[203.0.113.25]:25")
    );
    assert_eq!(field(line, "delay"), Some("0.91"));
    assert_eq!(field(line, "tls"), Some("a, b"));
    assert_eq!(field(line, "dsn"), Some("2.0.0"));
    assert_eq!(field(line, "elay"), None);
}

#[test]
fn queue_ids_short_and_long() {
    assert!(is_queue_id("4F1A12C0F3B"));
    assert!(is_queue_id("3Pt2mN2VXxznjll"));
    for word in ["NOQUEUE", "warning", "statistics", "connect to x"] {
        assert!(!is_queue_id(word), "{word}");
    }
}

#[test]
fn the_reference_example_reads_into_two_recipients() {
    let log = "\
Nov 23 17:29:28 mx1 postfix/smtpd[900]: 4F1A12C0F3B: client=c.example.org[198.51.100.7]
Nov 23 17:29:28 mx1 postfix/cleanup[901]: 4F1A12C0F3B: message-id=<x1@example.org>
Nov 23 17:29:29 mx1 postfix/qmgr[1022]: 4F1A12C0F3B: from=<a@example.org>, size=2291, nrcpt=2 (queue active)
Nov 23 17:29:30 mx1 postfix/smtp[4220]: 4F1A12C0F3B: to=<b@example.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.91, delays=0.05/0.01/0.42/0.43, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9C2D83E01)
Nov 23 17:29:31 mx1 postfix/smtp[4221]: 4F1A12C0F3B: to=<c@example.com>, relay=mx.example.com[192.0.2.10]:25, delay=1.6, delays=0.05/0.01/0.9/0.64, dsn=4.7.1, status=deferred (host mx.example.com[192.0.2.10] said: 450 4.7.1 <c@example.com>: Recipient address rejected: Greylisted (in reply to RCPT TO command))
Nov 28 17:31:02 mx1 postfix/qmgr[1022]: 4F1A12C0F3B: from=<a@example.org>, status=expired, returned to sender
Nov 28 17:31:02 mx1 postfix/qmgr[1022]: 4F1A12C0F3B: removed
";
    let history = parse(log, &options());
    assert_eq!(history.lines.read, 7);
    assert_eq!(history.lines.used, 7);
    assert_eq!(history.messages.len(), 2);
    let [b, c] = [&history.messages[0], &history.messages[1]];
    assert_eq!(b.recipient, "b@example.net");
    assert_eq!(b.sender, "a@example.org");
    assert_eq!(b.message_id.as_deref(), Some("x1@example.org"));
    assert_eq!(b.size, Some(2291));
    assert_eq!(b.arrival.to_string(), "2024-11-23T17:29:28Z");
    assert_eq!(b.arrival_source, ArrivalSource::Logged);
    assert_eq!(b.outcome, Outcome::Delivered);
    assert_eq!(b.latency_s(), Some(2.0));
    assert_eq!(b.attempts[0].code, Some(250));
    assert_eq!(b.attempts[0].enhanced.as_deref(), Some("2.0.0"));
    assert_eq!(
        b.attempts[0].host.as_deref(),
        Some("mx.example.net[203.0.113.25]:25")
    );
    assert_eq!(c.outcome, Outcome::Expired);
    assert_eq!(c.end.unwrap().to_string(), "2024-11-28T17:31:02Z");
    assert_eq!(c.attempts.len(), 1);
    assert_eq!(c.attempts[0].status, AttemptStatus::Deferred);
    assert_eq!(c.attempts[0].code, Some(450));
    assert_eq!(c.attempts[0].enhanced.as_deref(), Some("4.7.1"));
    assert!(c.attempts[0].connected);
    assert_eq!(c.latency_s(), Some(5.0 * 86_400.0 + 94.0));
}

#[test]
fn connect_failures_attach_to_the_same_process_and_relay_none_is_not_connected() {
    let log = "\
2025-01-01T10:00:00+01:00 mx1 postfix/pickup[10]: 9AB12C3D4: uid=1000 from=<u@example.org>
2025-01-01T10:00:05+01:00 mx1 postfix/smtp[20]: connect to mx1.example.net[192.0.2.1]:25: Connection refused
2025-01-01T10:00:06+01:00 mx1 postfix/smtp[21]: connect to other.example[192.0.2.9]:25: Connection refused
2025-01-01T10:00:35+01:00 mx1 postfix/smtp[20]: 9AB12C3D4: to=<v@example.net>, relay=none, delay=35, delays=0.01/0/35/0, dsn=4.4.1, status=deferred (connect to mx2.example.net[192.0.2.2]:25: Connection timed out)
";
    let history = parse(log, &options());
    let m = &history.messages[0];
    assert_eq!(m.sender, "u@example.org");
    assert_eq!(m.arrival.to_string(), "2025-01-01T10:00:00+01:00");
    let a = &m.attempts[0];
    assert!(!a.connected);
    assert_eq!(a.host, None);
    assert_eq!(a.code, None);
    assert_eq!(a.enhanced.as_deref(), Some("4.4.1"));
    assert_eq!(
        a.tried,
        vec!["connect to mx1.example.net[192.0.2.1]:25: Connection refused".to_string()]
    );
    assert_eq!(m.outcome, Outcome::Queued);
    assert_eq!(history.lines.used, 4);
    assert!(history.notes.is_empty(), "{:?}", history.notes);
}

#[test]
fn a_message_from_before_the_log_gets_its_arrival_from_delay() {
    let log = "Mar  1 00:00:10 mx1 postfix/smtp[1]: C0FFEE1: to=<r@example.com>, relay=mx.example.com[192.0.2.5]:25, delay=3610, delays=3600/0/5/5, dsn=2.0.0, status=sent (250 ok)\n";
    let history = parse(log, &options());
    let m = &history.messages[0];
    assert_eq!(m.arrival_source, ArrivalSource::Derived);
    assert_eq!(m.arrival.to_string(), "2024-02-29T23:00:00Z");
    assert_eq!(m.latency_s(), Some(3610.0));
    assert!(
        history
            .notes
            .iter()
            .any(|n| n.contains("before the log began"))
    );
}

#[test]
fn malformed_and_foreign_lines_are_counted_not_fatal() {
    let log = "\
garbage
Nov 23 17:29:29 mx1 dovecot[5]: imap-login: Login
Nov 23 17:29:29 mx1 postfix/smtpd[5]: connect from c.example.org[198.51.100.7]
Nov 23 17:29:29 mx1 postfix/smtp[6]: 4F1A12C0F3B: to=<b@example.net>, relay=none, delay=1
Nov 23 17:29:29 mx1 postfix/qmgr[6]: 4F1A12C0F3B: something new

Nov 31 17:29:29 mx1 postfix/qmgr[6]: 4F1A12C0F3B: removed
";
    let history = parse(log, &options());
    let problems = &history.lines.problems;
    assert_eq!(problems["no timestamp at the start"].first_lines, vec![1]);
    assert_eq!(problems["delivery line without status="].count, 1);
    assert_eq!(problems["qmgr line not understood"].first_lines, vec![5]);
    assert_eq!(
        problems["date does not exist in the year given (29 February?)"].first_lines,
        vec![7]
    );
    assert_eq!(history.lines.ignored_total(), 3);
    assert_eq!(history.lines.problem_total(), 4);
    assert_eq!(history.lines.read, 7);
}

const FIXTURE: &str = include_str!("../../../../tests/fixtures/logs/postfix-syslog.log");

#[test]
fn the_fixture_rolls_into_the_new_year_and_reads_exactly() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let expected = s(&[
        "4D5E6F7081 d@example.com 2024-12-27T00:10:00Z derived expired 2025-01-01T00:10:01Z a1 d1 c0",
        "1A2B3C4D5E b@example.net 2024-12-31T23:50:00Z logged delivered 2024-12-31T23:50:02Z a1 d0 c1",
        "1A2B3C4D5E c@outlook.com 2024-12-31T23:50:00Z logged delivered 2025-01-01T00:05:12Z a3 d2 c2",
        "2B3C4D5E6F nobody@example.com 2024-12-31T23:58:00Z logged bounced 2024-12-31T23:58:01Z a1 d0 c1",
        "3C4D5E6F70 alerts@example.org 2024-12-31T23:58:01Z logged delivered 2024-12-31T23:58:02Z a1 d0 c1 notice",
        "5E6F708192 e@greylist.example 2025-01-01T00:20:00Z logged queued - a1 d1 c1",
    ]);
    // The year given for the first line, or the file's end in January or March 2025: all
    // place the first line in 2024.
    for year in [
        YearRule::FirstLine(2024),
        YearRule::EndsBy {
            year: 2025,
            month: 1,
        },
        YearRule::EndsBy {
            year: 2025,
            month: 3,
        },
    ] {
        let history = parse(
            FIXTURE,
            &ParseOptions {
                year,
                utc_offset: None,
            },
        );
        assert_eq!(super::super::brief(&history), expected, "{year:?}");
    }
    let history = parse(FIXTURE, &options());
    let (ignored, problems) = super::super::tally(&history);
    let pair = |r: &str, l: &[u64]| (r.to_string(), l.to_vec());
    assert_eq!(
        ignored,
        vec![
            pair("NOQUEUE: rejected before it was queued", &[27]),
            pair("SMTP server session line", &[1, 5]),
            pair("not from Postfix (no postfix/… program tag)", &[28]),
        ]
    );
    assert_eq!(
        problems,
        vec![
            pair("delivery line without status=", &[29]),
            pair("no timestamp at the start", &[30]),
        ]
    );
    assert_eq!((history.lines.read, history.lines.used), (33, 27));
    assert_eq!(
        history.notes,
        vec![
            "32 stamp(s) had no year: the first line is taken to be in 2024 (given), with 1 roll-over(s) to the next year",
            "32 line(s) had no UTC offset and were read as UTC; give --utc-offset (e.g. +01:00) for the log's local time",
            "1 message(s) arrived before the log began; their arrival is worked out from later lines and they are not in arrivals.csv",
        ]
    );
    let c = &history.messages[2];
    assert_eq!(
        c.attempts[1].tried,
        vec![
            "connect to outlook-com.olc.protection.outlook.com[52.101.8.1]:25: Connection refused"
        ]
    );
    assert_eq!(c.attempts[0].code, Some(451));
    assert_eq!(c.attempts[0].enhanced.as_deref(), Some("4.7.500"));
    assert_eq!(c.latency_s(), Some(912.0));
}

#[test]
fn the_fixture_summarises_exactly() {
    let summary = ObservedSummary::of(&parse(FIXTURE, &options()));
    assert_eq!(summary.messages, 5);
    assert_eq!(summary.mta_notices, 1);
    assert_eq!(summary.arrivals_in_log, 4);
    let o = summary.outcomes;
    assert_eq!((o.delivered, o.bounced, o.expired, o.queued), (2, 1, 1, 1));
    assert_eq!(
        (
            summary.attempts,
            summary.connected_attempts,
            summary.deferrals
        ),
        (7, 5, 4)
    );
    let replies: Vec<(&str, u64)> = summary
        .deferrals_by_reply
        .iter()
        .map(|r| (r.reply.as_str(), r.count))
        .collect();
    assert_eq!(
        replies,
        vec![
            ("4.4.1 (no reply)", 2),
            ("450 4.2.0", 1),
            ("451 4.7.500", 1)
        ]
    );
    let latency = summary.latency_s.unwrap();
    assert_eq!(
        (
            latency.count,
            latency.p50,
            latency.p90,
            latency.p99,
            latency.max
        ),
        (2, 2.0, 912.0, 912.0, 912.0)
    );
    let bins: Vec<(u64, u64)> = summary
        .attempts_per_message
        .iter()
        .map(|b| (b.attempts, b.messages))
        .collect();
    assert_eq!(bins, vec![(1, 4), (3, 1)]);
    let hours: Vec<(String, u64, u64)> = summary
        .hourly
        .iter()
        .map(|h| (h.hour.to_string(), h.attempts, h.deferrals))
        .collect();
    assert_eq!(
        hours,
        vec![
            ("2024-12-31T23:00:00Z".to_string(), 4, 2),
            ("2025-01-01T00:00:00Z".to_string(), 3, 2)
        ]
    );
}

#[test]
fn postfix_own_maillog_file_stamps_are_zero_padded() {
    let log = include_str!("../../../../tests/fixtures/logs/postfix-maillog-file.log");
    let history = parse(
        log,
        &ParseOptions {
            year: YearRule::FirstLine(2024),
            utc_offset: Some(3600),
        },
    );
    assert_eq!(
        super::super::brief(&history),
        vec![
            "6F70819203 f@example.net 2024-12-31T23:59:59+01:00 logged delivered 2025-01-01T00:00:01+01:00 a1 d0 c1"
        ]
    );
    assert_eq!(
        history.notes[1],
        "4 line(s) had no UTC offset; placed at +01:00"
    );
}
