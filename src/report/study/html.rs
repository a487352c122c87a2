//! The study's `report.html`: one self-contained page with the study's meta block, its figures
//! table, the conclusions and every chart inline.

use std::fmt::Write;

use super::markdown::study_markdown;
use super::text::{conclusions, intro};
use super::{StudyReport, human};
use crate::report::html::{STYLE, escape};

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
