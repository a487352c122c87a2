//! Postfix logs: syslog lines `<stamp> <host> postfix/<program>[<pid>]: <QID>: <payload>`, with
//! traditional (`Nov  3 17:29:29`), RFC 3339 or Postfix's own `maillog_file` stamps.
//!
//! Checked against Postfix 3.12 (reference sheet `mta-logs-and-configs.md` §1): `smtpd`
//! `client=` and `pickup` `uid=… from=<…>` mark the queue entry (so does the first `cleanup`
//! line); `cleanup` gives `message-id=`; `qmgr` logs `from=<…>, size=…, nrcpt=… (queue active)`
//! each time the message enters the active queue, `from=<…>, status=expired, returned to
//! sender` when it expires (`qmgr_active.c`) and `removed` at its end; the delivery agents
//! (`smtp`, `lmtp`, `local`, `virtual`, `pipe`, `error`) log one
//! `to=<…>, relay=…, delay=…, delays=a/b/c/d, dsn=x.y.z, status=sent|deferred|bounced (…)` line
//! per recipient and attempt (`log_adhoc.c`).
//!
//! - **Reached or not:** `relay=none` means no session was opened (connection refused or timed
//!   out, destination marked dead: `delivery temporarily suspended`). The `c` of `delays=` is
//!   connection set-up time, which a failed connect also spends and a reused connection does
//!   not, so `relay=` decides, not `c`.
//! - **Failures on their own lines:** `connect to mx[ip]:25: Connection refused` (no queue id:
//!   tied to the next delivery line of the same process) and `host mx[ip] said: …` at a
//!   non-final MX become the attempt's [`Attempt::tried`](super::Attempt::tried) list.
//! - **Arrival before the log:** `delay=` is seconds since arrival, so a message whose queue
//!   entry is not in the log gets `time − delay` (rounded as Postfix shows it: two significant
//!   digits under 100 s).
//! - **Queue ids** are reused: a `removed` line closes one (`postsuper` `removed` deletes the
//!   message without delivery). A `bounce` line `sender non-delivery notification: NEWQID` marks
//!   NEWQID as a notice the MTA made itself.
//! - Lines without a queue id that say nothing about delivery (sessions, `NOQUEUE` rejections,
//!   warnings, statistics) are counted as ignored, by kind.

use std::collections::HashMap;

use super::builder::{Builder, attempt, finish_notes, is_enhanced, reply_codes};
use super::history::{AttemptStatus, LineTally, MtaStart};
use super::{Clock, Format, History, Outcome, ParseOptions, Stamp, Verdict, numbered_lines};

/// Programs that log `to=… status=…` delivery lines.
const DELIVERY_AGENTS: [&str; 8] = [
    "smtp", "lmtp", "local", "virtual", "pipe", "error", "retry", "discard",
];

/// Reads a Postfix log.
pub fn parse(text: &str, options: &ParseOptions) -> History {
    let mut clock = Clock::new(text, options);
    let mut reader = Reader::default();
    let mut lines = LineTally::default();
    for (n, line) in numbered_lines(text) {
        lines.read += 1;
        let verdict = if line.trim().is_empty() {
            Verdict::Ignored("blank line")
        } else {
            match clock.syslog_line(line) {
                Err(reason) => Verdict::Problem(reason),
                Ok(line) => match line.tag.rsplit_once('/') {
                    None => Verdict::Ignored("not from Postfix (no postfix/… program tag)"),
                    Some((_, program)) => {
                        let process = format!("{}[{}]", line.tag, line.pid.unwrap_or(""));
                        reader.line(line.stamp, program, &process, line.payload)
                    }
                },
            }
        };
        lines.count(n, verdict);
    }
    let (messages, counts) = reader.builder.finish();
    let mut notes = Vec::new();
    clock.notes(&mut notes);
    finish_notes(&counts, &mut notes);
    History {
        starts: reader.starts,
        format: Format::Postfix,
        messages,
        lines,
        notes,
        queue_runs: Vec::new(),
    }
}

#[derive(Debug, Default)]
struct Reader {
    builder: Builder,
    /// `connect to …` failures by process, waiting for that process's next delivery line.
    connect_failures: HashMap<String, Vec<String>>,
    /// `master` `daemon started` lines.
    starts: Vec<MtaStart>,
}

impl Reader {
    fn line(&mut self, t: Stamp, program: &str, process: &str, payload: &str) -> Verdict {
        match split_queue_id(payload) {
            Some((qid, rest)) => self.queued(t, program, process, qid, rest),
            None => self.unqueued(t, program, process, payload),
        }
    }

    fn unqueued(&mut self, t: Stamp, program: &str, process: &str, payload: &str) -> Verdict {
        let starts = |prefixes: &[&str]| prefixes.iter().any(|p| payload.starts_with(p));
        if program == "master" && payload.starts_with("daemon started") {
            self.starts.push(MtaStart {
                time: t,
                queue_interval_s: None,
            });
            return Verdict::Used;
        }
        if matches!(program, "smtp" | "lmtp") && payload.starts_with("connect to ") {
            self.connect_failures
                .entry(process.to_string())
                .or_default()
                .push(payload.to_string());
            return Verdict::Used;
        }
        if payload.starts_with("NOQUEUE:") {
            Verdict::Ignored("NOQUEUE: rejected before it was queued")
        } else if starts(&["warning:", "error:", "fatal:", "panic:"]) {
            Verdict::Ignored("warning or error without a queue id")
        } else if starts(&[
            "connect from ",
            "disconnect from ",
            "lost connection after ",
            "timeout after ",
            "too many errors after ",
            "improper command pipelining",
        ]) {
            Verdict::Ignored("SMTP server session line")
        } else if starts(&[
            "Trusted TLS",
            "Untrusted TLS",
            "Anonymous TLS",
            "Verified TLS",
            "SSL_",
            "TLS ",
            "setting up TLS",
            "server certificate",
        ]) {
            Verdict::Ignored("TLS session line")
        } else if program == "anvil" || payload.starts_with("statistics:") {
            Verdict::Ignored("statistics")
        } else if matches!(
            program,
            "master" | "postfix-script" | "postlog" | "postlogd" | "postfix"
        ) {
            Verdict::Ignored("daemon start, stop or reload")
        } else if matches!(
            program,
            "postscreen" | "dnsblog" | "tlsproxy" | "tlsmgr" | "scache" | "verify" | "proxymap"
        ) {
            Verdict::Ignored("postscreen and helper daemons")
        } else {
            Verdict::Ignored("other line without a queue id")
        }
    }

    fn queued(&mut self, t: Stamp, program: &str, process: &str, qid: &str, rest: &str) -> Verdict {
        if rest.starts_with("to=<") {
            return self.delivery(t, process, qid, rest);
        }
        match program {
            "smtpd" if rest.starts_with("client=") => {
                self.builder.draft(qid, t).arrived(t);
                Verdict::Used
            }
            "smtpd" => Verdict::Ignored("smtpd line about one recipient or command"),
            "pickup" if rest.starts_with("uid=") || rest.starts_with("sender=") => {
                let draft = self.builder.draft(qid, t);
                draft.arrived(t);
                if let Some(from) = field(rest, "from") {
                    draft.sender = Some(strip_angles(from).to_string());
                }
                Verdict::Used
            }
            "cleanup" => self.cleanup(t, qid, rest),
            "qmgr" | "nqmgr" | "oqmgr" => self.qmgr(t, qid, rest),
            "bounce" => match rest.rsplit_once("notification: ") {
                Some((_, notice)) if is_queue_id(notice.trim()) => {
                    self.builder.mark_notice(notice.trim(), t);
                    Verdict::Used
                }
                _ => Verdict::Problem("bounce line not understood"),
            },
            "postsuper" => {
                if rest == "removed" {
                    self.builder.draft(qid, t).end_open(Outcome::Removed, t);
                    self.builder.close(qid);
                    Verdict::Used
                } else {
                    Verdict::Ignored("postsuper requeue or hold")
                }
            }
            _ if DELIVERY_AGENTS.contains(&program) => {
                let ignore = [
                    "enabling PIX",
                    "warning:",
                    "Trusted TLS",
                    "Untrusted TLS",
                    "Anonymous TLS",
                    "Verified TLS",
                ];
                if ignore.iter().any(|p| rest.starts_with(p)) {
                    return Verdict::Ignored("delivery agent note about a session");
                }
                let failure = [
                    "host ",
                    "lost connection with ",
                    "conversation with ",
                    "connect to ",
                ];
                if failure.iter().any(|p| rest.starts_with(p)) {
                    self.builder
                        .draft(qid, t)
                        .pending_tried
                        .push(rest.to_string());
                    Verdict::Used
                } else {
                    Verdict::Problem("delivery agent line with a queue id not understood")
                }
            }
            "sendmail" | "postdrop" => Verdict::Ignored("local submission note"),
            _ => Verdict::Problem("line with a queue id from an unknown program"),
        }
    }

    fn cleanup(&mut self, t: Stamp, qid: &str, rest: &str) -> Verdict {
        let draft = self.builder.draft(qid, t);
        draft.arrived(t);
        if let Some(id) = rest.strip_prefix("message-id=") {
            draft.message_id = Some(strip_angles(id.trim()).to_string());
            Verdict::Used
        } else if rest.starts_with("resent-message-id=") {
            Verdict::Used
        } else if ["reject:", "milter-reject:", "discard:"]
            .iter()
            .any(|p| rest.starts_with(p))
        {
            draft.rejected = true;
            Verdict::Used
        } else {
            Verdict::Ignored("cleanup header/body check or note")
        }
    }

    fn qmgr(&mut self, t: Stamp, qid: &str, rest: &str) -> Verdict {
        if rest == "removed" {
            self.builder.close(qid);
            return Verdict::Used;
        }
        if rest.starts_with("skipped, still being delivered") {
            return Verdict::Ignored("qmgr skipped a message still being delivered");
        }
        let Some(from) = field(rest, "from") else {
            return Verdict::Problem("qmgr line not understood");
        };
        let draft = self.builder.draft(qid, t);
        draft.sender = Some(strip_angles(from).to_string());
        if field(rest, "status").is_some_and(|s| s.starts_with("expired")) {
            draft.end_open(Outcome::Expired, t);
            return Verdict::Used;
        }
        if let Some(size) = field(rest, "size").and_then(|s| s.parse().ok()) {
            draft.size = Some(size);
        }
        if let Some(nrcpt) = field(rest, "nrcpt").and_then(|s| s.split(' ').next()?.parse().ok()) {
            draft.announced = Some(draft.announced.map_or(nrcpt, |a: u32| a.max(nrcpt)));
        }
        Verdict::Used
    }

    fn delivery(&mut self, t: Stamp, process: &str, qid: &str, rest: &str) -> Verdict {
        let Some(status_at) = rest.find(", status=") else {
            return Verdict::Problem("delivery line without status=");
        };
        let (fields, status_part) = rest.split_at(status_at);
        let status_part = &status_part[", status=".len()..];
        let (status, text) = status_part.split_once(' ').unwrap_or((status_part, ""));
        let text = text
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(text);
        let Some(to) = field(fields, "to") else {
            return Verdict::Problem("delivery line without to=");
        };
        let to = strip_angles(to);
        let status = match status {
            "sent" => AttemptStatus::Delivered,
            "deferred" => AttemptStatus::Deferred,
            "bounced" => AttemptStatus::Bounced,
            "expired" => {
                let draft = self.builder.draft(qid, t);
                let recipient = draft.recipient(to);
                if recipient.end.is_none() {
                    recipient.end = Some((Outcome::Expired, t));
                }
                return Verdict::Used;
            }
            "deliverable" | "undeliverable" => {
                return Verdict::Ignored("address verification probe");
            }
            _ => return Verdict::Problem("delivery line with an unknown status"),
        };
        let relay = field(fields, "relay");
        let connected = relay.is_some_and(|r| r != "none");
        let (code, text_enhanced) = reply_codes(text);
        let enhanced = field(fields, "dsn")
            .filter(|d| is_enhanced(d))
            .map(str::to_string)
            .or(text_enhanced);
        let delay = field(fields, "delay").and_then(|d| d.parse::<f64>().ok());
        let tried = self.connect_failures.remove(process).unwrap_or_default();
        let draft = self.builder.draft(qid, t);
        if let Some(delay) = delay.filter(|d| d.is_finite() && *d >= 0.0) {
            draft.arrived_by(t.plus_ms(-((delay * 1000.0).round() as i64)));
        }
        let mut pending = tried;
        pending.append(&mut draft.pending_tried);
        draft.pending_tried = pending;
        draft.attempt(
            to,
            attempt(
                t,
                relay.filter(|r| *r != "none").map(str::to_string),
                status,
                code,
                enhanced,
                connected,
                text.to_string(),
            ),
        );
        Verdict::Used
    }
}

/// Splits `QID: rest` off a payload if it starts with a queue id.
fn split_queue_id(payload: &str) -> Option<(&str, &str)> {
    let (qid, rest) = payload.split_once(": ")?;
    is_queue_id(qid).then_some((qid, rest))
}

/// A short queue id (hex digits, e.g. `4F1A12C0F3B`) or a long one (`enable_long_queue_ids`:
/// `0-9B-Zb-z` without vowels, with a `z` between time and inode, e.g. `3Pt2mN2VXxznjll`).
fn is_queue_id(text: &str) -> bool {
    let short = (5..=16).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
    let long = text.len() >= 12
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
        && !text.bytes().any(|b| b"AEIOUaeiou".contains(&b))
        && text.contains('z');
    short || long
}

/// The value of `key=` in a `key=value, key=value` list: `<…>` kept whole, else up to the next
/// `, name=`.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let mut search = 0;
    let start = loop {
        let at = search + text[search..].find(key)?;
        let boundary = at == 0 || text[..at].ends_with(", ") || text[..at].ends_with(' ');
        if boundary && text[at + key.len()..].starts_with('=') {
            break at + key.len() + 1;
        }
        search = at + key.len();
    };
    let value = &text[start..];
    if value.starts_with('<')
        && let Some(close) = value.find('>')
    {
        return Some(&value[..=close]);
    }
    let mut end = value.len();
    let mut from = 0;
    while let Some(at) = value[from..].find(", ") {
        let next = from + at + 2;
        let name: String = value[next..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && value[next + name.len()..].starts_with('=') {
            end = from + at;
            break;
        }
        from = next;
    }
    Some(&value[..end])
}

fn strip_angles(text: &str) -> &str {
    text.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests;
