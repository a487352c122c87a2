//! Checking a fitted scenario against the log it was fitted to: the scenario is run for a
//! number of replications, each run recorded as the MTA would have logged it
//! ([`HistoryRecorder`]) and summarised exactly as the log is ([`ObservedSummary`]), so the
//! observed and simulated figures mean the same thing. Replications run in parallel and are
//! gathered in order, so the result does not depend on the number of threads.

use rayon::prelude::*;

use crate::model::{HistoryRecorder, RunControl, SimError, simulate_observed};
use crate::mta::logs::{History, ObservedSummary, Stamp};
use crate::scenario::Scenario;

/// The observed figures and those of each simulated replication.
#[derive(Clone, Debug)]
pub struct FitCheck {
    /// The log's messages that the scenario replays, summarised.
    pub observed: ObservedSummary,
    /// One summary per replication, in order.
    pub simulated: Vec<ObservedSummary>,
}

/// Runs `scenario` (fitted to `log`, its time zero the instant `zero`) for `replications` and
/// summarises each run as the log is summarised.
///
/// # Errors
///
/// The first replication that could not complete.
pub fn check_fit(
    scenario: &Scenario,
    log: &History,
    zero: Stamp,
    replications: u32,
) -> Result<FitCheck, SimError> {
    let observed = ObservedSummary::of(&log.replayable());
    let simulated = (0..replications.max(1))
        .into_par_iter()
        .map(|replication| {
            let mut recorder = HistoryRecorder::new(scenario, zero);
            simulate_observed(scenario, replication, RunControl::default(), &mut recorder)?;
            Ok(ObservedSummary::of(&recorder.finish(log.format)))
        })
        .collect::<Result<Vec<_>, SimError>>()?;
    Ok(FitCheck {
        observed,
        simulated,
    })
}
