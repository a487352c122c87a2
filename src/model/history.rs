//! A run as a sending MTA's log would record it: an [`Observer`] that keeps every message's
//! arrival, attempts (time, reply code, enhanced code, text, whether the receiver was reached)
//! and end, as the [`History`] the log readers of `mta::logs` produce. Written out with
//! `mta::logs::emit` it is a Postfix, Exim or KumoMTA log of the simulated run, which
//! `mailsim replay` and `mailsim fit` read like a real one; summarised with
//! [`crate::mta::logs::ObservedSummary`] it gives a run's figures with exactly the definitions
//! used for a real log.
//!
//! Message *n* (1 for the first to arrive) is id `n`, from the sender's name to
//! `m<n>@<receiver>` (so a replay of the log maps each recipient back to its receiver by name).
//! Deferrals a policy decides without a connection are recorded as attempts that reached
//! nothing, with the words real MTAs log for them: Postfix's dead destination as `delivery
//! temporarily suspended`, Exim's host retry record as `retry time not reached for any host`.
//! Other holds (an adaptive rule's suspension, a lowered rate) leave no line, as in KumoMTA.
//! Keeps every message and attempt: for fits and tests, not for runs of millions.

use crate::domain::{Reply, ReplyClass};
use crate::engine::SimTime;
use crate::mta::logs::{
    ArrivalSource, Attempt, AttemptStatus, Format, History, LineTally, MtaStart, ObservedMessage,
    Outcome, Stamp,
};
use crate::retry::{HoldReason, RetrySpec};
use crate::scenario::Scenario;

use super::observe::{Happening, Observer, Step};

/// The text Postfix logs for a deferral without a connection to a dead destination.
pub const SUSPENDED: &str = "delivery temporarily suspended";
/// The text Exim logs for a delivery skipped because the host's retry time has not come.
pub const RETRY_TIME_NOT_REACHED: &str = "retry time not reached for any host";

/// Records a run as an MTA log would.
#[derive(Debug)]
pub struct HistoryRecorder {
    zero: Stamp,
    senders: Vec<String>,
    receivers: Vec<String>,
    messages: Vec<ObservedMessage>,
    queue_interval_s: Option<u64>,
    /// Attempts recorded so far (numbers them in order).
    attempts: u64,
}

impl HistoryRecorder {
    /// A recorder for a run of `scenario` whose time zero is the instant `zero`.
    pub fn new(scenario: &Scenario, zero: Stamp) -> HistoryRecorder {
        let queue_interval_s = scenario.senders().iter().find_map(|s| match &s.retry {
            RetrySpec::Exim(params) => params.queue_interval.map(|q| q.as_millis() / 1000),
            _ => None,
        });
        HistoryRecorder {
            zero,
            senders: scenario.senders().iter().map(|s| s.name.clone()).collect(),
            receivers: scenario
                .receivers()
                .iter()
                .map(|r| r.name.clone())
                .collect(),
            messages: Vec::new(),
            queue_interval_s,
            attempts: 0,
        }
    }

    fn at(&self, time: SimTime) -> Stamp {
        self.zero.plus_ms(time.as_millis() as i64)
    }

    /// The history, as the log of `format` would show it: the messages in order of arrival,
    /// the MTA started at time zero.
    pub fn finish(self, format: Format) -> History {
        History {
            format,
            messages: self.messages,
            lines: LineTally::default(),
            notes: vec!["simulated by mailsim".to_string()],
            starts: vec![MtaStart {
                time: self.zero,
                queue_interval_s: self.queue_interval_s,
            }],
            queue_runs: Vec::new(),
        }
    }

    fn message(&mut self, number: u64) -> Option<&mut ObservedMessage> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.messages.get_mut(index)
    }

    fn arrived(&mut self, step: &Step) {
        let number = self.messages.len() + 1;
        let receiver = &self.receivers[step.receiver];
        self.messages.push(ObservedMessage {
            id: number.to_string(),
            message_id: None,
            sender: self.senders[step.sender].clone(),
            recipient: format!("m{number}@{receiver}"),
            size: None,
            arrival: self.at(step.time),
            arrival_source: ArrivalSource::Logged,
            mta_notice: false,
            attempts: Vec::new(),
            outcome: Outcome::Queued,
            end: None,
        });
    }

    fn attempt(&mut self, step: &Step, reply: Reply) {
        let time = self.at(step.time);
        let host = format!(
            "mx.{}[198.51.100.{}]",
            self.receivers[step.receiver],
            step.receiver % 250 + 1
        );
        let mut attempt = reply_attempt(time, host, reply);
        attempt.order = self.attempts;
        self.attempts += 1;
        if let Some(message) = self.message(step.message) {
            message.attempts.push(attempt);
        }
    }

    /// A deferral or hold without a connection that a real MTA logs.
    fn skipped(&mut self, step: &Step, reply: Option<Reply>, reason: HoldReason) {
        let text = match reason {
            HoldReason::DeadDestination | HoldReason::HostStatus => match reply {
                Some(reply) => format!("{SUSPENDED}: {}", reply.text()),
                None => SUSPENDED.to_string(),
            },
            HoldReason::HostRetryTime | HoldReason::MessageRetryTime => {
                RETRY_TIME_NOT_REACHED.to_string()
            }
            _ => return,
        };
        let time = self.at(step.time);
        let enhanced = reply.map(|r| r.enhanced().to_string());
        let order = self.attempts;
        self.attempts += 1;
        if let Some(message) = self.message(step.message) {
            message.attempts.push(Attempt {
                time,
                host: None,
                status: AttemptStatus::Deferred,
                code: None,
                enhanced,
                connected: false,
                text,
                tried: Vec::new(),
                order,
            });
        }
    }

    fn ended(&mut self, step: &Step, outcome: Outcome) {
        let time = self.at(step.time);
        if let Some(message) = self.message(step.message) {
            message.outcome = outcome;
            message.end = Some(time);
        }
    }
}

/// The attempt that got `reply` from `host` at `time`.
fn reply_attempt(time: Stamp, host: String, reply: Reply) -> Attempt {
    let connected = !matches!(
        reply,
        Reply::ConnectRefused | Reply::ConnectTimeout | Reply::MxLookupFailed
    );
    let status = match reply.class() {
        ReplyClass::Accepted => AttemptStatus::Delivered,
        ReplyClass::Temporary => AttemptStatus::Deferred,
        ReplyClass::Permanent => AttemptStatus::Bounced,
    };
    let ip = host
        .split_once('[')
        .map_or("", |(_, rest)| rest.trim_end_matches(']'));
    Attempt {
        time,
        host: connected.then_some(host.clone()),
        status,
        code: reply.code(),
        enhanced: Some(reply.enhanced().to_string()),
        connected,
        text: reply.to_string().replace("[IP]", &format!("[{ip}]")),
        tried: Vec::new(),
        order: 0,
    }
}

impl Observer for HistoryRecorder {
    fn observe(&mut self, step: &Step) {
        match step.what {
            Happening::Arrived => self.arrived(step),
            Happening::AttemptEnded { reply, .. } => self.attempt(step, reply),
            Happening::Deferred {
                reply,
                without_attempt: Some(reason),
                ..
            } => self.skipped(step, Some(reply), reason),
            Happening::Held { reason, .. } => self.skipped(step, None, reason),
            Happening::Delivered => self.ended(step, Outcome::Delivered),
            Happening::Bounced => self.ended(step, Outcome::Bounced),
            Happening::Expired => self.ended(step, Outcome::Expired),
            _ => {}
        }
    }
}
