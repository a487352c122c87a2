//! `mailsim completions SHELL`: the shell's completion script for every subcommand and option,
//! generated from the same clap definitions as `--help`, on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError, print_stdout};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<(), CliError> {
    print_stdout(&script(args.shell))
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut command = Cli::command();
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, "mailsim", &mut bytes);
    // clap_complete writes UTF-8 built from the command's own (UTF-8) strings.
    String::from_utf8_lossy(&bytes).into_owned()
}
