//! An Exim main log with `log_selector = +millisec` and the zone written (`2026-11-30
//! 09:00:00.250 +0000`): `<=` arrivals, `=>` deliveries, `==` deferrals (`defer (-44) H=…:
//! SMTP error from remote mail server after RCPT TO:<…>: …`, `defer (111): Connection refused`,
//! `routing defer (-52): retry time not reached for any host`), `**` bounces and `retry timeout
//! exceeded` expiries, `Completed`. Message ids code the arrival second in base 62, as Exim's
//! do.

use super::super::{AttemptStatus, MtaStart, ObservedMessage, Outcome, Stamp};
use super::{Add, host_of, last_order};

/// `2026-11-30 09:00:00.250 +0000` (always milliseconds).
fn stamp(time: Stamp) -> String {
    let text = time.to_string();
    let (date, rest) = text.split_at(10);
    let clock = &rest[1..9];
    let millis = time.unix_ms.rem_euclid(1000);
    let offset = time.offset_s;
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    format!(
        "{date} {clock}.{millis:03} {sign}{:02}{:02}",
        offset / 3600,
        offset / 60 % 60
    )
}

/// The daemon's start line (with `-q` when it has a queue runner).
pub(crate) fn start_line(start: &MtaStart) -> String {
    let queue = start
        .queue_interval_s
        .map_or(String::new(), |q| format!(", -q{q}s"));
    format!(
        "{} [1000] exim 4.96 daemon started: pid=1000{queue}, listening for SMTP on [127.0.0.1]:25",
        stamp(start.time)
    )
}

/// Base 62 with Exim's digits, `width` characters.
fn base62(mut value: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Message `index`'s lines.
pub(crate) fn message(index: usize, m: &ObservedMessage, add: &mut Add) {
    let second = m.arrival.unix_ms.div_euclid(1000).max(0) as u64;
    let id = format!("{}-{}-00", base62(second, 6), base62(index as u64 + 1, 6));
    let line = |time: Stamp, text: String| format!("{} [1001] {id} {text}", stamp(time));
    let size = m.size.map_or(String::new(), |s| format!(" S={s}"));
    let message_id = m
        .message_id
        .as_ref()
        .map_or(String::new(), |i| format!(" id={i}"));
    let sender = if m.sender.is_empty() { "<>" } else { &m.sender };
    add(
        m.arrival,
        0,
        line(
            m.arrival,
            format!(
                "<= {sender} H=localhost [127.0.0.1] P=esmtp{size}{message_id} for {}",
                m.recipient
            ),
        ),
    );
    let rcpt = &m.recipient;
    for attempt in &m.attempts {
        let (name, ip) = host_of(m, attempt);
        let text = match attempt.status {
            AttemptStatus::Delivered => format!(
                "=> {rcpt} R=dnslookup T=remote_smtp H={name} [{ip}] C=\"{}\"",
                attempt.text.replace('"', "\\\"")
            ),
            AttemptStatus::Deferred => format!("== {rcpt} {}", deferral(attempt, &name, &ip, rcpt)),
            AttemptStatus::Bounced => format!(
                "** {rcpt} R=dnslookup T=remote_smtp H={name} [{ip}]: SMTP error from remote mail server after RCPT TO:<{rcpt}>: {}",
                attempt.text
            ),
        };
        add(attempt.time, attempt.order, line(attempt.time, text));
    }
    let Some(end) = m.end else { return };
    if m.outcome == Outcome::Expired {
        add(
            end,
            last_order(m),
            line(end, format!("** {rcpt}: retry timeout exceeded")),
        );
    }
    if matches!(
        m.outcome,
        Outcome::Delivered | Outcome::Bounced | Outcome::Expired
    ) {
        add(end, last_order(m), line(end, "Completed".to_string()));
    }
}

/// A deferral's words after the recipient.
fn deferral(attempt: &super::super::Attempt, name: &str, ip: &str, rcpt: &str) -> String {
    let lower = attempt.text.to_ascii_lowercase();
    if !attempt.connected {
        if lower.contains("retry time") || lower.starts_with("delivery temporarily suspended") {
            return "routing defer (-52): retry time not reached for any host".to_string();
        }
        if lower.contains("not found") {
            return "R=dnslookup defer (-1): host lookup did not complete".to_string();
        }
        let (errno, reason) = if lower.contains("timed out") {
            (110, "Connection timed out")
        } else {
            (111, "Connection refused")
        };
        return format!("R=dnslookup T=remote_smtp defer ({errno}): {reason}");
    }
    let after = if attempt.code == Some(421) {
        "initial connection".to_string()
    } else {
        format!("RCPT TO:<{rcpt}>")
    };
    format!(
        "R=dnslookup T=remote_smtp defer (-44) H={name} [{ip}]: SMTP error from remote mail server after {after}: {}",
        attempt.text
    )
}
