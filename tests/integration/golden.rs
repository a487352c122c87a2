//! Golden results: the summaries of two example scenarios at fixed seeds are checked in, so a
//! change of results (a dependency upgrade, a refactor, a model change) fails the suite and has
//! to be accepted deliberately:
//!
//! ```sh
//! # rewrite tests/golden/, then check the diff before committing it
//! MAILSIM_BLESS=1 cargo test --test integration golden::
//! ```

use std::path::Path;

use mailsim::model::simulate;
use mailsim::report::summary_json;

fn check(scenario_file: &str) {
    let scenario = mailsim::scenario::load(Path::new(scenario_file)).expect("valid");
    let actual = summary_json(&simulate(&scenario, 0).expect("runs").summary);
    let golden = Path::new("tests/golden").join(format!("{}.summary.json", scenario.name()));
    if std::env::var_os("MAILSIM_BLESS").is_some() {
        std::fs::write(&golden, &actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
        panic!(
            "{} is missing; create it with MAILSIM_BLESS=1",
            golden.display()
        )
    });
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .find(|(a, e)| a != e)
            .map_or("(lengths differ)".to_string(), |(a, e)| {
                format!("now {a:?}, was {e:?}")
            });
        panic!(
            "results of {scenario_file} changed: {first_difference}\nIf the change is intended, run MAILSIM_BLESS=1 cargo test --test integration golden:: and commit tests/golden/ with a note saying why."
        );
    }
}

#[test]
fn fope_outage_results_are_unchanged() {
    check("scenarios/fope-outage.ron");
}

#[test]
fn server_busy_results_are_unchanged() {
    check("scenarios/o365-server-busy.ron");
}
