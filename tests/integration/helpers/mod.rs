//! Helpers shared by the integration tests: building and running scenarios from text, and (in
//! `fuzz`) the scenario fuzzer's mutation engine and harness. Topic-specific fixtures stay in
//! their topic's module.

pub mod fuzz;

use mailsim::model::{RunOutput, simulate};
use mailsim::scenario::{Scenario, parse};

/// Parses scenario text, panicking with the rendered error if it is invalid.
pub fn scenario(text: &str) -> Scenario {
    match parse("test.ron", text) {
        Ok(scenario) => scenario,
        Err(error) => panic!("{:?}", miette::Report::new(error)),
    }
}

/// Runs replication 0 of scenario text.
pub fn run(text: &str) -> RunOutput {
    simulate(&scenario(text), 0).expect("the run completes")
}
