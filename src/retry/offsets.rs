//! An explicit list of attempt times, measured from the message's arrival.

use serde::Deserialize;

use super::{
    Decision, Failure, MessageRetryState, PolicyParams, RetryPolicy, SpecProblem, default_lifetime,
    past_lifetime,
};
use crate::engine::{RandomStream, SimDuration};

/// The `Offsets` policy's parameters: attempts at these offsets from the message's arrival,
/// then give up.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffsetsParams {
    /// Offsets of the 2nd, 3rd, … attempts from arrival, increasing.
    pub offsets: Vec<SimDuration>,
    /// Give-up age. Default `5d`.
    #[serde(default = "default_lifetime")]
    pub lifetime: SimDuration,
}

impl PolicyParams for OffsetsParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        let offsets = &self.offsets;
        if offsets.is_empty() {
            return SpecProblem::err(
                "offsets",
                "the list is empty",
                "list at least one offset, e.g. [\"5m\", \"30m\", \"2h\"]",
            );
        }
        match offsets.windows(2).position(|pair| pair[1] <= pair[0]) {
            Some(i) => SpecProblem::err(
                "offsets",
                format!(
                    "offset {} ({}) is not after offset {} ({})",
                    i + 1,
                    offsets[i + 1],
                    i,
                    offsets[i]
                ),
                "list the offsets in increasing order; each is measured from arrival",
            ),
            None if offsets[0] == SimDuration::ZERO => SpecProblem::err(
                "offsets",
                "the first offset is 0s, the time of the first attempt",
                "offsets are the 2nd, 3rd, … attempts; start with a positive one",
            ),
            None => Ok(()),
        }
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Offsets {
            offsets: self.offsets.clone(),
            lifetime: self.lifetime,
        })
    }

    fn describe(&self) -> String {
        let list: Vec<String> = self.offsets.iter().map(ToString::to_string).collect();
        format!(
            "offsets: attempts at +{} from arrival, then expire (or at the first failure at or past {})",
            list.join(", +"),
            self.lifetime
        )
    }
}

/// Attempt 1 on arrival, attempt k+1 at `arrival + offsets[k-1]`.
///
/// **Give-up rule:** the message expires when the attempt at the last offset fails, or at the
/// first failed attempt at or past `lifetime`, whichever comes first. An offset that has already
/// passed when the previous attempt ends (slow connections) means "retry at once".
#[derive(Clone, Debug)]
pub struct Offsets {
    /// Offsets of the 2nd, 3rd, … attempts from arrival.
    pub offsets: Vec<SimDuration>,
    /// The give-up age.
    pub lifetime: SimDuration,
}

impl RetryPolicy for Offsets {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        let next = self.offsets.get(failure.attempts as usize - 1);
        match next {
            Some(&offset) if !past_lifetime(failure, self.lifetime) => {
                Decision::RetryAt((failure.arrival + offset).max(failure.now))
            }
            _ => Decision::GiveUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::testing::schedule;

    #[test]
    fn attempts_follow_the_list_then_expire() {
        let mut policy = Offsets {
            offsets: [5, 30, 120].map(SimDuration::from_mins).to_vec(),
            lifetime: SimDuration::from_days(5),
        };
        let (attempts, gave_up) = schedule(&mut policy, Reply::ServerBusy, 1);
        assert_eq!(attempts, vec![0.0, 300.0, 1800.0, 7200.0]);
        assert_eq!(gave_up, 7200.0);
    }

    #[test]
    fn the_lifetime_cuts_the_list_short() {
        let mut policy = Offsets {
            offsets: [5, 30, 120].map(SimDuration::from_mins).to_vec(),
            lifetime: SimDuration::from_mins(30),
        };
        let (attempts, _) = schedule(&mut policy, Reply::ServerBusy, 1);
        assert_eq!(attempts, vec![0.0, 300.0, 1800.0]);
    }
}
