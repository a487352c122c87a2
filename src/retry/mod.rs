//! Retry policies: the [`RetryPolicy`] trait, the scenario's choice of policy ([`RetrySpec`]) and
//! the built-in policies, one file each.
//!
//! A policy is asked once per failed attempt and answers "retry at t" or "give up". It sees the
//! message's arrival, how many attempts it has had, the reply (with its scope, so a policy can
//! treat a dead site differently from a busy recipient) and the destination, and it can keep a
//! little per-message state ([`MessageRetryState`]) and any per-destination state of its own.
//! Delay warnings and queue alerts are the sender's business, not the policy's.

mod exponential;
mod fixed;
mod offsets;

use serde::Deserialize;

pub use exponential::{Exponential, Jitter};
pub use fixed::Fixed;
pub use offsets::Offsets;

use crate::engine::{RandomStream, SimDuration, SimTime};
use crate::model::Reply;

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

/// Per-message state a policy may keep (e.g. the previous sleep for decorrelated jitter).
/// Starts at zero for every message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageRetryState(pub u64);

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
}

/// The policy a scenario asks for, with its parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub enum RetrySpec {
    /// Retry every `interval` (e.g. FOPE's 20 minutes) until `lifetime`.
    Fixed {
        /// The gap after each failure.
        interval: SimDuration,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
    /// `min(cap, base × multiplier^n)` after the n-th retry (n from 0), with optional jitter.
    Exponential {
        /// The first gap.
        base: SimDuration,
        /// The largest gap.
        cap: SimDuration,
        /// Growth factor per failure. Default `2`.
        #[serde(default = "two")]
        multiplier: f64,
        /// Jitter variant (AWS definitions). Default `None`.
        #[serde(default)]
        jitter: Jitter,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
    /// Attempts at these offsets from the message's arrival, then give up.
    Offsets {
        /// Offsets of the 2nd, 3rd, … attempts from arrival, increasing.
        offsets: Vec<SimDuration>,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
}

fn five_days() -> SimDuration {
    SimDuration::from_days(5)
}

fn two() -> f64 {
    2.0
}

/// A parameter that makes no sense, found by [`RetrySpec::validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct SpecProblem {
    /// The parameter's name within the policy, e.g. `cap`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl RetrySpec {
    /// The policy's short name, as used on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            RetrySpec::Fixed { .. } => "fixed",
            RetrySpec::Exponential { .. } => "exponential",
            RetrySpec::Offsets { .. } => "offsets",
        }
    }

    /// Checks the parameters against each other.
    pub fn validate(&self) -> Result<(), SpecProblem> {
        let problem = |field, message: String, hint: &str| {
            Err(SpecProblem {
                field,
                message,
                hint: hint.to_string(),
            })
        };
        match self {
            RetrySpec::Fixed { interval, .. } if *interval == SimDuration::ZERO => problem(
                "interval",
                "a zero retry interval retries in a tight loop".into(),
                "use a positive interval such as \"20m\"",
            ),
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                ..
            } => {
                if *base == SimDuration::ZERO {
                    problem(
                        "base",
                        "the base delay must be positive".into(),
                        "use a positive base such as \"5m\"",
                    )
                } else if cap < base {
                    problem(
                        "cap",
                        format!("the cap ({cap}) is smaller than the base ({base})"),
                        "make the cap at least as large as the base",
                    )
                } else if !multiplier.is_finite() || *multiplier < 1.0 {
                    problem(
                        "multiplier",
                        format!("the multiplier {multiplier} must be a finite number ≥ 1"),
                        "use 2 for doubling, 1.5 for Exim-style growth",
                    )
                } else {
                    Ok(())
                }
            }
            RetrySpec::Offsets { offsets, .. } => {
                if offsets.is_empty() {
                    return problem(
                        "offsets",
                        "the list is empty".into(),
                        "list at least one offset, e.g. [\"5m\", \"30m\", \"2h\"]",
                    );
                }
                match offsets.windows(2).position(|pair| pair[1] <= pair[0]) {
                    Some(i) => problem(
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
                    None if offsets[0] == SimDuration::ZERO => problem(
                        "offsets",
                        "the first offset is 0s, the time of the first attempt".into(),
                        "offsets are the 2nd, 3rd, … attempts; start with a positive one",
                    ),
                    None => Ok(()),
                }
            }
            RetrySpec::Fixed { .. } => Ok(()),
        }
    }

    /// Builds the policy.
    pub fn build(&self) -> Box<dyn RetryPolicy> {
        match self.clone() {
            RetrySpec::Fixed { interval, lifetime } => Box::new(Fixed { interval, lifetime }),
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            } => Box::new(Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            }),
            RetrySpec::Offsets { offsets, lifetime } => Box::new(Offsets { offsets, lifetime }),
        }
    }

    /// A one-line description with every parameter, e.g. `fixed: every 20m, give up at 5d`.
    pub fn describe(&self) -> String {
        match self {
            RetrySpec::Fixed { interval, lifetime } => {
                format!(
                    "fixed: every {interval}, expire at the first failure at or past {lifetime}"
                )
            }
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            } => format!(
                "exponential: min({cap}, {base} × {multiplier}^n), jitter {jitter:?}, expire at the first failure at or past {lifetime}"
            ),
            RetrySpec::Offsets { offsets, lifetime } => {
                let list: Vec<String> = offsets.iter().map(ToString::to_string).collect();
                format!(
                    "offsets: attempts at +{} from arrival, then expire (or at the first failure at or past {lifetime})",
                    list.join(", +")
                )
            }
        }
    }
}

/// The give-up rule shared by the simple policies: a message expires at the first failed attempt
/// whose age is at or past `lifetime`.
pub(crate) fn past_lifetime(failure: &Failure, lifetime: SimDuration) -> bool {
    failure.age() >= lifetime
}

#[cfg(test)]
pub(crate) mod testing {
    //! Drives a policy against a receiver that defers every attempt, for schedule tests.

    use super::*;

    /// The attempt instants (seconds from the first attempt) until the policy gives up, and the
    /// give-up instant. Each attempt takes no time.
    pub fn schedule(policy: &mut dyn RetryPolicy, reply: Reply, seed: u64) -> (Vec<f64>, f64) {
        let mut rng = RandomStream::new(seed, 0, "retry");
        let mut state = MessageRetryState::default();
        let mut now = SimTime::ZERO;
        let mut attempts = vec![];
        for n in 1..=10_000u32 {
            attempts.push(now.as_secs_f64());
            let failure = Failure {
                now,
                arrival: SimTime::ZERO,
                attempts: n,
                reply,
                destination: 0,
            };
            match policy.on_failure(&failure, &mut state, &mut rng) {
                Decision::RetryAt(at) => now = at.max(now),
                Decision::GiveUp => return (attempts, now.as_secs_f64()),
            }
        }
        panic!("policy never gave up");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_parameters_are_named() {
        let spec = RetrySpec::Exponential {
            base: SimDuration::from_mins(10),
            cap: SimDuration::from_mins(5),
            multiplier: 2.0,
            jitter: Jitter::None,
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "cap");
        let spec = RetrySpec::Offsets {
            offsets: vec![SimDuration::from_mins(30), SimDuration::from_mins(5)],
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "offsets");
        let spec = RetrySpec::Fixed {
            interval: SimDuration::ZERO,
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "interval");
    }
}
