//! # mailsim
//!
//! A discrete-event simulator of how email senders defer and retry when receivers such as
//! Microsoft 365 throttle them, go down or reject mail.
//!
//! One pipeline, one direction:
//!
//! ```text
//! scenario file (RON) ─> scenario: parse, validate ─> model: build the world
//!     ─> engine: run events in time order ─> metrics: count, histogram, sample ─> report
//! ```
//!
//! ```no_run
//! let scenario = mailsim::scenario::load(std::path::Path::new("scenarios/o365-server-busy.ron"))?;
//! let output = mailsim::model::simulate(&scenario, 0)?;
//! println!("delivered {} of {}", output.summary.delivered, output.summary.arrived);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Guarantees
//!
//! - **Ordering.** Events run in order of simulated time; events at the same instant run in
//!   the order they were scheduled (first in, first out). See [`engine::EventQueue`].
//! - **Determinism.** The same scenario, seed and binary give byte-identical outputs. Every
//!   random draw comes from a named stream derived from (seed, replication, purpose)
//!   ([`engine::RandomStream`]), so arrivals and recipients do not change when only the retry
//!   policy does (common random numbers).
//! - **Conservation.** At every sample, arrived = delivered + bounced + expired + still queued;
//!   a run that breaks this stops with [`model::SimError::Invariant`].
//! - **Validated input.** The engine only sees a [`scenario::Scenario`] that passed validation.

pub mod domain;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod mta;
pub mod report;
pub mod retry;
pub mod scenario;
pub mod study;
