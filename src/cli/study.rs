//! What `run --replications`, `compare`, `sweep` and `merge` share: the replication options,
//! running a study with a progress bar, and writing its folder (or, with `--shard`, its part).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mailsim::domain::parse_duration;
use mailsim::model::{Estimate, RunControl, RunOutput};
use mailsim::report::{self, OutputError, RunFolder};
use mailsim::scenario::{Format, Scenario};
use mailsim::study::{
    self, Execution, MetricList, Outcome, Plan, Replications, SHARD_FILE, Shard, Study, StudyError,
    StudyOptions, StudyProgress,
};

use super::limits::{self, Budget};
use super::precision::{check_shard_has_runs, parse_precision, tell_precision};
use super::{CliError, print_stdout, signals};

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
    /// At the end, print the work done, its speed, the peak memory and the memory estimate on
    /// stderr.
    #[arg(long)]
    pub stats: bool,
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

pub(super) fn input(message: String, help: &str) -> CliError {
    CliError::Input(miette::miette!(help = help.to_string(), "{message}"))
}

/// The longest `--run-id` (and scenario name in a shard file): with the staging folder's
/// prefix and suffix it stays well under the 255 bytes a file name may have.
pub const MAX_FOLDER_NAME: usize = 100;

/// Whether `name` may name a result folder: letters, digits, `-` and `_`, not empty, at most
/// [`MAX_FOLDER_NAME`] characters (so no path separators, dots, spaces or control characters).
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_FOLDER_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks `--run-id` (before anything runs).
pub fn check_run_id(id: Option<&str>) -> Result<(), CliError> {
    match id {
        Some(id) if !is_folder_name(id) => Err(input(
            format!(
                "--run-id `{}` cannot be used as a folder name",
                id.escape_debug()
            ),
            &format!("use letters, digits, `-` and `_`, at most {MAX_FOLDER_NAME} characters"),
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
        OutputError::NotAFolder(path) => CliError::Input(miette::miette!(
            help = "choose another --run-id, or move the file away; --force only replaces a run folder",
            "{} exists and is not a folder",
            path.display()
        )),
        other => CliError::Failed(anyhow::Error::new(other)),
    })
}

/// Writes `files` into `folder` and moves it into place; on any failure the folder is dropped,
/// which removes it.
pub fn write_folder(folder: RunFolder, files: &[(String, Vec<u8>)]) -> Result<PathBuf, CliError> {
    for (name, contents) in files {
        folder
            .write(name, contents)
            .map_err(|error| CliError::Failed(error.into()))?;
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
/// `--warmup` applied (sweep writes its values into the text and parses each point; compare
/// shows the scenario's own policies as the text writes them).
pub fn load_with_text(
    path: &std::path::Path,
    replication: &ReplicationArgs,
) -> Result<(String, Scenario), CliError> {
    let text = mailsim::scenario::read_text(path)?;
    let origin = path.display().to_string();
    let format = Format::of_path(path);
    let mut base = Scenario::parse_as(&origin, &text, format)?;
    apply_overrides(&mut base, replication.seed, replication.warmup.as_deref())?;
    super::print_warnings(&base);
    // `--set` edits RON text, so a scenario written in another format is edited as RON.
    let text = match format {
        Format::Ron => text,
        _ => mailsim::scenario::convert(&origin, &text, format, Format::Ron)?,
    };
    Ok((text, base))
}

/// Parses `--shard K/N`, or `--shard auto` (the part from the array-job runner's environment,
/// the count from `--shards N` when the runner does not give it).
pub fn parse_shard(text: Option<&str>, shards: Option<u32>) -> Result<Option<Shard>, CliError> {
    let example = "e.g. --shard 1/4 … --shard 4/4, then `mailsim merge` the four folders; or --shard auto in a Slurm array, a Kubernetes indexed Job or GNU parallel";
    match text {
        None if shards.is_some() => Err(input(
            "--shards N goes with --shard auto (it gives the number of parts when the runner does not)".to_string(),
            example,
        )),
        None => Ok(None),
        Some(text) if text.trim().eq_ignore_ascii_case("auto") => {
            let (shard, from) = mailsim::study::shard_from_env(|name| std::env::var(name).ok(), shards)
                .map_err(|why| input(why, example))?;
            eprintln!("{from}");
            Ok(Some(shard))
        }
        Some(text) => {
            let shard = Shard::parse(text).map_err(|why| input(why, example))?;
            match shards {
                Some(count) if count != shard.count => Err(input(
                    format!("--shards {count} disagrees with --shard {text}"),
                    example,
                )),
                _ => Ok(Some(shard)),
            }
        }
    }
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

/// One progress bar per round of a study's runs.
struct RoundBars {
    quiet: bool,
    bar: Mutex<ProgressBar>,
}

impl RoundBars {
    fn bar(&self) -> std::sync::MutexGuard<'_, ProgressBar> {
        self.bar.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl StudyProgress for RoundBars {
    fn round_started(&self, runs: u64) {
        *self.bar() = progress_bar(runs, "runs", self.quiet);
    }

    fn run_finished(&self) {
        self.bar().inc(1);
    }

    fn round_finished(&self) {
        self.bar().finish_and_clear();
    }
}

/// Checks the replication options and runs the plan (all of it, a shard of it, or until
/// `--precision` is met) with a progress bar and Ctrl-C handling.
fn execute(
    plan: &Plan,
    replication: &ReplicationArgs,
    output: &OutputArgs,
    shard: Option<Shard>,
    default_replications: u32,
) -> Result<(Outcome, Estimate), CliError> {
    let metrics = MetricList::new(&plan.base.run().deadlines);
    let (replications, count) =
        replications(plan, replication, &metrics, shard, default_replications)?;
    let threads = replication
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(input("--jobs must be at least 1".into(), "e.g. --jobs 2"));
    }
    let per_cell = match replications {
        Replications::UntilPrecise { .. } => count.max(replication.max_replications),
        _ => count,
    };
    let runs = plan.cells.len() as u64 * u64::from(per_cell);
    let estimates: Vec<Estimate> = plan.scenarios.iter().map(Estimate::of).collect();
    let study_estimate = Estimate::of_study(&plan.scenarios, runs, threads, plan.keep_first);
    limits::check_estimate(plan.base.name(), &study_estimate, replication.allow_large)?;
    let budget = Budget::new(replication.max_events, &estimates);
    let bars = RoundBars {
        quiet: output.quiet,
        bar: Mutex::new(ProgressBar::hidden()),
    };
    let execution = Execution {
        replications,
        threads,
        control: RunControl {
            cancel: Some(signals::cancel_flag()),
            max_events: Some(budget.limit),
            progress: None,
        },
        progress: &bars,
    };
    let outcome = match signals::cooperative(|| study::execute(plan, &execution)) {
        None => return Err(signals::interrupted()),
        Some(Err(StudyError::Run { label, source })) => {
            return Err(budget.failure(source, Some(&label)));
        }
        Some(Err(other)) => return Err(CliError::Failed(other.into())),
        Some(Ok(outcome)) => outcome,
    };
    if let Outcome::Whole {
        precision: Some(report),
        ..
    } = &outcome
    {
        tell_precision(report, metrics.name(report.goal.metric), output.quiet);
    }
    Ok((outcome, study_estimate))
}

/// The replications asked for (`--replications`, `--precision`, `--shard`), checked against
/// each other, and the count to start with.
fn replications(
    plan: &Plan,
    replication: &ReplicationArgs,
    metrics: &MetricList,
    shard: Option<Shard>,
    default_replications: u32,
) -> Result<(Replications, u32), CliError> {
    let precision = replication
        .precision
        .as_deref()
        .map(|text| parse_precision(text, metrics, replication.max_replications))
        .transpose()?;
    if precision.is_some() && shard.is_some() {
        return Err(input(
            "--precision and --shard cannot be combined: how many replications are needed is only known once the earlier ones have run".into(),
            "run the shards with a fixed --replications N",
        ));
    }
    let count = replication.replications.unwrap_or(if precision.is_some() {
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
    if let Some(shard) = shard {
        check_shard_has_runs(shard, plan.cells.len(), count)?;
    }
    let replications = match precision {
        Some(goal) => Replications::UntilPrecise { start: count, goal },
        None => Replications::Fixed { count, shard },
    };
    Ok((replications, count))
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
    let started = std::time::Instant::now();
    let (outcome, estimate) = execute(&plan, replication, output, shard, default_replications)?;
    let elapsed = started.elapsed();
    let stats = || {
        if replication.stats {
            limits::print_stats(None, elapsed, &estimate);
        }
    };
    match outcome {
        Outcome::Part(part) => {
            let mut text = serde_json::to_string(&part).map_err(|e| CliError::Failed(e.into()))?;
            text.push('\n');
            let path = write_folder(folder, &[(SHARD_FILE.to_string(), text.into_bytes())])?;
            let runs = match part.runs.len() {
                1 => "1 run".to_string(),
                n => format!("{n} runs"),
            };
            stats();
            print_stdout(&format!(
                "shard {}/{} ({runs}): {}\n",
                part.shard.index,
                part.shard.count,
                path.display()
            ))
        }
        Outcome::Whole {
            study,
            first_runs,
            precision,
        } => {
            let compare_runs = plan
                .keep_first
                .then_some((plan.base, first_runs.as_slice()));
            let written = write_study(folder, &study, &plan.options, compare_runs, output);
            stats();
            written?;
            match precision {
                Some(report) if !report.met => Err(CliError::GoalMissed),
                _ => Ok(()),
            }
        }
    }
}

/// Renders a finished study into `folder`, prints its table and where it went.
pub fn write_study(
    folder: RunFolder,
    study: &Study,
    options: &StudyOptions,
    compare_runs: Option<(&Scenario, &[RunOutput])>,
    output: &OutputArgs,
) -> Result<(), CliError> {
    let files = report::render_study(study, options, compare_runs, output.png)
        .map_err(|error| CliError::Failed(error.into()))?;
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
