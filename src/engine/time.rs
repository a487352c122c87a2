//! Simulated time: instants ([`SimTime`]) and spans ([`SimDuration`]), both integer milliseconds.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant of simulated time, in milliseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any instant a run can reach.
    pub const NEVER: SimTime = SimTime(u64::MAX);

    /// Milliseconds since the start.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float for reporting.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of whole seconds.
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs * 1000)
    }

    /// A span of whole minutes.
    pub const fn from_mins(mins: u64) -> SimDuration {
        SimDuration(mins * 60_000)
    }

    /// A span of whole hours.
    pub const fn from_hours(hours: u64) -> SimDuration {
        SimDuration(hours * 3_600_000)
    }

    /// A span of whole days.
    pub const fn from_days(days: u64) -> SimDuration {
        SimDuration(days * 86_400_000)
    }

    /// A span from fractional seconds, rounded to the nearest millisecond (negative → zero).
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        SimDuration((secs * 1000.0).round().max(0.0) as u64)
    }

    /// Milliseconds in the span.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds in the span, as a float for reporting and arithmetic on rates.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::NEVER`] instead of wrapping.
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Saturates at zero.
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

/// Formats a span the way people write it: `0s`, `90s` → `1m30s`, `5d`, `1d2h`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, ms) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1000),
        ] {
            if rest >= ms {
                write!(f, "{}{unit}", rest / ms)?;
                rest %= ms;
            }
        }
        if rest > 0 {
            write!(f, "{rest}ms")?;
        }
        Ok(())
    }
}

/// Formats an instant as the span since the start, e.g. `t=2h30m`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(SimTime(5) - SimTime(9), SimDuration::ZERO);
        assert_eq!(SimTime(u64::MAX - 1) + SimDuration(10), SimTime::NEVER);
        assert_eq!(SimTime(1000) + SimDuration::from_secs(2), SimTime(3000));
    }

    #[test]
    fn durations_display_in_human_units() {
        assert_eq!(SimDuration::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimDuration::from_days(5).to_string(), "5d");
        assert_eq!(SimDuration(1500).to_string(), "1s500ms");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
        assert_eq!(SimTime(7_200_000).to_string(), "t=2h");
    }
}
