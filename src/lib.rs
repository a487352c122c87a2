//! # mailsim
//!
//! A discrete-event simulator of how email senders defer and retry when receivers such as
//! Microsoft 365 throttle them, go down or reject mail.
//!
//! One pipeline, one direction, on one-way floors (each module imports only from those below it;
//! `ARCHITECTURE.md` has the map and the checklists):
//!
//! ```text
//! scenario file ─> scenario: parse, validate ─> model: build the world and run its event loop
//!     (engine: time-ordered queue and random streams; retry: the sender's policies;
//!      domain: replies and units) ─> metrics: count, histogram, sample ─> report
//! study: many runs (replications, compare, sweep)   mta: real logs and configurations in
//! ```
//!
//! ```no_run
//! use mailsim::scenario::Scenario;
//!
//! // The only ways to a Scenario are through validation: `Scenario::load` or `Scenario::parse`.
//! let scenario = Scenario::load(std::path::Path::new("scenarios/o365-server-busy.ron"))?;
//! let output = mailsim::model::simulate(&scenario, 0)?;
//! println!(
//!     "{}: delivered {} of {}",
//!     scenario.name(),
//!     output.summary.delivered,
//!     output.summary.arrived
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every error the library returns implements [`std::error::Error`]; scenario errors are also
//! [`miette::Diagnostic`]s that point at the file, line and column. Public enums that will grow
//! (replies, outage kinds, traffic, errors, …) are `#[non_exhaustive]`: match them with a
//! wildcard arm.
//!
//! # Features
//!
//! - **`cli`** (default): the `mailsim` command and what only it needs (argument parsing,
//!   progress bars, Ctrl-C handling, rendered error reports). A library user can leave it out:
//!   `mailsim = { version = "0.1", default-features = false }`.
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
//! - **Validated input.** The engine only sees a [`scenario::Scenario`] that passed validation:
//!   its fields are private, it is built only by [`scenario::Scenario::load`] or
//!   [`scenario::Scenario::parse`], and the few settings that may change later
//!   ([`scenario::Scenario::set_seed`], …) are checked by the same rules as the file.

pub mod domain;
pub mod engine;
pub mod metrics;
pub mod model;
pub mod mta;
pub mod report;
pub mod retry;
pub mod scenario;
pub mod study;

#[cfg(test)]
mod tests {
    /// Every public error type can be boxed, sent between threads and chained with `?`.
    #[test]
    fn public_errors_are_std_errors() {
        fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
        is_error::<crate::scenario::ScenarioError>();
        is_error::<crate::scenario::SyntaxError>();
        is_error::<crate::model::SimError>();
        is_error::<crate::retry::SpecProblem>();
        is_error::<crate::study::StudyError>();
        is_error::<crate::report::OutputError>();
        is_error::<crate::report::ChartError>();
    }

    #[test]
    fn a_spec_problem_names_the_parameter_and_the_fix() {
        let problem = crate::retry::SpecProblem {
            field: "cap",
            message: "must not be below the base".to_string(),
            hint: "raise cap".to_string(),
        };
        let error: Box<dyn std::error::Error> = Box::new(problem);
        assert_eq!(
            error.to_string(),
            "parameter `cap`: must not be below the base (raise cap)"
        );
    }
}
