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
    /// Run only part K of N of the replications (see `mailsim merge`); `auto` reads the part from
    /// Slurm (SLURM_ARRAY_TASK_ID …), a Kubernetes indexed Job (JOB_COMPLETION_INDEX) or GNU
    /// parallel (PARALLEL_SEQ).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// With --shard auto: how many parts, when the runner does not say (Kubernetes, GNU
    /// parallel); or set MAILSIM_SHARDS.
    #[arg(long, value_name = "N")]
    shards: Option<u32>,
    /// Also write the time series as OpenMetrics text to this file, for Prometheus
    /// (`promtool tsdb create-blocks-from openmetrics`) and Grafana. A single run only; an
    /// existing file is kept unless --force.
    #[arg(long, value_name = "FILE.om")]
    metrics: Option<PathBuf>,
    /// With --metrics: the wall-clock time of simulated time 0, e.g. 2026-11-30T09:00:00Z;
    /// each sample is stamped with it plus its simulated time. Default: the scenario's
    /// run.start, else the Unix epoch (1970-01-01T00:00:00Z).
    #[arg(long, value_name = "TIME", requires = "metrics")]
    metrics_start: Option<String>,
}

/// Checks --metrics and --metrics-start before anything runs; the start in milliseconds since
/// the Unix epoch.
fn metrics_start(args: &RunArgs, scenario: &Scenario, replicated: bool) -> Result<u64, CliError> {
    let Some(path) = &args.metrics else {
        return Ok(0);
    };
    if replicated {
        return Err(CliError::Input(miette::miette!(
            help = "drop --replications/--precision/--shard, or drop --metrics",
            "--metrics writes the time series of a single run, and this is a study of several"
        )));
    }
    if path.exists() && !args.output.force {
        return Err(CliError::Input(miette::miette!(
            help = "choose another file, or add --force to replace it",
            "{} exists; it was left as it is",
            path.display()
        )));
    }
    match &args.metrics_start {
        None => Ok(report::clock_start_unix_ms(scenario).unwrap_or(0)),
        Some(text) => {
            let time = humantime::parse_rfc3339_weak(text.trim()).map_err(|error| {
                CliError::Input(miette::miette!(
                    help = "write a UTC date and time such as 2026-11-30T09:00:00Z",
                    "--metrics-start `{text}` is not a date and time: {error}"
                ))
            })?;
            let since_epoch = time.duration_since(std::time::UNIX_EPOCH).map_err(|_| {
                CliError::Input(miette::miette!(
                    help = "write a UTC date and time such as 2026-11-30T09:00:00Z",
                    "--metrics-start `{text}` is before 1970"
                ))
            })?;
            Ok(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
        }
    }
}

/// Writes the OpenMetrics file whole or not at all (a temporary file renamed into place).
fn write_metrics(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&partial);
            CliError::Failed(
                anyhow::Error::new(error).context(format!("could not write {}", path.display())),
            )
        })
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut scenario = mailsim::scenario::load(&args.scenario)?;
    apply_overrides(
        &mut scenario,
        args.replication.seed,
        args.replication.warmup.as_deref(),
    )?;
    super::print_warnings(&scenario);
    let shard = parse_shard(args.shard.as_deref(), args.shards)?;
    let replicated = args.replication.replications.is_some_and(|n| n != 1)
        || args.replication.precision.is_some()
        || shard.is_some();
    let start_unix_ms = metrics_start(&args, &scenario, replicated)?;
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
    run_once(&scenario, &args, budget, &estimate, start_unix_ms)
}

/// Runs replication 0 with a progress bar in simulated time, writes the run folder (and the
/// OpenMetrics file, with --metrics) and prints the summary. A signal during the simulation
/// stops it; one while the report is drawn or written ends the process at once; either way the
/// staging folder is removed.
fn run_once(
    scenario: &Scenario,
    args: &RunArgs,
    budget: Budget,
    estimate: &Estimate,
    start_unix_ms: u64,
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
    if let Some(metrics) = &args.metrics {
        write_metrics(
            metrics,
            &report::openmetrics(scenario, &run.samples, start_unix_ms),
        )?;
    }
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
