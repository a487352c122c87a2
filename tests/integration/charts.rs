//! Charts: every example scenario renders every chart; SVG is byte-stable (two fresh renders
//! agree, and a pinned snapshot guards against accidental change); runs with nothing
//! delivered or nothing deferred render with a note; `mailsim run --png` writes the whole
//! folder. What report.html holds is checked in `report_pages`.

use std::path::{Path, PathBuf};

use mailsim::model::{RunOutput, simulate};
use mailsim::report::charts::{self, Chart, Format, RunView};
use mailsim::report::{ReportOptions, render_run};
use mailsim::scenario::{self, Scenario};

/// Every example scenario file, in name order.
pub(crate) fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    files
}

/// Replication 0 of a scenario.
pub(crate) fn run(scenario: &Scenario) -> RunOutput {
    simulate(scenario, 0).expect("the scenario runs")
}

fn svg(chart: Chart, scenario: &Scenario, output: &RunOutput) -> String {
    let view = RunView { scenario, output };
    let bytes = charts::render(chart, &view, Format::Svg).expect("the chart renders");
    String::from_utf8(bytes).expect("SVG is UTF-8")
}

/// A small scenario without randomness (even campaign, fixed service time, fixed retries): a
/// 1-hour refusal outage in the middle of a 200-message campaign, with a queue alert.
const MICRO: &str = r#"(
    name: "micro-outage",
    description: "200 messages over an hour into a receiver that refuses connections from 30m to 1h30m",
    run: (horizon: "6h", sample_every: "5m", seed: 1),
    senders: [(
        name: "mta",
        traffic: [Campaign(messages: 200, at: "0s", spread: "1h")],
        recipients: (mix: {"rx": 1.0}),
        connections: (per_destination: 2),
        queue_alert: (threshold: 40),
        retry: Fixed(interval: "10m", lifetime: "1d"),
    )],
    receivers: {"rx": (outages: [(start: "30m", end: "1h30m", kind: Refused)])},
)"#;

#[test]
fn every_scenario_renders_every_chart_as_svg_and_png() {
    for path in scenario_files() {
        let scenario = scenario::load(&path).expect("the example is valid");
        let output = run(&scenario);
        let view = RunView {
            scenario: &scenario,
            output: &output,
        };
        let files =
            charts::render_all(&view, true).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(files.len(), 2 * Chart::ALL.len());
        for file in &files {
            match file.format {
                Format::Svg => {
                    let text = std::str::from_utf8(&file.bytes).expect("UTF-8");
                    assert!(text.starts_with("<svg"), "{}", file.name);
                    assert!(
                        text.contains(file.chart.title()),
                        "{} lacks its title",
                        file.name
                    );
                    assert!(
                        text.contains(scenario.name()),
                        "{} lacks the scenario",
                        file.name
                    );
                }
                Format::Png => {
                    assert!(
                        file.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
                        "{}",
                        file.name
                    );
                    // Width and height from the IHDR chunk.
                    let width = u32::from_be_bytes(file.bytes[16..20].try_into().unwrap());
                    let height = u32::from_be_bytes(file.bytes[20..24].try_into().unwrap());
                    // Twice the SVG's size, for slides and high-density screens.
                    assert_eq!((width, height), (2000, 1120), "{}", file.name);
                }
            }
        }
    }
}

#[test]
fn run_files_are_byte_identical_for_the_same_seed() {
    let path = scenario_files()
        .into_iter()
        .find(|p| p.ends_with("fope-outage.ron"))
        .unwrap_or_else(|| scenario_files()[0].clone());
    let scenario = scenario::load(&path).unwrap();
    let options = ReportOptions { png: true };
    let first = render_run(&scenario, &run(&scenario), options).unwrap();
    let second = render_run(&scenario, &run(&scenario), options).unwrap();
    assert_eq!(first.len(), second.len());
    for ((name_a, a), (name_b, b)) in first.iter().zip(&second) {
        assert_eq!(name_a, name_b);
        assert!(
            a == b,
            "{name_a} differs between two runs with the same seed"
        );
    }
}

/// The queue depth chart of [`MICRO`] is pinned byte for byte. After an intended change to
/// the charts, regenerate with `MAILSIM_UPDATE_SNAPSHOTS=1 cargo test --test integration
/// charts::` and look at the new file before committing it.
#[test]
fn queue_depth_svg_matches_the_pinned_snapshot() {
    let scenario = scenario::parse("micro-outage.ron", MICRO).unwrap();
    let output = run(&scenario);
    let fresh = svg(Chart::QueueDepth, &scenario, &output);
    assert_eq!(fresh, svg(Chart::QueueDepth, &scenario, &run(&scenario)));
    let pinned =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/micro-outage-queue-depth.svg");
    if std::env::var_os("MAILSIM_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(pinned.parent().unwrap()).unwrap();
        std::fs::write(&pinned, &fresh).unwrap();
    }
    let expected = std::fs::read_to_string(&pinned).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set MAILSIM_UPDATE_SNAPSHOTS=1 to create it)",
            pinned.display()
        )
    });
    assert!(
        fresh == expected,
        "the queue depth SVG changed; if intended, regenerate {} (see this test's doc)",
        pinned.display()
    );
    // The snapshot shows what the chart promises.
    assert!(fresh.contains("rx outage (refused)"));
    assert!(fresh.contains("alert above 40"));
}

#[test]
fn a_run_with_nothing_delivered_renders_with_a_note() {
    let text = MICRO
        .replace(
            r#"(start: "30m", end: "1h30m", kind: Refused)"#,
            r#"(start: "0s", end: "6h", kind: Refused)"#,
        )
        .replace(r#"lifetime: "1d""#, r#"lifetime: "2h""#);
    let scenario = scenario::parse("nothing-delivered.ron", &text).unwrap();
    let output = run(&scenario);
    assert_eq!(output.summary.delivered, 0);
    assert!(output.summary.expired > 0);
    let view = RunView {
        scenario: &scenario,
        output: &output,
    };
    let files = charts::render_all(&view, true).expect("every chart renders");
    assert_eq!(files.len(), 2 * Chart::ALL.len());
    for chart in [Chart::LatencyCdf, Chart::LatencyHistogram] {
        let text = svg(chart, &scenario, &output);
        assert!(
            text.contains("Nothing was delivered in this run,"),
            "{chart:?} has no note"
        );
        assert!(
            !text.contains("p50 "),
            "{chart:?} marks a percentile of nothing"
        );
    }
    // The other charts still show the data there is.
    assert!(svg(Chart::Outcomes, &scenario, &output).contains("expired (gave up)"));
}

#[test]
fn a_run_with_no_deferrals_renders_with_a_note() {
    let text = MICRO.replace(
        r#"(outages: [(start: "30m", end: "1h30m", kind: Refused)])"#,
        "()",
    );
    let scenario = scenario::parse("no-deferrals.ron", &text).unwrap();
    let output = run(&scenario);
    assert_eq!(output.summary.deferrals.values().sum::<u64>(), 0);
    assert_eq!(output.summary.delivered, 200);
    let text = svg(Chart::DeferralsByReason, &scenario, &output);
    assert!(text.contains("No deferrals in this run:"));
    for chart in Chart::ALL {
        let view = RunView {
            scenario: &scenario,
            output: &output,
        };
        charts::render(chart, &view, Format::Png).unwrap_or_else(|e| panic!("{chart:?}: {e}"));
    }
}

#[test]
fn mailsim_run_writes_charts_and_reports_and_ends_with_the_report_path() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("micro");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("micro-outage.ron");
    std::fs::write(&file, MICRO).unwrap();
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_mailsim"))
        .args(["run", "--png", "--out"])
        .arg(out.path())
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8(result.stdout).unwrap();
    let folder = out.path().join("micro-outage/seed-1");
    let last = stdout.lines().last().unwrap();
    assert_eq!(
        last,
        format!("report: {}", folder.join("report.html").display())
    );
    for name in [
        "summary.json",
        "timeseries.csv",
        "summary.md",
        "report.html",
    ] {
        assert!(folder.join(name).is_file(), "{name} missing");
    }
    for chart in Chart::ALL {
        for ext in ["svg", "png"] {
            let name = format!("{}.{ext}", chart.file_stem());
            assert!(folder.join(&name).is_file(), "{name} missing");
        }
    }
}

#[test]
fn timeseries_csv_splits_deferrals_by_code_after_the_original_columns() {
    let scenario = scenario::parse("micro-outage.ron", MICRO).unwrap();
    let output = run(&scenario);
    let csv = mailsim::report::timeseries_csv(&output.samples, None);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let original = [
        "time_s",
        "arrived_total",
        "delivered_total",
        "bounced_total",
        "expired_total",
        "attempts_total",
        "deferrals_total",
        "delay_warnings_total",
        "queue_alerts_total",
        "waiting_retry",
        "waiting_connection",
        "in_flight",
    ];
    assert_eq!(&header[..original.len()], &original[..]);
    let total = header.iter().position(|c| *c == "deferrals_total").unwrap();
    let by_code: Vec<usize> = (original.len()..header.len()).collect();
    assert!(
        by_code
            .iter()
            .all(|&i| header[i].starts_with("deferrals_4_"))
    );
    let refused = header
        .iter()
        .position(|c| *c == "deferrals_4_4_1_total")
        .unwrap();
    let mut last = Vec::new();
    for line in lines {
        let row: Vec<u64> = line
            .split(',')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        let row: Vec<u64> = std::iter::once(0).chain(row).collect();
        assert_eq!(
            by_code.iter().map(|&i| row[i]).sum::<u64>(),
            row[total],
            "{line}"
        );
        last = row;
    }
    // Every deferral of the micro-scenario is a refused connection.
    assert!(last[refused] > 0);
    assert_eq!(last[refused], last[total]);
}

/// Two senders, four deferral codes, close outage windows and names that need escaping.
const CROWDED: &str = r#"(
    name: "crowded",
    description: "two senders <b>&</b> four receivers",
    run: (horizon: "12h", sample_every: "5m", seed: 2),
    senders: [
        (
            name: "a",
            ips: [(count: 1, reputation: Neutral)],
            traffic: [Poisson(rate: "600/h", end: "5h")],
            recipients: (mix: {"busy": 0.25, "rep": 0.25, "r<2>": 0.25, "err": 0.25}),
            queue_alert: (threshold: 50),
            retry: Fixed(interval: "10m", lifetime: "6h"),
        ),
        (
            name: "b",
            traffic: [Campaign(messages: 300, at: "1h", spread: "30m")],
            recipients: (mix: {"err": 1.0}),
            queue_alert: (threshold: 200),
            retry: Fixed(interval: "30m", lifetime: "4h"),
        ),
    ],
    receivers: {
        "busy": (throttle: (rate: "100/h", burst: 10)),
        "rep": (reputation_deferral: {Neutral: 0.5}),
        "r<2>": (outages: [(start: "1h", end: "2h", kind: Refused), (start: "3h", end: "3h30m", kind: Timeout)]),
        "err": (outages: [(start: "2h", end: "3h", kind: Reply451), (start: "4h", end: "4h20m", kind: Greeting421)]),
    },
)"#;

#[test]
fn a_crowded_run_renders_with_every_code_and_escaped_names() {
    let scenario = scenario::parse("crowded.ron", CROWDED).unwrap();
    let output = run(&scenario);
    assert_eq!(
        output.summary.deferrals.len(),
        4,
        "{:?}",
        output.summary.deferrals
    );
    let files = render_run(&scenario, &output, ReportOptions { png: true }).unwrap();
    let text = |name: &str| {
        let bytes = &files.iter().find(|f| f.0 == name).unwrap().1;
        String::from_utf8(bytes.clone()).unwrap()
    };
    let deferrals = text("deferrals-by-reason.svg");
    for code in ["4.3.2", "4.4.1", "4.7.500", "4.7.650"] {
        assert!(deferrals.contains(code), "legend lacks {code}");
    }
    let queue = text("queue-depth.svg");
    assert!(queue.contains("r&lt;2&gt; outage (refused)") && !queue.contains("r<2>"));
    assert!(queue.contains("alert above 50 (a)") && queue.contains("alert above 200 (b)"));
    let html = text("report.html");
    assert!(!html.contains("<b>") && html.contains("&lt;b&gt;&amp;&lt;/b&gt;"));
}
