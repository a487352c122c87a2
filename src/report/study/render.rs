//! Every file of a study's folder: each writer's output and the charts, rendered in each
//! format asked for.

use super::csv_files::{runs_csv, study_csv};
use super::html::{StudyChart, study_html};
use super::json::study_json;
use super::markdown::study_markdown;
use super::{StudyReport, study_report};
use crate::model::RunOutput;
use crate::report::REPORT_HTML;
use crate::report::charts::{
    ChartError, CompareChart, CompareView, Format, SweepView, render_drawing, sweep_file_stem,
};
use crate::report::units::{capitalised, metric_words, path_words};
use crate::scenario::Scenario;
use crate::study::{Study, StudyKind, StudyOptions};

/// Every file of a study's folder, as (file name, contents): `<kind>.json`, `<kind>.csv`,
/// `<kind>.md`, `runs.csv`, the charts and `report.html`. A comparison's overlaid charts need
/// `compare_runs` (the scenario and replication 0 of each policy).
pub fn render_study(
    study: &Study,
    options: &StudyOptions,
    compare_runs: Option<(&Scenario, &[RunOutput])>,
    png: bool,
) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let report = study_report(study, options);
    let mut charts = Vec::new();
    for &format in Format::wanted(png) {
        if let Some((scenario, outputs)) = compare_runs {
            let view = CompareView {
                scenario,
                outputs,
                report: &report,
            };
            charts.extend(compare_charts(view, format)?);
        }
        if study.meta.kind == StudyKind::Sweep {
            charts.extend(sweep_charts(&report, options, format)?);
        }
    }
    let stem = study.meta.kind.file_stem();
    let mut files = vec![
        (format!("{stem}.json"), study_json(&report).into_bytes()),
        (format!("{stem}.csv"), study_csv(&report).into_bytes()),
        (
            format!("{stem}.md"),
            study_markdown(&report, &options.chart_metrics).into_bytes(),
        ),
        ("runs.csv".to_string(), runs_csv(study).into_bytes()),
        (
            REPORT_HTML.to_string(),
            study_html(&report, &options.chart_metrics, &charts).into_bytes(),
        ),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.bytes)));
    Ok(files)
}

/// Every comparison chart, in [`CompareChart::ALL`] order.
fn compare_charts(view: CompareView, format: Format) -> Result<Vec<StudyChart>, ChartError> {
    CompareChart::ALL
        .into_iter()
        .map(|chart| {
            let name = format.file_name(chart.file_stem());
            let bytes = render_drawing(&(chart, view), &name, format)?;
            Ok(StudyChart {
                name,
                title: chart.title().to_string(),
                caption: chart.how_to_read().to_string(),
                empty: chart.empty_note(&view),
                bytes,
            })
        })
        .collect()
}

/// One sweep chart per charted metric, in the order asked for.
fn sweep_charts(
    report: &StudyReport,
    options: &StudyOptions,
    format: Format,
) -> Result<Vec<StudyChart>, ChartError> {
    let path = options.sweep_paths.first().map_or("", String::as_str);
    options
        .chart_metrics
        .iter()
        .map(|metric| {
            let name = format.file_name(&sweep_file_stem(metric));
            let bytes = render_drawing(&SweepView { report, metric }, &name, format)?;
            let caption = format!(
                "{} against {} ({path}): the mean of each point, its 95% confidence interval as a whisker; with a target on this metric, the dashed line is the target and the circle marks where it is met.",
                capitalised(&metric_words(metric)),
                path_words(path)
            );
            Ok(StudyChart {
                name,
                title: format!("{} vs {}", capitalised(&metric_words(metric)), path_words(path)),
                caption,
                empty: None,
                bytes,
            })
        })
        .collect()
}
