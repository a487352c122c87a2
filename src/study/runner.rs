//! Running the replications of a study in parallel. Results are collected by run number and
//! never by completion order, so the thread count cannot change them.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Shard;
use crate::model::{RunControl, RunOutput, SimError, simulate_with};
use crate::scenario::Scenario;

/// The metric values of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Which cell (configuration).
    pub cell: usize,
    /// Which replication.
    pub replication: u32,
    /// The metrics, in the order of the study's [`super::MetricList`].
    pub values: Vec<Option<f64>>,
}

/// A study that could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StudyError {
    /// One of its runs failed.
    #[error("{label}")]
    Run {
        /// The cell whose run failed.
        label: String,
        /// Why.
        #[source]
        source: SimError,
    },
    /// The runs collected do not make up the whole study (every run was asked for, so this
    /// is a bug).
    #[error("replications went missing")]
    Incomplete,
    /// The worker threads could not be started.
    #[error("could not start {threads} worker threads: {message}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// Why not.
        message: String,
    },
}

/// Called once per finished run, from any worker thread (e.g. to advance a progress bar).
pub type Progress<'a> = &'a (dyn Fn() + Sync);

/// How to run: threads, an optional shard, and how runs may be stopped.
#[derive(Clone, Copy)]
pub struct Workers<'a> {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Run only this part of the runs.
    pub shard: Option<Shard>,
    /// Cancellation and event budget for every run.
    pub control: RunControl<'a>,
    /// Told about every finished run.
    pub progress: Progress<'a>,
}

/// Runs replications `replications` of every scenario in `cells` (labelled by `labels`), and
/// hands each finished run to `reduce` (which keeps what the study needs: metric values,
/// and for some runs the whole output). Results come back in (cell, replication) order; with a
/// shard, only that part's runs.
pub fn run_cells<T: Send>(
    cells: &[Scenario],
    labels: &[String],
    replications: std::ops::Range<u32>,
    workers: Workers,
    reduce: &(dyn Fn(usize, u32, RunOutput) -> T + Sync),
) -> Result<Vec<T>, StudyError> {
    let per_cell = replications.len();
    let tasks: Vec<(usize, u32)> = (0..cells.len())
        .flat_map(|cell| {
            replications
                .clone()
                .map(move |replication| (cell, replication))
        })
        .filter(|&(cell, replication)| {
            // Run numbers count (cell, replication) pairs of this call; shards are only used
            // with one call over 0..n, where they are the study's run numbers.
            let number = cell * per_cell + (replication - replications.start) as usize;
            workers.shard.is_none_or(|shard| shard.owns(number))
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers.threads.max(1))
        .build()
        .map_err(|error| StudyError::Threads {
            threads: workers.threads,
            message: error.to_string(),
        })?;
    pool.install(|| {
        tasks
            .par_iter()
            .map(|&(cell, replication)| {
                let output = simulate_with(&cells[cell], replication, workers.control).map_err(
                    |source| StudyError::Run {
                        label: labels[cell].clone(),
                        source,
                    },
                )?;
                (workers.progress)();
                Ok(reduce(cell, replication, output))
            })
            .collect()
    })
}
