//! FOPE (Forefront Online Protection for Exchange, EOP's predecessor), as its 2012 "Queued,
//! Deferred, and Bounced Messages FAQ" states it (reference sheet §4.3): "An attempt will be made
//! to resend messages approximately every twenty minutes" for "up to five days"; one notification
//! "after two hours of a message being in deferral"; a 500-series reply returns the message at
//! once (the model bounces every 5xx).

use serde::Deserialize;

use super::{Fixed, PolicyParams, RetryPolicy, SpecProblem, positive};
use crate::engine::SimDuration;

/// FOPE's parameters. FOPE had no configurable names; these describe the FAQ's figures.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FopeParams {
    /// "approximately every twenty minutes". Default `20m`.
    pub interval: SimDuration,
    /// "held for up to five days". Default `5d`.
    pub lifetime: SimDuration,
    /// The one notification "after two hours of a message being in deferral". Default `2h`.
    pub notice_after: SimDuration,
}

impl Default for FopeParams {
    fn default() -> Self {
        FopeParams {
            interval: SimDuration::from_mins(20),
            lifetime: SimDuration::from_days(5),
            notice_after: SimDuration::from_hours(2),
        }
    }
}

impl PolicyParams for FopeParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("interval", self.interval, "\"20m\"")
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Fixed {
            interval: self.interval,
            lifetime: self.lifetime,
        })
    }

    fn describe(&self) -> String {
        format!(
            "fope: every {}, expire at the first failure at or past {}, one notice at {}",
            self.interval, self.lifetime, self.notice_after
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        Some(self.notice_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::{Event, compute};

    #[test]
    fn every_twenty_minutes_for_five_days_with_a_notice_at_two_hours() {
        let rows = compute(
            &RetrySpec::Fope(FopeParams::default()),
            Reply::ServerBusy,
            1,
        );
        let attempts = rows.attempt_offsets();
        // 5 d = 432 000 s = 360 gaps of 1200 s: attempts at 0, 1200, …, 432 000.
        assert_eq!(&attempts[..3], &[0.0, 1200.0, 2400.0]);
        assert_eq!(attempts.len(), 361);
        assert_eq!(rows.expired_at(), Some(432_000.0));
        // The first failure at an age ≥ 2 h is the one at exactly 7200 s (attempt 7).
        let notices: Vec<_> = rows.rows_of(Event::DelayWarning).collect();
        assert_eq!(notices.len(), 1);
        assert_eq!((notices[0].attempt, notices[0].offset_s), (7, 7200.0));
    }
}
