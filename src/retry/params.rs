//! What a built-in policy's parameter type provides to the registry ([`PolicyParams`]: check,
//! build, describe, default delay notice) and the vocabulary its checks use ([`SpecProblem`],
//! [`positive`]). The parameter types themselves live with their policies (`postfix.rs`, …); the
//! table that names them lives in `registry.rs`.

use super::RetryPolicy;
use crate::engine::SimDuration;

/// What every built-in policy's parameter set provides; [`super::RetrySpec`] dispatches to it.
pub(crate) trait PolicyParams {
    /// Checks the parameters against each other.
    fn validate(&self) -> Result<(), SpecProblem>;
    /// Builds the policy.
    fn build(&self) -> Box<dyn RetryPolicy>;
    /// One line with every parameter.
    fn describe(&self) -> String;
    /// The real system's default delay-notice age, if it sends one by default.
    fn delay_warning_default(&self) -> Option<SimDuration> {
        None
    }
    /// Whether that notice repeats every time the same age passes again (Exim, PowerMTA).
    fn delay_warning_repeats(&self) -> bool {
        false
    }
}

/// A parameter that makes no sense, found by [`super::RetrySpec::validate`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("parameter `{field}`: {message} ({hint})")]
pub struct SpecProblem {
    /// The parameter's name within the policy, e.g. `cap`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl SpecProblem {
    /// An `Err` naming `field`, saying what is wrong and how to fix it.
    pub fn err<T>(
        field: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Result<T, SpecProblem> {
        Err(SpecProblem {
            field,
            message: message.into(),
            hint: hint.into(),
        })
    }
}

/// Checks that a duration parameter is positive.
pub(crate) fn positive(
    field: &'static str,
    value: SimDuration,
    example: &str,
) -> Result<(), SpecProblem> {
    if value == SimDuration::ZERO {
        SpecProblem::err(
            field,
            format!("`{field}` must be positive"),
            format!("use a positive duration such as {example}"),
        )
    } else {
        Ok(())
    }
}

/// The give-up age of the generic policies (`Fixed`, `Exponential`, `Offsets`) when a scenario
/// sets none: 5 days.
pub(crate) fn default_lifetime() -> SimDuration {
    SimDuration::from_days(5)
}
