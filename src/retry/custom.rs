//! A retry policy of the library user's own: implement [`CustomPolicy`] and put it on a sender
//! with [`super::RetrySpec::custom`]. The simulation, `validate`, reports and studies then treat
//! it like a built-in policy, naming it by [`CustomPolicy::name`]. A scenario file cannot name
//! one (there is no text to read it from); `examples/custom_policy.rs` shows the whole path.

use std::fmt;
use std::sync::Arc;

use super::RetryPolicy;
use super::params::{PolicyParams, SpecProblem};
use crate::engine::SimDuration;

/// A retry policy supplied by the library user. One value describes the policy; the
/// simulation asks it for a fresh [`RetryPolicy`] per sender and run ([`CustomPolicy::build`]),
/// so runs and replications stay independent. `Send + Sync` because scenarios are shared
/// between the threads of a study.
pub trait CustomPolicy: Send + Sync {
    /// A short name for reports, e.g. `every-7m-3-tries`.
    fn name(&self) -> &str;

    /// One line with every parameter, shown by `validate` and in reports.
    fn describe(&self) -> String;

    /// A fresh policy for one sender in one run.
    fn build(&self) -> Box<dyn RetryPolicy>;

    /// Checks the parameters; the default accepts them.
    fn validate(&self) -> Result<(), SpecProblem> {
        Ok(())
    }

    /// The age of the delay notice the policy's system sends by default (used when the sender
    /// sets no `delay_warning`); the default is none.
    fn delay_warning_default(&self) -> Option<SimDuration> {
        None
    }

    /// Whether that notice repeats at every further multiple of its age; the default is no.
    fn delay_warning_repeats(&self) -> bool {
        false
    }
}

/// A shared [`CustomPolicy`], as [`super::RetrySpec::Custom`] holds it: clones share the one
/// policy value, and two are equal only when they share it.
#[derive(Clone)]
pub struct CustomSpec(Arc<dyn CustomPolicy>);

impl CustomSpec {
    /// Wraps `policy`.
    pub fn new(policy: impl CustomPolicy + 'static) -> CustomSpec {
        CustomSpec(Arc::new(policy))
    }

    /// The policy.
    pub fn policy(&self) -> &dyn CustomPolicy {
        self.0.as_ref()
    }
}

impl fmt::Debug for CustomSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomSpec")
            .field("name", &self.0.name())
            .finish_non_exhaustive()
    }
}

impl PartialEq for CustomSpec {
    fn eq(&self, other: &CustomSpec) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl PolicyParams for CustomSpec {
    fn validate(&self) -> Result<(), SpecProblem> {
        self.0.validate()
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        self.0.build()
    }

    fn describe(&self) -> String {
        self.0.describe()
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        self.0.delay_warning_default()
    }

    fn delay_warning_repeats(&self) -> bool {
        self.0.delay_warning_repeats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;
    use crate::retry::schedule::compute;
    use crate::retry::{Fixed, RetrySpec};

    /// Every 10 minutes for an hour, with a notice at 30 minutes.
    struct TenMinutes;

    impl CustomPolicy for TenMinutes {
        fn name(&self) -> &str {
            "ten-minutes"
        }

        fn describe(&self) -> String {
            "ten-minutes: every 10m for 1h".to_string()
        }

        fn build(&self) -> Box<dyn RetryPolicy> {
            Box::new(Fixed {
                interval: SimDuration::from_mins(10),
                lifetime: SimDuration::from_hours(1),
            })
        }

        fn delay_warning_default(&self) -> Option<SimDuration> {
            Some(SimDuration::from_mins(30))
        }
    }

    /// Refuses itself, to show a custom check reaches the caller.
    struct Refused;

    impl CustomPolicy for Refused {
        fn name(&self) -> &str {
            "refused"
        }

        fn describe(&self) -> String {
            "refused".to_string()
        }

        fn build(&self) -> Box<dyn RetryPolicy> {
            TenMinutes.build()
        }

        fn validate(&self) -> Result<(), SpecProblem> {
            SpecProblem::err("interval", "not today", "try tomorrow")
        }
    }

    #[test]
    fn a_custom_policy_answers_like_a_built_in_one() {
        let spec = RetrySpec::custom(TenMinutes);
        assert_eq!(spec.name(), "ten-minutes");
        assert_eq!(spec.describe(), "ten-minutes: every 10m for 1h");
        assert!(spec.validate().is_ok());
        assert_eq!(
            spec.delay_warning_default(),
            Some(SimDuration::from_mins(30))
        );
        assert!(!spec.delay_warning_repeats());
        let timeline = compute(&spec, Reply::ServerBusy, 1);
        assert_eq!(
            timeline.attempt_offsets(),
            vec![0.0, 600.0, 1200.0, 1800.0, 2400.0, 3000.0, 3600.0]
        );
        assert_eq!(timeline.expired_at(), Some(3600.0));
        assert_eq!(
            timeline
                .rows_of(super::super::schedule::Event::DelayWarning)
                .count(),
            1
        );
        let problem = RetrySpec::custom(Refused).validate().unwrap_err();
        assert_eq!(problem.field, "interval");
    }

    #[test]
    fn clones_share_the_policy_and_only_they_are_equal() {
        let spec = RetrySpec::custom(TenMinutes);
        assert_eq!(spec.clone(), spec);
        assert_ne!(RetrySpec::custom(TenMinutes), spec);
        assert!(format!("{spec:?}").contains("ten-minutes"));
    }
}
