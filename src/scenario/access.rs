//! The public face of a validated [`Scenario`]: its constructors ([`Scenario::load`],
//! [`Scenario::parse`]), read-only getters, and the few run settings a caller may change
//! afterwards, each checked as the file would be. The fields themselves stay crate-private,
//! so no caller can build or change a scenario around validation. (The resolved types and the
//! human-readable account are in `resolved/`, the checks of a file in `validate/`, and the
//! edits that swap a policy or change a field in `edit/`.)

use std::path::Path;

use super::resolved::{Receiver, RunSettings, Scenario, Sender};
use super::{Format, ScenarioError};
use crate::domain::Clock;
use crate::engine::{SimDuration, SimTime};
use crate::retry::RetrySpec;

impl Scenario {
    /// Reads (at most [`super::MAX_SCENARIO_BYTES`]), parses and validates a scenario file, in
    /// the format its extension names ([`Format::of_path`]: `.json`, `.toml`, `.yaml`/`.yml`,
    /// else RON).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = super::read_text(path)?;
        Scenario::parse_as(&path.display().to_string(), &text, Format::of_path(path))
    }

    /// Parses and validates RON scenario text; `origin` names it in error messages. Other
    /// formats: [`Scenario::parse_as`].
    pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse_as(origin, text, Format::Ron)
    }

    /// Short name (safe as a folder name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the scenario shows.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Where it was read from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Run settings.
    pub fn run(&self) -> &RunSettings {
        &self.run
    }

    /// The clock of a run with a `run.start`, to show instants as clock times.
    pub fn clock(&self) -> Option<&Clock> {
        self.run.start.as_ref()
    }

    /// Senders, in file order.
    pub fn senders(&self) -> &[Sender] {
        &self.senders
    }

    /// Receivers, sorted by name.
    pub fn receivers(&self) -> &[Receiver] {
        &self.receivers
    }

    /// Named retry policies for `mailsim compare`, in file order (may be empty).
    pub fn policies(&self) -> &[(String, RetrySpec)] {
        &self.policies
    }

    /// Runs with another random seed (every seed is valid).
    pub fn set_seed(&mut self, seed: u64) {
        self.run.seed = seed;
    }

    /// Leaves `warmup` out of the steady-state statistics; as in the file, it must be shorter
    /// than the horizon.
    pub fn set_warmup(&mut self, warmup: SimDuration) -> Result<(), ScenarioError> {
        self.check_warmup(warmup, self.run.horizon)?;
        self.run.warmup = warmup;
        Ok(())
    }

    /// Stops the run at `horizon` at the latest, if that is earlier than the scenario's own
    /// horizon (traffic is resolved against the file's horizon, so a run can only be cut
    /// short, never lengthened); the warm-up must stay shorter than the horizon.
    pub fn shorten_horizon(&mut self, horizon: SimTime) -> Result<(), ScenarioError> {
        let horizon = horizon.min(self.run.horizon);
        if horizon == SimTime::ZERO {
            return Err(self.invalid("run.horizon", "the horizon is zero", "use e.g. \"7d\""));
        }
        self.check_warmup(self.run.warmup, horizon)?;
        self.run.horizon = horizon;
        Ok(())
    }

    fn check_warmup(&self, warmup: SimDuration, horizon: SimTime) -> Result<(), ScenarioError> {
        if warmup.as_millis() < horizon.as_millis() {
            return Ok(());
        }
        Err(self.invalid(
            "run.warmup",
            format!(
                "the warm-up ({warmup}) is not shorter than the horizon ({})",
                SimDuration(horizon.as_millis())
            ),
            "use a warm-up shorter than the horizon, e.g. warmup: \"1h\", or leave it out",
        ))
    }

    fn invalid(&self, field: &str, message: impl Into<String>, hint: &str) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.origin.clone(),
            field: field.to_string(),
            message: message.into(),
            hint: Some(hint.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"(
        name: "tiny",
        run: (horizon: "2h", sample_every: "10m", warmup: "30m"),
        senders: [(
            name: "s",
            traffic: [Campaign(messages: 3, at: "0s")],
            recipients: (mix: {"r": 1.0}),
            retry: Fixed(interval: "10m"),
        )],
        receivers: {"r": ()},
    )"#;

    fn tiny() -> Scenario {
        Scenario::parse("tiny.ron", TEXT).expect("the test scenario is valid")
    }

    #[test]
    fn getters_show_the_validated_values() {
        let scenario = tiny();
        assert_eq!(scenario.name(), "tiny");
        assert_eq!(scenario.origin(), "tiny.ron");
        assert_eq!(scenario.run().horizon, SimTime(2 * 3_600_000));
        assert_eq!(scenario.senders().len(), 1);
        assert_eq!(scenario.receivers()[0].name, "r");
        assert!(scenario.policies().is_empty());
    }

    #[test]
    fn the_free_functions_and_the_constructor_agree() {
        let free = super::super::parse("tiny.ron", TEXT).expect("valid");
        assert_eq!(free.describe(), tiny().describe());
    }

    #[test]
    fn a_warmup_must_stay_shorter_than_the_horizon() {
        let mut scenario = tiny();
        scenario
            .set_warmup(SimDuration::from_mins(90))
            .expect("shorter");
        assert_eq!(scenario.run().warmup, SimDuration::from_mins(90));
        let error = scenario.set_warmup(SimDuration::from_hours(2)).unwrap_err();
        assert!(error.to_string().contains("run.warmup"), "{error}");
        assert_eq!(scenario.run().warmup, SimDuration::from_mins(90));
    }

    #[test]
    fn a_horizon_can_only_be_cut_and_never_below_the_warmup() {
        let mut scenario = tiny();
        scenario
            .shorten_horizon(SimTime(5 * 3_600_000))
            .expect("longer: kept");
        assert_eq!(scenario.run().horizon, SimTime(2 * 3_600_000));
        scenario
            .shorten_horizon(SimTime(3_600_000))
            .expect("after the warm-up");
        assert_eq!(scenario.run().horizon, SimTime(3_600_000));
        assert!(scenario.shorten_horizon(SimTime(1_800_000)).is_err());
        assert!(scenario.shorten_horizon(SimTime::ZERO).is_err());
        assert_eq!(scenario.run().horizon, SimTime(3_600_000));
    }

    #[test]
    fn a_new_seed_is_kept() {
        let mut scenario = tiny();
        scenario.set_seed(99);
        assert_eq!(scenario.run().seed, 99);
    }
}
