//! The summary table printed on the terminal after a run.

use std::fmt::Write;

use crate::engine::SimDuration;
use crate::metrics::Summary;

/// The summary as an aligned, human-readable table.
pub fn summary_table(summary: &Summary) -> String {
    let mut out = String::new();
    let arrived = summary.arrived.max(1) as f64;
    let share = |n: u64| format!("{:5.1}%", n as f64 / arrived * 100.0);
    let meta = &summary.meta;
    let _ = writeln!(
        out,
        "{} · seed {} · replication {}",
        meta.scenario, meta.seed, meta.replication
    );
    if let Some(warmup) = summary.warmup_s {
        let _ = writeln!(
            out,
            "  warm-up {}: latency and Little's law count only messages that arrived after it",
            SimDuration::from_secs_f64(warmup)
        );
    }
    let mut row = |label: &str, value: String, note: String| {
        let _ = writeln!(out, "  {label:<20} {value:>12}  {note}");
    };
    row("arrived", summary.arrived.to_string(), String::new());
    row(
        "delivered",
        summary.delivered.to_string(),
        share(summary.delivered),
    );
    row(
        "bounced (5xx)",
        summary.bounced.to_string(),
        share(summary.bounced),
    );
    row(
        "expired",
        summary.expired.to_string(),
        share(summary.expired),
    );
    row(
        "still queued",
        summary.queued_at_end.to_string(),
        share(summary.queued_at_end),
    );
    row(
        "attempts",
        summary.attempts.to_string(),
        format!("{:.2} per message", summary.attempts as f64 / arrived),
    );
    let by_code: Vec<String> = summary
        .deferrals
        .iter()
        .map(|(code, n)| format!("{code}: {n}"))
        .collect();
    let deferrals: u64 = summary.deferrals.values().sum();
    row("deferrals", deferrals.to_string(), by_code.join(", "));
    row(
        "delay warnings",
        summary.delay_warnings.to_string(),
        String::new(),
    );
    row(
        "queue alerts",
        summary.queue_alerts.to_string(),
        String::new(),
    );
    match &summary.latency_s {
        Some(l) => {
            row("latency mean", human(l.mean), String::new());
            row(
                "latency p50/p90/p99",
                human(l.p50),
                format!("{} / {}", human(l.p90), human(l.p99)),
            );
            row("latency p99.9/max", human(l.p999), human(l.max));
        }
        None => row("latency", "—".into(), "nothing delivered".into()),
    }
    row(
        "peak retry queue",
        summary.peak_queue.to_string(),
        String::new(),
    );
    row(
        "peak connection wait",
        summary.peak_waiting_connection.to_string(),
        String::new(),
    );
    row(
        "retry queue drained",
        summary.drain_time_s.map_or("—".into(), human),
        String::new(),
    );
    row("run ended at", human(summary.end_time_s), String::new());
    row("events", summary.events.to_string(), String::new());
    out
}

/// Seconds as a human duration, e.g. `1h2m3s` (milliseconds kept under a minute).
pub(crate) fn human(seconds: f64) -> String {
    let duration = SimDuration::from_secs_f64(seconds);
    if duration.as_millis() >= 60_000 {
        SimDuration::from_secs(duration.as_millis() / 1000).to_string()
    } else {
        duration.to_string()
    }
}
