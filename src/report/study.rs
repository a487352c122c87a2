//! The results of a study (replications, a comparison, a sweep): the JSON document with its
//! `meta` block, the CSV of every metric per cell, the CSV of every run, the Markdown report
//! and the terminal table. Everything here is computed from [`Study`] values alone, so a
//! merged set of shards gives the same bytes as the unsplit run.

use std::fmt::Write;

use serde::Serialize;

use crate::study::sweep::Target;
use crate::study::{
    Cell, Interval, METRICS, Study, StudyKind, StudyMeta, StudyOptions, higher_is_better,
    metric_index,
};

/// One metric of one cell: mean, 95% interval and the number of runs it rests on.
#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    /// The metric's name.
    pub metric: &'static str,
    /// The mean (`null` when no run has a value).
    pub mean: Option<f64>,
    /// Half-width of the 95% interval (`null` with fewer than two values).
    pub half_width: Option<f64>,
    /// Lower end of the interval.
    pub low: Option<f64>,
    /// Upper end of the interval.
    pub high: Option<f64>,
    /// Runs with a value.
    pub n: usize,
}

impl MetricRow {
    fn new(metric: &'static str, interval: Option<Interval>) -> MetricRow {
        MetricRow {
            metric,
            mean: interval.map(|i| i.mean),
            half_width: interval.and_then(|i| i.half_width),
            low: interval.map(|i| i.low()),
            high: interval.map(|i| i.high()),
            n: interval.map_or(0, |i| i.n),
        }
    }
}

/// One cell's figures.
#[derive(Clone, Debug, Serialize)]
pub struct CellReport {
    /// Its label.
    pub label: String,
    /// What makes it differ.
    pub settings: Vec<(String, String)>,
    /// Every metric.
    pub metrics: Vec<MetricRow>,
    /// Paired difference (this cell − baseline) of every metric; empty without a baseline.
    pub difference: Vec<MetricRow>,
}

/// Where a sweep line meets its target.
#[derive(Clone, Debug, Serialize)]
pub struct Threshold {
    /// The values of the other swept paths on this line (empty with one `--set`).
    pub fixed: Vec<(String, String)>,
    /// The threshold value of the first path, `null` if no point meets the target.
    pub value: Option<String>,
    /// Its cell.
    pub cell: Option<usize>,
    /// Every value of the first path whose mean meets the target.
    pub meeting: Vec<String>,
}

/// The whole result document (`<kind>.json`).
#[derive(Clone, Debug, Serialize)]
pub struct StudyReport {
    /// Where the result came from.
    pub meta: StudyMeta,
    /// Compare: the baseline's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Compare: the ranking metric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_by: Option<String>,
    /// Compare: the labels, best first by `rank_by`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<String>,
    /// Sweep: the paths, in `--set` order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sweep_paths: Vec<String>,
    /// Sweep: the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Sweep: where each line meets the target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Every cell.
    pub cells: Vec<CellReport>,
}

/// Works out every figure of a study.
pub fn study_report(study: &Study, options: &StudyOptions) -> StudyReport {
    let cells = study
        .cells
        .iter()
        .enumerate()
        .map(|(c, cell)| CellReport {
            label: cell.label.clone(),
            settings: cell.settings.clone(),
            metrics: METRICS
                .iter()
                .enumerate()
                .map(|(m, (name, _))| MetricRow::new(name, study.interval(c, m)))
                .collect(),
            difference: options.baseline.map_or(Vec::new(), |baseline| {
                METRICS
                    .iter()
                    .enumerate()
                    .map(|(m, (name, _))| MetricRow::new(name, study.difference(c, baseline, m)))
                    .collect()
            }),
        })
        .collect::<Vec<_>>();
    let ranking = options
        .rank_by
        .as_deref()
        .and_then(|metric| Some((metric, metric_index(metric)?)))
        .map_or(Vec::new(), |(metric, m)| {
            rank(&cells, m, higher_is_better(metric))
        });
    StudyReport {
        meta: study.meta.clone(),
        baseline: options.baseline.map(|b| study.cells[b].label.clone()),
        rank_by: options.rank_by.clone(),
        ranking,
        sweep_paths: options.sweep_paths.clone(),
        target: options.target.clone(),
        thresholds: options
            .target
            .as_ref()
            .map_or(Vec::new(), |target| thresholds(study, target, &cells)),
        cells,
    }
}

/// Labels ordered best first by metric `m` (cells without a value last, then by label order).
fn rank(cells: &[CellReport], m: usize, higher_better: bool) -> Vec<String> {
    let mut order: Vec<usize> = (0..cells.len()).collect();
    let key = |c: usize| cells[c].metrics[m].mean;
    order.sort_by(|&a, &b| match (key(a), key(b)) {
        (Some(x), Some(y)) if higher_better => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    order.into_iter().map(|c| cells[c].label.clone()).collect()
}

/// The sweep's lines: for each combination of the other paths, the cells along the first
/// path, in order. Cells are laid out with the first path varying slowest.
pub fn sweep_lines(cells: &[Cell]) -> Vec<Vec<usize>> {
    let first_values = cells
        .first()
        .and_then(|c| c.settings.first())
        .map_or(0, |(path, _)| {
            let mut values: Vec<&String> = cells
                .iter()
                .filter_map(|c| c.settings.first().filter(|(p, _)| p == path).map(|s| &s.1))
                .collect();
            values.dedup();
            values.len()
        })
        .max(1);
    let stride = (cells.len() / first_values).max(1);
    (0..stride)
        .map(|r| {
            (0..first_values)
                .map(|i| i * stride + r)
                .filter(|&c| c < cells.len())
                .collect()
        })
        .collect()
}

fn thresholds(study: &Study, target: &Target, cells: &[CellReport]) -> Vec<Threshold> {
    let Some(m) = metric_index(&target.metric) else {
        return Vec::new();
    };
    sweep_lines(&study.cells)
        .into_iter()
        .map(|line| {
            let meets: Vec<bool> = line
                .iter()
                .map(|&c| cells[c].metrics[m].mean.is_some_and(|v| target.met_by(v)))
                .collect();
            let first_value = |c: usize| {
                study.cells[c]
                    .settings
                    .first()
                    .map_or_else(String::new, |s| s.1.clone())
            };
            let chosen = Target::threshold(&meets).map(|i| line[i]);
            Threshold {
                fixed: line
                    .first()
                    .map_or(Vec::new(), |&c| study.cells[c].settings[1..].to_vec()),
                value: chosen.map(first_value),
                cell: chosen,
                meeting: line
                    .iter()
                    .zip(&meets)
                    .filter(|(_, m)| **m)
                    .map(|(&c, _)| first_value(c))
                    .collect(),
            }
        })
        .collect()
}

/// The JSON document, pretty-printed, with a final newline. (Serializing cannot fail: every
/// map key is a string and serde_json writes a non-finite number as `null`.)
pub fn study_json(report: &StudyReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// Every metric of every cell, one row per (cell, metric): mean, interval and, with a
/// baseline, the paired difference.
pub fn study_csv(report: &StudyReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let paths = &report.sweep_paths;
    let mut header: Vec<String> = vec!["cell".into()];
    header.extend(paths.iter().cloned());
    header.extend(["metric", "mean", "ci_low", "ci_high", "half_width", "n"].map(String::from));
    if report.baseline.is_some() {
        header.extend(["diff_mean", "diff_ci_low", "diff_ci_high"].map(String::from));
    }
    let _ = writer.write_record(&header);
    for cell in &report.cells {
        for (i, row) in cell.metrics.iter().enumerate() {
            let mut record = vec![cell.label.clone()];
            record.extend(
                cell.settings
                    .iter()
                    .filter(|(p, _)| paths.contains(p))
                    .map(|s| s.1.clone()),
            );
            record.extend([
                row.metric.to_string(),
                number(row.mean),
                number(row.low),
                number(row.high),
                number(row.half_width),
                row.n.to_string(),
            ]);
            if let Some(diff) = cell.difference.get(i) {
                record.extend([number(diff.mean), number(diff.low), number(diff.high)]);
            }
            let _ = writer.write_record(&record);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Every run's metrics: one row per (cell, replication).
pub fn runs_csv(study: &Study) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell".to_string(), "replication".to_string()];
    header.extend(METRICS.iter().map(|(name, _)| name.to_string()));
    let _ = writer.write_record(&header);
    for (c, cell) in study.cells.iter().enumerate() {
        for (replication, values) in study.values[c].iter().enumerate() {
            let mut record = vec![cell.label.clone(), replication.to_string()];
            record.extend(values.iter().map(|v| number(*v)));
            let _ = writer.write_record(&record);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A value for people: integers plainly, small numbers with four significant digits.
pub fn human(value: f64) -> String {
    if value == value.trunc() && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.4}")
    }
}

/// `mean ± half-width`, `mean` alone, or `–` with no value.
pub fn with_interval(row: &MetricRow) -> String {
    match (row.mean, row.half_width) {
        (Some(mean), Some(half)) => format!("{} ± {}", human(mean), human(half)),
        (Some(mean), None) => human(mean),
        _ => "–".into(),
    }
}

/// The metrics shown in tables, in order: all of them for one cell or a comparison, the
/// charted ones (or a short default) for a sweep.
fn table_metrics(report: &StudyReport, options_metrics: &[String]) -> Vec<usize> {
    if report.meta.kind == StudyKind::Sweep {
        let mut names: Vec<String> = options_metrics.to_vec();
        if let Some(target) = &report.target
            && !names.contains(&target.metric)
        {
            names.insert(0, target.metric.clone());
        }
        names.iter().filter_map(|n| metric_index(n)).collect()
    } else {
        (0..METRICS.len()).collect()
    }
}

fn intro(report: &StudyReport) -> String {
    let meta = &report.meta;
    let warmup = if meta.warmup_s > 0.0 {
        format!(
            "; warm-up {} s left out of latency and Little's law (counts are complete)",
            human(meta.warmup_s)
        )
    } else {
        String::new()
    };
    format!(
        "{} · {} · seed {} · {} replication(s) per {}, mean ± half-width of the {:.0}% Student-t interval{warmup}",
        meta.scenario,
        meta.kind.file_stem(),
        meta.seed,
        meta.replications,
        if meta.kind == StudyKind::Compare {
            "policy (common random numbers: replication r has the same arrivals and recipients under every policy)"
        } else {
            "cell"
        },
        meta.confidence * 100.0
    )
}

/// The table printed on the terminal.
pub fn study_table(report: &StudyReport, chart_metrics: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", intro(report));
    let metrics = table_metrics(report, chart_metrics);
    let mut rows: Vec<Vec<String>> = Vec::new();
    if report.meta.kind == StudyKind::Sweep {
        let mut header = vec!["point".to_string()];
        header.extend(metrics.iter().map(|&m| METRICS[m].0.to_string()));
        rows.push(header);
        for cell in &report.cells {
            let mut row = vec![cell.label.clone()];
            row.extend(metrics.iter().map(|&m| with_interval(&cell.metrics[m])));
            rows.push(row);
        }
    } else {
        let mut header = vec!["metric".to_string()];
        for cell in &report.cells {
            header.push(cell.label.clone());
            if !cell.difference.is_empty() && Some(&cell.label) != report.baseline.as_ref() {
                header.push(format!("{} − baseline", cell.label));
            }
        }
        rows.push(header);
        for &m in &metrics {
            let mut row = vec![METRICS[m].0.to_string()];
            for cell in &report.cells {
                row.push(with_interval(&cell.metrics[m]));
                if !cell.difference.is_empty() && Some(&cell.label) != report.baseline.as_ref() {
                    row.push(with_interval(&cell.difference[m]));
                }
            }
            rows.push(row);
        }
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (text, width))| {
                if i == 0 {
                    format!("{text:<width$}")
                } else {
                    format!("{text:>width$}")
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    out.push_str(&conclusions(report));
    out
}

/// The ranking and target lines that end the table and the Markdown report.
fn conclusions(report: &StudyReport) -> String {
    let mut out = String::new();
    if let (Some(metric), false) = (&report.rank_by, report.ranking.is_empty()) {
        let direction = if higher_is_better(metric) {
            "highest"
        } else {
            "lowest"
        };
        let _ = writeln!(
            out,
            "ranking by {metric} ({direction} mean first): {}",
            report.ranking.join(" > ")
        );
    }
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "differences are paired (same replication under each policy) against {baseline}; an interval that excludes 0 is a real difference"
        );
    }
    if let Some(target) = &report.target {
        let path = report.sweep_paths.first().map_or("", String::as_str);
        for threshold in &report.thresholds {
            let fixed: Vec<String> = threshold
                .fixed
                .iter()
                .map(|(p, v)| format!("{p}={v}"))
                .collect();
            let at = if fixed.is_empty() {
                String::new()
            } else {
                format!(" (with {})", fixed.join(", "))
            };
            match &threshold.value {
                Some(value) => {
                    let _ = writeln!(
                        out,
                        "target {} {} {}{at}: met at {path}={value} (mean); met at {}",
                        target.metric,
                        target.operator(),
                        human(target.limit),
                        threshold.meeting.join(", ")
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "target {} {} {}{at}: no swept value of {path} meets it",
                        target.metric,
                        target.operator(),
                        human(target.limit)
                    );
                }
            }
        }
    }
    out
}

fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report: the intro, a table of metrics with intervals, and the conclusions.
pub fn study_markdown(report: &StudyReport, chart_metrics: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        cell_text(&report.meta.scenario),
        report.meta.kind.file_stem()
    );
    let _ = writeln!(out, "{}\n", cell_text(&intro(report)));
    let metrics = table_metrics(report, chart_metrics);
    if report.meta.kind == StudyKind::Sweep {
        let names: Vec<&str> = metrics.iter().map(|&m| METRICS[m].0).collect();
        let _ = writeln!(out, "| point | {} |", names.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(names.len()));
        for cell in &report.cells {
            let values: Vec<String> = metrics
                .iter()
                .map(|&m| with_interval(&cell.metrics[m]))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell_text(&cell.label),
                values.join(" | ")
            );
        }
    } else {
        let mut header = vec!["metric".to_string()];
        for cell in &report.cells {
            header.push(cell_text(&cell.label));
            if !cell.difference.is_empty() && Some(&cell.label) != report.baseline.as_ref() {
                header.push(format!("{} − baseline", cell_text(&cell.label)));
            }
        }
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(header.len() - 1));
        for &m in &metrics {
            let mut row = vec![format!("{} ({})", METRICS[m].0, METRICS[m].1)];
            for cell in &report.cells {
                row.push(with_interval(&cell.metrics[m]));
                if !cell.difference.is_empty() && Some(&cell.label) != report.baseline.as_ref() {
                    row.push(with_interval(&cell.difference[m]));
                }
            }
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
    }
    let conclusions = conclusions(report);
    if !conclusions.is_empty() {
        out.push('\n');
        for line in conclusions.lines() {
            let _ = writeln!(out, "- {}", cell_text(line));
        }
    }
    out
}

/// One chart of a study report: file name, caption and SVG.
pub struct StudyChart {
    /// The file name, e.g. `compare-outcomes.svg`.
    pub name: String,
    /// What the chart shows and how to read it.
    pub caption: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The study's `report.html`: meta, the Markdown table as HTML, conclusions, inline charts.
pub fn study_html(report: &StudyReport, chart_metrics: &[String], charts: &[StudyChart]) -> String {
    use super::html::{STYLE, escape};
    let mut out = String::new();
    let meta = &report.meta;
    let stem = meta.kind.file_stem();
    let name = escape(&meta.scenario);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{name} · mailsim {stem}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>"
    );
    let _ = writeln!(
        out,
        "<h1>{name} — {stem}</h1>\n<p class=\"description\">{}</p>",
        escape(&intro(report))
    );
    let _ = writeln!(
        out,
        "<nav><a href=\"{stem}.json\">{stem}.json</a><a href=\"{stem}.csv\">{stem}.csv</a><a href=\"{stem}.md\">{stem}.md</a><a href=\"runs.csv\">runs.csv</a></nav>"
    );
    let _ = writeln!(
        out,
        "<section id=\"meta\">\n<h2>Study</h2>\n<dl class=\"meta\">"
    );
    for (term, value) in [
        ("tool", meta.tool.clone()),
        ("scenario file", meta.scenario_file.clone()),
        ("seed", meta.seed.to_string()),
        ("replications", meta.replications.to_string()),
        ("warm-up", format!("{} s", human(meta.warmup_s))),
    ] {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{}</dd>", escape(&value));
    }
    let _ = writeln!(
        out,
        "</dl>\n</section>\n<section id=\"figures\">\n<h2>Figures</h2>\n<table>"
    );
    // The Markdown table's rows, as HTML.
    let markdown = study_markdown(report, chart_metrics);
    let rows = markdown
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"));
    for (i, row) in rows.enumerate() {
        let tag = if i == 0 { "th" } else { "td" };
        let cells: Vec<String> = row
            .trim_matches('|')
            .split(" | ")
            .enumerate()
            .map(|(j, c)| {
                let class = if j > 0 && i > 0 {
                    " class=\"value\""
                } else {
                    ""
                };
                format!(
                    "<{tag}{class}>{}</{tag}>",
                    escape(c.trim().replace("\\|", "|").as_str())
                )
            })
            .collect();
        let _ = writeln!(out, "<tr>{}</tr>", cells.join(""));
    }
    let _ = writeln!(out, "</table>");
    let conclusions = conclusions(report);
    if !conclusions.is_empty() {
        let _ = writeln!(out, "<ul>");
        for line in conclusions.lines() {
            let _ = writeln!(out, "<li>{}</li>", escape(line));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</section>");
    if !charts.is_empty() {
        let _ = writeln!(out, "<section id=\"charts\">\n<h2>Charts</h2>");
        for chart in charts.iter().filter(|c| c.name.ends_with(".svg")) {
            let _ = writeln!(
                out,
                "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                String::from_utf8_lossy(&chart.bytes).trim(),
                escape(&chart.caption)
            );
        }
        let _ = writeln!(out, "</section>");
    }
    let _ = writeln!(out, "</body>\n</html>");
    out
}

/// Every file of a study's folder, as (file name, contents): `<kind>.json`, `<kind>.csv`,
/// `<kind>.md`, `runs.csv`, the charts and `report.html`. A comparison's overlaid charts need
/// `compare_runs` (the scenario and replication 0 of each policy).
pub fn render_study(
    study: &Study,
    options: &StudyOptions,
    compare_runs: Option<(&crate::scenario::Scenario, &[crate::model::RunOutput])>,
    png: bool,
) -> Result<Vec<(String, Vec<u8>)>, super::ChartError> {
    use super::charts::{
        CompareChart, CompareView, Format, SweepView, render_drawing, sweep_file_stem,
    };
    let report = study_report(study, options);
    let formats: &[Format] = if png {
        &[Format::Svg, Format::Png]
    } else {
        &[Format::Svg]
    };
    let mut charts = Vec::new();
    for &format in formats {
        if let Some((scenario, outputs)) = compare_runs {
            let view = CompareView {
                scenario,
                outputs,
                report: &report,
            };
            for chart in CompareChart::ALL {
                let name = format!("{}.{}", chart.file_stem(), format.extension());
                let bytes = render_drawing(&(chart, view), &name, format)?;
                charts.push(StudyChart {
                    name,
                    caption: chart.how_to_read().to_string(),
                    bytes,
                });
            }
        }
        if study.meta.kind == StudyKind::Sweep {
            for metric in &options.chart_metrics {
                let name = format!("{}.{}", sweep_file_stem(metric), format.extension());
                let bytes = render_drawing(
                    &SweepView {
                        report: &report,
                        metric,
                    },
                    &name,
                    format,
                )?;
                let caption = format!(
                    "{metric} against {}: the mean of each point, its 95% confidence interval as a whisker; with a target on this metric, the dashed line is the target and the circle marks where it is met.",
                    options.sweep_paths.first().map_or("", String::as_str)
                );
                charts.push(StudyChart {
                    name,
                    caption,
                    bytes,
                });
            }
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
            super::REPORT_HTML.to_string(),
            study_html(&report, &options.chart_metrics, &charts).into_bytes(),
        ),
    ];
    files.extend(charts.into_iter().map(|c| (c.name, c.bytes)));
    Ok(files)
}
