//! Swapping the retry policy of a validated scenario (what `mailsim compare` does for each
//! policy), with the same checks and the same defaults as a file that names that policy.

use crate::retry::RetrySpec;
use crate::scenario::validate::{Checker, delay_notice};
use crate::scenario::{Scenario, ScenarioError};

impl Scenario {
    /// This scenario with `spec` as every sender's retry policy: the same scenario as a file
    /// that names `spec` as each sender's `retry`. A sender's delay notice is re-resolved as
    /// the parser does: a sender's own `delay_warning` stays; one that came from the old
    /// policy's default is replaced by the new policy's default (which may repeat). The
    /// `policies` list to compare is kept.
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Invalid`] at `senders[0].retry.…` when `spec` has an impossible
    /// parameter (as parsing the file would report it).
    pub fn with_policy(&self, spec: RetrySpec) -> Result<Scenario, ScenarioError> {
        let check = Checker {
            origin: &self.origin,
        };
        for index in 0..self.senders.len() {
            check.retry(&format!("senders[{index}]"), &spec)?;
        }
        let mut swapped = self.clone();
        for sender in &mut swapped.senders {
            let own = sender
                .delay_warning
                .filter(|_| sender.delay_warning_explicit);
            (sender.delay_warning, sender.delay_warning_repeats) = delay_notice(own, &spec);
            sender.retry = spec.clone();
        }
        Ok(swapped)
    }
}

#[cfg(test)]
mod tests {
    use crate::retry::RetrySpec;
    use crate::scenario::edit::{FieldPath, set_field};
    use crate::scenario::{ScenarioError, parse};

    /// Two senders: one with its own notice age, one that takes its policy's default.
    const TEXT: &str = r#"(
        name: "swap",
        senders: [
            (name: "own", traffic: [Campaign(messages: 10, at: "0s")],
             recipients: (mix: {"r": 1.0}), delay_warning: "30m", retry: Postfix()),
            (name: "default", traffic: [Campaign(messages: 10, at: "0s")],
             recipients: (mix: {"r": 1.0}), retry: Fope()),
        ],
        receivers: {"r": ()},
        policies: [(name: "exim", retry: Exim())],
    )"#;

    fn spec(text: &str) -> RetrySpec {
        crate::retry::parse_spec(text).unwrap()
    }

    /// The scenario parsed from `TEXT` with `policy` written into every sender's `retry`.
    fn written_with(policy: &str) -> crate::scenario::Scenario {
        let mut text = TEXT.to_string();
        for sender in 0..2 {
            let path = FieldPath::parse(&format!("senders[{sender}].retry")).unwrap();
            text = set_field(&text, &path, policy).unwrap();
        }
        parse("swap.ron", &text).unwrap()
    }

    #[test]
    fn a_swapped_policy_resolves_like_the_same_policy_written_in_the_file() {
        let base = parse("swap.ron", TEXT).unwrap();
        for policy in ["Exim()", "Fope()", "Postfix()", "PowerMta()", "Sendmail()"] {
            let swapped = base.with_policy(spec(policy)).unwrap();
            assert_eq!(
                swapped.describe(),
                written_with(policy).describe(),
                "{policy}"
            );
            assert_eq!(
                format!("{swapped:?}"),
                format!("{:?}", written_with(policy))
            );
        }
    }

    #[test]
    fn an_own_delay_warning_stays_and_a_default_follows_the_policy() {
        let base = parse("swap.ron", TEXT).unwrap();
        let hours = |h: u64| Some(crate::engine::SimDuration::from_hours(h));
        assert_eq!(base.senders[1].delay_warning, hours(2)); // FOPE's notice at 2 hours
        let exim = base.with_policy(spec("Exim()")).unwrap();
        let own = &exim.senders[0];
        assert_eq!(
            (own.delay_warning, own.delay_warning_repeats),
            (Some(crate::engine::SimDuration::from_mins(30)), false)
        );
        let default = &exim.senders[1];
        assert_eq!(
            (default.delay_warning, default.delay_warning_repeats),
            (hours(24), true)
        );
        // Back to a policy without a notice: the default is gone, not left over from Exim.
        let postfix = exim.with_policy(spec("Postfix()")).unwrap();
        assert_eq!(postfix.senders[1].delay_warning, None);
        assert_eq!(postfix.senders[0].delay_warning, own.delay_warning);
        assert_eq!(postfix.policies.len(), 1);
    }

    #[test]
    fn an_impossible_policy_is_refused_where_the_file_would_refuse_it() {
        let base = parse("swap.ron", TEXT).unwrap();
        let error = base
            .with_policy(spec(r#"Fixed(interval: "0s")"#))
            .unwrap_err();
        let ScenarioError::Invalid { path, field, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(
            (path.as_str(), field.as_str()),
            ("swap.ron", "senders[0].retry.interval")
        );
        let written = parse(
            "swap.ron",
            &TEXT.replace("Postfix()", r#"Fixed(interval: "0s")"#),
        );
        assert_eq!(error.to_string(), written.unwrap_err().to_string());
    }
}
