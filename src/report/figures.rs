//! The summary as rows of figures for the Markdown and HTML reports: every number
//! `summary.json` has, in human units (counts grouped in thousands, durations as `1h02m`,
//! shares as `%`), with a note beside it, starting with when all mail was done and the share
//! delivered by each deadline; and the warning every view opens with when the run stopped
//! with mail still queued. `summary.json` keeps the exact seconds.
//!
//! The plain counts ([`tallies`] and [`peaks`]) are listed once here and read by these rows
//! and by the terminal table alike, so a count added to [`Summary`] and to one of those lists
//! shows in `summary.md`, `report.html` and on the terminal.

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{LatencySummary, Summary};

use super::units::{count, duration, percent};

/// One row: what, the value in human units, and a note (a share, a meaning).
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What the number is.
    pub label: String,
    /// The number, in human units.
    pub value: String,
    /// A share, the exact figure behind a rounded one, or an explanation; may be empty.
    pub note: String,
}

impl Figure {
    fn new(label: impl Into<String>, value: String, note: impl Into<String>) -> Figure {
        Figure {
            label: label.into(),
            value,
            note: note.into(),
        }
    }
}

/// A count that every view of the summary lists under the same label. The note is for the
/// Markdown and HTML reports; the terminal table leaves it out to stay compact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Count {
    /// What is counted.
    pub label: &'static str,
    /// How many.
    pub value: u64,
    /// What the count means, when the label does not say it all.
    pub note: &'static str,
}

impl From<Count> for Figure {
    fn from(count: Count) -> Figure {
        Figure::new(count.label, super::units::grouped(count.value), count.note)
    }
}

/// What the sender told people, listed after the deferrals.
pub(super) fn tallies(s: &Summary) -> Vec<Count> {
    vec![
        Count {
            label: "delay warnings",
            value: s.delay_warnings,
            note: "",
        },
        Count {
            label: "queue alerts",
            value: s.queue_alerts,
            note: "",
        },
    ]
}

/// The most messages waiting at once, listed after the latency.
pub(super) fn peaks(s: &Summary) -> Vec<Count> {
    vec![
        Count {
            label: "peak retry queue",
            value: s.peak_queue,
            note: "messages waiting for a retry",
        },
        Count {
            label: "peak connection wait",
            value: s.peak_waiting_connection,
            note: "messages waiting for a connection",
        },
    ]
}

/// An instant of the run (seconds since the start) for a note: its exact seconds, after its
/// clock time when the run has a start: `14,400 s`, or `Mon 2026-11-30 13:10 +01:00 (14,400 s)`.
pub(super) fn human_instant(s: &Summary, seconds: f64) -> String {
    match &s.meta.start {
        Some(clock) => {
            let at = SimTime(SimDuration::from_secs_f64(seconds).as_millis());
            format!(
                "{} {} ({})",
                clock.date_and_time(at),
                clock.offset_text(),
                exact(seconds)
            )
        }
        None => exact(seconds),
    }
}

/// Seconds as a human duration for the terminal table: `1h02m`, `850ms`.
pub(super) fn human_duration(seconds: f64) -> String {
    duration(seconds)
}

/// The warning every view of the summary opens with when the run stopped at its horizon with
/// mail still queued; `None` when every message left the queue.
pub fn unfinished_warning(s: &Summary) -> Option<String> {
    (s.queued_at_end > 0).then(|| {
        format!(
            "WARNING: the run stopped at its horizon ({}) with {} of {} messages ({}) still queued: they were neither delivered, bounced nor expired, so when all mail was done is unknown and the latency figures leave them out. Lengthen run.horizon to see them leave.",
            duration(s.end_time_s),
            count(s.queued_at_end as f64),
            count(s.arrived as f64),
            percent(s.queued_at_end as f64 / s.arrived.max(1) as f64)
        )
    })
}

/// When all mail was done, then the share delivered within each deadline: the figures every
/// summary shows first.
pub(super) fn completion_figures(s: &Summary) -> Vec<Figure> {
    let mut rows = vec![match s.all_done_s {
        Some(t) => Figure::new(
            "all mail done at",
            duration(t),
            format!(
                "the last message left the queue (delivered, bounced or expired); {}",
                human_instant(s, t)
            ),
        ),
        None => Figure::new(
            "all mail done at",
            "—".into(),
            format!(
                "not by the end: {} still queued",
                count(s.queued_at_end as f64)
            ),
        ),
    }];
    for by in &s.delivered_by {
        rows.push(Figure::new(
            format!("delivered within {}", by.deadline),
            by.share.map_or("—".into(), percent),
            format!("{} of arrived messages", count(by.delivered as f64)),
        ));
    }
    rows
}

/// The rows of the summary table, in reading order.
pub fn summary_figures(s: &Summary) -> Vec<Figure> {
    let mut rows = Vec::new();
    if let Some(clock) = &s.meta.start {
        rows.push(Figure::new(
            "run started at",
            clock.to_string(),
            format!(
                "clock times below are at UTC{}; times in seconds count from here",
                clock.offset_text()
            ),
        ));
    }
    rows.extend(completion_figures(s));
    if let Some(warmup) = s.warmup_s {
        rows.push(Figure::new(
            "warm-up",
            duration(warmup),
            "latency and Little's law count only messages that arrived after it; counts are complete",
        ));
    }
    rows.extend(outcome_figures(s));
    rows.extend(deferral_figures(s));
    rows.extend(tallies(s).into_iter().map(Figure::from));
    rows.extend(latency_figures(s));
    rows.extend(peaks(s).into_iter().map(Figure::from));
    rows.push(match s.retry_queue_empty_s {
        Some(t) => Figure::new(
            "retry queue last empty at",
            duration(t),
            format!(
                "no message waited for a retry from then on (mail may still have waited for a connection); {}",
                human_instant(s, t)
            ),
        ),
        None => Figure::new(
            "retry queue last empty at",
            "—".into(),
            "never held a message, or still held some at the end",
        ),
    });
    rows.extend(little_figures(s));
    rows.push(Figure::new(
        "run ended at",
        duration(s.end_time_s),
        human_instant(s, s.end_time_s),
    ));
    rows.push(Figure::new(
        "events",
        count(s.events as f64),
        "simulation events processed",
    ));
    rows
}

/// The exact seconds behind a rounded duration, as `summary.json` has them.
fn exact(seconds: f64) -> String {
    format!("{} s", count_exact(seconds))
}

/// Seconds to the millisecond with thousands grouped: `3,723.4`.
fn count_exact(seconds: f64) -> String {
    let whole = super::units::grouped(seconds.trunc() as u64);
    let millis = ((seconds.fract() * 1000.0).round() as u64).min(999);
    let fraction = format!("{millis:03}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole
    } else {
        format!("{whole}.{fraction}")
    }
}

/// Where the arrived messages went, with their shares, and the attempts it took.
fn outcome_figures(s: &Summary) -> Vec<Figure> {
    let arrived = s.arrived.max(1) as f64;
    let share = |n: u64| format!("{} of arrived", percent(n as f64 / arrived));
    let n = |v: u64| count(v as f64);
    vec![
        Figure::new("arrived", n(s.arrived), ""),
        Figure::new("delivered", n(s.delivered), share(s.delivered)),
        Figure::new(
            "bounced (5xx)",
            n(s.bounced),
            format!("bounce rate {}", share(s.bounced)),
        ),
        Figure::new("expired", n(s.expired), share(s.expired)),
        Figure::new(
            "still queued at the end",
            n(s.queued_at_end),
            share(s.queued_at_end),
        ),
        Figure::new(
            "attempts",
            n(s.attempts),
            format!("{:.2} per arrived message", s.attempts as f64 / arrived),
        ),
    ]
}

/// All deferrals, then one row per enhanced status code.
fn deferral_figures(s: &Summary) -> Vec<Figure> {
    let deferrals: u64 = s.deferrals.values().sum();
    let mut rows = vec![Figure::new(
        "deferrals",
        count(deferrals as f64),
        "temporary failures, all codes",
    )];
    for (code, n) in &s.deferrals {
        rows.push(Figure::new(
            format!("deferrals {code}"),
            count(*n as f64),
            "",
        ));
    }
    rows
}

/// The latency figures every view shows, by name, in seconds.
pub(super) fn latency_points(l: &LatencySummary) -> [(&'static str, f64); 7] {
    [
        ("latency mean", l.mean),
        ("latency min", l.min),
        ("latency p50", l.p50),
        ("latency p90", l.p90),
        ("latency p99", l.p99),
        ("latency p99.9", l.p999),
        ("latency max", l.max),
    ]
}

/// The latency percentiles, or one row saying nothing was delivered.
fn latency_figures(s: &Summary) -> Vec<Figure> {
    let Some(l) = &s.latency_s else {
        return vec![Figure::new("latency", "—".into(), "nothing was delivered")];
    };
    latency_points(l)
        .into_iter()
        .map(|(name, value)| Figure::new(name, duration(value), exact(value)))
        .collect()
}

/// The three sides of Little's law, with λ·W beside W to check it.
fn little_figures(s: &Summary) -> Vec<Figure> {
    let l = &s.little;
    vec![
        Figure::new(
            "mean queued, L",
            format!("{:.1}", l.mean_queued),
            "time-average messages in the queue",
        ),
        Figure::new(
            "throughput, λ",
            format!("{}/h", count(l.throughput_per_s * 3600.0)),
            "departures per hour",
        ),
        Figure::new(
            "mean time in queue, W",
            duration(l.mean_time_in_queue_s),
            format!("λ·W = {:.1}", l.throughput_per_s * l.mean_time_in_queue_s),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them_with_the_exact_seconds_beside() {
        assert_eq!(human_duration(0.25), "250ms");
        assert_eq!(human_duration(3723.4), "1h02m");
        assert_eq!(exact(3723.4), "3,723.4 s");
        assert_eq!(exact(60.0), "60 s");
    }

    #[test]
    fn counts_become_figures_with_their_note() {
        let figure = Figure::from(Count {
            label: "peak retry queue",
            value: 7,
            note: "messages waiting for a retry",
        });
        assert_eq!(
            figure,
            Figure::new(
                "peak retry queue",
                "7".into(),
                "messages waiting for a retry"
            )
        );
    }
}
