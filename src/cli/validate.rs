//! `mailsim validate`: check a scenario file and show what it resolves to.

use std::path::Path;

use super::{CliError, print_stdout};

pub fn validate(path: &Path) -> Result<(), CliError> {
    let scenario = mailsim::scenario::load(path)?;
    print_stdout(&format!(
        "{}ok: {} is valid\n",
        scenario.describe(),
        path.display()
    ))
}
