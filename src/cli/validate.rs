//! `mailsim validate`: check a scenario file and show what it resolves to.

use std::path::Path;

use mailsim::model::human_bytes;

use super::{CliError, limits, print_stdout};

/// Prints what the scenario resolves to, its size estimate (as `run` checks it against the
/// memory available) and that it is valid.
pub fn validate(path: &Path) -> Result<(), CliError> {
    let scenario = mailsim::scenario::load(path)?;
    let estimate = mailsim::model::Estimate::of(&scenario);
    let room = match limits::available_memory() {
        Some(available) if estimate.fits(available) => {
            format!("fits in the {} available", human_bytes(available as f64))
        }
        Some(available) => format!(
            "more than the {} available: `mailsim run` refuses it without --allow-large",
            human_bytes(available as f64)
        ),
        None => "the memory available is unknown on this system".to_string(),
    };
    print_stdout(&format!(
        "{}size: {estimate}; {room}\nok: {} is valid\n",
        scenario.describe(),
        path.display()
    ))
}
