//! Fixed-interval retry, as FOPE documents it ("approximately every twenty minutes" for five
//! days) and as RFC 5321 suggests (at least 30 minutes, give up after 4–5 days).

use super::{Decision, Failure, MessageRetryState, RetryPolicy, past_lifetime};
use crate::engine::{RandomStream, SimDuration};

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
