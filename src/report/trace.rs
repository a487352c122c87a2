//! Message traces: the journey of one message as a readable timeline (`mailsim trace`), and
//! the machine-readable event log (`--events FILE.jsonl`, one JSON object per line). Both are
//! [`Observer`]s of a run: the journey keeps only the steps of the message it follows, the
//! log writes each step as it happens, so neither grows with the size of the run.

use std::io::Write;

use serde::Serialize;

use crate::domain::{Clock, Reply, ReplyClass};
use crate::engine::{SimDuration, SimTime};
use crate::model::{Happening, Observer, Step};
use crate::retry::RetrySpec;
use crate::scenario::{IpAddress, Scenario};

/// Which messages a trace or log concerns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Only this message number (1 = the first to arrive).
    pub message: Option<u64>,
    /// Only messages to this receiver (index in the scenario).
    pub receiver: Option<usize>,
}

impl MessageFilter {
    /// Whether `step` concerns a message this filter selects.
    pub fn selects(&self, step: &Step) -> bool {
        self.message.is_none_or(|m| m == step.message)
            && self.receiver.is_none_or(|r| r == step.receiver)
    }
}

/// Finds the first message (optionally to one receiver) that meets a condition: the first
/// to arrive, or the first to be deferred.
#[derive(Debug)]
pub struct FirstMessage {
    receiver: Option<usize>,
    deferred: bool,
    /// The message found, if any.
    pub found: Option<u64>,
}

impl FirstMessage {
    /// Looks for the first message to `receiver` (any receiver if `None`) that arrives, or
    /// with `deferred`, that is deferred.
    pub fn new(receiver: Option<usize>, deferred: bool) -> FirstMessage {
        FirstMessage {
            receiver,
            deferred,
            found: None,
        }
    }
}

impl Observer for FirstMessage {
    fn observe(&mut self, step: &Step) {
        if self.found.is_some() || self.receiver.is_some_and(|r| r != step.receiver) {
            return;
        }
        let wanted = if self.deferred {
            matches!(step.what, Happening::Deferred { .. })
        } else {
            step.what == Happening::Arrived
        };
        if wanted {
            self.found = Some(step.message);
        }
    }
}

/// Keeps every step of one message.
#[derive(Debug)]
pub struct Journey {
    message: u64,
    /// The steps, in time order.
    pub steps: Vec<Step>,
}

impl Journey {
    /// Follows message number `message`.
    pub fn new(message: u64) -> Journey {
        Journey {
            message,
            steps: Vec::new(),
        }
    }
}

impl Observer for Journey {
    fn observe(&mut self, step: &Step) {
        if step.message == self.message {
            self.steps.push(*step);
        }
    }
}

/// A reply line with the sending IP filled in.
fn reply_line(reply: Reply, ip: Option<IpAddress>) -> String {
    let line = reply.to_string();
    match ip {
        Some(ip) => line.replace("[IP]", &format!("[{ip}]")),
        None => line,
    }
}

fn since(time: SimTime) -> SimDuration {
    SimDuration(time.as_millis())
}

/// The journey as a timeline: one line per step, with the exact replies, their scope, the
/// policy's decisions and why.
pub fn journey_text(scenario: &Scenario, journey: &Journey) -> String {
    let Some(first) = journey.steps.first() else {
        return format!(
            "message {} never arrived in this run (the scenario has fewer messages)\n",
            journey.message
        );
    };
    let sender = &scenario.senders[first.sender];
    let mut narrator = Narrator {
        ips: scenario.ip_addresses(),
        receiver: &scenario.receivers[first.receiver].name,
        policy: &sender.retry,
        arrival: first.time,
        last_ip: None,
        clock: scenario.clock().copied(),
    };
    let mut out = format!(
        "message {} of {} (seed {}): sender {} → receiver {}\nretry policy: {}\n\n",
        journey.message,
        scenario.name,
        scenario.run.seed,
        sender.name,
        narrator.receiver,
        sender.retry.describe()
    );
    for step in &journey.steps {
        let text = narrator.tell(step);
        match &narrator.clock {
            Some(wall) => out.push_str(&format!(
                "{:>14}  {:<12}  {text}\n",
                clock(step.time),
                wall.day_and_time(step.time)
            )),
            None => out.push_str(&format!("{:>14}  {text}\n", clock(step.time))),
        }
    }
    let ended = journey.steps.last().is_some_and(|s| {
        matches!(
            s.what,
            Happening::Delivered | Happening::Bounced | Happening::Expired
        )
    });
    if !ended {
        out.push_str("                (still queued when the run ended)\n");
    }
    out
}

/// Tells the steps of one message's journey in words, remembering the IP of the attempt under
/// way so that its reply can name it.
struct Narrator<'a> {
    ips: Vec<IpAddress>,
    receiver: &'a str,
    /// The sender's policy, which names the rule behind a hold.
    policy: &'a RetrySpec,
    arrival: SimTime,
    last_ip: Option<IpAddress>,
    /// The clock of a run with a start, to name instants by their clock time too.
    clock: Option<Clock>,
}

impl Narrator<'_> {
    /// What happened in `step`, as one line of text (without its time).
    fn tell(&mut self, step: &Step) -> String {
        let queued_for = || since(SimTime(step.time.as_millis() - self.arrival.as_millis()));
        match step.what {
            Happening::Arrived => "arrived in the sender's queue".to_string(),
            Happening::WaitingForConnection => format!(
                "every connection to {} is busy: waits for one",
                self.receiver
            ),
            Happening::AttemptStarted {
                attempt,
                ip,
                reused,
            } => {
                self.last_ip = self.ips.get(ip).copied();
                let how = if reused {
                    "on an open connection"
                } else {
                    "on a new connection"
                };
                let from = self.ips.get(ip).map_or("?".into(), ToString::to_string);
                format!("attempt {attempt} from {from} {how}")
            }
            Happening::AttemptEnded { reply, .. } => {
                let meaning = match reply.class() {
                    ReplyClass::Accepted => "accepted",
                    ReplyClass::Temporary => "temporary failure",
                    ReplyClass::Permanent => "permanent failure",
                };
                format!(
                    "  ← {} ({meaning}, {} scope)",
                    reply_line(reply, self.last_ip),
                    scope_name(reply)
                )
            }
            Happening::Delivered => format!("delivered, {} after arrival", queued_for()),
            Happening::Bounced => {
                "bounced: a permanent failure is returned to the sender at once".to_string()
            }
            Happening::Deferred {
                reply,
                retry_at,
                without_attempt,
            } => {
                let why = without_attempt.map(|reason| self.policy.explain(reason));
                deferred_text(step, reply, retry_at, why, self.clock.as_ref())
            }
            Happening::Held { until, reason } => format!(
                "held until {} without an attempt: {}",
                instant(until, self.clock.as_ref()),
                self.policy.explain(reason)
            ),
            Happening::DelayNotice => format!(
                "delay notice sent to the sender (queued for {})",
                queued_for()
            ),
            Happening::Expired => format!(
                "expired: the policy gives up after {}; the message bounces as undeliverable",
                queued_for()
            ),
        }
    }
}

/// Why a message was deferred (the temporary reply, or the rule that deferred it without an
/// attempt) and when the policy retries it.
fn deferred_text(
    step: &Step,
    reply: Reply,
    retry_at: SimTime,
    rule: Option<String>,
    wall: Option<&Clock>,
) -> String {
    let why = match rule {
        Some(rule) => format!(
            "without an attempt, as if {} again: {rule}",
            reply.enhanced()
        ),
        None if reply.class() == ReplyClass::Temporary => {
            format!("the reply is temporary ({})", reply.enhanced())
        }
        None => "the policy deferred it".to_string(),
    };
    format!(
        "deferred: {why}; the policy retries at {} (in {})",
        instant(retry_at, wall),
        since(SimTime(retry_at.as_millis() - step.time.as_millis()))
    )
}

/// An instant as a clock since the start: `0:01:19.056`, `1d 02:00:00.000`.
fn clock(time: SimTime) -> String {
    let ms = time.as_millis();
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    let clock = format!(
        "{}:{:02}:{:02}.{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    );
    if days > 0 {
        format!("{days}d {clock:0>12}")
    } else {
        clock
    }
}

/// An instant as [`clock`] shows it, with its clock time when the run has a start:
/// `0:10:03.000`, or `0:10:03.000 (Mon 09:10:03)`.
fn instant(time: SimTime, wall: Option<&Clock>) -> String {
    match wall {
        Some(wall) => format!("{} ({})", clock(time), wall.day_and_time(time)),
        None => clock(time),
    }
}

fn scope_name(reply: Reply) -> &'static str {
    match reply.scope() {
        crate::domain::Scope::Site => "site",
        crate::domain::Scope::Message => "message",
        crate::domain::Scope::Recipient => "recipient",
    }
}

/// One line of the event log.
#[derive(Serialize)]
struct EventLine<'a> {
    time_s: f64,
    /// RFC 3339, for a run with a start.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    message: u64,
    sender: &'a str,
    ip: Option<String>,
    receiver: &'a str,
    event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempt: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until_s: Option<f64>,
    /// For a hold or a deferral without an attempt: the policy's rule that decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    /// RFC 3339, for a run with a start.
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
}

/// Writes every selected step as one JSON object per line, as it happens. Write errors are
/// kept (the first one) for [`EventLog::finish`], since an observer cannot fail.
pub struct EventLog<'s, W: Write> {
    scenario: &'s Scenario,
    ips: Vec<IpAddress>,
    filter: MessageFilter,
    out: W,
    /// Lines written.
    pub lines: u64,
    error: Option<std::io::Error>,
}

impl<'s, W: Write> EventLog<'s, W> {
    /// A log of the steps `filter` selects, written to `out`.
    pub fn new(scenario: &'s Scenario, filter: MessageFilter, out: W) -> EventLog<'s, W> {
        EventLog {
            scenario,
            ips: scenario.ip_addresses(),
            filter,
            out,
            lines: 0,
            error: None,
        }
    }

    /// Flushes the output; the first write error, if any, and the number of lines.
    pub fn finish(mut self) -> Result<u64, std::io::Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.out.flush()?;
        Ok(self.lines)
    }
}

impl<W: Write> Observer for EventLog<'_, W> {
    fn observe(&mut self, step: &Step) {
        if self.error.is_some() || !self.filter.selects(step) {
            return;
        }
        let (attempt, ip, reply, until) = match step.what {
            Happening::AttemptStarted { attempt, ip, .. } => (Some(attempt), Some(ip), None, None),
            Happening::AttemptEnded { attempt, ip, reply } => {
                (Some(attempt), Some(ip), Some(reply), None)
            }
            Happening::Deferred {
                reply, retry_at, ..
            } => (None, None, Some(reply), Some(retry_at)),
            Happening::Held { until, .. } => (None, None, None, Some(until)),
            _ => (None, None, None, None),
        };
        let rule = match step.what {
            Happening::Deferred {
                without_attempt: Some(reason),
                ..
            }
            | Happening::Held { reason, .. } => {
                Some(self.scenario.senders[step.sender].retry.explain(reason))
            }
            _ => None,
        };
        let address = ip.and_then(|i| self.ips.get(i).copied());
        let wall = self.scenario.clock();
        let line = EventLine {
            time_s: step.time.as_secs_f64(),
            time: wall.map(|c| c.rfc3339(step.time)),
            message: step.message,
            sender: &self.scenario.senders[step.sender].name,
            ip: address.map(|a| a.to_string()),
            receiver: &self.scenario.receivers[step.receiver].name,
            event: step.what.name(),
            attempt,
            reply: reply.map(|r| reply_line(r, address)),
            code: reply.map(Reply::enhanced),
            scope: reply.map(scope_name),
            until_s: until.map(SimTime::as_secs_f64),
            rule,
            until: until.and_then(|t| Some(wall?.rfc3339(t))),
        };
        let written = serde_json::to_writer(&mut self.out, &line)
            .map_err(std::io::Error::other)
            .and_then(|()| self.out.write_all(b"\n"));
        match written {
            Ok(()) => self.lines += 1,
            Err(error) => self.error = Some(error),
        }
    }
}

#[cfg(test)]
mod tests;
