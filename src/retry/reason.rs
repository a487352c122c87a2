//! A [`HoldReason`] in words, with the policy's own parameters: which rule kept a message from
//! an attempt and what set it off (an adaptive rule's pattern, trigger and action; Postfix's dead
//! destination; Exim's host retry time), for `mailsim trace` and the report.

use super::{Action, HoldReason, RetrySpec, Rule, Trigger};

impl RetrySpec {
    /// What `reason` means under this policy, in one phrase, e.g. `Postfix dead destination
    /// (site failures made the destination dead; its mail is deferred without a connection
    /// until it is revived)` or `rule 3 ("Server busy. Please try again later", 5 within 1h →
    /// suspend for 30m) suspended the destination`.
    pub fn explain(&self, reason: HoldReason) -> String {
        match reason {
            HoldReason::DeadDestination => "Postfix dead destination (a failed cohort of site failures made the destination dead; its mail is deferred without a connection until it is revived)".to_string(),
            HoldReason::QueueScan => "Postfix deferred queue (the message waits for the queue manager's next scan of the deferred queue)".to_string(),
            HoldReason::DeliveryAgent => "Postfix delivery agents (no smtp process free yet; master starts them on demand)".to_string(),
            HoldReason::HostRetryTime => "Exim retry time not reached for the host (its retry record after a site failure; the message waits for the host's retry time)".to_string(),
            HoldReason::MessageRetryTime => "Exim retry time not reached for the message (its own retry record after a deferral; a queue run passes it by until then)".to_string(),
            HoldReason::HostStatus => "Sendmail host status cache (the host failed recently; deferred without a connection)".to_string(),
            HoldReason::QueueRetry => "Exchange Server queue retry (the next hop's queue waits for its next retry)".to_string(),
            HoldReason::Suspended { rule } => format!("{} suspended the destination", self.rule_text(rule)),
            HoldReason::RateLimited { rule } => {
                format!("{} lowered the destination's message rate: it waits for a start slot", self.rule_text(rule))
            }
            HoldReason::Backoff => "PowerMTA backoff mode (a backoff reply was seen: the lowered message rate and connections)".to_string(),
            HoldReason::Other(text) => text.to_string(),
        }
    }

    /// Adaptive rule `index` of this policy with its match, trigger and action.
    fn rule_text(&self, index: u16) -> String {
        let rules = match self {
            RetrySpec::Adaptive(params) => params.rules.clone(),
            RetrySpec::KumoMtaOffice365(params) => params.rules(),
            _ => Vec::new(),
        };
        match rules.get(usize::from(index)) {
            Some(rule) => format!("rule {} ({})", index + 1, describe_rule(rule)),
            None => format!("rule {}", index + 1),
        }
    }
}

/// `"Server busy", 5 within 1h → suspend for 30m`.
fn describe_rule(rule: &Rule) -> String {
    let matching = match (&rule.code, &rule.pattern) {
        (Some(code), Some(pattern)) => format!("{code} and \"{pattern}\""),
        (Some(code), None) => code.clone(),
        (None, Some(pattern)) => format!("\"{pattern}\""),
        (None, None) => "any temporary reply".to_string(),
    };
    let trigger = match &rule.trigger {
        Trigger::Immediate => "on each match".to_string(),
        Trigger::Threshold { count, period } => format!("{count} within {period}"),
    };
    let action = match &rule.action {
        Action::Suspend => format!("suspend for {}", rule.duration),
        Action::MaxMessageRate(rate) => format!("{rate} for {}", rule.duration),
        Action::ConnectionLimit(limit) => {
            format!("{limit} connection(s) for {}", rule.duration)
        }
    };
    format!("{matching}, {trigger} → {action}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::parse_spec;

    #[test]
    fn reasons_name_the_rule_and_its_trigger() {
        let kumo = parse_spec("KumoMtaOffice365()").unwrap();
        assert_eq!(
            kumo.explain(HoldReason::Suspended { rule: 2 }),
            "rule 3 (\"Server busy. Please try again later\", 5 within 1h → suspend for 30m) suspended the destination"
        );
        let adaptive = parse_spec(
            "Adaptive(rules: [(code: \"4.7.500\", trigger: Threshold(count: 2, period: \"10m\"), action: MaxMessageRate(\"60/h\"), duration: \"1h\")])",
        )
        .unwrap();
        let text = adaptive.explain(HoldReason::RateLimited { rule: 0 });
        assert!(
            text.starts_with("rule 1 (4.7.500, 2 within 10m → 60/h for 1h) lowered"),
            "{text}"
        );
        let postfix = parse_spec("Postfix()").unwrap();
        assert!(
            postfix
                .explain(HoldReason::DeadDestination)
                .starts_with("Postfix dead destination")
        );
    }
}
