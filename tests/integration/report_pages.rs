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
