//! What `run --replications`, `compare`, `sweep` and `merge` share: the replication options,
//! running a study with a progress bar, and writing its folder (or, with `--shard`, its part).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mailsim::domain::parse_duration;
use mailsim::model::{RunControl, RunOutput, SimError};
use mailsim::report::{self, OutputError, RunFolder};
use mailsim::scenario::Scenario;
use mailsim::study::{
    self, Cell, RunRecord, SHARD_FILE, Shard, ShardFile, Study, StudyError, StudyKind, StudyMeta,
    StudyOptions, Workers, check_metric, metric_index,
};

use super::{CliError, print_stdout};

/// How to simulate: seed, replications, threads, warm-up and limits.
#[derive(Debug, Args)]
pub struct ReplicationArgs {
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop a run with an error after this many events.
    #[arg(long)]
    pub max_events: Option<u64>,
    /// Run even if the scenario's estimated memory exceeds what this machine has available.
    #[arg(long)]
    pub allow_large: bool,
    /// Replications per configuration (default: 1 for run, 10 for compare, 5 for sweep;
    /// replication r gets the same arrivals and recipients in every configuration: common
    /// random numbers).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Add replications (doubling, from --replications or 5) until the 95% interval's
    /// half-width of METRIC is within FRACTION of its mean in every configuration, e.g.
    /// `--precision latency_s.mean=0.05`.
    #[arg(long, value_name = "METRIC=FRACTION")]
    pub precision: Option<String>,
    /// The most replications --precision may use.
    #[arg(long, default_value_t = 320, value_name = "N")]
    pub max_replications: u32,
    /// Worker threads (default: one per core). The results do not depend on it.
    #[arg(long, value_name = "J")]
    pub jobs: Option<usize>,
    /// Leave this warm-up (e.g. `2h`) out of the latency and Little's law figures; overrides
    /// the scenario's `run.warmup`.
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
}

/// Where and how results are written.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Folder under which results are written, as <out>/<scenario>/<run-id>/.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Name of the result folder (default: seed-<seed> for a single run, else
    /// replications-, comparison- or sweep-seed-<seed>; numbered so nothing earlier is touched).
    #[arg(long)]
    pub run_id: Option<String>,
    /// Replace an existing folder of the same --run-id.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors and the results path; no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also write every chart as PNG (SVG is always written).
    #[arg(long)]
    pub png: bool,
}

fn input(message: String, help: &str) -> CliError {
    CliError::Input(miette::miette!(help = help.to_string(), "{message}"))
}

/// Checks `--run-id`.
pub fn check_run_id(id: Option<&str>) -> Result<(), CliError> {
    match id {
        Some(id) if id.is_empty() || id.starts_with('.') || id.contains(['/', '\\']) => Err(input(
            format!("--run-id `{id}` cannot be used as a folder name"),
            "use letters, digits, `-` and `_`",
        )),
        _ => Ok(()),
    }
}

/// Opens the result folder, turning "exists" into a usage error.
pub fn open_folder(
    out: &std::path::Path,
    scenario: &str,
    run_id: Option<&str>,
    stem: &str,
    force: bool,
) -> Result<RunFolder, CliError> {
    check_run_id(run_id)?;
    RunFolder::create_named(out, scenario, run_id, stem, force).map_err(|error| match error {
        OutputError::Exists(path) => CliError::Input(miette::miette!(
            help = "choose another --run-id, or add --force to replace it",
            "{} already holds an earlier run",
            path.display()
        )),
        other => CliError::Failed(anyhow::Error::new(other)),
    })
}

/// Writes `files` into `folder` and moves it into place, or removes it on any failure.
pub fn write_folder(folder: RunFolder, files: &[(String, Vec<u8>)]) -> Result<PathBuf, CliError> {
    for (name, contents) in files {
        if let Err(error) = folder.write(name, contents) {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    }
    folder
        .commit()
        .context("could not finish the result folder")
        .map_err(CliError::Failed)
}

/// Applies `--seed` and `--warmup` to a scenario.
pub fn apply_overrides(
    scenario: &mut Scenario,
    seed: Option<u64>,
    warmup: Option<&str>,
) -> Result<(), CliError> {
    if let Some(seed) = seed {
        scenario.set_seed(seed);
    }
    if let Some(text) = warmup {
        let warmup = parse_duration(text)
            .map_err(|why| input(format!("--warmup: {why}"), "e.g. --warmup 2h"))?;
        scenario.set_warmup(warmup).map_err(|_| {
            input(
                format!("--warmup {warmup} is not shorter than the scenario's horizon"),
                "use a shorter warm-up, or a longer run.horizon in the scenario",
            )
        })?;
    }
    Ok(())
}

/// Reads a scenario file, returning its text and its validated scenario with `--seed` and
/// `--warmup` applied (commands that edit the text re-parse it per configuration).
pub fn load_with_text(
    path: &std::path::Path,
    replication: &ReplicationArgs,
) -> Result<(String, Scenario), CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        CliError::from(mailsim::scenario::ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })
    })?;
    let mut base = mailsim::scenario::parse(&path.display().to_string(), &text)?;
    apply_overrides(&mut base, replication.seed, replication.warmup.as_deref())?;
    Ok((text, base))
}

/// Parses `--shard K/N`.
pub fn parse_shard(text: Option<&str>) -> Result<Option<Shard>, CliError> {
    text.map(|t| {
        Shard::parse(t).map_err(|why| {
            input(
                why,
                "e.g. --shard 1/4 … --shard 4/4, then `mailsim merge` the four folders",
            )
        })
    })
    .transpose()
}

/// Parses `--precision METRIC=FRACTION`.
fn parse_precision(text: &str) -> Result<(usize, f64), CliError> {
    let help = "write --precision METRIC=FRACTION, e.g. --precision latency_s.mean=0.05 (half-width within 5% of the mean)";
    let (metric, fraction) = text
        .split_once('=')
        .ok_or_else(|| input(format!("--precision `{text}` has no `=`"), help))?;
    let metric = metric.trim();
    check_metric(metric).map_err(|why| input(format!("--precision: {why}"), help))?;
    let fraction: f64 = fraction
        .trim()
        .parse()
        .ok()
        .filter(|f: &f64| *f > 0.0 && f.is_finite())
        .ok_or_else(|| {
            input(
                format!(
                    "--precision: `{}` is not a positive fraction",
                    fraction.trim()
                ),
                help,
            )
        })?;
    Ok((metric_index(metric).unwrap_or(0), fraction))
}

/// A study ready to run: its configurations and how to run them.
pub struct Plan<'a> {
    /// What kind of study.
    pub kind: StudyKind,
    /// The scenario as given (name, seed, warm-up for the meta block).
    pub base: &'a Scenario,
    /// One scenario per configuration.
    pub scenarios: Vec<Scenario>,
    /// Their labels and settings.
    pub cells: Vec<Cell>,
    /// Reporting settings.
    pub options: StudyOptions,
    /// Keep replication 0 of each configuration whole (for overlaid charts).
    pub keep_first: bool,
}

/// What a study run produced.
pub struct Outcome {
    /// The study, or `None` when only a shard was run.
    pub study: Option<Study>,
    /// Replication 0 of each configuration, if asked for.
    pub first_runs: Vec<RunOutput>,
    /// The shard file to write, when running a shard.
    pub shard: Option<ShardFile>,
}

/// A progress bar on stderr counting to `total` (`unit` names what is counted), or a hidden
/// one with `--quiet` or when stderr is not a terminal.
pub fn progress_bar(total: u64, unit: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!(
        "{{bar:40.cyan/blue}} {{human_pos}}/{{human_len}} {unit} · {{per_sec}} · {{elapsed_precise}} elapsed · ~{{eta}} left"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// Runs the plan (all of it, a shard of it, or until `--precision` is met).
pub fn execute(
    plan: &Plan,
    replication: &ReplicationArgs,
    output: &OutputArgs,
    shard: Option<Shard>,
    default_replications: u32,
) -> Result<Outcome, CliError> {
    let precision = replication
        .precision
        .as_deref()
        .map(parse_precision)
        .transpose()?;
    if precision.is_some() && shard.is_some() {
        return Err(input(
            "--precision and --shard cannot be combined: how many replications are needed is only known once the earlier ones have run".into(),
            "run the shards with a fixed --replications N",
        ));
    }
    let mut count = replication.replications.unwrap_or(if precision.is_some() {
        5
    } else {
        default_replications
    });
    if count == 0 {
        return Err(input(
            "--replications must be at least 1".into(),
            "e.g. --replications 10",
        ));
    }
    if precision.is_some() {
        count = count.max(2).min(replication.max_replications.max(2));
    }
    let threads = replication
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(input("--jobs must be at least 1".into(), "e.g. --jobs 2"));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed));
    let labels: Vec<String> = plan.cells.iter().map(|c| c.label.clone()).collect();
    let keep_first = plan.keep_first && shard.is_none();
    let mut runs: Vec<RunRecord> = Vec::new();
    let mut first_runs: Vec<Option<RunOutput>> = (0..plan.cells.len()).map(|_| None).collect();
    let mut done = 0u32;
    loop {
        let per_cell = (count - done) as usize;
        let planned = (0..plan.cells.len() * per_cell)
            .filter(|&n| shard.is_none_or(|s| s.owns(n)))
            .count();
        let bar = progress_bar(planned as u64, "runs", output.quiet);
        let tick = || bar.inc(1);
        let workers = Workers {
            threads,
            shard,
            control: RunControl {
                cancel: Some(&cancel),
                max_events: replication.max_events,
                progress: None,
            },
            progress: &tick,
        };
        let reduce = |cell: usize, replication: u32, run: RunOutput| {
            let record = RunRecord {
                cell,
                replication,
                values: study::metric::all_values(&run.summary),
            };
            (record, (keep_first && replication == 0).then_some(run))
        };
        let results = study::run_cells(&plan.scenarios, &labels, done..count, workers, &reduce);
        bar.finish_and_clear();
        let results = results.map_err(|error| match error {
            StudyError::Run {
                source: SimError::Interrupted,
                ..
            } => CliError::Interrupted,
            other => CliError::Failed(other.into()),
        })?;
        for (record, first) in results {
            if let Some(first) = first {
                first_runs[record.cell] = Some(first);
            }
            runs.push(record);
        }
        done = count;
        let Some((metric, fraction)) = precision else {
            break;
        };
        let meta = meta(plan, count);
        let partial = Study::from_runs(meta, plan.cells.clone(), runs.clone())
            .ok_or_else(|| CliError::Failed(anyhow::anyhow!("replications went missing")))?;
        let widest = (0..plan.cells.len())
            .filter_map(|c| partial.interval(c, metric)?.relative_half_width())
            .fold(0.0, f64::max);
        let name = study::METRICS[metric].0;
        if widest <= fraction {
            if !output.quiet {
                eprintln!(
                    "precision: the 95% half-width of {name} is within {:.2}% of its mean after {count} replications",
                    widest * 100.0
                );
            }
            break;
        }
        if count >= replication.max_replications {
            eprintln!(
                "precision: stopped at --max-replications {count}; the widest 95% half-width of {name} is still {:.1}% of its mean (asked: {:.1}%)",
                widest * 100.0,
                fraction * 100.0
            );
            break;
        }
        count = (count * 2).min(replication.max_replications);
    }
    let meta = meta(plan, count);
    if let Some(shard) = shard {
        return Ok(Outcome {
            study: None,
            first_runs: Vec::new(),
            shard: Some(ShardFile {
                shard,
                meta,
                cells: plan.cells.clone(),
                options: plan.options.clone(),
                runs,
            }),
        });
    }
    let study = Study::from_runs(meta, plan.cells.clone(), runs)
        .ok_or_else(|| CliError::Failed(anyhow::anyhow!("replications went missing")))?;
    Ok(Outcome {
        study: Some(study),
        first_runs: first_runs.into_iter().flatten().collect(),
        shard: None,
    })
}

fn meta(plan: &Plan, replications: u32) -> StudyMeta {
    StudyMeta {
        tool: format!("mailsim {}", env!("CARGO_PKG_VERSION")),
        kind: plan.kind,
        scenario: plan.base.name().to_string(),
        scenario_file: plan.base.origin().to_string(),
        seed: plan.base.run().seed,
        replications,
        warmup_s: plan.base.run().warmup.as_secs_f64(),
        confidence: study::stats::CONFIDENCE,
    }
}

/// Runs the plan and writes its folder: the whole study, or the shard's `shard.json`.
pub fn run_and_write(
    plan: Plan,
    replication: &ReplicationArgs,
    output: &OutputArgs,
    shard: Option<Shard>,
    default_replications: u32,
) -> Result<(), CliError> {
    let stem = plan.kind.file_stem();
    let seed = plan.base.run().seed;
    let folder_stem = match shard {
        Some(s) => format!("{stem}-seed-{seed}-shard-{}-of-{}", s.index, s.count),
        None => format!("{stem}-seed-{seed}"),
    };
    let folder = open_folder(
        &output.out,
        plan.base.name(),
        output.run_id.as_deref(),
        &folder_stem,
        output.force,
    )?;
    let outcome = match execute(&plan, replication, output, shard, default_replications) {
        Ok(outcome) => outcome,
        Err(error) => {
            folder.abandon();
            return Err(error);
        }
    };
    if let Some(part) = outcome.shard {
        let mut text = serde_json::to_string(&part).map_err(|e| CliError::Failed(e.into()))?;
        text.push('\n');
        let path = write_folder(folder, &[(SHARD_FILE.to_string(), text.into_bytes())])?;
        return print_stdout(&format!(
            "shard {}/{} ({} runs): {}\n",
            part.shard.index,
            part.shard.count,
            part.runs.len(),
            path.display()
        ));
    }
    let Some(study) = outcome.study else {
        folder.abandon();
        return Err(CliError::Failed(anyhow::anyhow!(
            "the study produced no result"
        )));
    };
    let compare_runs = plan
        .keep_first
        .then_some((plan.base, outcome.first_runs.as_slice()));
    write_study(folder, &study, &plan.options, compare_runs, output)
}

/// Renders a finished study into `folder`, prints its table and where it went.
pub fn write_study(
    folder: RunFolder,
    study: &Study,
    options: &StudyOptions,
    compare_runs: Option<(&Scenario, &[RunOutput])>,
    output: &OutputArgs,
) -> Result<(), CliError> {
    let files = match report::render_study(study, options, compare_runs, output.png) {
        Ok(files) => files,
        Err(error) => {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    };
    let path = write_folder(folder, &files)?;
    if !output.quiet {
        let summary = report::study_report(study, options);
        print_stdout(&report::study_table(&summary, &options.chart_metrics))?;
    }
    print_stdout(&format!("results: {}\n", path.display()))?;
    if output.quiet {
        return Ok(());
    }
    print_stdout(&format!(
        "report: {}\n",
        path.join(report::REPORT_HTML).display()
    ))
}
