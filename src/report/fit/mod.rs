//! How well a fitted scenario reproduces its log: observed and simulated figures side by side
//! (messages by outcome, attempts, deferrals by reply, latency percentiles, attempts per
//! message, the deferral rate per clock hour), for the terminal, Markdown, CSV and a
//! self-contained HTML page; and the fit report folder `mailsim fit` writes. The simulated
//! figure is the mean over the replications, with their smallest and largest value.

mod html;

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::mta::logs::ObservedSummary;
use crate::mta::logs::summary::{SKIPPED, human_duration};
use crate::report::units::grouped;
use crate::study::FitCheck;

pub use html::fit_report_html;

/// What a figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Messages, attempts.
    Count,
    /// A duration in seconds.
    Seconds,
    /// A share from 0 to 1.
    Share,
    /// A plain number (a mean of counts).
    Number,
}

/// One figure, observed and simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What it is.
    pub figure: String,
    /// In the log (`None`: not defined there, e.g. no delivery to take a latency from).
    pub observed: Option<f64>,
    /// The mean over the replications that define it.
    pub simulated: Option<f64>,
    /// The smallest and largest replication.
    pub range: Option<(f64, f64)>,
    /// How to show it.
    pub unit: Unit,
}

impl Row {
    /// (simulated − observed) / observed, when both are known and the observed is not zero.
    pub fn relative_difference(&self) -> Option<f64> {
        match (self.observed, self.simulated) {
            (Some(o), Some(s)) if o != 0.0 => Some((s - o) / o),
            (Some(o), Some(s)) if o == s => Some(0.0),
            _ => None,
        }
    }
}

/// A figure of one summary.
type Figure = dyn Fn(&ObservedSummary) -> Option<f64>;

fn row(check: &FitCheck, figure: &str, unit: Unit, get: &Figure) -> Row {
    let values: Vec<f64> = check.simulated.iter().filter_map(get).collect();
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let range = (!values.is_empty()).then(|| {
        values
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
    });
    Row {
        figure: figure.to_string(),
        observed: get(&check.observed),
        simulated: mean,
        range,
        unit,
    }
}

/// Every compared figure, in report order.
pub fn rows(check: &FitCheck) -> Vec<Row> {
    let count = |f: fn(&ObservedSummary) -> u64| move |s: &ObservedSummary| Some(f(s) as f64);
    let mut rows = vec![
        row(check, "messages", Unit::Count, &count(|s| s.messages)),
        row(
            check,
            "delivered",
            Unit::Count,
            &count(|s| s.outcomes.delivered),
        ),
        row(
            check,
            "bounced",
            Unit::Count,
            &count(|s| s.outcomes.bounced),
        ),
        row(
            check,
            "expired",
            Unit::Count,
            &count(|s| s.outcomes.expired),
        ),
        row(
            check,
            "still queued at the end",
            Unit::Count,
            &count(|s| s.outcomes.queued),
        ),
        row(
            check,
            "attempts that tried the receiver",
            Unit::Count,
            &count(|s| s.attempts - s.skipped_attempts),
        ),
        row(
            check,
            "deferrals after a try",
            Unit::Count,
            &count(|s| s.deferrals - s.skipped_attempts),
        ),
        row(
            check,
            "deferred by the MTA without a try",
            Unit::Count,
            &count(|s| s.skipped_attempts),
        ),
    ];
    reply_rows(check, &mut rows);
    shape_rows(check, &mut rows);
    hourly_rows(check, &mut rows);
    rows
}

/// Deferrals by reply, one row each.
fn reply_rows(check: &FitCheck, rows: &mut Vec<Row>) {
    for reply in replies(check) {
        let key = reply.clone();
        rows.push(row(
            check,
            &format!("deferrals {reply}"),
            Unit::Count,
            &move |s| {
                Some(
                    s.deferrals_by_reply
                        .iter()
                        .find(|r| r.reply == key)
                        .map_or(0.0, |r| r.count as f64),
                )
            },
        ));
    }
}

/// Latency percentiles and attempts per message.
fn shape_rows(check: &FitCheck, rows: &mut Vec<Row>) {
    let latency = |pick: fn(&crate::mta::logs::summary::LatencyFigures) -> f64| {
        move |s: &ObservedSummary| s.latency_s.as_ref().map(pick)
    };
    rows.push(row(
        check,
        "latency p50",
        Unit::Seconds,
        &latency(|l| l.p50),
    ));
    rows.push(row(
        check,
        "latency p90",
        Unit::Seconds,
        &latency(|l| l.p90),
    ));
    rows.push(row(
        check,
        "latency p99",
        Unit::Seconds,
        &latency(|l| l.p99),
    ));
    rows.push(row(
        check,
        "latency max",
        Unit::Seconds,
        &latency(|l| l.max),
    ));
    rows.push(row(check, "tries per message (mean)", Unit::Number, &|s| {
        (s.messages > 0).then(|| (s.attempts - s.skipped_attempts) as f64 / s.messages as f64)
    }));
    rows.push(row(
        check,
        "attempts per message (mean, skips included)",
        Unit::Number,
        &|s| {
            let (attempts, messages) = s.attempts_per_message.iter().fold((0, 0), |(a, m), bin| {
                (a + bin.attempts * bin.messages, m + bin.messages)
            });
            (messages > 0).then(|| attempts as f64 / messages as f64)
        },
    ));
    rows.push(row(
        check,
        "messages done at the first attempt",
        Unit::Share,
        &|s| {
            let first = s
                .attempts_per_message
                .iter()
                .find(|bin| bin.attempts == 1)
                .map_or(0, |bin| bin.messages);
            (s.messages > 0).then(|| first as f64 / s.messages as f64)
        },
    ));
}

/// The replies deferrals were counted under, in the log or in any replication, most frequent
/// in the log first.
fn replies(check: &FitCheck) -> Vec<String> {
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for summary in std::iter::once(&check.observed).chain(&check.simulated) {
        for reply in &summary.deferrals_by_reply {
            seen.entry(reply.reply.clone()).or_default();
        }
    }
    for reply in &check.observed.deferrals_by_reply {
        seen.insert(reply.reply.clone(), reply.count);
    }
    // The MTA's own skips have their row already.
    seen.remove(SKIPPED);
    let mut replies: Vec<(String, u64)> = seen.into_iter().collect();
    replies.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    replies.into_iter().map(|(reply, _)| reply).collect()
}

/// The deferral rate in each clock hour with attempts, in the log or a replication.
fn hourly_rows(check: &FitCheck, rows: &mut Vec<Row>) {
    let mut hours: BTreeMap<i64, String> = BTreeMap::new();
    for summary in std::iter::once(&check.observed).chain(&check.simulated) {
        for hour in summary.hourly.iter().filter(|h| h.attempts > 0) {
            hours.insert(hour.hour.unix_ms, hour.hour.short());
        }
    }
    for (start, label) in hours {
        rows.push(row(
            check,
            &format!("deferral rate {label}"),
            Unit::Share,
            &move |s: &ObservedSummary| {
                s.hourly
                    .iter()
                    .find(|h| h.hour.unix_ms == start)
                    .and_then(|h| h.deferral_rate())
            },
        ));
    }
}

/// A value as the table shows it.
pub fn show(value: Option<f64>, unit: Unit) -> String {
    match (value, unit) {
        (None, _) => "—".to_string(),
        (Some(v), Unit::Count) if v.fract() == 0.0 && v >= 0.0 => grouped(v as u64),
        (Some(v), Unit::Count | Unit::Number) => format!("{v:.1}"),
        (Some(v), Unit::Seconds) => human_duration(v),
        (Some(v), Unit::Share) => format!("{:.1}%", 100.0 * v),
    }
}

/// The simulated range, e.g. `40–47`; empty when the replications agree.
fn show_range(row: &Row) -> String {
    match row.range {
        Some((lo, hi)) if lo != hi => {
            format!("{}–{}", show(Some(lo), row.unit), show(Some(hi), row.unit))
        }
        _ => String::new(),
    }
}

/// The relative difference as a signed percentage, or `—`.
pub fn show_difference(row: &Row) -> String {
    row.relative_difference()
        .map_or("—".to_string(), |d| format!("{:+.1}%", 100.0 * d))
}

/// The table for the terminal.
pub fn table_text(rows: &[Row], replications: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<46} {:>10} {:>10} {:>9}  range over {replications} replications",
        "figure", "observed", "simulated", "diff",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<46} {:>10} {:>10} {:>9}  {}",
            r.figure,
            show(r.observed, r.unit),
            show(r.simulated, r.unit),
            show_difference(r),
            show_range(r)
        );
    }
    out
}

/// The table as Markdown.
pub fn table_markdown(rows: &[Row], replications: usize) -> String {
    let mut out = format!(
        "| figure | observed | simulated (mean of {replications}) | difference | range |\n|---|---:|---:|---:|---|\n"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.figure.replace('|', "\\|"),
            show(r.observed, r.unit),
            show(r.simulated, r.unit),
            show_difference(r),
            show_range(r)
        );
    }
    out
}

/// The table as CSV, values in their own units (seconds, shares 0–1).
pub fn table_csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "figure,observed,simulated,simulated_low,simulated_high,relative_difference\n",
    );
    let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    for r in rows {
        let (lo, hi) = r.range.unzip();
        let figure = if r.figure.contains(',') {
            format!("\"{}\"", r.figure)
        } else {
            r.figure.clone()
        };
        let _ = writeln!(
            out,
            "{figure},{},{},{},{},{}",
            number(r.observed),
            number(r.simulated),
            number(lo),
            number(hi),
            number(r.relative_difference())
        );
    }
    out
}
