//! Postfix's queue manager (`qmgr`), as its source does it (reference sheet §1).
//!
//! **Per message** (`qmgr_active.c`): after a pass in which the message was deferred, it expires
//! if its age is at or past `maximal_queue_lifetime`; otherwise its queue file's mtime is set to
//! `now + clamp(age, minimal_backoff_time, maximal_backoff_time)` — the message's *age*, not a
//! doubling delay. All of this is whole-second arithmetic, as with `time_t`.
//!
//! **The deferred-queue scan** (`qmgr.c`, `util/events.c`; `postfix/scan.rs`) is a timer armed
//! when `qmgr` starts (t = 0) and re-armed `queue_run_delay` after each scan from the second it
//! ran in; the event loop sleeps whole seconds, so a scan runs at its due second plus the
//! sub-second part of the queue manager's last wake-up (new mail, a delivery agent's report) or
//! at the first wake-up after it. A file is picked up when `mtime <= now + 1`, so retries land
//! on the scans, a second early at most, and every file due since the last scan goes together.
//!
//! **Per destination** (`qmgr_queue.c`, `qmgr_feedback.c`, `qmgr_entry.c`): a concurrency
//! window that starts at `initial_destination_concurrency`, grows by positive feedback on every
//! delivery without a site failure, shrinks by negative feedback on every site failure
//! (connection refused or timed out, `421` greeting), and after `failed_cohort_limit` failed
//! pseudo-cohorts makes the destination *dead*: every message queued for it is deferred at once,
//! newly due messages are deferred without a connection (with the saved reason), and the
//! destination is revived by a whole-second timer `minimal_backoff_time` later (in the second a
//! scan is due, the scan finds it alive). A destination with nothing queued and nothing in
//! progress is forgotten unless dead, so the next message starts a fresh window: mail that
//! trickles in one message at a time never kills a destination. Message- and recipient-level
//! 4xx replies (Microsoft's `4.7.650` at MAIL FROM, `4.7.500` at RCPT TO) never shrink the
//! window.
//!
//! **Delivery agents** (`postfix/agents.rs`; `qmgr_transport.c`, `master_avail.c`): every
//! delivery needs an `smtp` process; `master` starts them on demand, at most two requests are
//! pending per transport, and one idle for `max_idle` exits. With
//! `delivery_agent_start_time` above zero (the machine's time to start one; default `0s`:
//! processes left out) a wave after a quiet spell widens two processes at a time.
//!
//! Checked against recorded runs of Postfix 3.7.11 (`conformance/README.md`). Not modelled:
//! the wake-up latency of a loaded machine (it can carry a scan due at the end of one second
//! into the next, and the timer is re-armed from there), the load that bounces put on the
//! machine, a scan's own duration (it tests each file's mtime against the clock as it goes),
//! `max_use`, `bounce_queue_lifetime` (the model has no null-sender mail) and
//! `default_destination_rate_delay`.

mod agents;
mod feedback;
mod scan;

use serde::Deserialize;

use agents::AgentPool;
pub use feedback::{Feedback, FeedbackPer};
use scan::ScanTimer;

use super::{
    Admission, Decision, Failure, MessageRetryState, Pending, PolicyParams, RetryPolicy,
    SpecProblem, positive,
};
use crate::domain::{Reply, ReplyClass, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Postfix's parameters, with Postfix's names and defaults (`mail_params.h`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PostfixParams {
    /// Period of the deferred-queue scan. Default `300s`.
    pub queue_run_delay: SimDuration,
    /// Lower clamp on the backoff, and the dead-destination timer. Default `300s`.
    pub minimal_backoff_time: SimDuration,
    /// Upper clamp on the backoff. Default `4000s`.
    pub maximal_backoff_time: SimDuration,
    /// Give-up age (`0s`: try once). Default `5d`.
    pub maximal_queue_lifetime: SimDuration,
    /// Age of the one "delayed" notice; `0s` disables it. Default `0s`.
    pub delay_warning_time: SimDuration,
    /// Starting concurrency window per destination. Default `5`.
    pub initial_destination_concurrency: u32,
    /// Largest window. Default `20`.
    pub default_destination_concurrency_limit: u32,
    /// Window growth per delivery: `1`, `N/concurrency` or `N/sqrt_concurrency`. Default `1`.
    pub default_destination_concurrency_positive_feedback: Feedback,
    /// Window shrinkage per site failure, same forms. Default `1`.
    pub default_destination_concurrency_negative_feedback: Feedback,
    /// Failed pseudo-cohorts before the destination is dead (`0`: never). Default `1`.
    pub default_destination_concurrency_failed_cohort_limit: u32,
    /// An idle delivery agent process exits after this long (`max_idle`). Default `100s`.
    pub max_idle: SimDuration,
    /// Not a Postfix parameter: the machine's time for `master` to start one delivery agent
    /// process; `0s` (the default) leaves processes out (one is always free).
    pub delivery_agent_start_time: SimDuration,
}

impl Default for PostfixParams {
    fn default() -> Self {
        PostfixParams {
            queue_run_delay: SimDuration::from_secs(300),
            minimal_backoff_time: SimDuration::from_secs(300),
            maximal_backoff_time: SimDuration::from_secs(4000),
            maximal_queue_lifetime: SimDuration::from_days(5),
            delay_warning_time: SimDuration::ZERO,
            initial_destination_concurrency: 5,
            default_destination_concurrency_limit: 20,
            default_destination_concurrency_positive_feedback: Feedback::ONE,
            default_destination_concurrency_negative_feedback: Feedback::ONE,
            default_destination_concurrency_failed_cohort_limit: 1,
            max_idle: SimDuration::from_secs(100),
            delivery_agent_start_time: SimDuration::ZERO,
        }
    }
}

impl PolicyParams for PostfixParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("queue_run_delay", self.queue_run_delay, "\"300s\"")?;
        positive(
            "minimal_backoff_time",
            self.minimal_backoff_time,
            "\"300s\"",
        )?;
        if !self.queue_run_delay.as_millis().is_multiple_of(1000) {
            return SpecProblem::err(
                "queue_run_delay",
                format!("{} is not a whole number of seconds", self.queue_run_delay),
                "Postfix counts in whole seconds; use e.g. \"300s\"",
            );
        }
        if self.maximal_backoff_time < self.minimal_backoff_time {
            return SpecProblem::err(
                "maximal_backoff_time",
                format!(
                    "maximal_backoff_time ({}) is below minimal_backoff_time ({})",
                    self.maximal_backoff_time, self.minimal_backoff_time
                ),
                "make maximal_backoff_time at least minimal_backoff_time",
            );
        }
        if self.initial_destination_concurrency == 0 {
            return SpecProblem::err(
                "initial_destination_concurrency",
                "a zero window never delivers",
                "use at least 1 (Postfix's default is 5)",
            );
        }
        if self.default_destination_concurrency_limit < self.initial_destination_concurrency {
            return SpecProblem::err(
                "default_destination_concurrency_limit",
                "the limit is below initial_destination_concurrency",
                "make the limit at least the initial window (defaults 20 and 5)",
            );
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Postfix::new(*self))
    }

    fn describe(&self) -> String {
        let p = self;
        format!(
            "postfix: backoff = age clamped to [{}, {}], deferred-queue scan every {}, expire at the first failure at or past {}, delay warning {}; window {} → {} (feedback +{} / -{}), dead after {} failed cohort(s)",
            p.minimal_backoff_time,
            p.maximal_backoff_time,
            p.queue_run_delay,
            p.maximal_queue_lifetime,
            if p.delay_warning_time == SimDuration::ZERO {
                "off".to_string()
            } else {
                format!("at {}", p.delay_warning_time)
            },
            p.initial_destination_concurrency,
            p.default_destination_concurrency_limit,
            p.default_destination_concurrency_positive_feedback,
            p.default_destination_concurrency_negative_feedback,
            p.default_destination_concurrency_failed_cohort_limit
        )
    }

    /// Postfix sends the notice when `now >= arrival + delay_warning_time - 1` (whole seconds),
    /// hence one second less than the parameter.
    fn delay_warning_default(&self) -> Option<SimDuration> {
        (self.delay_warning_time > SimDuration::ZERO)
            .then(|| SimDuration(self.delay_warning_time.as_millis().saturating_sub(1000)))
    }
}

/// The Postfix policy: the parameters, the deferred-queue scan timer and each destination's
/// concurrency state.
#[derive(Clone, Debug)]
pub struct Postfix {
    params: PostfixParams,
    scan: ScanTimer,
    agents: AgentPool,
    destinations: Vec<QueueState>,
}

/// One destination queue's scheduler state (`QMGR_QUEUE`).
#[derive(Clone, Copy, Debug)]
struct QueueState {
    window: u32,
    success: f64,
    failure: f64,
    fail_cohorts: f64,
    /// While dead: when the unthrottle timer fires, and the saved reason.
    dead: Option<(SimTime, Reply)>,
}

impl Postfix {
    /// The policy with `params`, its queue manager started at time zero.
    pub fn new(params: PostfixParams) -> Postfix {
        Postfix {
            params,
            scan: ScanTimer::new(params.queue_run_delay),
            agents: AgentPool::new(params.delivery_agent_start_time, params.max_idle),
            destinations: Vec::new(),
        }
    }

    /// The destination's state, created on first use and revived if its dead timer has fired.
    fn queue(&mut self, destination: usize, now: SimTime) -> &mut QueueState {
        if destination >= self.destinations.len() {
            let fresh = self.fresh();
            self.destinations.resize(destination + 1, fresh);
        }
        let initial = self.params.initial_destination_concurrency;
        let queue = &mut self.destinations[destination];
        if let Some((until, _)) = queue.dead
            && now >= until
        {
            // The unthrottle timer: no deliveries are in progress to a dead destination.
            queue.revive(initial, 0);
        }
        queue
    }

    fn fresh(&self) -> QueueState {
        QueueState {
            window: self.params.initial_destination_concurrency,
            success: 0.0,
            failure: 0.0,
            fail_cohorts: 0.0,
            dead: None,
        }
    }

    /// Whether `destination` is dead at `now`.
    pub fn is_dead(&self, destination: usize, now: SimTime) -> bool {
        self.destinations
            .get(destination)
            .and_then(|q| q.dead)
            .is_some_and(|(until, _)| now < until)
    }

    /// The current window of `destination`.
    pub fn window(&self, destination: usize) -> u32 {
        self.destinations
            .get(destination)
            .map_or(self.params.initial_destination_concurrency, |q| q.window)
    }
}

impl QueueState {
    fn revive(&mut self, initial: u32, busy: u32) {
        self.dead = None;
        self.window = if busy > 0 { busy } else { initial };
        self.success = 0.0;
        self.failure = 0.0;
        self.fail_cohorts = 0.0;
    }
}

impl RetryPolicy for Postfix {
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        self.scan.advance(failure.now, true);
        let p = &self.params;
        let now_s = failure.now.as_millis() / 1000;
        let create_s = failure.arrival.as_millis() / 1000;
        if now_s >= create_s + p.maximal_queue_lifetime.as_millis() / 1000 {
            return Decision::GiveUp;
        }
        let delay = (now_s - create_s)
            .min(p.maximal_backoff_time.as_millis() / 1000)
            .max(p.minimal_backoff_time.as_millis() / 1000);
        // The queue file's mtime and when it went to the deferred queue, kept in the message
        // (+1, so that zero means "not deferred yet").
        let mtime = now_s + delay;
        *state = MessageRetryState(mtime + 1, failure.now.as_millis() + 1);
        Decision::RetryAt(self.scan.next_pickup(mtime, failure.now))
    }

    fn admit(&mut self, pending: &Pending, state: &mut MessageRetryState) -> Admission {
        if state.0 > 0 {
            // A deferred message: it moves to the active queue only with a scan.
            self.scan.advance(pending.now, false);
            let (mtime, deferred_at) = (state.0 - 1, SimTime(state.1 - 1));
            if !self.scan.picked_up(mtime, deferred_at) {
                return Admission::Hold(self.scan.next_pickup(mtime, pending.now));
            }
        } else {
            // New mail wakes the queue manager.
            self.scan.advance(pending.now, true);
        }
        if let Some((_, reason)) = self.queue(pending.destination, pending.now).dead {
            return Admission::Defer(reason);
        }
        match self.agents.take(pending.now) {
            Ok(()) => Admission::Proceed,
            Err(free_at) => Admission::Hold(free_at),
        }
    }

    /// `qmgr_entry_done()`: an in-core queue with nothing to do and nothing in progress is
    /// discarded unless the destination is dead, so the next message starts a fresh window.
    fn on_destination_idle(&mut self, destination: usize, now: SimTime) {
        let fresh = self.fresh();
        if let Some(queue) = self.destinations.get_mut(destination)
            && queue.dead.is_none_or(|(until, _)| now >= until)
        {
            *queue = fresh;
        }
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, others_busy: u32) {
        // A delivery agent's report wakes the queue manager; the agent waits for the next.
        self.scan.advance(now, true);
        self.agents.release(now);
        let p = self.params;
        let queue = self.queue(destination, now);
        let busy = others_busy + 1; // busy_refcount still counts the delivery being reported
        let site_failure = reply.scope() == Scope::Site && reply.class() == ReplyClass::Temporary;
        if !site_failure {
            // qmgr_queue_unthrottle
            queue.fail_cohorts = 0.0;
            if queue.dead.is_some() {
                queue.revive(p.initial_destination_concurrency, busy);
                return;
            }
            let limit = p.default_destination_concurrency_limit;
            if queue.window < limit && queue.window < busy + p.initial_destination_concurrency {
                let fb = p
                    .default_destination_concurrency_positive_feedback
                    .value(queue.window);
                queue.success += fb;
                while queue.success + fb / 2.0 >= 1.0 {
                    queue.window += 1;
                    queue.success -= 1.0;
                    queue.failure = 0.0;
                }
                queue.window = queue.window.min(limit);
            }
            return;
        }
        // qmgr_queue_throttle, only on a live queue.
        if queue.dead.is_some() {
            return;
        }
        queue.fail_cohorts += 1.0 / f64::from(queue.window.max(1));
        let limit = p.default_destination_concurrency_failed_cohort_limit;
        if limit > 0 && queue.fail_cohorts >= f64::from(limit) {
            // The unthrottle timer, whole seconds like every qmgr timer (`events.c`). When it is
            // due in the same second as a deferred-queue scan, both go off in the same pass of
            // the event loop and the scan's files are fed after it: they find the queue alive.
            let due_s = now.as_millis() / 1000 + p.minimal_backoff_time.as_millis() / 1000;
            queue.dead = Some((SimTime(due_s * 1000), reply));
            return;
        }
        let fb = p
            .default_destination_concurrency_negative_feedback
            .value(queue.window);
        queue.failure -= fb;
        while queue.failure - fb / 2.0 < 0.0 {
            queue.window = queue.window.saturating_sub(1);
            queue.success = 0.0;
            queue.failure += 1.0;
        }
        queue.window = queue.window.max(1);
    }

    fn connection_limit(&self, destination: usize, _now: SimTime) -> Option<u32> {
        Some(self.window(destination).max(1))
    }

    fn uses_destination_hooks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
