//! The `mailsim` command: parses the command line, runs the library, prints errors once and maps
//! them to exit codes (2: bad input or usage, 1: the run failed).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::install_error_printer();
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
