//! The study's `report.html`: one self-contained page with the headline, every chart inline
//! (a chart with nothing to show as one line), the table in a scroll container (so a wide
//! one never widens the page), the paired differences folded, the conclusions and the
//! study's meta block.

use std::fmt::Write;

use super::StudyReport;
use super::text::{Grid, conclusions, differences_grid, intro, main_grid};
use crate::report::headline::study_headline;
use crate::report::html::{escape, meta_section, page_end, page_start};
use crate::report::units::duration;

/// One chart of a study report: file name, title, caption and SVG.
pub struct StudyChart {
    /// The file name, e.g. `compare-outcomes.svg`.
    pub name: String,
    /// The chart's title.
    pub title: String,
    /// What the chart shows and how to read it.
    pub caption: String,
    /// Why the chart has nothing to show, if so: the page then says this in one line.
    pub empty: Option<String>,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The study's `report.html`.
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
        "<nav><a href=\"#charts\">Charts</a><a href=\"#figures\">Figures</a><a href=\"#meta\">Study</a><a href=\"{stem}.json\">{stem}.json</a><a href=\"{stem}.csv\">{stem}.csv</a><a href=\"{stem}.md\">{stem}.md</a><a href=\"runs.csv\">runs.csv</a></nav>"
    );
    out.push_str(&study_headline(report).html());
    charts_section(&mut out, charts);
    let _ = writeln!(out, "<section id=\"figures\">\n<h2>Figures</h2>");
    table(&mut out, &main_grid(report, chart_metrics, true), "figures");
    if let Some(grid) = differences_grid(report, true) {
        let _ = writeln!(
            out,
            "<details>\n<summary>Paired differences against {}</summary>",
            escape(report.baseline.as_deref().unwrap_or(""))
        );
        table(&mut out, &grid, "differences");
        let _ = writeln!(out, "</details>");
    }
    let conclusions = conclusions(report);
    if !conclusions.is_empty() {
        let _ = writeln!(out, "<ul>");
        for line in conclusions.lines() {
            let _ = writeln!(out, "<li>{}</li>", escape(line));
        }
        let _ = writeln!(out, "</ul>");
    }
    let _ = writeln!(out, "</section>");
    let pairs = [
        ("tool", meta.tool.clone()),
        ("scenario file", meta.scenario_file.clone()),
        ("seed", meta.seed.to_string()),
        ("replications", meta.replications.to_string()),
        (
            "warm-up",
            if meta.warmup_s > 0.0 {
                duration(meta.warmup_s)
            } else {
                "none".into()
            },
        ),
    ];
    meta_section(&mut out, "Study", &pairs);
    page_end(&mut out);
    out
}

/// Every SVG chart inline with its caption, or one line for a chart with nothing to show.
fn charts_section(out: &mut String, charts: &[StudyChart]) {
    if charts.is_empty() {
        return;
    }
    let _ = writeln!(out, "<section id=\"charts\">\n<h2>Charts</h2>");
    for chart in charts.iter().filter(|c| c.name.ends_with(".svg")) {
        let title = escape(&chart.title);
        if let Some(why) = &chart.empty {
            let _ = writeln!(
                out,
                "<p class=\"empty-chart\"><strong>{title}:</strong> {} (<a href=\"{}\">chart</a>)</p>",
                escape(why),
                escape(&chart.name)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption><strong>{title}.</strong> {}</figcaption>\n</figure>",
            String::from_utf8_lossy(&chart.bytes).trim(),
            escape(&chart.caption)
        );
    }
    let _ = writeln!(out, "</section>");
}

/// A grid as an HTML table in a scroll container (label columns left, figures right, the
/// ranked metric's column marked), then its notes.
fn table(out: &mut String, grid: &Grid, class: &str) {
    let labels = if grid.header.first().is_some_and(|h| h == "rank") {
        2
    } else {
        1
    };
    let _ = writeln!(
        out,
        "<div class=\"scroll\">\n<table class=\"{class}\">\n<thead><tr>"
    );
    for (i, heading) in grid.header.iter().enumerate() {
        let sorted = if grid.sorted == Some(i) {
            " class=\"sorted\""
        } else {
            ""
        };
        let _ = write!(out, "<th{sorted}>{}</th>", escape(heading));
    }
    let _ = writeln!(out, "</tr></thead>\n<tbody>");
    for row in &grid.rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i < labels {
                    format!("<td class=\"name\">{}</td>", escape(cell))
                } else {
                    format!("<td class=\"value\">{}</td>", escape(cell))
                }
            })
            .collect();
        let _ = writeln!(out, "<tr>{}</tr>", cells.join(""));
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</div>");
    for note in &grid.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_become_scrollable_tables_with_escaped_cells() {
        let grid = Grid {
            header: vec!["policy".into(), "p99 latency".into()],
            rows: vec![vec!["<a>".into(), "1h ± 0".into()]],
            notes: vec!["n & m".into()],
            sorted: Some(1),
        };
        let mut out = String::new();
        table(&mut out, &grid, "figures");
        assert_eq!(
            out,
            "<div class=\"scroll\">\n<table class=\"figures\">\n<thead><tr>\n<th>policy</th><th class=\"sorted\">p99 latency</th></tr></thead>\n<tbody>\n<tr><td class=\"name\">&lt;a&gt;</td><td class=\"value\">1h ± 0</td></tr>\n</tbody>\n</table>\n</div>\n<p class=\"note\">n &amp; m</p>\n"
        );
    }
}
