//! `mailsim validate`: check a scenario file, show what it resolves to and what one run of it
//! will cost (messages, events, memory), with any warnings on stderr.

use std::path::Path;

use mailsim::model::{Estimate, human_bytes};

use super::{CliError, print_stdout, print_warnings};

pub fn validate(path: &Path) -> Result<(), CliError> {
    let scenario = mailsim::scenario::load(path)?;
    print_warnings(&scenario);
    let estimate = Estimate::of(&scenario);
    let room = super::limits::available_memory().map_or(String::new(), |available| {
        format!(
            " (this machine has {} available)",
            human_bytes(available as f64)
        )
    });
    print_stdout(&format!(
        "{}estimate: {estimate}{room}; default event budget {}\nok: {} is valid\n",
        scenario.describe(),
        mailsim::report::units::grouped(estimate.event_budget()),
        path.display()
    ))
}
