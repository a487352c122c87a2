//! MTA delivery logs read into an observed history ([`History`]): for each message and
//! recipient its arrival, every delivery attempt (time, host, reply code, enhanced code, text,
//! whether the destination was reached) and its end — delivered, bounced or expired.
//!
//! One parser per format ([`postfix`], [`exim`], [`kumomta`]) fills the same [`History`]. Every
//! line is accounted for in [`History::lines`]: used, ignored for a stated reason, or counted
//! as a problem (malformed or not understood) with its first line numbers. Nothing is fatal
//! and nothing is dropped silently.
//!
//! From a history, [`write`](mod@write) makes the arrivals CSV that mailsim's `Replay` traffic source
//! reads and the observed-outcome CSVs, and [`summary`] the observed summary (counts, latency
//! percentiles, deferrals by reply, attempts per message, deferral rate per hour).
//!
//! What is not here: fitting a receiver model to a history, and running anything.

mod builder;
pub mod clock;
pub mod emit;
pub mod exim;
mod history;
pub mod kumomta;
pub mod postfix;
pub mod summary;
pub mod write;

use std::fmt;
use std::str::FromStr;

pub use clock::{Stamp, YearRule, parse_utc_offset};
pub use history::{
    ArrivalSource, Attempt, AttemptStatus, FIRST_LINES_KEPT, History, LineCount, LineTally,
    MtaStart, ObservedMessage, Outcome, QueueRun,
};
pub use summary::ObservedSummary;

/// A log format `mailsim replay` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Postfix syslog lines (traditional, RFC 3339 or Postfix's own `maillog_file`).
    Postfix,
    /// Exim's main log.
    Exim,
    /// KumoMTA's JSON log records, one per line.
    KumoMta,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 3] = [Format::Postfix, Format::Exim, Format::KumoMta];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Postfix => "postfix",
            Format::Exim => "exim",
            Format::KumoMta => "kumomta",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("unknown log format `{text}`: choose postfix, exim or kumomta"))
    }
}

/// How to read times the log leaves incomplete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Where the year of year-less syslog stamps comes from.
    pub year: YearRule,
    /// Seconds east of UTC of stamps that carry no offset; `None`: read them as UTC and say so
    /// in the history's notes.
    pub utc_offset: Option<i32>,
}

/// Reads a whole log. The text is held in memory; so is the history, which keeps every
/// attempt.
pub fn parse(format: Format, text: &str, options: &ParseOptions) -> History {
    match format {
        Format::Postfix => postfix::parse(text, options),
        Format::Exim => exim::parse(text, options),
        Format::KumoMta => kumomta::parse(text),
    }
}

/// The lines of `text`, numbered from 1, without their line ends (`\n` or `\r\n`).
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    text.lines().zip(1..).map(|(line, n)| (n, line))
}

/// The note for stamps that carried no UTC offset.
pub(crate) fn zone_note(options: &ParseOptions, zoneless: u64, notes: &mut Vec<String>) {
    if zoneless == 0 {
        return;
    }
    notes.push(match options.utc_offset {
        Some(offset) => format!(
            "{zoneless} line(s) had no UTC offset; placed at {}",
            clock::format_offset(offset)
        ),
        None => format!(
            "{zoneless} line(s) had no UTC offset and were read as UTC; give --utc-offset (e.g. +01:00) for the log's local time"
        ),
    });
}

/// What a parser made of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It went into the history.
    Used,
    /// A known line with nothing to take, for this reason.
    Ignored(&'static str),
    /// Malformed or not understood, for this reason.
    Problem(&'static str),
}

impl LineTally {
    /// Counts line `n` by its verdict.
    pub(crate) fn count(&mut self, n: u64, verdict: Verdict) {
        match verdict {
            Verdict::Used => self.used(),
            Verdict::Ignored(reason) => self.ignored(reason, n),
            Verdict::Problem(reason) => self.problem(reason, n),
        }
    }
}

/// A syslog line: `<stamp> <host> <tag>[<pid>]: <payload>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SyslogLine<'a> {
    pub stamp: Stamp,
    pub tag: &'a str,
    pub pid: Option<&'a str>,
    pub payload: &'a str,
}

/// Turns the times in one log into [`Stamp`]s: year-less syslog stamps get their year from the
/// [`YearRule`] and the roll-overs seen so far; stamps without an offset get the caller's.
#[derive(Debug)]
pub(crate) struct Clock {
    options: ParseOptions,
    first_year: i32,
    tracker: clock::YearTracker,
    /// Stamps read without a UTC offset.
    pub zoneless: u64,
    /// Year-less stamps read.
    pub yearless: u64,
}

impl Clock {
    /// A clock for `text`: a first pass over its syslog stamps counts the year roll-overs, so
    /// that a rule about the file's end can place its first line.
    pub fn new(text: &str, options: &ParseOptions) -> Clock {
        let mut tracker = clock::YearTracker::default();
        for (_, line) in numbered_lines(text) {
            if let Some((stamp, _)) = clock::split_syslog_stamp(line) {
                tracker.next(stamp.month);
            }
        }
        Clock {
            options: *options,
            first_year: options
                .year
                .first_year(tracker.rollovers(), tracker.latest_month()),
            tracker: clock::YearTracker::default(),
            zoneless: 0,
            yearless: 0,
        }
    }

    /// A local time with the offset it was written with, or the caller's.
    pub fn local(&mut self, local: clock::Civil, offset: Option<i32>) -> Stamp {
        let offset = offset.unwrap_or_else(|| {
            self.zoneless += 1;
            self.options.utc_offset.unwrap_or(0)
        });
        Stamp::from_local(local, offset)
    }

    /// A stamp at the start of `line` (syslog or RFC 3339) and the rest of the line.
    pub fn stamp<'a>(&mut self, line: &'a str) -> Result<(Stamp, &'a str), &'static str> {
        if let Some((stamp, rest)) = clock::split_syslog_stamp(line) {
            let year = self.first_year + self.tracker.next(stamp.month);
            self.yearless += 1;
            let local = stamp
                .in_year(year)
                .ok_or("date does not exist in the year given (29 February?)")?;
            return Ok((self.local(local, None), rest));
        }
        let (first, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (local, offset) = clock::parse_rfc3339(first).ok_or("no timestamp at the start")?;
        Ok((self.local(local, offset), rest))
    }

    /// A whole syslog line.
    pub fn syslog_line<'a>(&mut self, line: &'a str) -> Result<SyslogLine<'a>, &'static str> {
        let (stamp, rest) = self.stamp(line)?;
        let malformed = "no host and program tag after the timestamp";
        let (_host, rest) = rest.split_once(' ').ok_or(malformed)?;
        let (tag, payload) = rest.split_once(": ").ok_or(malformed)?;
        if tag.is_empty() || tag.contains(' ') {
            return Err(malformed);
        }
        let (tag, pid) = match tag.strip_suffix(']').and_then(|t| t.split_once('[')) {
            Some((tag, pid)) => (tag, Some(pid)),
            None => (tag, None),
        };
        Ok(SyslogLine {
            stamp,
            tag,
            pid,
            payload,
        })
    }

    /// Notes on the year and zone assumed.
    pub fn notes(&self, notes: &mut Vec<String>) {
        if self.yearless > 0 {
            let rollovers = self.tracker.rollovers();
            notes.push(format!(
                "{} stamp(s) had no year: the first line is taken to be in {} ({}){}",
                self.yearless,
                self.first_year,
                self.options.year,
                match rollovers {
                    0 => String::new(),
                    n => format!(", with {n} roll-over(s) to the next year"),
                }
            ));
        }
        zone_note(&self.options, self.zoneless, notes);
    }
}

/// One line per message for tests: id, recipient, arrival, how it was found, outcome, end,
/// attempts, deferrals, attempts that connected, and `notice` for MTA notices.
#[cfg(test)]
pub(crate) fn brief(history: &History) -> Vec<String> {
    history
        .messages
        .iter()
        .map(|m| {
            format!(
                "{} {} {} {} {} {} a{} d{} c{}{}",
                m.id,
                m.recipient,
                m.arrival,
                m.arrival_source.as_str(),
                m.outcome.as_str(),
                m.end.map_or("-".to_string(), |e| e.to_string()),
                m.attempts.len(),
                m.deferrals(),
                m.connected_attempts(),
                if m.mta_notice { " notice" } else { "" }
            )
        })
        .collect()
}

/// (reason, first line numbers) pairs.
#[cfg(test)]
pub(crate) type Reasons = Vec<(String, Vec<u64>)>;

/// The line tally as (reason, first line numbers) pairs for tests: ignored, then problems.
#[cfg(test)]
pub(crate) fn tally(history: &History) -> (Reasons, Reasons) {
    let pairs = |map: &std::collections::BTreeMap<String, LineCount>| {
        map.iter()
            .map(|(reason, count)| (reason.clone(), count.first_lines.clone()))
            .collect()
    };
    (
        pairs(&history.lines.ignored),
        pairs(&history.lines.problems),
    )
}
