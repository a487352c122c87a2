//! KumoMTA log records: one JSON object per line (`kumo.configure_local_logs` writes them,
//! zstd-compressed; decompress first, e.g. `zstdcat`).
//!
//! Checked against KumoMTA's `docs/reference/log_record.md` and `crates/kumo-log-types`
//! (`JsonLogRecord`, `RecordType`; reference sheet `mta-logs-and-configs.md` §3). The fields read:
//! `type`, `id` (spool id), `sender`, `recipient` (a string; an array for batches since
//! 2025.12), `size`, `response` {`code`, `enhanced_code` {`class`, `subject`, `detail`},
//! `content`}, `peer_address` {`name`, `addr`}, `timestamp` and `created` (Unix seconds, UTC)
//! or `event_time` (RFC 3339, since 2025.10).
//!
//! | `type` | read as |
//! |---|---|
//! | `Reception` | arrival (queue entry) |
//! | `Delivery` | attempt, delivered |
//! | `TransientFailure` | attempt, deferred |
//! | `Bounce` | attempt, bounced |
//! | `Expiration` | expired (no attempt: KumoMTA expires a message when its next try would pass `max_age`) |
//! | `AdminBounce` | bounced by an administrator (no attempt) |
//! | `Delayed`, `AdminRebind`, `DeferredInjectionRebind`, `Rejection`, `OOB`, `Feedback`, `XferOut`, `XferIn` | ignored, by type |
//!
//! - **Reached or not:** an attempt reached the destination when `peer_address` is set and the
//!   reply is not KumoMTA's own (`KumoMTA internal: …`, e.g. `failed to connect to any
//!   candidate hosts`, a suspended queue).
//! - **Arrival before the log:** `created` is the message's reception time.
//! - A partial last line (the open segment of a live log) is counted as a problem.

use serde::Deserialize;
use serde_json::Value;

use super::builder::{Builder, attempt, finish_notes};
use super::history::{Attempt, AttemptStatus, LineTally};
use super::{Format, History, Outcome, Stamp, Verdict, clock, numbered_lines};

/// Reads KumoMTA log records (one JSON object per line).
pub fn parse(text: &str) -> History {
    let mut builder = Builder::default();
    let mut lines = LineTally::default();
    for (n, line) in numbered_lines(text) {
        lines.read += 1;
        let verdict = if line.trim().is_empty() {
            Verdict::Ignored("blank line")
        } else {
            match serde_json::from_str::<Record>(line) {
                Ok(record) => read(&mut builder, &record),
                Err(error) if error.is_eof() => Verdict::Problem("truncated JSON record"),
                Err(error) if error.is_data() => {
                    Verdict::Problem("JSON record without the expected fields")
                }
                Err(_) => Verdict::Problem("not a JSON record"),
            }
        };
        lines.count(n, verdict);
    }
    let (messages, counts) = builder.finish();
    let mut notes = Vec::new();
    finish_notes(&counts, &mut notes);
    History {
        starts: Vec::new(),
        format: Format::KumoMta,
        messages,
        lines,
        notes,
        queue_runs: Vec::new(),
    }
}

/// The fields of `JsonLogRecord` that the history needs; the others are skipped.
#[derive(Debug, Deserialize)]
struct Record {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    recipient: Recipients,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    peer_address: Option<Peer>,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    event_time: Option<String>,
    #[serde(default)]
    created: Option<Value>,
    #[serde(default)]
    created_time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Recipients {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Recipients {
    fn list(&self) -> Vec<&str> {
        match self {
            Recipients::None => Vec::new(),
            Recipients::One(one) => vec![one.as_str()],
            Recipients::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Response {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    enhanced_code: Option<Enhanced>,
    #[serde(default)]
    content: String,
}

#[derive(Debug, Deserialize)]
struct Enhanced {
    class: u8,
    subject: u16,
    detail: u16,
}

#[derive(Debug, Deserialize)]
struct Peer {
    #[serde(default)]
    name: String,
    #[serde(default)]
    addr: String,
}

/// A time given as Unix seconds (number or numeric string) or RFC 3339 text.
fn instant(seconds: Option<&Value>, rfc3339: Option<&str>) -> Option<Stamp> {
    if let Some(text) = rfc3339
        && let Some((local, Some(offset))) = clock::parse_rfc3339(text)
    {
        return Some(Stamp::from_local(local, offset));
    }
    match seconds? {
        Value::Number(n) => n.as_f64().map(Stamp::from_unix_seconds),
        Value::String(s) => match s.parse::<f64>() {
            Ok(secs) => Some(Stamp::from_unix_seconds(secs)),
            Err(_) => clock::parse_rfc3339(s)
                .map(|(local, offset)| Stamp::from_local(local, offset.unwrap_or(0))),
        },
        _ => None,
    }
}

/// What a record type means for the history.
enum Meaning {
    /// The message entered the queue.
    Reception,
    /// An attempt with this outcome.
    Attempt(AttemptStatus),
    /// The message ended without an attempt (expired, or bounced by an administrator).
    End(Outcome),
}

/// The meaning of record type `kind`, or why the record has nothing to take.
fn meaning(kind: &str) -> Result<Meaning, Verdict> {
    Ok(match kind {
        "Reception" => Meaning::Reception,
        "Delivery" => Meaning::Attempt(AttemptStatus::Delivered),
        "TransientFailure" => Meaning::Attempt(AttemptStatus::Deferred),
        "Bounce" => Meaning::Attempt(AttemptStatus::Bounced),
        "Expiration" => Meaning::End(Outcome::Expired),
        "AdminBounce" => Meaning::End(Outcome::Bounced),
        "Delayed" | "Delay" => {
            return Err(Verdict::Ignored(
                "Delayed: why a message waits (no attempt)",
            ));
        }
        "AdminRebind" | "DeferredInjectionRebind" | "XferOut" | "XferIn" => {
            return Err(Verdict::Ignored(
                "moved between queues or nodes (no attempt)",
            ));
        }
        "Rejection" => {
            return Err(Verdict::Ignored(
                "Rejection: refused at reception (never queued)",
            ));
        }
        "OOB" | "Feedback" => {
            return Err(Verdict::Ignored("OOB bounce or feedback report received"));
        }
        _ => return Err(Verdict::Problem("unknown record type")),
    })
}

fn read(builder: &mut Builder, record: &Record) -> Verdict {
    let meaning = match meaning(&record.kind) {
        Ok(meaning) => meaning,
        Err(verdict) => return verdict,
    };
    let Some(t) = instant(record.timestamp.as_ref(), record.event_time.as_deref()) else {
        return Verdict::Problem("record without a timestamp");
    };
    if record.id.is_empty() {
        return Verdict::Problem("record without an id");
    }
    let recipients = record.recipient.list();
    let draft = builder.draft(&record.id, t);
    if let Some(created) = instant(record.created.as_ref(), record.created_time.as_deref()) {
        draft.arrived_by(created);
    }
    if draft.sender.is_none() && !record.sender.is_empty() {
        draft.sender = Some(record.sender.clone());
    }
    if record.size.is_some_and(|s| s > 0) {
        draft.size = record.size;
    }
    match meaning {
        Meaning::Reception => {
            draft.arrived(t);
            for recipient in recipients {
                draft.recipient(recipient);
            }
        }
        Meaning::End(outcome) => {
            for recipient in &recipients {
                let r = draft.recipient(recipient);
                if r.end.is_none() {
                    r.end = Some((outcome, t));
                }
            }
            if recipients.is_empty() {
                draft.end_open(outcome, t);
            }
        }
        Meaning::Attempt(status) => {
            if recipients.is_empty() {
                return Verdict::Problem("attempt record without a recipient");
            }
            let attempt = record_attempt(record, t, status);
            for recipient in recipients {
                draft.attempt(recipient, attempt.clone());
            }
        }
    }
    Verdict::Used
}

/// The attempt a Delivery, TransientFailure or Bounce record describes.
fn record_attempt(record: &Record, t: Stamp, status: AttemptStatus) -> Attempt {
    let response = record.response.as_ref();
    let content = response.map_or("", |r| r.content.as_str());
    let internal = content.contains("KumoMTA internal");
    let connected = record.peer_address.is_some() && !internal;
    let host = record
        .peer_address
        .as_ref()
        .filter(|_| connected)
        .map(|p| format!("{} [{}]", p.name.trim_end_matches('.'), p.addr));
    let code = response.and_then(|r| r.code);
    let enhanced = response
        .and_then(|r| r.enhanced_code.as_ref())
        .map(|e| format!("{}.{}.{}", e.class, e.subject, e.detail));
    let text = match code {
        Some(code) => format!("{code} {content}"),
        None => content.to_string(),
    };
    attempt(t, host, status, code, enhanced, connected, text)
}

#[cfg(test)]
mod tests {
    use super::super::ArrivalSource;
    use super::*;

    #[test]
    fn reception_failures_delivery_and_expiry() {
        let log = r#"{"type":"Reception","id":"aa01","sender":"s@example.org","recipient":"r@example.com","size":1047,"timestamp":1700000000,"created":1700000000,"response":{"code":250,"enhanced_code":null,"content":"","command":null},"peer_address":{"name":"client","addr":"10.0.0.1"},"site":""}
{"type":"TransientFailure","id":"aa01","sender":"s@example.org","recipient":"r@example.com","timestamp":1700000060,"created":1700000000,"response":{"code":451,"enhanced_code":{"class":4,"subject":7,"detail":500},"content":"Server busy. Please try again later","command":"RCPT TO"},"peer_address":{"name":"mx.example.com.","addr":"192.0.2.1"}}
{"type":"TransientFailure","id":"aa01","sender":"s@example.org","recipient":"r@example.com","timestamp":1700001260,"response":{"code":400,"enhanced_code":null,"content":"KumoMTA internal: failed to connect to any candidate hosts","command":null},"peer_address":null}
{"type":"Delivery","id":"aa01","sender":"s@example.org","recipient":"r@example.com","timestamp":1700003660,"response":{"code":250,"enhanced_code":{"class":2,"subject":0,"detail":0},"content":"OK","command":"."},"peer_address":{"name":"mx.example.com.","addr":"192.0.2.1"}}
{"type":"Expiration","id":"bb02","sender":"s@example.org","recipient":"x@example.net","timestamp":1700306000,"created":1700000000,"response":{"code":551,"enhanced_code":{"class":5,"subject":4,"detail":7},"content":"Next delivery time would be ... which exceeds max_age=7d","command":null}}
{"type":"Delayed","id":"aa01","timestamp":1700000001}
{"type":"Reception","id":"cc03"
"#;
        let history = parse(log);
        assert_eq!(history.lines.read, 7);
        assert_eq!(history.lines.used, 5);
        assert_eq!(
            history.lines.problems["truncated JSON record"].first_lines,
            vec![7]
        );
        assert_eq!(history.lines.ignored_total(), 1);
        let m = &history.messages[0];
        assert_eq!(m.arrival.to_string(), "2023-11-14T22:13:20Z");
        assert_eq!(m.size, Some(1047));
        assert_eq!(m.attempts.len(), 3);
        assert_eq!(m.attempts[0].code, Some(451));
        assert_eq!(m.attempts[0].enhanced.as_deref(), Some("4.7.500"));
        assert!(m.attempts[0].connected);
        assert_eq!(
            m.attempts[0].host.as_deref(),
            Some("mx.example.com [192.0.2.1]")
        );
        assert!(!m.attempts[1].connected);
        assert_eq!(m.outcome, Outcome::Delivered);
        assert_eq!(m.latency_s(), Some(3660.0));
        let expired = &history.messages[1];
        assert_eq!(expired.arrival_source, ArrivalSource::Derived);
        assert_eq!(expired.outcome, Outcome::Expired);
        assert!(expired.attempts.is_empty());
        assert_eq!(expired.latency_s(), Some(306_000.0));
    }

    #[test]
    fn batched_recipients_become_one_record_each() {
        let log = r#"{"type":"Reception","id":"dd04","sender":"s@x","recipient":["a@y","b@z"],"timestamp":10}
{"type":"Bounce","id":"dd04","sender":"s@x","recipient":["a@y"],"timestamp":20,"response":{"code":550,"enhanced_code":{"class":5,"subject":1,"detail":1},"content":"no such user"},"peer_address":{"name":"mx.y","addr":"192.0.2.2"}}
{"type":"Frobnicate","id":"dd04","timestamp":30}
"#;
        let history = parse(log);
        assert_eq!(history.messages.len(), 2);
        assert_eq!(history.messages[0].outcome, Outcome::Bounced);
        assert_eq!(history.messages[0].attempts[0].text, "550 no such user");
        assert_eq!(history.messages[1].recipient, "b@z");
        assert_eq!(history.messages[1].outcome, Outcome::Queued);
        assert_eq!(history.lines.problems["unknown record type"].count, 1);
    }

    #[test]
    fn the_fixture_reads_exactly() {
        let history = parse(include_str!("../../../tests/fixtures/logs/kumomta.jsonl"));
        assert_eq!(
            super::super::brief(&history),
            vec![
                "0aa4c1f0c7a411ef9f0250ebf67f93bd d@example.com 2024-12-25T00:10:00Z derived expired 2025-01-01T00:10:01Z a1 d1 c0",
                "d3b6c1f0c7a411ef9f0250ebf67f93bd b@example.net 2024-12-31T23:50:00Z logged delivered 2024-12-31T23:50:02Z a1 d0 c1",
                "d3b6c1f0c7a411ef9f0250ebf67f93bd c@outlook.com 2024-12-31T23:50:00Z logged delivered 2025-01-01T00:20:30Z a3 d2 c2",
                "e1a2c1f0c7a411ef9f0250ebf67f93bd nobody@example.com 2024-12-31T23:58:00Z logged bounced 2024-12-31T23:58:01Z a1 d0 c1",
                "f5c6c1f0c7a411ef9f0250ebf67f93bd e@greylist.example 2025-01-01T00:20:00Z logged queued - a1 d1 c1",
            ]
        );
        let (ignored, problems) = super::super::tally(&history);
        let pair = |r: &str, l: &[u64]| (r.to_string(), l.to_vec());
        assert_eq!(
            ignored,
            vec![
                pair("Delayed: why a message waits (no attempt)", &[4]),
                pair("moved between queues or nodes (no attempt)", &[12]),
            ]
        );
        assert_eq!(
            problems,
            vec![
                pair("not a JSON record", &[9]),
                pair("truncated JSON record", &[16]),
                pair("unknown record type", &[8]),
            ]
        );
        assert_eq!((history.lines.read, history.lines.used), (16, 11));
        let summary = super::super::ObservedSummary::of(&history);
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
            vec![("400", 2), ("450 4.2.0", 1), ("451 4.7.500", 1)]
        );
        let latency = summary.latency_s.unwrap();
        assert_eq!((latency.p50, latency.max), (2.0, 1830.0));
        let o = summary.outcomes;
        assert_eq!((o.delivered, o.bounced, o.expired, o.queued), (2, 1, 1, 1));
    }
}
