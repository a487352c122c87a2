//! `<kind>.md`: the study as Markdown, for pasting into a ticket or a post-mortem.

use std::fmt::Write;

use super::text::{conclusions, intro, table_metrics};
use super::{StudyReport, with_interval};
use crate::study::{StudyKind, describe};

/// Makes text safe inside a Markdown table cell.
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
        let names: Vec<&str> = metrics.iter().map(|&m| report.metrics.name(m)).collect();
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
            let name = report.metrics.name(m);
            let mut row = vec![format!("{name} ({})", describe(name))];
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
