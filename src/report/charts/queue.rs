//! Queue depth over time: messages waiting for a retry (a translucent area, so the shaded
//! windows show through) and waiting for a connection (a dashed line), with receiver outages
//! shaded and each sender's queue alert threshold as a dashed line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{self, Coord, TimeAxis};
use super::outages::{self, Window};
use super::style::{self, Swatch};
use super::{Chart, DrawResult, RunView};

/// A sender's queue alert threshold: the sender's name and the threshold.
type Threshold = (String, f64);

/// Draws the queue depth chart.
pub fn queue_depth<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &RunView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let thresholds: Vec<Threshold> = view
        .scenario
        .senders
        .iter()
        .filter_map(|s| s.queue_alert.map(|a| (s.name.clone(), a.threshold as f64)))
        .collect();
    let legend = queue_legend(!thresholds.is_empty(), &windows);
    let subtitle = (view.scenario.senders.len() > 1)
        .then_some("all senders together; each alert threshold applies to its own sender's queue");
    let area = style::frame(root, &Chart::QueueDepth.full_title(view), subtitle, &legend)?;
    if samples.len() < 2 {
        return style::note(&area, &["The run ended before a second sample was taken."]);
    }

    let peak = samples
        .iter()
        .map(|s| s.waiting_retry.max(s.waiting_connection) as f64)
        .chain(thresholds.iter().map(|t| t.1))
        .fold(0.0, f64::max);
    let top = style::headroom(peak);
    let room = outages::make_room(&area, axis.end_s, &windows)?;
    let y = (top, "messages in the queue");
    let mut chart = axes::time_chart(&room.plot, &axis, &windows, y, &axes::count_ticks)?;

    // The deferred queue as a translucent area, so the shaded windows behind it stay visible.
    let retry: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| (s.time.as_secs_f64(), s.waiting_retry as f64))
        .collect();
    let fill = RETRY_FILL.mix(0.45).filled();
    style::draw_area(&mut chart, retry, fill, Some((RETRY_LINE, 2)))?;
    let connection = samples
        .iter()
        .map(|s| (s.time.as_secs_f64(), s.waiting_connection as f64))
        .collect();
    style::draw_line(&mut chart, connection, CONNECTION_LINE, 2)?;
    draw_thresholds(&mut chart, &axis, &thresholds)?;
    room.finish(&mut chart, &windows)?;
    Ok(())
}

/// The deferred queue's fill and outline.
const RETRY_FILL: RGBColor = style::TEAL;
const RETRY_LINE: RGBColor = style::BLUE;
/// Messages waiting for a connection: orange and dashed, unlike the area in both ways.
const CONNECTION_LINE: (RGBColor, style::Dash) = (style::ORANGE, style::Dash::Dashed);

/// The two queues, the alert threshold when there is one, then the outage shading.
fn queue_legend(with_threshold: bool, windows: &[Window]) -> Vec<(Swatch, String)> {
    let mut legend = vec![
        (
            Swatch::Fill(style::light(RETRY_FILL, 0.55)),
            "waiting for a retry".to_string(),
        ),
        (
            Swatch::Series(CONNECTION_LINE.0, CONNECTION_LINE.1),
            "waiting for a connection".to_string(),
        ),
    ];
    if with_threshold {
        legend.push((
            Swatch::Dashed(style::RED),
            "queue alert threshold".to_string(),
        ));
    }
    legend.extend(outages::legend(windows));
    legend
}

/// Draws each alert threshold as a dashed line across the chart, labelled at its right end
/// (naming the sender when there are several).
fn draw_thresholds<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    axis: &TimeAxis,
    thresholds: &[Threshold],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let font = (style::FONT, 13).into_font().color(&style::RED);
    for (i, (sender, threshold)) in thresholds.iter().enumerate() {
        let line = [(0.0, *threshold), (axis.end_s, *threshold)];
        chart.draw_series(DashedLineSeries::new(
            line,
            8,
            5,
            style::RED.stroke_width(2),
        ))?;
        let label = if thresholds.len() > 1 {
            format!("alert above {} ({sender})", style::count_label(*threshold))
        } else {
            format!("alert above {}", style::count_label(*threshold))
        };
        // Right-aligned labels just above their line, on a light backing so a series
        // running behind them does not make them unreadable.
        let x = axis.end_s * (0.99 - 0.22 * i as f64);
        let anchored = font.pos(Pos::new(HPos::Right, VPos::Bottom));
        let (width, height) = chart.plotting_area().estimate_text_size(&label, &font)?;
        let (width, height) = (width as i32, height as i32);
        let backing = Rectangle::new(
            [(-width - 3, -height - 5), (3, -2)],
            WHITE.mix(0.85).filled(),
        );
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, *threshold)) + backing + Text::new(label, (0, -3), anchored),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_shows_the_threshold_only_when_there_is_one() {
        let window: Window = (0.0, 60.0, "r outage (timeouts)".to_string());
        let without = queue_legend(false, &[]);
        assert_eq!(without.len(), 2);
        let with = queue_legend(true, std::slice::from_ref(&window));
        let labels: Vec<&str> = with.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "waiting for a retry",
                "waiting for a connection",
                "queue alert threshold",
                "receiver outage"
            ]
        );
    }
}
