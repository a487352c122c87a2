//! The world's one door to the outside: every step of a message is written here once, and goes
//! on to the metrics [`Recorder`] (counts, gauges, the time series) and, when the run is
//! watched, to the observer. No other file of the model calls the recorder or the observer.
//!
//! The calls, per message: [`arrived`](Journal::arrived),
//! [`waiting_for_connection`](Journal::waiting_for_connection) /
//! [`left_connection_queue`](Journal::left_connection_queue),
//! [`attempt_started`](Journal::attempt_started) / [`attempt_ended`](Journal::attempt_ended),
//! [`temporary_failure`](Journal::temporary_failure), [`deferred`](Journal::deferred) or
//! [`held`](Journal::held) then [`retry_due`](Journal::retry_due),
//! [`delay_notice`](Journal::delay_notice), and one end: [`delivered`](Journal::delivered),
//! [`bounced`](Journal::bounced) or [`expired`](Journal::expired). For the run: the clock
//! ([`advance_to`](Journal::advance_to), [`finish`](Journal::finish)),
//! [`queue_alert`](Journal::queue_alert), [`invariant_broken`](Journal::invariant_broken) and
//! the results ([`into_output`](Journal::into_output)).

use std::collections::BTreeMap;

use crate::domain::Reply;
use crate::engine::SimTime;
use crate::metrics::{Meta, Recorder};
use crate::model::observe::{Happening, Tap};
use crate::model::run::{PolicyHolds, RunOutput};
use crate::retry::HoldReason;
use crate::scenario::Scenario;

use super::Message;

/// The metrics recorder and the observer, fed together.
pub(super) struct Journal<'a> {
    recorder: Recorder,
    /// The instant the recorder was last advanced to (it starts at zero).
    clock: SimTime,
    /// The observer, if any; checked at each step of a message's journey.
    tap: Option<Tap<'a>>,
    /// Times a policy kept a message from an attempt, by (sender, rule).
    holds: BTreeMap<(usize, HoldReason), u64>,
}

impl<'a> Journal<'a> {
    /// A journal for a run of `scenario` from `ips` sending IPs in all.
    pub fn new(scenario: &Scenario, ips: usize, tap: Option<Tap<'a>>) -> Journal<'a> {
        let mut recorder = Recorder::with_warmup(
            scenario.run.sample_every,
            SimTime(scenario.run.warmup.as_millis()),
        );
        recorder.track_deliverability(scenario.receivers.len(), ips);
        recorder.track_deadlines(&scenario.run.deadlines);
        Journal {
            recorder,
            clock: SimTime::ZERO,
            tap,
            holds: BTreeMap::new(),
        }
    }

    /// Tells the observer, if there is one, that `what` happened to the message in `slot`.
    #[inline]
    fn observe(&mut self, now: SimTime, slot: u32, message: &Message, what: Happening) {
        if let Some(tap) = &mut self.tap {
            let destination = message.destination;
            tap.emit(
                now,
                slot,
                destination.sender(),
                destination.receiver(),
                what,
            );
        }
    }

    /// Time moves on to `time` (before an event at `time` is handled). Several events at one
    /// instant advance the recorder once: again to the same instant would change nothing.
    #[inline]
    pub fn advance_to(&mut self, time: SimTime) {
        if time != self.clock {
            self.clock = time;
            self.recorder.advance_to(time);
        }
    }

    /// The run ends at `end`.
    pub fn finish(&mut self, end: SimTime) {
        self.recorder.finish(end);
    }

    /// Messages in the sender's queues, in any state.
    pub fn queued(&self) -> u64 {
        self.recorder.current().queued()
    }

    /// A consistency check of the world failed (a bug, reported at the end of the run).
    pub fn invariant_broken(&mut self, message: String) {
        self.recorder.invariant_broken(message);
    }

    /// The first broken invariant, if any.
    pub fn broken_invariant(&self) -> Option<&str> {
        self.recorder.broken_invariant()
    }

    /// What the run measured; `scenario` names the rules behind the holds.
    pub fn into_output(
        mut self,
        scenario: &Scenario,
        meta: Meta,
        end: SimTime,
        events: u64,
    ) -> RunOutput {
        let holds = self
            .holds
            .iter()
            .map(|(&(sender, reason), &count)| {
                let spec = &scenario.senders[sender];
                PolicyHolds {
                    sender: spec.name.clone(),
                    rule: spec.retry.explain(reason),
                    count,
                }
            })
            .collect();
        RunOutput {
            summary: self.recorder.summarize(meta, end, events),
            samples: self.recorder.take_time_series(),
            latency: self.recorder.latency_distribution(),
            deliverability: self.recorder.take_deliverability(),
            holds,
        }
    }

    /// A message arrived at its sender.
    #[inline]
    pub fn arrived(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder.arrived();
        self.observe(now, slot, message, Happening::Arrived);
    }

    /// Every connection to the message's destination is busy: it waits for one.
    #[inline]
    pub fn waiting_for_connection(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder.wait_connection();
        self.observe(now, slot, message, Happening::WaitingForConnection);
    }

    /// A message left the line for a connection (to an attempt, or to the policy's answer).
    #[inline]
    pub fn left_connection_queue(&mut self) {
        self.recorder.leave_connection_queue();
    }

    /// An attempt of the message started from `ip`; `reused` when the connection was open.
    #[inline]
    pub fn attempt_started(
        &mut self,
        now: SimTime,
        slot: u32,
        message: &Message,
        ip: usize,
        reused: bool,
    ) {
        self.recorder.attempt_started();
        let what = Happening::AttemptStarted {
            attempt: message.attempts,
            ip,
            reused,
        };
        self.observe(now, slot, message, what);
    }

    /// An attempt of the message from `ip` ended with `reply`.
    #[inline]
    pub fn attempt_ended(
        &mut self,
        now: SimTime,
        slot: u32,
        message: &Message,
        ip: usize,
        reply: Reply,
    ) {
        self.recorder.attempt_ended();
        let what = Happening::AttemptEnded {
            attempt: message.attempts,
            ip,
            reply,
        };
        self.observe(now, slot, message, what);
        let receiver = message.destination.receiver();
        self.recorder.attempt_outcome(receiver, ip, reply.class());
    }

    /// A temporary failure with `reply`, whatever the policy then decides.
    #[inline]
    pub fn temporary_failure(&mut self, reply: Reply) {
        self.recorder.deferred(reply);
    }

    /// The policy will retry the message (`deferral` is a [`Happening::Deferred`]: the reply,
    /// the retry instant and, for a deferral without an attempt, the rule behind it).
    #[inline]
    pub fn deferred(&mut self, now: SimTime, slot: u32, message: &Message, deferral: Happening) {
        if let Happening::Deferred {
            without_attempt: Some(reason),
            ..
        } = deferral
        {
            self.count_hold(message, reason);
        }
        self.observe(now, slot, message, deferral);
        self.recorder.wait_retry();
    }

    /// The policy holds the message, without an attempt, until `until`, because of `reason`.
    #[inline]
    pub fn held(
        &mut self,
        now: SimTime,
        slot: u32,
        message: &Message,
        until: SimTime,
        reason: HoldReason,
    ) {
        self.count_hold(message, reason);
        self.observe(now, slot, message, Happening::Held { until, reason });
        self.recorder.wait_retry();
    }

    fn count_hold(&mut self, message: &Message, reason: HoldReason) {
        let sender = message.destination.sender();
        *self.holds.entry((sender, reason)).or_default() += 1;
    }

    /// A deferred or held message's time has come.
    #[inline]
    pub fn retry_due(&mut self, now: SimTime) {
        self.recorder.retry_due(now);
    }

    /// A delay notice went to the message's author.
    #[inline]
    pub fn delay_notice(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder.delay_warning();
        self.observe(now, slot, message, Happening::DelayNotice);
    }

    /// Delivered.
    #[inline]
    pub fn delivered(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder
            .delivered(now, message.arrival, message.attempts);
        self.observe(now, slot, message, Happening::Delivered);
    }

    /// Bounced by a permanent failure.
    #[inline]
    pub fn bounced(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder
            .bounced(now, message.arrival, message.attempts);
        self.observe(now, slot, message, Happening::Bounced);
    }

    /// The policy gave up on the message.
    #[inline]
    pub fn expired(&mut self, now: SimTime, slot: u32, message: &Message) {
        self.recorder
            .expired(now, message.arrival, message.attempts);
        self.observe(now, slot, message, Happening::Expired);
    }

    /// A sender's queue alert was raised (or repeated).
    #[inline]
    pub fn queue_alert(&mut self) {
        self.recorder.queue_alert();
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{Watcher, scenario};
    use super::super::{DestinationId, Message};
    use super::*;
    use crate::model::Step;

    fn message() -> Message {
        Message {
            arrival: SimTime(100),
            destination: DestinationId::new(0, 1),
            attempts: 1,
            recipient_exists: true,
            warnings: 0,
            reserved: false,
        }
    }

    #[test]
    fn each_step_reaches_both_the_recorder_and_the_observer() {
        let scenario = scenario(
            r#"traffic: [Campaign(messages: 1, at: "0s")], recipients: (mix: {"a": 0.5, "b": 0.5}),
               retry: Fixed(interval: "1m")"#,
            r#""a": (), "b": ()"#,
        );
        let mut watcher = Watcher::default();
        let mut journal = Journal::new(&scenario, 1, Some(Tap::new(&mut watcher)));
        let msg = message();
        journal.arrived(SimTime(100), 7, &msg);
        journal.attempt_started(SimTime(100), 7, &msg, 0, false);
        assert_eq!(journal.queued(), 1, "in flight");
        journal.attempt_ended(SimTime(1100), 7, &msg, 0, Reply::Accepted);
        journal.delivered(SimTime(1100), 7, &msg);
        assert_eq!(journal.queued(), 0);
        drop(journal);
        let steps: Vec<Step> = watcher.steps;
        assert_eq!(steps.len(), 4);
        assert!(steps.iter().all(|s| s.message == 1));
        assert!(steps.iter().all(|s| (s.sender, s.receiver) == (0, 1)));
        assert_eq!(steps[3].what, Happening::Delivered);
        assert_eq!(steps[3].time, SimTime(1100));
    }

    #[test]
    fn a_held_message_counts_as_waiting_for_its_retry() {
        let scenario = scenario(
            r#"traffic: [Campaign(messages: 1, at: "0s")], recipients: (mix: {"a": 1.0}),
               retry: Fixed(interval: "1m")"#,
            r#""a": ()"#,
        );
        let mut journal = Journal::new(&scenario, 1, None);
        let msg = message();
        journal.arrived(SimTime(0), 0, &msg);
        journal.held(
            SimTime(0),
            0,
            &msg,
            SimTime(60_000),
            HoldReason::Other("test"),
        );
        assert_eq!(journal.recorder.current().waiting_retry, 1);
        journal.retry_due(SimTime(60_000));
        assert_eq!(journal.recorder.current().waiting_retry, 0);
        assert!(journal.broken_invariant().is_none());
    }
}
