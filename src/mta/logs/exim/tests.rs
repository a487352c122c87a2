//! Tests of the Exim log reader.

use super::super::{ArrivalSource, YearRule};
use super::*;

fn options() -> ParseOptions {
    ParseOptions {
        year: YearRule::FirstLine(2000),
        utc_offset: Some(3600),
    }
}

#[test]
fn ids_and_their_coded_time() {
    assert!(is_message_id("16ZCW1-0005MB-00"));
    assert!(is_message_id("1tpQ9W-000000Bx1k2-0Ab3"));
    assert!(!is_message_id("1tpQ9W-000000Bx1k2"));
    assert_eq!(id_time("1tpQ9W-000000Bx1k2-0Ab3"), Some(1_741_086_574));
}

#[test]
fn tokens_keep_quoted_replies_whole() {
    assert_eq!(
        tokens(r#"b@x R=r H=mx [1.2.3.4] C="250 2.0.0 \"ok\" queued"  QT=1s"#),
        vec![
            "b@x",
            "R=r",
            "H=mx",
            "[1.2.3.4]",
            r#"C="250 2.0.0 \"ok\" queued""#,
            "QT=1s"
        ]
    );
}

#[test]
fn the_reference_example_reads_into_two_recipients() {
    let log = "\
2025-03-04 10:15:02 1tpQ9W-000000Bx1k2-0Ab3 <= a@example.org H=c.example.org [198.51.100.7] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=2048 id=x1@example.org
2025-03-04 10:15:03 1tpQ9W-000000Bx1k2-0Ab3 => b@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] C=\"250 2.0.0 OK\"
2025-03-04 10:15:04 1tpQ9W-000000Bx1k2-0Ab3 == c@example.com R=dnslookup T=remote_smtp defer (-44) H=mx.example.com [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<c@example.com>: 451 4.7.1 Greylisted
2025-03-04 10:45:10 1tpQ9W-000000Bx1k2-0Ab3 => c@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.10]* C=\"250 OK\"
2025-03-04 10:45:10 1tpQ9W-000000Bx1k2-0Ab3 Completed
";
    let history = parse(log, &options());
    assert_eq!(history.lines.used, 5, "{:?}", history.lines);
    let [b, c] = [&history.messages[0], &history.messages[1]];
    assert_eq!(b.arrival.to_string(), "2025-03-04T10:15:02+01:00");
    assert_eq!(b.arrival_source, ArrivalSource::Logged);
    assert_eq!(b.size, Some(2048));
    assert_eq!(b.message_id.as_deref(), Some("x1@example.org"));
    assert_eq!(b.attempts[0].code, Some(250));
    assert_eq!(b.attempts[0].enhanced.as_deref(), Some("2.0.0"));
    assert_eq!(
        b.attempts[0].host.as_deref(),
        Some("mx.example.net [203.0.113.25]")
    );
    assert_eq!(c.attempts.len(), 2);
    let deferred = &c.attempts[0];
    assert_eq!(deferred.status, AttemptStatus::Deferred);
    assert!(deferred.connected);
    assert_eq!(deferred.code, Some(451));
    assert_eq!(deferred.enhanced.as_deref(), Some("4.7.1"));
    assert_eq!(
        deferred.host.as_deref(),
        Some("mx.example.com [192.0.2.10]")
    );
    assert_eq!(
        c.attempts[1].host.as_deref(),
        Some("mx.example.com [192.0.2.10]")
    );
    assert_eq!(c.outcome, Outcome::Delivered);
    assert_eq!(c.latency_s(), Some(30.0 * 60.0 + 8.0));
}

#[test]
fn retry_skips_and_refusals_do_not_connect_and_timeouts_expire() {
    let log = "\
2025-03-04 10:00:00.123 +0000 [4242] 1tpO88-0005MB-00 == r@example.com R=dnslookup T=remote_smtp defer (111): Connection refused H=mx.example.com [192.0.2.10]
2025-03-04 10:15:00 +0000 1tpO88-0005MB-00 == r@example.com R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host for 'example.com'
2025-03-04 10:30:00 +0000 1tpO88-0005MB-00 ** r@example.com R=dnslookup T=remote_smtp : retry timeout exceeded
2025-03-04 10:30:00 +0000 1tpO88-0005MB-00 Completed
";
    let history = parse(log, &options());
    assert_eq!(history.lines.used, 4);
    let m = &history.messages[0];
    assert_eq!(m.arrival_source, ArrivalSource::Derived);
    assert_eq!(m.arrival.unix_ms, 1_741_078_800_000);
    assert_eq!(m.attempts.len(), 2);
    assert!(!m.attempts[0].connected);
    assert_eq!(m.attempts[0].text, "Connection refused");
    assert_eq!(m.attempts[0].time.to_string(), "2025-03-04T10:00:00.123Z");
    assert!(!m.attempts[1].connected);
    assert_eq!(
        m.attempts[1].text,
        "retry time not reached for any host for 'example.com'"
    );
    assert_eq!(m.outcome, Outcome::Expired);
    assert_eq!(m.end.unwrap().to_string(), "2025-03-04T10:30:00Z");
}

#[test]
fn bounces_notices_and_unknown_lines() {
    let log = "\
2025-03-04 10:00:00 1tpQ9W-0005MB-00 <= a@example.org S=100
2025-03-04 10:00:01 1tpQ9W-0005MB-00 ** bad@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<bad@example.com>: 550 5.1.1 No such user
2025-03-04 10:00:01 1tpQ9X-0005MC-00 <= <> R=1tpQ9W-0005MB-00 U=exim P=local S=1500
2025-03-04 10:00:02 1tpQ9W-0005MB-00 Completed
2025-03-04 10:00:02 1tpQ9W-0005MB-00 frobnicated
2025-03-04 10:00:03 Start queue run: pid=12
";
    let history = parse(log, &options());
    let bounced = &history.messages[0];
    assert_eq!(bounced.outcome, Outcome::Bounced);
    assert_eq!(bounced.attempts[0].code, Some(550));
    assert_eq!(bounced.attempts[0].enhanced.as_deref(), Some("5.1.1"));
    assert!(bounced.attempts[0].connected);
    let notice = &history.messages[1];
    assert!(notice.mta_notice);
    assert_eq!(notice.sender, "");
    assert_eq!(notice.recipient, "");
    assert_eq!(
        history.lines.problems["line for a message not understood"].first_lines,
        vec![5]
    );
    // A queue run's start without its end is read, and no run is made of it.
    assert!(
        !history
            .lines
            .ignored
            .contains_key("queue runner start or end")
    );
    assert!(history.queue_runs.is_empty());
}

/// The committed Exim log fixture, read as written (its own UTC offsets).
fn fixture() -> History {
    parse(
        include_str!("../../../../tests/fixtures/logs/exim-mainlog.log"),
        &ParseOptions {
            year: YearRule::FirstLine(1999),
            utc_offset: None,
        },
    )
}

#[test]
fn the_fixture_queue_runs_are_read() {
    let history = fixture();
    let runs: Vec<(String, String)> = history
        .queue_runs
        .iter()
        .map(|run| (run.start.to_string(), run.end.to_string()))
        .collect();
    assert_eq!(
        runs,
        [
            (
                "2024-12-31T23:45:00+01:00".to_string(),
                "2024-12-31T23:45:00.001+01:00".to_string()
            ),
            (
                "2025-01-01T00:05:00+01:00".to_string(),
                "2025-01-01T00:10:02+01:00".to_string()
            ),
        ]
    );
}

#[test]
fn the_fixture_reads_exactly() {
    let history = fixture();
    assert_eq!(
        super::super::brief(&history),
        vec![
            "1tQwzQ-0005MD-00 d@example.com 2024-12-27T00:10:00+01:00 derived expired 2025-01-01T00:10:01+01:00 a1 d1 c0",
            "1tSl3o-000000AbCdE-0Ab3 b@example.net 2024-12-31T23:50:00.250+01:00 logged delivered 2024-12-31T23:50:02.100+01:00 a1 d0 c1",
            "1tSl3o-000000AbCdE-0Ab3 c@outlook.com 2024-12-31T23:50:00.250+01:00 logged delivered 2025-01-01T00:20:30+01:00 a4 d3 c2",
            "1tSlBY-0005MB-00 nobody@example.com 2024-12-31T23:58:00+01:00 logged bounced 2024-12-31T23:58:01+01:00 a1 d0 c1",
            "1tSlBZ-0005MC-00 alerts@example.org 2024-12-31T23:58:01+01:00 logged delivered 2024-12-31T23:58:02+01:00 a1 d0 c1 notice",
            "1tSlWq-000000AbCdF-0Ab3 e@greylist.example 2025-01-01T00:20:00+01:00 logged queued - a1 d1 c1",
        ]
    );
    let (ignored, problems) = super::super::tally(&history);
    let pair = |r: &str, l: &[u64]| (r.to_string(), l.to_vec());
    assert_eq!(ignored, vec![pair("SMTP rejection (never queued)", &[19])]);
    assert_eq!(
        problems,
        vec![
            pair("line for a message not understood", &[20]),
            pair("no timestamp at the start", &[21]),
            pair("timestamp with an impossible date", &[22]),
        ]
    );
    // The four queue-run lines are used (they were ignored before runs were read).
    assert_eq!((history.lines.read, history.lines.used), (26, 22));
    // Every stamp had its year and offset: only the derived arrival is worth a note.
    assert_eq!(history.notes.len(), 1, "{:?}", history.notes);
    let c = &history.messages[2];
    let texts: Vec<&str> = c.attempts.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "SMTP error from remote mail server after RCPT TO:<c@outlook.com>: 451 4.7.500 Server busy. Please try again later from [198.51.100.7]. (S77719)",
            "Connection refused",
            "retry time not reached for any host for 'outlook.com'",
            "250 2.6.0 <m1@example.org> Queued mail for delivery",
        ]
    );
    let summary = super::super::ObservedSummary::of(&history);
    assert_eq!((summary.messages, summary.mta_notices), (5, 1));
    assert_eq!(
        (
            summary.attempts,
            summary.connected_attempts,
            summary.deferrals
        ),
        (8, 5, 5)
    );
    let replies: Vec<(&str, u64)> = summary
        .deferrals_by_reply
        .iter()
        .map(|r| (r.reply.as_str(), r.count))
        .collect();
    assert_eq!(
        replies,
        vec![
            ("(no connection)", 2),
            ("(skipped by the MTA)", 1),
            ("450 4.2.0", 1),
            ("451 4.7.500", 1)
        ]
    );
    let latency = summary.latency_s.unwrap();
    assert_eq!((latency.p50, latency.max), (1.85, 1829.75));
}

#[test]
fn exim_4_96_expiry_and_daemon_start_lines() {
    // From a recorded Exim 4.96 run (conformance/recordings/exim/e2-bucket).
    let log = "\
2026-11-29 23:28:21.179 [18293] exim 4.96 daemon started: pid=18293, -q30s, listening for SMTP on [127.0.0.1]:25
2026-11-29 23:28:41.296 [26018] 1xXoK1-0006le-0q <= sender@conformance.test H=(injector.conformance.test) [127.0.0.1] P=esmtp S=491 id=exim-e2-bucket-0027@conformance.test for m0027@sink.test
2026-11-29 23:28:41.373 [26022] 1xXoK1-0006le-0q == m0027@sink.test R=to_sink T=to_sink defer (-44) H=127.0.0.1 [127.0.0.1]:2525 DT=0.000s: SMTP error from remote mail server after RCPT TO:<m0027@sink.test>: 451 4.7.500 Server busy. Please try again later
2026-11-29 23:31:11.625 [3295] 1xXoK1-0006le-0q == m0027@sink.test routing defer (-52) DT=0.000s: retry time not reached
2026-11-29 23:32:42.144 [8867] 1xXoK1-0006le-0q == m0027@sink.test R=to_sink T=to_sink defer (-44) H=127.0.0.1 [127.0.0.1]:2525 DT=0.000s: SMTP error from remote mail server after RCPT TO:<m0027@sink.test>: 451 4.7.500 Server busy. Please try again later
2026-11-29 23:32:42.144 [8867] 1xXoK1-0006le-0q ** m0027@sink.test: retry timeout exceeded
2026-11-29 23:32:42.147 [8867] 1xXoK1-0006le-0q Completed
";
    let history = parse(log, &options());
    assert_eq!(history.lines.problem_total(), 0);
    assert_eq!(
        history.messages.len(),
        1,
        "the expiry names the same recipient"
    );
    let m = &history.messages[0];
    assert_eq!(
        (m.recipient.as_str(), m.outcome),
        ("m0027@sink.test", Outcome::Expired)
    );
    assert_eq!(m.attempts.len(), 3);
    assert!(m.attempts[1].skipped() && !m.attempts[0].skipped());
    assert_eq!(history.starts.len(), 1);
    assert_eq!(history.starts[0].queue_interval_s, Some(30));
}
