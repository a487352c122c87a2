//! The study's table printed on the terminal.

use std::fmt::Write;

use super::text::{conclusions, intro, table_metrics};
use super::{StudyReport, with_interval};
use crate::study::StudyKind;

/// The table printed on the terminal.
pub fn study_table(report: &StudyReport, chart_metrics: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", intro(report));
    let metrics = table_metrics(report, chart_metrics);
    let mut rows: Vec<Vec<String>> = Vec::new();
    if report.meta.kind == StudyKind::Sweep {
        let mut header = vec!["point".to_string()];
        header.extend(metrics.iter().map(|&m| report.metrics.name(m).to_string()));
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
            let mut row = vec![report.metrics.name(m).to_string()];
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
