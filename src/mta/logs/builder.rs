//! What the parsers fill while they read: a [`Builder`] keys messages by the MTA's id while they
//! are open (a Postfix queue id is reused once its message is `removed`), keeps recipients in
//! the order they first appear and decides each message's arrival from the best evidence it
//! saw; [`Builder::finish`] turns the drafts into the history's messages. Also the reply-code
//! reading every parser shares ([`reply_codes`]).

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use super::clock::Stamp;
use super::history::{ArrivalSource, Attempt, AttemptStatus, ObservedMessage, Outcome};

/// A message being read.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    pub id: String,
    pub first_seen: Stamp,
    logged_arrival: Option<Stamp>,
    derived_arrival: Option<Stamp>,
    pub sender: Option<String>,
    pub size: Option<u64>,
    pub message_id: Option<String>,
    /// Recipients the MTA announced (Postfix `nrcpt=`).
    pub announced: Option<u32>,
    pub notice: bool,
    /// Never queued (rejected while it was being received): left out of the history.
    pub rejected: bool,
    pub recipients: Vec<RecipientDraft>,
    /// Failures logged on their own lines, waiting for the attempt they belong to.
    pub pending_tried: Vec<String>,
    /// The number of attempts recorded so far in the whole log (shared by every draft), which
    /// numbers each attempt in log order.
    attempts_seen: Rc<Cell<u64>>,
}

/// One recipient of a message being read.
#[derive(Clone, Debug)]
pub(crate) struct RecipientDraft {
    pub address: String,
    pub attempts: Vec<Attempt>,
    pub end: Option<(Outcome, Stamp)>,
}

impl Draft {
    fn new(id: &str, seen: Stamp, attempts_seen: Rc<Cell<u64>>) -> Draft {
        Draft {
            id: id.to_string(),
            first_seen: seen,
            logged_arrival: None,
            derived_arrival: None,
            sender: None,
            size: None,
            message_id: None,
            announced: None,
            notice: false,
            rejected: false,
            recipients: Vec::new(),
            pending_tried: Vec::new(),
            attempts_seen,
        }
    }

    /// Its queue entry is logged at `t` (the first such line counts).
    pub fn arrived(&mut self, t: Stamp) {
        if self.logged_arrival.is_none() {
            self.logged_arrival = Some(t);
        }
    }

    /// A later line says it arrived at `t` (the earliest such estimate counts).
    pub fn arrived_by(&mut self, t: Stamp) {
        if self.derived_arrival.is_none_or(|d| t < d) {
            self.derived_arrival = Some(t);
        }
    }

    /// The recipient `address`, added if new.
    pub fn recipient(&mut self, address: &str) -> &mut RecipientDraft {
        let at = match self.recipients.iter().position(|r| r.address == address) {
            Some(at) => at,
            None => {
                self.recipients.push(RecipientDraft {
                    address: address.to_string(),
                    attempts: Vec::new(),
                    end: None,
                });
                self.recipients.len() - 1
            }
        };
        &mut self.recipients[at]
    }

    /// Records an attempt for `address`, with the failures waiting for it; a delivery or a
    /// bounce ends the recipient.
    pub fn attempt(&mut self, address: &str, mut attempt: Attempt) {
        attempt.tried = std::mem::take(&mut self.pending_tried);
        attempt.order = self.attempts_seen.get();
        self.attempts_seen.set(attempt.order + 1);
        let recipient = self.recipient(address);
        let end = match attempt.status {
            AttemptStatus::Delivered => Some(Outcome::Delivered),
            AttemptStatus::Bounced => Some(Outcome::Bounced),
            AttemptStatus::Deferred => None,
        };
        if let Some(outcome) = end {
            recipient.end = Some((outcome, attempt.time));
        }
        recipient.attempts.push(attempt);
    }

    /// Ends every recipient that has not ended; with none known yet, one unnamed recipient.
    pub fn end_open(&mut self, outcome: Outcome, t: Stamp) {
        if self.recipients.is_empty() {
            self.recipient("");
        }
        for recipient in &mut self.recipients {
            if recipient.end.is_none() {
                recipient.end = Some((outcome, t));
            }
        }
    }
}

/// Collects drafts keyed by the MTA's id while they are open.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    open: HashMap<String, usize>,
    /// The last message closed under each id, for lines that come after its end.
    closed: HashMap<String, usize>,
    drafts: Vec<Draft>,
    attempts_seen: Rc<Cell<u64>>,
}

/// What [`Builder::finish`] found worth telling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FinishCounts {
    /// Messages never queued (rejected while being received).
    pub rejected: u64,
    /// Messages whose arrival was worked out from a later line.
    pub derived: u64,
    /// Messages known only from their first line.
    pub first_seen: u64,
    /// Messages with no recipient named in the log.
    pub unnamed: u64,
    /// Recipients announced (Postfix `nrcpt=`) but never named.
    pub unannounced: u64,
}

impl Builder {
    /// The open message `id`, created (first seen at `seen`) if there is none.
    pub fn draft(&mut self, id: &str, seen: Stamp) -> &mut Draft {
        let at = match self.open.get(id) {
            Some(&at) => at,
            None => {
                self.drafts
                    .push(Draft::new(id, seen, Rc::clone(&self.attempts_seen)));
                let at = self.drafts.len() - 1;
                self.open.insert(id.to_string(), at);
                at
            }
        };
        &mut self.drafts[at]
    }

    /// Closes `id`: a later line with the same id starts a new message.
    pub fn close(&mut self, id: &str) {
        if let Some(at) = self.open.remove(id) {
            self.closed.insert(id.to_string(), at);
        }
    }

    /// Marks message `id` as a notice the MTA made itself: the open one, else the last one
    /// closed under that id (the line saying so may come after the notice's own end), else a
    /// new one first seen at `seen`.
    pub fn mark_notice(&mut self, id: &str, seen: Stamp) {
        match self.open.get(id).or_else(|| self.closed.get(id)) {
            Some(&at) => self.drafts[at].notice = true,
            None => self.draft(id, seen).notice = true,
        }
    }

    /// The history's messages, one per recipient, in order of arrival (ties in the order the
    /// log showed them).
    pub fn finish(self) -> (Vec<ObservedMessage>, FinishCounts) {
        let mut counts = FinishCounts::default();
        let mut messages = Vec::new();
        for draft in self.drafts {
            if draft.rejected {
                counts.rejected += 1;
                continue;
            }
            let (arrival, source) = match (draft.logged_arrival, draft.derived_arrival) {
                (Some(t), _) => (t, ArrivalSource::Logged),
                (None, Some(t)) => (t.min(draft.first_seen), ArrivalSource::Derived),
                (None, None) => (draft.first_seen, ArrivalSource::FirstSeen),
            };
            match source {
                ArrivalSource::Logged => {}
                ArrivalSource::Derived => counts.derived += 1,
                ArrivalSource::FirstSeen => counts.first_seen += 1,
            }
            let mut recipients = draft.recipients;
            if recipients.is_empty() {
                counts.unnamed += 1;
                recipients.push(RecipientDraft {
                    address: String::new(),
                    attempts: Vec::new(),
                    end: None,
                });
            }
            let named = recipients.iter().filter(|r| !r.address.is_empty()).count();
            if let Some(announced) = draft.announced {
                counts.unannounced += u64::from(announced).saturating_sub(named as u64);
            }
            for recipient in recipients {
                let (outcome, end) = match recipient.end {
                    Some((outcome, t)) => (outcome, Some(t)),
                    None => (Outcome::Queued, None),
                };
                messages.push(ObservedMessage {
                    id: draft.id.clone(),
                    message_id: draft.message_id.clone(),
                    sender: draft.sender.clone().unwrap_or_default(),
                    recipient: recipient.address,
                    size: draft.size,
                    arrival,
                    arrival_source: source,
                    mta_notice: draft.notice,
                    attempts: recipient.attempts,
                    outcome,
                    end,
                });
            }
        }
        messages.sort_by_key(|m| m.arrival.unix_ms);
        (messages, counts)
    }
}

/// The notes every parser adds from [`FinishCounts`].
pub(crate) fn finish_notes(counts: &FinishCounts, notes: &mut Vec<String>) {
    if counts.rejected > 0 {
        notes.push(format!(
            "{} message(s) were rejected while being received and never queued; left out",
            counts.rejected
        ));
    }
    if counts.derived > 0 {
        notes.push(format!(
            "{} message(s) arrived before the log began; their arrival is worked out from later lines and they are not in arrivals.csv",
            counts.derived
        ));
    }
    if counts.first_seen > 0 {
        notes.push(format!(
            "{} message(s) have no known arrival (only their first line's time); not in arrivals.csv or the latency figures",
            counts.first_seen
        ));
    }
    if counts.unnamed > 0 {
        notes.push(format!(
            "{} message(s) never had a recipient named in the log (no delivery line yet); listed with an empty recipient, not in arrivals.csv",
            counts.unnamed
        ));
    }
    if counts.unannounced > 0 {
        notes.push(format!(
            "{} recipient(s) counted by the MTA (nrcpt=) never appeared in a delivery line",
            counts.unannounced
        ));
    }
}

/// An attempt with no failures of its own lines yet.
pub(crate) fn attempt(
    time: Stamp,
    host: Option<String>,
    status: AttemptStatus,
    code: Option<u16>,
    enhanced: Option<String>,
    connected: bool,
    text: String,
) -> Attempt {
    Attempt {
        time,
        host,
        status,
        code,
        enhanced,
        connected,
        text,
        tried: Vec::new(),
        order: 0,
    }
}

/// The basic and enhanced codes in a reply text: the first `[245]xx` that starts the text or
/// follows `: ` / `said: `, and the `x.y.z` right after it. `connect to mx[…]:25: …` has none.
pub(crate) fn reply_codes(text: &str) -> (Option<u16>, Option<String>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at + 3 <= bytes.len() {
        let starts = at == 0 || (at >= 2 && &bytes[at - 2..at] == b": ");
        let digits = bytes[at..at + 3].iter().all(u8::is_ascii_digit);
        let ends = bytes.get(at + 3).is_none_or(|b| *b == b' ' || *b == b'-');
        if starts && digits && matches!(bytes[at], b'2' | b'4' | b'5') && ends {
            let code: u16 = text[at..at + 3].parse().unwrap_or(0);
            let rest = text.get(at + 4..).unwrap_or("");
            let enhanced = rest
                .split(' ')
                .next()
                .filter(|word| is_enhanced(word) && word.starts_with(char::from(bytes[at])));
            return (Some(code), enhanced.map(str::to_string));
        }
        at += 1;
    }
    (None, None)
}

/// Whether `word` is an enhanced status code `class.subject.detail` (RFC 3463).
pub(crate) fn is_enhanced(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Stamp {
        Stamp {
            unix_ms: s * 1000,
            offset_s: 0,
        }
    }

    #[test]
    fn reply_codes_are_found_where_replies_start() {
        assert_eq!(
            reply_codes("250 2.0.0 Ok: queued as 9C2D83E01"),
            (Some(250), Some("2.0.0".into()))
        );
        assert_eq!(
            reply_codes(
                "host mx.example.com[192.0.2.10] said: 450 4.7.1 <c@example.com>: Greylisted (in reply to RCPT TO command)"
            ),
            (Some(450), Some("4.7.1".into()))
        );
        assert_eq!(
            reply_codes(
                "SMTP error from remote mail server after RCPT TO:<c@example.com>: 451-4.7.1 Greylisted"
            ),
            (Some(451), Some("4.7.1".into()))
        );
        assert_eq!(
            reply_codes("connect to mx.example.com[192.0.2.10]:25: Connection refused"),
            (None, None)
        );
        assert_eq!(reply_codes("421 Service not available"), (Some(421), None));
    }

    #[test]
    fn queue_ids_reopen_after_close_and_recipients_split() {
        let mut builder = Builder::default();
        let draft = builder.draft("ABC", t(10));
        draft.arrived(t(10));
        draft.sender = Some("a@x".into());
        for (address, status) in [
            ("b@y", AttemptStatus::Deferred),
            ("c@z", AttemptStatus::Delivered),
            ("b@y", AttemptStatus::Bounced),
        ] {
            let attempt = attempt(t(20), None, status, None, None, true, String::new());
            builder.draft("ABC", t(20)).attempt(address, attempt);
        }
        builder.close("ABC");
        builder.draft("ABC", t(5)).arrived_by(t(3));
        let (messages, counts) = builder.finish();
        assert_eq!(messages.len(), 3);
        // The reopened id arrived (derived) at 3 s, so it sorts first.
        assert_eq!(messages[0].arrival, t(3));
        assert_eq!(messages[0].arrival_source, ArrivalSource::Derived);
        assert_eq!(messages[0].recipient, "");
        assert_eq!(messages[1].recipient, "b@y");
        assert_eq!(messages[1].outcome, Outcome::Bounced);
        assert_eq!(messages[1].deferrals(), 1);
        assert_eq!(messages[2].outcome, Outcome::Delivered);
        assert_eq!(messages[2].latency_s(), Some(10.0));
        assert_eq!(
            counts,
            FinishCounts {
                derived: 1,
                unnamed: 1,
                ..FinishCounts::default()
            }
        );
    }
}
