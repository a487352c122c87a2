//! The axes of every chart: a linear x axis with ticks the chart chooses (human times,
//! categories) against a count from zero, drawn in the common style; and the time charts of a
//! run, from zero to its end with its outage windows shaded.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::RunView;
use super::outages::{self, Window};
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
    /// (multiples of the step since midnight; midnights for steps of a day or more). The last
    /// tick is within a quarter step of the axis's end.
    pub fn with_clock(end_s: f64, clock: Option<&Clock>) -> TimeAxis {
        TimeAxis::with_ticks(end_s, clock, 12)
    }

    /// The same with at most `most` ticks, for small panels.
    pub fn with_ticks(end_s: f64, clock: Option<&Clock>, most: u32) -> TimeAxis {
        const STEPS: [u64; 17] = [
            60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
            345_600, 604_800, 1_209_600, 2_419_200,
        ];
        let end_s = end_s.max(60.0);
        let step = STEPS
            .iter()
            .map(|&s| s as f64)
            .find(|&s| end_s / s <= f64::from(most))
            .unwrap_or(end_s / f64::from(most));
        let into_day = clock
            .and_then(|c| c.millis_into_day(SimTime::ZERO))
            .map_or(0.0, |ms| ms as f64 / 1000.0);
        let period = step.min(86_400.0);
        let first = (period - into_day % period) % period;
        // The axis ends at the data's end when a tick is close to it (within a quarter
        // step), else at the next tick, so the last stretch is always labelled.
        let whole = ((end_s - first) / step + 1e-9).floor().max(0.0);
        let (count, end_s) = if end_s - first - whole * step <= step / 4.0 {
            (whole as u64, end_s)
        } else {
            (whole as u64 + 1, first + (whole + 1.0) * step)
        };
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

impl Ticked {
    /// An axis over `range` labelled at `ticks`.
    pub fn new(range: Range<f64>, ticks: Vec<f64>) -> Ticked {
        Ticked { range, ticks }
    }
}

/// The coordinates of every chart: ticked `f64` axes, the ticks chosen by the chart.
pub type Coord = Cartesian2d<Ticked, Ticked>;

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
    /// How the y ticks are spaced.
    pub y_step: Step,
}

/// How ticks are spaced: at 1, 2 or 5 times a power of ten, or at round durations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// 1, 2, 5, 10, 20, 50 …
    Decimal,
    /// Seconds at 1, 2, 5, 10, 15, 30 s or min, 1, 2, 3, 6, 12 h, 1, 2, 7 d (decimal below 4 s).
    Duration,
}

/// Round ticks from `low` to `high` (zero among them when it lies within), at most about
/// `most` intervals apart.
pub fn round_ticks(low: f64, high: f64, most: f64, step: Step) -> Vec<f64> {
    let span = high - low;
    if span <= 0.0 || !span.is_finite() {
        return vec![low];
    }
    let candidates: Vec<f64> = match step {
        Step::Duration if span >= 4.0 => vec![
            1.0,
            2.0,
            5.0,
            10.0,
            15.0,
            30.0,
            60.0,
            120.0,
            300.0,
            600.0,
            900.0,
            1800.0,
            3600.0,
            7200.0,
            10_800.0,
            21_600.0,
            43_200.0,
            86_400.0,
            172_800.0,
            604_800.0,
            1_209_600.0,
            2_419_200.0,
        ],
        _ => {
            let base = 10f64.powf((span / most).log10().floor());
            vec![base, base * 2.0, base * 5.0, base * 10.0]
        }
    };
    let size = candidates
        .iter()
        .copied()
        .find(|s| span / s <= most)
        .unwrap_or(span / most);
    let first = (low / size - 1e-9).ceil() as i64;
    let last = (high / size + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * size).collect()
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
            Ticked {
                range: 0.0..axes.top,
                ticks: round_ticks(0.0, axes.top, 8.0, axes.y_step),
            },
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
        .draw()?;
    Ok(chart)
}

/// A chart over time from zero to `axis.end_s` and from zero to `top`, with human time ticks,
/// `y_label` tick labels and the outage windows shaded. The caller makes room for the window
/// labels first ([`outages::make_room`]), draws the series, then [`outages::Room::finish`].
pub fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    axis: &TimeAxis,
    windows: &[Window],
    (top, y_desc): (f64, &str),
    y_label: Labeller,
) -> Result<ChartContext<'a, DB, Coord>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let mut chart = chart(
        area,
        Axes {
            x: 0.0..axis.end_s,
            x_ticks: axis.ticks.clone(),
            x_desc: &axis.description(),
            x_label: &|v| axis.label(*v),
            top,
            y_desc,
            y_label,
            y_step: Step::Decimal,
        },
    )?;
    outages::shade(&mut chart, windows, top)?;
    Ok(chart)
}

/// Count tick labels: `950`, `12.5k`.
pub fn count_ticks(value: &f64) -> String {
    count_label(*value)
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
        // An end far from a tick is rounded up to the next one, so the last tick is drawn;
        // one just past a tick keeps its end.
        let axis = TimeAxis::with_clock(5.0 * 3600.0 + 1200.0, None);
        assert_eq!(axis.end_s, 5.5 * 3600.0);
        assert_eq!(axis.ticks.last(), Some(&axis.end_s));
        let axis = TimeAxis::with_clock(12.0 * 3600.0 + 300.0, None);
        assert_eq!(axis.end_s, 12.0 * 3600.0 + 300.0);
        assert_eq!(axis.ticks.last(), Some(&(12.0 * 3600.0)));
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
    fn ticks_are_round_in_their_unit() {
        assert_eq!(
            round_ticks(0.0, 50_000.0, 8.0, Step::Duration),
            (0..=6).map(|h| f64::from(h) * 7200.0).collect::<Vec<_>>()
        );
        assert_eq!(
            round_ticks(0.0, 4500.0, 8.0, Step::Decimal),
            (0..=4).map(|k| f64::from(k) * 1000.0).collect::<Vec<_>>()
        );
        assert_eq!(
            round_ticks(-1000.0, 4000.0, 4.0, Step::Duration),
            vec![0.0, 1800.0, 3600.0]
        );
        assert_eq!(round_ticks(0.0, 100.0, 8.0, Step::Decimal).len(), 6);
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
