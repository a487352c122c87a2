//! The summary as rows of figures for the Markdown and HTML reports: every number
//! `summary.json` has, in the same units (counts, seconds), with a human reading beside it.

use crate::metrics::Summary;

use super::table::human;

/// One row: what, the exact value (as in `summary.json`), and a human reading or share.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What the number is.
    pub label: String,
    /// The number, in the unit of `summary.json` (seconds to the millisecond).
    pub value: String,
    /// A human reading (share of arrivals, duration) or an explanation; may be empty.
    pub note: String,
}

/// Seconds as `summary.json` states them, to the millisecond.
pub fn seconds(value: f64) -> String {
    format!("{value:.3}")
}

/// The rows of the summary table, in reading order.
pub fn summary_figures(s: &Summary) -> Vec<Figure> {
    let mut rows = Vec::new();
    let mut row = |label: &str, value: String, note: String| {
        rows.push(Figure {
            label: label.to_string(),
            value,
            note,
        })
    };
    let arrived = s.arrived.max(1) as f64;
    let share = |n: u64| format!("{:.2}% of arrived", n as f64 / arrived * 100.0);
    if let Some(warmup) = s.warmup_s {
        row(
            "warm-up (s)",
            seconds(warmup),
            "latency and Little's law count only messages that arrived after it; counts are complete".into(),
        );
    }
    row("arrived", s.arrived.to_string(), String::new());
    row("delivered", s.delivered.to_string(), share(s.delivered));
    row(
        "bounced (5xx)",
        s.bounced.to_string(),
        format!("bounce rate {}", share(s.bounced)),
    );
    row("expired", s.expired.to_string(), share(s.expired));
    row(
        "still queued at the end",
        s.queued_at_end.to_string(),
        share(s.queued_at_end),
    );
    row(
        "attempts",
        s.attempts.to_string(),
        format!("{:.2} per arrived message", s.attempts as f64 / arrived),
    );
    let deferrals: u64 = s.deferrals.values().sum();
    row(
        "deferrals",
        deferrals.to_string(),
        "temporary failures, all codes".into(),
    );
    for (code, count) in &s.deferrals {
        row(
            &format!("deferrals {code}"),
            count.to_string(),
            String::new(),
        );
    }
    row(
        "delay warnings",
        s.delay_warnings.to_string(),
        String::new(),
    );
    row("queue alerts", s.queue_alerts.to_string(), String::new());
    match &s.latency_s {
        Some(l) => {
            for (name, value) in [
                ("latency mean (s)", l.mean),
                ("latency p50 (s)", l.p50),
                ("latency p90 (s)", l.p90),
                ("latency p99 (s)", l.p99),
                ("latency p99.9 (s)", l.p999),
                ("latency max (s)", l.max),
            ] {
                row(name, seconds(value), human(value));
            }
        }
        None => row("latency (s)", "—".into(), "nothing was delivered".into()),
    }
    row(
        "peak retry queue",
        s.peak_queue.to_string(),
        "messages waiting for a retry".into(),
    );
    row(
        "peak connection wait",
        s.peak_waiting_connection.to_string(),
        "messages waiting for a connection".into(),
    );
    match s.drain_time_s {
        Some(t) => row("retry queue drained at (s)", seconds(t), human(t)),
        None => row(
            "retry queue drained at (s)",
            "—".into(),
            "never, or not by the end".into(),
        ),
    }
    let l = &s.little;
    row(
        "mean queued, L",
        format!("{:.3}", l.mean_queued),
        "time-average messages in the queue".into(),
    );
    row(
        "throughput, λ (per s)",
        format!("{:.3}", l.throughput_per_s),
        "departures per second".into(),
    );
    row(
        "mean time in queue, W (s)",
        seconds(l.mean_time_in_queue_s),
        format!(
            "{}; λ·W = {:.3}",
            human(l.mean_time_in_queue_s),
            l.throughput_per_s * l.mean_time_in_queue_s
        ),
    );
    row(
        "run ended at (s)",
        seconds(s.end_time_s),
        human(s.end_time_s),
    );
    row(
        "events",
        s.events.to_string(),
        "simulation events processed".into(),
    );
    rows
}
