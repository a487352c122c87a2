//! Command-line arguments and the subcommands. Each subcommand lives in its own file and only
//! glues the library together; the simulation itself is in the library.

mod compare;
mod completions;
mod convert;
mod fit;
mod import;
mod limits;
mod man;
mod merge;
mod policies;
mod precision;
mod replay;
mod run;
mod schedule;
mod schema;
mod signals;
mod study;
mod sweep;
mod trace;
mod validate;
mod version;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Simulate how email senders defer and retry when receivers throttle, fail or reject mail.
#[derive(Debug, Parser)]
#[command(name = "mailsim", version = version::VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: print a summary and write summary.json, timeseries.csv, charts and report.html.
    /// With --replications N, report every metric as a mean with its 95% confidence interval.
    Run(run::RunArgs),
    /// Run a scenario under several retry policies with common random numbers: every metric
    /// with its 95% interval, paired differences against a baseline, and a ranking.
    Compare(compare::CompareArgs),
    /// Run a scenario over a grid of parameter values (--set PATH=VALUES), optionally finding
    /// where a target is met (--target "latency_s.p99 <= 3600").
    Sweep(sweep::SweepArgs),
    /// Combine the folders of a study run in parts (--shard K/N) into the unsplit result.
    Merge(merge::MergeArgs),
    /// Check a scenario file and print what it resolves to.
    Validate {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
    /// List the built-in retry policies, their parameters and defaults, and their sources.
    Policies(policies::PoliciesArgs),
    /// Print one message's attempt timeline under a policy, against a receiver that defers
    /// every attempt.
    Schedule(schedule::ScheduleArgs),
    /// Follow one message through a scenario (arrival, waits, every attempt with its exact
    /// reply, the policy's decisions, notices, the end), or write every step as JSON lines.
    Trace(trace::TraceArgs),
    /// Read a real MTA log (Postfix, Exim, KumoMTA) into arrivals.csv for the Replay traffic
    /// source and the observed outcomes, and print the observed summary.
    Replay(replay::ReplayArgs),
    /// Print the scenario text of the retry policy in a real MTA's configuration (Postfix
    /// main.cf, Exim configuration, KumoMTA shaping.toml / queues.toml).
    Import(import::ImportArgs),
    /// Fit a scenario to a real MTA log (arrivals replayed, each receiver's deferrals
    /// estimated, the policy from --import or --policy), run it and show observed and
    /// simulated figures side by side.
    Fit(fit::FitArgs),
    /// Write a scenario in another format (ron, json, toml, yaml) with the same meaning.
    Convert(convert::ConvertArgs),
    /// Print the JSON Schema of scenario files (for editors) or of summary.json.
    Schema(schema::SchemaArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff) on stdout, or write one per subcommand with --out-dir.
    Man(man::ManArgs),
}

/// What a stopped run says on stderr.
const INTERRUPTED: &str = "interrupted: the run was stopped and nothing was written";

/// An error on its way to the user, with the exit code it deserves.
pub enum CliError {
    /// Bad input (scenario, arguments): exit code 2.
    Input(miette::Report),
    /// The run failed (internal error, output could not be written): exit code 1.
    Failed(anyhow::Error),
    /// Stopped by a signal (SIGINT, SIGTERM, SIGHUP): exit code 128 + its number (130, 143,
    /// 129), as shells report it.
    Interrupted(i32),
    /// The results are written, but a `--precision` goal was not reached (already said on
    /// stderr): exit code 3.
    GoalMissed,
}

impl CliError {
    /// Prints the error once, on stderr, and returns its exit code.
    pub fn report(self) -> ExitCode {
        match self {
            CliError::Input(report) => {
                eprintln!("{report:?}");
                ExitCode::from(2)
            }
            CliError::Failed(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(1)
            }
            CliError::Interrupted(signal) => {
                eprintln!("{INTERRUPTED}");
                ExitCode::from(signals::exit_code(signal))
            }
            CliError::GoalMissed => ExitCode::from(3),
        }
    }
}

impl From<mailsim::scenario::ScenarioError> for CliError {
    fn from(error: mailsim::scenario::ScenarioError) -> Self {
        CliError::Input(miette::Report::new(error))
    }
}

/// Renders scenario errors with the file excerpt underlined; colours and line wrapping only on
/// a terminal (a log file keeps each message on one line, so it can be searched).
pub fn install_error_printer() {
    let _ = miette::set_hook(Box::new(|_| {
        let mut options = miette::MietteHandlerOpts::new()
            .terminal_links(false)
            .context_lines(2);
        if !std::io::stderr().is_terminal() {
            options = options.width(usize::MAX / 2).color(false);
        }
        Box::new(options.build())
    }));
}

/// Parses the command line and runs the subcommand.
pub fn main() -> Result<(), CliError> {
    signals::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let code = if error.use_stderr() { 2 } else { 0 };
            std::process::exit(code);
        }
    };
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Compare(args) => compare::compare(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Validate { scenario } => validate::validate(&scenario),
        Command::Policies(args) => policies::policies(args),
        Command::Schedule(args) => schedule::schedule(args),
        Command::Trace(args) => trace::trace(args),
        Command::Replay(args) => replay::replay(args),
        Command::Import(args) => import::import(args),
        Command::Fit(args) => fit::fit(args),
        Command::Convert(args) => convert::convert_file(args),
        Command::Schema(args) => schema::schema(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => man::man(args),
    }
}

/// Prints the scenario's warnings (valid settings that are probably not meant) on stderr.
pub fn print_warnings(scenario: &mailsim::scenario::Scenario) {
    for warning in scenario.warnings() {
        eprintln!("warning: {}: {warning}", scenario.origin());
    }
}

/// Writes `text` to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Failed(
            anyhow::Error::new(error).context("could not write to stdout"),
        )),
        _ => Ok(()),
    }
}
