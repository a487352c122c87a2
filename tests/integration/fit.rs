//! `mailsim fit`: recovering known receivers from logs of simulated runs (every log format),
//! reproducing the committed real Postfix and Exim logs, and the command itself.
//!
//! **Recovery.** One run of a scenario with three known receivers is written as a Postfix, an
//! Exim and a KumoMTA log and fitted. The tolerance is the fit's own stated uncertainty, so the
//! test checks that the uncertainty it writes into the scenario is honest: the true bucket rate
//! and burst lie in the 95 % likelihood region it reports, the true deferral share within three
//! of its binomial standard errors, and the outage's true edges within the ± spread it reports
//! (the change point's 95 % likelihood interval, at least half the gap between the attempts
//! around the edge) plus one second. A random-deferral window's edges, located only as well as
//! its sparse deferrals allow, are checked for coverage over 20 seeds: at least 34 of the 40
//! true edges within their reported interval. That second is the
//! log's view of time: an attempt is logged when it ends, up to the 1 s transaction after the
//! receiver answered it.
//!
//! **Real logs** are in `fit_real`.

use assert_cmd::Command;
use mailsim::model::{HistoryRecorder, RunControl, simulate_observed};
use mailsim::mta::fit::text::{ScenarioInput, policy_from_log, scenario_text};
use mailsim::mta::fit::{self, FailureKind, Fit, Soft};
use mailsim::mta::logs::{
    self, Format, History, ObservedSummary, ParseOptions, Stamp, YearRule, emit, write,
};
use mailsim::scenario::Scenario;
use mailsim::study::{FitCheck, check_fit};

use crate::helpers::scenario;

/// Fits `history`, writes the scenario's arrivals into `dir`, loads the fitted scenario and
/// runs it `replications` times against the log.
pub(crate) fn fit_and_check(
    dir: &std::path::Path,
    history: &History,
    policy: &str,
    spec: &mailsim::retry::RetrySpec,
    replications: u32,
) -> (Fit, FitCheck, String) {
    let fitted = fit::fit(history);
    let (policy, _) = policy_from_log(policy, spec, &fitted);
    let text = scenario_text(
        &fitted,
        &ScenarioInput {
            name: "fitted",
            log: "the log",
            format: history.format,
            arrivals_file: "arrivals.csv",
            policy: &policy,
            policy_source: "as given",
        },
    );
    let file = std::fs::File::create(dir.join("arrivals.csv")).expect("create");
    write::arrivals(history, write::TimeFormat::SecondsFrom(fitted.zero), file).expect("write");
    let origin = dir.join("fitted.ron").display().to_string();
    let scenario = match Scenario::parse(&origin, &text) {
        Ok(scenario) => scenario,
        Err(error) => panic!("the fitted scenario does not load: {error}\n{text}"),
    };
    let check = check_fit(&scenario, history, fitted.zero, replications).expect("runs");
    (fitted, check, text)
}

// ---------------------------------------------------------------------------------------
// Recovery

/// Three receivers with known behaviour, one sending IP, a policy that keeps trying (so every
/// receiver sees attempts throughout): a token bucket of 0.5/s and burst 10; deferrals of 30 %
/// from 30 to 90 minutes; connections refused from 40 to 70 minutes.
const KNOWN: &str = r#"(
    name: "known",
    run: (horizon: "6h"),
    senders: [(
        name: "mta",
        traffic: [Poisson(rate: "4800/h", end: "2h")],
        recipients: (mix: {"throttled": 0.5, "flaky": 0.25, "down": 0.25}),
        connections: (per_destination: 10),
        retry: Fixed(interval: "2m", lifetime: "1d"),
    )],
    receivers: {
        "throttled": (throttle: (rate: "1800/h", burst: 10)),
        "flaky": (incidents: [(name: "random", start: "30m", end: "90m", fraction: 1.0, deferral: 0.3)]),
        "down": (outages: [(start: "40m", end: "70m", kind: Refused)]),
    },
)"#;

/// The known run as `format` writes it, read back.
fn known_log(format: Format) -> History {
    let scenario = scenario(KNOWN);
    let zero = Stamp::parse_rfc3339("2026-11-30T08:00:00Z").expect("valid");
    let mut recorder = HistoryRecorder::new(&scenario, zero);
    simulate_observed(&scenario, 0, RunControl::default(), &mut recorder).expect("runs");
    let mut text = Vec::new();
    emit::write(format, &recorder.finish(format), &mut text).expect("written");
    let options = ParseOptions {
        year: YearRule::FirstLine(2026),
        utc_offset: None,
    };
    logs::parse(format, &String::from_utf8(text).expect("utf-8"), &options)
}

fn within_edge(estimate: i64, spread: i64, truth_s: i64, what: &str) {
    let error = (estimate - truth_s * 1000).abs();
    assert!(
        error <= spread + 1000,
        "{what}: {estimate} ms is {error} ms from {truth_s} s, more than its ± {spread} ms and 1 s"
    );
}

fn recover(format: Format) {
    let fitted = fit::fit(&known_log(format));
    let receiver = |name: &str| {
        fitted
            .receivers
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{format}: no receiver {name}"))
    };
    // The bucket.
    let Soft::Bucket { fit: bucket, .. } = &receiver("throttled").soft else {
        panic!("{format}: {:?}", receiver("throttled").soft)
    };
    println!(
        "{format}: bucket {:.6}/s ({:.6}–{:.6}), burst {} ({}–{}); flaky {:?}; down {:?}",
        bucket.rate,
        bucket.rate_range.0,
        bucket.rate_range.1,
        bucket.burst,
        bucket.burst_range.0,
        bucket.burst_range.1,
        receiver("flaky").soft,
        receiver("down").outages
    );
    assert!(
        bucket.rate_range.0 <= 0.5 && 0.5 <= bucket.rate_range.1,
        "{format}: {bucket:?}"
    );
    assert!(
        bucket.burst_range.0 <= 10 && 10 <= bucket.burst_range.1,
        "{format}: {bucket:?}"
    );
    // The random deferrals.
    let flaky = receiver("flaky");
    let Soft::Windows { windows, .. } = &flaky.soft else {
        panic!("{format}: {:?}", flaky.soft)
    };
    assert_eq!(windows.len(), 1, "{format}: {windows:?}");
    let w = windows[0];
    assert!(
        (w.probability() - 0.3).abs() <= 3.0 * w.standard_error(),
        "{format}: {w:?}"
    );
    // Its edges are estimates with a 95 % interval, checked for coverage over many runs
    // (`random_deferral_edges_are_covered_by_their_intervals`), not in this one run.
    assert!(flaky.outages.is_empty(), "{format}: {:?}", flaky.outages);
    // The outage.
    let down = receiver("down");
    assert_eq!(down.outages.len(), 1, "{format}: {:?}", down.outages);
    let o = down.outages[0];
    assert_eq!(
        (o.kind, o.failures, o.attempts),
        (FailureKind::Refused, o.attempts, o.attempts)
    );
    within_edge(o.start_ms, o.start_spread_ms, 40 * 60, "outage start");
    within_edge(
        o.end_ms.expect("ends"),
        o.end_spread_ms,
        70 * 60,
        "outage end",
    );
    assert_eq!(down.soft, Soft::None, "{format}");
}

#[test]
fn known_receivers_are_recovered_from_a_postfix_log() {
    recover(Format::Postfix);
}

#[test]
fn known_receivers_are_recovered_from_an_exim_log() {
    recover(Format::Exim);
}

#[test]
fn known_receivers_are_recovered_from_a_kumomta_log() {
    recover(Format::KumoMta);
}

/// One receiver deferring 30 % of attempts from 30 to 90 minutes, nothing otherwise.
const RANDOM_WINDOW: &str = r#"(
    name: "random-window",
    run: (horizon: "3h", seed: SEED),
    senders: [(
        name: "mta",
        traffic: [Poisson(rate: "1200/h", end: "2h")],
        recipients: (mix: {"flaky": 1.0}),
        retry: Fixed(interval: "2m", lifetime: "1d"),
    )],
    receivers: {
        "flaky": (incidents: [(name: "random", start: "30m", end: "90m", fraction: 1.0, deferral: 0.3)]),
    },
)"#;

/// The edges of a window of random deferrals are located only as well as the deferrals allow
/// (the first may come several attempts after the start): each is reported with its change
/// point's 95 % likelihood interval. Over 20 seeds, the true start and end (40 edges) must lie
/// within the reported interval (and the log's one second) at least 34 times (85 %); were the
/// intervals only the gap between neighbouring attempts, far fewer would. The share deferred
/// must be within three standard errors of 30 % every time.
#[test]
fn random_deferral_edges_are_covered_by_their_intervals() {
    let zero = Stamp::parse_rfc3339("2026-11-30T08:00:00Z").expect("valid");
    let mut covered = 0;
    let mut misses = Vec::new();
    for seed in 1..=20 {
        let scenario = scenario(&RANDOM_WINDOW.replace("SEED", &seed.to_string()));
        let mut recorder = HistoryRecorder::new(&scenario, zero);
        simulate_observed(&scenario, 0, RunControl::default(), &mut recorder).expect("runs");
        let fitted = fit::fit(&recorder.finish(Format::Exim));
        let Soft::Windows { windows, .. } = &fitted.receivers[0].soft else {
            panic!("seed {seed}: {:?}", fitted.receivers[0].soft)
        };
        assert_eq!(windows.len(), 1, "seed {seed}: {windows:?}");
        let w = windows[0];
        assert!(
            (w.probability() - 0.3).abs() <= 3.0 * w.standard_error(),
            "seed {seed}: {w:?}"
        );
        for (estimate, spread, truth_ms) in [
            (w.start_ms, w.start_spread_ms, 30 * 60_000),
            (w.end_ms.expect("ends"), w.end_spread_ms, 90 * 60_000),
        ] {
            if (estimate - truth_ms).abs() <= spread + 1000 {
                covered += 1;
            } else {
                misses.push(format!(
                    "seed {seed}: {estimate} ± {spread} ms for {truth_ms} ms"
                ));
            }
        }
    }
    println!("random window edges: {covered} of 40 covered; missed: {misses:?}");
    assert!(covered >= 34, "{covered} of 40 covered: {misses:?}");
}

/// The committed real logs and their configurations (`fit_real` fits them).
pub(crate) const REAL: &str = "tests/fixtures/logs/real";

// ---------------------------------------------------------------------------------------
// The command

fn mailsim() -> Command {
    Command::cargo_bin("mailsim").expect("binary")
}

#[test]
fn fit_writes_the_scenario_its_arrivals_and_a_report_and_keeps_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("pe1.ron");
    let log = format!("{REAL}/postfix-e1-rcpt451-2m.log");
    let config = format!("{REAL}/postfix-e1-rcpt451-2m.main.cf");
    let args = [
        "fit",
        &log,
        "--format",
        "postfix",
        "--year",
        "2026",
        "--import",
        &config,
        "--replications",
        "2",
        "-o",
        &out.display().to_string(),
    ];
    let output = mailsim().args(args).output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(stdout.contains("latency p90"), "{stdout}");
    for file in [
        "pe1.ron",
        "pe1-arrivals.csv",
        "pe1-fit/report.html",
        "pe1-fit/comparison.csv",
        "pe1-fit/summary.md",
    ] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    // The scenario it wrote loads and runs on its own.
    let scenario = Scenario::load(&out).expect("loads");
    assert_eq!(scenario.senders().len(), 1);
    let html = std::fs::read_to_string(dir.path().join("pe1-fit/report.html")).expect("read");
    assert!(html.contains("Observed and simulated") && html.contains("deferrals 451 4.7.500"));
    // A second fit does not overwrite the first.
    let again = mailsim().args(args).output().expect("runs");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    // A log with no arrival is bad input, and nothing is written.
    let empty = dir.path().join("empty.log");
    std::fs::write(
        &empty,
        "Nov 29 23:45:54 host postfix/master[1]: daemon started\n",
    )
    .expect("write");
    let other = dir.path().join("other.ron");
    let none = mailsim()
        .args([
            "fit",
            &empty.display().to_string(),
            "--format",
            "postfix",
            "--year",
            "2026",
            "-o",
            &other.display().to_string(),
        ])
        .output()
        .expect("runs");
    assert_eq!(none.status.code(), Some(2));
    assert!(!other.exists());
}

#[test]
fn observed_figures_of_a_real_log_are_its_own() {
    // The observed side of the comparison is the log's replayed messages, summarised as
    // `mailsim replay` summarises the log.
    let text = std::fs::read_to_string(format!("{REAL}/exim-e1-rcpt451-2m.log")).expect("fixture");
    let options = ParseOptions {
        year: YearRule::FirstLine(2026),
        utc_offset: None,
    };
    let history = logs::parse(Format::Exim, &text, &options);
    let summary = ObservedSummary::of(&history);
    // The recording's own figures (conformance/recordings/summary.csv): 100 delivered, 436
    // tries, 63 "retry time not reached" skips.
    assert_eq!(summary.outcomes.delivered, 100);
    assert_eq!(summary.attempts - summary.skipped_attempts, 436);
    assert_eq!(summary.skipped_attempts, 63);
}
