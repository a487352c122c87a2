//! Confidence intervals: the mean of independent replications with a 95% Student-t interval,
//! and the same for paired differences (common random numbers make the pairs).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The confidence level of every interval mailsim reports.
pub const CONFIDENCE: f64 = 0.95;

/// A mean with its 95% confidence interval, `mean ± half_width`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The sample mean.
    pub mean: f64,
    /// Half the width of the 95% Student-t interval; `null` with fewer than two values.
    pub half_width: Option<f64>,
    /// How many values (replications) it rests on.
    pub n: usize,
}

impl Interval {
    /// The mean and 95% interval of `values`; `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Interval> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        // Equal values give their value and no spread exactly: summing them and the squares of
        // their deviations would leave rounding noise (a mean of 13516.799000000003, a
        // half-width of 2.5e-12) that reads as runs that disagreed.
        if values.iter().all(|&v| v == values[0]) {
            return Some(Interval {
                mean: values[0],
                half_width: (n >= 2).then_some(0.0),
                n,
            });
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let half_width = (n >= 2).then(|| {
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t_quantile(n - 1) * (variance / n as f64).sqrt()
        });
        Some(Interval {
            mean,
            half_width,
            n,
        })
    }

    /// The interval of the differences `a[i] − b[i]` of paired values (same replication under
    /// two configurations); pairs where either value is missing are left out.
    pub fn paired(a: &[Option<f64>], b: &[Option<f64>]) -> Option<Interval> {
        let differences: Vec<f64> = a
            .iter()
            .zip(b)
            .filter_map(|(x, y)| Some((*x)? - (*y)?))
            .collect();
        Interval::of(&differences)
    }

    /// The lower end (the mean when there is no interval).
    pub fn low(&self) -> f64 {
        self.mean - self.half_width.unwrap_or(0.0)
    }

    /// The upper end (the mean when there is no interval).
    pub fn high(&self) -> f64 {
        self.mean + self.half_width.unwrap_or(0.0)
    }

    /// Half-width relative to |mean|: `None` without an interval, infinite for a zero mean
    /// with spread, zero when every value is the same.
    pub fn relative_half_width(&self) -> Option<f64> {
        let half = self.half_width?;
        Some(if half == 0.0 {
            0.0
        } else if self.mean == 0.0 {
            f64::INFINITY
        } else {
            half / self.mean.abs()
        })
    }

    /// Whether the interval covers `value`.
    pub fn covers(&self, value: f64) -> bool {
        self.low() <= value && value <= self.high()
    }
}

/// The two-sided 95% quantile of Student's t with `degrees` degrees of freedom (≥ 1).
pub fn t_quantile(degrees: usize) -> f64 {
    StudentsT::new(0.0, 1.0, degrees as f64)
        .map(|t| t.inverse_cdf(0.5 + CONFIDENCE / 2.0))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        assert!((t_quantile(1) - 12.706).abs() < 1e-3);
        assert!((t_quantile(9) - 2.262).abs() < 1e-3);
        assert!((t_quantile(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn an_interval_is_mean_plus_minus_t_times_standard_error() {
        let interval = Interval::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(interval.mean, 2.5);
        let se = (5.0f64 / 3.0 / 4.0).sqrt();
        assert!((interval.half_width.unwrap() - 3.182 * se).abs() < 1e-3);
        assert_eq!(Interval::of(&[7.0]).unwrap().half_width, None);
        assert!(Interval::of(&[]).is_none());
    }

    #[test]
    fn equal_values_have_their_value_and_no_spread_exactly() {
        let interval = Interval::of(&[13_516.799; 5]).unwrap();
        assert_eq!(
            (interval.mean, interval.half_width),
            (13_516.799, Some(0.0))
        );
        assert_eq!(interval.relative_half_width(), Some(0.0));
        let single = Interval::of(&[0.1]).unwrap();
        assert_eq!((single.mean, single.half_width), (0.1, None));
    }

    #[test]
    fn identical_pairs_differ_by_exactly_zero() {
        let a = [Some(1.5), Some(2.5), None, Some(9.0)];
        let difference = Interval::paired(&a, &a).unwrap();
        assert_eq!(
            (difference.mean, difference.half_width, difference.n),
            (0.0, Some(0.0), 3)
        );
        assert_eq!(difference.relative_half_width(), Some(0.0));
    }
}
