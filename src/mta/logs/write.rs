//! The files `mailsim replay` writes from a history, each to any [`std::io::Write`]:
//!
//! - **arrivals** (`arrivals.csv`): `time,sender,recipient,size`, one row per message whose
//!   queue entry is in the log, in order of arrival — the format of the `Replay(file: …)`
//!   traffic source. `time` is RFC 3339 in the log's local time, or seconds since the first
//!   arrival or a given instant ([`TimeFormat`]). Messages that arrived before the log began, MTA notices and
//!   messages without a named recipient are left out (the summary's notes count them).
//! - **messages** (`observed-messages.csv`): one row per message and recipient — id, recipient
//!   and its domain, arrival and how it was found, attempts, attempts that reached the
//!   destination, deferrals, outcome, end, `latency_s` (arrival to end), whether the MTA made it.
//! - **attempts** (`observed-attempts.csv`): one row per attempt — message id, recipient, time,
//!   host, status, reply code, enhanced code, whether the destination was reached, text.
//! - **hourly** (`observed-hourly.csv`): attempts, deferrals and the deferral rate per hour.

use std::io::Write;

use super::summary::ObservedSummary;
use super::{ArrivalSource, History, Stamp};

/// How `time` is written in the arrivals file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 in the log's local time, e.g. `2024-11-03T17:29:29+01:00`.
    #[default]
    Rfc3339,
    /// Seconds since the first arrival written, e.g. `0`, `12.5`.
    Seconds,
    /// Seconds since this instant (a fitted scenario's time zero).
    SecondsFrom(Stamp),
}

/// Seconds from `from` to `to` with at most millisecond digits: `12`, `12.5`, `0.001`.
fn seconds_between(from: Stamp, to: Stamp) -> String {
    let ms = to.unix_ms - from.unix_ms;
    let (sign, ms) = if ms < 0 { ("-", -ms) } else { ("", ms) };
    let fraction = format!("{:03}", ms % 1000);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{}", ms / 1000)
    } else {
        format!("{sign}{}.{fraction}", ms / 1000)
    }
}

/// Writes the arrivals file; returns the number of rows.
pub fn arrivals<W: Write>(history: &History, times: TimeFormat, out: W) -> csv::Result<usize> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["time", "sender", "recipient", "size"])?;
    let rows = history.messages.iter().filter(|m| {
        m.arrival_source == ArrivalSource::Logged && !m.mta_notice && !m.recipient.is_empty()
    });
    let mut first = None;
    let mut written = 0;
    for m in rows {
        let start = *first.get_or_insert(m.arrival);
        let time = match times {
            TimeFormat::Rfc3339 => m.arrival.to_string(),
            TimeFormat::Seconds => seconds_between(start, m.arrival),
            TimeFormat::SecondsFrom(zero) => seconds_between(zero, m.arrival),
        };
        let size = m.size.map_or(String::new(), |s| s.to_string());
        csv.write_record([time.as_str(), &m.sender, &m.recipient, &size])?;
        written += 1;
    }
    csv.flush()?;
    Ok(written)
}

/// Writes the per-message outcomes; returns the number of rows.
pub fn messages<W: Write>(history: &History, out: W) -> csv::Result<usize> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "recipient",
        "recipient_domain",
        "arrival",
        "arrival_source",
        "attempts",
        "connected",
        "deferrals",
        "outcome",
        "end",
        "latency_s",
        "mta_notice",
    ])?;
    for m in &history.messages {
        let end = m.end.map_or(String::new(), |e| e.to_string());
        let latency = match (m.latency_s(), m.end) {
            (Some(_), Some(end)) => seconds_between(m.arrival, end),
            _ => String::new(),
        };
        csv.write_record([
            m.id.as_str(),
            &m.recipient,
            &m.recipient_domain(),
            &m.arrival.to_string(),
            m.arrival_source.as_str(),
            &m.attempts.len().to_string(),
            &m.connected_attempts().to_string(),
            &m.deferrals().to_string(),
            m.outcome.as_str(),
            &end,
            &latency,
            if m.mta_notice { "true" } else { "false" },
        ])?;
    }
    csv.flush()?;
    Ok(history.messages.len())
}

/// Writes every attempt; returns the number of rows.
pub fn attempts<W: Write>(history: &History, out: W) -> csv::Result<usize> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "recipient",
        "time",
        "host",
        "status",
        "code",
        "enhanced_code",
        "connected",
        "text",
    ])?;
    let mut written = 0;
    for m in &history.messages {
        for a in &m.attempts {
            csv.write_record([
                m.id.as_str(),
                &m.recipient,
                &a.time.to_string(),
                a.host.as_deref().unwrap_or(""),
                a.status.as_str(),
                &a.code.map_or(String::new(), |c| c.to_string()),
                a.enhanced.as_deref().unwrap_or(""),
                if a.connected { "true" } else { "false" },
                &a.text,
            ])?;
            written += 1;
        }
    }
    csv.flush()?;
    Ok(written)
}

/// Writes the hourly attempts and deferrals; returns the number of rows.
pub fn hourly<W: Write>(summary: &ObservedSummary, out: W) -> csv::Result<usize> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["hour", "attempts", "deferrals", "deferral_rate"])?;
    for row in &summary.hourly {
        let rate = row
            .deferral_rate()
            .map_or(String::new(), |r| format!("{r:.4}"));
        csv.write_record([
            row.hour.to_string(),
            row.attempts.to_string(),
            row.deferrals.to_string(),
            rate,
        ])?;
    }
    csv.flush()?;
    Ok(summary.hourly.len())
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ParseOptions, YearRule, parse};
    use super::*;

    const LOG: &str = "\
2024-12-31T23:59:58.5+01:00 mx postfix/smtpd[1]: AAAAA1: client=c[198.51.100.7]
2024-12-31T23:59:59+01:00 mx postfix/qmgr[2]: AAAAA1: from=<a@x.org>, size=10, nrcpt=2 (queue active)
2025-01-01T00:00:01+01:00 mx postfix/smtp[3]: AAAAA1: to=<b@Y.net>, relay=mx.y.net[192.0.2.1]:25, delay=2.5, delays=0/0/1/1, dsn=4.7.1, status=deferred (host mx.y.net[192.0.2.1] said: 450 4.7.1 \"Greylisted, come back\" (in reply to RCPT TO command))
2025-01-01T00:00:02+01:00 mx postfix/smtp[4]: AAAAA1: to=<c@z.com>, relay=mx.z.com[192.0.2.2]:25, delay=3.5, delays=0/0/1/1, dsn=2.0.0, status=sent (250 ok)
2025-01-01T00:10:00+01:00 mx postfix/smtpd[1]: BBBBB2: client=c[198.51.100.7]
";

    fn history() -> History {
        let options = ParseOptions {
            year: YearRule::FirstLine(2024),
            utc_offset: None,
        };
        parse(Format::Postfix, LOG, &options)
    }

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn arrivals_are_one_row_per_named_recipient_in_either_time_format() {
        let history = history();
        let rfc = text(|out| assert_eq!(arrivals(&history, TimeFormat::Rfc3339, out).unwrap(), 2));
        assert_eq!(
            rfc,
            "time,sender,recipient,size\n\
             2024-12-31T23:59:58.500+01:00,a@x.org,b@Y.net,10\n\
             2024-12-31T23:59:58.500+01:00,a@x.org,c@z.com,10\n"
        );
        let secs = text(|out| {
            arrivals(&history, TimeFormat::Seconds, out).unwrap();
        });
        assert_eq!(
            secs,
            "time,sender,recipient,size\n0,a@x.org,b@Y.net,10\n0,a@x.org,c@z.com,10\n"
        );
    }

    #[test]
    fn messages_and_attempts_files() {
        let history = history();
        let rows = text(|out| {
            messages(&history, out).unwrap();
        });
        assert_eq!(
            rows,
            "id,recipient,recipient_domain,arrival,arrival_source,attempts,connected,deferrals,outcome,end,latency_s,mta_notice\n\
             AAAAA1,b@Y.net,y.net,2024-12-31T23:59:58.500+01:00,logged,1,1,1,queued,,,false\n\
             AAAAA1,c@z.com,z.com,2024-12-31T23:59:58.500+01:00,logged,1,1,0,delivered,2025-01-01T00:00:02+01:00,3.5,false\n\
             BBBBB2,,,2025-01-01T00:10:00+01:00,logged,0,0,0,queued,,,false\n"
        );
        let rows = text(|out| {
            attempts(&history, out).unwrap();
        });
        assert_eq!(
            rows,
            "id,recipient,time,host,status,code,enhanced_code,connected,text\n\
             AAAAA1,b@Y.net,2025-01-01T00:00:01+01:00,mx.y.net[192.0.2.1]:25,deferred,450,4.7.1,true,\"host mx.y.net[192.0.2.1] said: 450 4.7.1 \"\"Greylisted, come back\"\" (in reply to RCPT TO command)\"\n\
             AAAAA1,c@z.com,2025-01-01T00:00:02+01:00,mx.z.com[192.0.2.2]:25,delivered,250,2.0.0,true,250 ok\n"
        );
        let summary = ObservedSummary::of(&history);
        let rows = text(|out| {
            hourly(&summary, out).unwrap();
        });
        assert_eq!(
            rows,
            "hour,attempts,deferrals,deferral_rate\n2025-01-01T00:00:00+01:00,2,1,0.5000\n"
        );
    }

    #[test]
    fn seconds_keep_milliseconds_only_when_needed() {
        let at = |ms| Stamp {
            unix_ms: ms,
            offset_s: 0,
        };
        assert_eq!(seconds_between(at(0), at(12_000)), "12");
        assert_eq!(seconds_between(at(0), at(12_500)), "12.5");
        assert_eq!(seconds_between(at(0), at(1)), "0.001");
        assert_eq!(seconds_between(at(1000), at(0)), "-1");
    }
}
