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

pub mod metric;
mod runner;
pub mod stats;
pub mod sweep;

use serde::{Deserialize, Serialize};

pub use metric::{METRICS, check_metric, metric_index, metric_names, metric_value};
pub use runner::{Progress, RunRecord, StudyError, Workers, run_cells};
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
    /// `values[cell][replication][metric]`, metrics in [`METRICS`] order.
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

/// Whether more of `metric` is better (deliveries, throughput); for every other metric, less
/// is better.
pub fn higher_is_better(metric: &str) -> bool {
    matches!(
        metric,
        "delivered" | "delivery_rate" | "little.throughput_per_s" | "arrived"
    )
}

/// Part `index` (from 1) of `count` of a study: runs number `i` (in (cell, replication) order)
/// with `i % count == index − 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which part, from 1.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let form = "write --shard K/N with 1 ≤ K ≤ N, e.g. --shard 2/8";
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a shard: {form}"))?;
        let number = |part: &str| part.trim().parse::<u32>().ok();
        match (number(index), number(count)) {
            (Some(index), Some(count)) if index >= 1 && index <= count => {
                Ok(Shard { index, count })
            }
            _ => Err(format!("`{text}` is not a shard: {form}")),
        }
    }

    /// Whether run number `run` belongs to this part.
    pub fn owns(self, run: usize) -> bool {
        run % self.count as usize == (self.index - 1) as usize
    }
}

/// One part of a study as written by `--shard`: everything needed to check the parts belong
/// together and to combine them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Which part this is.
    pub shard: Shard,
    /// The study's meta block (identical in every part).
    pub meta: StudyMeta,
    /// The study's cells (identical in every part).
    pub cells: Vec<Cell>,
    /// The study's settings, identical in every part.
    pub options: StudyOptions,
    /// The runs of this part.
    pub runs: Vec<RunRecord>,
}

/// The name of the file a shard writes in its folder.
pub const SHARD_FILE: &str = "shard.json";

/// Combines shard files into the study they were split from, or says what is missing or
/// does not match.
pub fn merge_shards(parts: Vec<ShardFile>) -> Result<(Study, StudyOptions), String> {
    let Some(first) = parts.first() else {
        return Err("no shards given".into());
    };
    let count = first.shard.count;
    let (meta, cells, options) = (
        first.meta.clone(),
        first.cells.clone(),
        first.options.clone(),
    );
    let mut seen = vec![false; count as usize];
    let mut runs = Vec::new();
    for part in parts {
        if part.shard.count != count
            || part.shard.index == 0
            || part.shard.index > count
            || part.meta != meta
            || part.cells != cells
            || part.options != options
        {
            return Err(format!(
                "shard {}/{} does not belong with shard 1's study (a different scenario, seed, replications, cells or shard count)",
                part.shard.index, part.shard.count
            ));
        }
        let slot = (part.shard.index - 1) as usize;
        if seen[slot] {
            return Err(format!("shard {}/{count} is given twice", part.shard.index));
        }
        seen[slot] = true;
        runs.extend(part.runs);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, seen)| !**seen)
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s) {}", missing.join(", ")));
    }
    let study = Study::from_runs(meta, cells, runs)
        .ok_or("the shards' runs do not make up the whole study (a shard file was edited?)")?;
    Ok((study, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(index: u32, count: u32, seed: u64, runs: Vec<RunRecord>) -> ShardFile {
        ShardFile {
            shard: Shard { index, count },
            meta: StudyMeta {
                tool: "mailsim test".into(),
                kind: StudyKind::Replications,
                scenario: "s".into(),
                scenario_file: "s.ron".into(),
                seed,
                replications: 3,
                warmup_s: 0.0,
                confidence: stats::CONFIDENCE,
            },
            cells: vec![Cell {
                label: "s".into(),
                settings: Vec::new(),
            }],
            options: StudyOptions::default(),
            runs,
        }
    }

    fn record(replication: u32, value: f64) -> RunRecord {
        RunRecord {
            cell: 0,
            replication,
            values: vec![Some(value)],
        }
    }

    #[test]
    fn shards_own_every_run_once_and_merge_back_in_order() {
        let owners: Vec<u32> = (0..7)
            .map(|run| {
                (1..=3)
                    .filter(|&k| Shard { index: k, count: 3 }.owns(run))
                    .sum()
            })
            .collect();
        assert_eq!(owners, [1, 2, 3, 1, 2, 3, 1]);
        let (study, _) = merge_shards(vec![
            part(2, 2, 1, vec![record(1, 2.0)]),
            part(1, 2, 1, vec![record(0, 1.0), record(2, 3.0)]),
        ])
        .unwrap();
        assert_eq!(study.series(0, 0), [Some(1.0), Some(2.0), Some(3.0)]);
        let twice = merge_shards(vec![part(1, 2, 1, vec![]), part(1, 2, 1, vec![])]);
        assert!(twice.unwrap_err().contains("given twice"));
        let foreign = merge_shards(vec![part(1, 2, 1, vec![]), part(2, 2, 9, vec![])]);
        assert!(foreign.unwrap_err().contains("does not belong"));
        assert!(Shard::parse("0/3").is_err() && Shard::parse("4/3").is_err());
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
    }
}
