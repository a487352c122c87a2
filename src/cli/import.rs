//! `mailsim import`: print the scenario text of a retry policy read from a real MTA's
//! configuration — every value from the file (with its line), every default marked, the
//! settings mailsim does not model named.

use std::path::PathBuf;

use clap::Args;
use mailsim::mta::config::{self, ConfigFile, ConfigFormat};

use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The configuration's format: postfix, exim or kumomta.
    #[arg(value_parser = parse_format)]
    format: ConfigFormat,
    /// The file(s): `main.cf` or `postconf -n` output (postfix); the Exim configuration
    /// (exim); `shaping.toml` and/or the queue helper's `queues.toml`, later merging over
    /// earlier (kumomta).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn parse_format(text: &str) -> Result<ConfigFormat, String> {
    text.parse()
}

pub fn import(args: ImportArgs) -> Result<(), CliError> {
    if args.format == ConfigFormat::Exim && args.files.len() > 1 {
        return Err(CliError::Input(miette::miette!(
            help = "give the one configuration file Exim reads (`exim -bV` shows which)",
            "exim reads one configuration file; {} were given",
            args.files.len()
        )));
    }
    let files = args
        .files
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| ConfigFile {
                    name: path.display().to_string(),
                    text,
                })
                .map_err(|error| {
                    CliError::Input(miette::miette!(
                        "could not read {}: {error}",
                        path.display()
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let imported = config::import(args.format, &files).map_err(|error| {
        CliError::Input(miette::miette!(
            help = "fix the setting in the file, or write the policy by hand (`mailsim policies` lists the parameters)",
            "{error}"
        ))
    })?;
    print_stdout(&imported.text)
}
