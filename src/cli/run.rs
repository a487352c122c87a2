//! `mailsim run`: run one scenario, print the summary and write the run folder; with
//! `--replications N` (or `--precision`, `--shard`), run it N times and report every metric
//! with its 95% confidence interval.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use mailsim::engine::SimTime;
use mailsim::model::{RunControl, SimError};
use mailsim::report;
use mailsim::scenario::Scenario;
use mailsim::study::{Cell, Plan, StudyKind, StudyOptions};

use super::study::{
    OutputArgs, ReplicationArgs, apply_overrides, open_folder, parse_shard, progress_bar,
    run_and_write, write_folder,
};
use super::{CliError, limits, print_stdout};

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
    /// At the end, print events processed, events per second and peak memory on stderr.
    #[arg(long)]
    stats: bool,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut scenario = mailsim::scenario::load(&args.scenario)?;
    apply_overrides(
        &mut scenario,
        args.replication.seed,
        args.replication.warmup.as_deref(),
    )?;
    limits::check(&scenario, args.replication.allow_large)?;
    let shard = parse_shard(args.shard.as_deref())?;
    let replicated = args.replication.replications.is_some_and(|n| n != 1)
        || args.replication.precision.is_some()
        || shard.is_some();
    if replicated {
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
    run_once(&scenario, &args)
}

/// Runs replication 0 with a progress bar in simulated time, writes the run folder and prints
/// the summary.
fn run_once(scenario: &Scenario, args: &RunArgs) -> Result<(), CliError> {
    let output = &args.output;
    let folder = open_folder(
        &output.out,
        scenario.name(),
        output.run_id.as_deref(),
        &format!("seed-{}", scenario.run().seed),
        output.force,
    )?;
    let cancel = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&cancel);
    // If a handler cannot be installed (one already is), Ctrl-C simply kills the process; the
    // staging folder's name still marks it as partial.
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed));
    // Simulated seconds out of the horizon (a run that drains early stops short of it).
    let bar = progress_bar(
        scenario.run().horizon.as_millis() / 1000,
        "simulated seconds",
        output.quiet,
    );
    let advance = |time: SimTime| bar.set_position(time.as_millis() / 1000);
    let control = RunControl {
        cancel: Some(&cancel),
        max_events: args.replication.max_events,
        progress: Some(&advance),
    };
    let started = std::time::Instant::now();
    let run = mailsim::model::simulate_with(scenario, 0, control);
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let run = match run {
        Ok(run) => run,
        Err(error) => {
            folder.abandon();
            return Err(match error {
                SimError::Interrupted => CliError::Interrupted,
                other => CliError::Failed(other.into()),
            });
        }
    };
    let options = report::ReportOptions { png: output.png };
    let files = match report::render_run(scenario, &run, options) {
        Ok(files) => files,
        Err(error) => {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    };
    if cancel.load(Ordering::Relaxed) {
        folder.abandon();
        return Err(CliError::Interrupted);
    }
    let path = write_folder(folder, &files)?;
    if args.stats {
        print_stats(run.summary.events, elapsed);
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

/// The `--stats` line: simulation work and speed (the run itself, not writing the results) and
/// the process's peak memory.
fn print_stats(events: u64, elapsed: std::time::Duration) {
    let per_second = events as f64 / elapsed.as_secs_f64().max(1e-9);
    let peak = mailsim::metrics::peak_rss_bytes().map_or_else(
        || "unavailable".to_string(),
        |bytes| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)),
    );
    eprintln!(
        "stats: {events} events in {:.3} s ({:.2} M events/s), peak memory (RSS) {peak}",
        elapsed.as_secs_f64(),
        per_second / 1e6
    );
}
