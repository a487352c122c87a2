//! The observed history a log is read into: one [`ObservedMessage`] per message and recipient
//! (mailsim models one recipient per message), each with its arrival, every attempt and its end;
//! and the [`LineTally`] that accounts for every line read.
//!
//! The parsers fill these through the builder (`builder.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Format;
use super::clock::Stamp;

/// How many line numbers each tally reason keeps.
pub const FIRST_LINES_KEPT: usize = 5;

/// Everything read from one log.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// The log's format.
    pub format: Format,
    /// One record per message and recipient, in order of arrival.
    pub messages: Vec<ObservedMessage>,
    /// What became of every line.
    pub lines: LineTally,
    /// Things the reader should know about how the log was read (assumed zone and year,
    /// messages without a logged recipient, …).
    pub notes: Vec<String>,
    /// Every start of the MTA's daemon the log shows, in order (Postfix `master` `daemon
    /// started`, Exim `daemon started`): Postfix's deferred-queue scans and Exim's queue runs
    /// are timed from it.
    pub starts: Vec<MtaStart>,
    /// Exim's queue runs (`Start queue run: pid=…` to `End queue run: pid=…`), in order of
    /// their start; a run still going at the end of the log is left out.
    pub queue_runs: Vec<QueueRun>,
}

/// One run of Exim's queue runner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct QueueRun {
    /// When it started.
    pub start: Stamp,
    /// When it ended.
    pub end: Stamp,
}

impl History {
    /// The messages a replay of this log sends again: those whose queue entry is in the log,
    /// with a named recipient, not notices the MTA made itself (the rows of `arrivals.csv`).
    pub fn replayable(&self) -> History {
        History {
            messages: self
                .messages
                .iter()
                .filter(|m| {
                    m.arrival_source == ArrivalSource::Logged
                        && !m.mta_notice
                        && !m.recipient.is_empty()
                })
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

/// One start of the MTA's daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MtaStart {
    /// When it started.
    pub time: Stamp,
    /// Exim's queue runner interval from the daemon's `-q` option (`-q30m`), if logged.
    pub queue_interval_s: Option<u64>,
}

/// One message to one recipient, as the log shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservedMessage {
    /// The MTA's id: Postfix queue id, Exim message id, KumoMTA spool id.
    pub id: String,
    /// The `Message-ID` header, where the log has it.
    pub message_id: Option<String>,
    /// The envelope sender (empty for the null sender `<>`).
    pub sender: String,
    /// The envelope recipient; empty when the log never named one (the message arrived but no
    /// delivery line followed).
    pub recipient: String,
    /// Size in bytes, where logged.
    pub size: Option<u64>,
    /// When it entered the queue.
    pub arrival: Stamp,
    /// How [`ObservedMessage::arrival`] was found.
    pub arrival_source: ArrivalSource,
    /// A notice the MTA generated itself (a bounce or delay warning), not mail it was given.
    pub mta_notice: bool,
    /// Every delivery attempt, in time order.
    pub attempts: Vec<Attempt>,
    /// How it ended (or [`Outcome::Queued`] if the log ended first).
    pub outcome: Outcome,
    /// When it ended.
    pub end: Option<Stamp>,
}

impl ObservedMessage {
    /// The recipient's domain (the part after the last `@`), lower-cased; the whole recipient
    /// if it has no `@`.
    pub fn recipient_domain(&self) -> String {
        self.recipient
            .rsplit_once('@')
            .map_or(self.recipient.as_str(), |(_, domain)| domain)
            .to_ascii_lowercase()
    }

    /// Attempts that ended in a temporary failure.
    pub fn deferrals(&self) -> usize {
        self.attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Deferred)
            .count()
    }

    /// Attempts that reached the destination.
    pub fn connected_attempts(&self) -> usize {
        self.attempts.iter().filter(|a| a.connected).count()
    }

    /// Seconds from arrival to the end, when both are known well (the arrival was logged or
    /// derived, not just the first line seen).
    pub fn latency_s(&self) -> Option<f64> {
        let end = self.end?;
        (self.arrival_source != ArrivalSource::FirstSeen).then(|| end.seconds_since(self.arrival))
    }
}

/// How a message's arrival was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArrivalSource {
    /// Its queue entry is in the log (Postfix `smtpd client=`/`pickup`/`cleanup`, Exim `<=`,
    /// KumoMTA `Reception`).
    Logged,
    /// Worked out from a later line: Postfix `delay=` (seconds since arrival), the arrival
    /// time coded in an Exim message id, KumoMTA `created`. The message arrived before the log
    /// began.
    Derived,
    /// Only the first line about it is known: a lower bound on its age.
    FirstSeen,
}

impl ArrivalSource {
    /// The name used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            ArrivalSource::Logged => "logged",
            ArrivalSource::Derived => "derived",
            ArrivalSource::FirstSeen => "first-seen",
        }
    }
}

/// One delivery attempt (or a deferral the MTA decided without trying, which says so with
/// `connected: false`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attempt {
    /// When the attempt ended (when the MTA logged it).
    pub time: Stamp,
    /// The host it reached or tried (`mx.example.net[203.0.113.25]:25`), if logged.
    pub host: Option<String>,
    /// What came of it.
    pub status: AttemptStatus,
    /// The basic SMTP reply code, when a reply was received.
    pub code: Option<u16>,
    /// The enhanced status code (`4.7.1`); Postfix's `dsn=` also covers connection failures
    /// (`4.4.1`).
    pub enhanced: Option<String>,
    /// Whether the destination was reached: an SMTP session was opened (Postfix `relay=` not
    /// `none`, Exim `SMTP error from remote mail server`, KumoMTA `peer_address` set and no
    /// `KumoMTA internal` text) or a local delivery ran.
    pub connected: bool,
    /// The reply or the reason as the log wrote it.
    pub text: String,
    /// Earlier failures within the same attempt that the MTA logged on their own lines (a
    /// Postfix `connect to mx1[…]:25: Connection refused` before the next MX answered).
    pub tried: Vec<String>,
    /// Its place among all the log's attempts, in the order the log wrote them: it orders
    /// attempts logged in the same second (Postfix stamps whole seconds).
    pub order: u64,
}

/// What came of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    /// Accepted by the destination (or delivered locally).
    Delivered,
    /// Temporary failure: the message stays queued.
    Deferred,
    /// Permanent failure: the recipient bounces.
    Bounced,
}

impl Attempt {
    /// Whether the MTA deferred it itself without trying the destination: Postfix's dead
    /// destination (`delivery temporarily suspended`), Exim's `retry time not reached`.
    pub fn skipped(&self) -> bool {
        !self.connected
            && (self.text.contains("delivery temporarily suspended")
                || self.text.contains("retry time not reached"))
    }
}

impl AttemptStatus {
    /// The name used in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Delivered => "delivered",
            AttemptStatus::Deferred => "deferred",
            AttemptStatus::Bounced => "bounced",
        }
    }
}

/// How a message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Accepted by the destination.
    Delivered,
    /// Failed permanently (a 5xx reply, or an administrator's bounce).
    Bounced,
    /// Given up on as too old (Postfix `status=expired`, Exim `retry timeout exceeded`,
    /// KumoMTA `Expiration`).
    Expired,
    /// Deleted from the queue without delivery or bounce (Postfix `postsuper -d`, Exim
    /// `removed by`).
    Removed,
    /// Still queued when the log ended.
    Queued,
}

impl Outcome {
    /// The name used in CSV files and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Bounced => "bounced",
            Outcome::Expired => "expired",
            Outcome::Removed => "removed",
            Outcome::Queued => "queued",
        }
    }
}

/// What became of every line: used, ignored for a stated reason (known lines that say nothing
/// about a message's delivery), or a problem (malformed or not understood).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineTally {
    /// Lines read.
    pub read: u64,
    /// Lines that went into the history.
    pub used: u64,
    /// Known lines with nothing to take, by reason.
    pub ignored: BTreeMap<String, LineCount>,
    /// Malformed or unknown lines, by reason.
    pub problems: BTreeMap<String, LineCount>,
}

/// How many lines had one reason, and the first few of their line numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineCount {
    /// Lines with this reason.
    pub count: u64,
    /// The first line numbers (1-based), at most [`FIRST_LINES_KEPT`].
    pub first_lines: Vec<u64>,
}

impl LineTally {
    /// Counts a line as used.
    pub(crate) fn used(&mut self) {
        self.used += 1;
    }

    /// Counts a known line that has nothing to take.
    pub(crate) fn ignored(&mut self, reason: &str, line: u64) {
        count(&mut self.ignored, reason, line);
    }

    /// Counts a malformed or unknown line.
    pub(crate) fn problem(&mut self, reason: &str, line: u64) {
        count(&mut self.problems, reason, line);
    }

    /// Lines ignored for any reason.
    pub fn ignored_total(&self) -> u64 {
        self.ignored.values().map(|c| c.count).sum()
    }

    /// Malformed or unknown lines.
    pub fn problem_total(&self) -> u64 {
        self.problems.values().map(|c| c.count).sum()
    }
}

fn count(map: &mut BTreeMap<String, LineCount>, reason: &str, line: u64) {
    let entry = map.entry(reason.to_string()).or_default();
    entry.count += 1;
    if entry.first_lines.len() < FIRST_LINES_KEPT {
        entry.first_lines.push(line);
    }
}
