//! The axes of every chart: a linear x axis with ticks the chart chooses (human times,
//! categories) against a count from zero, drawn in the common style; and the time charts of a
//! run, from zero to its end with its outage windows shaded.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::RunView;
use super::outages::{self, LABEL_ROWS, Window};
use super::style::{FONT, GRID, count_label, time_label};
use crate::domain::Clock;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::TimeSeries;

/// A time axis from zero to `end_s` seconds with ticks at a human step (1 min … 1 week),
/// labelled with the time since the start, or with clock times (`09:00`, `Tue 12:00` when the
/// run spans days) for a run with a start.
pub struct TimeAxis {
    /// The end of the axis, in seconds.
    pub end_s: f64,
    /// Tick positions in seconds.
    pub ticks: Vec<f64>,
    /// The run's clock, if it has a start.
    clock: Option<Clock>,
}

impl TimeAxis {
    /// Ticks every 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1, 2, 7 d: the finest step
    /// that gives at most 12 ticks. With a clock, the ticks fall on round clock times
    /// (multiples of the step since midnight; midnights for steps of a day or more).
    pub fn with_clock(end_s: f64, clock: Option<&Clock>) -> TimeAxis {
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
        let into_day = clock
            .and_then(|c| c.millis_into_day(SimTime::ZERO))
            .map_or(0.0, |ms| ms as f64 / 1000.0);
        let period = step.min(86_400.0);
        let first = (period - into_day % period) % period;
        let count = ((end_s - first) / step).floor().max(0.0) as u64;
        let ticks = (0..=count).map(|i| first + i as f64 * step).collect();
        TimeAxis {
            end_s,
            ticks,
            clock: clock.copied(),
        }
    }

    /// The label of the tick at `seconds`.
    pub fn label(&self, seconds: f64) -> String {
        let Some(clock) = &self.clock else {
            return time_label(seconds);
        };
        let at = SimTime(SimDuration::from_secs_f64(seconds).as_millis());
        let end = SimTime(SimDuration::from_secs_f64(self.end_s).as_millis());
        if clock.spans_days(SimTime::ZERO, end) {
            clock.day_and_time(at)
        } else {
            clock.time_of_day(at)
        }
    }

    /// What the axis shows.
    pub fn description(&self) -> String {
        match &self.clock {
            Some(clock) => format!("clock time (UTC{}, simulated)", clock.offset_text()),
            None => "time since the start (simulated)".to_string(),
        }
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
/// [`outages::label`].
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
            x_desc: &axis.description(),
            x_label: &|v| axis.label(*v),
            top,
            y_desc,
            y_label: &|v| count_label(*v),
        },
    )?;
    outages::shade(&mut chart, windows, top)?;
    Ok(chart)
}

/// The samples of a run, the time axis they span and the outage windows within it.
pub fn timeline<'a>(view: &RunView<'a>) -> (&'a TimeSeries, TimeAxis, Vec<Window>) {
    let samples = &view.output.samples;
    let end_s = samples.last().map_or(0.0, |s| s.time.as_secs_f64());
    let axis = TimeAxis::with_clock(end_s, view.scenario.clock());
    let windows = outages::windows(view.scenario, axis.end_s);
    (samples, axis, windows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::{BoldPoints, LightPoints};

    #[test]
    fn time_ticks_use_human_steps() {
        let axis = TimeAxis::with_clock(6.0 * 3600.0, None);
        assert_eq!(axis.ticks[1], 1800.0);
        assert_eq!(axis.ticks.len(), 13);
        assert_eq!(
            TimeAxis::with_clock(3.0 * 86_400.0, None).ticks[1],
            21_600.0
        );
        assert_eq!(axis.label(5400.0), "1h30m");
        assert_eq!(axis.description(), "time since the start (simulated)");
    }

    #[test]
    fn with_a_start_ticks_fall_on_round_clock_times() {
        let clock = Clock::parse("2026-11-30T09:10:00+01:00").unwrap();
        // 6 hours: every 30 minutes from 09:30 (20 minutes in).
        let axis = TimeAxis::with_clock(6.0 * 3600.0, Some(&clock));
        assert_eq!(axis.ticks[0], 1200.0);
        assert_eq!(axis.label(axis.ticks[0]), "09:30");
        assert_eq!(axis.label(axis.ticks[1]), "10:00");
        assert_eq!(axis.description(), "clock time (UTC+01:00, simulated)");
        // 3 days: every 6 hours from 12:00, with the weekday.
        let axis = TimeAxis::with_clock(3.0 * 86_400.0, Some(&clock));
        assert_eq!(axis.label(axis.ticks[0]), "Mon 12:00");
        assert_eq!(axis.label(axis.ticks[3]), "Tue 06:00");
        assert!(axis.ticks.iter().all(|&t| t <= axis.end_s));
    }

    #[test]
    fn a_ticked_axis_maps_linearly_and_labels_only_its_ticks() {
        let axis = Ticked {
            range: 0.0..10.0,
            ticks: vec![0.0, 5.0, 10.0],
        };
        assert_eq!(axis.map(&5.0, (0, 100)), 50);
        assert_eq!(axis.map(&2.5, (100, 0)), 75);
        assert_eq!(axis.key_points(BoldPoints(3)), vec![0.0, 5.0, 10.0]);
        assert!(axis.key_points(LightPoints::new(3, 10)).is_empty());
    }
}
