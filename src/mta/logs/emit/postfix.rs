//! Postfix syslog lines with RFC 3339 stamps (milliseconds kept), as `maillog_file` or rsyslog
//! with high-precision stamps write them: `smtpd` `client=`, `cleanup` `message-id=`, `qmgr`
//! `from=… (queue active)`, one `smtp` `to=… relay=… delay=… dsn=… status=… (…)` line per
//! attempt, `qmgr` `status=expired` and `removed`. Queue ids are ten hexadecimal digits.

use super::super::{AttemptStatus, ObservedMessage, Outcome, Stamp};
use super::{Add, host_of, last_order, reply_tail};

const HOST: &str = "mailsim";

fn line(time: Stamp, program: &str, pid: u32, text: &str) -> String {
    format!("{time} {HOST} postfix/{program}[{pid}]: {text}")
}

/// The `master` line of a daemon start.
pub(crate) fn start_line(time: Stamp) -> String {
    line(
        time,
        "master",
        1000,
        "daemon started -- version 3.7.11, configuration /etc/postfix",
    )
}

/// Message `index`'s lines.
pub(crate) fn message(index: usize, m: &ObservedMessage, add: &mut Add) {
    let qid = format!("{:010X}", index + 1);
    let t = m.arrival;
    add(
        t,
        0,
        line(
            t,
            "smtpd",
            1001,
            &format!("{qid}: client=localhost[127.0.0.1]"),
        ),
    );
    if let Some(id) = &m.message_id {
        add(
            t,
            0,
            line(t, "cleanup", 1002, &format!("{qid}: message-id=<{id}>")),
        );
    }
    let size = m.size.map_or(String::new(), |s| format!(", size={s}"));
    add(
        t,
        0,
        line(
            t,
            "qmgr",
            1003,
            &format!("{qid}: from=<{}>{size}, nrcpt=1 (queue active)", m.sender),
        ),
    );
    for attempt in &m.attempts {
        let (name, ip) = host_of(m, attempt);
        let relay = if attempt.connected {
            format!("{name}[{ip}]:25")
        } else {
            "none".to_string()
        };
        let status = match attempt.status {
            AttemptStatus::Delivered => "sent",
            AttemptStatus::Deferred => "deferred",
            AttemptStatus::Bounced => "bounced",
        };
        let dsn = attempt
            .enhanced
            .clone()
            .unwrap_or_else(|| default_dsn(attempt.status).to_string());
        let text = reply_text(attempt, &name, &ip);
        let delay = attempt.time.seconds_since(m.arrival).max(0.0);
        let payload = format!(
            "{qid}: to=<{}>, relay={relay}, delay={delay:.2}, delays=0/0/0/0, dsn={dsn}, status={status} ({text})",
            m.recipient
        );
        add(
            attempt.time,
            attempt.order,
            line(attempt.time, "smtp", 1004, &payload),
        );
    }
    let Some(end) = m.end else { return };
    if m.outcome == Outcome::Expired {
        let text = format!(
            "{qid}: from=<{}>, status=expired, returned to sender",
            m.sender
        );
        add(end, last_order(m), line(end, "qmgr", 1003, &text));
    }
    if matches!(
        m.outcome,
        Outcome::Delivered | Outcome::Bounced | Outcome::Expired
    ) {
        add(
            end,
            last_order(m),
            line(end, "qmgr", 1003, &format!("{qid}: removed")),
        );
    }
}

/// The text in parentheses: the reply as Postfix words it.
fn reply_text(attempt: &super::super::Attempt, name: &str, ip: &str) -> String {
    let lower = attempt.text.to_ascii_lowercase();
    if !attempt.connected {
        if lower.starts_with("delivery temporarily suspended") || lower.contains("retry time") {
            return attempt.text.clone();
        }
        let tail = reply_tail(attempt);
        let reason = tail.rsplit_once(": ").map_or(tail, |(_, r)| r);
        if lower.contains("not found") {
            return format!("Host or domain name not found. {tail}");
        }
        return format!("connect to {name}[{ip}]:25: {reason}");
    }
    match (attempt.status, attempt.code) {
        (AttemptStatus::Delivered, _) => attempt.text.clone(),
        (_, Some(421)) => format!("host {name}[{ip}] refused to talk to me: {}", attempt.text),
        _ => format!(
            "host {name}[{ip}] said: {} (in reply to RCPT TO command)",
            attempt.text
        ),
    }
}

/// The DSN Postfix writes for an attempt whose reply had no enhanced code.
fn default_dsn(status: AttemptStatus) -> &'static str {
    match status {
        AttemptStatus::Delivered => "2.0.0",
        AttemptStatus::Deferred => "4.0.0",
        AttemptStatus::Bounced => "5.0.0",
    }
}
