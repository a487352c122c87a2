//! Adaptive destination-level control, as KumoMTA's Traffic Shaping Automation does it
//! (reference sheet §6.2): rules that match a reply (basic or enhanced code and/or a regular
//! expression over the reply line), fire on every match or once `count` matches fell within the
//! preceding `period`, and then, for `duration`, suspend the destination, lower its message rate
//! or lower its connection limit. A re-trigger extends the action to `duration` from then. The
//! per-message retry schedule is the base policy's (KumoMTA's by default).
//!
//! Suspension holds messages without an attempt until it ends (KumoMTA drains a suspended ready
//! queue back to the scheduled queue; what delay those messages get was not traced, sheet §11).
//! A lowered message rate gives each message its own start slot, `1/rate` apart, while the
//! lowered rate lasts; messages beyond the last slot are held until it ends.
//!
//! The `KumoMtaOffice365` policy runs this one with KumoMTA's published Outlook rules
//! (`kumomta_office365.rs`).

use regex::Regex;
use serde::Deserialize;

use super::{
    Admission, Decision, Failure, HoldReason, KumoMtaParams, MessageRetryState, Pending,
    PolicyParams, RetryPolicy, RetrySpec, SpecProblem, positive,
};
use crate::domain::Rate;
use crate::domain::{Reply, ReplyClass};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// When a rule fires.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum Trigger {
    /// On every matching reply (KumoMTA's default).
    #[default]
    Immediate,
    /// Once `count` matching replies fell within the last `period` (KumoMTA `"N/hr"`).
    Threshold {
        /// Matches needed.
        count: u32,
        /// The window they must fall in.
        period: SimDuration,
    },
}

/// What a fired rule does to the destination.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum Action {
    /// Stop all attempts to the destination.
    Suspend,
    /// Lower the destination's message rate (KumoMTA `max_message_rate`).
    MaxMessageRate(Rate),
    /// Lower the destination's connection limit (KumoMTA `connection_limit`).
    ConnectionLimit(u32),
}

/// One automation rule.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A basic (`451`) or enhanced (`4.7.500`) code the reply must have. Default: any.
    #[serde(default)]
    pub code: Option<String>,
    /// A regular expression the reply line must match. Default: any.
    #[serde(default)]
    pub pattern: Option<String>,
    /// When the rule fires. Default `Immediate`.
    #[serde(default)]
    pub trigger: Trigger,
    /// What it does.
    pub action: Action,
    /// For how long.
    pub duration: SimDuration,
}

/// The adaptive policy's parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AdaptiveParams {
    /// The per-message retry policy. Default `KumoMta()`.
    pub base: Box<RetrySpec>,
    /// The automation rules, checked against every completed attempt's reply.
    pub rules: Vec<Rule>,
}

impl Default for AdaptiveParams {
    fn default() -> Self {
        AdaptiveParams {
            base: Box::new(RetrySpec::KumoMta(KumoMtaParams::default())),
            rules: Vec::new(),
        }
    }
}

impl PolicyParams for AdaptiveParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        self.base.validate().map_err(|problem| SpecProblem {
            field: "base",
            message: format!("{}: {}", problem.field, problem.message),
            hint: problem.hint,
        })?;
        let problem = |message: String, hint: &str| SpecProblem::err("rules", message, hint);
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.code.is_none() && rule.pattern.is_none() {
                return problem(
                    format!("rule {i} has neither `code` nor `pattern`, so it matches every reply"),
                    "add code: \"4.7.500\" or pattern: \"Server busy\"",
                );
            }
            if let Some(pattern) = &rule.pattern
                && let Err(error) = Regex::new(pattern)
            {
                return problem(
                    format!("rule {i}: `{pattern}` is not a regular expression: {error}"),
                    "escape special characters such as `.` and `(` with a backslash",
                );
            }
            positive("rules", rule.duration, "\"30m\"")?;
            if let Trigger::Threshold { count: 0, .. } = rule.trigger {
                return problem(
                    format!("rule {i}: a threshold of 0 matches"),
                    "use a count of at least 1, or Immediate",
                );
            }
            match rule.action {
                Action::ConnectionLimit(0) => {
                    return problem(
                        format!("rule {i}: a connection limit of 0"),
                        "use Suspend to stop all attempts",
                    );
                }
                Action::MaxMessageRate(rate) if rate.as_per_second() <= 0.0 => {
                    return problem(
                        format!("rule {i}: a zero message rate"),
                        "use Suspend to stop all attempts",
                    );
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Adaptive::new(self.base.build(), &self.rules))
    }

    fn describe(&self) -> String {
        format!(
            "adaptive: {} rule(s) over base policy [{}]",
            self.rules.len(),
            self.base.describe()
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        self.base.delay_warning_default()
    }

    fn delay_warning_repeats(&self) -> bool {
        self.base.delay_warning_repeats()
    }
}

/// Whether a rule matches each reply of [`Reply::ALL`], worked out once when built so the
/// simulation never runs a regular expression.
fn matches(rule: &Rule) -> [bool; Reply::ALL.len()] {
    let regex = rule.pattern.as_deref().and_then(|p| Regex::new(p).ok());
    Reply::ALL.map(|reply| {
        let code_ok = rule.code.as_deref().is_none_or(|code| {
            reply.enhanced() == code || reply.code().is_some_and(|c| c.to_string() == code)
        });
        let text_ok = regex
            .as_ref()
            .is_none_or(|re| re.is_match(&reply.to_string()));
        code_ok && text_ok && reply.class() == ReplyClass::Temporary
    })
}

/// Suspension, message-rate and connection-limit overrides of one destination, with the rule
/// that set the suspension and the rate (for the trace).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Controls {
    suspended_until: SimTime,
    suspended_by: Option<HoldReason>,
    rate_until: SimTime,
    rate_by: Option<HoldReason>,
    rate_gap_ms: u64,
    next_slot: SimTime,
    limit_until: SimTime,
    limit: u32,
}

impl Controls {
    /// Suspends the destination until `until` (or keeps a longer suspension), because of `by`.
    pub(crate) fn suspend(&mut self, until: SimTime, by: HoldReason) {
        if until >= self.suspended_until {
            self.suspended_by = Some(by);
        }
        self.suspended_until = self.suspended_until.max(until);
    }

    /// Lowers the message rate to `rate` until `until` (the lower of two rates in force wins),
    /// because of `by`.
    pub(crate) fn limit_rate(&mut self, rate: Rate, until: SimTime, now: SimTime, by: HoldReason) {
        let gap = (1000.0 / rate.as_per_second()).round() as u64;
        if now >= self.rate_until {
            self.rate_gap_ms = gap;
        } else {
            self.rate_gap_ms = self.rate_gap_ms.max(gap);
        }
        self.rate_until = self.rate_until.max(until);
        self.rate_by = Some(by);
    }

    pub(crate) fn limit_connections(&mut self, limit: u32, until: SimTime, now: SimTime) {
        self.limit = if now >= self.limit_until {
            limit
        } else {
            self.limit.min(limit)
        };
        self.limit_until = self.limit_until.max(until);
    }

    pub(crate) fn admit(&mut self, now: SimTime) -> Admission {
        if now < self.suspended_until {
            let by = self.suspended_by.unwrap_or(HoldReason::Backoff);
            return Admission::Hold(self.suspended_until, by);
        }
        if now < self.rate_until {
            let by = self.rate_by.unwrap_or(HoldReason::Backoff);
            let slot = self.next_slot.max(now);
            if slot >= self.rate_until {
                // No slot left before the lowered rate ends: ask again when it ends (it may
                // have been extended by then).
                return Admission::Hold(self.rate_until, by);
            }
            self.next_slot = slot + SimDuration(self.rate_gap_ms);
            if slot > now {
                return Admission::Reserved(slot, by);
            }
        }
        Admission::Proceed
    }

    pub(crate) fn connection_limit(&self, now: SimTime) -> Option<u32> {
        (now < self.limit_until).then_some(self.limit)
    }
}

/// Rules over a base policy, with per-destination controls and match history.
pub struct Adaptive {
    base: Box<dyn RetryPolicy>,
    rules: Vec<CompiledRule>,
    destinations: Vec<Controls>,
    /// Recent match instants per (destination, rule), oldest first.
    history: Vec<Vec<std::collections::VecDeque<SimTime>>>,
}

struct CompiledRule {
    matches: [bool; Reply::ALL.len()],
    trigger: Trigger,
    action: Action,
    duration: SimDuration,
}

impl Adaptive {
    /// The rules over `base`.
    pub fn new(base: Box<dyn RetryPolicy>, rules: &[Rule]) -> Adaptive {
        Adaptive {
            base,
            rules: rules
                .iter()
                .map(|rule| CompiledRule {
                    matches: matches(rule),
                    trigger: rule.trigger.clone(),
                    action: rule.action.clone(),
                    duration: rule.duration,
                })
                .collect(),
            destinations: Vec::new(),
            history: Vec::new(),
        }
    }

    fn ensure(&mut self, destination: usize) {
        if destination >= self.destinations.len() {
            self.destinations
                .resize(destination + 1, Controls::default());
            let rules = self.rules.len();
            self.history
                .resize_with(destination + 1, || vec![Default::default(); rules]);
        }
    }

    /// When `destination` is suspended until, if it is at `now`.
    pub fn suspended_until(&self, destination: usize, now: SimTime) -> Option<SimTime> {
        let until = self.destinations.get(destination)?.suspended_until;
        (now < until).then_some(until)
    }
}

impl RetryPolicy for Adaptive {
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision {
        self.base.on_failure(failure, state, rng)
    }

    fn on_delivery(&mut self, destination: usize, now: SimTime) {
        self.base.on_delivery(destination, now);
    }

    fn admit(&mut self, pending: &Pending, state: &mut MessageRetryState) -> Admission {
        self.ensure(pending.destination);
        match self.destinations[pending.destination].admit(pending.now) {
            Admission::Proceed => self.base.admit(pending, state),
            other => other,
        }
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, others_busy: u32) {
        self.base
            .on_attempt_end(destination, reply, now, others_busy);
        self.ensure(destination);
        for (r, rule) in self.rules.iter().enumerate() {
            if !rule.matches[reply.index()] {
                continue;
            }
            let fire = match rule.trigger {
                Trigger::Immediate => true,
                Trigger::Threshold { count, period } => {
                    let seen = &mut self.history[destination][r];
                    seen.push_back(now);
                    while seen.front().is_some_and(|&t| now - t >= period) {
                        seen.pop_front();
                    }
                    seen.len() >= count as usize
                }
            };
            if fire {
                let until = now + rule.duration;
                let controls = &mut self.destinations[destination];
                let rule_index = r.min(usize::from(u16::MAX)) as u16;
                match rule.action {
                    Action::Suspend => {
                        controls.suspend(until, HoldReason::Suspended { rule: rule_index });
                    }
                    Action::MaxMessageRate(rate) => {
                        let by = HoldReason::RateLimited { rule: rule_index };
                        controls.limit_rate(rate, until, now, by);
                    }
                    Action::ConnectionLimit(limit) => controls.limit_connections(limit, until, now),
                }
            }
        }
    }

    fn connection_limit(&self, destination: usize, now: SimTime) -> Option<u32> {
        let own = self
            .destinations
            .get(destination)
            .and_then(|c| c.connection_limit(now));
        match (own, self.base.connection_limit(destination, now)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn uses_destination_hooks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_limits_and_codes_match_as_written() {
        let rule = Rule {
            code: Some("4.7.650".into()),
            pattern: None,
            trigger: Trigger::Immediate,
            action: Action::ConnectionLimit(2),
            duration: SimDuration::from_mins(10),
        };
        let mut policy = Adaptive::new(KumoMtaParams::default().build(), &[rule]);
        policy.on_attempt_end(0, Reply::ServerBusy, SimTime::ZERO, 0);
        assert_eq!(policy.connection_limit(0, SimTime::ZERO), None);
        policy.on_attempt_end(0, Reply::IpReputation, SimTime::ZERO, 0);
        assert_eq!(policy.connection_limit(0, SimTime(599_999)), Some(2));
        assert_eq!(policy.connection_limit(0, SimTime(600_000)), None);
    }
}
