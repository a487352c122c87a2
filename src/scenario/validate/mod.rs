//! Turns the raw file into a [`Scenario`]: resolves names, fills defaults and checks every rule
//! that involves more than one value. Errors name the field path and say how to fix it.
//!
//! The checks run in a fixed order (run settings, receivers, senders, the policies to compare,
//! then the addresses receivers name), so a file with several mistakes always reports the same
//! one first. Each part of the file has its own file here: [`run`], [`receiver`] (with its
//! time-bound events in [`events`]), [`sender`] and its [`traffic`].

mod events;
mod receiver;
mod run;
mod sender;
mod traffic;

use super::ScenarioError;
use super::raw::{RawPolicy, RawScenario};
use super::resolved::Scenario;
use crate::retry::RetrySpec;

pub(super) use sender::delay_notice;

/// Collects the context every error needs.
pub(super) struct Checker<'a> {
    pub(super) origin: &'a str,
}

impl Checker<'_> {
    /// Checks the retry policy at `{field}.retry`.
    pub(super) fn retry(&self, field: &str, retry: &RetrySpec) -> Result<(), ScenarioError> {
        retry.validate().map_err(|problem| {
            self.error(
                format!("{field}.retry.{}", problem.field),
                problem.message,
                &problem.hint,
            )
        })
    }

    pub(super) fn error(
        &self,
        field: impl Into<String>,
        message: impl Into<String>,
        hint: &str,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.origin.to_string(),
            field: field.into(),
            message: message.into(),
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        }
    }
}

pub(super) fn validate(origin: &str, raw: RawScenario) -> Result<Scenario, ScenarioError> {
    let check = Checker { origin };
    check_name(&check, &raw.name)?;
    let run = run::resolve_run(&check, &raw.run)?;
    if raw.receivers.is_empty() {
        return Err(check.error(
            "receivers",
            "no receivers are defined",
            "add at least one, e.g. receivers: { \"o365\": () }",
        ));
    }
    let receiver_names: Vec<String> = raw.receivers.keys().cloned().collect();
    let sender_names: Vec<&str> = raw.senders.iter().map(|s| s.name.as_str()).collect();
    let receivers = raw
        .receivers
        .into_iter()
        .map(|(name, receiver)| {
            receiver::resolve_receiver(&check, &run, &sender_names, name, receiver)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let senders = sender::resolve_senders(&check, &run, raw.senders, &receiver_names)?;
    let policies = resolve_policies(&check, raw.policies)?;
    for receiver in &receivers {
        events::check_named_ips(&check, receiver, &senders)?;
    }
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        origin: origin.to_string(),
        run,
        senders,
        receivers,
        policies,
    })
}

/// The scenario's name becomes a folder name.
/// The longest scenario name: it names the output folder, beside a staging folder whose name
/// adds its owner to the run's.
const MAX_NAME_CHARS: usize = 100;

fn check_name(check: &Checker, name: &str) -> Result<(), ScenarioError> {
    if name.len() > MAX_NAME_CHARS {
        return Err(check.error(
            "name",
            format!(
                "the name is {} characters long, more than {MAX_NAME_CHARS}",
                name.len()
            ),
            "use a short name of letters, digits, `-` and `_`, e.g. \"o365-burst\"",
        ));
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(check.error(
            "name",
            format!("`{name}` cannot be used as a folder name"),
            "use letters, digits, `-` and `_` only, e.g. \"o365-burst\"",
        ));
    }
    Ok(())
}

/// The named policies for `mailsim compare`: distinct, non-empty names and valid policies.
fn resolve_policies(
    check: &Checker,
    raw: Vec<RawPolicy>,
) -> Result<Vec<(String, RetrySpec)>, ScenarioError> {
    let mut policies: Vec<(String, RetrySpec)> = Vec::new();
    for (index, policy) in raw.into_iter().enumerate() {
        let field = format!("policies[{index}]");
        if policy.name.trim().is_empty() || policies.iter().any(|(name, _)| *name == policy.name) {
            return Err(check.error(
                format!("{field}.name"),
                format!("the policy name `{}` is empty or used twice", policy.name),
                "give every policy its own name, e.g. \"postfix-10m\"",
            ));
        }
        check.retry(&field, &policy.retry)?;
        policies.push((policy.name, policy.retry));
    }
    Ok(policies)
}
