//! `mailsim sweep`: run a scenario over a grid of parameter values (`--set PATH=VALUES`) and
//! find where a target is met (`--target "latency_s.p99 <= 3600"`).

use std::path::PathBuf;

use clap::Args;
use mailsim::scenario::Scenario;
use mailsim::scenario::edit::PATH_FORM;
use mailsim::study::sweep::{Setting, Target, VALUES_FORM, apply_point, grid};
use mailsim::study::{Cell, MetricList, Plan, StudyKind, StudyOptions};

use super::CliError;
use super::study::{
    OutputArgs, ReplicationArgs, apply_overrides, load_with_text, parse_shard, run_and_write,
};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// A field and its values, e.g. `--set senders[0].connections.per_destination=1..8:1` or
    /// `--set receivers.o365.throttle.rate=300/h,600/h`. Several make a grid; the first is the
    /// charts' x axis.
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    settings: Vec<String>,
    /// Find the value of the first --set where a metric meets a limit, e.g.
    /// `--target "latency_s.p99 <= 3600"` or `--target "bounce_rate < 0.01"`.
    #[arg(long, value_name = "\"METRIC OP VALUE\"")]
    target: Option<String>,
    /// A metric to chart against the first --set (repeatable; default: the target's metric,
    /// else all_done_s and latency_s.p99).
    #[arg(long = "chart", value_name = "METRIC")]
    charts: Vec<String>,
    /// Run only part K of N of the runs (see `mailsim merge`); `auto` reads the part from
    /// Slurm (SLURM_ARRAY_TASK_ID …), a Kubernetes indexed Job (JOB_COMPLETION_INDEX) or GNU
    /// parallel (PARALLEL_SEQ).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// With --shard auto: how many parts, when the runner does not say (Kubernetes, GNU
    /// parallel); or set MAILSIM_SHARDS.
    #[arg(long, value_name = "N")]
    shards: Option<u32>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    replication: ReplicationArgs,
}

fn usage(message: String, help: String) -> CliError {
    CliError::Input(miette::miette!(help = help, "{message}"))
}

/// Checks that the target's and the charts' metrics are metrics of the scenario's studies.
fn check_metrics(
    base: &Scenario,
    target: Option<&Target>,
    charts: &[String],
) -> Result<(), CliError> {
    let metrics = MetricList::new(&base.run().deadlines);
    if let Some(target) = target {
        metrics.check(&target.metric).map_err(|why| {
            usage(
                format!("--target: {why}"),
                "e.g. --target \"all_done_s <= 6h\"".into(),
            )
        })?;
    }
    for metric in charts {
        metrics
            .check(metric)
            .map_err(|why| usage(format!("--chart: {why}"), "e.g. --chart bounce_rate".into()))?;
    }
    Ok(())
}

pub fn sweep(args: SweepArgs) -> Result<(), CliError> {
    let (text, base) = load_with_text(&args.scenario, &args.replication)?;
    let origin = args.scenario.display().to_string();
    let warmup = args.replication.warmup.as_deref();
    let shard = parse_shard(args.shard.as_deref(), args.shards)?;
    let settings: Vec<Setting> = args
        .settings
        .iter()
        .map(|given| Setting::parse(given))
        .collect::<Result<_, _>>()
        .map_err(|why| {
            usage(
                format!("--set: {why}"),
                format!("PATH is {PATH_FORM}; VALUES is {VALUES_FORM}"),
            )
        })?;
    let target = args
        .target
        .as_deref()
        .map(Target::parse)
        .transpose()
        .map_err(|why| {
            usage(
                format!("--target: {why}"),
                "e.g. --target \"latency_s.p99 <= 3600\"".into(),
            )
        })?;
    check_metrics(&base, target.as_ref(), &args.charts)?;
    let chart_metrics = if !args.charts.is_empty() {
        args.charts.clone()
    } else if let Some(target) = &target {
        vec![target.metric.clone()]
    } else {
        vec!["all_done_s".to_string(), "latency_s.p99".to_string()]
    };
    let mut cells = Vec::new();
    let mut scenarios = Vec::new();
    for point in grid(&settings) {
        let label: Vec<String> = point.iter().map(|(p, v)| format!("{p}={v}")).collect();
        let label = label.join(" ");
        let edited = apply_point(&text, &point).map_err(|why| {
            usage(
                format!("--set: {why}"),
                format!("PATH is {PATH_FORM}; the field must hold a number, duration or rate"),
            )
        })?;
        let mut scenario = mailsim::scenario::parse(&format!("{origin} with {label}"), &edited)?;
        apply_overrides(&mut scenario, args.replication.seed, warmup)?;
        cells.push(Cell {
            label,
            settings: point
                .iter()
                .map(|(path, value)| (path.to_string(), value.clone()))
                .collect(),
        });
        scenarios.push(scenario);
    }
    let plan = Plan {
        kind: StudyKind::Sweep,
        base: &base,
        scenarios,
        cells,
        options: StudyOptions {
            sweep_paths: settings.iter().map(|s| s.path.to_string()).collect(),
            target,
            chart_metrics,
            ..StudyOptions::default()
        },
        keep_first: false,
    };
    run_and_write(plan, &args.replication, &args.output, shard, 5)
}
