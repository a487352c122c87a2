//! `mailsim convert FILE --to FORMAT`: the same scenario in RON, JSON, TOML or YAML.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use mailsim::scenario::{Format, ScenarioError, convert};

use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The scenario file; its format comes from its extension (.ron, .json, .toml, .yaml/.yml).
    scenario: PathBuf,
    /// The format to write: ron, json, toml or yaml.
    #[arg(long, value_parser = parse_format)]
    to: Format,
    /// Write to this file instead of stdout (an existing file is kept unless --force).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Replace the --output file if it exists.
    #[arg(long)]
    force: bool,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name)
        .ok_or_else(|| format!("`{name}` is not a scenario format: use ron, json, toml or yaml"))
}

pub fn convert_file(args: ConvertArgs) -> Result<(), CliError> {
    let text = std::fs::read_to_string(&args.scenario).map_err(|source| {
        CliError::from(ScenarioError::Read {
            path: args.scenario.clone(),
            source,
        })
    })?;
    let from = Format::of_path(&args.scenario);
    let origin = args.scenario.display().to_string();
    let converted = convert(&origin, &text, from, args.to)?;
    let opening_comment = text
        .lines()
        .next()
        .is_some_and(|line| line.trim_start().starts_with(['/', '#']));
    if args.to == Format::Json && opening_comment {
        eprintln!(
            "note: JSON has no comments, so the comment lines at the top of {origin} are not in the JSON text"
        );
    }
    match args.output {
        None => print_stdout(&converted),
        Some(path) => {
            if path.exists() && !args.force {
                return Err(CliError::Input(miette::miette!(
                    help = "choose another --output, or add --force to replace it",
                    "{} exists; it was left as it is",
                    path.display()
                )));
            }
            std::fs::write(&path, converted)
                .with_context(|| format!("could not write {}", path.display()))
                .map_err(CliError::Failed)?;
            eprintln!("wrote {} ({} scenario)", path.display(), args.to);
            Ok(())
        }
    }
}
