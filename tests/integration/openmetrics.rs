//! `mailsim run --metrics FILE.om`: the time series as OpenMetrics text.
//!
//! Conformance is checked with the reference parser of the OpenMetrics project, Python's
//! `prometheus_client.openmetrics.parser` (no OpenMetrics parser for Rust with a permissive
//! licence exists: `prometheus-parse` reads the older Prometheus format, whose timestamps are
//! milliseconds, and `openmetrics-parser` is LGPL), and by backfilling with Prometheus's own
//! `promtool` where it is installed. Each prints why it skipped when its tool is missing; the
//! checks that need no tool (structure, values against timeseries.csv, timestamps) always run.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use mailsim::model::simulate;
use mailsim::report::{openmetrics, timeseries_csv};
use mailsim::scenario::Scenario;

/// 2026-11-30T09:00:00Z in milliseconds since the Unix epoch.
const START_MS: u64 = 1_796_029_200_000;

fn fope_outage() -> (String, String) {
    let scenario = Scenario::load(Path::new("scenarios/fope-outage.ron")).expect("valid");
    let output = simulate(&scenario, 0).expect("runs");
    (
        openmetrics(&scenario, &output.samples, START_MS),
        timeseries_csv(&output.samples, scenario.clock()),
    )
}

/// A sample line: name, labels, value, timestamp (seconds).
fn sample(line: &str) -> (String, BTreeMap<String, String>, f64, f64) {
    let (name, rest) = line.split_once('{').expect("labels");
    let (labels, rest) = rest.split_once("} ").expect("end of labels");
    let labels = labels
        .split(',')
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("key=value");
            (key.to_string(), value.trim_matches('"').to_string())
        })
        .collect();
    let mut numbers = rest.split(' ').map(|n| n.parse::<f64>().expect("number"));
    let value = numbers.next().expect("value");
    let timestamp = numbers.next().expect("timestamp");
    assert!(numbers.next().is_none(), "{line}");
    (name.to_string(), labels, value, timestamp)
}

#[test]
fn every_column_of_the_time_series_is_a_family_with_the_same_values() {
    let (text, csv) = fope_outage();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().expect("header").split(',').collect();
    let rows: Vec<Vec<f64>> = rows
        .map(|row| row.split(',').map(|v| v.parse().expect("number")).collect())
        .collect();
    assert!(text.ends_with("\n# EOF\n"));
    let lines: Vec<&str> = text.lines().filter(|line| *line != "# EOF").collect();
    // Families: TYPE then HELP then samples; a family's samples are contiguous.
    let mut families = Vec::new();
    let mut values: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut current = String::new();
    for line in &lines {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (family, kind) = rest.split_once(' ').expect("kind");
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            assert!(!families.contains(&family.to_string()), "{family} twice");
            families.push(family.to_string());
            current = family.to_string();
        } else if line.starts_with("# HELP ") {
            assert!(line.starts_with(&format!("# HELP {current} ")), "{line}");
        } else {
            let (name, labels, value, timestamp) = sample(line);
            assert!(name.starts_with(&current), "{name} outside {current}");
            assert_eq!(labels["scenario"], "fope-outage");
            assert_eq!(labels["seed"], "7");
            let key = match labels.get("code") {
                Some(code) => format!("deferrals_{}_total", code.replace('.', "_")),
                None => name.trim_start_matches("mailsim_").to_string(),
            };
            values.entry(key).or_default().push((value, timestamp));
        }
    }
    assert_eq!(families.len(), 12, "{families:?}");
    // Every CSV column, every row: the same value, stamped start + time_s.
    for (c, column) in header.iter().enumerate().skip(1) {
        let series = &values[*column];
        assert_eq!(series.len(), rows.len(), "{column}");
        for (row, (value, timestamp)) in rows.iter().zip(series) {
            assert_eq!(*value, row[c], "{column}");
            let expected = START_MS as f64 / 1000.0 + row[0];
            assert!((timestamp - expected).abs() < 1e-3, "{column}: {timestamp}");
        }
        assert!(
            series.windows(2).all(|w| w[0].1 < w[1].1),
            "{column} in time order"
        );
    }
}

#[test]
fn the_openmetrics_reference_parser_reads_the_file() {
    let (text, _) = fope_outage();
    let probe = Command::new("python3")
        .args(["-c", "import prometheus_client.openmetrics.parser"])
        .output();
    if !probe.is_ok_and(|output| output.status.success()) {
        eprintln!(
            "skipped: python3 with prometheus_client is not installed (pip install prometheus_client)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("run.om");
    std::fs::write(&file, &text).expect("write");
    let program = "import sys\n\
        from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
        families = list(text_string_to_metric_families(open(sys.argv[1]).read()))\n\
        samples = [s for f in families for s in f.samples]\n\
        print(len(families), len(samples), min(s.timestamp for s in samples), max(s.value for s in samples if s.name == 'mailsim_delivered_total'))\n";
    let output = Command::new("python3")
        .args(["-c", program])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the reference parser refused the file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<&str> = said.split_whitespace().collect();
    let sample_lines = text.lines().filter(|line| !line.starts_with('#')).count();
    assert_eq!(numbers[0], "12", "{said}");
    assert_eq!(numbers[1], sample_lines.to_string(), "{said}");
    // The first timestamp is the start, 2026-11-30T09:00:00Z.
    assert_eq!(
        numbers[2].parse::<f64>().expect("seconds"),
        1_796_029_200.0,
        "{said}"
    );
    let summary = simulate(
        &Scenario::load(Path::new("scenarios/fope-outage.ron")).expect("valid"),
        0,
    )
    .expect("runs")
    .summary;
    assert_eq!(
        numbers[3].parse::<f64>().expect("number"),
        summary.delivered as f64
    );
}

#[test]
fn promtool_backfills_the_file_into_a_prometheus_block() {
    if Command::new("promtool").arg("--version").output().is_err() {
        eprintln!("skipped: promtool (Prometheus) is not installed");
        return;
    }
    let (text, _) = fope_outage();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("run.om");
    std::fs::write(&file, &text).expect("write");
    let blocks = dir.path().join("data");
    let output = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(&blocks)
        .output()
        .expect("promtool runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_dir(&blocks).expect("blocks").count();
    assert!(written >= 1, "no block written");
}

#[test]
fn metrics_is_for_a_single_run_and_keeps_an_existing_file() {
    use assert_cmd::Command;
    let dir = tempfile::tempdir().expect("temp dir");
    let om = dir.path().join("run.om");
    let mailsim = |extra: &[&str]| {
        Command::cargo_bin("mailsim")
            .expect("binary")
            .args(["run", "scenarios/fope-outage.ron", "--quiet", "--out"])
            .arg(dir.path().join("out"))
            .arg("--metrics")
            .arg(&om)
            .args(extra)
            .output()
            .expect("runs")
    };
    let first = mailsim(&["--metrics-start", "2026-11-30T09:00:00Z"]);
    assert!(first.status.success());
    let text = std::fs::read_to_string(&om).expect("written");
    assert!(text.contains(" 1796029200\n") && text.ends_with("# EOF\n"));
    let again = mailsim(&[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("left as it is"));
    assert_eq!(std::fs::read_to_string(&om).expect("kept"), text);
    let study = mailsim(&["--replications", "3", "--force"]);
    assert_eq!(study.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&study.stderr).contains("single run"));
    let bad_start = mailsim(&["--metrics-start", "next tuesday", "--force"]);
    assert_eq!(bad_start.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_start.stderr).contains("is not a date and time"));
    // Without --metrics-start the timestamps count from the Unix epoch (no clock start yet).
    let epoch = mailsim(&["--force"]);
    assert!(epoch.status.success());
    let text = std::fs::read_to_string(&om).expect("written");
    assert!(
        text.lines().nth(2).expect("a sample").ends_with(" 0"),
        "{text}"
    );
}
