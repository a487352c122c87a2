//! Running a study: every configuration for a fixed number of replications (or one shard's part
//! of them), or in rounds until a [`Precision`] goal is met. The result is the [`Study`] (or the
//! [`ShardFile`] to merge later); nothing here prints or writes files.

use super::precision::{Precision, PrecisionReport, Verdict};
use super::{
    Cell, RunRecord, Shard, ShardFile, Study, StudyError, StudyKind, StudyMeta, StudyOptions,
    Workers, metric, run_cells, stats,
};
use crate::model::{RunControl, RunOutput};
use crate::scenario::Scenario;

/// A study ready to run: its configurations and how it is reported.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    /// What kind of study.
    pub kind: StudyKind,
    /// The scenario as given (its name, origin, seed and warm-up go into the meta block).
    pub base: &'a Scenario,
    /// One scenario per configuration, in the order of `cells`.
    pub scenarios: Vec<Scenario>,
    /// The configurations' labels and settings.
    pub cells: Vec<Cell>,
    /// Reporting settings.
    pub options: StudyOptions,
    /// Keep replication 0 of each configuration whole (for charts that overlay them); not
    /// kept when running a shard.
    pub keep_first: bool,
}

/// How many replications to run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Replications {
    /// This many per configuration; with a shard, only that part of the runs.
    Fixed {
        /// Replications per configuration.
        count: u32,
        /// The part to run, if only one.
        shard: Option<Shard>,
    },
    /// Start with `start` per configuration and double until the goal is met. Never split
    /// into shards: how many replications are needed is only known once the earlier ones ran.
    UntilPrecise {
        /// Replications of the first round (see [`Precision::first_round`]).
        start: u32,
        /// The goal.
        goal: Precision,
    },
}

/// Told how a study's runs progress, e.g. to draw a progress bar. `()` ignores everything.
pub trait StudyProgress: Sync {
    /// A round of `runs` runs starts (a precision study runs several rounds).
    fn round_started(&self, _runs: u64) {}
    /// One run has finished; called from any worker thread.
    fn run_finished(&self) {}
    /// The round is over (all its runs finished, or one failed).
    fn round_finished(&self) {}
}

impl StudyProgress for () {}

/// How to run a study.
#[derive(Clone, Copy)]
pub struct Execution<'a> {
    /// How many replications.
    pub replications: Replications,
    /// Worker threads (at least 1); the results do not depend on it.
    pub threads: usize,
    /// Cancellation and event budget for every run.
    pub control: RunControl<'a>,
    /// Told about rounds and finished runs.
    pub progress: &'a dyn StudyProgress,
}

/// What a study run produced.
#[derive(Debug)]
pub enum Outcome {
    /// The whole study.
    Whole {
        /// Every metric of every run.
        study: Study,
        /// Replication 0 of each configuration, if the plan keeps them.
        first_runs: Vec<RunOutput>,
        /// How the precision rule ended, for a precision study.
        precision: Option<PrecisionReport>,
    },
    /// One shard's part, to be merged with the others.
    Part(ShardFile),
}

/// The runs collected so far.
struct Collected {
    runs: Vec<RunRecord>,
    first_runs: Vec<Option<RunOutput>>,
}

/// Runs the plan: all of it, a shard of it, or rounds until the precision goal is met.
pub fn execute(plan: &Plan, execution: &Execution) -> Result<Outcome, StudyError> {
    let (mut count, shard, goal) = match execution.replications {
        Replications::Fixed { count, shard } => (count, shard, None),
        Replications::UntilPrecise { start, goal } => (goal.first_round(start), None, Some(goal)),
    };
    let mut collected = Collected {
        runs: Vec::new(),
        first_runs: (0..plan.cells.len()).map(|_| None).collect(),
    };
    let mut done = 0u32;
    let mut report = None;
    loop {
        run_round(plan, execution, shard, done..count, &mut collected)?;
        done = count;
        let Some(goal) = goal else {
            break;
        };
        let partial =
            Study::from_runs(plan.meta(count), plan.cells.clone(), collected.runs.clone())
                .ok_or(StudyError::Incomplete)?;
        let widest = goal.widest(&partial);
        let verdict = goal.verdict(count, widest);
        if let Verdict::More(next) = verdict {
            count = next;
            continue;
        }
        report = Some(PrecisionReport {
            goal,
            replications: count,
            widest,
            met: verdict == Verdict::Met,
        });
        break;
    }
    let meta = plan.meta(count);
    if let Some(shard) = shard {
        return Ok(Outcome::Part(ShardFile {
            shard,
            fingerprint: plan.fingerprint(),
            meta,
            cells: plan.cells.clone(),
            options: plan.options.clone(),
            runs: collected.runs,
        }));
    }
    let study =
        Study::from_runs(meta, plan.cells.clone(), collected.runs).ok_or(StudyError::Incomplete)?;
    Ok(Outcome::Whole {
        study,
        first_runs: collected.first_runs.into_iter().flatten().collect(),
        precision: report,
    })
}

/// Runs replications `replications` of every configuration (only the shard's, if any).
fn run_round(
    plan: &Plan,
    execution: &Execution,
    shard: Option<Shard>,
    replications: std::ops::Range<u32>,
    collected: &mut Collected,
) -> Result<(), StudyError> {
    let keep_first = plan.keep_first && shard.is_none();
    let planned = (0..plan.cells.len() * replications.len())
        .filter(|&n| shard.is_none_or(|s| s.owns(n)))
        .count();
    let progress = execution.progress;
    progress.round_started(planned as u64);
    let tick = || progress.run_finished();
    let workers = Workers {
        threads: execution.threads,
        shard,
        control: execution.control,
        progress: &tick,
    };
    let metrics = metric::MetricList::new(&plan.base.run.deadlines);
    let reduce = |cell: usize, replication: u32, run: RunOutput| {
        let record = RunRecord {
            cell,
            replication,
            values: metrics.values(&run.summary),
        };
        (record, (keep_first && replication == 0).then_some(run))
    };
    let labels: Vec<String> = plan.cells.iter().map(|c| c.label.clone()).collect();
    let results = run_cells(&plan.scenarios, &labels, replications, workers, &reduce);
    progress.round_finished();
    for (record, first) in results? {
        if let Some(first) = first {
            collected.first_runs[record.cell] = Some(first);
        }
        collected.runs.push(record);
    }
    Ok(())
}

impl Plan<'_> {
    /// The meta block of the study with `replications` per configuration.
    pub fn meta(&self, replications: u32) -> StudyMeta {
        StudyMeta {
            tool: format!("mailsim {}", env!("CARGO_PKG_VERSION")),
            kind: self.kind,
            scenario: self.base.name.clone(),
            scenario_file: self.base.origin.clone(),
            seed: self.base.run.seed,
            replications,
            warmup_s: self.base.run.warmup.as_secs_f64(),
            confidence: stats::CONFIDENCE,
            deadlines: self.base.run.deadlines.clone(),
        }
    }

    /// The fingerprint of every configuration's validated scenario (and of this version of
    /// mailsim): what tells the shards of this study from those of any other.
    pub fn fingerprint(&self) -> String {
        let each: Vec<String> = self.scenarios.iter().map(Scenario::fingerprint).collect();
        crate::scenario::fingerprint_of(&each.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::domain::Deadline;
    use crate::study::MetricList;

    /// Every attempt deferred with probability 1/2 and retried after 10 minutes: the mean
    /// latency varies from replication to replication.
    const COIN: &str = r#"(
        name: "coin",
        run: (horizon: "10d"),
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 20, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Fixed("0s")),
            retry: Fixed(interval: "10m"),
        )],
        receivers: {"r": (reputation_deferral: {Good: 0.5})},
    )"#;

    /// Counts rounds and runs.
    #[derive(Default)]
    struct Count {
        rounds: AtomicU64,
        planned: AtomicU64,
        finished: AtomicU64,
    }

    impl StudyProgress for Count {
        fn round_started(&self, runs: u64) {
            self.rounds.fetch_add(1, Ordering::Relaxed);
            self.planned.fetch_add(runs, Ordering::Relaxed);
        }

        fn run_finished(&self) {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn plan(base: &Scenario, keep_first: bool) -> Plan<'_> {
        let cell = |label: &str| Cell {
            label: label.into(),
            settings: Vec::new(),
        };
        Plan {
            kind: StudyKind::Compare,
            base,
            scenarios: vec![base.clone(), base.clone()],
            cells: vec![cell("a"), cell("b")],
            options: StudyOptions::default(),
            keep_first,
        }
    }

    fn run(plan: &Plan, replications: Replications, progress: &dyn StudyProgress) -> Outcome {
        let execution = Execution {
            replications,
            threads: 2,
            control: RunControl::default(),
            progress,
        };
        execute(plan, &execution).unwrap()
    }

    fn goal(fraction: f64, max_replications: u32) -> Precision {
        Precision {
            metric: MetricList::new(&Deadline::defaults())
                .index("latency_s.mean")
                .unwrap(),
            fraction,
            max_replications,
        }
    }

    #[test]
    fn a_fixed_study_runs_every_replication_of_every_cell_once() {
        let base = crate::scenario::parse("coin.ron", COIN).unwrap();
        let count = Count::default();
        let fixed = Replications::Fixed {
            count: 3,
            shard: None,
        };
        let Outcome::Whole {
            study,
            first_runs,
            precision,
        } = run(&plan(&base, true), fixed, &count)
        else {
            panic!("a whole study was asked for");
        };
        assert_eq!((study.meta.replications, study.values.len()), (3, 2));
        assert_eq!((first_runs.len(), precision), (2, None));
        assert_eq!(count.rounds.load(Ordering::Relaxed), 1);
        assert_eq!(count.planned.load(Ordering::Relaxed), 6);
        assert_eq!(count.finished.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn a_shard_runs_only_its_part_of_the_runs() {
        let base = crate::scenario::parse("coin.ron", COIN).unwrap();
        let shard = Some(Shard { index: 2, count: 4 });
        let Outcome::Part(part) = run(
            &plan(&base, true),
            Replications::Fixed { count: 3, shard },
            &(),
        ) else {
            panic!("a shard was asked for");
        };
        let runs: Vec<(usize, u32)> = part.runs.iter().map(|r| (r.cell, r.replication)).collect();
        assert_eq!(runs, [(0, 1), (1, 2)]);
        assert_eq!(part.meta.replications, 3);
    }

    #[test]
    fn precision_doubles_the_replications_until_met_or_capped() {
        let base = crate::scenario::parse("coin.ron", COIN).unwrap();
        let plan = plan(&base, false);
        let count = Count::default();
        // Asking for the impossible stops at the maximum: 2, 4, 8, then capped.
        let strict = Replications::UntilPrecise {
            start: 2,
            goal: goal(1e-9, 8),
        };
        let Outcome::Whole {
            study, precision, ..
        } = run(&plan, strict, &count)
        else {
            panic!("a whole study was asked for");
        };
        let report = precision.unwrap();
        assert_eq!((report.replications, report.met), (8, false));
        assert_eq!(study.meta.replications, 8);
        assert_eq!(count.rounds.load(Ordering::Relaxed), 3);
        assert_eq!(count.finished.load(Ordering::Relaxed), 16);
        assert_eq!(report.widest, report.goal.widest(&study));
        // A loose goal is met after the first round.
        let loose = Replications::UntilPrecise {
            start: 2,
            goal: goal(100.0, 8),
        };
        let Outcome::Whole { precision, .. } = run(&plan, loose, &()) else {
            panic!("a whole study was asked for");
        };
        let report = precision.unwrap();
        assert_eq!((report.replications, report.met), (2, true));
    }
}
