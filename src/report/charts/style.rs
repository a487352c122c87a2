//! What every chart shares: canvas size, fonts, colours, the frame (title, subtitle, legend
//! strip), human tick labels for time and counts, outage shading and the "nothing to plot"
//! note. Keeping these here makes the charts look like one family.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{DrawResult, RunView};
use crate::domain::{DnsKind, OutageKind};
use crate::engine::SimDuration;
use crate::metrics::Sample;

/// Canvas size in pixels: fits a laptop screen and a projector.
pub const SIZE: (u32, u32) = (1000, 560);

/// The font family every chart uses (registered from the embedded DejaVu Sans).
pub const FONT: &str = "sans-serif";

/// Colours (Tableau 10), distinguishable and print-friendly.
pub const BLUE: RGBColor = RGBColor(0x4e, 0x79, 0xa7);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(0xf2, 0x8e, 0x2b);
/// Red.
pub const RED: RGBColor = RGBColor(0xe1, 0x57, 0x59);
/// Teal.
pub const TEAL: RGBColor = RGBColor(0x76, 0xb7, 0xb2);
/// Green.
pub const GREEN: RGBColor = RGBColor(0x59, 0xa1, 0x4f);
/// Yellow.
pub const YELLOW: RGBColor = RGBColor(0xed, 0xc9, 0x48);
/// Purple.
pub const PURPLE: RGBColor = RGBColor(0xb0, 0x7a, 0xa1);
/// Brown.
pub const BROWN: RGBColor = RGBColor(0x9c, 0x75, 0x5f);
/// Text and axes.
pub const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
/// Outage shading.
pub const OUTAGE: RGBColor = RGBColor(0xfb, 0xdc, 0xdc);
/// Outage labels.
pub const OUTAGE_INK: RGBColor = RGBColor(0xa0, 0x30, 0x30);

/// Colours for stacked categories, in order.
pub const SERIES: [RGBColor; 8] = [BLUE, ORANGE, RED, TEAL, GREEN, YELLOW, PURPLE, BROWN];

/// A colour blended towards white (`amount` 0: unchanged, 1: white), kept opaque so that
/// stacked areas do not show through each other.
pub fn light(color: RGBColor, amount: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * amount).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Fill(RGBColor),
}

/// The plot area of a chart once its title, optional subtitle and legend strip are drawn.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
    legend: &[(Swatch, String)],
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(if subtitle.is_some() { 62 } else { 40 });
    head.draw_text(title, &(FONT, 21).into_font().color(&INK), (16, 10))?;
    if let Some(text) = subtitle {
        head.draw_text(text, &(FONT, 14).into_font().color(&MUTED), (16, 38))?;
    }
    if legend.is_empty() {
        return Ok(body);
    }
    // Lay the entries out in rows that fit the width, then draw them.
    let font = (FONT, 14).into_font().color(&INK);
    let right = body.dim_in_pixel().0 as i32 - 20;
    let (mut x, mut row) = (80, 0);
    let mut placed = Vec::with_capacity(legend.len());
    for (swatch, label) in legend {
        let width = 30 + body.estimate_text_size(label, &font)?.0 as i32;
        if x > 80 && x + width > right {
            (x, row) = (80, row + 1);
        }
        placed.push((x, 14 + 26 * row, *swatch, label));
        x += width + 24;
    }
    let (strip, plot) = body.split_vertically(30 + 26 * row);
    for (x, y, swatch, label) in placed {
        match swatch {
            Swatch::Line(color) => strip.draw(&PathElement::new(
                vec![(x, y), (x + 24, y)],
                color.stroke_width(3),
            ))?,
            Swatch::Dashed(color) => {
                for dash in [0, 10, 20] {
                    let end = (dash + 6).min(24);
                    let path = vec![(x + dash, y), (x + end, y)];
                    strip.draw(&PathElement::new(path, color.stroke_width(2)))?;
                }
            }
            Swatch::Fill(color) => strip.draw(&Rectangle::new(
                [(x, y - 6), (x + 24, y + 6)],
                color.filled(),
            ))?,
        }
        strip.draw_text(label, &font, (x + 30, y - 8))?;
    }
    Ok(plot)
}

/// Draws a clear note in the middle of an area that has nothing to plot.
pub fn note<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, lines: &[&str]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (width as i32, height as i32);
    area.draw(&Rectangle::new(
        [(40, 20), (width - 40, height - 30)],
        ShapeStyle::from(&GRID).stroke_width(2),
    ))?;
    let font = (FONT, 18).into_font().color(&MUTED);
    let top = height / 2 - 14 * lines.len() as i32;
    for (i, line) in lines.iter().enumerate() {
        let (text_width, _) = area.estimate_text_size(line, &font)?;
        let x = (width - text_width as i32) / 2;
        area.draw_text(line, &font, (x, top + 28 * i as i32))?;
    }
    Ok(())
}

/// A time axis from zero to `end_s` seconds with ticks at a human step (1 min … 1 week).
pub struct TimeAxis {
    /// The end of the axis, in seconds.
    pub end_s: f64,
    /// Tick positions in seconds.
    pub ticks: Vec<f64>,
}

impl TimeAxis {
    /// Ticks every 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1, 2, 7 d: the finest step
    /// that gives at most 12 ticks.
    pub fn new(end_s: f64) -> TimeAxis {
        const STEPS: [u64; 17] = [
            60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
            345_600, 604_800, 1_209_600, 2_419_200,
        ];
        let end_s = end_s.max(60.0);
        let step = STEPS
            .iter()
            .map(|&s| s as f64)
            .find(|&s| end_s / s <= 12.0)
            .unwrap_or(end_s / 12.0);
        let count = (end_s / step).floor() as u64;
        let ticks = (0..=count).map(|i| i as f64 * step).collect();
        TimeAxis { end_s, ticks }
    }
}

/// A linear `f64` axis whose ticks are chosen by the chart (human times, category
/// positions) rather than by plotters' decimal algorithm.
pub struct Ticked {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }

    /// Linear, as plotters maps its own `f64` ranges.
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let pixels = limit.1 - limit.0;
        if span == 0.0 || pixels == 0 {
            return limit.0;
        }
        let share = ((value - self.range.start) / span).clamp(-1e6, 1e6);
        if pixels > 0 {
            limit.0 + (f64::from(pixels) * share + 1e-3).floor() as i32
        } else {
            limit.0 + (f64::from(pixels) * share - 1e-3).ceil() as i32
        }
    }

    /// The chosen ticks as bold (labelled) points; no light grid lines.
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

/// The coordinates of every chart: a ticked `f64` x axis against an `f64` count.
pub type Coord = Cartesian2d<Ticked, RangedCoordf64>;

/// Formats a tick value.
pub type Labeller<'f> = &'f dyn Fn(&f64) -> String;

/// The axes of a chart: ranges, ticks, descriptions (with units) and tick labels.
pub struct Axes<'f> {
    /// The x range.
    pub x: Range<f64>,
    /// Where the x ticks go.
    pub x_ticks: Vec<f64>,
    /// What x is, with its unit.
    pub x_desc: &'f str,
    /// x tick labels.
    pub x_label: Labeller<'f>,
    /// The top of the y axis (the bottom is zero).
    pub top: f64,
    /// What y is, with its unit.
    pub y_desc: &'f str,
    /// y tick labels.
    pub y_label: Labeller<'f>,
}

/// Builds a chart with its mesh drawn in the common style; the caller draws the series.
pub fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axes: Axes,
) -> Result<ChartContext<'a, DB, Coord>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(10)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(
            Ticked {
                range: axes.x,
                ticks: axes.x_ticks,
            },
            0.0..axes.top,
        )?;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_label_formatter(axes.x_label)
        .y_label_formatter(axes.y_label)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .y_labels(10)
        .draw()?;
    Ok(chart)
}

/// A chart over time from zero to `axis.end_s` and from zero to `top`, with human time ticks,
/// short count labels and the outage windows shaded. The caller draws the series, then
/// [`label_outages`].
pub fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axis: &TimeAxis,
    windows: &[Window],
    top: f64,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Coord>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    // Room above the data for the outage labels.
    let top = top * (1.0 + 0.06 * windows.len().min(LABEL_ROWS) as f64);
    let mut chart = chart(
        area,
        Axes {
            x: 0.0..axis.end_s,
            x_ticks: axis.ticks.clone(),
            x_desc: "time since the start (simulated)",
            x_label: &|v| time_label(*v),
            top,
            y_desc,
            y_label: &|v| count_label(*v),
        },
    )?;
    shade_outages(&mut chart, windows, top)?;
    Ok(chart)
}

/// A time since the start as people write it: `0`, `45m`, `6h`, `1d12h`.
pub fn time_label(seconds: f64) -> String {
    if seconds <= 0.0 {
        return "0".into();
    }
    SimDuration::from_secs_f64(seconds).to_string()
}

/// A duration to two units at most, for labels: `850ms`, `2.5s`, `6m26s`, `3h12m`, `1d4h`.
pub fn short_time(seconds: f64) -> String {
    let ms = SimDuration::from_secs_f64(seconds).as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        let text = format!("{:.1}", ms as f64 / 1000.0);
        return format!("{}s", text.trim_end_matches(".0"));
    }
    let unit = match ms {
        86_400_000.. => 3_600_000,
        3_600_000.. => 60_000,
        _ => 1000,
    };
    SimDuration(ms / unit * unit).to_string()
}

/// A count or rate with a thousands suffix: `950`, `12.5k`, `1.2M`; fractions keep one digit.
pub fn count_label(value: f64) -> String {
    let trim = |text: String| {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    };
    let magnitude = value.abs();
    if magnitude >= 1e6 {
        format!("{}M", trim(format!("{:.2}", value / 1e6)))
    } else if magnitude >= 1e3 {
        format!("{}k", trim(format!("{:.1}", value / 1e3)))
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        trim(format!("{value:.1}"))
    }
}

/// The top of a count axis: a little above the largest value, never zero.
pub fn headroom(max: f64) -> f64 {
    if max > 0.0 { max * 1.12 } else { 1.0 }
}

/// Rows for outage labels at the top of a time chart.
const LABEL_ROWS: usize = 5;

/// An outage window: start and end in seconds, and its label.
pub type Window = (f64, f64, String);

/// The samples of a run, the time axis they span and the outage windows within it.
pub fn timeline<'a>(view: &RunView<'a>) -> (&'a [Sample], TimeAxis, Vec<Window>) {
    let samples = &view.output.samples;
    let axis = TimeAxis::new(samples.last().map_or(0.0, |s| s.time.as_secs_f64()));
    let windows = outage_windows(view, axis.end_s);
    (samples, axis, windows)
}

/// Every outage window of every receiver that starts before `end_s`, and every incident, DNS
/// trouble window and ban (from its start to its delisting), as `(start_s, end_s, label)`, in
/// time order.
pub fn outage_windows(view: &RunView, end_s: f64) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for receiver in &view.scenario.receivers {
        let name = &receiver.name;
        for outage in &receiver.outages {
            let kind = match outage.kind {
                OutageKind::Timeout => "timeouts",
                OutageKind::Refused => "refused",
                OutageKind::Greeting421 => "421 greeting",
                OutageKind::Reply451 => "451 to all",
            };
            windows.push((
                outage.start.as_secs_f64(),
                outage.end.as_secs_f64(),
                format!("{name} outage ({kind}{})", partial(outage.fraction.get())),
            ));
        }
        for incident in &receiver.incidents {
            windows.push((
                incident.start.as_secs_f64(),
                incident.over().as_secs_f64(),
                format!("{name}: {}", incident.name),
            ));
            // Its turning points, as labels at their instants (zero-width windows).
            let mark = |at: crate::engine::SimTime, label: String| {
                (at.as_secs_f64(), at.as_secs_f64(), label)
            };
            for (at, ips) in &incident.allow_listed {
                let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                windows.push(mark(*at, format!("allow-listed {}", ips.join(", "))));
            }
            for (at, p) in &incident.fixes {
                windows.push(mark(*at, format!("fix: {:.0}% refused", p * 100.0)));
            }
            windows.push(mark(incident.end, "reverted".to_string()));
        }
        for dns in &receiver.dns_trouble {
            let kind = match dns.kind {
                DnsKind::SpfTempError => "SPF temperror",
                DnsKind::MxLookup => "MX lookup failure",
            };
            windows.push((
                dns.start.as_secs_f64(),
                dns.end.as_secs_f64(),
                format!("{name} {kind}{}", partial_paren(dns.fraction.get())),
            ));
        }
        for ban in &receiver.bans {
            windows.push((
                ban.from.as_secs_f64(),
                ban.delisted.map_or(end_s, |t| t.as_secs_f64()),
                format!("{name} bans {}", ban.ip),
            ));
        }
    }
    windows.retain(|(start, _, _)| *start < end_s);
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    windows
}

/// `", 40%"` for a partial share, `""` for a full one.
fn partial(share: f64) -> String {
    if share < 1.0 {
        format!(", {:.0}%", share * 100.0)
    } else {
        String::new()
    }
}

/// `" (40%)"` for a partial share, `""` for a full one.
fn partial_paren(share: f64) -> String {
    if share < 1.0 {
        format!(" ({:.0}%)", share * 100.0)
    } else {
        String::new()
    }
}

/// The legend entry for outage shading, if any outage is shown.
pub fn outage_legend(windows: &[Window]) -> Option<(Swatch, String)> {
    let only_outages = windows
        .iter()
        .all(|(_, _, label)| label.contains(" outage ("));
    let text = if only_outages {
        "receiver outage"
    } else {
        "receiver outage, incident, DNS trouble or ban"
    };
    (!windows.is_empty()).then(|| (Swatch::Fill(OUTAGE), text.to_string()))
}

/// Shades outage windows across the whole height of a time chart and labels each at the top
/// (labels step down when windows are close, so they do not overwrite each other).
fn shade_outages<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    windows: &[Window],
    top: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let end = chart.x_range().end;
    chart.draw_series(windows.iter().map(|(start, stop, _)| {
        Rectangle::new([(*start, 0.0), (stop.min(end), top)], OUTAGE.filled())
    }))?;
    Ok(())
}

/// Labels the outage windows at the top of a time chart, on a light backing; drawn after the
/// series so that no series hides them. Each label takes the first row where it does
/// not overlap an earlier label (they overlap only when more than [`LABEL_ROWS`] crowd together).
pub fn label_outages<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    windows: &[Window],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let top = chart.y_range().end;
    let font = (FONT, 13).into_font().color(&OUTAGE_INK);
    let mut row_ends = [i32::MIN; LABEL_ROWS];
    for (start, _, label) in windows {
        let (width, height) = chart.plotting_area().estimate_text_size(label, &font)?;
        let (width, height) = (width as i32, height as i32);
        let left = chart.backend_coord(&(*start, top)).0;
        let row = (0..row_ends.len())
            .find(|&r| row_ends[r] < left)
            .unwrap_or_else(|| {
                (0..row_ends.len())
                    .min_by_key(|&r| row_ends[r])
                    .unwrap_or(0)
            });
        row_ends[row] = left + width + 12;
        let y = 4 + 20 * row as i32;
        let backing = Rectangle::new(
            [(2, y - 1), (width + 8, y + height + 3)],
            WHITE.mix(0.75).filled(),
        );
        chart.draw_series(std::iter::once(
            EmptyElement::at((*start, top))
                + backing
                + Text::new(label.clone(), (5, y), font.clone()),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ticks_use_human_steps() {
        let axis = TimeAxis::new(6.0 * 3600.0);
        assert_eq!(axis.ticks[1], 1800.0);
        assert_eq!(axis.ticks.len(), 13);
        assert_eq!(TimeAxis::new(3.0 * 86_400.0).ticks[1], 21_600.0);
        assert_eq!(time_label(0.0), "0");
        assert_eq!(time_label(5400.0), "1h30m");
        assert_eq!(time_label(129_600.0), "1d12h");
        assert_eq!(short_time(0.85), "850ms");
        assert_eq!(short_time(2.5), "2.5s");
        assert_eq!(short_time(385.535), "6m25s");
        assert_eq!(short_time(11_545.0), "3h12m");
        assert_eq!(short_time(101_000.0), "1d4h");
    }

    #[test]
    fn counts_are_short() {
        assert_eq!(count_label(950.0), "950");
        assert_eq!(count_label(12_500.0), "12.5k");
        assert_eq!(count_label(20_000.0), "20k");
        assert_eq!(count_label(1_250_000.0), "1.25M");
        assert_eq!(count_label(0.5), "0.5");
    }
}
