//! The summary as rows of figures for the Markdown and HTML reports: every number
//! `summary.json` has, in the same units (counts, seconds), with a human reading beside it,
//! starting with when all mail was done and the share delivered by each deadline; and the
//! warning every view opens with when the run stopped with mail still queued.
//!
//! The plain counts ([`tallies`] and [`peaks`]) are listed once here and read by these rows
//! and by the terminal table alike, so a count added to [`Summary`] and to one of those lists
//! shows in `summary.md`, `report.html` and on the terminal.

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Summary;

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
        Figure::new(count.label, count.value.to_string(), count.note)
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

/// Seconds as `summary.json` states them, to the millisecond.
pub fn seconds(value: f64) -> String {
    format!("{value:.3}")
}

/// An instant of the run (seconds since the start) as a human duration, with its clock time
/// when the run has a start: `4h10m`, or `4h10m, Mon 2026-11-30 13:10 +01:00`.
pub(super) fn human_instant(s: &Summary, seconds: f64) -> String {
    let offset = human_duration(seconds);
    match &s.meta.start {
        Some(clock) => {
            let at = SimTime(SimDuration::from_secs_f64(seconds).as_millis());
            format!(
                "{offset}, {} {}",
                clock.date_and_time(at),
                clock.offset_text()
            )
        }
        None => offset,
    }
}

/// Seconds as a human duration, e.g. `1h2m3s` (milliseconds kept under a minute).
pub(super) fn human_duration(seconds: f64) -> String {
    let duration = SimDuration::from_secs_f64(seconds);
    if duration.as_millis() >= 60_000 {
        SimDuration::from_secs(duration.as_millis() / 1000).to_string()
    } else {
        duration.to_string()
    }
}

/// The warning every view of the summary opens with when the run stopped at its horizon with
/// mail still queued; `None` when every message left the queue.
pub fn unfinished_warning(s: &Summary) -> Option<String> {
    (s.queued_at_end > 0).then(|| {
        format!(
            "WARNING: the run stopped at its horizon ({}) with {} of {} messages ({}) still queued: they were neither delivered, bounced nor expired, so when all mail was done is unknown and the latency figures leave them out. Lengthen run.horizon to see them leave.",
            human_duration(s.end_time_s),
            s.queued_at_end,
            s.arrived,
            percent(s.queued_at_end as f64 / s.arrived.max(1) as f64)
        )
    })
}

/// A share (0 to 1) as a percentage with two decimals, e.g. `99.25%`.
pub(super) fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

/// When all mail was done, then the share delivered within each deadline: the figures every
/// summary shows first.
pub(super) fn completion_figures(s: &Summary) -> Vec<Figure> {
    let mut rows = vec![match s.all_done_s {
        Some(t) => Figure::new(
            "all mail done at (s)",
            seconds(t),
            format!(
                "{}: the last message left the queue (delivered, bounced or expired)",
                human_instant(s, t)
            ),
        ),
        None => Figure::new(
            "all mail done at (s)",
            "—".into(),
            format!("not by the end: {} still queued", s.queued_at_end),
        ),
    }];
    for by in &s.delivered_by {
        rows.push(Figure::new(
            format!("delivered within {}", by.deadline),
            by.delivered.to_string(),
            by.share.map_or_else(String::new, |share| {
                format!("{} of arrived", percent(share))
            }),
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
            "warm-up (s)",
            seconds(warmup),
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
            "retry queue last empty at (s)",
            seconds(t),
            format!(
                "{}: no message waited for a retry from then on (mail may still have waited for a connection)",
                human_instant(s, t)
            ),
        ),
        None => Figure::new(
            "retry queue last empty at (s)",
            "—".into(),
            "never held a message, or still held some at the end",
        ),
    });
    rows.extend(little_figures(s));
    rows.push(Figure::new(
        "run ended at (s)",
        seconds(s.end_time_s),
        human_instant(s, s.end_time_s),
    ));
    rows.push(Figure::new(
        "events",
        s.events.to_string(),
        "simulation events processed",
    ));
    rows
}

/// Where the arrived messages went, with their shares, and the attempts it took.
fn outcome_figures(s: &Summary) -> Vec<Figure> {
    let arrived = s.arrived.max(1) as f64;
    let share = |n: u64| format!("{:.2}% of arrived", n as f64 / arrived * 100.0);
    vec![
        Figure::new("arrived", s.arrived.to_string(), ""),
        Figure::new("delivered", s.delivered.to_string(), share(s.delivered)),
        Figure::new(
            "bounced (5xx)",
            s.bounced.to_string(),
            format!("bounce rate {}", share(s.bounced)),
        ),
        Figure::new("expired", s.expired.to_string(), share(s.expired)),
        Figure::new(
            "still queued at the end",
            s.queued_at_end.to_string(),
            share(s.queued_at_end),
        ),
        Figure::new(
            "attempts",
            s.attempts.to_string(),
            format!("{:.2} per arrived message", s.attempts as f64 / arrived),
        ),
    ]
}

/// All deferrals, then one row per enhanced status code.
fn deferral_figures(s: &Summary) -> Vec<Figure> {
    let deferrals: u64 = s.deferrals.values().sum();
    let mut rows = vec![Figure::new(
        "deferrals",
        deferrals.to_string(),
        "temporary failures, all codes",
    )];
    for (code, count) in &s.deferrals {
        rows.push(Figure::new(
            format!("deferrals {code}"),
            count.to_string(),
            "",
        ));
    }
    rows
}

/// The latency percentiles, or one row saying nothing was delivered.
fn latency_figures(s: &Summary) -> Vec<Figure> {
    let Some(l) = &s.latency_s else {
        return vec![Figure::new(
            "latency (s)",
            "—".into(),
            "nothing was delivered",
        )];
    };
    [
        ("latency mean (s)", l.mean),
        ("latency min (s)", l.min),
        ("latency p50 (s)", l.p50),
        ("latency p90 (s)", l.p90),
        ("latency p99 (s)", l.p99),
        ("latency p99.9 (s)", l.p999),
        ("latency max (s)", l.max),
    ]
    .into_iter()
    .map(|(name, value)| Figure::new(name, seconds(value), human_duration(value)))
    .collect()
}

/// The three sides of Little's law, with λ·W beside W to check it.
fn little_figures(s: &Summary) -> Vec<Figure> {
    let l = &s.little;
    vec![
        Figure::new(
            "mean queued, L",
            format!("{:.3}", l.mean_queued),
            "time-average messages in the queue",
        ),
        Figure::new(
            "throughput, λ (per s)",
            format!("{:.3}", l.throughput_per_s),
            "departures per second",
        ),
        Figure::new(
            "mean time in queue, W (s)",
            seconds(l.mean_time_in_queue_s),
            format!(
                "{}; λ·W = {:.3}",
                human_duration(l.mean_time_in_queue_s),
                l.throughput_per_s * l.mean_time_in_queue_s
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human_duration(0.25), "250ms");
        assert_eq!(human_duration(3723.4), "1h2m3s");
        assert_eq!(seconds(3723.4), "3723.400");
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
