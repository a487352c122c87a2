//! `mailsim fit` on real logs.
//!
//! `tests/fixtures/logs/real/` holds the logs of conformance experiment e1
//! (RCPT answered `451 4.7.500` for the first 2 minutes, then accepted; 100 messages over 30 s)
//! as Postfix 3.7.11 and Exim 4.96 wrote them, with their configurations; experiment e2 (a
//! token bucket of 2/s and burst 5 at RCPT; 300 messages at once; lifetime 4 minutes) is read
//! in place from `conformance/recordings/`. The fitted scenario, run 10 times, must reproduce
//! the delivered and expired counts and the latency percentiles (p50, p90, p99, max) within
//! 15 % (a count may also be off by one message, a latency by the log's timestamp resolution:
//! Postfix writes whole seconds). Every Exim figure and every Postfix e1 figure is checked; two
//! Postfix e2 figures are named known gaps with their reasons ([`POSTFIX_E2_GAPS`]).

use mailsim::mta::config::{self, ConfigFile, ConfigFormat};
use mailsim::mta::logs::{self, Format, ParseOptions, YearRule};
use mailsim::report::fit::{Row, rows, table_text};
use mailsim::study::FitCheck;

use crate::fit::{REAL, fit_and_check};

/// A committed fixture's text.
fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{REAL}/{name}")).expect("fixture")
}

/// A conformance recording's log and configuration, as the MTA wrote them: the recorder puts
/// its receive time (13 digits of Unix ms) before each Postfix syslog line, which is taken
/// off; `config.txt` holds the configuration file under a first `# …` heading, up to the
/// next heading.
fn recording(mta: &str, experiment: &str) -> (String, String) {
    let dir = format!("conformance/recordings/{mta}/{experiment}");
    let log = std::fs::read_to_string(format!("{dir}/mta.log")).expect("recording");
    let log: String = log
        .lines()
        .map(|line| match line.split_once(' ') {
            Some((ms, rest)) if ms.len() == 13 && ms.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => line,
        })
        .flat_map(|line| [line, "\n"])
        .collect();
    let config = std::fs::read_to_string(format!("{dir}/config.txt")).expect("recording");
    let config: String = config
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("# postconf") && !line.starts_with("# daemon"))
        .flat_map(|line| [line, "\n"])
        .collect();
    (log, config)
}

/// A real log, its configuration imported, fitted and checked.
fn real(format: Format, name: &str, log: &str, config: &str) -> (Vec<Row>, FitCheck) {
    let options = ParseOptions {
        year: YearRule::FirstLine(2026),
        utc_offset: None,
    };
    let history = logs::parse(format, log, &options);
    assert_eq!(
        history.lines.problem_total(),
        0,
        "{:?}",
        history.lines.problems
    );
    let config_format = match format {
        Format::Postfix => ConfigFormat::Postfix,
        _ => ConfigFormat::Exim,
    };
    let imported = config::import(
        config_format,
        &[ConfigFile {
            name: format!("{name} configuration"),
            text: config.to_string(),
        }],
    )
    .expect("the configuration imports");
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, check, _) = fit_and_check(dir.path(), &history, &imported.text, &imported.spec, 10);
    let compared = rows(&check);
    println!("{name}\n{}", table_text(&compared, check.simulated.len()));
    (compared, check)
}

/// Asserts the figures the real-log check covers, within 15 % (or `floor` in the figure's
/// unit: one message, or the log's timestamp resolution), except the `known_gaps`, each named
/// with its reason (see the module docs).
fn reproduced(rows: &[Row], log: &str, resolution_s: f64, known_gaps: &[&str]) {
    let mut misses = Vec::new();
    for (figure, floor) in [
        ("delivered", 1.0),
        ("expired", 1.0),
        ("latency p50", resolution_s),
        ("latency p90", resolution_s),
        ("latency p99", resolution_s),
        ("latency max", resolution_s),
    ] {
        if known_gaps.contains(&figure) {
            continue;
        }
        let row = rows.iter().find(|r| r.figure == figure).expect("a row");
        let (Some(observed), Some(simulated)) = (row.observed, row.simulated) else {
            misses.push(format!("{figure}: not defined"));
            continue;
        };
        let allowed = (0.15 * observed.abs()).max(floor);
        if (simulated - observed).abs() > allowed {
            misses.push(format!(
                "{figure}: observed {observed}, simulated {simulated} (allowed ± {allowed})"
            ));
        }
    }
    assert!(misses.is_empty(), "{log}: {misses:?}");
}

#[test]
fn the_real_exim_logs_are_reproduced_within_15_percent() {
    let (rows, check) = real(
        Format::Exim,
        "exim e1",
        &fixture("exim-e1-rcpt451-2m.log"),
        &fixture("exim-e1-rcpt451-2m.conf"),
    );
    assert_eq!(check.observed.messages, 100);
    reproduced(&rows, "exim e1", 0.001, &[]);
    let (log, config) = recording("exim", "e2-bucket");
    let (rows, check) = real(Format::Exim, "exim e2", &log, &config);
    assert_eq!(
        (
            check.observed.outcomes.delivered,
            check.observed.outcomes.expired
        ),
        (210, 90)
    );
    reproduced(&rows, "exim e2", 0.001, &[]);
}

#[test]
fn the_real_postfix_logs_are_reproduced_within_15_percent_but_for_e2s_known_gaps() {
    let (rows, check) = real(
        Format::Postfix,
        "postfix e1",
        &fixture("postfix-e1-rcpt451-2m.log"),
        &fixture("postfix-e1-rcpt451-2m.main.cf"),
    );
    assert_eq!(check.observed.messages, 100);
    reproduced(&rows, "postfix e1", 1.0, &[]);
    let (log, config) = recording("postfix", "e2-bucket");
    let (rows, check) = real(Format::Postfix, "postfix e2", &log, &config);
    assert_eq!(
        (
            check.observed.outcomes.delivered,
            check.observed.outcomes.expired
        ),
        (43, 257)
    );
    reproduced(&rows, "postfix e2", 1.0, POSTFIX_E2_GAPS);
}

/// Postfix e2: a standard Postfix log stamps whole seconds, and that hides what these two
/// figures turn on. The bucket refills within the second-long retry waves, so its rate is not
/// identifiable (fitted 0.2/s against the sink's 2/s; its burst, 5, is recovered); the first
/// tries' latency is 0 s, so the transaction time is fitted as 0 s (the recorder's millisecond
/// stamps give about 76 ms); and the delivery agents' start time (42 ms in the conformance
/// scenario, from those millisecond stamps) is not in the log at all. Fitted: delivered 30
/// against 43, p50 58 s against 1m58s; the same scenario with those three set by hand
/// delivers 41 (p50 still 1 m: the arrivals are whole seconds too, and p50 sits on the edge
/// between two retry waves).
const POSTFIX_E2_GAPS: &[&str] = &["delivered", "latency p50"];
