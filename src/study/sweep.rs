//! Sweeps: `--set PATH=VALUES` gives a field of the scenario several values, several settings
//! make a grid, and `--target` finds the parameter value where a metric crosses a limit.
//!
//! Each grid point is the scenario text with its values written in by the scenario's text
//! editor ([`crate::scenario::edit`]) and then parsed and validated again, so every check and
//! error message of a scenario file applies to every point.

use crate::domain::Rate;
use crate::domain::parse_duration;
use crate::engine::SimDuration;
use crate::scenario::edit::{EditError, FieldPath, PATH_FORM, set_value};

/// The form of a value list, for error messages.
pub const VALUES_FORM: &str = "a comma list (`4,8,16`, `10m,20m,1h`) or a range with a step (`1..10:1`, `10m..2h:10m`, `100/h..1000/h:100/h`)";

/// One `--set`: a field path and the values it takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The field path as given.
    pub path: FieldPath,
    /// Its values, as they will be written into the scenario.
    pub values: Vec<String>,
}

impl Setting {
    /// Parses `PATH=VALUES`.
    pub fn parse(text: &str) -> Result<Setting, String> {
        let (path, values) = text.split_once('=').ok_or_else(|| {
            format!("--set `{text}` has no `=`: write --set PATH=VALUES, where PATH is {PATH_FORM} and VALUES is {VALUES_FORM}")
        })?;
        let path = FieldPath::parse(path.trim()).map_err(|error| error.to_string())?;
        let values = parse_values(values.trim())?;
        if let Some(repeated) = values
            .iter()
            .enumerate()
            .find_map(|(i, v)| values[..i].contains(v).then_some(v))
        {
            return Err(format!(
                "--set `{text}` gives the value `{repeated}` twice; give each value once"
            ));
        }
        Ok(Setting { path, values })
    }
}

/// What kind of quantity a range counts in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Quantity {
    Number { decimals: usize },
    Duration,
    Rate,
}

fn parse_quantity(text: &str) -> Option<(f64, Quantity, &str)> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        let decimals = text
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        return number
            .is_finite()
            .then_some((number, Quantity::Number { decimals }, ""));
    }
    if let Some((count, unit)) = text.split_once('/') {
        text.parse::<Rate>().ok()?;
        let count: f64 = count.trim().parse().ok()?;
        return Some((count, Quantity::Rate, unit.trim()));
    }
    parse_duration(text)
        .ok()
        .map(|duration| (duration.as_millis() as f64, Quantity::Duration, ""))
}

/// Parses VALUES: a comma list or `a..b:step`.
pub fn parse_values(text: &str) -> Result<Vec<String>, String> {
    let bad = |why: String| format!("values `{text}`: {why}; write {VALUES_FORM}");
    if text.is_empty() {
        return Err(bad("nothing given".into()));
    }
    let Some((from, rest)) = text.split_once("..") else {
        let values: Vec<String> = text.split(',').map(|v| v.trim().to_string()).collect();
        if values.iter().any(String::is_empty) {
            return Err(bad("an empty item".into()));
        }
        return Ok(values);
    };
    let (to, step) = rest
        .split_once(':')
        .ok_or_else(|| bad("a range needs a step after `:`".into()))?;
    let not_quantity = |part: &str| {
        bad(format!(
            "`{}` is not a number, duration or rate",
            part.trim()
        ))
    };
    let (from, kind, unit) = parse_quantity(from).ok_or_else(|| not_quantity(from))?;
    let (to, to_kind, to_unit) = parse_quantity(to).ok_or_else(|| not_quantity(to))?;
    let (step, step_kind, step_unit) = parse_quantity(step).ok_or_else(|| not_quantity(step))?;
    let same = |a: Quantity, b: Quantity| std::mem::discriminant(&a) == std::mem::discriminant(&b);
    if !same(kind, to_kind) || !same(kind, step_kind) || unit != to_unit || unit != step_unit {
        return Err(bad("start, end and step must be the same kind (all numbers, all durations, or rates with one unit)".into()));
    }
    if step <= 0.0 {
        return Err(bad("the step must be positive".into()));
    }
    if to < from {
        return Err(bad("the end is below the start".into()));
    }
    let count = ((to - from) / step + 1e-9).floor() as usize + 1;
    if count > 10_000 {
        return Err(bad(format!("{count} points is too many (at most 10000)")));
    }
    let decimals = |q: Quantity| match q {
        Quantity::Number { decimals } => decimals,
        _ => 0,
    };
    let places = decimals(kind)
        .max(decimals(to_kind))
        .max(decimals(step_kind));
    Ok((0..count)
        .map(|i| {
            let value = from + i as f64 * step;
            match kind {
                Quantity::Number { .. } => format!("{value:.places$}"),
                Quantity::Duration => SimDuration(value.round() as u64).to_string(),
                Quantity::Rate => format!("{}/{unit}", round_places(value, 9)),
            }
        })
        .collect())
}

/// A value as a number for a chart axis: numbers as they are, durations in seconds, rates by
/// their count; `None` for anything else.
pub fn axis_value(text: &str) -> Option<f64> {
    let (value, kind, _) = parse_quantity(text.trim_matches('"'))?;
    Some(match kind {
        Quantity::Duration => value / 1000.0,
        _ => value,
    })
}

/// Every point of the grid made by `settings`: one (path, value) per setting, the first
/// setting varying slowest.
pub fn grid(settings: &[Setting]) -> Vec<Vec<(FieldPath, String)>> {
    let mut points: Vec<Vec<(FieldPath, String)>> = vec![Vec::new()];
    for setting in settings {
        points = points
            .into_iter()
            .flat_map(|point| {
                setting.values.iter().map(move |value| {
                    let mut next = point.clone();
                    next.push((setting.path.clone(), value.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

/// The scenario text of one grid point: every (path, value) written in.
pub fn apply_point(text: &str, point: &[(FieldPath, String)]) -> Result<String, EditError> {
    point
        .iter()
        .try_fold(text.to_string(), |text, (path, value)| {
            set_value(&text, path, value)
        })
}

fn round_places(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// A comparison in a `--target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Comparison {
    /// `<=`
    AtMost,
    /// `<`
    Below,
    /// `>=`
    AtLeast,
    /// `>`
    Above,
}

/// A `--target "METRIC OP VALUE"`, e.g. `latency_s.p99 <= 3600`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// The metric.
    pub metric: String,
    /// How it compares.
    pub comparison: Comparison,
    /// The limit (seconds for `_s` metrics; a duration such as `1h` is accepted).
    pub limit: f64,
}

impl Target {
    /// Parses `METRIC OP VALUE` with OP one of `<=`, `<`, `>=`, `>`.
    pub fn parse(text: &str) -> Result<Target, String> {
        let form = "write --target \"METRIC OP VALUE\" with OP one of <=, <, >=, >, e.g. --target \"latency_s.p99 <= 3600\" or \"bounce_rate < 0.01\"";
        let (at, op, comparison) = [
            ("<=", Comparison::AtMost),
            (">=", Comparison::AtLeast),
            ("<", Comparison::Below),
            (">", Comparison::Above),
        ]
        .into_iter()
        .find_map(|(op, comparison)| text.find(op).map(|at| (at, op, comparison)))
        .ok_or_else(|| format!("target `{text}` has no comparison; {form}"))?;
        let metric = text[..at].trim().to_string();
        super::check_metric(&metric).map_err(|why| format!("target `{text}`: {why}"))?;
        let limit_text = text[at + op.len()..].trim();
        let limit = limit_text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .or_else(|| {
                parse_duration(limit_text)
                    .ok()
                    .map(SimDuration::as_secs_f64)
            })
            .ok_or_else(|| {
                format!("target `{text}`: `{limit_text}` is not a number or a duration; {form}")
            })?;
        Ok(Target {
            metric,
            comparison,
            limit,
        })
    }

    /// Whether `value` meets the target.
    pub fn met_by(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::AtMost => value <= self.limit,
            Comparison::Below => value < self.limit,
            Comparison::AtLeast => value >= self.limit,
            Comparison::Above => value > self.limit,
        }
    }

    /// The operator as written.
    pub fn operator(&self) -> &'static str {
        match self.comparison {
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
        }
    }

    /// Given whether each point of a line (in sweep order) meets the target, the point that
    /// marks the threshold: the first of the meeting run that reaches the last point (the
    /// smallest value that suffices, when more is better), else the last of the run that
    /// starts at the first point (the largest value that still meets it, when less is better),
    /// else the first point that meets it.
    pub fn threshold(meets: &[bool]) -> Option<usize> {
        if meets.last() == Some(&true) {
            let failing = meets.iter().rposition(|m| !m);
            return Some(failing.map_or(0, |i| i + 1));
        }
        if meets.first() == Some(&true) {
            return meets.iter().position(|m| !m).map(|i| i - 1);
        }
        meets.iter().position(|m| *m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_lists_or_ranges() {
        assert_eq!(parse_values("1..4:1").unwrap(), ["1", "2", "3", "4"]);
        assert_eq!(parse_values("0.1..0.3:0.1").unwrap(), ["0.1", "0.2", "0.3"]);
        assert_eq!(
            parse_values("30m..2h:30m").unwrap(),
            ["30m", "1h", "1h30m", "2h"]
        );
        assert_eq!(
            parse_values("100/h..300/h:100/h").unwrap(),
            ["100/h", "200/h", "300/h"]
        );
        assert_eq!(parse_values("4, 8,16").unwrap(), ["4", "8", "16"]);
        assert!(parse_values("1..4").unwrap_err().contains("step"));
        assert!(parse_values("1..4:0").is_err());
        assert!(parse_values("1m..4:1").is_err());
        assert!(Setting::parse("a=1,2,1").unwrap_err().contains("`1` twice"));
    }

    #[test]
    fn a_grid_varies_the_first_setting_slowest_and_writes_each_point_in() {
        let settings = [
            Setting::parse("senders[0].retry.interval=10m,1h").unwrap(),
            Setting::parse("receivers.r.throttle.burst=1..3:1").unwrap(),
        ];
        let points = grid(&settings);
        let labels: Vec<String> = points
            .iter()
            .map(|point| {
                let parts: Vec<String> = point.iter().map(|(p, v)| format!("{p}={v}")).collect();
                parts.join(" ")
            })
            .collect();
        assert_eq!(labels.len(), 6);
        assert_eq!(
            labels[..4],
            [
                "senders[0].retry.interval=10m receivers.r.throttle.burst=1",
                "senders[0].retry.interval=10m receivers.r.throttle.burst=2",
                "senders[0].retry.interval=10m receivers.r.throttle.burst=3",
                "senders[0].retry.interval=1h receivers.r.throttle.burst=1",
            ]
        );
        let text = r#"(senders: [(retry: Fixed(interval: "20m"))], receivers: {"r": (throttle: (rate: "1/s", burst: 9))})"#;
        assert_eq!(
            apply_point(text, &points[5]).unwrap(),
            r#"(senders: [(retry: Fixed(interval: "1h"))], receivers: {"r": (throttle: (rate: "1/s", burst: 3))})"#
        );
        let missing = Setting::parse("receivers.x.throttle.burst=1").unwrap();
        assert!(apply_point(text, &grid(&[missing])[0]).is_err());
        assert!(
            Setting::parse("senders[0=1")
                .unwrap_err()
                .contains("unclosed or stray `[`")
        );
    }

    #[test]
    fn thresholds_sit_at_the_edge_of_the_meeting_run() {
        assert_eq!(Target::threshold(&[false, false, true, true]), Some(2));
        assert_eq!(Target::threshold(&[true, true, false]), Some(1));
        assert_eq!(Target::threshold(&[false, true, false]), Some(1));
        assert_eq!(Target::threshold(&[false, false]), None);
        let target = Target::parse("latency_s.p99 <= 1h").unwrap();
        assert_eq!((target.limit, target.met_by(3600.0)), (3600.0, true));
        assert!(Target::parse("latency <= 1").is_err());
    }
}
