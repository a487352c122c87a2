//! `mailsim man`: manual pages in roff, generated from the same clap definitions as `--help`.
//! Without `--out-dir`, mailsim(1) goes to stdout; with it, mailsim.1 and one page per
//! subcommand (mailsim-run.1, ...) are written into that folder.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_mangen::Man;

use super::{Cli, CliError, print_stdout};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write mailsim.1 and a page per subcommand (mailsim-run.1, ...) into this folder instead of
    /// printing mailsim.1. The folder is created if needed; pages already there are replaced.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

pub fn man(args: ManArgs) -> Result<(), CliError> {
    match args.out_dir {
        None => print_stdout(&page(Cli::command())),
        Some(dir) => {
            let written = write_pages(&dir).map_err(CliError::Failed)?;
            let names: Vec<String> = written
                .iter()
                .filter_map(|path| path.file_name())
                .map(|name| name.to_string_lossy().into_owned())
                .collect();
            print_stdout(&format!(
                "wrote {} manual pages to {}: {}\n",
                names.len(),
                dir.display(),
                names.join(", ")
            ))
        }
    }
}

/// The manual page of `command`, in roff.
fn page(command: clap::Command) -> String {
    let mut bytes = Vec::new();
    // Rendering into memory cannot fail.
    let _ = Man::new(command)
        .manual("mailsim manual")
        .render(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Writes mailsim.1 and one page per subcommand into `dir`; returns the paths in that order.
fn write_pages(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("could not create the folder {}", dir.display()))?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut commands = vec![command.clone()];
    commands.extend(
        command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned(),
    );
    let mut written = Vec::new();
    for command in commands {
        let man = Man::new(command).manual("mailsim manual");
        let path = dir.join(man.get_filename());
        let mut bytes = Vec::new();
        let _ = man.render(&mut bytes);
        std::fs::write(&path, bytes)
            .with_context(|| format!("could not write the manual page {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
