//! Turns the raw file into a [`Scenario`]: resolves names, fills defaults and checks every rule
//! that involves more than one value. Errors name the field path and say how to fix it.
//!
//! The checks run in a fixed order (run settings, receivers, senders, the policies to compare,
//! then the addresses receivers name), so a file with several mistakes always reports the same
//! one first. Each part of the file has its own file here: [`run`], [`receiver`] (with its
//! time-bound events in [`events`]), [`sender`] and its [`traffic`].

mod events;
mod receiver;
mod replay;
mod run;
mod sender;
mod traffic;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ScenarioError;
use super::raw::{RawPolicy, RawRetry, RawScenario};
use super::resolved::Scenario;
use crate::mta::config::{self, ConfigFile};
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

    /// Resolves the `retry` at `{field}.retry`: a policy as written, or the policy imported
    /// from the configuration file an `Import(…)` names; then checks it.
    pub(super) fn resolve_retry(
        &self,
        field: &str,
        retry: &RawRetry,
    ) -> Result<RetrySpec, ScenarioError> {
        let spec = match retry {
            RawRetry::Spec(spec) => spec.clone(),
            RawRetry::Import(import) => {
                let field = format!("{field}.retry.file");
                let path = self.file(&import.file);
                let text = std::fs::read_to_string(&path).map_err(|error| {
                    self.error(
                        &field,
                        format!("could not read {}: {error}", path.display()),
                        "the path is relative to the scenario file",
                    )
                })?;
                let file = ConfigFile {
                    name: path.display().to_string(),
                    text,
                };
                config::import(import.format, &[file])
                    .map_err(|error| {
                        self.error(
                            &field,
                            error.to_string(),
                            "fix the setting in the file, or write the policy in the scenario (`mailsim import` prints it)",
                        )
                    })?
                    .spec
            }
        };
        self.retry(field, &spec)?;
        Ok(spec)
    }

    /// A file the scenario names, relative to the scenario file's folder.
    pub(super) fn file(&self, name: &str) -> PathBuf {
        Path::new(self.origin)
            .parent()
            .unwrap_or(Path::new(""))
            .join(name)
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
    let owned_sender_names: Vec<String> = raw.senders.iter().map(|s| s.name.clone()).collect();
    let sender_names: Vec<&str> = owned_sender_names.iter().map(String::as_str).collect();
    let receivers = raw
        .receivers
        .into_iter()
        .map(|(name, receiver)| {
            receiver::resolve_receiver(&check, &run, &sender_names, name, receiver)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let domains = resolve_domains(&check, &raw.domains, &receiver_names)?;
    let context = replay::Context {
        receivers: &receiver_names,
        domains: &domains,
        senders: &sender_names,
    };
    let senders = sender::resolve_senders(&check, &run, raw.senders, &context)?;
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

/// The `domains` map with every receiver named resolved to its index; keys are lower-cased
/// domains, or `*`.
fn resolve_domains(
    check: &Checker,
    raw: &BTreeMap<String, String>,
    receiver_names: &[String],
) -> Result<BTreeMap<String, usize>, ScenarioError> {
    let mut domains = BTreeMap::new();
    for (domain, receiver) in raw {
        let field = format!("domains.{domain}");
        let Some(index) = receiver_names.iter().position(|n| n == receiver) else {
            return Err(check.error(
                field,
                format!("there is no receiver named `{receiver}`"),
                &format!("use one of: {}", receiver_names.join(", ")),
            ));
        };
        let key = domain.trim().to_ascii_lowercase();
        if key.is_empty() || key.contains('@') || key.contains(char::is_whitespace) {
            return Err(check.error(
                field,
                format!("`{domain}` is not a domain"),
                "write the part after the @, e.g. \"outlook.com\", or \"*\" for every other domain",
            ));
        }
        if domains.insert(key, index).is_some() {
            return Err(check.error(
                field,
                format!("`{domain}` is listed twice (domains are compared without case)"),
                "keep one entry per domain",
            ));
        }
    }
    Ok(domains)
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
        let spec = check.resolve_retry(&field, &policy.retry)?;
        policies.push((policy.name, spec));
    }
    Ok(policies)
}

#[cfg(test)]
mod tests {
    use crate::retry::RetrySpec;
    use crate::scenario::Scenario;

    /// A scenario in a temporary folder whose sender imports `config` (saved as `main.cf`).
    fn importing(config: &str, format: &str) -> Result<Scenario, crate::scenario::ScenarioError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cf"), config).unwrap();
        let text = format!(
            r#"(name: "i", senders: [(name: "s", traffic: [Campaign(messages: 1, at: "0s")],
                recipients: (mix: {{"r": 1.0}}),
                retry: Import(file: "main.cf", format: {format}))],
                receivers: {{"r": ()}},
                policies: [(name: "imported", retry: Import(file: "main.cf", format: {format}))])"#
        );
        Scenario::parse(&dir.path().join("s.ron").display().to_string(), &text)
    }

    #[test]
    fn an_imported_policy_is_the_one_the_configuration_gives() {
        let scenario = importing(
            "minimal_backoff_time = 30s\nqueue_run_delay = 30s\n",
            "Postfix",
        )
        .expect("valid");
        let RetrySpec::Postfix(params) = &scenario.senders()[0].retry else {
            panic!("{:?}", scenario.senders()[0].retry)
        };
        assert_eq!(params.minimal_backoff_time.as_millis(), 30_000);
        assert_eq!(scenario.policies()[0].1, scenario.senders()[0].retry);
    }

    #[test]
    fn a_bad_configuration_is_reported_at_its_line() {
        let error = importing("minimal_backoff_time = 30x\n", "Postfix").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("senders[0].retry.file"), "{text}");
        assert!(
            text.contains("main.cf:1: `minimal_backoff_time = 30x`"),
            "{text}"
        );
        let error = importing("", "Exim").unwrap_err().to_string();
        assert!(error.contains("no retry rules"), "{error}");
    }
}
