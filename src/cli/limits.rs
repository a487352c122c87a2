//! What this machine can hold, and the refusal of runs that would not fit.

use mailsim::model::{Estimate, human_bytes};
use mailsim::scenario::Scenario;

use super::CliError;

/// Memory the OS says is available (Linux `MemAvailable`), or `None` where unknown.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses a scenario whose estimate does not fit in the available memory, unless `allow_large`.
pub fn check(scenario: &Scenario, allow_large: bool) -> Result<Estimate, CliError> {
    let estimate = Estimate::of(scenario);
    if allow_large {
        return Ok(estimate);
    }
    if let Some(available) = available_memory()
        && !estimate.fits(available)
    {
        return Err(CliError::Input(miette::miette!(
            help = "shorten run.horizon, send fewer messages, lengthen run.sample_every, or pass --allow-large to run anyway",
            "scenario `{}` is too large for this machine: {estimate}, but only {} is available",
            scenario.name(),
            human_bytes(available as f64)
        )));
    }
    Ok(estimate)
}
