//! What this machine can hold, the refusal of runs that would not fit, and the budget of events
//! that stops a runaway.

use mailsim::model::{Estimate, SimError, human_bytes};
use mailsim::report::units::grouped;
use mailsim::scenario::Scenario;

use super::CliError;

/// Memory this process may still use, or `None` where unknown: the least of what the OS says is
/// available (Linux `MemAvailable`), what is left under the memory limit of the process's
/// control group (what Slurm, systemd and Kubernetes set) and what is left under its address-
/// space limit (`ulimit -v`).
pub fn available_memory() -> Option<u64> {
    [meminfo_available(), cgroup_room(), address_space_room()]
        .into_iter()
        .flatten()
        .min()
}

fn meminfo_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Room under the cgroup v2 limit of this process (`memory.max` less `memory.current`).
fn cgroup_room() -> Option<u64> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = membership.lines().find_map(|l| l.strip_prefix("0::"))?;
    let folder = std::path::Path::new("/sys/fs/cgroup").join(path.trim_start_matches('/'));
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max": no limit
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// Room under `RLIMIT_AS`, less the address space already mapped.
#[cfg(unix)]
fn address_space_room() -> Option<u64> {
    // SAFETY: `getrlimit` writes the limit into the struct it is given.
    let limit = unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        (libc::getrlimit(libc::RLIMIT_AS, &mut limit) == 0).then_some(limit.rlim_cur)?
    };
    if limit == libc::RLIM_INFINITY {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let mapped: u64 = line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024;
    Some(limit.saturating_sub(mapped))
}

#[cfg(not(unix))]
fn address_space_room() -> Option<u64> {
    None
}

/// Refuses one run of `scenario` (and its report) if it would not fit in the available memory,
/// unless `allow_large`.
pub fn check(scenario: &Scenario, allow_large: bool) -> Result<Estimate, CliError> {
    let estimate = Estimate::of(scenario);
    check_estimate(scenario.name(), &estimate, allow_large)?;
    Ok(estimate)
}

/// Refuses what `estimate` describes if it would not fit in the available memory, unless
/// `allow_large`.
pub fn check_estimate(name: &str, estimate: &Estimate, allow_large: bool) -> Result<(), CliError> {
    if allow_large {
        return Ok(());
    }
    if let Some(available) = available_memory()
        && !estimate.fits(available)
    {
        return Err(CliError::Input(miette::miette!(
            help = "shorten run.horizon, send fewer messages, lengthen run.sample_every, use fewer --jobs, or pass --allow-large to run anyway",
            "scenario `{name}` is too large for this machine: {estimate}, but only {} is available",
            human_bytes(available as f64)
        )));
    }
    Ok(())
}

/// How many events a run may take: `--max-events`, or the default budget of the estimate.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// The limit.
    pub limit: u64,
    /// Whether `--max-events` set it.
    explicit: bool,
}

impl Budget {
    /// `--max-events` if given, else the largest default budget of `estimates`.
    pub fn new(max_events: Option<u64>, estimates: &[Estimate]) -> Budget {
        match max_events {
            Some(limit) => Budget {
                limit,
                explicit: true,
            },
            None => Budget {
                limit: estimates
                    .iter()
                    .map(Estimate::event_budget)
                    .max()
                    .unwrap_or(u64::MAX),
                explicit: false,
            },
        }
    }

    /// The error for a run (of the study cell `cell`, if any) that failed with `error`: a
    /// reached budget says which budget and how to raise it; an interruption is the signal's;
    /// anything else is a failed run.
    pub fn failure(&self, error: SimError, cell: Option<&str>) -> CliError {
        let which = cell.map_or(String::new(), |label| format!("{label}: "));
        match error {
            SimError::Interrupted => super::signals::interrupted(),
            SimError::EventLimit { events, .. } if self.explicit => {
                CliError::Input(miette::miette!(
                    help = "a retry, alert or outage interval of milliseconds, a tiny sample interval or a huge volume can cause this; raise --max-events if the run is meant to be this long",
                    "{which}the run stopped after {} events, its limit (--max-events {})",
                    grouped(events),
                    self.limit
                ))
            }
            SimError::EventLimit { events, .. } => CliError::Input(miette::miette!(
                help = format!(
                    "a retry, alert or outage interval of milliseconds makes a run like this; if it is meant to be this long, raise the budget with --max-events N (e.g. --max-events {})",
                    self.limit.saturating_mul(10)
                ),
                "{which}the run stopped after {} events, the default budget for this scenario (10,000 per expected message, at least 10,000,000): it looks like a runaway",
                grouped(events)
            )),
            other => CliError::Failed(match cell {
                Some(label) => anyhow::Error::new(other).context(label.to_string()),
                None => other.into(),
            }),
        }
    }
}

/// The `--stats` line on stderr: the simulation's work and speed (the runs themselves, not
/// writing the results; events for a single run), the process's peak memory, and the estimate
/// it was checked against.
pub fn print_stats(events: Option<u64>, elapsed: std::time::Duration, estimate: &Estimate) {
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let work = match events {
        Some(events) => format!(
            "{events} events in {seconds:.3} s ({:.2} M events/s)",
            events as f64 / seconds / 1e6
        ),
        None => format!("the runs took {seconds:.3} s"),
    };
    let peak = mailsim::metrics::peak_rss_bytes().map_or_else(
        || "unavailable".to_string(),
        |bytes| human_bytes(bytes as f64),
    );
    eprintln!(
        "stats: {work}, peak memory (RSS) {peak}, estimated {}",
        human_bytes(estimate.peak_bytes)
    );
}
