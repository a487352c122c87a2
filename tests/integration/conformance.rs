//! Conformance with real MTAs: every recorded run of Postfix and Exim in
//! `conformance/recordings/` against mailsim's prediction for the same set-up
//! (`conformance/scenarios/`, written from the recording by `conformance/derive.py`).
//!
//! Each scenario runs with 20 seeds; the figures (delivered, expired, tries, deferrals without
//! a connection, latency mean / p50 / p90 / max, tries per message, retry waves) are compared
//! with the recording's under the tolerance `conformance/README.md` states. A figure outside
//! it fails its test unless it is a listed known gap, with its reason; a known gap that comes
//! back within tolerance fails too. The README's results table is rendered from the same
//! numbers and checked here (`MAILSIM_BLESS=1 cargo test --test integration conformance::`
//! rewrites it).

mod figures;
mod journeys;
mod table;

use std::path::Path;
use std::sync::OnceLock;

use figures::{Check, Figures};
use journeys::Journey;

/// The recorded runs: (MTA, experiment).
const RECORDINGS: [(&str, &str); 10] = [
    ("postfix", "e1-rcpt451-2m"),
    ("postfix", "e2-bucket"),
    ("postfix", "e3-greet421-2m"),
    ("postfix", "e4-refused-2m"),
    ("postfix", "e5-random30-10m"),
    ("exim", "e1-rcpt451-2m"),
    ("exim", "e2-bucket"),
    ("exim", "e3-greet421-2m"),
    ("exim", "e4-refused-2m"),
    ("exim", "e5-random30-10m"),
];

/// mailsim's figures are the mean over seeds 1 to this.
const SEEDS: u64 = 20;

/// Figures of one recording that mailsim does not bring within tolerance, and why.
pub struct KnownGap {
    mta: &'static str,
    experiment: &'static str,
    figures: &'static [&'static str],
    reason: &'static str,
}

/// The five latency figures of a run with random deferrals, and its waves.
const RANDOM_FIGURES: &[&str] = &[
    "latency mean",
    "latency p90",
    "latency max",
    "retry waves (start, retries)",
];

const RANDOM_REASON: &str = "The sink's 30 % deferrals are random: the real run is one draw \
(the sink's seed 5), mailsim's figure is the mean of 20 others, and the real value lies within \
the range of mailsim's seeds shown in the table; the tolerance is narrower than one run's \
spread. The waves test counts waves of at least 10 retries (5 % of 200 messages), and these \
runs' waves hold 10 to 15, so which of them count is chance.";

/// The known gaps, shown in the README under the table with their reasons.
pub const KNOWN_GAPS: &[KnownGap] = &[
    KnownGap {
        mta: "postfix",
        experiment: "e1-rcpt451-2m",
        figures: &[
            "tries",
            "latency mean",
            "latency p50",
            "tries per message",
            "retry waves (start, retries)",
        ],
        reason: "The scan due at 90 s decides this run, and it fell on a second boundary. In the \
real run the queue manager's last wake-up before it was the 60 s wave's last delivery report \
(RCPTs until 60.985 s), in second 60, so it slept 30 whole seconds and the timer's callback ran \
just after 91.000 s: its feed took the files with mtime up to 92 s (11; `qmgr_active_feed()`: \
`mtime <= time() + 1`) and re-armed the timer for 121 s (`event_request_timer()`), whose scan \
at 121.10 s straddled the sink's recovery at 121.15 s: 74 of its 89 messages were delivered. \
In mailsim the 60 s wave ends at 60.96 s, the scan goes off at 90.96 s, in second 90: it takes \
8 files, re-arms for 120 s and runs at 120.11 s, before the recovery, so those messages wait \
for the scan at 240 s. mailsim's scan was 43 ms before the second boundary, the real one at \
most 40 ms after it (its first RCPT at 91.04 s); which side of a second a loaded machine's \
wake-up lands on is below what the model resolves.",
    },
    KnownGap {
        mta: "postfix",
        experiment: "e2-bucket",
        figures: &["tries per message", "retry waves (start, retries)"],
        reason: "The real scan at 240 s was slow: its tries ran from 240.76 s to 243.9 s, 10 of \
them in second 240, where a message that arrived in second 1 or 2 is still short of the 240 s \
lifetime; the rest expired. From 241.2 s every expiry made a bounce (the bounce service, \
`cleanup`, the discard transport) on the same two loaded cores, and mta.log shows the SMTP \
transaction itself (the `delays=` d part) taking 71 ms on average against 9 ms in the 120 s \
wave. mailsim has one transaction time for the whole run (72 ms between RCPTs on a connection, \
the recording's median) and no cost for a bounce: it tries 130 messages in second 240, and \
they come back at 360 s. Separately, the real scan at 30 s moved files to the active queue \
until 31.2 s, testing each file's mtime against the clock as it went, so files due at 32 s \
went too (163 retries against mailsim's 65 in that wave); mailsim's scan takes its files at \
one instant.",
    },
    KnownGap {
        mta: "postfix",
        experiment: "e5-random30-10m",
        figures: RANDOM_FIGURES,
        reason: RANDOM_REASON,
    },
    KnownGap {
        mta: "exim",
        experiment: "e5-random30-10m",
        figures: RANDOM_FIGURES,
        reason: RANDOM_REASON,
    },
];

/// One recording against its scenario.
pub struct Comparison {
    mta: &'static str,
    experiment: &'static str,
    checks: Vec<Check>,
}

impl Comparison {
    /// Whether `figure` of this run is a known gap.
    fn known_gap(&self, figure: &str) -> bool {
        KNOWN_GAPS.iter().any(|g| {
            g.mta == self.mta && g.experiment == self.experiment && g.figures.contains(&figure)
        })
    }
}

/// The recording's journeys, moved to the scenario's clock (its time zero: the first arrival
/// is at the same instant in both).
fn recorded_on_scenario_clock(folder: &Path, simulated: &[Journey]) -> Vec<Journey> {
    let mut recorded = journeys::recorded(folder);
    let first = |js: &[Journey]| js.iter().map(|j| j.arrival_ms).min().expect("messages");
    let offset = first(&recorded) - first(simulated);
    for journey in &mut recorded {
        journey.arrival_ms -= offset;
        for (t, _) in &mut journey.events {
            *t -= offset;
        }
        if let journeys::Outcome::Delivered(at) = &mut journey.outcome {
            *at -= offset;
        }
    }
    recorded
}

/// The real and mailsim figures of one recording.
fn figures_of(mta: &str, experiment: &str) -> (Figures, Figures) {
    let scenario_file = format!("conformance/scenarios/{mta}-{experiment}.ron");
    let scenario = mailsim::scenario::load(Path::new(&scenario_file))
        .unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)));
    let runs: Vec<Vec<Journey>> = (1..=SEEDS)
        .map(|seed| journeys::simulated(&scenario, seed, mta == "exim"))
        .collect();
    let folder = Path::new("conformance/recordings")
        .join(mta)
        .join(experiment);
    let recorded = recorded_on_scenario_clock(&folder, &runs[0]);
    (figures::of(&[recorded]), figures::of(&runs))
}

/// Every comparison, computed once for all the tests.
fn comparisons() -> &'static [Comparison] {
    static ALL: OnceLock<Vec<Comparison>> = OnceLock::new();
    ALL.get_or_init(|| {
        RECORDINGS
            .iter()
            .map(|&(mta, experiment)| {
                let (real, mailsim) = figures_of(mta, experiment);
                Comparison {
                    mta,
                    experiment,
                    checks: figures::compare(&real, &mailsim),
                }
            })
            .collect()
    })
}

/// Fails on a figure outside tolerance that is not a known gap, and on a known gap within it.
fn check(mta: &str, experiment: &str) {
    let comparison = comparisons()
        .iter()
        .find(|c| c.mta == mta && c.experiment == experiment)
        .expect("a listed recording");
    let mut problems = Vec::new();
    for check in &comparison.checks {
        let gap = comparison.known_gap(check.figure);
        if !check.within && !gap {
            problems.push(format!(
                "{}: real {}, mailsim {} ({}), outside tolerance",
                check.figure, check.real, check.mailsim, check.difference
            ));
        }
        if check.within && gap {
            problems.push(format!(
                "{} is listed as a known gap but is within tolerance now: remove it from KNOWN_GAPS",
                check.figure
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{mta} {experiment}:\n  {}",
        problems.join("\n  ")
    );
}

macro_rules! conformance_test {
    ($($name:ident: $mta:literal, $experiment:literal;)*) => {$(
        #[test]
        fn $name() {
            check($mta, $experiment);
        }
    )*};
}

conformance_test! {
    postfix_e1_451_at_rcpt_for_2_minutes: "postfix", "e1-rcpt451-2m";
    postfix_e2_token_bucket_and_expiry: "postfix", "e2-bucket";
    postfix_e3_421_greeting_for_2_minutes: "postfix", "e3-greet421-2m";
    postfix_e4_refused_for_2_minutes: "postfix", "e4-refused-2m";
    postfix_e5_random_30_percent_deferrals: "postfix", "e5-random30-10m";
    exim_e1_451_at_rcpt_for_2_minutes: "exim", "e1-rcpt451-2m";
    exim_e2_token_bucket_and_expiry: "exim", "e2-bucket";
    exim_e3_421_greeting_for_2_minutes: "exim", "e3-greet421-2m";
    exim_e4_refused_for_2_minutes: "exim", "e4-refused-2m";
    exim_e5_random_30_percent_deferrals: "exim", "e5-random30-10m";
}

#[test]
fn every_known_gap_names_a_compared_figure() {
    for gap in KNOWN_GAPS {
        for figure in gap.figures {
            let found = comparisons().iter().any(|c| {
                c.mta == gap.mta
                    && c.experiment == gap.experiment
                    && c.checks.iter().any(|check| check.figure == *figure)
            });
            assert!(
                found,
                "known gap {} {} {figure}: no such figure",
                gap.mta, gap.experiment
            );
        }
    }
}

#[test]
fn the_results_table_in_the_readme_is_current() {
    table::check_readme(&table::render(comparisons()));
}

#[test]
fn the_real_figures_agree_with_the_recorded_summary() {
    // recordings/summary.csv is written by conformance/summarize.py from the same files: the
    // figures computed here must say the same.
    let mut reader = csv::Reader::from_path("conformance/recordings/summary.csv").expect("summary");
    let rows: Vec<std::collections::HashMap<String, String>> =
        reader.deserialize().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), RECORDINGS.len());
    for row in rows {
        let folder = Path::new("conformance/recordings")
            .join(&row["mta"])
            .join(&row["experiment"]);
        let real = figures::of(&[journeys::recorded(&folder)]);
        let number = |field: &str| row[field].parse::<f64>().expect("a number");
        let what = format!("{} {}", row["mta"], row["experiment"]);
        assert_eq!(real.delivered.mean, number("delivered"), "{what} delivered");
        assert_eq!(real.expired.mean, number("expired"), "{what} expired");
        assert_eq!(real.tries.mean, number("tries"), "{what} tries");
        let without = real.without_connection.mean;
        assert_eq!(
            without,
            number("noconn_deferrals"),
            "{what} without a connection"
        );
        let latency = real.latency.expect("deliveries");
        let fields = ["lat_mean_s", "lat_p50_s", "lat_p90_s", "lat_max_s"];
        for (value, field) in latency.iter().zip(fields) {
            let value = value.mean;
            assert!(
                (value - number(field)).abs() < 0.0005,
                "{what} {field}: {value}"
            );
        }
        let histogram: Vec<String> = real
            .histogram
            .iter()
            .map(|(k, n)| format!("{k}:{n}"))
            .collect();
        assert_eq!(histogram.join(" "), row["tries_hist"], "{what} histogram");
    }
}
