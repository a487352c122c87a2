//! `mailsim trace`: one message's journey through a scenario as a timeline, and the
//! machine-readable event log (`--events FILE.jsonl`). Runs are deterministic, so finding a
//! message (`--first-deferred`) and following it are two runs of the same scenario; with
//! `--policy` both run under another policy, on the same arrivals.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use mailsim::model::{Observer, RunControl, simulate_observed};
use mailsim::report::trace::{EventLog, FirstMessage, Journey, MessageFilter, journey_text};
use mailsim::report::{OutputError, StagedFile};
use mailsim::scenario::Scenario;

use super::compare::given_policy;
use super::limits::{self, Budget};
use super::{CliError, print_stdout, signals};

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// Follow this message: 1 is the first to arrive.
    #[arg(long, conflicts_with = "first_deferred")]
    message: Option<u64>,
    /// Follow the first message that is deferred (with --to: the first to that receiver).
    #[arg(long)]
    first_deferred: bool,
    /// Only messages to this receiver (alone: follow the first message to it).
    #[arg(long, value_name = "RECEIVER")]
    to: Option<String>,
    /// Write every step of the selected messages (all, or those of --message/--to) to this
    /// file, one JSON object per line.
    #[arg(long, value_name = "FILE.jsonl")]
    events: Option<PathBuf>,
    /// Replace the --events file if it exists.
    #[arg(long)]
    force: bool,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Follow the same message under another retry policy (every sender's), without editing
    /// the file: `postfix`, `exim:queue_interval=30m`, … (`mailsim policies` lists them).
    /// Arrivals and recipients stay the same.
    #[arg(long, value_name = "NAME[:K=V,...]")]
    policy: Option<String>,
    /// Run even if the scenario's estimated memory exceeds what this machine has available.
    #[arg(long)]
    allow_large: bool,
    /// Stop a run with an error after this many events (default: a budget derived from the
    /// scenario's estimate, which stops runaways).
    #[arg(long)]
    max_events: Option<u64>,
}

/// The scenario with the `--seed` and `--policy` asked for.
fn scenario_to_follow(args: &TraceArgs) -> Result<Scenario, CliError> {
    let mut scenario = mailsim::scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        scenario.set_seed(seed);
    }
    if let Some(given) = &args.policy {
        let (_, spec) = given_policy(given)?;
        scenario = scenario.with_policy(spec)?;
    }
    Ok(scenario)
}

pub fn trace(args: TraceArgs) -> Result<(), CliError> {
    let scenario = scenario_to_follow(&args)?;
    super::print_warnings(&scenario);
    let estimate = limits::check(&scenario, args.allow_large)?;
    let budget = Budget::new(args.max_events, &[estimate]);
    let receiver = match &args.to {
        Some(name) => Some(
            scenario
                .receivers()
                .iter()
                .position(|r| &r.name == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = scenario
                        .receivers()
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect();
                    CliError::Input(miette::miette!(
                        help = format!("use one of: {}", names.join(", ")),
                        "--to: the scenario has no receiver named `{name}`"
                    ))
                })?,
        ),
        None => None,
    };
    if args.message == Some(0) {
        return Err(CliError::Input(miette::miette!(
            help = "messages are numbered from 1 in order of arrival",
            "--message 0 does not exist"
        )));
    }
    let follow = args.message.is_some() || args.first_deferred || args.to.is_some();
    if !follow && args.events.is_none() {
        return Err(CliError::Input(miette::miette!(
            help = "e.g. mailsim trace SCENARIO --first-deferred, or --events events.jsonl",
            "say which message to follow (--message N, --first-deferred, --to RECEIVER) or where to write the event log (--events FILE.jsonl)"
        )));
    }
    if let Some(path) = &args.events {
        let filter = MessageFilter {
            message: args.message,
            receiver,
        };
        write_events(&scenario, budget, path, filter, args.force)?;
    }
    if !follow {
        return Ok(());
    }
    let message = match args.message {
        Some(message) => message,
        None => {
            let mut finder = FirstMessage::new(receiver, args.first_deferred);
            observe(&scenario, budget, &mut finder)?;
            match finder.found {
                Some(message) => message,
                None => {
                    let what = if args.first_deferred {
                        "was deferred"
                    } else {
                        "arrived"
                    };
                    let to = args
                        .to
                        .as_ref()
                        .map_or(String::new(), |name| format!(" to {name}"));
                    return print_stdout(&format!("no message{to} {what} in this run\n"));
                }
            }
        }
    };
    let mut journey = Journey::new(message);
    observe(&scenario, budget, &mut journey)?;
    print_stdout(&journey_text(&scenario, &journey))
}

/// Runs the scenario for `observer`; a first signal stops the run (see `signals`).
fn observe(
    scenario: &Scenario,
    budget: Budget,
    observer: &mut dyn Observer,
) -> Result<(), CliError> {
    let control = RunControl {
        cancel: Some(signals::cancel_flag()),
        max_events: Some(budget.limit),
        progress: None,
    };
    match signals::cooperative(|| simulate_observed(scenario, 0, control, observer)) {
        None => Err(signals::interrupted()),
        Some(Err(error)) => Err(budget.failure(error, None)),
        Some(Ok(_)) => Ok(()),
    }
}

/// Writes the event log into a staged file beside `path`, moved into place only when complete.
fn write_events(
    scenario: &Scenario,
    budget: Budget,
    path: &Path,
    filter: MessageFilter,
    force: bool,
) -> Result<(), CliError> {
    if path.exists() && !force {
        return Err(exists(path));
    }
    let (staged, file) = StagedFile::create(path).map_err(|e| CliError::Failed(e.into()))?;
    let mut log = EventLog::new(scenario, filter, BufWriter::new(file));
    observe(scenario, budget, &mut log)?;
    let lines = log
        .finish()
        .with_context(|| format!("could not write {}", path.display()))
        .map_err(CliError::Failed)?;
    staged.commit(force).map_err(|error| match error {
        OutputError::Exists(path) => exists(&path),
        other => CliError::Failed(other.into()),
    })?;
    eprintln!("wrote {lines} events to {}", path.display());
    Ok(())
}

fn exists(path: &Path) -> CliError {
    CliError::Input(miette::miette!(
        help = "choose another file, or add --force to replace it",
        "{} already exists",
        path.display()
    ))
}
