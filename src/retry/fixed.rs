//! Fixed-interval retry, as FOPE documents it ("approximately every twenty minutes" for five
//! days) and as RFC 5321 suggests (at least 30 minutes, give up after 4–5 days): the generic
//! `Fixed` policy of scenario files ([`FixedParams`]) and the [`Fixed`] policy that FOPE,
//! Exchange Online and RFC 5321 also build.

use serde::Deserialize;

use super::{
    Decision, Failure, MessageRetryState, PolicyParams, RetryPolicy, SpecProblem, default_lifetime,
    past_lifetime,
};
use crate::engine::{RandomStream, SimDuration};

/// The generic `Fixed` policy's parameters: retry every `interval` until `lifetime`.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedParams {
    /// The gap after each failure.
    pub interval: SimDuration,
    /// Give-up age. Default `5d`.
    #[serde(default = "default_lifetime")]
    pub lifetime: SimDuration,
}

impl PolicyParams for FixedParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        if self.interval == SimDuration::ZERO {
            return SpecProblem::err(
                "interval",
                "a zero retry interval retries in a tight loop",
                "use a positive interval such as \"20m\"",
            );
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Fixed {
            interval: self.interval,
            lifetime: self.lifetime,
        })
    }

    fn describe(&self) -> String {
        format!(
            "fixed: every {}, expire at the first failure at or past {}",
            self.interval, self.lifetime
        )
    }
}

/// Retries `interval` after every failure.
///
/// **Give-up rule:** the message expires at the first failed attempt whose age (time since
/// arrival) is at or past `lifetime`. With a 20 minute interval and a 5 day lifetime the last
/// attempt is at exactly 5 days (7200 minutes is a multiple of 20), after 361 attempts.
#[derive(Clone, Debug)]
pub struct Fixed {
    /// The gap after each failure.
    pub interval: SimDuration,
    /// The give-up age.
    pub lifetime: SimDuration,
}

impl RetryPolicy for Fixed {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        if past_lifetime(failure, self.lifetime) {
            Decision::GiveUp
        } else {
            Decision::RetryAt(failure.now + self.interval)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::testing::schedule;

    #[test]
    fn fope_retries_every_twenty_minutes_for_five_days() {
        let mut policy = Fixed {
            interval: SimDuration::from_mins(20),
            lifetime: SimDuration::from_days(5),
        };
        let (attempts, gave_up) = schedule(&mut policy, Reply::ServerBusy, 1);
        assert_eq!(&attempts[..3], &[0.0, 1200.0, 2400.0]);
        assert_eq!(attempts.len(), 361);
        assert_eq!(gave_up, 432_000.0);
    }

    #[test]
    fn a_lifetime_that_is_not_a_multiple_overshoots_to_the_next_attempt() {
        let mut policy = Fixed {
            interval: SimDuration::from_mins(30),
            lifetime: SimDuration::from_mins(100),
        };
        let (attempts, gave_up) = schedule(&mut policy, Reply::ServerBusy, 1);
        assert_eq!(attempts, vec![0.0, 1800.0, 3600.0, 5400.0, 7200.0]);
        assert_eq!(gave_up, 7200.0);
    }
}
