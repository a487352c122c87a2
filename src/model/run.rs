//! Running a scenario: the entry points ([`simulate`] and its variants), what a run returns
//! ([`RunOutput`]), how it may fail ([`SimError`]) and how a caller may stop it early
//! ([`RunControl`]). The world and its event loop live in `world/`; this file only starts them.

use std::sync::atomic::AtomicBool;

use thiserror::Error;

use crate::engine::SimTime;
use crate::metrics::{Deliverability, LatencyDistribution, Summary, TimeSeries};
use crate::scenario::Scenario;

use super::observe::{Observer, Tap};
use super::world::World;

/// The results of one replication.
#[derive(Debug)]
pub struct RunOutput {
    /// End-of-run figures.
    pub summary: Summary,
    /// The time series, one row per sample instant.
    pub samples: TimeSeries,
    /// The latency distribution of delivered messages (for charts).
    pub latency: LatencyDistribution,
    /// Attempt outcomes per receiver and sending IP, and per receiver over time.
    pub deliverability: Deliverability,
    /// How often each sender's policy kept a message from an attempt (a hold, or a deferral
    /// without a connection), by the rule that decided it; empty for policies that never do.
    pub holds: Vec<PolicyHolds>,
}

/// How often one rule of a sender's policy kept a message from an attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyHolds {
    /// The sender's name.
    pub sender: String,
    /// The rule, in words ([`crate::retry::RetrySpec::explain`]).
    pub rule: String,
    /// Holds and deferrals without an attempt it decided.
    pub count: u64,
}

/// A run that could not complete.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// An internal consistency check failed: a bug in mailsim, not in the scenario.
    #[error(
        "internal error in scenario `{scenario}` (seed {seed}, replication {replication}): {message}; please report it with the scenario file"
    )]
    Invariant {
        /// The scenario's name.
        scenario: String,
        /// The seed.
        seed: u64,
        /// The replication.
        replication: u32,
        /// What broke.
        message: String,
    },
    /// The run was cancelled before it finished.
    #[error("the run was interrupted")]
    Interrupted,
    /// The run reached its event budget before it finished.
    #[error(
        "the run stopped after {events} events, its limit; a retry interval of milliseconds, a tiny sample interval or a huge volume can cause this"
    )]
    EventLimit {
        /// Events processed.
        events: u64,
        /// The budget.
        limit: u64,
    },
}

/// How a run may be stopped before it finishes, and who hears how far it has got.
#[derive(Clone, Copy, Default)]
pub struct RunControl<'a> {
    /// Stop with [`SimError::Interrupted`] once this is set (e.g. by a Ctrl-C handler).
    pub cancel: Option<&'a AtomicBool>,
    /// Stop with [`SimError::EventLimit`] once this many events have run and another is due
    /// (exactly: a run of exactly this many events completes).
    pub max_events: Option<u64>,
    /// Told the simulated time every 4096 events (e.g. to move a progress bar).
    pub progress: Option<&'a (dyn Fn(SimTime) + Sync)>,
}

impl std::fmt::Debug for RunControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("cancel", &self.cancel)
            .field("max_events", &self.max_events)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Runs replication `replication` of `scenario` to its end.
pub fn simulate(scenario: &Scenario, replication: u32) -> Result<RunOutput, SimError> {
    simulate_with(scenario, replication, RunControl::default())
}

/// Like [`simulate`], but stops early as `control` says.
pub fn simulate_with(
    scenario: &Scenario,
    replication: u32,
    control: RunControl,
) -> Result<RunOutput, SimError> {
    World::new(scenario, replication, None).run(control)
}

/// Like [`simulate_with`], and tells `observer` every step of every message as it happens.
pub fn simulate_observed(
    scenario: &Scenario,
    replication: u32,
    control: RunControl,
    observer: &mut dyn Observer,
) -> Result<RunOutput, SimError> {
    World::new(scenario, replication, Some(Tap::new(observer))).run(control)
}
