//! Experiments over many runs: replications of a scenario with 95% confidence intervals,
//! comparisons of retry policies with common random numbers and paired differences, and
//! parameter sweeps for capacity planning.
//!
//! A study is a list of *cells* (one scenario each: a policy, a sweep point, or the scenario as
//! written) run for replications `0..n`. Every run is reduced to the [`metric`] values of its
//! summary; the statistics come from those values only, aggregated in (cell, replication)
//! order, so the result is the same whatever the number of threads and whether the runs were
//! split into shards ([`Shard`]) and merged again. Nothing here writes files: the formats are
//! in [`crate::report`].
//!
//! A [`Plan`] (the cells and their scenarios) is run by [`execute`]: a fixed number of
//! replications, one shard of them, or rounds that double the replications until a
//! [`Precision`] goal is met. The scenarios of a plan come from [`crate::scenario::edit`]
//! (a policy swapped in, a swept value written in).

mod execute;
mod fit;
pub mod metric;
mod precision;
mod runner;
mod shard;
mod shard_env;
pub mod stats;
pub mod sweep;

use serde::{Deserialize, Serialize};

use crate::domain::Deadline;

pub use execute::{Execution, Outcome, Plan, Replications, StudyProgress, execute};
pub use fit::{FitCheck, check_fit};
pub use metric::{
    FIXED, MetricList, check_metric, describe, higher_is_better, metric_names, metric_value,
};
pub use precision::{Precision, PrecisionReport, Verdict};
pub use runner::{Progress, RunRecord, StudyError, Workers, run_cells};
pub use shard::{MergeError, SHARD_FILE, Shard, ShardFile, merge_shards};
pub use shard_env::{SHARDS_VARIABLE, shard_from_env};
pub use stats::Interval;

/// What kind of study produced a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StudyKind {
    /// One scenario, many replications (`mailsim run --replications`).
    Replications,
    /// Several retry policies on one scenario (`mailsim compare`).
    Compare,
    /// A grid of parameter values (`mailsim sweep`).
    Sweep,
}

impl StudyKind {
    /// The stem of its output files, e.g. `sweep` for `sweep.csv`.
    pub fn file_stem(self) -> &'static str {
        match self {
            StudyKind::Replications => "replications",
            StudyKind::Compare => "comparison",
            StudyKind::Sweep => "sweep",
        }
    }
}

/// Where a study's result came from, so a result file explains itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudyMeta {
    /// `mailsim` and its version.
    pub tool: String,
    /// What kind of study.
    pub kind: StudyKind,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file as given.
    pub scenario_file: String,
    /// The random seed.
    pub seed: u64,
    /// Replications per cell (numbered from 0; replication r uses the same arrivals in every
    /// cell: common random numbers).
    pub replications: u32,
    /// The warm-up left out of the latency and Little's law figures, in seconds (0: none).
    pub warmup_s: f64,
    /// The confidence level of every interval.
    pub confidence: f64,
    /// The scenario's deadlines: one `delivered_by.<deadline>` metric each.
    pub deadlines: Vec<Deadline>,
}

/// One configuration of a study: its label and the settings that make it differ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// A short label: the policy name, or `path=value` pairs for a sweep point.
    pub label: String,
    /// The settings as (what, value) pairs: (`policy`, spec) or (sweep path, value).
    pub settings: Vec<(String, String)>,
}

/// The whole result of a study: every metric of every run, in (cell, replication) order.
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    /// Where it came from.
    pub meta: StudyMeta,
    /// The configurations.
    pub cells: Vec<Cell>,
    /// The metrics, from the deadlines in `meta`.
    pub metrics: MetricList,
    /// `values[cell][replication][metric]`, metrics in the order of `metrics`.
    pub values: Vec<Vec<Vec<Option<f64>>>>,
}

impl Study {
    /// Assembles a study from its runs; `None` unless every cell has exactly replications
    /// `0..meta.replications`.
    pub fn from_runs(meta: StudyMeta, cells: Vec<Cell>, mut runs: Vec<RunRecord>) -> Option<Study> {
        runs.sort_by_key(|run| (run.cell, run.replication));
        let per_cell = meta.replications as usize;
        if runs.len() != cells.len() * per_cell {
            return None;
        }
        let mut values = vec![Vec::with_capacity(per_cell); cells.len()];
        for (i, run) in runs.into_iter().enumerate() {
            if run.cell != i / per_cell || run.replication as usize != i % per_cell {
                return None;
            }
            values[run.cell].push(run.values);
        }
        Some(Study {
            metrics: MetricList::new(&meta.deadlines),
            meta,
            cells,
            values,
        })
    }

    /// The values of metric `metric` (index) over the replications of `cell`.
    pub fn series(&self, cell: usize, metric: usize) -> Vec<Option<f64>> {
        self.values[cell].iter().map(|run| run[metric]).collect()
    }

    /// Mean and 95% interval of metric `metric` in `cell`, over the replications that have
    /// a value.
    pub fn interval(&self, cell: usize, metric: usize) -> Option<Interval> {
        let present: Vec<f64> = self.series(cell, metric).into_iter().flatten().collect();
        Interval::of(&present)
    }

    /// Paired difference `cell − baseline` of metric `metric`, replication by replication.
    pub fn difference(&self, cell: usize, baseline: usize, metric: usize) -> Option<Interval> {
        Interval::paired(&self.series(cell, metric), &self.series(baseline, metric))
    }
}

/// How a study is reported: the comparison's baseline and ranking, the sweep's paths, target
/// and charted metrics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StudyOptions {
    /// Compare: the cell the others are paired against.
    pub baseline: Option<usize>,
    /// Compare: the metric the cells are ranked by.
    pub rank_by: Option<String>,
    /// Sweep: the `--set` paths, in order (the first is the chart's x axis).
    pub sweep_paths: Vec<String>,
    /// Sweep: the target to find the threshold of.
    pub target: Option<sweep::Target>,
    /// The metrics to chart against the sweep's parameter.
    pub chart_metrics: Vec<String>,
}
