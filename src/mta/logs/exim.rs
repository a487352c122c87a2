//! Exim's main log: `YYYY-MM-DD HH:MM:SS[.ffffff][ +ZZZZ][ [pid]] <msgid> <flag> <address> <fields>`
//! (also behind a syslog prefix, `… exim[pid]: …`).
//!
//! Checked against Exim 4.9x (`src/src/deliver.c` `delivery_log()`, `deferral_log()`,
//! `failure_log()`; the specification's chapter "Log files"; reference sheet
//! `mta-logs-and-configs.md` §2):
//!
//! | flag | meaning | read as |
//! |---|---|---|
//! | `<=` (`(=` fake reject) | arrival: sender, `S=` size, `id=` Message-ID, `R=` the message a bounce is about | queue entry; with sender `<>` and `R=`, a notice Exim made |
//! | `=>`, `->`, `>>` (cutthrough, logged before `<=`) | delivered; `H=host [ip]`, `C="250 …"` | attempt, delivered |
//! | `==` | deferred: `defer (errno)[: strerror][ H=host [ip]][: message]` | attempt, deferred |
//! | `**` | failed: `…: message` (` : ` from 4.99) | attempt, bounced — or expired for `retry timeout exceeded`, `all hosts … have been failing for a long time` |
//! | `Completed` | the message is done | closes the id |
//!
//! - **Reached or not:** `retry time not reached` deferrals make no connection; neither do
//!   positive errnos (`defer (111): Connection refused`, 110 timed out: the OS's error on
//!   connect). `SMTP error from remote mail server`, timeouts after a command and lost
//!   connections reached the host. Exim's negative errno values changed between releases
//!   (`ERRNO_RRETRY` was −51, is −59 in 4.97+), so the text decides, not the number.
//! - **Arrival before the log:** the first six characters of a message id are its arrival
//!   time in base 62 (Unix seconds, UTC); a message without a `<=` line gets that.
//! - **Recipient:** the address as logged; when Exim shows the original in angle brackets
//!   (`=> user <User@example.net>`), the original.
//! - `Start queue run: pid=…` and `End queue run: pid=…`: the queue runs ([`super::QueueRun`]).
//! - `Message is frozen`, spool notes and SMTP-session lines are counted as ignored.

mod runs;

use super::builder::{Builder, Draft, attempt, finish_notes, reply_codes};
use super::history::{Attempt, AttemptStatus, LineTally};
use super::{Clock, Format, History, Outcome, ParseOptions, Stamp, Verdict, clock, numbered_lines};
use runs::{QueueRuns, daemon_start};

/// Reads an Exim main log.
pub fn parse(text: &str, options: &ParseOptions) -> History {
    let mut clock = Clock::new(text, options);
    let mut builder = Builder::default();
    let mut lines = LineTally::default();
    let mut starts = Vec::new();
    let mut runs = QueueRuns::default();
    for (n, line) in numbered_lines(text) {
        lines.read += 1;
        let verdict = if line.trim().is_empty() {
            Verdict::Ignored("blank line")
        } else {
            match stamp_and_rest(&mut clock, line) {
                Err(reason) => Verdict::Problem(reason),
                Ok((t, rest)) => match daemon_start(t, rest) {
                    Some(start) => {
                        starts.push(start);
                        Verdict::Used
                    }
                    None if runs.read(t, rest) => Verdict::Used,
                    None => read(&mut builder, t, rest),
                },
            }
        };
        lines.count(n, verdict);
    }
    let (messages, counts) = builder.finish();
    let mut notes = Vec::new();
    clock.notes(&mut notes);
    finish_notes(&counts, &mut notes);
    History {
        starts,
        queue_runs: runs.done,
        format: Format::Exim,
        messages,
        lines,
        notes,
    }
}

/// The line's time and what follows it: Exim's own stamp, or a syslog prefix (whose payload
/// may still start with Exim's stamp, `syslog_timestamp` being true by default).
fn stamp_and_rest<'a>(clock: &mut Clock, line: &'a str) -> Result<(Stamp, &'a str), &'static str> {
    if let Some(found) = exim_stamp(clock, line) {
        return found;
    }
    if clock::split_syslog_stamp(line).is_some() {
        let syslog = clock.syslog_line(line)?;
        if !syslog.tag.starts_with("exim") {
            return Err("syslog line not from Exim");
        }
        return match exim_stamp(clock, syslog.payload) {
            Some(found) => found,
            None => Ok((syslog.stamp, syslog.payload)),
        };
    }
    Err("no timestamp at the start")
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff][ ±ZZZZ][ [pid]] ` at the start of `line`.
fn exim_stamp<'a>(
    clock: &mut Clock,
    line: &'a str,
) -> Option<Result<(Stamp, &'a str), &'static str>> {
    let (date, rest) = line.split_once(' ')?;
    if date.len() != 10 || date.as_bytes()[4] != b'-' {
        return None;
    }
    let Some((year, month, day)) = clock::parse_date(date) else {
        return Some(Err("timestamp with an impossible date"));
    };
    let (time, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let Some((secs_of_day, millis)) = clock::parse_time_of_day(time) else {
        return Some(Err("timestamp with an impossible time"));
    };
    let mut offset = None;
    if let Some((word, after)) = rest.split_once(' ')
        && word.len() == 5
        && word.starts_with(['+', '-'])
        && let Ok(parsed) = clock::parse_utc_offset(word)
    {
        offset = Some(parsed);
        rest = after;
    }
    if rest.starts_with('[')
        && let Some((pid, after)) = rest.split_once("] ")
        && pid[1..].bytes().all(|b| b.is_ascii_digit())
    {
        rest = after;
    }
    let local = clock::Civil {
        year,
        month,
        day,
        secs_of_day,
        millis,
    };
    Some(Ok((clock.local(local, offset), rest)))
}

/// An Exim message id: `tttttt-pppppp-ff` (≤ 4.96) or `tttttt-ppppppppppp-ffff` (≥ 4.97).
fn is_message_id(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    (lengths == [6, 6, 2] || lengths == [6, 11, 4])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The arrival time coded in a message id's first six characters (base 62, Unix seconds).
fn id_time(id: &str) -> Option<i64> {
    id.bytes().take(6).try_fold(0i64, |acc, b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            b'a'..=b'z' => b - b'a' + 36,
            _ => return None,
        };
        Some(acc * 62 + i64::from(digit))
    })
}

fn read(builder: &mut Builder, t: Stamp, rest: &str) -> Verdict {
    let whole = rest;
    let (id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if !is_message_id(id) {
        return unqueued(whole);
    }
    let (flag, body) = rest.split_once(' ').unwrap_or((rest, ""));
    // Only a line that is about this message starts (or continues) it.
    let known = matches!(flag, "<=" | "(=" | "=>" | "->" | ">>" | "==" | "**");
    if !known {
        return other(builder, t, id, rest);
    }
    let draft = builder.draft(id, t);
    if let Some(secs) = id_time(id) {
        let coded = Stamp {
            unix_ms: secs * 1000,
            offset_s: t.offset_s,
        };
        // A plausible arrival: not after this line, not more than 60 days before it.
        if coded <= t && t.seconds_since(coded) <= 60.0 * 86_400.0 {
            draft.arrived_by(coded);
        }
    }
    match flag {
        "<=" | "(=" => arrival(draft, t, body),
        "=>" | "->" | ">>" => delivery(draft, t, body),
        "==" => deferral(draft, t, body),
        _ => failure(draft, t, body),
    }
}

fn unqueued(rest: &str) -> Verdict {
    if rest.contains("rejected") {
        Verdict::Ignored("SMTP rejection (never queued)")
    } else if rest.contains("daemon") || rest.starts_with("exim ") {
        Verdict::Ignored("daemon start, stop or reload")
    } else if [
        "SMTP ",
        "no host name found",
        "TLS error",
        "unexpected disconnection",
        "H=",
        "no MAIL in SMTP",
        "Connection from",
    ]
    .iter()
    .any(|p| rest.starts_with(p))
    {
        Verdict::Ignored("SMTP session line (no message id)")
    } else {
        Verdict::Ignored("other line without a message id")
    }
}

/// A line for a message that is not one of the flags.
fn other(builder: &mut Builder, t: Stamp, id: &str, rest: &str) -> Verdict {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| rest.starts_with(p));
    if rest == "Completed" || rest.starts_with("Completed ") {
        builder.close(id);
        return Verdict::Used;
    }
    if rest.starts_with("cancelled by timeout_frozen_after") {
        builder.draft(id, t).end_open(Outcome::Expired, t);
        return Verdict::Used;
    }
    if rest.starts_with("removed by ") {
        builder.draft(id, t).end_open(Outcome::Removed, t);
        return Verdict::Used;
    }
    if starts(&[
        "H=",
        "SMTP error from remote",
        "SMTP timeout",
        "Remote host ",
        "Connection refused",
    ]) {
        builder.draft(id, t).pending_tried.push(rest.to_string());
        return Verdict::Used;
    }
    if starts(&["Message is frozen", "Frozen", "Unfrozen", "frozen"]) {
        Verdict::Ignored("frozen or thawed (the message stays queued)")
    } else if starts(&[
        "Spool file",
        "Spool read error",
        "spool file",
        "Format error in spool file",
    ]) {
        Verdict::Ignored("spool note")
    } else if starts(&["*>"]) {
        Verdict::Ignored("delivery suppressed (-N)")
    } else if starts(&[
        "Warning:",
        "warning:",
        "DKIM:",
        "ARC:",
        "SMTP connection outbound",
        "<",
        "Sender identification",
        "error ignored",
        "ignored",
        "Message",
    ]) {
        Verdict::Ignored("note about a message")
    } else {
        Verdict::Problem("line for a message not understood")
    }
}

fn arrival(draft: &mut Draft, t: Stamp, body: &str) -> Verdict {
    let tokens = tokens(body);
    let Some(sender) = tokens.first() else {
        return Verdict::Problem("arrival line without a sender");
    };
    draft.arrived(t);
    let sender = sender.trim_start_matches('<').trim_end_matches('>');
    draft.sender = Some(sender.to_string());
    for token in &tokens[1..] {
        if let Some(size) = token.strip_prefix("S=") {
            draft.size = size.parse().ok();
        } else if let Some(id) = token.strip_prefix("id=") {
            draft.message_id = Some(id.to_string());
        } else if token.starts_with("R=") && sender.is_empty() {
            draft.notice = true;
        }
    }
    Verdict::Used
}

/// The recipient at the start of a line's body and the tokens after it. A failure line puts a
/// colon right after the address (`** user@example.com: retry timeout exceeded`); it is not
/// part of it.
fn recipient<'a>(tokens: &[&'a str]) -> (&'a str, usize) {
    match tokens {
        [_, original, ..] if original.starts_with('<') && original.ends_with('>') => {
            (&original[1..original.len() - 1], 2)
        }
        [address, parent, ..] if parent.starts_with('(') => (address, 2),
        [address, ..] => (address.trim_end_matches(':'), 1),
        [] => ("", 0),
    }
}

/// `H=name [ip]` among `tokens`, as `name [ip]`.
fn host(tokens: &[&str]) -> Option<String> {
    let at = tokens.iter().position(|t| t.starts_with("H="))?;
    let name = tokens[at][2..].trim_end_matches(':');
    match tokens.get(at + 1) {
        Some(ip) if ip.starts_with('[') => {
            let ip = ip.trim_end_matches(':').trim_end_matches('*');
            Some(format!("{name} {ip}"))
        }
        _ => Some(name.to_string()),
    }
}

fn delivery(draft: &mut Draft, t: Stamp, body: &str) -> Verdict {
    let tokens = tokens(body);
    let (address, _) = recipient(&tokens);
    if address.is_empty() {
        return Verdict::Problem("delivery line without an address");
    }
    let reply = tokens
        .iter()
        .find_map(|t| t.strip_prefix("C=\""))
        .map(|c| c.trim_end_matches('"').replace("\\\"", "\""));
    let (code, enhanced) = reply.as_deref().map_or((None, None), reply_codes);
    draft.attempt(
        address,
        attempt(
            t,
            host(&tokens),
            AttemptStatus::Delivered,
            code,
            enhanced,
            true,
            reply.unwrap_or_default(),
        ),
    );
    Verdict::Used
}

fn deferral(draft: &mut Draft, t: Stamp, body: &str) -> Verdict {
    let tokens = tokens(body);
    let (address, _) = recipient(&tokens);
    let Some(at) = body.find(" defer (") else {
        return Verdict::Problem("deferral line without defer (errno)");
    };
    let after = &body[at + " defer (".len()..];
    let Some((errno, mut rest)) = after.split_once(')') else {
        return Verdict::Problem("deferral line without defer (errno)");
    };
    let Ok(errno) = errno.parse::<i32>() else {
        return Verdict::Problem("deferral line without defer (errno)");
    };
    let mut parts = Vec::new();
    if errno > 0
        && let Some(strerror) = rest.strip_prefix(": ")
    {
        let end = [strerror.find(" H="), strerror.find(": ")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(strerror.len());
        parts.push(&strerror[..end]);
        rest = &strerror[end..];
    }
    let mut host_used = None;
    if let Some(h) = rest.strip_prefix(" H=") {
        let end = h.find(": ").unwrap_or(h.len());
        // `+deliver_time` puts ` DT=0.000s` after the host.
        let host = h[..end].split(" DT=").next().unwrap_or("");
        host_used = Some(host.trim_end_matches('*').to_string());
        rest = &h[end..];
    }
    if let Some(time) = rest.strip_prefix(" DT=") {
        rest = time.find(": ").map_or("", |at| &time[at..]);
    }
    if let Some(message) = rest.strip_prefix(": ") {
        parts.push(message);
    }
    let text = parts.join(": ");
    let (code, enhanced) = reply_codes(&text);
    let connected = reached(errno, &text, host_used.is_some());
    draft.attempt(
        address,
        attempt(
            t,
            host_used.filter(|_| connected),
            AttemptStatus::Deferred,
            code,
            enhanced,
            connected,
            text,
        ),
    );
    Verdict::Used
}

/// Whether a deferral or failure reached the host.
fn reached(errno: i32, text: &str, has_host: bool) -> bool {
    let lower = text.to_ascii_lowercase();
    if lower.contains("retry time not reached")
        || lower.contains("have been failing for a long time")
        || lower.contains("host lookup did not complete")
        || lower.contains("all host address lookups failed")
    {
        return false;
    }
    if lower.contains("smtp error from remote")
        || lower.contains("smtp timeout after")
        || lower.contains("remote host closed connection")
        || lower.contains("lost connection")
    {
        return true;
    }
    errno <= 0 && has_host
}

fn failure(draft: &mut Draft, t: Stamp, body: &str) -> Verdict {
    let tokens = tokens(body);
    let (address, _) = recipient(&tokens);
    if address.is_empty() {
        return Verdict::Problem("failure line without an address");
    }
    let text = match body.find(" : ").or_else(|| body.find(": ")) {
        Some(at) => body[at..].trim_start_matches([' ', ':']),
        None => "",
    };
    let expired = [
        "retry timeout exceeded",
        "have been failing for a long time",
        "after a long failure period",
    ]
    .iter()
    .any(|p| text.contains(p));
    if expired {
        let recipient = draft.recipient(address);
        recipient.end = Some((Outcome::Expired, t));
        return Verdict::Used;
    }
    let (code, enhanced) = reply_codes(text);
    let host = host(&tokens);
    let connected = reached(0, text, host.is_some());
    let failed: Attempt = attempt(
        t,
        host.filter(|_| connected),
        AttemptStatus::Bounced,
        code,
        enhanced,
        connected,
        text.to_string(),
    );
    draft.attempt(address, failed);
    Verdict::Used
}

/// Splits on spaces, keeping `"…"` (with `\"` escapes) inside one token.
fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut start = None;
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b' ' if !quoted => {
                if let Some(s) = start.take() {
                    tokens.push(&text[s..i]);
                }
            }
            _ => {}
        }
        if start.is_none() && bytes.get(i).is_some_and(|b| *b != b' ') {
            start = Some(i);
        }
        i += 1;
    }
    if let Some(s) = start {
        tokens.push(&text[s..]);
    }
    tokens
}

#[cfg(test)]
mod tests;
