//! One message's attempt timeline under a policy, against a receiver that defers every attempt
//! with the same reply: what `mailsim schedule` prints and what the policy tests check.
//!
//! Attempts take no time; the message arrives at 0 and is the destination's only message. The
//! policy's hooks run as in a simulation: admission before every attempt, destination feedback
//! after it, then the retry decision. Delay notices follow the sender rule of the simulation
//! ([`super::notice_due`]) with the policy's default notice age.

use std::fmt::Write as _;

use crate::domain::{Reply, ReplyClass};
use crate::engine::{RandomStream, SimDuration, SimTime};

use super::admission::{self, Verdict};
use super::{Decision, Failure, MessageRetryState, Pending, RetryPolicy, RetrySpec, notice_due};

/// At most this many rows are computed; a schedule that is longer is marked truncated.
pub const MAX_ROWS: usize = 100_000;

/// What a row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// An attempt, deferred by the receiver.
    Attempt,
    /// The policy deferred the message without connecting (e.g. a Postfix dead destination).
    DeferredWithoutConnection,
    /// The one delay notice (DSN) was sent.
    DelayWarning,
    /// The policy gave up: the message expires.
    Expired,
}

impl Event {
    /// The name used in CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Attempt => "attempt",
            Event::DeferredWithoutConnection => "deferred_without_connection",
            Event::DelayWarning => "delay_warning",
            Event::Expired => "expired",
        }
    }
}

/// One row of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Row {
    /// The attempt number (for notices and expiry: the attempt they follow).
    pub attempt: u32,
    /// Seconds from the first attempt.
    pub offset_s: f64,
    /// Seconds since the previous attempt (attempt rows after the first only).
    pub gap_s: Option<f64>,
    /// What happened.
    pub event: Event,
}

/// A policy's timeline for one message.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Schedule {
    /// The policy, described with every parameter.
    pub policy: String,
    /// The reply every attempt gets.
    pub reply: String,
    /// The seed of the policy's random stream.
    pub seed: u64,
    /// The rows in time order.
    pub rows: Vec<Row>,
    /// Whether the timeline was cut at [`MAX_ROWS`] rows before the policy gave up.
    pub truncated: bool,
}

/// Computes the timeline of `spec` against a receiver that answers every attempt with `reply`.
pub fn compute(spec: &RetrySpec, reply: Reply, seed: u64) -> Schedule {
    let mut policy = spec.build();
    let (rows, truncated) = timeline(
        policy.as_mut(),
        spec.delay_warning_default(),
        spec.delay_warning_repeats(),
        reply,
        seed,
    );
    Schedule {
        policy: spec.describe(),
        reply: reply.to_string(),
        seed,
        rows,
        truncated,
    }
}

/// The rows for any policy (also one built by hand), with an optional notice age; and whether
/// they were cut at [`MAX_ROWS`].
pub fn timeline(
    policy: &mut dyn RetryPolicy,
    notice_age: Option<SimDuration>,
    notice_repeats: bool,
    reply: Reply,
    seed: u64,
) -> (Vec<Row>, bool) {
    timeline_until(
        policy,
        notice_age,
        notice_repeats,
        reply,
        seed,
        SimTime(u64::MAX),
    )
}

/// The rows of `spec`'s timeline up to `until` after the first attempt (at most
/// [`MAX_ROWS`]) against a receiver that answers every attempt with `reply`, without notices:
/// how many retry rounds a message may go through and when it is given up, for the memory
/// estimate.
pub fn rows_until(spec: &RetrySpec, reply: Reply, seed: u64, until: SimDuration) -> Vec<Row> {
    let mut policy = spec.build();
    let until = SimTime(until.as_millis());
    timeline_until(policy.as_mut(), None, false, reply, seed, until).0
}

/// [`timeline`], stopped at the first step after `until`.
fn timeline_until(
    policy: &mut dyn RetryPolicy,
    notice_age: Option<SimDuration>,
    notice_repeats: bool,
    reply: Reply,
    seed: u64,
    until: SimTime,
) -> (Vec<Row>, bool) {
    let mut rng = RandomStream::new(seed, 0, "retry/schedule");
    let mut state = MessageRetryState::default();
    let mut reserved = false;
    let mut walk = Walk::default();
    while walk.rows.len() < MAX_ROWS {
        if walk.now > until {
            return (walk.rows, false);
        }
        let pending = Pending {
            now: walk.now,
            arrival: SimTime::ZERO,
            attempts: walk.attempts,
            destination: 0,
        };
        let failed_with = match admission::admit(policy, &pending, &mut state, &mut reserved) {
            Verdict::Proceed => {
                walk.attempt();
                policy.on_attempt_end(0, reply, walk.now, 0);
                reply
            }
            Verdict::WaitUntil(at, _) => {
                walk.now = at;
                continue;
            }
            Verdict::Defer(with, _) => {
                walk.push(Event::DeferredWithoutConnection);
                with
            }
            Verdict::Expire => {
                walk.push(Event::Expired);
                return (walk.rows, false);
            }
        };
        let failure = Failure {
            now: walk.now,
            arrival: SimTime::ZERO,
            attempts: walk.attempts,
            reply: failed_with,
            destination: 0,
        };
        match policy.on_failure(&failure, &mut state, &mut rng) {
            Decision::GiveUp => {
                walk.push(Event::Expired);
                return (walk.rows, false);
            }
            Decision::RetryAt(at) => {
                if let Some(first) = notice_age
                    && notice_due(first, notice_repeats, walk.notices, failure.age())
                {
                    walk.notices += 1;
                    walk.push(Event::DelayWarning);
                }
                walk.now = at.max(walk.now);
            }
        }
    }
    (walk.rows, true)
}

/// The one message's progress through [`timeline`]: the rows so far and where it stands.
#[derive(Default)]
struct Walk {
    rows: Vec<Row>,
    now: SimTime,
    attempts: u32,
    /// The offset of the previous attempt, for the gap.
    previous: Option<f64>,
    notices: u32,
}

impl Walk {
    /// Records an attempt starting now.
    fn attempt(&mut self) {
        self.attempts += 1;
        let offset = self.now.as_secs_f64();
        self.rows.push(Row {
            attempt: self.attempts,
            offset_s: offset,
            gap_s: self.previous.map(|previous| offset - previous),
            event: Event::Attempt,
        });
        self.previous = Some(offset);
    }

    /// Records an event other than an attempt, now, after the latest attempt.
    fn push(&mut self, event: Event) {
        self.rows.push(Row {
            attempt: self.attempts,
            offset_s: self.now.as_secs_f64(),
            gap_s: None,
            event,
        });
    }
}

impl Schedule {
    /// The offsets of the attempts, in seconds.
    pub fn attempt_offsets(&self) -> Vec<f64> {
        self.rows_of(Event::Attempt)
            .map(|row| row.offset_s)
            .collect()
    }

    /// The gaps between attempts, in seconds.
    pub fn gaps(&self) -> Vec<f64> {
        self.rows_of(Event::Attempt)
            .filter_map(|row| row.gap_s)
            .collect()
    }

    /// When the message expired, if it did.
    pub fn expired_at(&self) -> Option<f64> {
        self.rows_of(Event::Expired).next().map(|row| row.offset_s)
    }

    /// The rows of one kind.
    pub fn rows_of(&self, event: Event) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |row| row.event == event)
    }

    /// CSV with the header `attempt,offset_s,gap_s,event`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("attempt,offset_s,gap_s,event\n");
        for row in &self.rows {
            let gap = row.gap_s.map_or(String::new(), seconds);
            let _ = writeln!(
                out,
                "{},{},{gap},{}",
                row.attempt,
                seconds(row.offset_s),
                row.event.as_str()
            );
        }
        out
    }

    /// JSON: the policy, the reply, the seed and the rows.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A table for people, with offsets also shown as durations.
    pub fn to_table(&self) -> String {
        let mut out = format!("policy: {}\nreply:  {}\n\n", self.policy, self.reply);
        let _ = writeln!(
            out,
            "{:>7}  {:>12}  {:>12}  {:>10}  event",
            "attempt", "offset_s", "gap_s", "offset"
        );
        for row in &self.rows {
            let gap = row.gap_s.map_or(String::new(), seconds);
            let _ = writeln!(
                out,
                "{:>7}  {:>12}  {:>12}  {:>10}  {}",
                row.attempt,
                seconds(row.offset_s),
                gap,
                SimDuration::from_secs_f64(row.offset_s).to_string(),
                row.event.as_str()
            );
        }
        let attempts = self.rows_of(Event::Attempt).count();
        match (self.expired_at(), self.truncated) {
            (_, true) => {
                let _ = writeln!(out, "\n{attempts} attempts shown; cut at {MAX_ROWS} rows");
            }
            (Some(at), _) => {
                let _ = writeln!(
                    out,
                    "\n{attempts} attempts; expired at {} ({})",
                    seconds(at),
                    SimDuration::from_secs_f64(at)
                );
            }
            (None, _) => {
                let _ = writeln!(out, "\n{attempts} attempts");
            }
        }
        out
    }
}

/// Seconds as an integer when whole, else with millisecond precision.
fn seconds(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}

/// Reads a reply for `mailsim schedule --reply`: a full reply line (`451 4.7.500 Server busy`),
/// an enhanced code (`4.7.650`), or a name (`server-busy`, `ip-reputation`, `connect-timeout`,
/// `connect-refused`, `greeting-421`, `temporary-451`). Only temporary replies make sense.
pub fn parse_reply(text: &str) -> Result<Reply, String> {
    let choices = "server-busy (451 4.7.500), ip-reputation (451 4.7.650), temporary-451 (451 4.3.2), greeting-421 (421 4.3.2), connect-timeout, connect-refused";
    let lower = text.trim().to_ascii_lowercase();
    let by_name = match lower.as_str() {
        "server-busy" => Some(Reply::ServerBusy),
        "ip-reputation" => Some(Reply::IpReputation),
        "temporary-451" => Some(Reply::TemporaryError451),
        "greeting-421" => Some(Reply::Greeting421),
        "connect-timeout" => Some(Reply::ConnectTimeout),
        "connect-refused" => Some(Reply::ConnectRefused),
        _ => None,
    };
    let found = by_name.or_else(|| {
        if lower.contains("refused") {
            return Some(Reply::ConnectRefused);
        }
        if lower.contains("timed out") || lower.contains("timeout") {
            return Some(Reply::ConnectTimeout);
        }
        let mut words = lower.split_whitespace();
        let first = words.next()?;
        let (code, enhanced) = match (first.parse::<u16>(), words.next()) {
            (Ok(code), Some(enhanced)) => (Some(code), enhanced),
            (Ok(code), None) => {
                // A bare code names a reply only if just one temporary reply has it (421).
                let mut with_code = Reply::ALL
                    .into_iter()
                    .filter(|r| r.code() == Some(code) && r.class() == ReplyClass::Temporary);
                return match (with_code.next(), with_code.next()) {
                    (Some(reply), None) => Some(reply),
                    _ => None,
                };
            }
            (Err(_), _) => (None, first),
        };
        Reply::ALL.into_iter().find(|reply| {
            reply.enhanced() == enhanced && code.is_none_or(|code| reply.code() == Some(code))
        })
    });
    match found {
        Some(reply) if reply.class() == ReplyClass::Temporary => Ok(reply),
        Some(reply) => Err(format!(
            "`{text}` is `{reply}`, not a temporary failure: nothing would be retried; choose one of {choices}"
        )),
        None => Err(format!(
            "`{text}` is not a reply the model knows; choose one of {choices}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_by_line_code_or_name() {
        assert_eq!(
            parse_reply("451 4.7.500 Server busy. Please try again later"),
            Ok(Reply::ServerBusy)
        );
        assert_eq!(parse_reply("4.7.650"), Ok(Reply::IpReputation));
        assert_eq!(parse_reply("connect-refused"), Ok(Reply::ConnectRefused));
        assert_eq!(parse_reply("421 4.3.2 closing"), Ok(Reply::Greeting421));
        assert_eq!(parse_reply("421"), Ok(Reply::Greeting421));
        // 451 alone could be 4.7.500, 4.7.650 or 4.3.2.
        assert!(parse_reply("451").is_err());
        assert!(
            parse_reply("550 5.1.10")
                .unwrap_err()
                .contains("not a temporary")
        );
        assert!(parse_reply("hello").unwrap_err().contains("server-busy"));
    }

    #[test]
    fn every_built_in_policy_gives_up_against_every_temporary_reply() {
        for info in super::super::catalog()
            .into_iter()
            .filter(|i| i.required.is_empty())
        {
            let spec = info.spec(&[]).expect("defaults");
            for reply in Reply::ALL
                .into_iter()
                .filter(|r| r.class() == ReplyClass::Temporary)
            {
                let timeline = compute(&spec, reply, 1);
                assert!(!timeline.truncated, "{} {reply}", info.name);
                let expired = timeline.expired_at().expect("expires");
                // Every real system gives up within 8 days.
                assert!(
                    expired > 0.0 && expired < 8.0 * 86_400.0,
                    "{} {reply}: {expired}",
                    info.name
                );
            }
        }
    }

    #[test]
    fn csv_has_the_documented_header_and_one_row_per_event() {
        let spec = RetrySpec::Offsets(super::super::OffsetsParams {
            offsets: vec![SimDuration::from_mins(5), SimDuration::from_mins(30)],
            lifetime: SimDuration::from_days(5),
        });
        let csv = compute(&spec, Reply::ServerBusy, 1).to_csv();
        assert_eq!(
            csv,
            "attempt,offset_s,gap_s,event\n1,0,,attempt\n2,300,300,attempt\n3,1800,1500,attempt\n3,1800,,expired\n"
        );
    }
}
