//! The study's `report.html`: one self-contained page with the study's meta block, its figures
//! table, the conclusions and every chart inline.

use std::fmt::Write;

use super::markdown::study_markdown;
use super::text::{conclusions, intro};
use super::{StudyReport, human};
use crate::report::html::{escape, meta_section, page_end, page_start};

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
    page_start(&mut out, &format!("{name} · mailsim {stem}"));
    let _ = writeln!(
        out,
        "<h1>{name} — {stem}</h1>\n<p class=\"description\">{}</p>",
        escape(&intro(report))
    );
    let _ = writeln!(
        out,
        "<nav><a href=\"{stem}.json\">{stem}.json</a><a href=\"{stem}.csv\">{stem}.csv</a><a href=\"{stem}.md\">{stem}.md</a><a href=\"runs.csv\">runs.csv</a></nav>"
    );
    let pairs = [
        ("tool", meta.tool.clone()),
        ("scenario file", meta.scenario_file.clone()),
        ("seed", meta.seed.to_string()),
        ("replications", meta.replications.to_string()),
        ("warm-up", format!("{} s", human(meta.warmup_s))),
    ];
    meta_section(&mut out, "Study", &pairs);
    let _ = writeln!(out, "<section id=\"figures\">\n<h2>Figures</h2>\n<table>");
    figure_rows(&mut out, &study_markdown(report, chart_metrics));
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
    page_end(&mut out);
    out
}

/// The rows of the Markdown report's table, as HTML table rows: the first a header, numbers
/// (every cell after the first) right-aligned.
fn figure_rows(out: &mut String, markdown: &str) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_rows_become_html_rows() {
        let mut out = String::new();
        figure_rows(
            &mut out,
            "# title\n\n| metric | a \\| b |\n|---|---:|\n| x <y> | 1 ± 2 |\n\n- done\n",
        );
        assert_eq!(
            out,
            "<tr><th>metric</th><th>a | b</th></tr>\n<tr><td>x &lt;y&gt;</td><td class=\"value\">1 ± 2</td></tr>\n"
        );
    }
}
