//! What every chart looks like: canvas size, fonts, colours, the frame (title, subtitle,
//! legend strip), human labels for times and counts and the "nothing to plot" note. Keeping
//! these here makes the charts look like one family. The axes are in [`super::axes`], the
//! shaded outage windows in [`super::outages`].

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::{DrawResult, thin};
use crate::engine::SimDuration;

/// Canvas size in pixels: fits a laptop screen and a projector.
pub const SIZE: (u32, u32) = (1000, 560);

/// The font family every chart uses (registered from the embedded DejaVu Sans).
pub const FONT: &str = "sans-serif";

/// Blue (Okabe and Ito's colour-blind-safe set, like the other named colours): deliveries.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
/// Orange.
pub const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
/// Vermillion, the set's red: deferrals, failures, targets.
pub const RED: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
/// Sky blue.
pub const TEAL: RGBColor = RGBColor(0x56, 0xb4, 0xe9);
/// Bluish green.
pub const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
/// Reddish purple.
pub const PURPLE: RGBColor = RGBColor(0xcc, 0x79, 0xa7);
/// Text and axes.
pub const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
/// Attempts: a neutral grey, so that deliveries and deferrals stand out against it.
pub const GREY: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
/// Shading of outage, incident, DNS trouble and ban windows: a neutral grey that no series
/// colour resembles.
pub const OUTAGE: RGBColor = RGBColor(0xe8, 0xe8, 0xe8);
/// The edges of those windows and the lines at an incident's turning points.
pub const OUTAGE_EDGE: RGBColor = RGBColor(0x8a, 0x8a, 0x8a);
/// Their labels.
pub const OUTAGE_INK: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// Twelve colours for series that must be told apart (policies, codes, receivers, IPs): Okabe
/// and Ito's seven (without yellow, too pale for a line) and Paul Tol's indigo, olive, wine,
/// teal and rose, all distinguishable with the common colour-vision deficiencies; every
/// series also gets a [`Dash`] of its own within each run of three colours.
pub const SERIES: [RGBColor; 12] = [
    BLUE,
    ORANGE,
    GREEN,
    RED,
    TEAL,
    PURPLE,
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0x33, 0x22, 0x88),
    RGBColor(0x99, 0x99, 0x33),
    RGBColor(0x88, 0x22, 0x55),
    RGBColor(0x44, 0xaa, 0x99),
    RGBColor(0xcc, 0x66, 0x77),
];

/// How a line is drawn besides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dots.
    Dotted,
}

impl Dash {
    /// The dash and gap lengths in pixels, `None` for a solid line.
    pub fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Dashed => Some((9, 4)),
            Dash::Dotted => Some((2, 3)),
        }
    }
}

/// The colour and dash of series `i`: twelve colours, and solid, dashed and dotted lines in
/// turn, so that neighbours differ twice and even a grey print keeps them apart.
pub fn series(i: usize) -> (RGBColor, Dash) {
    const DASHES: [Dash; 3] = [Dash::Solid, Dash::Dashed, Dash::Dotted];
    (SERIES[i % SERIES.len()], DASHES[i % DASHES.len()])
}

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
    /// A line of a series' colour and dash.
    Series(RGBColor, Dash),
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
            Swatch::Dashed(color) => dashed_swatch(&strip, (x, y), color, (6, 4))?,
            Swatch::Series(color, dash) => match dash.pattern() {
                None => strip.draw(&PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    color.stroke_width(3),
                ))?,
                Some(pattern) => dashed_swatch(&strip, (x, y), color, pattern)?,
            },
            Swatch::Fill(color) => strip.draw(&Rectangle::new(
                [(x, y - 6), (x + 24, y + 6)],
                color.filled(),
            ))?,
        }
        strip.draw_text(label, &font, (x + 30, y - 8))?;
    }
    Ok(plot)
}

/// A 24-pixel dashed legend line starting at `(x, y)`.
fn dashed_swatch<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    color: RGBColor,
    (dash, gap): (u32, u32),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (dash, gap) = (dash as i32, gap as i32);
    let mut from = 0;
    while from < 24 {
        let to = (from + dash).min(24);
        strip.draw(&PathElement::new(
            vec![(x + from, y), (x + to, y)],
            color.stroke_width(3),
        ))?;
        from = to + gap;
    }
    Ok(())
}

/// Draws a line through `points` in a series' colour and dash, `width` pixels wide (a dense
/// series one pixel column at a time, see [`super::thin`]).
pub fn draw_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    points: Vec<(f64, f64)>,
    (color, dash): (RGBColor, Dash),
    width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if thin::is_dense(&points) {
        return thin::draw_dense_line(chart, &points, color, width);
    }
    let style = color.stroke_width(width);
    match dash.pattern() {
        None => {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        Some((size, spacing)) => {
            chart.draw_series(DashedLineSeries::new(points, size, spacing, style))?;
        }
    }
    Ok(())
}

/// Fills the area between `points` and zero with `fill`, with `border` (colour and width)
/// along the line if given (a dense series one pixel column at a time, see [`super::thin`]).
pub fn draw_area<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    points: Vec<(f64, f64)>,
    fill: ShapeStyle,
    border: Option<(RGBColor, u32)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if thin::is_dense(&points) {
        return thin::draw_dense_area(chart, &points, 0.0, fill, border);
    }
    let area = AreaSeries::new(points, 0.0, fill);
    match border {
        Some((color, width)) => chart.draw_series(area.border_style(color.stroke_width(width)))?,
        None => chart.draw_series(area)?,
    };
    Ok(())
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

/// A time since the start as people write it: `0`, `45m`, `6h`, `1d12h`.
pub fn time_label(seconds: f64) -> String {
    if seconds <= 0.0 {
        return "0".into();
    }
    SimDuration::from_secs_f64(seconds).to_string()
}

/// A duration to two units at most, for labels: `850ms`, `2.5s`, `6m26s`, `3h12m`, `1d04h`
/// (as everywhere a person reads one: [`crate::report::units::duration`]).
pub fn short_time(seconds: f64) -> String {
    crate::report::units::duration(seconds)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_people_write_them() {
        assert_eq!(time_label(0.0), "0");
        assert_eq!(time_label(5400.0), "1h30m");
        assert_eq!(time_label(129_600.0), "1d12h");
        assert_eq!(short_time(0.85), "850ms");
        assert_eq!(short_time(2.5), "2.5s");
        assert_eq!(short_time(385.535), "6m26s");
        assert_eq!(short_time(11_545.0), "3h12m");
        assert_eq!(short_time(101_000.0), "1d04h");
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
