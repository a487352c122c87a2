//! `mailsim run`: run one scenario, print the summary and write the run folder.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use mailsim::report::{self, OutputError, RunFolder};

use super::{CliError, print_stdout};

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
    let output = match mailsim::model::simulate(&scenario, 0) {
        Ok(output) => output,
        Err(error) => {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
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
    let path = folder
        .commit()
        .context("could not finish the run folder")
        .map_err(CliError::Failed)?;
    if !args.quiet {
        print_stdout(&report::summary_table(&output.summary))?;
    }
    print_stdout(&format!("results: {}\n", path.display()))?;
    if args.quiet {
        return Ok(());
    }
    let page = path.join(report::REPORT_HTML);
    print_stdout(&format!("report: {}\n", page.display()))
}
