//! `<kind>.md`: the study as Markdown, for pasting into a ticket or a post-mortem: the
//! headline, the table (a comparison's paired differences in a second one), its notes and
//! the conclusions.

use std::fmt::Write;

use super::StudyReport;
use super::text::{Grid, conclusions, differences_grid, intro, main_grid};
use crate::report::headline::study_headline;

/// Makes text safe inside a Markdown table cell.
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown report.
pub fn study_markdown(report: &StudyReport, chart_metrics: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        cell_text(&report.meta.scenario),
        report.meta.kind.file_stem()
    );
    out.push_str(&study_headline(report).markdown());
    let _ = writeln!(out, "{}\n", cell_text(&intro(report)));
    out.push_str(&table(&main_grid(report, chart_metrics, true)));
    if let Some(grid) = differences_grid(report, true) {
        out.push_str("\n## Paired differences\n\n");
        out.push_str(&table(&grid));
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

/// A grid as a Markdown table (figures right-aligned), then its notes as paragraphs.
fn table(grid: &Grid) -> String {
    let mut out = String::new();
    let header: Vec<String> = grid.header.iter().map(|h| cell_text(h)).collect();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let labels = if grid.header.first().is_some_and(|h| h == "rank") {
        2
    } else {
        1
    };
    let align: Vec<&str> = (0..header.len())
        .map(|i| if i < labels { "---" } else { "---:" })
        .collect();
    let _ = writeln!(out, "|{}|", align.join("|"));
    for row in &grid.rows {
        let cells: Vec<String> = row.iter().map(|c| cell_text(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    for note in &grid.notes {
        let _ = writeln!(out, "\n{}", cell_text(note));
    }
    out
}
