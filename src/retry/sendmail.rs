//! Sendmail 8, as its `cf/README` and operations guide describe it (reference sheet §3).
//!
//! With the defaults every queued message is retried at every queue run (`-q30m`; MinQueueAge
//! 0), except that a host recorded as down in the host-status cache is not contacted until the
//! record is `Timeout.hoststatus` old: messages for it are deferred without a connection at that
//! run. One "deferred" warning at `Timeout.queuewarn`; the message is returned at the first
//! failure (or skipped run) at or past `Timeout.queuereturn`. Queue runs are on a grid from
//! t = 0; a new message is tried at once on arrival.
//!
//! Assumptions (not in the sources read): a cached status is stale once it is exactly
//! `hoststatus` old; `MinQueueAge` and `MaxQueueAge` (off by default) are not modelled.

use serde::Deserialize;

use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    RetryPolicy, SpecProblem, positive,
};
use crate::domain::{Reply, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Sendmail's settings: the `-q` queue interval and the `Timeout.*` options.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SendmailParams {
    /// The daemon's `-q` interval. Default `30m`.
    pub queue_interval: SimDuration,
    /// `Timeout.queuewarn`: age of the "deferred" warning. Default `4h`.
    pub queuewarn: SimDuration,
    /// `Timeout.queuereturn`: age at which the message is returned. Default `5d`.
    pub queuereturn: SimDuration,
    /// `Timeout.hoststatus`: how long a host's "down" status is trusted. Default `30m`.
    pub hoststatus: SimDuration,
}

impl Default for SendmailParams {
    fn default() -> Self {
        SendmailParams {
            queue_interval: SimDuration::from_mins(30),
            queuewarn: SimDuration::from_hours(4),
            queuereturn: SimDuration::from_days(5),
            hoststatus: SimDuration::from_mins(30),
        }
    }
}

impl PolicyParams for SendmailParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("queue_interval", self.queue_interval, "\"30m\"")
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Sendmail {
            params: self.clone(),
            down_since: Vec::new(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "sendmail: queue run every {}, host status trusted for {}, warn at {}, return at the first failure at or past {}",
            self.queue_interval, self.hoststatus, self.queuewarn, self.queuereturn
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        Some(self.queuewarn)
    }
}

/// The Sendmail policy: the parameters and, per destination, when it was last found down.
#[derive(Clone, Debug)]
pub struct Sendmail {
    params: SendmailParams,
    down_since: Vec<Option<(SimTime, Reply)>>,
}

impl RetryPolicy for Sendmail {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        if failure.age() >= self.params.queuereturn {
            return Decision::GiveUp;
        }
        let q = self.params.queue_interval.as_millis();
        Decision::RetryAt(SimTime((failure.now.as_millis() / q + 1) * q))
    }

    fn admit(&mut self, pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        match self.down_since.get(pending.destination).copied().flatten() {
            Some((since, reply)) if pending.now - since < self.params.hoststatus => {
                Admission::Defer(reply, HoldReason::HostStatus)
            }
            _ => Admission::Proceed,
        }
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, _others: u32) {
        if destination >= self.down_since.len() {
            self.down_since.resize(destination + 1, None);
        }
        self.down_since[destination] = (reply.scope() == Scope::Site).then_some((now, reply));
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

    #[test]
    fn every_queue_run_until_queuereturn_with_one_warning() {
        let rows = compute(
            &RetrySpec::Sendmail(SendmailParams::default()),
            Reply::ServerBusy,
            1,
        );
        // Runs every 1800 s; 5 d = 432 000 s = 240 runs: attempts at 0 … 432 000.
        assert!(rows.gaps().iter().all(|&gap| gap == 1800.0));
        assert_eq!(rows.attempt_offsets().len(), 241);
        assert_eq!(rows.expired_at(), Some(432_000.0));
        let notice: Vec<_> = rows.rows_of(Event::DelayWarning).collect();
        assert_eq!((notice[0].attempt, notice[0].offset_s), (9, 14_400.0));
    }

    #[test]
    fn a_host_down_in_the_cache_is_skipped_until_the_status_is_stale() {
        let mut policy = SendmailParams::default().build();
        policy.on_attempt_end(0, Reply::ConnectTimeout, SimTime(1_000_000), 0);
        let mut state = MessageRetryState::default();
        let at = |s: u64| Pending {
            now: SimTime(s * 1000),
            arrival: SimTime::ZERO,
            attempts: 1,
            destination: 0,
        };
        assert_eq!(
            policy.admit(&at(1800), &mut state),
            Admission::Defer(Reply::ConnectTimeout, HoldReason::HostStatus)
        );
        assert_eq!(policy.admit(&at(2800), &mut state), Admission::Proceed);
        // A recipient-level 4xx means the host answered: not down.
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime(3_000_000), 0);
        assert_eq!(policy.admit(&at(3001), &mut state), Admission::Proceed);
    }
}
