//! Small multiples for a comparison: one small time chart per policy, in a grid, all on the
//! same axes, so each policy's curve can be read on its own and the panels compared at a
//! glance (ten overlaid lines cannot be told apart). Each panel is named after its policy,
//! in its colour, with one line of figures under the name.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{Step, Ticked, TimeAxis, count_ticks, round_ticks};
use super::outages;
use super::style::{self, FONT};
use super::{CompareChart, CompareView, DrawResult};
use crate::model::RunOutput;

/// Panels per row at most.
const COLUMNS: usize = 4;
/// Height of one row of panels, in pixels.
const ROW_HEIGHT: u32 = 210;
/// Height of the title and subtitle above the grid.
const HEAD: u32 = 70;

/// The columns of a grid of `n` panels: about square, at most [`COLUMNS`].
fn columns(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).clamp(1, COLUMNS)
}

/// The canvas size of a grid of `n` panels.
pub fn size(n: usize) -> (u32, u32) {
    let rows = n.max(1).div_ceil(columns(n)) as u32;
    (style::SIZE.0, HEAD + rows * ROW_HEIGHT)
}

/// What a grid shows: which chart, its subtitle (which says what y is), each policy's points
/// and the line of figures under its name.
pub struct Grid<'a> {
    /// The chart (title).
    pub chart: CompareChart,
    /// What the panels show, under the title.
    pub subtitle: String,
    /// One policy's points.
    pub line: &'a dyn Fn(&RunOutput) -> Vec<(f64, f64)>,
    /// One policy's figures, under its name.
    pub figures: &'a dyn Fn(&RunOutput) -> String,
}

/// Draws one panel per policy (replication 0), on shared axes, with the scenario's windows
/// shaded; a spike far above the rest is cut at the shared top and said in the subtitle.
pub fn draw_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
    grid: Grid,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let lines: Vec<Vec<(f64, f64)>> = view.outputs.iter().map(grid.line).collect();
    let every_point: Vec<(f64, f64)> = lines.iter().flatten().copied().collect();
    let (top, spike) = super::load::rate_top(&every_point);
    let mut subtitle = grid.subtitle.clone();
    if let Some((height, _)) = spike {
        subtitle.push_str(&format!(
            "; one peak of {} is cut at the top",
            style::count_label(height)
        ));
    }
    let title = grid.chart.full_title(view);
    let area = style::frame(root, &title, Some(&subtitle), &[])?;
    let end_s = view
        .outputs
        .iter()
        .filter_map(|o| o.samples.last())
        .map(|s| s.time.as_secs_f64())
        .fold(0.0, f64::max);
    let axis = TimeAxis::with_ticks(end_s, view.scenario.clock(), 4);
    let windows = outages::windows(view.scenario, axis.end_s);
    let n = lines.len().max(1);
    let cols = columns(n);
    let cells = area.split_evenly((n.div_ceil(cols), cols));
    for (i, (panel, points)) in cells.iter().zip(lines).enumerate() {
        let label = view.report.cells.get(i).map_or("", |c| c.label.as_str());
        let figures = view.outputs.get(i).map(grid.figures).unwrap_or_default();
        let head = PanelHead {
            index: i,
            label,
            figures: &figures,
        };
        draw_panel(panel, &head, &axis, &windows, top, points)?;
    }
    Ok(())
}

/// What a panel says above its plot.
struct PanelHead<'a> {
    /// Its policy's place (its colour).
    index: usize,
    /// Its policy's label.
    label: &'a str,
    /// Its line of figures.
    figures: &'a str,
}

/// One panel: its name and figures, then the plot.
fn draw_panel<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    head: &PanelHead,
    axis: &TimeAxis,
    windows: &[outages::Window],
    top: f64,
    points: Vec<(f64, f64)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (color, dash) = style::series(head.index);
    let name_font = (FONT, 15, FontStyle::Bold).into_font().color(&color);
    panel.draw_text(head.label, &name_font, (12, 4))?;
    let figures_font = (FONT, 13).into_font().color(&style::MUTED);
    panel.draw_text(head.figures, &figures_font, (12, 23))?;
    let (_, plot) = panel.split_vertically(40);
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(4)
        .margin_right(26)
        .margin_bottom(4)
        .x_label_area_size(22)
        .y_label_area_size(48)
        .build_cartesian_2d(
            Ticked::new(0.0..axis.end_s, axis.ticks.clone()),
            Ticked::new(0.0..top, round_ticks(0.0, top, 3.0, Step::Decimal)),
        )?;
    chart
        .configure_mesh()
        .x_label_formatter(&|v| axis.label(*v))
        .y_label_formatter(&count_ticks)
        .label_style((FONT, 13))
        .bold_line_style(style::GRID)
        .light_line_style(WHITE)
        .draw()?;
    outages::shade(&mut chart, windows, top)?;
    let clipped = super::load::clip(points, top);
    let fill = style::light(color, 0.7).mix(0.6).filled();
    style::draw_area(&mut chart, clipped.clone(), fill, None)?;
    style::draw_line(&mut chart, clipped, (color, dash), 2)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_about_square_and_grow_downwards() {
        assert_eq!(columns(1), 1);
        assert_eq!(columns(2), 2);
        assert_eq!(columns(4), 2);
        assert_eq!(columns(10), 4);
        assert_eq!(columns(30), 4);
        assert_eq!(size(10), (style::SIZE.0, HEAD + 3 * ROW_HEIGHT));
    }
}
