//! A [`History`] written as an MTA's log: Postfix syslog lines ([`postfix`]), an Exim main log
//! ([`exim`]) or KumoMTA JSON records ([`kumomta`]), in the forms the readers of this module
//! read. With `model::HistoryRecorder` it turns a simulated run into the log a real MTA would
//! have written, so `mailsim replay` and `mailsim fit` can be tested on logs whose truth is
//! known, and a fitted scenario's run can be summarised exactly as the real log was.
//!
//! Lines are written in time order (a message's own lines in the order the MTA writes them);
//! times keep their milliseconds. A message whose arrival was not logged, or that has no
//! recipient, is written all the same, from its arrival on.

pub mod exim;
pub mod kumomta;
pub mod postfix;

use std::io::{self, Write};

use super::{Attempt, Format, History, ObservedMessage, Stamp};

/// Writes `history` as a log of `format`; returns the number of lines.
pub fn write<W: Write>(format: Format, history: &History, mut out: W) -> io::Result<u64> {
    let mut lines = Vec::new();
    for (index, message) in history.messages.iter().enumerate() {
        let mut add = |time: Stamp, order: u64, text: String| {
            let seq = lines.len();
            lines.push((time, order, index, seq, text));
        };
        match format {
            Format::Postfix => postfix::message(index, message, &mut add),
            Format::Exim => exim::message(index, message, &mut add),
            Format::KumoMta => kumomta::message(index, message, &mut add),
        }
    }
    if format == Format::Postfix {
        for start in &history.starts {
            lines.push((start.time, 0, 0, 0, postfix::start_line(start.time)));
        }
    }
    if format == Format::Exim {
        for start in &history.starts {
            lines.push((start.time, 0, 0, 0, exim::start_line(start)));
        }
    }
    lines.sort_by_key(|(time, order, index, seq, _)| (time.unix_ms, *order, *index, *seq));
    for (_, _, _, _, line) in &lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(lines.len() as u64)
}

/// What a writer is given for each line: its time, its place among the log's attempts at that
/// time (an attempt's [`Attempt::order`]; a message's later lines take its last attempt's, its
/// arrival lines 0) and its text. Lines are written in that order, so attempts logged in the
/// same millisecond keep the order they happened in.
pub(crate) type Add<'a> = dyn FnMut(Stamp, u64, String) + 'a;

/// The order a message's closing lines take: its last attempt's.
pub(crate) fn last_order(message: &ObservedMessage) -> u64 {
    message.attempts.last().map_or(0, |a| a.order)
}

/// The reply text after its codes: `Server busy …` from `451 4.7.500 Server busy …`.
pub(crate) fn reply_tail(attempt: &Attempt) -> &str {
    let mut text = attempt.text.as_str();
    if let Some(code) = attempt.code {
        text = text
            .strip_prefix(&code.to_string())
            .map_or(text, str::trim_start);
    }
    if let Some(enhanced) = &attempt.enhanced {
        text = text
            .strip_prefix(enhanced.as_str())
            .map_or(text, str::trim_start);
    }
    text
}

/// The host an attempt reached, or a name for the receiver from the recipient's domain.
pub(crate) fn host_of(message: &ObservedMessage, attempt: &Attempt) -> (String, String) {
    let host = attempt
        .host
        .clone()
        .unwrap_or_else(|| format!("mx.{}[198.51.100.1]", message.recipient_domain()));
    match host.split_once('[') {
        Some((name, ip)) => (name.to_string(), ip.trim_end_matches(']').to_string()),
        None => (host, "198.51.100.1".to_string()),
    }
}
