//! Postfix's concurrency feedback values as `main.cf` writes them (`1`, `1/concurrency`,
//! `1/sqrt_concurrency`): reading, writing and evaluating them for a window. How the window
//! uses them is `qmgr_feedback.c`'s logic, in the parent module.

use std::fmt;

use serde::Deserialize;

/// A feedback value: `base`, `base/concurrency` or `base/sqrt_concurrency`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Feedback {
    /// The numerator.
    pub base: f64,
    /// What it is divided by.
    pub per: FeedbackPer,
}

/// The divisor of a [`Feedback`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackPer {
    /// Nothing: a constant.
    One,
    /// The current window.
    Concurrency,
    /// The square root of the current window.
    SqrtConcurrency,
}

impl Feedback {
    /// The default, `1`.
    pub const ONE: Feedback = Feedback {
        base: 1.0,
        per: FeedbackPer::One,
    };

    /// The feedback for window `window`.
    pub fn value(self, window: u32) -> f64 {
        let window = f64::from(window.max(1));
        match self.per {
            FeedbackPer::One => self.base,
            FeedbackPer::Concurrency => self.base / window,
            FeedbackPer::SqrtConcurrency => self.base / window.sqrt(),
        }
    }
}

impl TryFrom<String> for Feedback {
    type Error = String;

    fn try_from(text: String) -> Result<Feedback, String> {
        let hint = "write `1`, `1/concurrency` or `1/sqrt_concurrency`";
        let (base, per) = match text.split_once('/') {
            None => (text.as_str(), FeedbackPer::One),
            Some((base, "concurrency")) => (base, FeedbackPer::Concurrency),
            Some((base, "sqrt_concurrency")) => (base, FeedbackPer::SqrtConcurrency),
            Some((_, other)) => {
                return Err(format!(
                    "invalid feedback `{text}`: unknown divisor `{other}`; {hint}"
                ));
            }
        };
        match base.trim().parse::<f64>() {
            Ok(base) if base.is_finite() && base > 0.0 => Ok(Feedback { base, per }),
            _ => Err(format!(
                "invalid feedback `{text}`: `{base}` is not a positive number; {hint}"
            )),
        }
    }
}

impl From<Feedback> for String {
    fn from(feedback: Feedback) -> String {
        feedback.to_string()
    }
}

impl fmt::Display for Feedback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.per {
            FeedbackPer::One => write!(f, "{}", self.base),
            FeedbackPer::Concurrency => write!(f, "{}/concurrency", self.base),
            FeedbackPer::SqrtConcurrency => write!(f, "{}/sqrt_concurrency", self.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_reads_writes_and_divides_as_main_cf_does() {
        let per_sqrt = Feedback::try_from("2/sqrt_concurrency".to_string()).unwrap();
        assert_eq!(per_sqrt.value(4), 1.0);
        assert_eq!(per_sqrt.to_string(), "2/sqrt_concurrency");
        let per_window = Feedback::try_from("1/concurrency".to_string()).unwrap();
        assert_eq!(per_window.value(4), 0.25);
        assert_eq!(per_window.value(0), 1.0);
        assert_eq!(Feedback::try_from("1".to_string()), Ok(Feedback::ONE));
        let error = Feedback::try_from("1/window".to_string()).unwrap_err();
        assert!(error.contains("unknown divisor `window`"), "{error}");
        let error = Feedback::try_from("-1".to_string()).unwrap_err();
        assert!(error.contains("not a positive number"), "{error}");
    }
}
