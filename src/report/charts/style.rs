//! What every chart looks like: canvas size, fonts, colours, the frame (title, subtitle,
//! legend strip), human labels for times and counts and the "nothing to plot" note. Keeping
//! these here makes the charts look like one family. The axes are in [`super::axes`], the
//! shaded outage windows in [`super::outages`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawResult;
use crate::engine::SimDuration;

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
