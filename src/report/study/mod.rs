//! The results of a study (replications, a comparison, a sweep): [`study_report`] works out
//! every figure (means, intervals, paired differences, the ranking, where a sweep meets its
//! target) into a [`StudyReport`], and one writer per format turns that into a file: the JSON
//! document with its `meta` block, the CSV of every metric per cell, the CSV of every run, the
//! Markdown report, the terminal table and `report.html`. Everything here is computed from
//! [`Study`] values alone, so a merged set of shards gives the same bytes as the unsplit run.

mod csv_files;
mod html;
mod json;
mod markdown;
mod render;
mod table;
mod text;

use serde::Serialize;

pub use csv_files::{runs_csv, study_csv};
pub use html::{StudyChart, study_html};
pub use json::{STUDY_SCHEMA_VERSION, study_json};
pub use markdown::study_markdown;
pub use render::render_study;
pub use table::study_table;

use crate::study::sweep::Target;
use crate::study::{Cell, Interval, MetricList, Study, StudyMeta, StudyOptions, higher_is_better};

/// One metric of one cell: mean, 95% interval and the number of runs it rests on.
#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    /// The metric's name.
    pub metric: String,
    /// The mean (`null` when no run has a value).
    pub mean: Option<f64>,
    /// Half-width of the 95% interval (`null` with fewer than two values).
    pub half_width: Option<f64>,
    /// Lower end of the interval; `ci_low` in the JSON and CSV files alike.
    #[serde(rename = "ci_low")]
    pub low: Option<f64>,
    /// Upper end of the interval; `ci_high` in the JSON and CSV files alike.
    #[serde(rename = "ci_high")]
    pub high: Option<f64>,
    /// Runs with a value.
    pub n: usize,
}

impl MetricRow {
    fn new(metric: &str, interval: Option<Interval>) -> MetricRow {
        MetricRow {
            metric: metric.to_string(),
            mean: interval.map(|i| i.mean),
            half_width: interval.and_then(|i| i.half_width),
            low: interval.map(|i| i.low()),
            high: interval.map(|i| i.high()),
            n: interval.map_or(0, |i| i.n),
        }
    }
}

/// One cell's figures.
#[derive(Clone, Debug, Serialize)]
pub struct CellReport {
    /// Its label.
    pub label: String,
    /// What makes it differ.
    pub settings: Vec<(String, String)>,
    /// Every metric.
    pub metrics: Vec<MetricRow>,
    /// Paired difference (this cell − baseline) of every metric; empty without a baseline.
    pub difference: Vec<MetricRow>,
}

/// Where a sweep line meets its target.
#[derive(Clone, Debug, Serialize)]
pub struct Threshold {
    /// The values of the other swept paths on this line (empty with one `--set`).
    pub fixed: Vec<(String, String)>,
    /// The threshold value of the first path, `null` if no point meets the target.
    pub value: Option<String>,
    /// Its cell.
    pub cell: Option<usize>,
    /// Every value of the first path whose mean meets the target.
    pub meeting: Vec<String>,
}

impl Threshold {
    /// The other swept paths' values on this line in words, as a parenthesis to append:
    /// ` (with IPs = 2)`, or nothing with one `--set`.
    pub fn fixed_words(&self) -> String {
        if self.fixed.is_empty() {
            return String::new();
        }
        let fixed: Vec<String> = self
            .fixed
            .iter()
            .map(|(path, value)| format!("{} = {value}", crate::report::units::path_words(path)))
            .collect();
        format!(" (with {})", fixed.join(", "))
    }
}

/// The whole result document (`<kind>.json`).
#[derive(Clone, Debug, Serialize)]
pub struct StudyReport {
    /// Where the result came from.
    pub meta: StudyMeta,
    /// The metrics, in the order of every cell's rows.
    #[serde(skip)]
    pub metrics: MetricList,
    /// Compare: the baseline's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Compare: the ranking metric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_by: Option<String>,
    /// Compare: the labels, best first by `rank_by`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<String>,
    /// Sweep: the paths, in `--set` order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sweep_paths: Vec<String>,
    /// Sweep: the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Sweep: where each line meets the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Every cell.
    pub cells: Vec<CellReport>,
}

/// Works out every figure of a study.
pub fn study_report(study: &Study, options: &StudyOptions) -> StudyReport {
    let cells = study
        .cells
        .iter()
        .enumerate()
        .map(|(c, cell)| CellReport {
            label: cell.label.clone(),
            settings: cell.settings.clone(),
            metrics: study
                .metrics
                .names()
                .enumerate()
                .map(|(m, name)| MetricRow::new(name, study.interval(c, m)))
                .collect(),
            difference: options.baseline.map_or(Vec::new(), |baseline| {
                study
                    .metrics
                    .names()
                    .enumerate()
                    .map(|(m, name)| MetricRow::new(name, study.difference(c, baseline, m)))
                    .collect()
            }),
        })
        .collect::<Vec<_>>();
    let ranking = options
        .rank_by
        .as_deref()
        .and_then(|metric| Some((metric, study.metrics.index(metric)?)))
        .map_or(Vec::new(), |(metric, m)| {
            rank(&cells, m, higher_is_better(metric))
        });
    StudyReport {
        meta: study.meta.clone(),
        metrics: study.metrics.clone(),
        baseline: options.baseline.map(|b| study.cells[b].label.clone()),
        rank_by: options.rank_by.clone(),
        ranking,
        sweep_paths: options.sweep_paths.clone(),
        target: options.target.clone(),
        thresholds: options
            .target
            .as_ref()
            .map_or(Vec::new(), |target| thresholds(study, target, &cells)),
        cells,
    }
}

/// Labels ordered best first by metric `m` (cells without a value last, then by label order).
fn rank(cells: &[CellReport], m: usize, higher_better: bool) -> Vec<String> {
    let mut order: Vec<usize> = (0..cells.len()).collect();
    let key = |c: usize| cells[c].metrics[m].mean;
    order.sort_by(|&a, &b| match (key(a), key(b)) {
        (Some(x), Some(y)) if higher_better => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    order.into_iter().map(|c| cells[c].label.clone()).collect()
}

/// The sweep's lines: for each combination of the other paths, the cells along the first
/// path, in order. Cells are laid out with the first path varying slowest.
pub fn sweep_lines(cells: &[Cell]) -> Vec<Vec<usize>> {
    let settings: Vec<&[(String, String)]> = cells.iter().map(|c| c.settings.as_slice()).collect();
    lines_along_first_path(&settings)
}

impl StudyReport {
    /// The sweep's lines, as [`sweep_lines`] finds them in the study's cells.
    pub fn sweep_lines(&self) -> Vec<Vec<usize>> {
        let settings: Vec<&[(String, String)]> =
            self.cells.iter().map(|c| c.settings.as_slice()).collect();
        lines_along_first_path(&settings)
    }
}

/// [`sweep_lines`] of cells given by their settings, (path, value) pairs in `--set` order.
fn lines_along_first_path(cells: &[&[(String, String)]]) -> Vec<Vec<usize>> {
    let first_values = cells
        .first()
        .and_then(|c| c.first())
        .map_or(0, |(path, _)| {
            let mut values: Vec<&String> = cells
                .iter()
                .filter_map(|c| c.first().filter(|(p, _)| p == path).map(|s| &s.1))
                .collect();
            values.dedup();
            values.len()
        })
        .max(1);
    let stride = (cells.len() / first_values).max(1);
    (0..stride)
        .map(|r| {
            (0..first_values)
                .map(|i| i * stride + r)
                .filter(|&c| c < cells.len())
                .collect()
        })
        .collect()
}

fn thresholds(study: &Study, target: &Target, cells: &[CellReport]) -> Vec<Threshold> {
    let Some(m) = study.metrics.index(&target.metric) else {
        return Vec::new();
    };
    sweep_lines(&study.cells)
        .into_iter()
        .map(|line| {
            let meets: Vec<bool> = line
                .iter()
                .map(|&c| cells[c].metrics[m].mean.is_some_and(|v| target.met_by(v)))
                .collect();
            let first_value = |c: usize| {
                study.cells[c]
                    .settings
                    .first()
                    .map_or_else(String::new, |s| s.1.clone())
            };
            let chosen = Target::threshold(&meets).map(|i| line[i]);
            Threshold {
                fixed: line
                    .first()
                    .map_or(Vec::new(), |&c| study.cells[c].settings[1..].to_vec()),
                value: chosen.map(first_value),
                cell: chosen,
                meeting: line
                    .iter()
                    .zip(&meets)
                    .filter(|(_, m)| **m)
                    .map(|(&c, _)| first_value(c))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_sweep_has_one_line_per_value_of_the_other_paths() {
        // a = 1, 2, 3 (slowest) × b = x, y.
        let cells: Vec<Vec<(String, String)>> = ["1", "2", "3"]
            .iter()
            .flat_map(|a| ["x", "y"].map(|b| settings(&[("a", a), ("b", b)])))
            .collect();
        let slices: Vec<&[(String, String)]> = cells.iter().map(Vec::as_slice).collect();
        assert_eq!(
            lines_along_first_path(&slices),
            vec![vec![0, 2, 4], vec![1, 3, 5]]
        );
        let one_path: Vec<Vec<(String, String)>> =
            ["1", "2"].iter().map(|a| settings(&[("a", a)])).collect();
        let slices: Vec<&[(String, String)]> = one_path.iter().map(Vec::as_slice).collect();
        assert_eq!(lines_along_first_path(&slices), vec![vec![0, 1]]);
    }
}
