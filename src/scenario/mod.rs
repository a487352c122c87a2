//! Scenario files: parse RON, JSON, TOML or YAML (chosen by extension, [`Format`]) into
//! [`raw`], check and resolve (`validate`) into the validated [`Scenario`] the model is built
//! from, convert between the formats ([`convert`]), and edit scenarios ([`edit`]:
//! `--set PATH=VALUE` on the text, a typed retry-policy swap). The engine and model never see
//! unvalidated input.
//!
//! Syntax and unit mistakes are reported with file, line and column and the text underlined;
//! mistakes that involve several fields name the field path (e.g. `senders[0].recipients.mix`).
//! Running scenarios is the model's business, running many of them the study's.

mod access;
mod checks;
pub mod edit;
mod error;
mod format;
pub mod raw;
mod resolved;
mod schema;
mod source;
mod validate;

use std::path::Path;

pub use checks::{MAX_SCENARIO_BYTES, fingerprint_of, read_text};
pub use error::{ScenarioError, SyntaxError};
pub use format::{Format, convert};
pub use resolved::{
    AffectedIps, AuthPolicy, Ban, ConnectionLimit, Connections, DnsTrouble, Incident, IpAddress,
    Outage, Probation, QueueAlert, Receiver, RecipientLimits, ReplayTrace, RunSettings, Scenario,
    Sender, SendingIp, Throttle, Traffic,
};
pub use schema::json_schema;

/// Reads, parses and validates a scenario file: [`Scenario::load`].
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    Scenario::load(path)
}

/// Parses and validates scenario text; `origin` names it in error messages:
/// [`Scenario::parse`].
pub fn parse(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(origin, text)
}
