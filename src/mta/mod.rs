//! Real MTAs' files read into mailsim's terms: delivery logs become an observed history of
//! messages and attempts ([`logs`]), configuration files become the scenario text of a retry
//! policy ([`config`]).
//!
//! What lives here: parsers for Postfix, Exim and KumoMTA logs and configurations, the CSV
//! files and summary made from a log, and the RON text printed by `mailsim import`. What does
//! not: running a simulation, building scenarios or reports — this module sits below those and
//! only speaks the engine's time, the domain's units and the retry policies' parameters.
//!
//! Formats follow the real software where it disagrees with documentation; each parser's
//! module docs name the source files it was checked against.

pub mod config;
pub mod fit;
pub mod logs;
