//! The figures a study compares, taken from a run's [`Summary`] by name: `delivered`,
//! `bounce_rate`, `latency_s.p99`, `drain_time_s`, … (the names follow `summary.json`).

use crate::metrics::Summary;

/// Every metric name, in report order, with what it measures.
pub const METRICS: &[(&str, &str)] = &[
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
    ("drain_time_s", "when the retry queue last emptied, s"),
    ("little.mean_queued", "time-average messages in the queue"),
    ("little.throughput_per_s", "departures per second"),
    ("little.mean_time_in_queue_s", "mean time in the queue, s"),
    ("end_time_s", "when the run ended, s"),
];

/// The metric names, comma-separated, for error messages.
pub fn metric_names() -> String {
    let names: Vec<&str> = METRICS.iter().map(|(name, _)| *name).collect();
    names.join(", ")
}

/// Checks a metric name, or says which names exist.
pub fn check_metric(name: &str) -> Result<(), String> {
    if METRICS.iter().any(|(known, _)| *known == name) {
        Ok(())
    } else {
        Err(format!(
            "unknown metric `{name}`; the metrics are {}",
            metric_names()
        ))
    }
}

/// The value of metric `name` in `summary`; `None` when the run has none (no deliveries, so
/// no latency; a queue that never drained) or the name is unknown.
pub fn metric_value(summary: &Summary, name: &str) -> Option<f64> {
    let share = |count: u64| (summary.arrived > 0).then(|| count as f64 / summary.arrived as f64);
    let latency = summary.latency_s.as_ref();
    Some(match name {
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
        "latency_s.p50" => latency?.p50,
        "latency_s.p90" => latency?.p90,
        "latency_s.p99" => latency?.p99,
        "latency_s.p999" => latency?.p999,
        "latency_s.max" => latency?.max,
        "peak_queue" => summary.peak_queue as f64,
        "peak_waiting_connection" => summary.peak_waiting_connection as f64,
        "drain_time_s" => summary.drain_time_s?,
        "little.mean_queued" => summary.little.mean_queued,
        "little.throughput_per_s" => summary.little.throughput_per_s,
        "little.mean_time_in_queue_s" => summary.little.mean_time_in_queue_s,
        "end_time_s" => summary.end_time_s,
        _ => return None,
    })
}

/// Every metric of `summary`, in the order of [`METRICS`].
pub fn all_values(summary: &Summary) -> Vec<Option<f64>> {
    METRICS
        .iter()
        .map(|(name, _)| metric_value(summary, name))
        .collect()
}

/// The position of metric `name` in [`METRICS`].
pub fn metric_index(name: &str) -> Option<usize> {
    METRICS.iter().position(|(known, _)| *known == name)
}
