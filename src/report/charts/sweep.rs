//! The chart of a sweep: one metric against the first swept path, one line per combination of
//! the other paths, with 95% interval whiskers, and the target and where each line meets it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{self, Axes};
use super::style::{self, Swatch};
use super::{DrawResult, Drawing};
use crate::report::StudyReport;
use crate::report::units::{
    Unit, capitalised, metric_value, metric_words, path_words, target_words, unit_of,
};
use crate::study::sweep::{Target, axis_value};

/// What a sweep chart is drawn from.
#[derive(Clone, Copy)]
pub struct SweepView<'a> {
    /// The study's figures.
    pub report: &'a StudyReport,
    /// The metric to draw.
    pub metric: &'a str,
}

impl Drawing for SweepView<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        sweep_chart(root, self)
    }
}

/// The file stem of a sweep chart, e.g. `sweep-latency_s.p99`.
pub fn sweep_file_stem(metric: &str) -> String {
    format!("sweep-{metric}")
}

/// Where the values of the first swept path go on the x axis: to scale when they are all
/// numbers (durations in seconds), at equal steps otherwise.
struct XPositions {
    /// The values as written, in sweep order.
    values: Vec<String>,
    /// Their positions.
    xs: Vec<f64>,
    /// The axis range, with a little room on both sides.
    range: std::ops::Range<f64>,
}

impl XPositions {
    /// The positions of the values along the first line; `None` for a sweep without points.
    fn new(report: &StudyReport, lines: &[Vec<usize>]) -> Option<XPositions> {
        let values: Vec<String> = lines.first().map_or(Vec::new(), |line| {
            line.iter()
                .map(|&c| report.cells[c].settings[0].1.clone())
                .collect()
        });
        let numeric: Option<Vec<f64>> = values.iter().map(|v| axis_value(v)).collect();
        let xs = numeric.unwrap_or_else(|| (0..values.len()).map(|i| i as f64).collect());
        let (low, high) = xs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if !low.is_finite() {
            return None;
        }
        let pad = if high > low { (high - low) * 0.05 } else { 1.0 };
        Some(XPositions {
            values,
            xs,
            range: low - pad..high + pad,
        })
    }

    /// The tick label at position `x`: the value written there.
    fn label(&self, x: f64) -> String {
        self.xs
            .iter()
            .position(|v| (v - x).abs() < 1e-9)
            .map(|i| self.values[i].clone())
            .unwrap_or_default()
    }
}

/// One legend entry per line (named by the values of the other paths), then the target.
fn sweep_legend(
    view: &SweepView,
    lines: &[Vec<usize>],
    target: Option<&Target>,
) -> Vec<(Swatch, String)> {
    let mut legend: Vec<(Swatch, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let fixed: Vec<String> = line.first().map_or(Vec::new(), |&c| {
                view.report.cells[c].settings[1..]
                    .iter()
                    .map(|(p, v)| format!("{} = {v}", path_words(p)))
                    .collect()
            });
            let name = if fixed.is_empty() {
                format!("{} (mean and 95% interval)", metric_words(view.metric))
            } else {
                fixed.join(", ")
            };
            let (color, dash) = style::series(i);
            (Swatch::Series(color, dash), name)
        })
        .collect();
    if let Some(target) = target {
        legend.push((
            Swatch::Dashed(style::RED),
            format!("target: {}", target_words(target)),
        ));
    }
    legend
}

fn sweep_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &SweepView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let report = view.report;
    let path = report.sweep_paths.first().cloned().unwrap_or_default();
    let lines = report.sweep_lines();
    let Some(m) = report.metrics.index(view.metric) else {
        return Ok(());
    };
    let target = report.target.as_ref().filter(|t| t.metric == view.metric);
    let legend = sweep_legend(view, &lines, target);
    let title = format!(
        "{} vs {} · {}",
        capitalised(&metric_words(view.metric)),
        path_words(&path),
        report.meta.scenario
    );
    let subtitle = format!(
        "mean over {} replications per point, whiskers: 95% confidence intervals; x: {path}",
        report.meta.replications
    );
    let area = style::frame(root, &title, Some(&subtitle), &legend)?;
    let Some(x) = XPositions::new(report, &lines) else {
        return style::note(&area, &["The sweep has no points."]);
    };
    let top = report
        .cells
        .iter()
        .filter_map(|c| c.metrics[m].high.or(c.metrics[m].mean))
        .chain(target.map(|t| t.limit))
        .fold(0.0, f64::max);
    let metric = view.metric;
    let x_desc = path_words(&path);
    let y_desc = metric_words(metric);
    let axes = Axes {
        x: x.range.clone(),
        x_ticks: x.xs.clone(),
        x_desc: &x_desc,
        x_label: &|at| x.label(*at),
        top: style::headroom(top.max(1e-9)),
        y_desc: &y_desc,
        y_label: &|y| {
            if *y == 0.0 {
                "0".into()
            } else {
                metric_value(metric, *y)
            }
        },
        y_step: match unit_of(metric) {
            Unit::Duration => axes::Step::Duration,
            _ => axes::Step::Decimal,
        },
    };
    let mut chart = axes::chart(&area, axes)?;
    for (i, line) in lines.iter().enumerate() {
        draw_line(&mut chart, report, m, line, &x.xs, style::series(i))?;
    }
    if let Some(target) = target {
        draw_target(&mut chart, report, m, &lines, &x, target)?;
    }
    Ok(())
}

/// Draws the means along one line, each with its interval as a whisker.
fn draw_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, axes::Coord>,
    report: &StudyReport,
    m: usize,
    line: &[usize],
    xs: &[f64],
    (color, dash): (RGBColor, style::Dash),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let points: Vec<(f64, f64)> = line
        .iter()
        .zip(xs)
        .filter_map(|(&c, &x)| Some((x, report.cells[c].metrics[m].mean?)))
        .collect();
    style::draw_line(chart, points.clone(), (color, dash), 2)?;
    chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
    for (&c, &x) in line.iter().zip(xs) {
        let row = &report.cells[c].metrics[m];
        if let (Some(low), Some(high)) = (row.low, row.high)
            && high > low
        {
            chart.draw_series([PathElement::new(
                vec![(x, low), (x, high)],
                color.stroke_width(2),
            )])?;
        }
    }
    Ok(())
}

/// Draws the target as a dashed line and circles the point where each line meets it.
fn draw_target<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, axes::Coord>,
    report: &StudyReport,
    m: usize,
    lines: &[Vec<usize>],
    x: &XPositions,
    target: &Target,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (start, end) = (x.range.start, x.range.end);
    chart.draw_series(DashedLineSeries::new(
        [(start, target.limit), (end, target.limit)],
        8,
        5,
        style::RED.stroke_width(2),
    ))?;
    let font = (style::FONT, 14).into_font().color(&style::RED);
    for threshold in &report.thresholds {
        let Some(cell) = threshold.cell else { continue };
        let Some(at) = lines
            .iter()
            .find_map(|line| line.iter().position(|&c| c == cell).map(|i| x.xs[i]))
        else {
            continue;
        };
        let Some(y) = report.cells[cell].metrics[m].mean else {
            continue;
        };
        let label = format!(
            "meets the target at {}",
            threshold.value.clone().unwrap_or_default()
        );
        let anchored = font.pos(Pos::new(HPos::Left, VPos::Bottom));
        chart.draw_series([EmptyElement::at((at, y))
            + Circle::new((0, 0), 8, style::RED.stroke_width(3))
            + Text::new(label, (10, -10), anchored)])?;
    }
    Ok(())
}
