//! Helpers shared by the integration tests: building and running scenarios from text, running
//! `mailsim validate` on a file's bytes, and (in `fuzz`) the scenario fuzzer's mutation engine
//! and harness. Topic-specific fixtures stay in their topic's module.

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

/// Runs `mailsim validate` on a file holding `bytes`; returns (exit code, stdout, stderr).
pub fn validate(bytes: &[u8]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("test.ron"), bytes).expect("write");
    let output = assert_cmd::Command::cargo_bin("mailsim")
        .expect("binary built")
        .current_dir(dir.path())
        .args(["validate", "test.ron"])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr),
    )
}
