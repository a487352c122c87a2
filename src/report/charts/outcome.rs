//! Bar charts from the summary: the outcome of every message (with the bounce rate stated)
//! and the distribution of attempts per message.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{self, Axes};
use super::style;
use super::{Chart, DrawResult, RunView};
use crate::report::units::grouped;

/// Integer ticks from `first` to `last` at a step of 1, 2, 5, 10, 20, 50 … giving at most 15.
fn integer_ticks(first: u32, last: u32) -> Vec<f64> {
    let span = f64::from(last - first).max(1.0);
    let step = [1u32, 2, 5]
        .iter()
        .flat_map(|&m| (0..9).map(move |e| m * 10u32.pow(e)))
        .filter(|&s| span / f64::from(s) <= 14.0)
        .min()
        .unwrap_or(1);
    let start = first.div_ceil(step) * step;
    (start..=last)
        .step_by(step as usize)
        .map(f64::from)
        .collect()
}

/// Draws delivered / bounced / expired / still queued, with counts, shares and the bounce
/// rate.
pub fn outcomes<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let s = &view.output.summary;
    let arrived = s.arrived.max(1) as f64;
    let percent = |n: u64| n as f64 / arrived * 100.0;
    let subtitle = format!(
        "bounce rate {:.2}% ({} of {} arrived messages bounced with a 5xx); {:.2}% expired; {} still queued at the end",
        percent(s.bounced),
        grouped(s.bounced),
        grouped(s.arrived),
        percent(s.expired),
        grouped(s.queued_at_end),
    );
    let area = style::frame(
        root,
        &Chart::Outcomes.full_title(view),
        Some(&subtitle),
        &[],
    )?;
    if s.arrived == 0 {
        return style::note(&area, &["No message arrived in this run."]);
    }
    let bars = [
        ("delivered", s.delivered, style::GREEN),
        ("bounced (5xx)", s.bounced, style::RED),
        ("expired (gave up)", s.expired, style::ORANGE),
        ("still queued", s.queued_at_end, style::BLUE),
    ];
    let names: Vec<&str> = bars.iter().map(|b| b.0).collect();
    let label = |x: &f64| {
        names
            .get(x.round() as usize)
            .map_or(String::new(), |n| n.to_string())
    };
    let top = style::headroom(bars.iter().map(|b| b.1 as f64).fold(0.0, f64::max) * 1.05);
    let axes = Axes {
        x: -0.5..3.5,
        x_ticks: vec![0.0, 1.0, 2.0, 3.0],
        x_desc: "outcome",
        x_label: &label,
        top,
        y_desc: "messages",
        y_label: &|y| style::count_label(*y),
        y_step: axes::Step::Decimal,
    };
    let mut chart = axes::chart(&area, axes)?;
    let font = (style::FONT, 15)
        .into_font()
        .color(&style::INK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, (_, count, color)) in bars.iter().enumerate() {
        let x = i as f64;
        let value = *count as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.32, 0.0), (x + 0.32, value)],
            color.filled(),
        )))?;
        let text = format!("{} ({:.1}%)", grouped(*count), percent(*count));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, value)) + Text::new(text, (0, -6), font.clone()),
        ))?;
    }
    Ok(())
}

/// Draws how many attempts the messages that left the queue took.
pub fn attempts_per_message<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let s = &view.output.summary;
    let counts = &s.attempts_per_message;
    let departed: u64 = counts.values().sum();
    let attempts: u64 = counts.iter().map(|(&k, &n)| u64::from(k) * n).sum();
    let mean = attempts as f64 / departed.max(1) as f64;
    let subtitle = format!(
        "the {} messages that left the queue (delivered, bounced or expired), by attempts taken; mean {mean:.2}; {} still queued are not counted",
        grouped(departed),
        grouped(s.queued_at_end),
    );
    let area = style::frame(
        root,
        &Chart::AttemptsPerMessage.full_title(view),
        Some(&subtitle),
        &[],
    )?;
    let (Some((&first, _)), Some((&last, _))) = (counts.first_key_value(), counts.last_key_value())
    else {
        return style::note(&area, &["No message left the queue in this run."]);
    };
    let first = first.min(1);
    let top = style::headroom(counts.values().map(|&n| n as f64).fold(0.0, f64::max));
    let axes = Axes {
        x: f64::from(first) - 0.6..f64::from(last) + 0.6,
        x_ticks: integer_ticks(first, last),
        x_desc: "attempts (SMTP transactions and connection tries) per message",
        x_label: &|x| format!("{x:.0}"),
        top,
        y_desc: "messages",
        y_label: &|y| style::count_label(*y),
        y_step: axes::Step::Decimal,
    };
    let mut chart = axes::chart(&area, axes)?;
    chart.draw_series(counts.iter().map(|(&k, &n)| {
        let x = f64::from(k);
        Rectangle::new([(x - 0.4, 0.0), (x + 0.4, n as f64)], style::BLUE.filled())
    }))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_in_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn attempt_ticks_are_round_and_few() {
        assert_eq!(integer_ticks(1, 4), vec![1.0, 2.0, 3.0, 4.0]);
        let many = integer_ticks(1, 360);
        assert!(many.len() <= 15 && many[0] == 50.0, "{many:?}");
    }
}
