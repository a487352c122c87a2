//! Traffic sources: a Poisson source, a campaign or a rate profile, each turned into the
//! piecewise-constant rate steps or campaign the model draws arrivals from; a replayed trace
//! is read in `replay`.

use std::sync::Arc;

use super::Checker;
use super::replay::{self, Context};
use crate::domain::Rate;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::ScenarioError;
use crate::scenario::raw::{RawStep, RawTraffic};
use crate::scenario::resolved::{RunSettings, Traffic};

/// Where a source is in the file and the horizon its times must fall before.
struct Source<'a> {
    check: &'a Checker<'a>,
    field: &'a str,
    horizon: SimDuration,
}

impl Source<'_> {
    fn error(&self, name: &str, message: impl Into<String>, hint: &str) -> ScenarioError {
        self.check
            .error(format!("{}.{name}", self.field), message, hint)
    }

    fn within_horizon(&self, name: &str, at: SimDuration) -> Result<(), ScenarioError> {
        if at >= self.horizon {
            Err(self.error(
                name,
                format!("{at} is at or past the run's horizon ({})", self.horizon),
                "move it earlier, or lengthen run.horizon",
            ))
        } else {
            Ok(())
        }
    }
}

pub(super) fn resolve_traffic(
    check: &Checker,
    run: &RunSettings,
    field: &str,
    raw: &RawTraffic,
    context: &Context,
    sender: &str,
) -> Result<Traffic, ScenarioError> {
    let source = Source {
        check,
        field,
        horizon: SimDuration(run.horizon.as_millis()),
    };
    match raw {
        RawTraffic::Poisson { rate, start, end } => poisson(&source, *rate, *start, *end),
        RawTraffic::Campaign {
            messages,
            at,
            spread,
        } => {
            if *messages == 0 {
                return Err(source.error(
                    "messages",
                    "a campaign of zero messages",
                    "use at least 1, or remove the campaign",
                ));
            }
            source.within_horizon("at", *at)?;
            Ok(Traffic::Campaign {
                messages: *messages,
                at: SimTime(at.as_millis()),
                spread: spread.unwrap_or(SimDuration::ZERO),
            })
        }
        RawTraffic::Profile { steps, repeat } => profile(&source, steps, *repeat),
        RawTraffic::Replay { file } => {
            let trace = replay::read(check, run, field, file, context, sender)?;
            Ok(Traffic::Replay(Arc::new(trace)))
        }
    }
}

/// A constant rate from `start` (zero before it) until `end` (zero after it).
fn poisson(
    source: &Source,
    rate: Rate,
    start: Option<SimDuration>,
    end: Option<SimDuration>,
) -> Result<Traffic, ScenarioError> {
    let start = start.unwrap_or(SimDuration::ZERO);
    source.within_horizon("start", start)?;
    if rate.as_per_second() <= 0.0 {
        return Err(source.error(
            "rate",
            "a zero rate sends nothing",
            "use a positive rate, or remove the source",
        ));
    }
    let mut steps = vec![];
    if start > SimDuration::ZERO {
        steps.push((SimTime::ZERO, Rate::per_second(0.0)));
    }
    steps.push((SimTime(start.as_millis()), rate));
    if let Some(end) = end {
        if end <= start {
            return Err(source.error(
                "end",
                format!("the end ({end}) is not after the start ({start})"),
                "make end later than start, or leave end out to run to the horizon",
            ));
        }
        steps.push((SimTime(end.as_millis()), Rate::per_second(0.0)));
    }
    Ok(Traffic::Poisson {
        steps,
        period: None,
    })
}

/// Rate steps in increasing order, repeating with a period longer than the last step's start.
fn profile(
    source: &Source,
    steps: &[RawStep],
    repeat: Option<SimDuration>,
) -> Result<Traffic, ScenarioError> {
    if steps.is_empty() {
        return Err(source.error(
            "steps",
            "a profile with no steps",
            "add steps such as (from: \"0h\", rate: \"100/h\")",
        ));
    }
    if let Some(i) = steps.windows(2).position(|w| w[1].from <= w[0].from) {
        return Err(source.error(
            &format!("steps[{}].from", i + 1),
            format!(
                "{} is not after the previous step's {}",
                steps[i + 1].from,
                steps[i].from
            ),
            "list steps in increasing order of `from`",
        ));
    }
    if let Some(period) = repeat {
        let last = steps[steps.len() - 1].from;
        if period == SimDuration::ZERO || last >= period {
            return Err(source.error(
                "repeat",
                format!("the period ({period}) must be longer than the last step's start ({last})"),
                "use e.g. repeat: \"24h\" for a daily profile",
            ));
        }
    }
    if steps.iter().all(|s| s.rate.as_per_second() <= 0.0) {
        return Err(source.error(
            "steps",
            "every step has a zero rate",
            "give at least one step a positive rate",
        ));
    }
    let mut resolved = vec![];
    if steps[0].from > SimDuration::ZERO {
        resolved.push((SimTime::ZERO, Rate::per_second(0.0)));
    }
    resolved.extend(steps.iter().map(|s| (SimTime(s.from.as_millis()), s.rate)));
    Ok(Traffic::Poisson {
        steps: resolved,
        period: repeat,
    })
}
