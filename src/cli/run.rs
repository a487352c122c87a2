//! `mailsim run`: run one scenario, print the summary and write the run folder; with
//! `--replications N` (or `--precision`, `--shard`), run it N times and report every metric
//! with its 95% confidence interval.

use std::path::PathBuf;

use clap::Args;
use mailsim::engine::SimTime;
use mailsim::model::{Estimate, RunControl};
use mailsim::report;
use mailsim::scenario::Scenario;
use mailsim::study::{Cell, Plan, StudyKind, StudyOptions};

use super::limits::{self, Budget};
use super::study::{
    OutputArgs, ReplicationArgs, apply_overrides, open_folder, parse_shard, progress_bar,
    run_and_write, write_folder,
};
use super::{CliError, print_stdout, signals};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    replication: ReplicationArgs,
    /// Run only part K of N of the replications (see `mailsim merge`).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut scenario = mailsim::scenario::load(&args.scenario)?;
    apply_overrides(
        &mut scenario,
        args.replication.seed,
        args.replication.warmup.as_deref(),
    )?;
    super::print_warnings(&scenario);
    let shard = parse_shard(args.shard.as_deref())?;
    let replicated = args.replication.replications.is_some_and(|n| n != 1)
        || args.replication.precision.is_some()
        || shard.is_some();
    if replicated {
        // The study checks its own estimate: its runs at once, what it keeps.
        let plan = Plan {
            kind: StudyKind::Replications,
            base: &scenario,
            scenarios: vec![scenario.clone()],
            cells: vec![Cell {
                label: scenario.name().to_string(),
                settings: Vec::new(),
            }],
            options: StudyOptions::default(),
            keep_first: false,
        };
        return run_and_write(plan, &args.replication, &args.output, shard, 1);
    }
    let estimate = limits::check(&scenario, args.replication.allow_large)?;
    let budget = Budget::new(args.replication.max_events, &[estimate]);
    run_once(&scenario, &args, budget, &estimate)
}

/// Runs replication 0 with a progress bar in simulated time, writes the run folder and prints
/// the summary. A signal during the simulation stops it; one while the report is drawn or
/// written ends the process at once; either way the staging folder is removed.
fn run_once(
    scenario: &Scenario,
    args: &RunArgs,
    budget: Budget,
    estimate: &Estimate,
) -> Result<(), CliError> {
    let output = &args.output;
    let folder = open_folder(
        &output.out,
        scenario.name(),
        output.run_id.as_deref(),
        &format!("seed-{}", scenario.run().seed),
        output.force,
    )?;
    // Simulated seconds out of the horizon (a run that drains early stops short of it).
    let bar = progress_bar(
        scenario.run().horizon.as_millis() / 1000,
        "simulated seconds",
        output.quiet,
    );
    let advance = |time: SimTime| bar.set_position(time.as_millis() / 1000);
    let control = RunControl {
        cancel: Some(signals::cancel_flag()),
        max_events: Some(budget.limit),
        progress: Some(&advance),
    };
    let started = std::time::Instant::now();
    let run = signals::cooperative(|| mailsim::model::simulate_with(scenario, 0, control));
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let run = match run {
        None => return Err(signals::interrupted()),
        Some(Err(error)) => return Err(budget.failure(error, None)),
        Some(Ok(run)) => run,
    };
    let options = report::ReportOptions { png: output.png };
    let files = report::render_run(scenario, &run, options)
        .map_err(|error| CliError::Failed(error.into()))?;
    let path = write_folder(folder, &files)?;
    if args.replication.stats {
        limits::print_stats(Some(run.summary.events), elapsed, estimate);
    }
    if !output.quiet {
        print_stdout(&report::terminal_summary(scenario, &run))?;
        print_stdout(&report::deliverability_table(scenario, &run.deliverability))?;
    }
    print_stdout(&format!("results: {}\n", path.display()))?;
    if output.quiet {
        return Ok(());
    }
    let page = path.join(report::REPORT_HTML);
    print_stdout(&format!("report: {}\n", page.display()))
}
