//! report.html of a run: every chart inline (or one line saying why it has nothing to show),
//! the headline before the charts, and every number of summary.json in the figures table in
//! human units (counts grouped, durations as `1h02m` with the exact seconds beside them).

use std::path::Path;

use mailsim::report::charts::{Chart, RunView};
use mailsim::report::units::{duration, grouped};
use mailsim::report::{ReportOptions, render_run};
use mailsim::scenario;

use crate::charts::{run, scenario_files};

/// The text of the summary table in report.html.
fn summary_table(html: &str) -> &str {
    let start = html
        .find("<table class=\"summary\">")
        .expect("a summary table");
    let end = start + html[start..].find("</table>").expect("the table ends");
    &html[start..end]
}

/// A value cell of the summary table.
fn cell(value: String) -> String {
    format!("<td class=\"value\">{value}</td>")
}

/// Every count of summary.json is a value cell of the summary table, grouped in thousands.
fn assert_counts_in_table(path: &Path, table: &str, json: &serde_json::Value) {
    for key in [
        "arrived",
        "delivered",
        "bounced",
        "expired",
        "queued_at_end",
        "attempts",
        "delay_warnings",
        "queue_alerts",
        "peak_queue",
        "peak_waiting_connection",
        "events",
    ] {
        let value = json[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} is a count"));
        assert!(
            table.contains(&cell(grouped(value))),
            "{}: {key} = {value} missing",
            path.display()
        );
    }
}

/// Every time of summary.json (end, drain and latency times) is a value cell as a human
/// duration, with its exact seconds beside it; so is Little's W.
fn assert_times_in_table(path: &Path, table: &str, json: &serde_json::Value) {
    let mut seconds = vec![json["end_time_s"].as_f64().unwrap()];
    seconds.extend(json["retry_queue_empty_s"].as_f64());
    seconds.extend(json["all_done_s"].as_f64());
    if let Some(latency) = json["latency_s"].as_object() {
        seconds.extend(latency.values().map(|v| v.as_f64().unwrap()));
    }
    for value in seconds {
        assert!(
            table.contains(&cell(duration(value))),
            "{}: {value} s is not shown as {}",
            path.display(),
            duration(value)
        );
        let whole = grouped(value.trunc() as u64);
        let exact = [format!("{whole}."), format!("{whole} s")];
        assert!(
            exact.iter().any(|text| table.contains(text.as_str())),
            "{}: the exact {value} s is not beside it",
            path.display()
        );
    }
    let w = json["little"]["mean_time_in_queue_s"].as_f64().unwrap();
    assert!(table.contains(&cell(duration(w))), "{}: W", path.display());
}

/// The deferrals by code, the deferral replies and the attempts per message each have a row.
fn assert_breakdown_rows(path: &Path, table: &str, html: &str, json: &serde_json::Value) {
    let count = |value: &serde_json::Value| grouped(value.as_u64().unwrap());
    for (code, n) in json["deferrals"].as_object().unwrap() {
        let row = format!("<td>deferrals {code}</td>{}", cell(count(n)));
        assert!(
            table.contains(&row),
            "{}: deferrals {code} missing",
            path.display()
        );
    }
    for (reply, n) in json["deferral_replies"].as_object().unwrap() {
        let row = format!(
            "<code>{}</code></td>{}",
            mailsim::report::escape(reply),
            cell(count(n))
        );
        assert!(
            html.contains(&row),
            "{}: reply {reply} missing",
            path.display()
        );
    }
    for (attempts, n) in json["attempts_per_message"].as_object().unwrap() {
        let row = format!("{}{}", cell(attempts.clone()), cell(count(n)));
        assert!(
            html.contains(&row),
            "{}: {attempts} attempts missing",
            path.display()
        );
    }
}

#[test]
fn report_html_has_every_chart_and_the_summary_numbers() {
    for path in scenario_files() {
        let scenario = scenario::load(&path).unwrap();
        let output = run(&scenario);
        let files = render_run(&scenario, &output, ReportOptions::default()).unwrap();
        let file = |name: &str| {
            let bytes = &files
                .iter()
                .find(|f| f.0 == name)
                .unwrap_or_else(|| panic!("no {name}"))
                .1;
            String::from_utf8(bytes.clone()).unwrap()
        };
        let html = file("report.html");
        let json: serde_json::Value = serde_json::from_str(&file("summary.json")).unwrap();

        let view = RunView {
            scenario: &scenario,
            output: &output,
        };
        for chart in Chart::ALL {
            let stem = chart.file_stem();
            // A chart with something to show is inlined whole; one without is one line.
            match chart.empty_note(&view) {
                None => {
                    let id = format!("<figure id=\"chart-{stem}\">\n<svg");
                    assert!(html.contains(&id), "{}: lacks {id}", path.display());
                    let inline = file(&format!("{stem}.svg"));
                    assert!(html.contains(inline.trim()), "{stem} is not inlined whole");
                }
                Some(why) => {
                    let line = format!(
                        "<p class=\"empty-chart\" id=\"chart-{stem}\"><strong>{}:</strong> {why}",
                        chart.title()
                    );
                    assert!(html.contains(&line), "{}: lacks {line}", path.display());
                }
            }
        }
        // The headline opens the page, before the charts.
        let headline = html.find("<section id=\"headline\"").expect("a headline");
        assert!(headline < html.find("<section id=\"charts\">").unwrap());
        // Self-contained: no scripts, no external resources (the only URL is the SVG namespace).
        assert!(!html.contains("<script") && !html.contains(" src="));
        let urls = html.matches("http").count();
        let namespaces = html.matches("http://www.w3.org/2000/svg").count();
        assert_eq!(urls, namespaces, "report.html refers to the network");
        assert!(html.contains(&format!("<h1>{}</h1>", scenario.name())));
        assert!(html.contains(&mailsim::report::escape(scenario.description().trim())));
        assert!(html.contains(&mailsim::report::escape(&scenario.describe())));
        assert!(html.contains(&format!("<dt>seed</dt><dd>{}</dd>", scenario.run().seed)));

        let table = summary_table(&html);
        assert_counts_in_table(&path, table, &json);
        assert_times_in_table(&path, table, &json);
        assert_breakdown_rows(&path, table, &html, &json);
        // summary.md carries the same table.
        let markdown = file("summary.md");
        let arrived = grouped(json["arrived"].as_u64().unwrap());
        assert!(markdown.contains(&format!("| arrived | {arrived} |")));
    }
}

#[test]
fn the_run_headline_says_what_happened_and_why() {
    let path = scenario_files()
        .into_iter()
        .find(|p| p.ends_with("fope-outage.ron"))
        .expect("fope-outage.ron");
    let scenario = scenario::load(&path).unwrap();
    let output = run(&scenario);
    let s = &output.summary;
    let headline = mailsim::report::headline::run_headline(&scenario, &output);
    let labels: Vec<&str> = headline.tiles.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Delivered",
            "All mail done at",
            "p99 latency",
            "Peak queue",
            "Deferral rate",
            "Not delivered"
        ]
    );
    let done = duration(s.all_done_s.expect("all mail done"));
    assert_eq!(headline.tiles[1].value, done);
    let story = headline.sentences.join(" ");
    let deferrals: u64 = s.deferrals.values().sum();
    for expected in [
        format!("All {} messages were delivered", grouped(s.arrived)),
        format!(
            "the retry backlog cleared at {}",
            duration(s.retry_queue_empty_s.unwrap())
        ),
        "after the contoso outage (timeouts) ended".to_string(),
        format!("all mail was done at {done}"),
        format!(
            "All {} deferrals were connection timeouts (4.4.1), during the contoso outage",
            grouped(deferrals)
        ),
    ] {
        assert!(story.contains(&expected), "`{expected}` in: {story}");
    }
}

#[test]
fn the_comparison_headline_names_the_best_policy_and_whether_its_difference_is_real() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pair.ron"), PAIR).unwrap();
    let output = assert_cmd::Command::cargo_bin("mailsim")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "compare",
            "pair.ron",
            "--policy",
            "fixed:interval=1h",
            "--policy",
        ])
        .args([
            "fixed:interval=5m",
            "--replications",
            "3",
            "--rank-by",
            "latency_s.mean",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    // Retrying every 5 minutes instead of every hour delivers sooner, beyond the noise.
    assert!(
        stdout.contains("Best mean latency: fixed:interval=5m"),
        "{stdout}"
    );
    let html =
        std::fs::read_to_string(dir.path().join("output/pair/comparison-seed-4/report.html"))
            .unwrap();
    for expected in [
        "fixed:interval=5m has the lowest mean latency (",
        "; against fixed:interval=1h the paired difference is −",
        "(a real difference).",
    ] {
        assert!(html.contains(expected), "`{expected}` in the headline");
    }
    let headline = html.find("<section id=\"headline\"").expect("a headline");
    assert!(headline < html.find("<section id=\"charts\">").unwrap());
    assert!(html.contains("<div class=\"scroll\">\n<table class=\"figures\">"));
}

/// Two policies against a receiver that defers half the attempts at random.
const PAIR: &str = r#"(
    name: "pair",
    run: (horizon: "3d", seed: 4),
    senders: [(
        name: "s",
        traffic: [Poisson(rate: "600/h", end: "1h")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "10m"),
    )],
    receivers: { "r": (reputation_deferral: {Good: 0.5}) },
)"#;
