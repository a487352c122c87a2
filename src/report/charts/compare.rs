//! Charts of a comparison: the forest plot of paired differences (`forest`), small
//! multiples of queue depth and receiver load, one panel per policy on shared axes
//! (`panels`), the latency CDFs overlaid (twelve colours and three dash patterns keep ten
//! policies apart), and bounce and expiry rates with 95% interval whiskers. Replication 0 of
//! each policy is drawn where a chart shows one run: the same arrivals for every policy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{self, Axes};
use super::chart_list::chart_list;
use super::forest;
use super::latency::{at_least_a_decade, cdf_axes};
use super::load::{hourly_steps, rate_samples};
use super::panels::{self, Grid};
use super::style::{self, Swatch};
use super::{DrawResult, Drawing};
use crate::model::RunOutput;
use crate::report::StudyReport;
use crate::report::units::{count, duration};
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
        /// Paired differences against the baseline, with their intervals.
        Forest {
            file_stem: "compare-differences",
            title: "Differences from the baseline",
            how_to_read: "Each row is a policy, best first by the ranked metric; each panel a metric. The dot is the policy's mean paired difference from the baseline (its value minus the baseline's, replication by replication, on the same arrivals), the whisker its 95% confidence interval. A whisker clear of the dashed zero line is a real difference, not noise; the arrow over each panel says which side is better.",
            draw: forest::forest,
        },
        /// Messages in the queue over time, one panel per policy.
        QueueDepth {
            file_stem: "compare-queue-depth",
            title: "Queue depth by policy",
            how_to_read: "One panel per policy, all on the same axes: messages in the sender's queue (waiting for a retry, for a connection or in an attempt) in replication 0, which has the same arrivals under every policy, so the panels differ only by the policy. Grey bands are receiver outages and incidents. Under each name: the peak and when all mail was done.",
            draw: queue_depth_by_policy,
        },
        /// Attempts per hour over time, one panel per policy.
        ReceiverLoad {
            file_stem: "compare-receiver-load",
            title: "Receiver load by policy",
            how_to_read: "One panel per policy, on the same axes: SMTP attempts per hour the receiver sees (replication 0). Spikes after an outage are retry storms; a lower curve spends fewer attempts. Under each name: the attempts in all.",
            draw: receiver_load_by_policy,
        },
        /// Latency CDF, one line per policy.
        LatencyCdf {
            file_stem: "compare-latency-cdf",
            title: "Delivery latency by policy",
            how_to_read: "Share of delivered messages delivered within a given time, per policy (replication 0, log time axis); each policy has its own colour and dash. A curve further left delivers sooner; the height where a curve flattens out is its share delivered.",
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

    /// Why the chart has nothing to show, if so: the report says this in one line instead
    /// of giving the chart its full space.
    pub fn empty_note(self, view: &CompareView) -> Option<String> {
        match self {
            CompareChart::Forest => forest::empty(view.report),
            CompareChart::LatencyCdf if view.outputs.iter().all(|o| o.latency.cdf.is_empty()) => {
                Some("No policy delivered anything, so there is no latency to compare.".into())
            }
            CompareChart::Outcomes if rates_top(view.report) <= 0.0 => {
                Some("No message bounced or expired under any policy in any replication.".into())
            }
            _ => None,
        }
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

    fn size(&self) -> (u32, u32) {
        let (chart, view) = self;
        match chart {
            CompareChart::Forest => forest::size(forest::rows(view.report).len()),
            CompareChart::QueueDepth | CompareChart::ReceiverLoad => {
                panels::size(view.outputs.len())
            }
            _ => style::SIZE,
        }
    }
}

fn policy_legend(view: &CompareView) -> Vec<(Swatch, String)> {
    view.report
        .cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let (color, dash) = style::series(i);
            (Swatch::Series(color, dash), cell.label.clone())
        })
        .collect()
}

/// Draws messages in the queue of each policy over time, one panel each.
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
    let figures = |output: &RunOutput| {
        let peak = output.samples.iter().map(|s| s.queued()).max().unwrap_or(0);
        let done = output
            .summary
            .all_done_s
            .map_or("not done by the end".to_string(), |t| {
                format!("all done at {}", duration(t))
            });
        format!("peak {} · {done}", count(peak as f64))
    };
    let grid = Grid {
        chart: CompareChart::QueueDepth,
        subtitle: "messages in the queue, replication 0 of each policy (same arrivals)".into(),
        line: &queued,
        figures: &figures,
    };
    panels::draw_grid(root, view, grid)
}

/// Draws attempts per hour of each policy over time, one panel each.
fn receiver_load_by_policy<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let attempts =
        |output: &RunOutput| hourly_steps(&rate_samples(&output.samples), |s| s.attempts);
    let figures =
        |output: &RunOutput| format!("{} attempts", count(output.summary.attempts as f64));
    // Every policy runs the same scenario, so their samples share one interval.
    let every = view.outputs.first().map_or(String::new(), |o| {
        format!(" ({} averages)", o.samples.every())
    });
    let grid = Grid {
        chart: CompareChart::ReceiverLoad,
        subtitle: format!("SMTP attempts per hour{every}, replication 0 of each policy"),
        line: &attempts,
        figures: &figures,
    };
    panels::draw_grid(root, view, grid)
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
        style::draw_line(&mut chart, points, style::series(i), 3)?;
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

/// (mean, low, high) of rate `k` of [`RATES`] in cell `cell`, in percent.
fn rate_figure(report: &StudyReport, cell: usize, k: usize) -> Option<(f64, f64, f64)> {
    let row = &report.cells[cell].metrics[report.metrics.index(RATES[k].0)?];
    let mean = row.mean? * 100.0;
    Some((
        mean,
        row.low.unwrap_or(0.0) * 100.0,
        row.high.unwrap_or(0.0) * 100.0,
    ))
}

/// The highest mean or interval end of any rate of any cell, in percent.
fn rates_top(report: &StudyReport) -> f64 {
    (0..report.cells.len())
        .flat_map(|c| (0..RATES.len()).filter_map(move |k| rate_figure(report, c, k)))
        .map(|(mean, _, high)| mean.max(high))
        .fold(0.0, f64::max)
}

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
    let figures = |cell: usize, k: usize| rate_figure(report, cell, k);
    let top = rates_top(report);
    if top <= 0.0 {
        return style::note(
            &area,
            &["No message bounced or expired under any policy in any replication."],
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
        y_step: axes::Step::Decimal,
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
