//! The typed leaves of a scenario that belong to the mail world: reputation classes, outage
//! and DNS trouble kinds and SMTP transaction-time distributions.

use std::fmt;

use serde::Deserialize;

use crate::engine::{RandomStream, SimDuration};

/// A sending IP's reputation class, as a receiver sees it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    serde::Serialize,
    schemars::JsonSchema,
)]
pub enum Reputation {
    /// Long, clean sending history.
    Good,
    /// Some complaints or little history.
    Neutral,
    /// Frequent complaints or spam-trap hits.
    Poor,
    /// On the edge of being blocked.
    Bad,
}

impl Reputation {
    /// Every class, in order.
    pub const ALL: [Reputation; 4] = [
        Reputation::Good,
        Reputation::Neutral,
        Reputation::Poor,
        Reputation::Bad,
    ];
}

/// The class as a scenario file writes it: `Good`, `Neutral`, `Poor`, `Bad`.
impl fmt::Display for Reputation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reputation::Good => "Good",
            Reputation::Neutral => "Neutral",
            Reputation::Poor => "Poor",
            Reputation::Bad => "Bad",
        })
    }
}

/// What senders see during an outage window.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[non_exhaustive]
pub enum OutageKind {
    /// Connections time out; each attempt holds its slot for the sender's `connect_timeout`.
    Timeout,
    /// Connections are refused at once.
    Refused,
    /// The receiver answers the greeting with `421 4.3.2`.
    Greeting421,
    /// Connections work but every transaction gets `451 4.3.2`.
    Reply451,
}

/// What senders see, in words: `connections time out`, `451 to every transaction`.
impl fmt::Display for OutageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutageKind::Timeout => "connections time out",
            OutageKind::Refused => "connections refused",
            OutageKind::Greeting421 => "421 at the greeting",
            OutageKind::Reply451 => "451 to every transaction",
        })
    }
}

/// What fails in a DNS trouble window.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[non_exhaustive]
pub enum DnsKind {
    /// The receiver's SPF/Sender ID lookups return temperror: `451 4.7.0` at MAIL FROM.
    SpfTempError,
    /// The sender cannot resolve the receiver's MX: a site-level deferral without a connection.
    MxLookup,
}

/// What fails, in words: `SPF temperror`, `MX lookup failure`.
impl fmt::Display for DnsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DnsKind::SpfTempError => "SPF temperror",
            DnsKind::MxLookup => "MX lookup failure",
        })
    }
}

/// The outcome of one authentication check (SPF, DKIM or DMARC) for a sender's mail.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum AuthResult {
    /// The check passes.
    #[default]
    Pass,
    /// The check fails (no record, wrong record, no signature, misalignment).
    Fail,
}

/// How long one SMTP transaction takes.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum ServiceTime {
    /// Always this long (zero allowed).
    Fixed(SimDuration),
    /// Exponentially distributed with this mean.
    Exponential {
        /// The mean.
        mean: SimDuration,
    },
    /// Log-normally distributed with this mean and standard deviation.
    LogNormal {
        /// The mean.
        mean: SimDuration,
        /// The standard deviation.
        sd: SimDuration,
    },
}

impl ServiceTime {
    /// Draws one transaction time.
    pub fn sample(&self, rng: &mut RandomStream) -> SimDuration {
        match *self {
            ServiceTime::Fixed(duration) => duration,
            ServiceTime::Exponential { mean } => {
                SimDuration::from_secs_f64(rng.exponential(mean.as_secs_f64()))
            }
            ServiceTime::LogNormal { mean, sd } => {
                let (m, s) = (mean.as_secs_f64(), sd.as_secs_f64());
                if m == 0.0 {
                    return SimDuration::ZERO;
                }
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                SimDuration::from_secs_f64((mu + sigma2.sqrt() * rng.standard_normal()).exp())
            }
        }
    }

    /// The mean transaction time.
    pub fn mean(&self) -> SimDuration {
        match *self {
            ServiceTime::Fixed(duration) => duration,
            ServiceTime::Exponential { mean } | ServiceTime::LogNormal { mean, .. } => mean,
        }
    }
}

/// The distribution in words: `1s (fixed)`, `1s on average (exponential)`,
/// `800ms on average (log-normal, sd 400ms)`.
impl fmt::Display for ServiceTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceTime::Fixed(duration) => write!(f, "{duration} (fixed)"),
            ServiceTime::Exponential { mean } => write!(f, "{mean} on average (exponential)"),
            ServiceTime::LogNormal { mean, sd } => {
                write!(f, "{mean} on average (log-normal, sd {sd})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_draws_have_the_requested_mean() {
        let service = ServiceTime::LogNormal {
            mean: SimDuration::from_secs(2),
            sd: SimDuration::from_secs(1),
        };
        let mut rng = RandomStream::new(11, 0, "test");
        let n = 100_000;
        let total: u64 = (0..n).map(|_| service.sample(&mut rng).as_millis()).sum();
        let mean_s = total as f64 / n as f64 / 1000.0;
        // Standard error 1/sqrt(n) ≈ 0.003 s.
        assert!((mean_s - 2.0).abs() < 0.02, "mean {mean_s}");
    }

    #[test]
    fn settings_read_as_words() {
        let fixed = ServiceTime::Fixed(SimDuration::from_secs(1));
        assert_eq!(fixed.to_string(), "1s (fixed)");
        let lognormal = ServiceTime::LogNormal {
            mean: SimDuration(800),
            sd: SimDuration(400),
        };
        assert_eq!(
            lognormal.to_string(),
            "800ms on average (log-normal, sd 400ms)"
        );
        assert_eq!(OutageKind::Timeout.to_string(), "connections time out");
        assert_eq!(DnsKind::MxLookup.to_string(), "MX lookup failure");
        assert_eq!(Reputation::Neutral.to_string(), "Neutral");
    }

    #[test]
    fn fixed_zero_is_allowed() {
        let mut rng = RandomStream::new(1, 0, "test");
        assert_eq!(
            ServiceTime::Fixed(SimDuration::ZERO).sample(&mut rng),
            SimDuration::ZERO
        );
    }
}
