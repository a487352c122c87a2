//! Each receiver's deferral rate over time (deferrals per attempt in each sample interval): a
//! deliverability signal that shows an incident, a ban or a warming IP at one receiver while
//! the others stay clean. Per-IP figures are in `deliverability.csv`, not charted.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes;
use super::load::line_legend;
use super::outages;
use super::style;
use super::{Chart, DrawResult, RunView};
use crate::metrics::{Outcomes, Sample};

/// One constant stretch of a rate: its start and end points.
type Step = [(f64, f64); 2];

/// Draws each receiver's deferral rate (deferrals per attempt, in percent) over time: a
/// deliverability signal that shows an incident, a ban or a warming IP at one receiver while
/// the others stay clean. Intervals without attempts are left blank.
pub(super) fn deferral_rate<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let deliverability = &view.output.deliverability;
    let receivers = deliverability
        .receivers()
        .min(view.scenario.receivers.len());
    let series: Vec<(String, RGBColor, Vec<Step>)> = (0..receivers)
        .map(|r| {
            let counts: Vec<Outcomes> = deliverability.receiver_over_time(r).collect();
            let color = style::SERIES[r % style::SERIES.len()];
            let name = view.scenario.receivers[r].name.clone();
            (name, color, rate_steps(samples, &counts))
        })
        .collect();
    let legend = line_legend(&series, &windows);
    let subtitle = "deferrals per attempt in each sample interval, by receiver";
    let area = style::frame(
        root,
        &Chart::DeferralRate.full_title(view),
        Some(subtitle),
        &legend,
    )?;
    if series.iter().all(|(_, _, steps)| steps.is_empty()) {
        return style::note(&area, &["No attempts were made."]);
    }
    let y_desc = format!("deferral rate, % ({} intervals)", samples.every());
    let mut chart = axes::time_chart(&area, &axis, &windows, 100.0, &y_desc)?;
    for (_, color, steps) in series {
        for path in paths(steps) {
            chart.draw_series(std::iter::once(PathElement::new(
                path,
                color.stroke_width(2),
            )))?;
        }
    }
    outages::label(&mut chart, &windows)?;
    Ok(())
}

/// The deferral rate (percent) in each sample interval with attempts; `counts` are the
/// cumulative outcomes at each sample.
fn rate_steps(samples: &[Sample], counts: &[Outcomes]) -> Vec<Step> {
    samples
        .windows(2)
        .zip(counts.windows(2))
        .filter(|(_, c)| c[1].attempts > c[0].attempts)
        .map(|(s, c)| {
            let rate = (c[1].deferred - c[0].deferred) as f64
                / (c[1].attempts - c[0].attempts) as f64
                * 100.0;
            [
                (s[0].time.as_secs_f64(), rate),
                (s[1].time.as_secs_f64(), rate),
            ]
        })
        .collect()
}

/// One path per run of consecutive steps, so that intervals without attempts stay blank.
fn paths(steps: Vec<Step>) -> Vec<Vec<(f64, f64)>> {
    let mut paths = Vec::new();
    let mut path: Vec<(f64, f64)> = Vec::new();
    for step in steps {
        if path.last().is_some_and(|last| last.0 < step[0].0) {
            paths.push(std::mem::take(&mut path));
        }
        path.extend(step);
    }
    paths.push(path);
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn rates_are_per_interval_and_gaps_stay_blank() {
        let samples = [0, 60, 120, 180].map(|s| Sample {
            time: SimTime(s * 1000),
            ..Sample::default()
        });
        let counts = [(0, 0), (4, 1), (4, 1), (6, 3)].map(|(attempts, deferred)| Outcomes {
            attempts,
            deferred,
            rejected: 0,
        });
        let steps = rate_steps(&samples, &counts);
        assert_eq!(
            steps,
            vec![
                [(0.0, 25.0), (60.0, 25.0)],
                [(120.0, 100.0), (180.0, 100.0)]
            ]
        );
        assert_eq!(
            paths(steps),
            vec![
                vec![(0.0, 25.0), (60.0, 25.0)],
                vec![(120.0, 100.0), (180.0, 100.0)]
            ]
        );
        // Consecutive intervals make one path.
        let joined = paths(vec![[(0.0, 1.0), (60.0, 1.0)], [(60.0, 2.0), (120.0, 2.0)]]);
        assert_eq!(joined.len(), 1);
    }
}
