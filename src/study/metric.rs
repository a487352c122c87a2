//! The figures a study compares, taken from a run's [`Summary`] by name: `all_done_s`,
//! `delivered_by.4h`, `delivered`, `bounce_rate`, `latency_s.p99`, … (the names follow
//! `summary.json`).
//!
//! Most metrics are the same for every study ([`FIXED`]); the `delivered_by.<deadline>` shares
//! follow the scenario's `run.deadlines`, so a study's list of metrics ([`MetricList`]) is
//! built from them.

use crate::domain::{Deadline, parse_duration};
use crate::metrics::Summary;

/// When all mail was done: the metric every study lists first.
const ALL_DONE: (&str, &str) = (
    "all_done_s",
    "when the last message left the queue (delivered, bounced or expired), s",
);

/// The prefix of the share delivered within a deadline, e.g. `delivered_by.4h`.
const DELIVERED_BY: &str = "delivered_by.";

/// The metrics every study has besides the completion figures, in report order, with what
/// they measure.
pub const FIXED: &[(&str, &str)] = &[
    ("arrived", "messages that arrived"),
    ("delivered", "messages delivered"),
    ("bounced", "messages bounced by a permanent failure"),
    ("expired", "messages that expired: the policy gave up"),
    ("queued_at_end", "messages still queued when the run ended"),
    ("bounce_rate", "bounced ÷ arrived"),
    ("expiry_rate", "expired ÷ arrived"),
    ("delivery_rate", "delivered ÷ arrived"),
    ("attempts", "delivery attempts"),
    ("deferrals", "temporary failures"),
    ("delay_warnings", "delay warnings sent"),
    ("queue_alerts", "queue alerts raised"),
    ("latency_s.mean", "mean delivery latency, s"),
    ("latency_s.min", "shortest delivery latency, s"),
    ("latency_s.p50", "median delivery latency, s"),
    ("latency_s.p90", "90th percentile latency, s"),
    ("latency_s.p99", "99th percentile latency, s"),
    ("latency_s.p999", "99.9th percentile latency, s"),
    ("latency_s.max", "longest delivery latency, s"),
    ("peak_queue", "most messages waiting for a retry at once"),
    (
        "peak_waiting_connection",
        "most messages waiting for a connection at once",
    ),
    (
        "retry_queue_empty_s",
        "when the retry queue last emptied (mail may still wait for a connection), s",
    ),
    ("little.mean_queued", "time-average messages in the queue"),
    ("little.throughput_per_s", "departures per second"),
    ("little.mean_time_in_queue_s", "mean time in the queue, s"),
    ("end_time_s", "when the run ended, s"),
];

/// The metrics of one study, in report order: `all_done_s`, one `delivered_by.<deadline>` per
/// deadline of the scenario, then [`FIXED`]. Values of a study's runs are stored in this order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricList {
    names: Vec<String>,
}

impl MetricList {
    /// The metrics of a study whose scenario has `deadlines`.
    pub fn new(deadlines: &[Deadline]) -> MetricList {
        let mut names = vec![ALL_DONE.0.to_string()];
        names.extend(
            deadlines
                .iter()
                .map(|d| format!("{DELIVERED_BY}{}", d.label())),
        );
        names.extend(FIXED.iter().map(|(name, _)| name.to_string()));
        MetricList { names }
    }

    /// How many metrics.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none (never, for a list built by [`MetricList::new`]).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of metric `m`.
    pub fn name(&self, m: usize) -> &str {
        &self.names[m]
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The position of metric `name`; `delivered_by.24h` also finds `delivered_by.1d`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|known| known == name)
            .or_else(|| {
                let within = deadline_of(name)?;
                self.names
                    .iter()
                    .position(|known| deadline_of(known) == Some(within))
            })
    }

    /// Checks that `name` is one of these metrics, or says which names exist.
    pub fn check(&self, name: &str) -> Result<(), String> {
        check_metric(name)?;
        if self.index(name).is_some() {
            return Ok(());
        }
        let deadlines: Vec<&str> = self
            .names()
            .filter_map(|n| n.strip_prefix(DELIVERED_BY))
            .collect();
        Err(format!(
            "`{name}` is not among the scenario's deadlines ({}); add its deadline to run.deadlines",
            if deadlines.is_empty() {
                "none".to_string()
            } else {
                deadlines.join(", ")
            }
        ))
    }

    /// Every metric of `summary`, in this list's order.
    pub fn values(&self, summary: &Summary) -> Vec<Option<f64>> {
        self.names
            .iter()
            .map(|name| metric_value(summary, name))
            .collect()
    }
}

/// What metric `name` measures.
pub fn describe(name: &str) -> String {
    if name == ALL_DONE.0 {
        return ALL_DONE.1.to_string();
    }
    if let Some(deadline) = name.strip_prefix(DELIVERED_BY) {
        return format!("share of arrived messages delivered within {deadline}");
    }
    FIXED
        .iter()
        .find(|(known, _)| *known == name)
        .map_or_else(String::new, |(_, about)| about.to_string())
}

/// The deadline of a `delivered_by.<deadline>` name.
fn deadline_of(name: &str) -> Option<crate::engine::SimDuration> {
    parse_duration(name.strip_prefix(DELIVERED_BY)?).ok()
}

/// The metric names, comma-separated, for error messages.
pub fn metric_names() -> String {
    let mut names = vec![ALL_DONE.0, "delivered_by.<deadline> (e.g. delivered_by.4h)"];
    names.extend(FIXED.iter().map(|(name, _)| *name));
    names.join(", ")
}

/// Checks that `name` is a metric of some study (a `delivered_by.<deadline>` needs a valid
/// duration; whether the scenario has that deadline is [`MetricList::check`]'s business), or
/// says which names exist.
pub fn check_metric(name: &str) -> Result<(), String> {
    if name == "drain_time_s" {
        return Err("`drain_time_s` is now `retry_queue_empty_s` (when the retry queue last emptied, while mail may still wait for a connection); for when all mail was done use `all_done_s`".to_string());
    }
    if let Some(deadline) = name.strip_prefix(DELIVERED_BY) {
        return parse_duration(deadline)
            .map(|_| ())
            .map_err(|why| format!("`{name}`: {why}"));
    }
    if name == ALL_DONE.0 || FIXED.iter().any(|(known, _)| *known == name) {
        Ok(())
    } else {
        Err(format!(
            "unknown metric `{name}`; the metrics are {}",
            metric_names()
        ))
    }
}

/// The value of metric `name` in `summary`; `None` when the run has none (no deliveries, so
/// no latency; mail still queued at the end, so no `all_done_s`; a deadline the run did not
/// count) or the name is unknown.
pub fn metric_value(summary: &Summary, name: &str) -> Option<f64> {
    let share = |count: u64| (summary.arrived > 0).then(|| count as f64 / summary.arrived as f64);
    let latency = summary.latency_s.as_ref();
    if let Some(within) = deadline_of(name) {
        let within = within.as_secs_f64();
        return summary
            .delivered_by
            .iter()
            .find(|by| by.deadline_s == within)?
            .share;
    }
    Some(match name {
        "all_done_s" => summary.all_done_s?,
        "arrived" => summary.arrived as f64,
        "delivered" => summary.delivered as f64,
        "bounced" => summary.bounced as f64,
        "expired" => summary.expired as f64,
        "queued_at_end" => summary.queued_at_end as f64,
        "bounce_rate" => share(summary.bounced)?,
        "expiry_rate" => share(summary.expired)?,
        "delivery_rate" => share(summary.delivered)?,
        "attempts" => summary.attempts as f64,
        "deferrals" => summary.deferrals.values().sum::<u64>() as f64,
        "delay_warnings" => summary.delay_warnings as f64,
        "queue_alerts" => summary.queue_alerts as f64,
        "latency_s.mean" => latency?.mean,
        "latency_s.min" => latency?.min,
        "latency_s.p50" => latency?.p50,
        "latency_s.p90" => latency?.p90,
        "latency_s.p99" => latency?.p99,
        "latency_s.p999" => latency?.p999,
        "latency_s.max" => latency?.max,
        "peak_queue" => summary.peak_queue as f64,
        "peak_waiting_connection" => summary.peak_waiting_connection as f64,
        "retry_queue_empty_s" => summary.retry_queue_empty_s?,
        "little.mean_queued" => summary.little.mean_queued,
        "little.throughput_per_s" => summary.little.throughput_per_s,
        "little.mean_time_in_queue_s" => summary.little.mean_time_in_queue_s,
        "end_time_s" => summary.end_time_s,
        _ => return None,
    })
}

/// Whether more of `metric` is better (deliveries, shares delivered in time, throughput); for
/// every other metric, less is better.
pub fn higher_is_better(metric: &str) -> bool {
    metric.starts_with(DELIVERED_BY)
        || matches!(
            metric,
            "delivered" | "delivery_rate" | "little.throughput_per_s" | "arrived"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_study_lists_the_completion_figures_first_and_one_share_per_deadline() {
        let list = MetricList::new(&Deadline::defaults());
        let first: Vec<&str> = list.names().take(6).collect();
        assert_eq!(
            first,
            [
                "all_done_s",
                "delivered_by.5m",
                "delivered_by.1h",
                "delivered_by.4h",
                "delivered_by.24h",
                "arrived"
            ]
        );
        assert_eq!(list.len(), 5 + FIXED.len());
        assert_eq!(list.index("delivered_by.1d"), Some(4));
        assert_eq!(list.index("delivered_by.60m"), Some(2));
        assert!(
            list.check("delivered_by.2h")
                .unwrap_err()
                .contains("5m, 1h, 4h, 24h")
        );
        assert!(list.check("delivered_by.soon").is_err());
        assert!(higher_is_better("delivered_by.4h") && !higher_is_better("all_done_s"));
        assert!(describe("delivered_by.4h").contains("within 4h"));
    }

    #[test]
    fn the_old_drain_name_says_what_to_use_instead() {
        let why = check_metric("drain_time_s").unwrap_err();
        assert!(
            why.contains("retry_queue_empty_s") && why.contains("all_done_s"),
            "{why}"
        );
    }
}
