//! Scenario files: parse RON ([`raw`]), check and resolve (`validate`) into the validated
//! [`Scenario`] the model is built from, and edit scenarios ([`edit`]: `--set PATH=VALUE` on
//! the text, a typed retry-policy swap). The engine and model never see unvalidated input.
//!
//! Syntax and unit mistakes are reported with file, line and column and the text underlined;
//! mistakes that involve several fields name the field path (e.g. `senders[0].recipients.mix`).
//! Running scenarios is the model's business, running many of them the study's.

pub mod edit;
mod error;
pub mod raw;
mod resolved;
mod validate;

use std::path::Path;

pub use error::{ScenarioError, SyntaxError};
pub use resolved::{
    AffectedIps, AuthPolicy, Ban, ConnectionLimit, Connections, DnsTrouble, Incident, IpAddress,
    Outage, Probation, QueueAlert, Receiver, RecipientLimits, RunSettings, Scenario, Sender,
    SendingIp, Throttle, Traffic,
};

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&path.display().to_string(), &text)
}

/// Parses and validates scenario text; `origin` names it in error messages.
pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let options = ron::Options::default().with_default_extension(
        ron::extensions::Extensions::IMPLICIT_SOME
            | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
    );
    let raw: raw::RawScenario = options
        .from_str(text)
        .map_err(|error| ScenarioError::from_ron(origin, text, &error))?;
    validate::validate(origin, raw)
}
