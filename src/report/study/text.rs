//! What the study's terminal table, Markdown and HTML reports say alike: the introduction,
//! the tables as grids of human-readable cells (which the three formats only lay out), and
//! the conclusions (ranking, paired differences, where a sweep meets its target).
//!
//! A comparison reads as people read comparisons: one row per policy, best first, one column
//! per metric with the ranked metric first; metrics that are zero under every policy are left
//! out and named in a note. Replications list the metrics as rows; a sweep has one row per
//! point.

use std::fmt::Write;

use super::{CellReport, StudyReport};
use crate::report::units::{
    EQUAL_RUNS_NOTE, all_runs_equal, difference_interval, duration, metric_interval, metric_value,
    metric_words, path_words, target_words,
};
use crate::study::{StudyKind, higher_is_better};

/// A table as text cells: the header, the rows, and notes to print under it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Grid {
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells, as many as headings.
    pub rows: Vec<Vec<String>>,
    /// Notes under the table (left-out metrics, what `± 0` means).
    pub notes: Vec<String>,
    /// The column of the ranked metric, if any (highlighted in HTML).
    pub sorted: Option<usize>,
}

/// How many metrics the terminal shows for a comparison (the pages show all).
const TERMINAL_METRICS: [&str; 7] = [
    "all_done_s",
    "latency_s.p99",
    "latency_s.mean",
    "delivery_rate",
    "attempts",
    "expiry_rate",
    "bounce_rate",
];

/// The metrics of a comparison or of replications, ranked metric first: every metric with a
/// non-zero value somewhere (`all`), or the terminal's short list; and the names of those
/// left out because they are zero (or have no value) in every cell.
fn chosen_metrics(report: &StudyReport, all: bool) -> (Vec<usize>, Vec<String>) {
    let zero = |m: usize| {
        report
            .cells
            .iter()
            .all(|c| c.metrics[m].mean.is_none_or(|v| v == 0.0))
    };
    let list = &report.metrics;
    // The terminal shows the short list and the share delivered within the second deadline.
    let second_deadline = list
        .names()
        .filter(|n| n.starts_with("delivered_by."))
        .nth(1);
    let wanted = |m: usize| {
        let name = list.name(m);
        all || TERMINAL_METRICS.contains(&name) || Some(name) == second_deadline
    };
    let ranked = report.rank_by.as_deref().and_then(|name| list.index(name));
    let mut chosen: Vec<usize> = ranked.into_iter().collect();
    let mut left_out = Vec::new();
    for m in 0..list.len() {
        if Some(m) == ranked || !wanted(m) {
            continue;
        }
        if zero(m) {
            left_out.push(list.name(m).to_string());
        } else {
            chosen.push(m);
        }
    }
    (chosen, left_out)
}

/// The note naming the metrics left out because they are zero everywhere.
fn left_out_note(left_out: &[String], everywhere: &str) -> Option<String> {
    (!left_out.is_empty()).then(|| {
        let names: Vec<String> = left_out.iter().map(|m| metric_words(m)).collect();
        format!("Not shown, zero {everywhere}: {}.", names.join(", "))
    })
}

/// The cells in ranking order (best first), cells without a rank after.
fn ranked_cells(report: &StudyReport) -> Vec<&CellReport> {
    let mut cells: Vec<&CellReport> = report.cells.iter().collect();
    let place = |c: &CellReport| report.ranking.iter().position(|l| *l == c.label);
    cells.sort_by_key(|c| place(c).unwrap_or(usize::MAX));
    cells
}

/// The main table: policies × metrics, metrics × (value, interval) for replications, or
/// points × metrics for a sweep. `all` asks for every non-zero metric (pages); without it a
/// comparison shows the terminal's short list.
pub(super) fn main_grid(report: &StudyReport, chart_metrics: &[String], all: bool) -> Grid {
    match report.meta.kind {
        StudyKind::Compare => compare_grid(report, all),
        StudyKind::Sweep => sweep_grid(report, chart_metrics),
        _ => replications_grid(report),
    }
}

fn compare_grid(report: &StudyReport, all: bool) -> Grid {
    let (metrics, left_out) = chosen_metrics(report, all);
    let mut header = vec!["rank".to_string(), "policy".to_string()];
    let name = |m: usize| report.metrics.name(m);
    header.extend(metrics.iter().map(|&m| metric_words(name(m))));
    let rows = ranked_cells(report)
        .into_iter()
        .enumerate()
        .map(|(place, cell)| {
            let mut name = cell.label.clone();
            if Some(&cell.label) == report.baseline.as_ref() {
                name.push_str(" (baseline)");
            }
            let mut row = vec![(place + 1).to_string(), name];
            row.extend(metric_cells(report, &metrics, cell));
            row
        })
        .collect();
    let mut grid = Grid {
        header,
        rows,
        notes: Vec::new(),
        sorted: report.rank_by.as_ref().map(|_| 2),
    };
    grid.notes
        .extend(left_out_note(&left_out, "under every policy"));
    finish_notes(report, grid)
}

/// The paired differences of a comparison: one row per policy but the baseline, the same
/// columns as [`main_grid`].
pub(super) fn differences_grid(report: &StudyReport, all: bool) -> Option<Grid> {
    let baseline = report.baseline.as_ref()?;
    let (metrics, _) = chosen_metrics(report, all);
    let mut header = vec!["policy".to_string()];
    header.extend(
        metrics
            .iter()
            .map(|&m| format!("{} − {baseline}", metric_words(report.metrics.name(m)))),
    );
    let rows = ranked_cells(report)
        .into_iter()
        .filter(|c| &c.label != baseline && !c.difference.is_empty())
        .map(|cell| {
            let mut row = vec![cell.label.clone()];
            row.extend(
                metrics
                    .iter()
                    .map(|&m| difference_interval(report.metrics.name(m), &cell.difference[m])),
            );
            row
        })
        .collect();
    Some(Grid {
        header,
        rows,
        notes: vec![format!(
            "Each cell is the policy's value minus {baseline}'s, replication by replication (same arrivals), with its 95% interval; an interval that excludes 0 is a real difference."
        )],
        sorted: report.rank_by.as_ref().map(|_| 1),
    })
}

fn replications_grid(report: &StudyReport) -> Grid {
    let Some(cell) = report.cells.first() else {
        return Grid::default();
    };
    let (metrics, left_out) = chosen_metrics(report, true);
    let rows = metrics
        .iter()
        .map(|&m| {
            let (name, row) = (report.metrics.name(m), &cell.metrics[m]);
            let range = match (row.low, row.high, row.half_width) {
                (Some(low), Some(high), Some(_)) => {
                    format!(
                        "{} to {}",
                        metric_value(name, low),
                        metric_value(name, high)
                    )
                }
                _ => "–".into(),
            };
            vec![metric_words(name), metric_interval(name, row), range]
        })
        .collect();
    let mut grid = Grid {
        header: ["figure", "mean ± 95% half-width", "95% interval"]
            .map(String::from)
            .to_vec(),
        rows,
        notes: Vec::new(),
        sorted: None,
    };
    grid.notes
        .extend(left_out_note(&left_out, "in every replication"));
    finish_notes(report, grid)
}

fn sweep_grid(report: &StudyReport, chart_metrics: &[String]) -> Grid {
    let metrics = sweep_metrics(report, chart_metrics);
    let mut header = vec!["point".to_string()];
    let name = |m: usize| report.metrics.name(m);
    header.extend(metrics.iter().map(|&m| metric_words(name(m))));
    let rows = report
        .cells
        .iter()
        .map(|cell| {
            let point: Vec<String> = cell
                .settings
                .iter()
                .map(|(path, value)| format!("{} = {value}", path_words(path)))
                .collect();
            let mut row = vec![point.join(", ")];
            row.extend(metric_cells(report, &metrics, cell));
            row
        })
        .collect();
    finish_notes(
        report,
        Grid {
            header,
            rows,
            notes: Vec::new(),
            sorted: None,
        },
    )
}

/// The metrics of a sweep's table: the charted ones, with the target's first.
fn sweep_metrics(report: &StudyReport, chart_metrics: &[String]) -> Vec<usize> {
    let mut names: Vec<String> = chart_metrics.to_vec();
    if let Some(target) = &report.target
        && !names.contains(&target.metric)
    {
        names.insert(0, target.metric.clone());
    }
    names
        .iter()
        .filter_map(|n| report.metrics.index(n))
        .collect()
}

/// A cell's value of each of `metrics`, with its interval, as the table shows it.
fn metric_cells<'a>(
    report: &'a StudyReport,
    metrics: &'a [usize],
    cell: &'a CellReport,
) -> impl Iterator<Item = String> + 'a {
    metrics
        .iter()
        .map(|&m| metric_interval(report.metrics.name(m), &cell.metrics[m]))
}

/// Adds the note on `± 0` when a shown interval has one.
fn finish_notes(report: &StudyReport, mut grid: Grid) -> Grid {
    let shows_zero = report
        .cells
        .iter()
        .flat_map(|c| c.metrics.iter().chain(&c.difference))
        .any(all_runs_equal)
        && grid
            .rows
            .iter()
            .flatten()
            .any(|c| c.ends_with("± 0") || c.contains("± 0 "));
    if shows_zero {
        grid.notes.push(EQUAL_RUNS_NOTE.to_string());
    }
    grid
}

/// One sentence on what was run: scenario, kind, seed, replications and the interval used.
pub(super) fn intro(report: &StudyReport) -> String {
    let meta = &report.meta;
    let warmup = if meta.warmup_s > 0.0 {
        format!(
            "; warm-up {} left out of latency and Little's law (counts are complete)",
            duration(meta.warmup_s)
        )
    } else {
        String::new()
    };
    let per = if meta.kind == StudyKind::Compare {
        "policy (common random numbers: replication r has the same arrivals and recipients under every policy)"
    } else if meta.kind == StudyKind::Sweep {
        "point"
    } else {
        "run"
    };
    format!(
        "{} · {} · seed {} · {} replications per {per}; figures are means ± the half-width of their {:.0}% Student-t interval{warmup}",
        meta.scenario,
        meta.kind.file_stem(),
        meta.seed,
        meta.replications,
        meta.confidence * 100.0
    )
}

/// The ranking and target lines that end the table and the Markdown report.
pub(super) fn conclusions(report: &StudyReport) -> String {
    let mut out = String::new();
    if let (Some(metric), false) = (&report.rank_by, report.ranking.is_empty()) {
        let direction = if higher_is_better(metric) {
            "highest"
        } else {
            "lowest"
        };
        let m = report.metrics.index(metric);
        let places: Vec<String> = ranked_cells(report)
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let value = m.map_or("–".into(), |m| metric_interval(metric, &cell.metrics[m]));
                format!("{}. {} ({value})", i + 1, cell.label)
            })
            .collect();
        let _ = writeln!(
            out,
            "Ranking by {} ({direction} first): {}",
            metric_words(metric),
            places.join(", ")
        );
    }
    if let Some(target) = &report.target {
        let wanted = target_words(target);
        let path = report.sweep_paths.first().map_or("", String::as_str);
        let along = path_words(path);
        for threshold in &report.thresholds {
            let with = threshold.fixed_words();
            let _ = match &threshold.value {
                Some(value) => writeln!(
                    out,
                    "Target {wanted}{with}: met from {along} = {value} (judged on the mean); met at {}",
                    threshold.meeting.join(", ")
                ),
                None => writeln!(
                    out,
                    "Target {wanted}{with}: no swept value of {along} meets it"
                ),
            };
        }
    }
    out
}
