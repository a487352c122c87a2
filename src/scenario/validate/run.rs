//! The run settings: a positive horizon and sample interval, and a warm-up shorter than the
//! horizon.

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
    Ok(RunSettings {
        horizon: SimTime(raw.horizon.as_millis()),
        sample_every: raw.sample_every,
        seed: raw.seed,
        stop_when_drained: raw.stop_when_drained,
        warmup: raw.warmup,
    })
}
