//! Postfix's queue manager (`qmgr`), as its source does it (reference sheet §1).
//!
//! **Per message** (`qmgr_active.c`): after a pass in which the message was deferred, it expires
//! if its age is at or past `maximal_queue_lifetime`; otherwise its queue file's mtime is set to
//! `now + clamp(age, minimal_backoff_time, maximal_backoff_time)` — the message's *age*, not a
//! doubling delay. The deferred queue is scanned every `queue_run_delay` (a timer started with
//! `qmgr` at t = 0) and a file is picked up when `mtime <= now + 1`, so retries land on the scan
//! grid. All of this is whole-second arithmetic, as with `time_t`.
//!
//! **Per destination** (`qmgr_queue.c`, `qmgr_feedback.c`): a concurrency window that starts at
//! `initial_destination_concurrency`, grows by positive feedback on every delivery without a
//! site failure, shrinks by negative feedback on every site failure (connection refused or timed
//! out, `421` greeting), and after `failed_cohort_limit` failed pseudo-cohorts makes the
//! destination *dead*: every message queued for it is deferred at once, newly due messages are
//! deferred without a connection (with the saved reason), and the destination is revived after
//! `minimal_backoff_time`. Message- and recipient-level 4xx replies (Microsoft's `4.7.650` at
//! MAIL FROM, `4.7.500` at RCPT TO) never shrink the window.
//!
//! Not modelled: `bounce_queue_lifetime` (the model has no null-sender mail) and
//! `default_destination_rate_delay`.

mod feedback;

use serde::Deserialize;

pub use feedback::{Feedback, FeedbackPer};

use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    RetryPolicy, SpecProblem, positive,
};
use crate::domain::{Reply, ReplyClass, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Postfix's parameters, with Postfix's names and defaults (`mail_params.h`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, serde::Serialize)]
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
        Box::new(Postfix {
            params: *self,
            destinations: Vec::new(),
        })
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

/// The Postfix policy: the parameters and each destination's concurrency state.
#[derive(Clone, Debug)]
pub struct Postfix {
    params: PostfixParams,
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
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        let p = &self.params;
        let now_s = failure.now.as_millis() / 1000;
        let create_s = failure.arrival.as_millis() / 1000;
        if now_s >= create_s + p.maximal_queue_lifetime.as_millis() / 1000 {
            return Decision::GiveUp;
        }
        let delay = (now_s - create_s)
            .min(p.maximal_backoff_time.as_millis() / 1000)
            .max(p.minimal_backoff_time.as_millis() / 1000);
        let mtime = now_s + delay;
        // The first scan (on the grid from t = 0) after now that picks the file up
        // (mtime <= scan + 1).
        let period = p.queue_run_delay.as_millis() / 1000;
        let mut scan = mtime.saturating_sub(1).div_ceil(period) * period;
        while scan * 1000 <= failure.now.as_millis() {
            scan += period;
        }
        Decision::RetryAt(SimTime(scan * 1000))
    }

    fn admit(&mut self, pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        match self.queue(pending.destination, pending.now).dead {
            Some((_, reason)) => Admission::Defer(reason, HoldReason::DeadDestination),
            None => Admission::Proceed,
        }
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, others_busy: u32) {
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
            queue.dead = Some((now + p.minimal_backoff_time, reply));
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
mod tests {
    use super::*;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::{Event, compute};

    fn spec(params: PostfixParams) -> RetrySpec {
        RetrySpec::Postfix(params)
    }

    #[test]
    fn defaults_back_off_by_age_on_the_300s_scan_grid() {
        let rows = compute(&spec(PostfixParams::default()), Reply::ServerBusy, 1);
        let gaps = rows.gaps();
        // Age 0 → 300 (mtime 300, scan 300); age 300 → 300; 600 → 600; 1200 → 1200;
        // 2400 → 2400 (attempt at 4800); then min(age, 4000) = 4000: mtime 8800, first scan
        // with mtime <= scan + 1 is 9000, so the settled gap is 4200.
        assert_eq!(
            &gaps[..7],
            &[300.0, 300.0, 600.0, 1200.0, 2400.0, 4200.0, 4200.0]
        );
        assert!(gaps[5..].iter().all(|&gap| gap == 4200.0));
        // Attempts at 9000 + 4200k; the first at or past 5 d = 432 000 s is k = 101:
        // 433 200 s. 6 attempts up to 4800, then 102 from 9000: 108.
        assert_eq!(rows.expired_at(), Some(433_200.0));
        assert_eq!(rows.attempt_offsets().len(), 108);
        assert_eq!(rows.rows_of(Event::DelayWarning).count(), 0);
    }

    #[test]
    fn the_plus_one_second_pickup_and_the_delay_warning() {
        // A 299 s backoff on a 300 s grid: mtime 299 is picked up by the scan at 300
        // (299 <= 300 + 1); with 301 s, mtime 301 <= 300 + 1 too.
        let params = |min| PostfixParams {
            minimal_backoff_time: SimDuration::from_secs(min),
            maximal_backoff_time: SimDuration::from_secs(4000),
            delay_warning_time: SimDuration::from_hours(4),
            ..PostfixParams::default()
        };
        assert_eq!(
            compute(&spec(params(299)), Reply::ServerBusy, 1).gaps()[0],
            300.0
        );
        assert_eq!(
            compute(&spec(params(301)), Reply::ServerBusy, 1).gaps()[0],
            300.0
        );
        assert_eq!(
            compute(&spec(params(302)), Reply::ServerBusy, 1).gaps()[0],
            600.0
        );
        // The first failure at or past 4 h - 1 s: attempts 0, 300, 600, 1200, 2400, 4800,
        // 9000, 13 200, 17 400 (≥ 14 399): the notice follows attempt 9.
        let rows = compute(&spec(params(300)), Reply::ServerBusy, 1);
        let notice: Vec<_> = rows.rows_of(Event::DelayWarning).collect();
        assert_eq!((notice[0].attempt, notice[0].offset_s), (9, 17_400.0));
    }

    #[test]
    fn site_failures_shrink_the_window_then_kill_the_destination() {
        let mut policy = Postfix {
            params: PostfixParams::default(),
            destinations: Vec::new(),
        };
        let t = SimTime(1000);
        // Feedback 1, window 5: first failure → 3 (cohorts 0.2), second → 2 (0.533), third →
        // cohorts 1.033 ≥ 1: dead.
        policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
        assert_eq!(policy.window(0), 3);
        policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
        assert_eq!(policy.window(0), 2);
        assert!(!policy.is_dead(0, t));
        policy.on_attempt_end(0, Reply::ConnectRefused, t, 0);
        assert!(policy.is_dead(0, t));
        let pending = Pending {
            now: t,
            arrival: SimTime::ZERO,
            attempts: 0,
            destination: 0,
        };
        let mut state = MessageRetryState::default();
        assert_eq!(
            policy.admit(&pending, &mut state),
            Admission::Defer(Reply::ConnectRefused, HoldReason::DeadDestination)
        );
        // Revived minimal_backoff_time (300 s) later with the initial window.
        let later = Pending {
            now: t + SimDuration::from_secs(300),
            ..pending
        };
        assert_eq!(policy.admit(&later, &mut state), Admission::Proceed);
        assert_eq!(policy.window(0), 5);
    }

    #[test]
    fn one_over_concurrency_feedback_dies_at_the_fifth_failure() {
        let params = PostfixParams {
            default_destination_concurrency_negative_feedback: Feedback::try_from(
                "1/concurrency".to_string(),
            )
            .unwrap(),
            ..PostfixParams::default()
        };
        let mut policy = Postfix {
            params,
            destinations: Vec::new(),
        };
        let t = SimTime::ZERO;
        let mut windows = vec![];
        for _ in 0..4 {
            policy.on_attempt_end(0, Reply::ConnectTimeout, t, 0);
            windows.push(policy.window(0));
        }
        assert_eq!(windows, vec![4, 4, 4, 3]);
        assert!(!policy.is_dead(0, t));
        policy.on_attempt_end(0, Reply::ConnectTimeout, t, 0); // cohorts 0.95 + 1/3 = 1.283
        assert!(policy.is_dead(0, t));
    }

    #[test]
    fn recipient_and_message_level_4xx_never_shrink_the_window() {
        let mut policy = Postfix {
            params: PostfixParams::default(),
            destinations: Vec::new(),
        };
        for _ in 0..50 {
            policy.on_attempt_end(0, Reply::ServerBusy, SimTime::ZERO, 9);
            policy.on_attempt_end(0, Reply::IpReputation, SimTime::ZERO, 9);
        }
        assert!(!policy.is_dead(0, SimTime::ZERO));
        // Each counts as positive feedback, +1 per delivery while the window is below both the
        // limit (20) and busy_refcount (9 others + this one) + initial (5) = 15.
        assert_eq!(policy.window(0), 15);
    }
}
