//! Delivery latency of delivered messages on a log time axis: the cumulative distribution
//! with p50, p90 and p99 marked, and a histogram. The axis is plotted in log10 seconds with
//! ticks at human durations (1 s, 1 m, 10 m, 1 h, 1 d …).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{self, Axes};
use super::style::{self, Swatch};
use super::{Chart, DrawResult, RunView};

/// Tick candidates in seconds, fine and coarse.
const FINE: [f64; 32] = [
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    20.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1200.0,
    1800.0,
    3600.0,
    7200.0,
    10_800.0,
    21_600.0,
    43_200.0,
    86_400.0,
    172_800.0,
    345_600.0,
    604_800.0,
    1_209_600.0,
    2_592_000.0,
];
const COARSE: [f64; 13] = [
    0.001,
    0.01,
    0.1,
    1.0,
    10.0,
    60.0,
    600.0,
    3600.0,
    21_600.0,
    86_400.0,
    604_800.0,
    2_592_000.0,
    31_536_000.0,
];

/// The log10 span of an axis from `from_s` to `to_s` seconds, widened about its middle to one
/// decade when narrower, so that a tight distribution still gets several ticks.
pub(super) fn at_least_a_decade(from_s: f64, to_s: f64) -> (f64, f64) {
    let (low, high) = (from_s.log10(), to_s.log10());
    if high - low >= 1.0 {
        return (low, high);
    }
    let middle = (low + high) / 2.0;
    (middle - 0.5, middle + 0.5)
}

/// Ticks (in log10 seconds) at human durations within `[low, high]` (log10 seconds).
pub(super) fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let within = |list: &[f64]| -> Vec<f64> {
        list.iter()
            .map(|s| s.log10())
            .filter(|x| *x >= low - 1e-9 && *x <= high + 1e-9)
            .collect()
    };
    let fine = within(&FINE);
    if fine.len() <= 12 {
        fine
    } else {
        within(&COARSE)
    }
}

pub(super) const X_DESC: &str = "time from arrival to delivery (log scale)";

/// A tick label for a position on the log10-seconds axis.
pub(super) fn log_time_label(x: &f64) -> String {
    style::time_label(10f64.powf(*x))
}

/// Where a percentile label goes: below right of its marker, or above left of it near the
/// right edge so it stays inside the chart (on a rising curve both sides are clear of it).
/// Returns the font anchored accordingly and the offset in pixels.
fn label_side<'a>(
    x: f64,
    low: f64,
    high: f64,
    font: &TextStyle<'a>,
) -> (TextStyle<'a>, (i32, i32)) {
    if x > low + (high - low) * 0.7 {
        (font.pos(Pos::new(HPos::Right, VPos::Bottom)), (-9, -4))
    } else {
        (font.pos(Pos::new(HPos::Left, VPos::Top)), (9, 4))
    }
}

/// The frame of a latency chart: title, subtitle, and a legend of the data's `swatch` and the
/// percentile markers (no legend when nothing was delivered).
fn latency_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
    chart: Chart,
    subtitle: &str,
    swatch: (Swatch, &str),
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let legend = if view.output.latency.delivered > 0 {
        vec![
            (swatch.0, swatch.1.to_string()),
            (Swatch::Dashed(style::RED), "p50 / p90 / p99".to_string()),
        ]
    } else {
        Vec::new()
    };
    style::frame(root, &chart.full_title(view), Some(subtitle), &legend)
}

/// The marked percentiles: (name, seconds, quantile).
fn percentiles(view: &RunView) -> Vec<(&'static str, f64, f64)> {
    view.output
        .summary
        .latency_s
        .as_ref()
        .map_or(Vec::new(), |l| {
            vec![
                ("p50", l.p50, 0.5),
                ("p90", l.p90, 0.9),
                ("p99", l.p99, 0.99),
            ]
        })
}

/// The axes of a latency CDF from `low` to `high` (log10 seconds).
pub(super) fn cdf_axes(low: f64, high: f64) -> Axes<'static> {
    Axes {
        x: low..high,
        x_ticks: log_ticks(low, high),
        x_desc: X_DESC,
        x_label: &log_time_label,
        top: 1.05,
        y_desc: "delivered messages (cumulative share)",
        y_label: &percent_label,
        y_step: axes::Step::Decimal,
    }
}

fn percent_label(share: &f64) -> String {
    format!("{:.0}%", share * 100.0)
}

const NOTHING_DELIVERED: [&str; 2] = [
    "Nothing was delivered in this run,",
    "so there is no delivery latency to plot.",
];

/// Draws the cumulative latency distribution with p50/p90/p99 marked.
pub fn latency_cdf<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let distribution = &view.output.latency;
    let subtitle = format!(
        "share of the {} delivered messages delivered within a given time of arriving (log time axis)",
        distribution.delivered
    );
    let swatch = (Swatch::Line(style::BLUE), "delivered within");
    let area = latency_frame(root, view, Chart::LatencyCdf, &subtitle, swatch)?;
    let (Some(first), Some(last)) = (distribution.cdf.first(), distribution.cdf.last()) else {
        return style::note(&area, &NOTHING_DELIVERED);
    };
    let (low, high) = at_least_a_decade(first.latency_s, last.latency_s);
    let mut chart = axes::chart(&area, cdf_axes(low, high))?;
    let points: Vec<(f64, f64)> = distribution
        .cdf
        .iter()
        .map(|p| (p.latency_s.log10(), p.fraction))
        .collect();
    chart.draw_series(
        AreaSeries::new(points, 0.0, style::light(style::BLUE, 0.8).filled())
            .border_style(style::BLUE.stroke_width(3)),
    )?;
    let font = (style::FONT, 14).into_font().color(&style::INK);
    for (name, seconds, quantile) in percentiles(view) {
        let x = seconds.log10().clamp(low, high);
        let drop = [(x, 0.0), (x, quantile)];
        chart.draw_series(DashedLineSeries::new(
            drop,
            6,
            4,
            style::RED.stroke_width(2),
        ))?;
        let label = format!("{name} {}", style::short_time(seconds));
        let (font, offset) = label_side(x, low, high, &font);
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, quantile))
                + Circle::new((0, 0), 5, style::RED.filled())
                + Text::new(label, offset, font),
        ))?;
    }
    Ok(())
}

/// Draws the latency histogram (log-spaced bins) with p50/p90/p99 marked.
pub fn latency_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let distribution = &view.output.latency;
    let subtitle = format!(
        "the {} delivered messages by time from arrival to delivery; ten bins per tenfold of time",
        distribution.delivered
    );
    let swatch = (
        Swatch::Fill(style::light(style::BLUE, 0.4)),
        "delivered messages",
    );
    let area = latency_frame(root, view, Chart::LatencyHistogram, &subtitle, swatch)?;
    let bins = &distribution.histogram;
    let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
        return style::note(&area, &NOTHING_DELIVERED);
    };
    let (low, high) = at_least_a_decade(first.from_s, last.to_s);
    // Room above the tallest bar for the rows of percentile labels.
    let top = style::headroom(bins.iter().map(|b| b.messages as f64).fold(0.0, f64::max) * 1.25);
    let ticks = log_ticks(low, high);
    let axes = Axes {
        x: low..high,
        x_ticks: ticks,
        x_desc: X_DESC,
        x_label: &log_time_label,
        top,
        y_desc: "delivered messages per bin",
        y_label: &|y| style::count_label(*y),
        y_step: axes::Step::Decimal,
    };
    let mut chart = axes::chart(&area, axes)?;
    // Each bar filled, then outlined.
    chart.draw_series(bins.iter().filter(|b| b.messages > 0).flat_map(|b| {
        let corners = [(b.from_s.log10(), 0.0), (b.to_s.log10(), b.messages as f64)];
        [
            Rectangle::new(corners, style::light(style::BLUE, 0.4).filled()),
            Rectangle::new(corners, style::BLUE.stroke_width(1)),
        ]
    }))?;
    draw_markers(&mut chart, &percentiles(view), (low, high))?;
    Ok(())
}

/// Rows of percentile labels at the top of the histogram.
const MARKER_ROWS: i32 = 3;

/// Marks each percentile with a dashed line up to its label at the top of the histogram; a
/// label takes the first row where it does not overlap the one before, so close percentiles
/// (p90 and p99 of a retry hump) stay readable. Labels sit on a white backing, centred on
/// their line and kept inside the plot.
fn draw_markers<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, axes::Coord>,
    marks: &[(&str, f64, f64)],
    (low, high): (f64, f64),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let top = chart.y_range().end;
    let font = (style::FONT, 14).into_font().color(&style::INK);
    let (left, right) = (
        chart.backend_coord(&(low, 0.0)).0,
        chart.backend_coord(&(high, 0.0)).0,
    );
    let mut row_ends = [i32::MIN; MARKER_ROWS as usize];
    for (name, seconds, _) in marks {
        let x = seconds.log10().clamp(low, high);
        let label = format!("{name} {}", style::short_time(*seconds));
        let (width, height) = chart.plotting_area().estimate_text_size(&label, &font)?;
        let (width, height) = (width as i32, height as i32);
        let centre = chart.backend_coord(&(x, top)).0;
        let start = (centre - width / 2).clamp(left + 2, right - width - 2);
        let row = (0..MARKER_ROWS as usize)
            .find(|&r| row_ends[r] < start)
            .unwrap_or(MARKER_ROWS as usize - 1);
        row_ends[row] = start + width + 8;
        let dy = 4 + (height + 8) * row as i32;
        let pixels_per_unit =
            f64::from(chart.backend_coord(&(x, 0.0)).1 - chart.backend_coord(&(x, top)).1) / top;
        let line_top = top - f64::from(dy + height + 4) / pixels_per_unit.max(1e-9);
        chart.draw_series(DashedLineSeries::new(
            [(x, 0.0), (x, line_top)],
            6,
            4,
            style::RED.stroke_width(2),
        ))?;
        let dx = start - centre;
        let backing = Rectangle::new(
            [(dx - 3, dy - 2), (dx + width + 3, dy + height + 3)],
            WHITE.mix(0.9).filled(),
        );
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, top)) + backing + Text::new(label, (dx, dy), font.clone()),
        ))?;
    }
    Ok(())
}
