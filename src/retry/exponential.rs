//! Capped exponential backoff with the jitter variants of the AWS Architecture Blog's
//! "Exponential Backoff And Jitter" (reference sheet §7.1).

use serde::Deserialize;

use super::{
    Decision, Failure, MessageRetryState, PolicyParams, RetryPolicy, SpecProblem, default_lifetime,
    past_lifetime,
};
use crate::engine::{RandomStream, SimDuration};

/// The `Exponential` policy's parameters: `min(cap, base × multiplier^n)` after the n-th retry
/// (n from 0), with optional jitter.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExponentialParams {
    /// The first gap.
    pub base: SimDuration,
    /// The largest gap.
    pub cap: SimDuration,
    /// Growth factor per failure. Default `2`.
    #[serde(default = "doubling")]
    pub multiplier: f64,
    /// Jitter variant (AWS definitions). Default `None`.
    #[serde(default)]
    pub jitter: Jitter,
    /// Give-up age. Default `5d`.
    #[serde(default = "default_lifetime")]
    pub lifetime: SimDuration,
}

fn doubling() -> f64 {
    2.0
}

impl PolicyParams for ExponentialParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        let (base, cap, multiplier) = (self.base, self.cap, self.multiplier);
        if base == SimDuration::ZERO {
            SpecProblem::err(
                "base",
                "the base delay must be positive",
                "use a positive base such as \"5m\"",
            )
        } else if cap < base {
            SpecProblem::err(
                "cap",
                format!("the cap ({cap}) is smaller than the base ({base})"),
                "make the cap at least as large as the base",
            )
        } else if !multiplier.is_finite() || multiplier < 1.0 {
            SpecProblem::err(
                "multiplier",
                format!("the multiplier {multiplier} must be a finite number ≥ 1"),
                "use 2 for doubling, 1.5 for Exim-style growth",
            )
        } else {
            Ok(())
        }
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Exponential {
            base: self.base,
            cap: self.cap,
            multiplier: self.multiplier,
            jitter: self.jitter,
            lifetime: self.lifetime,
        })
    }

    fn describe(&self) -> String {
        let p = self;
        format!(
            "exponential: min({}, {} × {}^n), jitter {}, expire at the first failure at or past {}",
            p.cap, p.base, p.multiplier, p.jitter, p.lifetime
        )
    }
}

/// How randomness is added to the exponential delay.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum Jitter {
    /// `sleep = min(cap, base × m^n)`.
    #[default]
    None,
    /// `sleep = uniform(0, min(cap, base × m^n))`.
    Full,
    /// `t = min(cap, base × m^n); sleep = t/2 + uniform(0, t/2)`.
    Equal,
    /// `sleep = min(cap, uniform(base, previous sleep × 3))`, the previous sleep starting at
    /// `base` (the multiplier is not used).
    Decorrelated,
}

/// The jitter as a scenario file writes it: `None`, `Full`, `Equal`, `Decorrelated`.
impl std::fmt::Display for Jitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Jitter::None => "None",
            Jitter::Full => "Full",
            Jitter::Equal => "Equal",
            Jitter::Decorrelated => "Decorrelated",
        })
    }
}

/// Exponential backoff. After the k-th failed attempt the gap uses n = k − 1, so the first
/// retry waits `base` (before jitter).
///
/// **Give-up rule:** the message expires at the first failed attempt whose age is at or past
/// `lifetime`.
#[derive(Clone, Debug)]
pub struct Exponential {
    /// The first gap.
    pub base: SimDuration,
    /// The largest gap.
    pub cap: SimDuration,
    /// Growth per failure.
    pub multiplier: f64,
    /// The jitter variant.
    pub jitter: Jitter,
    /// The give-up age.
    pub lifetime: SimDuration,
}

impl Exponential {
    /// The gap after failure number `attempts` (1-based), in milliseconds. `state` holds the
    /// previous sleep for decorrelated jitter.
    fn gap_ms(&self, attempts: u32, state: &mut MessageRetryState, rng: &mut RandomStream) -> f64 {
        let base = self.base.as_millis() as f64;
        let cap = self.cap.as_millis() as f64;
        let exponent = attempts.saturating_sub(1).min(1024) as i32;
        let capped = (base * self.multiplier.powi(exponent)).min(cap);
        match self.jitter {
            Jitter::None => capped,
            Jitter::Full => rng.uniform() * capped,
            Jitter::Equal => capped / 2.0 + rng.uniform() * capped / 2.0,
            Jitter::Decorrelated => {
                let previous = if state.0 == 0 { base } else { state.0 as f64 };
                let high = previous * 3.0;
                let sleep = (base + rng.uniform() * (high - base)).min(cap);
                state.0 = sleep.round().max(1.0) as u64;
                sleep
            }
        }
    }
}

impl RetryPolicy for Exponential {
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision {
        if past_lifetime(failure, self.lifetime) {
            return Decision::GiveUp;
        }
        let gap = self.gap_ms(failure.attempts, state, rng);
        Decision::RetryAt(failure.now + SimDuration(gap.round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::testing::schedule;

    fn policy(jitter: Jitter) -> Exponential {
        Exponential {
            base: SimDuration::from_mins(5),
            cap: SimDuration::from_hours(1),
            multiplier: 2.0,
            jitter,
            lifetime: SimDuration::from_hours(6),
        }
    }

    #[test]
    fn unjittered_gaps_double_then_hold_at_the_cap() {
        let (attempts, gave_up) = schedule(&mut policy(Jitter::None), Reply::ServerBusy, 1);
        let gaps: Vec<f64> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(&gaps[..5], &[300.0, 600.0, 1200.0, 2400.0, 3600.0]);
        // 300+600+1200+2400 = 4500 s, then 3600 s gaps: 8100, 11700, 15300, 18900, 22500 ≥ 21600.
        assert_eq!(*attempts.last().unwrap(), 22_500.0);
        assert_eq!(gave_up, 22_500.0);
    }

    #[test]
    fn jittered_gaps_stay_within_their_definitions() {
        for seed in 0..20 {
            let mut rng = RandomStream::new(seed, 0, "retry");
            let mut state = MessageRetryState::default();
            for attempts in 1..8u32 {
                let capped = (300_000.0 * 2f64.powi(attempts as i32 - 1)).min(3_600_000.0);
                let full = policy(Jitter::Full).gap_ms(attempts, &mut state, &mut rng);
                assert!((0.0..=capped).contains(&full));
                let equal = policy(Jitter::Equal).gap_ms(attempts, &mut state, &mut rng);
                assert!((capped / 2.0..=capped).contains(&equal));
            }
            let mut previous = 300_000.0;
            for attempts in 1..8u32 {
                let sleep = policy(Jitter::Decorrelated).gap_ms(attempts, &mut state, &mut rng);
                assert!(sleep >= 300_000.0 && sleep <= (previous * 3.0f64).min(3_600_000.0));
                previous = state.0 as f64;
            }
        }
    }
}
