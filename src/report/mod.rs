//! Writing results: the terminal summary table, `summary.json`, `timeseries.csv`, the charts
//! (SVG, optionally PNG), `summary.md`, `report.html`, and the run folder that holds them
//! (written completely or not at all). [`render_run`] produces every file of a run; [`trace`]
//! follows single messages.

pub mod charts;
mod deliverability;
mod figures;
mod folder;
mod html;
mod json;
mod markdown;
mod study;
mod table;
mod timeseries;
pub mod trace;

pub use charts::ChartError;
pub use deliverability::{deliverability_csv, deliverability_over_time_csv, deliverability_table};
pub use figures::{Figure, summary_figures};
pub use folder::{OutputError, RunFolder};
pub use html::{escape, report_html};
pub use json::summary_json;
pub use markdown::summary_markdown;
pub use study::{
    CellReport, MetricRow, StudyChart, StudyReport, Threshold, human, render_study, runs_csv,
    study_csv, study_html, study_json, study_markdown, study_report, study_table, sweep_lines,
    with_interval,
};
pub use table::summary_table;
pub use timeseries::{deferral_codes, timeseries_csv};

use crate::model::RunOutput;
use crate::scenario::Scenario;

/// What to produce besides the files every run has.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportOptions {
    /// Also write every chart as PNG.
    pub png: bool,
}

/// The name of the HTML report in the run folder.
pub const REPORT_HTML: &str = "report.html";

/// Every file of a run folder, as (file name, contents): `summary.json`, `timeseries.csv`,
/// `deliverability.csv`, `deliverability-over-time.csv`, `summary.md`, the charts and
/// `report.html`.
pub fn render_run(
    scenario: &Scenario,
    output: &RunOutput,
    options: ReportOptions,
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let view = charts::RunView { scenario, output };
    let charts = charts::render_all(&view, options.png)?;
    let mut files = vec![
        (
            "summary.json".to_string(),
            summary_json(&output.summary).into_bytes(),
        ),
        (
            "timeseries.csv".to_string(),
            timeseries_csv(&output.samples).into_bytes(),
        ),
        (
            "deliverability.csv".to_string(),
            deliverability_csv(scenario, &output.deliverability).into_bytes(),
        ),
        (
            "deliverability-over-time.csv".to_string(),
            deliverability_over_time_csv(scenario, &output.samples, &output.deliverability)
                .into_bytes(),
        ),
        (
            "summary.md".to_string(),
            summary_markdown(&output.summary, &scenario.description).into_bytes(),
        ),
        (
            REPORT_HTML.to_string(),
            report_html(scenario, &output.summary, &charts).into_bytes(),
        ),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.bytes)));
    Ok(files)
}
