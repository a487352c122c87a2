//! The results table in `conformance/README.md`: rendered from the comparisons, kept between two
//! marker lines, and rewritten with `MAILSIM_BLESS=1` (like the golden files).

use std::path::Path;

use super::{Comparison, KNOWN_GAPS};

const README: &str = "conformance/README.md";
const START: &str = "<!-- conformance results: written by the conformance test, do not edit -->";
const END: &str = "<!-- end of conformance results -->";

/// The table, one row per figure of every comparison, and the known gaps with their reasons.
pub fn render(comparisons: &[Comparison]) -> String {
    let mut text = String::from(
        "| MTA | experiment | figure | real | mailsim | difference | within tolerance |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for comparison in comparisons {
        for check in &comparison.checks {
            let verdict = match (check.within, comparison.known_gap(check.figure)) {
                (true, _) => "yes",
                (false, true) => "**no**: known gap",
                (false, false) => "**no**",
            };
            text.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                comparison.mta,
                comparison.experiment,
                check.figure,
                check.real,
                check.mailsim,
                check.difference,
                verdict
            ));
        }
    }
    text.push_str("\nKnown gaps (the test fails on any other figure outside tolerance):\n\n");
    for gap in KNOWN_GAPS {
        text.push_str(&format!(
            "* **{} {}** ({}): {}\n",
            gap.mta,
            gap.experiment,
            gap.figures.join(", "),
            gap.reason
        ));
    }
    text
}

/// Checks that the README holds `table`, or writes it there under `MAILSIM_BLESS`.
pub fn check_readme(table: &str) {
    let path = Path::new(README);
    let text = std::fs::read_to_string(path).expect("conformance/README.md is readable");
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        panic!("{README} has no results markers ({START} … {END})");
    };
    let current = &text[start + START.len()..end];
    let wanted = format!("\n{table}");
    if current == wanted {
        return;
    }
    if std::env::var_os("MAILSIM_BLESS").is_some() {
        let updated = format!("{}{START}{wanted}{}", &text[..start], &text[end..]);
        std::fs::write(path, updated).expect("write conformance/README.md");
        return;
    }
    let first_difference = current
        .lines()
        .zip(wanted.lines())
        .find(|(a, b)| a != b)
        .map_or("(lengths differ)".to_string(), |(was, now)| {
            format!("now {now:?}, was {was:?}")
        });
    panic!(
        "the results table in {README} is out of date: {first_difference}\nRun MAILSIM_BLESS=1 cargo test --test integration conformance:: and commit the table."
    );
}
