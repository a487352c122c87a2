//! The contract between a retry policy and the sender that runs it: the [`RetryPolicy`] trait
//! and the values it sees and answers with ([`Failure`] and [`Decision`] after a failed attempt,
//! [`Pending`] and [`Admission`] before one, [`MessageRetryState`] per message), plus the
//! delay-notice rule ([`notice_due`]) every sender applies. Which policies exist, their parameters
//! and how a scenario names them live in the registry (`registry.rs`), not here.

use crate::domain::Reply;
use crate::engine::{RandomStream, SimDuration, SimTime};

/// What the policy is told about a failed attempt.
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    /// When the attempt ended.
    pub now: SimTime,
    /// When the message arrived at the sender.
    pub arrival: SimTime,
    /// Attempts made so far, including this one (1 after the first failure).
    pub attempts: u32,
    /// The reply (its scope says whether the site, the message or the recipient failed).
    pub reply: Reply,
    /// Index of the destination (receiver) within the sender.
    pub destination: usize,
}

impl Failure {
    /// The message's age when the attempt ended.
    pub fn age(&self) -> SimDuration {
        self.now - self.arrival
    }
}

/// The policy's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again at this instant (an instant not after `now` means as soon as possible).
    RetryAt(SimTime),
    /// Stop trying: the message expires (bounces as undeliverable).
    GiveUp,
}

/// Per-message state a policy may keep (e.g. the previous sleep for decorrelated jitter, or
/// Exim's last and next retry times for a per-message retry key). Starts at zero for every
/// message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageRetryState(pub u64, pub u64);

/// What the policy is told before an attempt starts.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    /// The instant the attempt would start.
    pub now: SimTime,
    /// When the message arrived at the sender.
    pub arrival: SimTime,
    /// Attempts made so far (0 before the first).
    pub attempts: u32,
    /// Index of the destination (receiver) within the sender.
    pub destination: usize,
}

impl Pending {
    /// The message's age.
    pub fn age(&self) -> SimDuration {
        self.now - self.arrival
    }
}

/// The policy's answer before an attempt. Every answer that keeps the message from an attempt
/// says which of the policy's rules decided it ([`HoldReason`]), so a trace and the report can
/// name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Make the attempt now.
    Proceed,
    /// Do not connect: defer the message as if the attempt had failed with this reply (the
    /// policy's [`RetryPolicy::on_failure`] then decides when to retry). Postfix does this for a
    /// dead destination, Sendmail for a host in its host-status cache.
    Defer(Reply, HoldReason),
    /// Do not connect and do not count a failure: ask again at this instant (a suspended
    /// destination, an Exim host whose retry time has not come).
    Hold(SimTime, HoldReason),
    /// The message has been given this start slot (a lowered message rate): it starts at that
    /// instant without being asked again.
    Reserved(SimTime, HoldReason),
    /// Do not connect: the message expires now (Exim `delay_after_cutoff`).
    Expire,
}

/// Which rule of a policy kept a message from an attempt: a hold, a deferral without a
/// connection, or a later start slot. [`crate::retry::RetrySpec::explain`] puts it in words
/// with the policy's own parameters (an adaptive rule's pattern, trigger and action).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum HoldReason {
    /// Postfix: the destination is dead (a failed pseudo-cohort of site failures); its mail is
    /// deferred without a connection until the destination is revived.
    DeadDestination,
    /// Postfix: a deferred message waits in the deferred queue for the queue manager's next
    /// scan to move it to the active queue.
    QueueScan,
    /// Postfix: every smtp delivery agent process is busy or still starting; the message waits
    /// for one.
    DeliveryAgent,
    /// Exim: the host's retry time has not come (its retry record after a site failure).
    HostRetryTime,
    /// Exim: the message's own retry time has not come (its retry record for the address, or
    /// for the host and message); only a queue run visits it before then.
    MessageRetryTime,
    /// Sendmail: the host status cache still holds the host's recent failure.
    HostStatus,
    /// Exchange Server: the next hop's queue waits for its next retry.
    QueueRetry,
    /// An adaptive rule (its index in the policy's rule list) suspended the destination.
    Suspended {
        /// The rule's index.
        rule: u16,
    },
    /// An adaptive rule lowered the destination's message rate: the message waits for a start
    /// slot.
    RateLimited {
        /// The rule's index.
        rule: u16,
    },
    /// PowerMTA's backoff mode (entered on a backoff reply): the lowered message rate.
    Backoff,
    /// A library user's policy, in its own words.
    Other(&'static str),
}

/// A periodic queue runner (Exim's `-q<interval>`): instead of each deferred message coming
/// back at its own retry time, a run visits every message waiting in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueRunner {
    /// When the first run starts.
    pub first: SimTime,
    /// From one run's start to the next.
    pub interval: SimDuration,
    /// How long a run waits after a message expires before it takes the next (the bounce is
    /// written meanwhile).
    pub bounce_time: SimDuration,
}

/// A retry policy. One instance serves one sender for a whole run, so it may keep
/// per-destination state between calls.
pub trait RetryPolicy: Send {
    /// Decides what happens after a temporary failure.
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision;

    /// Told when an attempt to `destination` was accepted. Default: nothing.
    fn on_delivery(&mut self, _destination: usize, _now: SimTime) {}

    /// Asked before every attempt (first attempts and retries). Default: proceed.
    fn admit(&mut self, _pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        Admission::Proceed
    }

    /// Told when any attempt to `destination` ends, before [`RetryPolicy::on_failure`] or
    /// [`RetryPolicy::on_delivery`]; `others_busy` is the number of other attempts still in
    /// progress to that destination. Default: nothing.
    fn on_attempt_end(
        &mut self,
        _destination: usize,
        _reply: Reply,
        _now: SimTime,
        _others_busy: u32,
    ) {
    }

    /// Told when `destination` has no attempt in progress and no message waiting for a
    /// connection (Postfix then discards its in-core queue and the concurrency state with it).
    /// Default: nothing.
    fn on_destination_idle(&mut self, _destination: usize, _now: SimTime) {}

    /// An extra limit on parallel connections to `destination` (Postfix's concurrency window,
    /// a throttled destination's limit). The sender's own limit still applies. Default: none.
    fn connection_limit(&self, _destination: usize, _now: SimTime) -> Option<u32> {
        None
    }

    /// The policy's queue runner, if it has one. The sender then keeps every deferred or held
    /// message until a run, and each run takes the messages waiting when it starts, in random
    /// order, one at a time: it asks [`RetryPolicy::admit`] (a hold is a skip, "retry time not
    /// reached") and waits for an admitted message's attempt to end before the next. The
    /// instants the policy answers with are then what `mailsim schedule` shows; in a
    /// simulation the runs decide. Default: none.
    fn queue_runner(&self) -> Option<QueueRunner> {
        None
    }

    /// Whether this policy uses [`RetryPolicy::admit`], [`RetryPolicy::on_attempt_end`] or
    /// [`RetryPolicy::connection_limit`]; the world skips the calls when it does not.
    fn uses_destination_hooks(&self) -> bool {
        false
    }
}

/// Whether a delay notice is due for a message of age `age` that has had `sent` notices: the
/// first at `first`; with `repeats`, another each further `first` (at 2 × first, 3 × first, …).
/// Checked when an attempt fails, so at most one notice per failure.
pub fn notice_due(first: SimDuration, repeats: bool, sent: u32, age: SimDuration) -> bool {
    match sent {
        0 => age >= first,
        _ if repeats => age.as_millis() >= first.as_millis().saturating_mul(u64::from(sent) + 1),
        _ => false,
    }
}

/// The give-up rule shared by the simple policies: a message expires at the first failed attempt
/// whose age is at or past `lifetime`.
pub(crate) fn past_lifetime(failure: &Failure, lifetime: SimDuration) -> bool {
    failure.age() >= lifetime
}
