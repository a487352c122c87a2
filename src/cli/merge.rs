//! `mailsim merge`: combine the folders written by `--shard K/N` into the result of the unsplit
//! run, byte for byte.

use std::path::PathBuf;

use clap::Args;
use mailsim::study::{SHARD_FILE, ShardFile, merge_shards};

use super::CliError;
use super::study::{OutputArgs, open_folder, write_study};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard folders (each holds a shard.json), in any order.
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn merge(args: MergeArgs) -> Result<(), CliError> {
    let mut parts = Vec::new();
    for folder in &args.folders {
        let path = folder.join(SHARD_FILE);
        let text = std::fs::read_to_string(&path).map_err(|error| {
            CliError::Input(miette::miette!(
                help = "pass the folders written by `mailsim sweep … --shard K/N` or `mailsim run … --shard K/N`",
                "could not read {}: {error}",
                path.display()
            ))
        })?;
        let part: ShardFile = serde_json::from_str(&text).map_err(|error| {
            CliError::Input(miette::miette!(
                help = "the file must be a shard.json written by mailsim, unchanged",
                "{} is not a mailsim shard file: {error}",
                path.display()
            ))
        })?;
        parts.push(part);
    }
    let (study, options) = merge_shards(parts).map_err(|why| {
        CliError::Input(miette::miette!(
            help = "pass every shard folder of one study (K = 1 … N) exactly once",
            "cannot merge: {why}"
        ))
    })?;
    let stem = format!("{}-seed-{}", study.meta.kind.file_stem(), study.meta.seed);
    let folder = open_folder(
        &args.output.out,
        &study.meta.scenario,
        args.output.run_id.as_deref(),
        &stem,
        args.output.force,
    )?;
    write_study(folder, &study, &options, None, &args.output)
}
