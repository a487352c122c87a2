//! Charts of a comparison: the policies overlaid (queue depth, receiver load and latency CDF
//! of replication 0 of each, which share their arrivals), and bounce and expiry rates over
//! every replication with 95% interval whiskers.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{self, Axes, TimeAxis};
use super::chart_list::chart_list;
use super::latency::{at_least_a_decade, cdf_axes};
use super::load::{hourly_steps, rate_axis_label, rate_samples};
use super::outages;
use super::style::{self, Swatch};
use super::{DrawResult, Drawing};
use crate::model::RunOutput;
use crate::report::StudyReport;
use crate::scenario::Scenario;

/// What a comparison chart is drawn from.
#[derive(Clone, Copy)]
pub struct CompareView<'a> {
    /// The scenario as written (its outages are shaded).
    pub scenario: &'a Scenario,
    /// Replication 0 of each policy, in cell order.
    pub outputs: &'a [RunOutput],
    /// The study's figures (labels, intervals).
    pub report: &'a StudyReport,
}

chart_list! {
    /// The charts of a comparison, in report order.
    pub enum CompareChart for CompareView<'_> {
        /// Messages in the queue over time, one line per policy.
        QueueDepth {
            file_stem: "compare-queue-depth",
            title: "Queue depth by policy",
            how_to_read: "Messages in the sender's queue (waiting for a retry, for a connection or in an attempt) under each policy, in replication 0: the same arrivals for every policy, so the lines differ only by the policy. Shaded bands are receiver outages.",
            draw: queue_depth_by_policy,
        },
        /// Attempts per hour over time, one line per policy.
        ReceiverLoad {
            file_stem: "compare-receiver-load",
            title: "Receiver load by policy",
            how_to_read: "SMTP attempts per hour the receiver sees under each policy (replication 0). Spikes after an outage are retry storms; a lower line spends fewer attempts.",
            draw: receiver_load_by_policy,
        },
        /// Latency CDF, one line per policy.
        LatencyCdf {
            file_stem: "compare-latency-cdf",
            title: "Delivery latency by policy",
            how_to_read: "Share of delivered messages delivered within a given time, per policy (replication 0, log time axis). A curve further left delivers sooner.",
            draw: latency_by_policy,
        },
        /// Bounce and expiry rates per policy with 95% interval whiskers.
        Outcomes {
            file_stem: "compare-outcomes",
            title: "Bounce and expiry rates by policy",
            how_to_read: "Bounce rate (permanent failures) and expiry rate (the policy gave up) per policy: bars are the means over every replication, whiskers the 95% confidence intervals.",
            draw: rates_by_policy,
        },
    }
}

impl CompareChart {
    /// The full title drawn on the chart, naming the scenario.
    pub fn full_title(self, view: &CompareView) -> String {
        format!("{} · {}", self.title(), view.report.meta.scenario)
    }
}

impl Drawing for (CompareChart, CompareView<'_>) {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (chart, view) = self;
        chart.draw(root, view)
    }
}

/// The colour of policy (or sweep line) `i`.
pub(super) fn color(i: usize) -> RGBColor {
    style::SERIES[i % style::SERIES.len()]
}

fn policy_legend(view: &CompareView) -> Vec<(Swatch, String)> {
    view.report
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| (Swatch::Line(color(i)), cell.label.clone()))
        .collect()
}

/// Draws messages in the queue of each policy over time.
fn queue_depth_by_policy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let queued = |output: &RunOutput| {
        output
            .samples
            .iter()
            .map(|s| (s.time.as_secs_f64(), s.queued() as f64))
            .collect()
    };
    let over_time = OverTime {
        chart: CompareChart::QueueDepth,
        y_desc: "messages in the queue".to_string(),
        line: &queued,
    };
    overlay_over_time(root, view, over_time)
}

/// Draws attempts per hour of each policy over time.
fn receiver_load_by_policy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let attempts =
        |output: &RunOutput| hourly_steps(&rate_samples(&output.samples), |s| s.attempts);
    // Every policy runs the same scenario, so their samples share one interval.
    let y_desc = view
        .outputs
        .first()
        .map_or("attempts per hour".to_string(), |o| {
            rate_axis_label("attempts", o.samples.every())
        });
    let over_time = OverTime {
        chart: CompareChart::ReceiverLoad,
        y_desc,
        line: &attempts,
    };
    overlay_over_time(root, view, over_time)
}

/// One line per policy over time: which chart, its y axis and each policy's points.
struct OverTime<'a> {
    chart: CompareChart,
    y_desc: String,
    line: &'a dyn Fn(&RunOutput) -> Vec<(f64, f64)>,
}

/// Draws one line per policy on a time chart with the scenario's outages shaded.
fn overlay_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
    over_time: OverTime,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let end_s = view
        .outputs
        .iter()
        .filter_map(|o| o.samples.last())
        .map(|s| s.time.as_secs_f64())
        .fold(0.0, f64::max);
    let axis = TimeAxis::with_clock(end_s, view.scenario.clock());
    let windows = outages::windows(view.scenario, axis.end_s);
    let mut legend = policy_legend(view);
    legend.extend(outages::legend(&windows));
    let area = style::frame(
        root,
        &over_time.chart.full_title(view),
        Some("replication 0 of each policy (same arrivals)"),
        &legend,
    )?;
    let lines: Vec<Vec<(f64, f64)>> = view.outputs.iter().map(over_time.line).collect();
    let peak = lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let top = style::headroom(peak);
    let mut chart = axes::time_chart(&area, &axis, &windows, top, &over_time.y_desc)?;
    for (i, line) in lines.into_iter().enumerate() {
        chart.draw_series(LineSeries::new(line, color(i).stroke_width(2)))?;
    }
    outages::label(&mut chart, &windows)?;
    Ok(())
}

/// Draws the latency CDF of each policy.
fn latency_by_policy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let area = style::frame(
        root,
        &CompareChart::LatencyCdf.full_title(view),
        Some(
            "share delivered within a given time of arriving; replication 0 of each policy (log time axis)",
        ),
        &policy_legend(view),
    )?;
    let first = view
        .outputs
        .iter()
        .filter_map(|o| o.latency.cdf.first())
        .map(|p| p.latency_s)
        .fold(f64::INFINITY, f64::min);
    let last = view
        .outputs
        .iter()
        .filter_map(|o| o.latency.cdf.last())
        .map(|p| p.latency_s)
        .fold(0.0, f64::max);
    if !first.is_finite() || last <= 0.0 {
        return style::note(
            &area,
            &[
                "No policy delivered anything,",
                "so there is no latency to plot.",
            ],
        );
    }
    let (low, high) = at_least_a_decade(first, last);
    let mut chart = axes::chart(&area, cdf_axes(low, high))?;
    for (i, output) in view.outputs.iter().enumerate() {
        let points: Vec<(f64, f64)> = output
            .latency
            .cdf
            .iter()
            .map(|p| (p.latency_s.log10(), p.fraction))
            .collect();
        chart.draw_series(LineSeries::new(points, color(i).stroke_width(3)))?;
    }
    Ok(())
}

/// Draws a bar from 0 to `mean` at `x ± width/2` with a whisker from `low` to `high`.
fn bar_with_whisker<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, axes::Coord>,
    x: f64,
    width: f64,
    (mean, low, high): (f64, f64, f64),
    fill: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let corners = [(x - width / 2.0, 0.0), (x + width / 2.0, mean)];
    chart.draw_series([
        Rectangle::new(corners, style::light(fill, 0.35).filled()),
        Rectangle::new(corners, fill.stroke_width(1)),
    ])?;
    if high > low {
        let ink = style::INK.stroke_width(2);
        let cap = width / 4.0;
        chart.draw_series([
            PathElement::new(vec![(x, low), (x, high)], ink),
            PathElement::new(vec![(x - cap, low), (x + cap, low)], ink),
            PathElement::new(vec![(x - cap, high), (x + cap, high)], ink),
        ])?;
    }
    Ok(())
}

/// The rates drawn side by side for each policy: (metric, legend, colour).
const RATES: [(&str, &str, RGBColor); 2] = [
    ("bounce_rate", "bounce rate", style::RED),
    ("expiry_rate", "expiry rate", style::ORANGE),
];

/// Decimal places of a percent axis whose top is `top`.
fn percent_places(top: f64) -> usize {
    if top < 1.0 {
        2
    } else if top < 10.0 {
        1
    } else {
        0
    }
}

/// Draws bounce and expiry rates per policy (means over every replication, in percent) with
/// their 95% intervals.
fn rates_by_policy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let report = view.report;
    let subtitle = format!(
        "means over {} replication(s); whiskers: 95% confidence intervals",
        report.meta.replications
    );
    let legend: Vec<(Swatch, String)> = RATES
        .iter()
        .map(|(_, name, c)| (Swatch::Fill(style::light(*c, 0.35)), name.to_string()))
        .collect();
    let title = CompareChart::Outcomes.full_title(view);
    let area = style::frame(root, &title, Some(&subtitle), &legend)?;
    let indices = RATES.map(|(metric, _, _)| report.metrics.index(metric));
    // (mean, low, high) of rate `k` in cell `cell`, in percent.
    let figures = |cell: usize, k: usize| {
        let row = &report.cells[cell].metrics[indices[k]?];
        let mean = row.mean? * 100.0;
        Some((
            mean,
            row.low.unwrap_or(0.0) * 100.0,
            row.high.unwrap_or(0.0) * 100.0,
        ))
    };
    let top = (0..report.cells.len())
        .flat_map(|c| (0..RATES.len()).filter_map(move |k| figures(c, k)))
        .map(|(mean, _, high)| mean.max(high))
        .fold(0.0, f64::max);
    if top <= 0.0 {
        return style::note(
            &area,
            &[
                "No message bounced or expired",
                "under any policy in any replication.",
            ],
        );
    }
    let top = style::headroom(top);
    let places = percent_places(top);
    let labels: Vec<String> = report.cells.iter().map(|c| c.label.clone()).collect();
    let label_of = |x: &f64| labels.get(x.round() as usize).cloned().unwrap_or_default();
    let axes = Axes {
        x: -0.5..labels.len() as f64 - 0.5,
        x_ticks: (0..labels.len()).map(|i| i as f64).collect(),
        x_desc: "retry policy",
        x_label: &label_of,
        top,
        y_desc: "share of arrived messages, %",
        y_label: &|y| format!("{y:.places$}%"),
    };
    let mut chart = axes::chart(&area, axes)?;
    for cell in 0..labels.len() {
        for (k, (_, _, fill)) in RATES.iter().enumerate() {
            if let Some(figure) = figures(cell, k) {
                let x = cell as f64 - 0.18 + 0.36 * k as f64;
                bar_with_whisker(&mut chart, x, 0.32, figure, *fill)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_comparison_chart_has_its_own_file_and_words() {
        let mut stems: Vec<&str> = CompareChart::ALL.iter().map(|c| c.file_stem()).collect();
        assert!(stems.iter().all(|s| s.starts_with("compare-")), "{stems:?}");
        assert!(
            CompareChart::ALL
                .iter()
                .all(|c| c.how_to_read().ends_with('.'))
        );
        stems.sort_unstable();
        stems.dedup();
        assert_eq!(
            stems.len(),
            CompareChart::ALL.len(),
            "file stems are unique"
        );
    }

    #[test]
    fn percent_axes_keep_small_rates_readable() {
        assert_eq!(percent_places(0.5), 2);
        assert_eq!(percent_places(5.0), 1);
        assert_eq!(percent_places(50.0), 0);
    }
}
