//! KumoMTA JSON log records, one per line: `Reception`, then `Delivery`, `TransientFailure` or
//! `Bounce` per attempt (with `response` code, enhanced code and content, and `peer_address`
//! when the host was reached; a connection failure is KumoMTA's `KumoMTA internal: failed to
//! connect` with no peer), and `Expiration`. Times are `timestamp` (Unix seconds) and
//! `event_time` (RFC 3339 with milliseconds).

use serde_json::{Value, json};

use super::super::{AttemptStatus, ObservedMessage, Outcome, Stamp};
use super::{Add, host_of, last_order, reply_tail};

fn record(
    kind: &str,
    id: &str,
    m: &ObservedMessage,
    time: Stamp,
) -> serde_json::Map<String, Value> {
    let mut record = serde_json::Map::new();
    record.insert("type".into(), json!(kind));
    record.insert("id".into(), json!(id));
    record.insert("sender".into(), json!(m.sender));
    record.insert("recipient".into(), json!(m.recipient));
    record.insert("timestamp".into(), json!(time.unix_ms.div_euclid(1000)));
    record.insert("event_time".into(), json!(time.to_string()));
    record.insert("created".into(), json!(m.arrival.unix_ms.div_euclid(1000)));
    record
}

/// Message `index`'s records.
pub(crate) fn message(index: usize, m: &ObservedMessage, add: &mut Add) {
    let id = format!("{:032x}", index + 1);
    let mut reception = record("Reception", &id, m, m.arrival);
    if let Some(size) = m.size {
        reception.insert("size".into(), json!(size));
    }
    add(m.arrival, 0, Value::Object(reception).to_string());
    for attempt in &m.attempts {
        let kind = match attempt.status {
            AttemptStatus::Delivered => "Delivery",
            AttemptStatus::Deferred => "TransientFailure",
            AttemptStatus::Bounced => "Bounce",
        };
        let mut entry = record(kind, &id, m, attempt.time);
        let enhanced = attempt.enhanced.as_deref().and_then(|e| {
            let mut parts = e.split('.').map(|p| p.parse::<u16>().ok());
            Some(json!({"class": parts.next()??, "subject": parts.next()??, "detail": parts.next()??}))
        });
        let (code, content) = if attempt.connected {
            (attempt.code.unwrap_or(400), reply_tail(attempt).to_string())
        } else if attempt.skipped() {
            (400, format!("KumoMTA internal: {}", attempt.text))
        } else {
            (
                400,
                format!(
                    "KumoMTA internal: failed to connect to any candidate hosts: {}",
                    reply_tail(attempt)
                ),
            )
        };
        entry.insert(
            "response".into(),
            json!({"code": code, "enhanced_code": enhanced, "content": content, "command": null}),
        );
        let peer = if attempt.connected {
            let (name, ip) = host_of(m, attempt);
            json!({"name": name, "addr": ip})
        } else {
            Value::Null
        };
        entry.insert("peer_address".into(), peer);
        add(
            attempt.time,
            attempt.order,
            Value::Object(entry).to_string(),
        );
    }
    if let (Outcome::Expired, Some(end)) = (m.outcome, m.end) {
        add(
            end,
            last_order(m),
            Value::Object(record("Expiration", &id, m, end)).to_string(),
        );
    }
}
