//! `mailsim merge`: combine the folders written by `--shard K/N` into the result of the unsplit
//! run, byte for byte.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;
use mailsim::study::{SHARD_FILE, ShardFile, merge_shards};

use super::CliError;
use super::study::{OutputArgs, is_folder_name, open_folder, write_study};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard folders (each holds a shard.json), in any order.
    #[arg(required = true)]
    folders: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The largest shard file read: a part's runs take a few kilobytes each.
const MAX_SHARD_BYTES: u64 = 1 << 30;

pub fn merge(args: MergeArgs) -> Result<(), CliError> {
    let mut parts = Vec::new();
    for folder in &args.folders {
        parts.push(read_part(folder)?);
    }
    let (study, options) = merge_shards(parts).map_err(|error| {
        let folder = error
            .part
            .and_then(|i| args.folders.get(i))
            .map_or(String::new(), |folder| format!(" ({})", folder.display()));
        CliError::Input(miette::miette!(
            help = "pass every shard folder of one study (K = 1 … N) exactly once, all run on the same scenario content by the same mailsim",
            "cannot merge: {error}{folder}"
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

/// Reads and checks one shard folder's `shard.json`; the scenario name it gives becomes a
/// folder name, so it must be one (no path of its own).
fn read_part(folder: &Path) -> Result<ShardFile, CliError> {
    let path = folder.join(SHARD_FILE);
    let bad = |why: String, help: &str| {
        CliError::Input(miette::miette!(
            help = help.to_string(),
            "{}: {why}",
            path.display()
        ))
    };
    let mut text = String::new();
    std::fs::File::open(&path)
        .and_then(|file| file.take(MAX_SHARD_BYTES + 1).read_to_string(&mut text))
        .map_err(|error| {
            bad(
                format!("could not read it: {error}"),
                "pass the folders written by `mailsim sweep … --shard K/N` or `mailsim run … --shard K/N`",
            )
        })?;
    if text.len() as u64 > MAX_SHARD_BYTES {
        return Err(bad(
            format!(
                "larger than {} MiB, too large for a shard file",
                MAX_SHARD_BYTES >> 20
            ),
            "pass the folders written by `--shard K/N`",
        ));
    }
    let part: ShardFile = serde_json::from_str(&text).map_err(|error| {
        bad(
            format!("not a mailsim shard file: {error}"),
            "the file must be a shard.json written by mailsim, unchanged",
        )
    })?;
    if !is_folder_name(&part.meta.scenario) {
        return Err(bad(
            format!(
                "the scenario name `{}` cannot be used as a folder name",
                part.meta.scenario.escape_debug()
            ),
            "the file must be a shard.json written by mailsim, unchanged (scenario names are letters, digits, `-` and `_`)",
        ));
    }
    Ok(part)
}
