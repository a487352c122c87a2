//! `mailsim schema scenario|summary`: the JSON Schema of the scenario format (for editor
//! completion and checking) or of `summary.json` (for whoever reads results), on stdout.

use clap::{Args, ValueEnum};

use super::{CliError, print_stdout};

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: `scenario` (scenario files) or `summary` (summary.json).
    what: Which,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Which {
    /// Scenario files (JSON; TOML and YAML have the same structure).
    Scenario,
    /// The summary.json of a run.
    Summary,
}

pub fn schema(args: SchemaArgs) -> Result<(), CliError> {
    let schema = match args.what {
        Which::Scenario => mailsim::scenario::json_schema(),
        Which::Summary => mailsim::report::summary_json_schema(),
    };
    // A serde_json::Value always serialises.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    print_stdout(&text)
}
