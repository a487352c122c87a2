//! Watching a run message by message: an [`Observer`] is told every step of every message's
//! journey (arrival, waits, attempts with their replies, the policy's decisions, notices and
//! the end), as it happens. `mailsim trace` and `--events` are built on it.
//!
//! Nothing is stored here: a run without an observer only checks one `Option` at each step,
//! and an observer decides itself what to keep (the trace keeps one message, the event log
//! writes each line out at once).

use crate::engine::SimTime;

use crate::domain::Reply;
use crate::retry::HoldReason;

/// Receives every step of a run, in time order.
pub trait Observer {
    /// One step happened.
    fn observe(&mut self, step: &Step);
}

/// One step of one message's journey.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// When it happened.
    pub time: SimTime,
    /// The message's number: 1 for the first to arrive, and so on.
    pub message: u64,
    /// The sender's index in the scenario.
    pub sender: usize,
    /// The receiver's index in the scenario.
    pub receiver: usize,
    /// What happened.
    pub what: Happening,
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Happening {
    /// It arrived at the sender.
    Arrived,
    /// Every connection to its destination was busy: it waits for one.
    WaitingForConnection,
    /// An attempt started from this sending IP (global index); `reused` when it goes down a
    /// connection that carried an earlier message.
    AttemptStarted {
        /// The attempt's number, from 1.
        attempt: u32,
        /// The sending IP's global index.
        ip: usize,
        /// Whether the connection was already open.
        reused: bool,
    },
    /// An attempt ended with this reply.
    AttemptEnded {
        /// The attempt's number.
        attempt: u32,
        /// The sending IP's global index.
        ip: usize,
        /// The receiver's (or the network's) answer.
        reply: Reply,
    },
    /// Delivered.
    Delivered,
    /// Bounced by a permanent failure.
    Bounced,
    /// Deferred: the policy will try again at `retry_at`.
    Deferred {
        /// The reply that caused it (for a deferral without an attempt, the reply the policy
        /// pretends, e.g. the one that made a Postfix destination dead).
        reply: Reply,
        /// When the next attempt is due.
        retry_at: SimTime,
        /// `Some` when the policy deferred it without an attempt: the rule that decided it.
        without_attempt: Option<HoldReason>,
    },
    /// The policy held the message without an attempt (a suspended or slowed destination, an
    /// Exim host whose retry time has not come) until this instant.
    Held {
        /// When it may try again.
        until: SimTime,
        /// The rule that decided it.
        reason: HoldReason,
    },
    /// A delay notice (DSN) was sent to the sender.
    DelayNotice,
    /// The policy gave up: the message expired and bounces as undeliverable.
    Expired,
}

impl Happening {
    /// A short name for machine-readable logs, e.g. `attempt_ended`.
    pub fn name(&self) -> &'static str {
        match self {
            Happening::Arrived => "arrived",
            Happening::WaitingForConnection => "waiting_for_connection",
            Happening::AttemptStarted { .. } => "attempt_started",
            Happening::AttemptEnded { .. } => "attempt_ended",
            Happening::Delivered => "delivered",
            Happening::Bounced => "bounced",
            Happening::Deferred { .. } => "deferred",
            Happening::Held { .. } => "held",
            Happening::DelayNotice => "delay_notice",
            Happening::Expired => "expired",
        }
    }
}

/// The world's end of an observer: numbers messages as they arrive (the world reuses message
/// slots, so it keeps the number of the message in each slot).
pub(super) struct Tap<'o> {
    observer: &'o mut dyn Observer,
    numbers: Vec<u64>,
    arrived: u64,
}

impl<'o> Tap<'o> {
    pub fn new(observer: &'o mut dyn Observer) -> Tap<'o> {
        Tap {
            observer,
            numbers: Vec::new(),
            arrived: 0,
        }
    }

    /// Tells the observer; `slot` is the message's slot, `Arrived` gives it a new number.
    pub fn emit(
        &mut self,
        time: SimTime,
        slot: u32,
        sender: usize,
        receiver: usize,
        what: Happening,
    ) {
        let slot = slot as usize;
        if what == Happening::Arrived {
            self.arrived += 1;
            if self.numbers.len() <= slot {
                self.numbers.resize(slot + 1, 0);
            }
            self.numbers[slot] = self.arrived;
        }
        let message = self.numbers.get(slot).copied().unwrap_or_default();
        self.observer.observe(&Step {
            time,
            message,
            sender,
            receiver,
            what,
        });
    }
}
