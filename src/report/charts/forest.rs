//! The forest plot of a comparison: for the ranked metric and a few others, each policy's
//! paired difference to the baseline as a dot (the mean difference) with its 95% interval as
//! a whisker, against a line at zero. An interval clear of the zero line is a real
//! difference; which side is better is written over each panel.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{Step, Ticked, round_ticks};
use super::style::{self, FONT};
use super::{CompareChart, CompareView, DrawResult};
use crate::report::StudyReport;
use crate::report::units::{Unit, metric_difference, metric_title, unit_of};
use crate::study::higher_is_better;

/// Metrics shown besides the ranked one, in order of preference (the share delivered within
/// the scenario's second deadline is added after the first two).
const OTHERS: [&str; 4] = ["all_done_s", "latency_s.p99", "attempts", "latency_s.mean"];
/// Panels at most: the ranked metric and three others.
const PANELS: usize = 4;
/// Width of the column of policy names.
const NAMES: i32 = 185;
/// Height of one policy's row (the canvas grows with the rows).
const ROW: u32 = 30;
/// Height above the rows: title, subtitle, panel titles.
const HEAD: u32 = 130;

/// The baseline's position among the cells.
fn baseline(report: &StudyReport) -> Option<usize> {
    let label = report.baseline.as_ref()?;
    report.cells.iter().position(|c| &c.label == label)
}

/// The rows: every policy but the baseline, best first by the ranking.
pub fn rows(report: &StudyReport) -> Vec<usize> {
    let Some(base) = baseline(report) else {
        return Vec::new();
    };
    let position = |c: usize| {
        let label = &report.cells[c].label;
        report.ranking.iter().position(|l| l == label).unwrap_or(c)
    };
    let mut rows: Vec<usize> = (0..report.cells.len()).filter(|&c| c != base).collect();
    rows.sort_by_key(|&c| (position(c), c));
    rows
}

/// The metrics drawn: the ranked one, then others whose differences are not all zero or
/// missing (a panel of nothing says nothing).
pub fn metrics(report: &StudyReport) -> Vec<String> {
    let informative = |m: usize| {
        report
            .cells
            .iter()
            .filter_map(|c| c.difference.get(m))
            .any(|d| d.mean.is_some_and(|v| v != 0.0) || d.high.is_some_and(|v| v != 0.0))
    };
    let ranked = report
        .rank_by
        .as_deref()
        .and_then(|name| Some(report.metrics.name(report.metrics.index(name)?).to_string()));
    let within = report
        .metrics
        .names()
        .filter(|n| n.starts_with("delivered_by."))
        .nth(1)
        .map(String::from);
    let mut candidates: Vec<String> = OTHERS[..2].iter().map(|s| s.to_string()).collect();
    candidates.extend(within);
    candidates.extend(OTHERS[2..].iter().map(|s| s.to_string()));
    let mut chosen: Vec<String> = ranked.into_iter().collect();
    for name in candidates {
        let useful = report.metrics.index(&name).is_some_and(informative);
        if chosen.len() < PANELS && !chosen.contains(&name) && useful {
            chosen.push(name);
        }
    }
    chosen
}

/// The canvas size for `rows` policies.
pub fn size(rows: usize) -> (u32, u32) {
    (style::SIZE.0, HEAD + ROW * rows.max(2) as u32 + 50)
}

/// Why the forest plot has nothing to show, if so.
pub fn empty(report: &StudyReport) -> Option<String> {
    if rows(report).is_empty() {
        Some("There is no policy besides the baseline to compare with it.".into())
    } else {
        None
    }
}

/// Draws the forest plot.
pub fn forest<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &CompareView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let report = view.report;
    let baseline = report.baseline.clone().unwrap_or_default();
    let subtitle = format!(
        "each policy minus {baseline}, replication by replication (same arrivals): mean of {} paired differences and its 95% interval",
        report.meta.replications
    );
    let title = format!(
        "{} · against {baseline}",
        CompareChart::Forest.full_title(view)
    );
    let area = style::frame(root, &title, Some(&subtitle), &[])?;
    if let Some(why) = empty(report) {
        return style::note(&area, &[&why]);
    }
    let rows = rows(report);
    let metrics = metrics(report);
    let (names, panels) = area.split_horizontally(NAMES);
    let panels = panels.split_evenly((1, metrics.len().max(1)));
    let mut row_pixels = Vec::new();
    for (panel, metric) in panels.iter().zip(&metrics) {
        row_pixels = draw_panel(panel, report, &rows, metric)?;
    }
    draw_names(&names, report, &rows, &row_pixels)
}

/// Vertical pixels above each panel's plot: its title and which side is better.
const TOP: i32 = 52;

/// The policy names, right-aligned in dark ink (pale colours read badly as text), each
/// followed by a dot of its colour, one per row at the rows' heights in the panels
/// (`row_pixels`, from the top of the canvas).
fn draw_names<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &StudyReport,
    rows: &[usize],
    row_pixels: &[i32],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let origin = area.get_base_pixel().1;
    for (&cell, &y) in rows.iter().zip(row_pixels) {
        let (color, _) = style::series(cell);
        let font = (FONT, 14, FontStyle::Bold)
            .into_font()
            .color(&style::INK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(&report.cells[cell].label, &font, (NAMES - 24, y - origin))?;
        area.draw(&Circle::new((NAMES - 13, y - origin), 5, color.filled()))?;
    }
    Ok(())
}

/// One metric's panel: its title and which side is better, the zero line, and a dot with a
/// whisker per policy. Returns the height of each row on the canvas, in pixels.
fn draw_panel<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    report: &StudyReport,
    rows: &[usize],
    metric: &str,
) -> Result<Vec<i32>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let Some(m) = report.metrics.index(metric) else {
        return Ok(Vec::new());
    };
    let title = (FONT, 14, FontStyle::Bold).into_font().color(&style::INK);
    panel.draw_text(&metric_title(metric), &title, (8, 2))?;
    let better = if higher_is_better(metric) {
        "better →"
    } else {
        "← better"
    };
    let muted = (FONT, 13).into_font().color(&style::MUTED);
    panel.draw_text(better, &muted, (8, 22))?;
    let figures: Vec<Option<(f64, f64, f64)>> = rows
        .iter()
        .map(|&c| {
            let d = report.cells[c].difference.get(m)?;
            let mean = d.mean?;
            Some((mean, d.low.unwrap_or(mean), d.high.unwrap_or(mean)))
        })
        .collect();
    let (low, high) = figures
        .iter()
        .flatten()
        .fold((0.0_f64, 0.0_f64), |(a, b), f| (a.min(f.1), b.max(f.2)));
    let pad = ((high - low) * 0.12).max(f64::EPSILON);
    let range = (low - pad)..(high + pad);
    let ticks = difference_ticks(metric, range.start, range.end);
    let n = rows.len() as f64;
    let (_, body) = panel.split_vertically(TOP - 8);
    let mut chart = ChartBuilder::on(&body)
        .margin_top(8)
        .margin_left(10)
        .margin_right(16)
        .x_label_area_size(30)
        .build_cartesian_2d(Ticked::new(range, ticks), 0.0..n)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|v| tick_label(metric, *v))
        .label_style((FONT, 13))
        .bold_line_style(style::GRID)
        .light_line_style(WHITE)
        .draw()?;
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (0.0, n)],
        5,
        3,
        style::INK.stroke_width(1),
    ))?;
    for (i, figure) in figures.into_iter().enumerate() {
        draw_row(
            &mut chart,
            n - i as f64 - 0.5,
            style::series(rows[i]).0,
            figure,
        )?;
    }
    let row_pixels = (0..rows.len())
        .map(|i| chart.backend_coord(&(0.0, n - i as f64 - 0.5)).1)
        .collect();
    Ok(row_pixels)
}

/// One policy's row at height `y`: its dot at the mean and its whisker from the low to the
/// high end of the interval (`figure`), or "no value".
fn draw_row<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, RangedCoordf64>>,
    y: f64,
    color: RGBColor,
    figure: Option<(f64, f64, f64)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some((mean, low, high)) = figure else {
        let font = (FONT, 13).into_font().color(&style::MUTED);
        chart.draw_series([Text::new("no value", (0.0, y), font)])?;
        return Ok(());
    };
    if high > low {
        // The whisker with end caps, so that a short one still shows beside its dot.
        let caps = [low, high]
            .map(|x| PathElement::new(vec![(x, y - 0.22), (x, y + 0.22)], color.stroke_width(2)));
        chart.draw_series(caps)?;
        chart.draw_series([PathElement::new(
            vec![(low, y), (high, y)],
            color.stroke_width(2),
        )])?;
    }
    chart.draw_series([Circle::new((mean, y), 4, color.filled())])?;
    Ok(())
}

/// A tick label: `0`, or a signed difference in the metric's unit, durations as compact as
/// an axis needs (`+12h`, `−30m`).
fn tick_label(metric: &str, value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    match unit_of(metric) {
        Unit::Duration => {
            let sign = if value > 0.0 { "+" } else { "−" };
            format!("{sign}{}", style::time_label(value.abs()))
        }
        _ => metric_difference(metric, value),
    }
}

/// Three to five ticks from `low` to `high` at a round step in the metric's unit, zero
/// among them when it lies within.
fn difference_ticks(metric: &str, low: f64, high: f64) -> Vec<f64> {
    let step = match unit_of(metric) {
        Unit::Duration => Step::Duration,
        _ => Step::Decimal,
    };
    round_ticks(low, high, 4.0, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_in_the_metric_s_unit_and_include_zero() {
        assert_eq!(
            difference_ticks("latency_s.p99", -1000.0, 4000.0),
            vec![0.0, 1800.0, 3600.0]
        );
        assert_eq!(
            difference_ticks("attempts", -2500.0, 9000.0),
            vec![0.0, 5000.0]
        );
        assert!(difference_ticks("delivery_rate", -0.03, 0.01).contains(&0.0));
    }
}
