//! The RFC 5321 §4.5.4.1 minimum (reference sheet §8.1): "the retry interval SHOULD be at least
//! 30 minutes"; "the give-up time generally needs to be at least 4-5 days".

use serde::Deserialize;

use super::{Fixed, PolicyParams, RetryPolicy, SpecProblem, positive};
use crate::engine::SimDuration;

/// The RFC's two numbers.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rfc5321Params {
    /// The retry interval. Default `30m` (the RFC's minimum).
    pub interval: SimDuration,
    /// The give-up age. Default `4d` (the RFC says 4–5 days; `5d` is the other end).
    pub give_up: SimDuration,
}

impl Default for Rfc5321Params {
    fn default() -> Self {
        Rfc5321Params {
            interval: SimDuration::from_mins(30),
            give_up: SimDuration::from_days(4),
        }
    }
}

impl PolicyParams for Rfc5321Params {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("interval", self.interval, "\"30m\"")
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Fixed {
            interval: self.interval,
            lifetime: self.give_up,
        })
    }

    fn describe(&self) -> String {
        format!(
            "rfc5321: every {}, give up at the first failure at or past {}",
            self.interval, self.give_up
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::compute;

    #[test]
    fn every_half_hour_for_four_or_five_days() {
        let rows = compute(
            &RetrySpec::Rfc5321(Rfc5321Params::default()),
            Reply::ServerBusy,
            1,
        );
        // 4 d = 345 600 s = 192 gaps of 1800 s.
        assert_eq!(&rows.attempt_offsets()[..3], &[0.0, 1800.0, 3600.0]);
        assert_eq!(rows.attempt_offsets().len(), 193);
        assert_eq!(rows.expired_at(), Some(345_600.0));
        let five = RetrySpec::Rfc5321(Rfc5321Params {
            give_up: SimDuration::from_days(5),
            ..Rfc5321Params::default()
        });
        assert_eq!(
            compute(&five, Reply::ServerBusy, 1).attempt_offsets().len(),
            241
        );
    }
}
