//! Exchange Online (outbound from Microsoft 365), reference sheet §4.2: "Exchange Online
//! repeatedly tries to deliver the message over 24 hours. Only after 24 hours of unsuccessful
//! delivery attempts does a recipient receive this NDR" (`550 4.4.7 QUEUE.Expired`); an older
//! version of the same page said "two days" (set `lifetime: "48h"` to model it).
//!
//! **The retry interval is not published.** It is a parameter here; its default (15 minutes,
//! Exchange Server's `MessageRetryInterval`) is an assumption, not a documented figure.

use serde::Deserialize;

use super::{Fixed, PolicyParams, RetryPolicy, SpecProblem, positive};
use crate::engine::SimDuration;

/// Exchange Online's parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeOnlineParams {
    /// The gap between attempts. **Undocumented**; default `15m` (an assumption borrowed from
    /// Exchange Server's `MessageRetryInterval`).
    pub retry_interval: SimDuration,
    /// Give-up age. Default `24h` (current documentation); `48h` in older documentation.
    pub lifetime: SimDuration,
}

impl Default for ExchangeOnlineParams {
    fn default() -> Self {
        ExchangeOnlineParams {
            retry_interval: SimDuration::from_mins(15),
            lifetime: SimDuration::from_hours(24),
        }
    }
}

impl PolicyParams for ExchangeOnlineParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        positive("retry_interval", self.retry_interval, "\"15m\"")
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Fixed {
            interval: self.retry_interval,
            lifetime: self.lifetime,
        })
    }

    fn describe(&self) -> String {
        format!(
            "exchange-online: every {} (undocumented, assumed), NDR 4.4.7 at the first failure at or past {}",
            self.retry_interval, self.lifetime
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
    fn gives_up_after_24_hours_or_48_with_the_older_text() {
        let spec = RetrySpec::ExchangeOnline(ExchangeOnlineParams::default());
        let rows = compute(&spec, Reply::ServerBusy, 1);
        // 86 400 / 900 = 96 gaps: attempts at 0 … 86 400, 97 in all.
        assert_eq!(rows.attempt_offsets().len(), 97);
        assert_eq!(rows.expired_at(), Some(86_400.0));
        let older = RetrySpec::ExchangeOnline(ExchangeOnlineParams {
            lifetime: SimDuration::from_hours(48),
            ..ExchangeOnlineParams::default()
        });
        assert_eq!(
            compute(&older, Reply::ServerBusy, 1).expired_at(),
            Some(172_800.0)
        );
    }
}
