//! Writing results: one writer per format, each a function from the run's output to the
//! file's text: the terminal summary table (`table`), `summary.json` (`json`),
//! `timeseries.csv` (`timeseries`), `deliverability.csv` and its time series
//! (`deliverability`), `summary.md` (`markdown`) and `report.html` (`html`), the last two from
//! the same rows of figures (`figures`); the charts (`charts`, SVG and optionally PNG); and
//! the run folder that holds them, written completely or not at all (`folder`).
//! [`render_run`] produces every file of a run. Studies have their own writers in `study`
//! ([`render_study`]); [`trace`] follows single messages. Nothing here runs a simulation.

pub mod charts;
mod deliverability;
mod figures;
pub mod fit;
mod folder;
pub mod headline;
mod holds;
mod html;
mod json;
mod markdown;
mod openmetrics;
mod study;
mod table;
mod timeseries;
pub mod trace;
pub mod units;

pub use charts::ChartError;
pub use deliverability::{deliverability_csv, deliverability_over_time_csv, deliverability_table};
pub use figures::{Figure, summary_figures, unfinished_warning};
pub use folder::{OutputError, RunFolder, StagedFile, remove_unfinished};
pub use html::{escape, report_html};
pub use json::{SUMMARY_SCHEMA_VERSION, summary_json, summary_json_schema};
pub use markdown::summary_markdown;
pub use openmetrics::{clock_start_unix_ms, openmetrics};
pub use study::{
    CellReport, MetricRow, STUDY_SCHEMA_VERSION, StudyChart, StudyReport, Threshold, render_study,
    runs_csv, study_csv, study_html, study_json, study_markdown, study_report, study_table,
    sweep_lines,
};
pub use table::{summary_table, terminal_summary};
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
/// `deliverability.csv`, `deliverability-over-time.csv`, `summary.md`, `report.html` and the
/// charts.
pub fn render_run(
    scenario: &Scenario,
    output: &RunOutput,
    options: ReportOptions,
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let view = charts::RunView { scenario, output };
    let charts = charts::render_all(&view, options.png)?;
    let (summary, samples, deliverability) =
        (&output.summary, &output.samples, &output.deliverability);
    let texts = [
        ("summary.json", summary_json(summary)),
        ("timeseries.csv", timeseries_csv(samples, scenario.clock())),
        (
            "deliverability.csv",
            deliverability_csv(scenario, deliverability),
        ),
        (
            "deliverability-over-time.csv",
            deliverability_over_time_csv(scenario, samples, deliverability),
        ),
        (
            "summary.md",
            summary_markdown(
                summary,
                &scenario.description,
                &headline::run_headline(scenario, output),
                &output.holds,
            ),
        ),
        (REPORT_HTML, report_html(scenario, output, &charts)),
    ];
    let mut files: Vec<(String, Vec<u8>)> = texts
        .into_iter()
        .map(|(name, text)| (name.to_string(), text.into_bytes()))
        .collect();
    files.extend(charts.into_iter().map(|c| (c.name, c.bytes)));
    Ok(files)
}
