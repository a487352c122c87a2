//! The study's summary printed on the terminal: the headline, the table (for a comparison,
//! one row per policy and a short list of metrics; the pages have them all), its notes and
//! the conclusions.

use std::fmt::Write;

use super::StudyReport;
use super::text::{Grid, conclusions, intro, main_grid};
use crate::report::headline::study_headline;

/// The text printed on the terminal.
pub fn study_table(report: &StudyReport, chart_metrics: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", intro(report));
    out.push_str(&study_headline(report).text());
    out.push('\n');
    out.push_str(&aligned(&main_grid(report, chart_metrics, false)));
    out.push_str(&conclusions(report));
    out
}

/// A grid as aligned columns: text left, figures right; its notes below.
fn aligned(grid: &Grid) -> String {
    let mut out = String::new();
    let rows: Vec<&Vec<String>> = std::iter::once(&grid.header).chain(&grid.rows).collect();
    let columns = grid.header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // The label columns (a rank, a name, a point) are left-aligned; the figures right.
    let labels = if grid.header.first().is_some_and(|h| h == "rank") {
        2
    } else {
        1
    };
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (text, width))| {
                if i < labels {
                    format!("{text:<width$}")
                } else {
                    format!("{text:>width$}")
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", cells.join("  ").trim_end());
    }
    for note in &grid.notes {
        let _ = writeln!(out, "  {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_align_left_and_figures_right() {
        let grid = Grid {
            header: vec!["rank".into(), "policy".into(), "p99 latency".into()],
            rows: vec![vec!["1".into(), "fope".into(), "1h02m ± 3m".into()]],
            notes: vec!["a note".into()],
            sorted: Some(2),
        };
        assert_eq!(
            aligned(&grid),
            "  rank  policy  p99 latency\n  1     fope     1h02m ± 3m\n  a note\n"
        );
    }
}
