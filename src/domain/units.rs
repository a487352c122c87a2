//! Human units in scenario files: durations (`"90s"`, `"20m"`, `"5d"`, `"1h30m"`), rates
//! (`"600/h"`, `"10/s"`, `"1/min"`) and shares (a number from 0 to 1).
//!
//! Each type checks its text while the file is parsed, so a bad value is reported at its own
//! line and column. Counts written for people have their thousands grouped here too
//! ([`group_digits`]), so the model's estimate and the reports group them alike.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, de};

use crate::engine::SimDuration;

/// A whole number's digits with its thousands grouped, for people: `1234567` → `1,234,567`.
pub fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Parses a duration such as `90s`, `20m`, `5d`, `1h30m` or `250ms`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(
            "empty duration: write a number and a unit, such as \"90s\", \"20m\" or \"5d\"".into(),
        );
    }
    if trimmed.starts_with('-') {
        return Err(format!(
            "negative duration `{trimmed}`: durations cannot be negative"
        ));
    }
    let parsed = humantime::parse_duration(trimmed).map_err(|err| {
        format!(
            "invalid duration `{trimmed}` ({err}): write a number and a unit, such as \"90s\", \"20m\", \"4h\", \"5d\" or \"1h30m\""
        )
    })?;
    let millis = u64::try_from(parsed.as_millis())
        .map_err(|_| format!("duration `{trimmed}` is too long"))?;
    // Beyond ~292 million years the millisecond clock overflows; no scenario needs that.
    if millis > u64::MAX / 4 {
        return Err(format!("duration `{trimmed}` is too long"));
    }
    Ok(SimDuration(millis))
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_duration(&text).map_err(de::Error::custom)
    }
}

impl serde::Serialize for SimDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A deadline of the `delivered_by` figures: a positive span, kept with the text it was written
/// as (so `"24h"` is reported as `24h`, not `1d`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    label: String,
    within: SimDuration,
}

impl Deadline {
    /// Parses a positive duration such as `"5m"` or `"24h"`.
    pub fn parse(text: &str) -> Result<Deadline, String> {
        let within = parse_duration(text)?;
        if within == SimDuration::ZERO {
            return Err(format!(
                "a deadline of `{}` is zero: write a positive duration such as \"1h\"",
                text.trim()
            ));
        }
        Ok(Deadline {
            label: text.trim().to_string(),
            within,
        })
    }

    /// The deadlines when a scenario names none: 5 minutes, 1, 4 and 24 hours.
    pub fn defaults() -> Vec<Deadline> {
        ["5m", "1h", "4h", "24h"]
            .into_iter()
            .map(|text| Deadline::parse(text).expect("the default deadlines are valid"))
            .collect()
    }

    /// The deadline as written, e.g. `24h`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The span.
    pub fn within(&self) -> SimDuration {
        self.within
    }
}

impl<'de> Deserialize<'de> for Deadline {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Deadline::parse(&text).map_err(de::Error::custom)
    }
}

impl serde::Serialize for Deadline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label)
    }
}

/// The largest rate a scenario may give, per second: a billion.
const MAX_RATE_PER_SECOND: f64 = 1e9;

/// A rate of events, stored per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    per_second: f64,
}

impl Rate {
    /// A rate of `per_second` events each second (must be finite and not negative).
    pub fn per_second(per_second: f64) -> Rate {
        Rate { per_second }
    }

    /// Events per second.
    pub fn as_per_second(self) -> f64 {
        self.per_second
    }

    /// Events per hour, the unit most people think of mail volume in.
    pub fn as_per_hour(self) -> f64 {
        self.per_second * 3600.0
    }
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let hint = "write a count, a slash and a unit, such as \"600/h\", \"10/s\", \"100/min\" or \"50000/d\"";
        let (count, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("invalid rate `{text}`: {hint}"))?;
        let count: f64 = count.trim().parse().map_err(|_| {
            format!(
                "invalid rate `{text}`: `{}` is not a number; {hint}",
                count.trim()
            )
        })?;
        if !count.is_finite() || count < 0.0 {
            return Err(format!(
                "invalid rate `{text}`: the count must be a finite number ≥ 0"
            ));
        }
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            "d" | "day" => 86_400.0,
            other => {
                return Err(format!(
                    "invalid rate `{text}`: unknown unit `{other}`; {hint}"
                ));
            }
        };
        let per_second = count / seconds;
        if per_second > MAX_RATE_PER_SECOND {
            return Err(format!(
                "invalid rate `{text}`: more than {MAX_RATE_PER_SECOND}/s (a billion a second), which no mail system comes near"
            ));
        }
        Ok(Rate::per_second(per_second))
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// Written as [`Rate::exact_text`], so that a scenario written back (`mailsim convert`) reads
/// in as the very same rate.
impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.exact_text())
    }
}

impl Rate {
    /// The rate as text that parses back to exactly this rate: the display form (`600/h`) when
    /// it does, else the shortest exact form per day, hour, minute or second (`1/d` rather
    /// than the display's rounded `0.0416667/h`).
    pub fn exact_text(self) -> String {
        let exact = |text: &String| text.parse::<Rate>().is_ok_and(|rate| rate == self);
        let shown = self.to_string();
        if exact(&shown) {
            return shown;
        }
        [("d", 86_400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)]
            .into_iter()
            .map(|(unit, seconds)| format!("{}/{unit}", self.per_second * seconds))
            .filter(exact)
            .min_by_key(String::len)
            .unwrap_or_else(|| format!("{}/s", self.per_second))
    }
}

/// Shown per hour, e.g. `600/h`.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/h", round_sig(self.as_per_hour()))
    }
}

/// A share or probability: a number from 0 to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Share(f64);

impl Share {
    /// The share as a number from 0 to 1.
    pub fn get(self) -> f64 {
        self.0
    }

    /// Checks that `value` is a number from 0 to 1.
    pub fn new(value: f64) -> Result<Share, String> {
        if value.is_nan() || !(0.0..=1.0).contains(&value) {
            Err(format!(
                "{value} is not a share: write a number from 0 to 1, such as 0.25"
            ))
        } else {
            Ok(Share(value))
        }
    }
}

impl serde::Serialize for Share {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Share::new(value).map_err(de::Error::custom)
    }
}

/// Rounds to 6 significant digits for display, so `600.0000001` shows as `600`.
fn round_sig(value: f64) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let digits = 6 - value.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// Scenario files write a duration as a string with units; the schema says so.
impl schemars::JsonSchema for SimDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration: a number and a unit, e.g. \"90s\", \"20m\", \"4h\", \"5d\", \"1h30m\", \"250ms\".",
            "pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*[a-zA-Z\u{b5}]+\\s*)+$",
            "examples": ["90s", "20m", "4h", "5d", "1h30m"]
        })
    }
}

/// A deadline is written like a duration.
impl schemars::JsonSchema for Deadline {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Deadline".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = SimDuration::json_schema(generator);
        schema.insert(
            "description".into(),
            "A positive duration, e.g. \"5m\", \"1h\", \"24h\".".into(),
        );
        schema
    }
}

/// Scenario files write a rate as `count/unit`; the schema says so.
impl schemars::JsonSchema for Rate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A rate: a count, a slash and a unit (s, min, h or d), e.g. \"600/h\", \"10/s\", \"100/min\".",
            "pattern": "^\\s*[0-9]+(\\.[0-9]*)?\\s*/\\s*(s|sec|second|m|min|minute|h|hour|d|day)\\s*$",
            "examples": ["600/h", "10/s", "100/min", "50000/d"]
        })
    }
}

/// A share is a number from 0 to 1.
impl schemars::JsonSchema for Share {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Share".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "description": "A share or probability: a number from 0 to 1.",
            "minimum": 0,
            "maximum": 1
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_human_units() {
        assert_eq!(parse_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_duration("20m"), Ok(SimDuration::from_mins(20)));
        assert_eq!(parse_duration("5d"), Ok(SimDuration::from_days(5)));
        assert_eq!(parse_duration("1h30m"), Ok(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250)));
        assert_eq!(parse_duration("0s"), Ok(SimDuration::ZERO));
    }

    #[test]
    fn bad_durations_say_how_to_write_one() {
        for bad in ["", "5", "5x", "-3m", "soon", "999999999999999999d"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("duration"), "{bad:?} → {err}");
        }
    }

    #[test]
    fn deadlines_keep_their_text_and_must_be_positive() {
        let deadline = Deadline::parse(" 24h ").unwrap();
        assert_eq!(deadline.label(), "24h");
        assert_eq!(deadline.within(), SimDuration::from_hours(24));
        let labels: Vec<String> = Deadline::defaults()
            .iter()
            .map(|d| d.label().to_string())
            .collect();
        assert_eq!(labels, ["5m", "1h", "4h", "24h"]);
        assert!(Deadline::parse("0s").unwrap_err().contains("zero"));
        assert!(Deadline::parse("soon").is_err());
    }

    #[test]
    fn rates_parse_per_unit() {
        let rate: Rate = "600/h".parse().unwrap();
        assert!((rate.as_per_second() - 600.0 / 3600.0).abs() < 1e-12);
        assert_eq!("10/s".parse::<Rate>().unwrap().as_per_second(), 10.0);
        assert_eq!("120/min".parse::<Rate>().unwrap().as_per_second(), 2.0);
        assert_eq!("600/h".parse::<Rate>().unwrap().to_string(), "600/h");
        // Written back, a rate reads in as itself, in its own unit where the display rounds.
        for (text, exact) in [("600/h", "600/h"), ("1/d", "1/d"), ("7/min", "420/h")] {
            let rate: Rate = text.parse().unwrap();
            assert_eq!(rate.exact_text(), exact);
            assert_eq!(rate.exact_text().parse::<Rate>().unwrap(), rate);
        }
        for bad in [
            "600",
            "x/h",
            "10/week",
            "-1/s",
            "NaN/s",
            "inf/s",
            "1e308/s",
            "1000000001/s",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn shares_must_lie_between_zero_and_one() {
        assert!(Share::new(0.0).is_ok());
        assert!(Share::new(1.0).is_ok());
        assert!(Share::new(1.5).is_err());
        assert!(Share::new(-0.1).is_err());
        assert!(Share::new(f64::NAN).is_err());
    }
}
