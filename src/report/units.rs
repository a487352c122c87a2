//! Numbers for people: durations as `1h02m`, shares as `97.5%`, counts as `9,587`, rates per
//! hour, intervals as `1h02m ± 30s`, and every study metric by its name in words ("p99
//! latency", "all-done time"). The machine-readable files keep seconds and fractions; every page,
//! table and chart a person reads goes through here.

use super::MetricRow;
use crate::study::sweep::{Comparison, Target};

/// What a metric counts, which decides how it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Messages, attempts, events: `9,587`.
    Count,
    /// A fraction of the arrived messages: `97.5%`.
    Share,
    /// Seconds: `1h02m`.
    Duration,
    /// Per second, written per hour: `2,700/h`.
    PerSecond,
}

/// The unit of a study metric, from its name: `…_s` and latencies are durations, `…_rate`
/// shares, `…_per_s` rates, the rest counts.
pub fn unit_of(metric: &str) -> Unit {
    if metric.ends_with("_per_s") {
        Unit::PerSecond
    } else if metric.ends_with("_s") || metric.starts_with("latency_s.") {
        Unit::Duration
    } else if metric.ends_with("_rate")
        || metric.ends_with("_share")
        || metric.starts_with("delivered_by.")
    {
        Unit::Share
    } else {
        Unit::Count
    }
}

/// A metric's name in words, for headings, axes and sentences; its description from the
/// metric list for a metric without a short name here.
pub fn metric_words(metric: &str) -> String {
    let words = match metric {
        "arrived" => "arrived",
        "delivered" => "delivered",
        "bounced" => "bounced",
        "expired" => "expired",
        "queued_at_end" => "still queued at the end",
        "bounce_rate" => "bounce rate",
        "expiry_rate" => "expiry rate",
        "delivery_rate" => "delivered share",
        "attempts" => "attempts",
        "deferrals" => "deferrals",
        "delay_warnings" => "delay warnings",
        "queue_alerts" => "queue alerts",
        "latency_s.mean" => "mean latency",
        "latency_s.p50" => "median latency",
        "latency_s.p90" => "p90 latency",
        "latency_s.p99" => "p99 latency",
        "latency_s.p999" => "p99.9 latency",
        "latency_s.max" => "longest latency",
        "peak_queue" => "peak retry queue",
        "peak_waiting_connection" => "peak connection wait",
        "little.mean_queued" => "mean queued",
        "little.throughput_per_s" => "throughput",
        "little.mean_time_in_queue_s" => "mean time in queue",
        "end_time_s" => "run end",
        "all_done_s" => "all-done time",
        "retry_queue_empty_s" => "retry-queue empty time",
        "latency_s.min" => "shortest latency",
        other => {
            if let Some(deadline) = other.strip_prefix("delivered_by.") {
                return format!("delivered within {deadline}");
            }
            let description = crate::study::describe(other);
            return if description.is_empty() {
                other.to_string()
            } else {
                description
            };
        }
    };
    words.to_string()
}

/// The same with a capital first letter, for titles.
pub fn metric_title(metric: &str) -> String {
    capitalised(&metric_words(metric))
}

/// `text` with its first letter in upper case.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A swept field's path in words: `senders[0].ips[0].count` → `sending IPs`,
/// `receivers.o365.throttle.rate` → `o365 throttle rate`,
/// `senders[0].connections.per_destination` → `connections per destination`.
pub fn path_words(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    let last = parts.last().copied().unwrap_or(path);
    let before = parts.len().checked_sub(2).map(|i| parts[i]);
    let words = match (before, last) {
        (Some("ips"), "count") => return "sending IPs".into(),
        (Some("connections"), "per_destination") => return "connections per destination".into(),
        (Some(group @ ("throttle" | "retry" | "connections" | "probation")), field) => {
            format!("{group} {}", field.replace('_', " "))
        }
        (_, field) => field.replace('_', " "),
    };
    match parts.as_slice() {
        ["receivers", receiver, _, ..] => format!("{receiver} {words}"),
        _ => words,
    }
}

/// A sweep's target in words: `all-done time ≤ 6h`.
pub fn target_words(target: &Target) -> String {
    let op = match target.comparison {
        Comparison::AtMost => "≤",
        Comparison::Below => "<",
        Comparison::AtLeast => "≥",
        Comparison::Above => ">",
    };
    format!(
        "{} {op} {}",
        metric_words(&target.metric),
        metric_value(&target.metric, target.limit)
    )
}

/// A value of `metric` for people.
pub fn metric_value(metric: &str, value: f64) -> String {
    match unit_of(metric) {
        Unit::Count => count(value),
        Unit::Share => percent(value),
        Unit::Duration => duration(value),
        Unit::PerSecond => format!("{}/h", count(value * 3600.0)),
    }
}

/// A metric's mean with its 95% half-width for people: `1h02m ± 30s`, `97.5% ± 0.4%`; the
/// mean alone with one run, `–` without a value.
pub fn metric_interval(metric: &str, row: &MetricRow) -> String {
    match (row.mean, row.half_width) {
        (Some(mean), Some(half)) => {
            format!(
                "{} ± {}",
                metric_value(metric, mean),
                half_width(metric, mean, half)
            )
        }
        (Some(mean), None) => metric_value(metric, mean),
        _ => "–".into(),
    }
}

/// The same for a paired difference, signed: `−12m ± 3m`.
pub fn difference_interval(metric: &str, row: &MetricRow) -> String {
    match (row.mean, row.half_width) {
        (Some(mean), Some(half)) => {
            format!(
                "{} ± {}",
                metric_difference(metric, mean),
                half_width(metric, mean, half)
            )
        }
        (Some(mean), None) => metric_difference(metric, mean),
        _ => "–".into(),
    }
}

/// A half-width beside its mean: `0` when every run agreed, a count to the same precision
/// as a large mean (`132,964 ± 7`, not `± 6.57`), else in the metric's unit. A spread too
/// small to show at that precision is `<1` or `<1ms`, never a `0` that would say the runs
/// agreed.
fn half_width(metric: &str, mean: f64, half: f64) -> String {
    if half == 0.0 {
        return "0".into();
    }
    match unit_of(metric) {
        Unit::Count if mean.abs() >= 100.0 && half < 0.5 => "<1".into(),
        Unit::Count if mean.abs() >= 100.0 => count(half.round()),
        Unit::Duration if half < 0.0005 => "<1ms".into(),
        _ => metric_value(metric, half),
    }
}

/// Whether an interval rests on several runs that all gave the same value (`± 0`).
pub fn all_runs_equal(row: &MetricRow) -> bool {
    row.half_width == Some(0.0) && row.n > 1
}

/// What `± 0` means, for a note under a table that shows one.
pub const EQUAL_RUNS_NOTE: &str = "± 0: every replication gave the same value (this figure does not depend on the random draws), not a value known exactly.";

/// A difference of `metric` for people, with its sign: `+12m`, `−3.5%`, `+1,200`.
pub fn metric_difference(metric: &str, value: f64) -> String {
    let sign = if value > 0.0 {
        "+"
    } else if value < 0.0 {
        "−"
    } else {
        ""
    };
    format!("{sign}{}", metric_value(metric, value.abs()))
}

/// A count: whole numbers grouped in thousands (`9,587`), fractions with three significant
/// digits (`12.4`, `0.253`).
pub fn count(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    if value.abs() >= 100.0 || value == value.trunc() {
        let rounded = value.round();
        let grouped = grouped(rounded.abs() as u64);
        return if rounded < 0.0 {
            format!("−{grouped}")
        } else {
            grouped
        };
    }
    significant(value, 3)
}

/// `1234567` as `1,234,567`.
pub fn grouped(n: u64) -> String {
    crate::domain::units::group_digits(&n.to_string())
}

/// A fraction as a percentage: one decimal from 1% up (`97.5%`, `100%`), two significant
/// digits below (`0.42%`), `0%` for zero.
pub fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value == 0.0 || !value.is_finite() {
        return "0%".into();
    }
    if value.abs() >= 1.0 {
        return format!("{}%", trimmed(format!("{value:.1}")));
    }
    format!("{}%", significant(value, 2))
}

/// Seconds as people write a duration: `850ms`, `12.5s`, `6m25s`, `1h02m`, `6h`, `1d04h`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "–".into();
    }
    if seconds < 0.0 {
        return format!("−{}", duration(-seconds));
    }
    let ms = (seconds * 1000.0).round() as u64;
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        return format!("{}s", trimmed(format!("{:.1}", ms as f64 / 1000.0)));
    }
    let s = (ms + 500) / 1000;
    if s < 3600 {
        let (minutes, secs) = (s / 60, s % 60);
        return if secs == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{secs:02}s")
        };
    }
    let minutes = (s + 30) / 60;
    if minutes < 24 * 60 {
        return match minutes % 60 {
            0 => format!("{}h", minutes / 60),
            m => format!("{}h{m:02}m", minutes / 60),
        };
    }
    // Past a day, minutes are dropped: rounded to the nearest hour.
    let hours = (s + 1800) / 3600;
    match hours % 24 {
        0 => format!("{}d", hours / 24),
        h => format!("{}d{h:02}h", hours / 24),
    }
}

/// `value` to `digits` significant digits, trailing zeros dropped.
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let places = (digits - 1 - magnitude).max(0) as usize;
    trimmed(format!("{value:.places$}"))
}

/// Drops trailing zeros after a decimal point, and the point itself.
fn trimmed(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(0.25), "250ms");
        assert_eq!(duration(12.5), "12.5s");
        assert_eq!(duration(60.0), "1m");
        assert_eq!(duration(385.4), "6m25s");
        assert_eq!(duration(3720.0), "1h02m");
        assert_eq!(duration(21_600.0), "6h");
        assert_eq!(duration(3723.4), "1h02m");
        assert_eq!(duration(18_038.8), "5h01m");
        assert_eq!(duration(86_399.0), "1d");
        assert_eq!(duration(101_000.0), "1d04h");
        assert_eq!(duration(-90.0), "−1m30s");
    }

    #[test]
    fn shares_counts_and_rates_carry_their_unit() {
        assert_eq!(percent(0.975), "97.5%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0042), "0.42%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(count(9587.0), "9,587");
        assert_eq!(count(12.44), "12.4");
        assert_eq!(count(-1200.0), "−1,200");
        assert_eq!(metric_value("little.throughput_per_s", 0.75), "2,700/h");
        assert_eq!(metric_value("delivery_rate", 0.5), "50%");
        assert_eq!(metric_value("all_done_s", 18_038.8), "5h01m");
        assert_eq!(metric_difference("latency_s.p99", -720.0), "−12m");
        assert_eq!(metric_difference("attempts", 1200.0), "+1,200");
        assert_eq!(metric_difference("expired", 0.0), "0");
    }

    #[test]
    fn swept_paths_and_targets_read_as_words() {
        assert_eq!(path_words("senders[0].ips[0].count"), "sending IPs");
        assert_eq!(path_words("senders[0].ips.count"), "sending IPs");
        assert_eq!(
            path_words("senders[0].connections.per_destination"),
            "connections per destination"
        );
        assert_eq!(
            path_words("receivers.o365.throttle.rate"),
            "o365 throttle rate"
        );
        assert_eq!(path_words("senders[0].retry.interval"), "retry interval");
        let target = Target::parse("all_done_s <= 6h").expect("a target");
        assert_eq!(target_words(&target), "all-done time ≤ 6h");
    }

    #[test]
    fn intervals_keep_the_mean_s_precision_and_say_zero_plainly() {
        let row = |mean: f64, half: f64| MetricRow {
            metric: "x".into(),
            mean: Some(mean),
            half_width: Some(half),
            low: Some(mean - half),
            high: Some(mean + half),
            n: 3,
        };
        assert_eq!(
            metric_interval("attempts", &row(132_964.0, 6.57)),
            "132,964 ± 7"
        );
        assert_eq!(
            metric_interval("latency_s.p99", &row(13_500.0, 0.0)),
            "3h45m ± 0"
        );
        assert!(all_runs_equal(&row(1.0, 0.0)));
        // Runs that differ by less than the shown precision are not shown as agreeing.
        assert_eq!(
            metric_interval("latency_s.p99", &row(13_500.0, 0.0002)),
            "3h45m ± <1ms"
        );
        assert_eq!(
            metric_interval("attempts", &row(132_964.0, 0.3)),
            "132,964 ± <1"
        );
        assert_eq!(
            difference_interval("all_done_s", &row(-494.0, 1715.0)),
            "−8m14s ± 28m35s"
        );
        let single = MetricRow {
            half_width: None,
            n: 1,
            ..row(0.25, 0.0)
        };
        assert_eq!(metric_interval("bounce_rate", &single), "25%");
    }

    #[test]
    fn metrics_have_names_in_words() {
        assert_eq!(metric_words("latency_s.p99"), "p99 latency");
        assert_eq!(metric_title("all_done_s"), "All-done time");
        assert_eq!(unit_of("all_done_s"), Unit::Duration);
        assert_eq!(unit_of("bounce_rate"), Unit::Share);
        let list = crate::study::MetricList::new(&crate::domain::Deadline::defaults());
        for name in list.names() {
            assert!(!metric_words(name).contains('_'), "{name}");
        }
        assert_eq!(metric_words("delivered_by.4h"), "delivered within 4h");
        assert_eq!(unit_of("delivered_by.4h"), Unit::Share);
    }
}
