//! The sender's side of a message: its retry policy (built here, once per sender), asked
//! before an attempt through [`admission::admit`] and after a temporary failure; the delay
//! notice to the author when the message has waited long enough; and the queue alert when too
//! many messages wait for a retry. Connection slots are in `connections`.

use crate::domain::Reply;
use crate::engine::{RandomStream, SimDuration, SimTime};
use crate::model::Happening;
use crate::retry::admission::{self, Verdict};
use crate::retry::{
    Decision, Failure, HoldReason, MessageRetryState, Pending, RetryPolicy, notice_due,
};
use crate::scenario::{QueueAlert, Sender};

use super::attempt::TransactionTime;
use super::runner::Runner;
use super::{Event, World};

/// A sender's running state: its policy, its IPs' rotation, its retry queue's length and its
/// random streams.
pub(super) struct SenderState {
    pub policy: Box<dyn RetryPolicy>,
    /// Whether the policy uses the destination hooks (admission, feedback, limits).
    pub hooks: bool,
    /// Global index of this sender's first IP.
    pub first_ip: usize,
    /// The next of its IPs to open a connection from (round robin).
    pub next_ip: usize,
    /// Messages waiting for a retry (deferred or held).
    pub waiting_retry: u64,
    /// The queue runner, if the policy has one: deferred and held messages wait for its runs.
    pub runner: Option<Runner>,
    alert_active: bool,
    pub recipients_rng: RandomStream,
    /// The sender's transaction-time distribution, ready to draw from `service_rng`.
    pub transaction_time: TransactionTime,
    pub service_rng: RandomStream,
    retry_rng: RandomStream,
}

impl SenderState {
    /// `spec`'s state at time zero; its IPs are numbered from `first_ip`, its random streams
    /// come from `stream` by purpose.
    pub fn new(
        spec: &Sender,
        first_ip: usize,
        stream: impl Fn(String) -> RandomStream,
    ) -> SenderState {
        let policy = spec.retry.build();
        let runner = policy
            .queue_runner()
            .map(|runner| Runner::new(runner, stream(format!("queue-runner/{}", spec.name))));
        SenderState {
            hooks: policy.uses_destination_hooks(),
            policy,
            first_ip,
            next_ip: 0,
            waiting_retry: 0,
            runner,
            alert_active: false,
            recipients_rng: stream(format!("recipients/{}", spec.name)),
            transaction_time: TransactionTime::new(&spec.connections.transaction_time),
            service_rng: stream(format!("service/{}", spec.name)),
            retry_rng: stream(format!("retry/{}", spec.name)),
        }
    }
}

/// The retry policies' per-message state ([`MessageRetryState`]), by message slot, beside the
/// message slab rather than in it. A slot holds a state only from the first time a policy
/// changes it from the default; with a policy that keeps none (most of them) the table stays
/// empty and costs nothing.
#[derive(Debug, Default)]
pub(super) struct RetryStates(Vec<MessageRetryState>);

impl RetryStates {
    /// The state of the message in `slot`.
    #[inline]
    pub fn get(&self, slot: u32) -> MessageRetryState {
        self.0.get(slot as usize).copied().unwrap_or_default()
    }

    /// Sets the state of the message in `slot`.
    #[inline]
    pub fn set(&mut self, slot: u32, state: MessageRetryState) {
        let slot = slot as usize;
        if let Some(kept) = self.0.get_mut(slot) {
            *kept = state;
        } else if state != MessageRetryState::default() {
            self.0.resize(slot + 1, MessageRetryState::default());
            self.0[slot] = state;
        }
    }

    /// A new message takes `slot`: it starts from the default state.
    #[inline]
    pub fn reset(&mut self, slot: u32) {
        if let Some(kept) = self.0.get_mut(slot as usize) {
            *kept = MessageRetryState::default();
        }
    }
}

impl World<'_> {
    /// Asks the policy whether `message` may start an attempt now and carries out any other
    /// answer. Returns whether to proceed.
    #[inline]
    pub(super) fn admit(&mut self, message: u32, sender: usize) -> bool {
        !self.senders[sender].hooks || self.admit_by_policy(message, sender)
    }

    /// [`World::admit`] for a policy with destination hooks, out of line: most policies have
    /// none, and their attempts should not pay for this call's set-up.
    #[inline(never)]
    fn admit_by_policy(&mut self, message: u32, sender: usize) -> bool {
        let msg = &mut self.messages[message as usize];
        let receiver = msg.destination.receiver();
        let pending = Pending {
            now: self.now,
            arrival: msg.arrival,
            attempts: msg.attempts,
            destination: receiver,
        };
        let policy = self.senders[sender].policy.as_mut();
        let mut retry_state = self.retry_states.get(message);
        let verdict = admission::admit(policy, &pending, &mut retry_state, &mut msg.reserved);
        self.retry_states.set(message, retry_state);
        match verdict {
            Verdict::Proceed => return true,
            Verdict::Defer(reply, why) => {
                self.deferred(message, sender, receiver, reply, Some(why));
            }
            Verdict::WaitUntil(at, why) => self.wait_until(message, sender, at, why),
            Verdict::Expire => {
                self.journal.expired(self.now, message, msg);
                self.release(message);
            }
        }
        false
    }

    /// Puts `message` in the retry queue until `at`, without a failure, because of `why`.
    fn wait_until(&mut self, message: u32, sender: usize, at: SimTime, why: HoldReason) {
        self.journal
            .held(self.now, message, &self.messages[message as usize], at, why);
        self.wait_for_retry(message, sender, at);
    }

    /// `message` waits in the retry queue: until `at`, or for the sender's next queue run.
    #[inline(always)]
    fn wait_for_retry(&mut self, message: u32, sender: usize, at: SimTime) {
        let state = &mut self.senders[sender];
        state.waiting_retry += 1;
        match state.runner.as_mut() {
            Some(runner) => runner.spool(message),
            None => self.schedule(at, Event::RetryDue { message }),
        }
    }

    /// A deferred or held message's time has come: it asks for a connection again.
    #[inline(always)]
    pub(super) fn retry_due(&mut self, message: u32) {
        let sender = self.messages[message as usize].destination.sender();
        let state = &mut self.senders[sender];
        state.waiting_retry = state.waiting_retry.saturating_sub(1);
        self.journal.retry_due(self.now);
        self.request_connection(message);
    }

    /// `message` failed temporarily with `reply` (after an attempt, or without one because of
    /// `without_attempt`): the policy retries it later or gives up. Returns whether it gave up
    /// (the message expired).
    #[inline(always)]
    pub(super) fn deferred(
        &mut self,
        message: u32,
        sender: usize,
        receiver: usize,
        reply: Reply,
        without_attempt: Option<HoldReason>,
    ) -> bool {
        self.journal.temporary_failure(reply);
        let msg = &mut self.messages[message as usize];
        let failure = Failure {
            now: self.now,
            arrival: msg.arrival,
            attempts: msg.attempts,
            reply,
            destination: receiver,
        };
        let state = &mut self.senders[sender];
        let mut retry_state = self.retry_states.get(message);
        let decision = state
            .policy
            .on_failure(&failure, &mut retry_state, &mut state.retry_rng);
        self.retry_states.set(message, retry_state);
        match decision {
            Decision::GiveUp => {
                self.journal.expired(self.now, message, msg);
                self.release(message);
                return true;
            }
            Decision::RetryAt(at) => {
                let retry_at = at.max(self.now);
                let deferral = Happening::Deferred {
                    reply,
                    retry_at,
                    without_attempt,
                };
                self.journal.deferred(self.now, message, msg, deferral);
                self.maybe_send_notice(message, sender, failure.age());
                self.wait_for_retry(message, sender, retry_at);
                if let Some(alert) = self.scenario.senders[sender].queue_alert {
                    self.maybe_raise_alert(sender, alert);
                }
            }
        }
        false
    }

    /// Sends a delay notice for `message` if its `age` at a failure calls for one (the sender's
    /// `delay_warning`, repeated at its multiples when the policy's default repeats).
    #[inline]
    fn maybe_send_notice(&mut self, message: u32, sender: usize, age: SimDuration) {
        let spec = &self.scenario.senders[sender];
        let Some(first) = spec.delay_warning else {
            return;
        };
        let msg = &mut self.messages[message as usize];
        let warnings = u32::from(msg.warnings);
        if notice_due(first, spec.delay_warning_repeats, warnings, age) {
            msg.warnings = msg.warnings.saturating_add(1);
            self.journal.delay_notice(self.now, message, msg);
        }
    }

    /// Raises `sender`'s queue alert if more messages wait for a retry than it allows and it is
    /// not already raised; it then repeats every `alert.every` while they still do.
    fn maybe_raise_alert(&mut self, sender: usize, alert: QueueAlert) {
        let state = &mut self.senders[sender];
        if !state.alert_active && state.waiting_retry > alert.threshold {
            state.alert_active = true;
            self.journal.queue_alert();
            self.schedule(
                self.now + alert.every,
                Event::QueueAlertCheck {
                    sender: sender as u16,
                },
            );
        }
    }

    /// The alert's repeat is due: raise it again if the queue is still too long, else clear it.
    pub(super) fn queue_alert_check(&mut self, sender: usize) {
        let Some(alert) = self.scenario.senders[sender].queue_alert else {
            return;
        };
        if self.senders[sender].waiting_retry > alert.threshold {
            self.journal.queue_alert();
            self.schedule(
                self.now + alert.every,
                Event::QueueAlertCheck {
                    sender: sender as u16,
                },
            );
        } else {
            self.senders[sender].alert_active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{scenario, steps_of};
    use super::*;
    use crate::scenario::Scenario;

    /// Messages at time zero to a receiver that refuses connections for the first `refusal`.
    fn refused_until(messages: u32, refusal: &str, extra: &str) -> Scenario {
        scenario(
            &format!(
                r#"traffic: [Campaign(messages: {messages}, at: "0s")], recipients: (mix: {{"r": 1.0}}),
                   {extra}"#
            ),
            &format!(r#""r": (outages: [(start: "0s", end: "{refusal}", kind: Refused)])"#),
        )
    }

    #[test]
    fn retry_states_stay_empty_until_a_policy_keeps_one() {
        let mut states = RetryStates::default();
        states.set(5, MessageRetryState::default());
        states.reset(5);
        assert!(states.0.is_empty(), "a default state takes no room");
        assert_eq!(states.get(5), MessageRetryState::default());
        states.set(3, MessageRetryState(7, 9));
        assert_eq!(states.get(3), MessageRetryState(7, 9));
        assert_eq!(states.get(2), MessageRetryState::default());
        assert_eq!(states.get(4), MessageRetryState::default());
        // A new message in slot 3 starts again from the default.
        states.reset(3);
        assert_eq!(states.get(3), MessageRetryState::default());
    }

    #[test]
    fn a_queue_alert_repeats_while_the_queue_stays_long_and_then_clears() {
        // Five messages wait for a retry from time zero until the refusal ends at 1 h: the
        // alert is raised at 0 and repeats at 30 min and 1 h (its check runs before the retries
        // due then); by 1 h 30 min the queue is empty and it stops.
        let scenario = refused_until(
            5,
            "1h",
            r#"queue_alert: (threshold: 2, every: "30m"), retry: Fixed(interval: "10m")"#,
        );
        let output = World::new(&scenario, 0, None)
            .run(Default::default())
            .expect("runs");
        assert_eq!(output.summary.queue_alerts, 3);
        assert_eq!(output.summary.delivered, 5);
        // At or under the threshold, no alert.
        let scenario = refused_until(
            2,
            "1h",
            r#"queue_alert: (threshold: 2, every: "30m"), retry: Fixed(interval: "10m")"#,
        );
        let output = World::new(&scenario, 0, None)
            .run(Default::default())
            .expect("runs");
        assert_eq!(output.summary.queue_alerts, 0);
    }

    /// The instants (in minutes) of the delay notices for one message refused for 3 h and
    /// retried every 25 min, with a notice due at 1 h.
    fn notices(repeats: bool) -> Vec<u64> {
        let mut scenario = refused_until(
            1,
            "3h",
            r#"delay_warning: "1h", retry: Fixed(interval: "25m")"#,
        );
        scenario.senders[0].delay_warning_repeats = repeats;
        let steps = steps_of(&scenario);
        steps
            .iter()
            .filter(|step| step.what == Happening::DelayNotice)
            .map(|step| step.time.as_millis() / 60_000)
            .collect()
    }

    #[test]
    fn a_delay_notice_goes_out_at_the_first_failure_past_its_age() {
        // Failures at 0, 25, 50, 75, … min: the first at or past 1 h is at 75 min.
        assert_eq!(notices(false), [75]);
        // Repeating: again at the first failure past 2 h (125 min); 3 h is never reached
        // by a failure, the refusal ends then.
        assert_eq!(notices(true), [75, 125]);
    }

    #[test]
    fn a_notice_follows_its_deferral() {
        let scenario = refused_until(
            1,
            "2h",
            r#"delay_warning: "1h", retry: Fixed(interval: "30m")"#,
        );
        let steps = steps_of(&scenario);
        let at = steps
            .iter()
            .position(|step| step.what == Happening::DelayNotice)
            .expect("a notice");
        assert!(matches!(steps[at - 1].what, Happening::Deferred { .. }));
        assert_eq!(steps[at].time.as_millis(), 3_600_000);
    }
}
