//! The run settings: a positive horizon and sample interval, a warm-up shorter than the
//! horizon, and deadlines from shortest to longest.

use super::Checker;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::ScenarioError;
use crate::scenario::raw::RawRun;
use crate::scenario::resolved::RunSettings;

pub(super) fn resolve_run(check: &Checker, raw: &RawRun) -> Result<RunSettings, ScenarioError> {
    if raw.horizon == SimDuration::ZERO {
        return Err(check.error("run.horizon", "the horizon is zero", "use e.g. \"7d\""));
    }
    if raw.sample_every == SimDuration::ZERO {
        return Err(check.error(
            "run.sample_every",
            "the sample interval is zero",
            "use e.g. \"5m\"",
        ));
    }
    if raw.warmup.as_millis() >= raw.horizon.as_millis() {
        return Err(check.error(
            "run.warmup",
            format!(
                "the warm-up ({}) is not shorter than the horizon ({})",
                raw.warmup, raw.horizon
            ),
            "use a warm-up shorter than the horizon, e.g. warmup: \"1h\", or leave it out",
        ));
    }
    if let Some(pair) = raw
        .deadlines
        .windows(2)
        .find(|pair| pair[0].within() >= pair[1].within())
    {
        return Err(check.error(
            "run.deadlines",
            format!(
                "the deadlines are not from shortest to longest: {} comes before {}",
                pair[0].label(),
                pair[1].label()
            ),
            "list each deadline once, shortest first, e.g. deadlines: [\"5m\", \"1h\", \"4h\", \"24h\"]",
        ));
    }
    Ok(RunSettings {
        start: raw.start,
        horizon: SimTime(raw.horizon.as_millis()),
        sample_every: raw.sample_every,
        seed: raw.seed,
        stop_when_drained: raw.stop_when_drained,
        warmup: raw.warmup,
        deadlines: raw.deadlines.clone(),
    })
}
