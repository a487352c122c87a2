//! KumoMTA's retry with KumoMTA's published Outlook / Office 365 automation rules: the
//! `community/shaping.toml` `provider."outlook"` rules (reference sheet §6.2) over the KumoMTA
//! retry schedule, run by the [`Adaptive`] policy. All but the rule that lowers
//! `max_deliveries_per_connection` are included (the model has no such per-destination
//! override, and no receiver in it sends that reply). The catch-all `policy-extras/shaping.toml`
//! `"default"` rule (any of five Microsoft-style texts → 1 message/minute and 1 connection for 90
//! minutes) is not included; write it as an [`super::AdaptiveParams`] rule if wanted.

use serde::Deserialize;

use super::{
    Action, Adaptive, KumoMtaParams, PolicyParams, RetryPolicy, Rule, SpecProblem, Trigger,
};
use crate::domain::Rate;
use crate::engine::SimDuration;

/// KumoMTA's retry parameters plus its published Outlook / Office 365 rules.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Office365Params(pub KumoMtaParams);

/// KumoMTA `assets/community/shaping.toml`, `[[provider."outlook".automation]]`.
fn kumomta_outlook_rules() -> Vec<Rule> {
    let hour = SimDuration::from_hours(1);
    let per_hour = |count| Trigger::Threshold {
        count,
        period: SimDuration::from_hours(1),
    };
    let rule = |pattern: &str, trigger, action, duration| Rule {
        code: None,
        pattern: Some(pattern.to_string()),
        trigger,
        action,
        duration,
    };
    let thirty = SimDuration::from_mins(30);
    vec![
        rule(
            "Unfortunately.*part of their network is on our block list",
            per_hour(5),
            Action::Suspend,
            SimDuration::from_hours(2),
        ),
        rule(
            "Access denied, please try again later",
            per_hour(5),
            Action::Suspend,
            hour,
        ),
        rule(
            "Server busy. Please try again later",
            per_hour(5),
            Action::Suspend,
            thirty,
        ),
        rule(
            "The mail server.*has been temporarily rate limited",
            per_hour(3),
            Action::Suspend,
            thirty,
        ),
        rule(
            "Server busy. Please try again later",
            per_hour(3),
            Action::MaxMessageRate(Rate::per_second(1.0 / 60.0)),
            SimDuration::from_mins(15),
        ),
        rule(
            "The mail server.*has exceeded the maximum number of connections",
            per_hour(2),
            Action::ConnectionLimit(1),
            hour,
        ),
        rule(
            "Connection refused from.*due to exceed max concurrent connections. IB007",
            per_hour(2),
            Action::ConnectionLimit(1),
            hour,
        ),
        rule(
            "Temporary server error. Please try again later",
            per_hour(5),
            Action::Suspend,
            hour,
        ),
    ]
}

impl Office365Params {
    /// The published Outlook rules, in the order the policy applies them.
    pub fn rules(&self) -> Vec<Rule> {
        kumomta_outlook_rules()
    }
}

impl PolicyParams for Office365Params {
    fn validate(&self) -> Result<(), SpecProblem> {
        self.0.validate()
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Adaptive::new(self.0.build(), &kumomta_outlook_rules()))
    }

    fn describe(&self) -> String {
        format!(
            "kumomta-office365: {}; plus KumoMTA's {} published Outlook automation rules (e.g. 5 × \"Server busy\" within 1h → suspend 30m)",
            self.0.describe(),
            kumomta_outlook_rules().len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::engine::SimTime;
    use crate::retry::{Admission, HoldReason, MessageRetryState, Pending, RetrySpec};

    fn pending(now_s: u64) -> Pending {
        Pending {
            now: SimTime(now_s * 1000),
            arrival: SimTime::ZERO,
            attempts: 1,
            destination: 0,
        }
    }

    #[test]
    fn five_server_busy_replies_within_an_hour_suspend_outlook_for_30_minutes() {
        let mut policy = Office365Params::default().build();
        let mut state = MessageRetryState::default();
        // Three 4.7.500 within the hour: the 3/hr rate rule fires (1/minute for 15 min).
        for s in [0, 10, 20] {
            policy.on_attempt_end(0, Reply::ServerBusy, SimTime(s * 1000), 0);
        }
        assert_eq!(policy.admit(&pending(20), &mut state), Admission::Proceed);
        assert_eq!(
            policy.admit(&pending(20), &mut state),
            Admission::Reserved(SimTime(80_000), HoldReason::RateLimited { rule: 4 })
        );
        // Two more: the 5/hr rule suspends until 40 + 1800 s; a re-trigger extends it.
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime(30_000), 0);
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime(40_000), 0);
        assert_eq!(
            policy.admit(&pending(100), &mut state),
            Admission::Hold(SimTime(1_840_000), HoldReason::Suspended { rule: 2 })
        );
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime(600_000), 0);
        assert_eq!(
            policy.admit(&pending(700), &mut state),
            Admission::Hold(SimTime(2_400_000), HoldReason::Suspended { rule: 2 })
        );
        // Matches older than an hour drop out of the count.
        let mut fresh = Office365Params::default().build();
        for s in [0, 1000, 2000, 3000] {
            fresh.on_attempt_end(0, Reply::ServerBusy, SimTime(s * 1000), 0);
        }
        fresh.on_attempt_end(0, Reply::ServerBusy, SimTime(3_700_000), 0);
        assert_eq!(fresh.admit(&pending(3700), &mut state), Admission::Proceed);
    }

    #[test]
    fn the_schedule_of_one_message_is_the_base_policys_until_rules_fire() {
        use crate::retry::schedule::compute;
        let spec = RetrySpec::KumoMtaOffice365(Office365Params::default());
        let plain = RetrySpec::KumoMta(KumoMtaParams::default());
        // A lone message fails 9 times in 3.5 days; never 3 within an hour after the first two
        // (gaps 20 min, 40 min, 80 min …): the third failure at 3600 s is within the hour of
        // the first, so the rate rule fires, but a lone message never waits for a slot.
        assert_eq!(
            compute(&spec, Reply::ServerBusy, 4).attempt_offsets(),
            compute(&plain, Reply::ServerBusy, 4).attempt_offsets()
        );
    }
}
