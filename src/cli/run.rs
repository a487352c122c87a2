//! `mailsim run`: run one scenario, print the summary and write the run folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::Args;
use mailsim::model::{RunControl, SimError};
use mailsim::report::{self, OutputError, RunFolder};

use super::{CliError, limits, print_stdout};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (RON).
    scenario: PathBuf,
    /// Use this seed instead of the scenario's.
    #[arg(long)]
    seed: Option<u64>,
    /// Folder under which results are written, as <out>/<scenario>/<run-id>/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Name of the run folder (default: seed-<seed>, numbered so no earlier run is touched).
    #[arg(long)]
    run_id: Option<String>,
    /// Replace an existing run folder of the same --run-id.
    #[arg(long)]
    force: bool,
    /// Print nothing but errors and the results path.
    #[arg(long, short)]
    quiet: bool,
    /// Run even if the scenario's estimated memory exceeds what this machine has available.
    #[arg(long)]
    allow_large: bool,
    /// Stop with an error after this many events (a guard against runaway scenarios).
    #[arg(long)]
    max_events: Option<u64>,
    /// Also write every chart as PNG (SVG is always written).
    #[arg(long)]
    png: bool,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut scenario = mailsim::scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        scenario.run.seed = seed;
    }
    if let Some(id) = &args.run_id
        && (id.is_empty() || id.starts_with('.') || id.contains(['/', '\\']))
    {
        return Err(CliError::Input(miette::miette!(
            help = "use letters, digits, `-` and `_`",
            "--run-id `{id}` cannot be used as a folder name"
        )));
    }
    limits::check(&scenario, args.allow_large)?;
    let folder = RunFolder::create(
        &args.out,
        &scenario.name,
        args.run_id.as_deref(),
        scenario.run.seed,
        args.force,
    )
    .map_err(|error| match error {
        OutputError::Exists(path) => CliError::Input(miette::miette!(
            help = "choose another --run-id, or add --force to replace it",
            "{} already holds an earlier run",
            path.display()
        )),
        other => CliError::Failed(anyhow::Error::new(other)),
    })?;
    let cancel = Arc::new(AtomicBool::new(false));
    let handler_flag = Arc::clone(&cancel);
    // If a handler cannot be installed (one already is), Ctrl-C simply kills the process; the
    // staging folder's name still marks it as partial.
    let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed));
    let control = RunControl {
        cancel: Some(&cancel),
        max_events: args.max_events,
    };
    let output = match mailsim::model::simulate_with(&scenario, 0, control) {
        Ok(output) => output,
        Err(error) => {
            folder.abandon();
            return Err(match error {
                SimError::Interrupted => CliError::Interrupted,
                other => CliError::Failed(other.into()),
            });
        }
    };
    let options = report::ReportOptions { png: args.png };
    let files = match report::render_run(&scenario, &output, options) {
        Ok(files) => files,
        Err(error) => {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    };
    for (name, contents) in &files {
        if let Err(error) = folder.write(name, contents) {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    }
    if cancel.load(Ordering::Relaxed) {
        folder.abandon();
        return Err(CliError::Interrupted);
    }
    let path = folder
        .commit()
        .context("could not finish the run folder")
        .map_err(CliError::Failed)?;
    if !args.quiet {
        print_stdout(&report::summary_table(&output.summary))?;
        print_stdout(&report::deliverability_table(
            &scenario,
            &output.deliverability,
        ))?;
    }
    print_stdout(&format!("results: {}\n", path.display()))?;
    if args.quiet {
        return Ok(());
    }
    let page = path.join(report::REPORT_HTML);
    print_stdout(&format!("report: {}\n", page.display()))
}
