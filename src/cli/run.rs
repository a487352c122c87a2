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
    /// At the end, print events processed, events per second and peak memory on stderr.
    #[arg(long)]
    stats: bool,
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
    let started = std::time::Instant::now();
    let output = match mailsim::model::simulate(&scenario, 0) {
        Ok(output) => output,
        Err(error) => {
            folder.abandon();
            return Err(CliError::Failed(error.into()));
        }
    };
    let elapsed = started.elapsed();
    let files = [
        ("summary.json", report::summary_json(&output.summary)),
        ("timeseries.csv", report::timeseries_csv(&output.samples)),
    ];
    for (name, contents) in &files {
        if let Err(error) = folder.write(name, contents.as_bytes()) {
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
    if args.stats {
        print_stats(output.summary.events, elapsed);
    }
    Ok(())
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
