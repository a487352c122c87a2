//! KumoMTA's scheduled-queue retry, as `crates/kumod/src/queue/config.rs` (`delay_for_attempt`)
//! and `queue.rs` (`increment_attempts_and_update_delay`) compute it (reference sheet §6.1).
//!
//! After failure number n + 1 (n attempts before it) the delay is `retry_interval × 2^n`,
//! capped at `max_retry_interval` if set, plus a jitter of `trunc(uniform(0, m) − m/2)` seconds
//! with `m = min(retry_interval / 20, 60 s)` (±30 s with the defaults). If the message's age plus
//! that delay would pass `max_age`, the message expires at once ("551 5.4.7 Next delivery time
//! would be … which exceeds max_age") — so with the defaults it expires at the 9th failure,
//! after 3 d 13 h, well before 7 days.

use serde::Deserialize;

use super::{
    Decision, Failure, MessageRetryState, PolicyParams, RetryPolicy, SpecProblem, positive,
};
use crate::engine::{RandomStream, SimDuration};

/// KumoMTA's queue-config parameters, with KumoMTA's names and defaults.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KumoMtaParams {
    /// The first delay. Default `20m`.
    pub retry_interval: SimDuration,
    /// Cap on the delay. Default: none.
    pub max_retry_interval: Option<SimDuration>,
    /// Give-up age. Default `7d`.
    pub max_age: SimDuration,
}

impl Default for KumoMtaParams {
    fn default() -> Self {
        KumoMtaParams {
            retry_interval: SimDuration::from_mins(20),
            max_retry_interval: None,
            max_age: SimDuration::from_days(7),
        }
    }
}

impl PolicyParams for KumoMtaParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("retry_interval", self.retry_interval, "\"20m\"")?;
        if let Some(max) = self.max_retry_interval {
            positive("max_retry_interval", max, "\"8h\"")?;
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(KumoMta {
            params: self.clone(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "kumomta: {} × 2^n{}, jitter ±min(retry_interval/20, 60s)/2, expire when the next due time would pass max_age {}",
            self.retry_interval,
            self.max_retry_interval
                .map_or(String::new(), |max| format!(" capped at {max}")),
            self.max_age
        )
    }
}

/// The KumoMTA policy.
#[derive(Clone, Debug)]
pub struct KumoMta {
    params: KumoMtaParams,
}

impl KumoMta {
    /// A KumoMTA policy with these parameters.
    pub fn new(params: KumoMtaParams) -> KumoMta {
        KumoMta { params }
    }

    /// The delay after a failure with `n` earlier attempts, in milliseconds, jitter included.
    fn delay_ms(&self, n: u32, rng: &mut RandomStream) -> u64 {
        let p = &self.params;
        let base = p.retry_interval.as_millis();
        let mut delay = base.saturating_mul(1u64 << n.min(62));
        if let Some(max) = p.max_retry_interval {
            delay = delay.min(max.as_millis());
        }
        let m = (base as f64 / 1000.0 / 20.0).min(60.0);
        let jitter_s = (rng.uniform() * m - m / 2.0).trunc() as i64;
        delay.saturating_add_signed(jitter_s * 1000)
    }
}

impl RetryPolicy for KumoMta {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision {
        let delay = SimDuration(self.delay_ms(failure.attempts.saturating_sub(1), rng));
        if failure.age() + delay > self.params.max_age {
            Decision::GiveUp
        } else {
            Decision::RetryAt(failure.now + delay)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::compute;

    #[test]
    fn defaults_double_from_20_minutes_and_expire_at_the_9th_failure() {
        // Unjittered attempt instants: 0, 1200, 3600, 8400, 18 000, 37 200, 75 600, 152 400,
        // 306 000; the next delay 1200 × 2^8 = 307 200 would end at 613 200 > 604 800 (7 d).
        let nominal = [
            0.0, 1200.0, 3600.0, 8400.0, 18_000.0, 37_200.0, 75_600.0, 152_400.0, 306_000.0,
        ];
        for seed in 0..50 {
            let rows = compute(
                &RetrySpec::KumoMta(KumoMtaParams::default()),
                Reply::ServerBusy,
                seed,
            );
            let attempts = rows.attempt_offsets();
            assert_eq!(attempts.len(), 9, "seed {seed}");
            for (k, (got, want)) in attempts.iter().zip(nominal).enumerate() {
                // Each gap is off by a whole number of seconds within ±30.
                assert!(
                    (got - want).abs() <= 30.0 * k as f64,
                    "seed {seed}: {attempts:?}"
                );
                assert_eq!(got.fract(), 0.0);
            }
            for (gap, k) in rows.gaps().iter().zip(0..) {
                assert!(
                    (gap - 1200.0 * 2f64.powi(k)).abs() <= 30.0,
                    "seed {seed}: {gap}"
                );
            }
            assert_eq!(rows.expired_at(), attempts.last().copied());
        }
    }

    #[test]
    fn a_cap_keeps_retrying_until_max_age() {
        let params = KumoMtaParams {
            retry_interval: SimDuration::from_secs(20),
            max_retry_interval: Some(SimDuration::from_secs(80)),
            max_age: SimDuration::from_secs(500),
        };
        // m = min(20/20, 60) = 1 s: jitter trunc(u − 0.5) = 0 always. Gaps 20, 40, 80, 80, …
        // Attempts 0, 20, 60, 140, 220, 300, 380, 460; at 460 the next due time 540 > 500.
        let rows = compute(&RetrySpec::KumoMta(params), Reply::ServerBusy, 3);
        assert_eq!(
            rows.attempt_offsets(),
            vec![0.0, 20.0, 60.0, 140.0, 220.0, 300.0, 380.0, 460.0]
        );
        assert_eq!(rows.expired_at(), Some(460.0));
    }
}
