//! Charts of studies: the policies of a comparison overlaid (queue depth, receiver load and
//! latency CDF of replication 0 of each; bounce and expiry rates over every replication with
//! 95% interval whiskers), and a sweep's metrics against its first parameter with the target
//! and its threshold marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::latency::{at_least_a_decade, cdf_axes};
use super::load::{hourly_steps, rate_samples};
use super::style::{self, Axes, Swatch, TimeAxis};
use super::{DrawResult, Drawing, RunView};
use crate::model::RunOutput;
use crate::report::{StudyReport, human, sweep_lines};
use crate::scenario::Scenario;
use crate::study::metric_index;
use crate::study::sweep::axis_value;

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

/// The charts of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompareChart {
    /// Messages in the queue over time, one line per policy.
    QueueDepth,
    /// Attempts per hour over time, one line per policy.
    ReceiverLoad,
    /// Latency CDF, one line per policy.
    LatencyCdf,
    /// Bounce and expiry rates per policy with 95% interval whiskers.
    Outcomes,
}

impl CompareChart {
    /// Every comparison chart, in report order.
    pub const ALL: [CompareChart; 4] = [
        CompareChart::QueueDepth,
        CompareChart::ReceiverLoad,
        CompareChart::LatencyCdf,
        CompareChart::Outcomes,
    ];

    /// The file name without extension.
    pub fn file_stem(self) -> &'static str {
        match self {
            CompareChart::QueueDepth => "compare-queue-depth",
            CompareChart::ReceiverLoad => "compare-receiver-load",
            CompareChart::LatencyCdf => "compare-latency-cdf",
            CompareChart::Outcomes => "compare-outcomes",
        }
    }

    /// How to read it (the caption in the report).
    pub fn how_to_read(self) -> &'static str {
        match self {
            CompareChart::QueueDepth => {
                "Messages in the sender's queue (waiting for a retry, for a connection or in an attempt) under each policy, in replication 0: the same arrivals for every policy, so the lines differ only by the policy. Shaded bands are receiver outages."
            }
            CompareChart::ReceiverLoad => {
                "SMTP attempts per hour the receiver sees under each policy (replication 0). Spikes after an outage are retry storms; a lower line spends fewer attempts."
            }
            CompareChart::LatencyCdf => {
                "Share of delivered messages delivered within a given time, per policy (replication 0, log time axis). A curve further left delivers sooner."
            }
            CompareChart::Outcomes => {
                "Bounce rate (permanent failures) and expiry rate (the policy gave up) per policy: bars are the means over every replication, whiskers the 95% confidence intervals."
            }
        }
    }
}

impl Drawing for (CompareChart, CompareView<'_>) {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let (chart, view) = self;
        match chart {
            CompareChart::QueueDepth => overlay_over_time(root, view, false),
            CompareChart::ReceiverLoad => overlay_over_time(root, view, true),
            CompareChart::LatencyCdf => overlay_latency(root, view),
            CompareChart::Outcomes => outcome_bars(root, view),
        }
    }
}

fn color(i: usize) -> RGBColor {
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

/// Queue depth (or, with `load`, attempts per hour) of each policy over time.
fn overlay_over_time<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
    load: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let scenario = &view.report.meta.scenario;
    let (title, y_desc) = if load {
        (
            format!("Receiver load by policy · {scenario}"),
            format!(
                "attempts per hour ({} averages)",
                view.scenario.run.sample_every
            ),
        )
    } else {
        (
            format!("Queue depth by policy · {scenario}"),
            "messages in the queue".to_string(),
        )
    };
    let end_s = view
        .outputs
        .iter()
        .filter_map(|o| o.samples.last())
        .map(|s| s.time.as_secs_f64())
        .fold(0.0, f64::max);
    let axis = TimeAxis::new(end_s);
    let windows = match view.outputs.first() {
        Some(output) => style::outage_windows(
            &RunView {
                scenario: view.scenario,
                output,
            },
            axis.end_s,
        ),
        None => Vec::new(),
    };
    let mut legend = policy_legend(view);
    legend.extend(style::outage_legend(&windows));
    let area = style::frame(
        root,
        &title,
        Some("replication 0 of each policy (same arrivals)"),
        &legend,
    )?;
    let lines: Vec<Vec<(f64, f64)>> = view
        .outputs
        .iter()
        .map(|output| {
            if load {
                let rated = rate_samples(&output.samples, view.scenario.run.sample_every);
                hourly_steps(&rated, |s| s.attempts)
            } else {
                output
                    .samples
                    .iter()
                    .map(|s| (s.time.as_secs_f64(), s.queued() as f64))
                    .collect()
            }
        })
        .collect();
    let peak = lines.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let mut chart = style::time_chart(&area, &axis, &windows, style::headroom(peak), &y_desc)?;
    for (i, line) in lines.into_iter().enumerate() {
        chart.draw_series(LineSeries::new(line, color(i).stroke_width(2)))?;
    }
    style::label_outages(&mut chart, &windows)?;
    Ok(())
}

fn overlay_latency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &CompareView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let title = format!("Delivery latency by policy · {}", view.report.meta.scenario);
    let area = style::frame(
        root,
        &title,
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
    let mut chart = style::chart(&area, cdf_axes(low, high))?;
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
    chart: &mut ChartContext<'_, DB, style::Coord>,
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

fn outcome_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &CompareView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let report = view.report;
    let title = format!(
        "Bounce and expiry rates by policy · {}",
        report.meta.scenario
    );
    let subtitle = format!(
        "means over {} replication(s); whiskers: 95% confidence intervals",
        report.meta.replications
    );
    let rates = [("bounce rate", style::RED), ("expiry rate", style::ORANGE)];
    let legend: Vec<(Swatch, String)> = rates
        .iter()
        .map(|(name, c)| (Swatch::Fill(style::light(*c, 0.35)), name.to_string()))
        .collect();
    let area = style::frame(root, &title, Some(&subtitle), &legend)?;
    let indices = [metric_index("bounce_rate"), metric_index("expiry_rate")];
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
        .flat_map(|c| (0..2).filter_map(move |k| figures(c, k)))
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
    let places = if top < 1.0 {
        2
    } else if top < 10.0 {
        1
    } else {
        0
    };
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
    let mut chart = style::chart(&area, axes)?;
    for cell in 0..labels.len() {
        for (k, (_, fill)) in rates.iter().enumerate() {
            if let Some(figure) = figures(cell, k) {
                let x = cell as f64 - 0.18 + 0.36 * k as f64;
                bar_with_whisker(&mut chart, x, 0.32, figure, *fill)?;
            }
        }
    }
    Ok(())
}

/// What a sweep chart is drawn from.
#[derive(Clone, Copy)]
pub struct SweepView<'a> {
    /// The study's figures.
    pub report: &'a StudyReport,
    /// The metric to draw.
    pub metric: &'a str,
}

impl Drawing for SweepView<'_> {
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        sweep_chart(root, self)
    }
}

/// The file stem of a sweep chart, e.g. `sweep-latency_s.p99`.
pub fn sweep_file_stem(metric: &str) -> String {
    format!("sweep-{metric}")
}

fn sweep_chart<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, view: &SweepView) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let report = view.report;
    let path = report.sweep_paths.first().cloned().unwrap_or_default();
    let cells: Vec<_> = report.cells.iter().map(|c| c.settings.clone()).collect();
    let study_cells: Vec<crate::study::Cell> = report
        .cells
        .iter()
        .map(|c| crate::study::Cell {
            label: c.label.clone(),
            settings: c.settings.clone(),
        })
        .collect();
    let lines = sweep_lines(&study_cells);
    let Some(m) = metric_index(view.metric) else {
        return Ok(());
    };
    let target = report.target.as_ref().filter(|t| t.metric == view.metric);
    let mut legend: Vec<(Swatch, String)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let fixed: Vec<String> = line
                .first()
                .map(|&c| {
                    cells[c][1..]
                        .iter()
                        .map(|(p, v)| format!("{p}={v}"))
                        .collect()
                })
                .unwrap_or_default();
            let name = if fixed.is_empty() {
                format!("{} (mean, 95% CI)", view.metric)
            } else {
                fixed.join(", ")
            };
            (Swatch::Line(color(i)), name)
        })
        .collect();
    if let Some(target) = target {
        legend.push((
            Swatch::Dashed(style::RED),
            format!("target {} {}", target.operator(), human(target.limit)),
        ));
    }
    let title = format!("{} against {path} · {}", view.metric, report.meta.scenario);
    let subtitle = format!(
        "mean over {} replication(s) per point, whiskers: 95% confidence intervals",
        report.meta.replications
    );
    let area = style::frame(root, &title, Some(&subtitle), &legend)?;
    let first_values: Vec<String> = lines
        .first()
        .map(|line| line.iter().map(|&c| cells[c][0].1.clone()).collect())
        .unwrap_or_default();
    let numeric: Option<Vec<f64>> = first_values.iter().map(|v| axis_value(v)).collect();
    // A numeric parameter is drawn to scale; anything else at equal steps.
    let xs: Vec<f64> =
        numeric.unwrap_or_else(|| (0..first_values.len()).map(|i| i as f64).collect());
    let (x_min, x_max) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if !x_min.is_finite() {
        return style::note(&area, &["The sweep has no points."]);
    }
    let pad = if x_max > x_min {
        (x_max - x_min) * 0.05
    } else {
        1.0
    };
    let value_of = |x: &f64| {
        xs.iter()
            .position(|v| (v - x).abs() < 1e-9)
            .map(|i| first_values[i].clone())
            .unwrap_or_default()
    };
    let top = report
        .cells
        .iter()
        .filter_map(|c| c.metrics[m].high.or(c.metrics[m].mean))
        .chain(target.map(|t| t.limit))
        .fold(0.0, f64::max);
    let axes = Axes {
        x: x_min - pad..x_max + pad,
        x_ticks: xs.clone(),
        x_desc: &path,
        x_label: &value_of,
        top: style::headroom(top.max(1e-9)),
        y_desc: view.metric,
        y_label: &|y| human(*y),
    };
    let mut chart = style::chart(&area, axes)?;
    for (i, line) in lines.iter().enumerate() {
        let points: Vec<(f64, f64)> = line
            .iter()
            .zip(&xs)
            .filter_map(|(&c, &x)| Some((x, report.cells[c].metrics[m].mean?)))
            .collect();
        chart.draw_series(LineSeries::new(points.clone(), color(i).stroke_width(2)))?;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color(i).filled())))?;
        for (&c, &x) in line.iter().zip(&xs) {
            let row = &report.cells[c].metrics[m];
            if let (Some(low), Some(high)) = (row.low, row.high)
                && high > low
            {
                chart.draw_series([PathElement::new(
                    vec![(x, low), (x, high)],
                    color(i).stroke_width(2),
                )])?;
            }
        }
    }
    if let Some(target) = target {
        chart.draw_series(DashedLineSeries::new(
            [(x_min - pad, target.limit), (x_max + pad, target.limit)],
            8,
            5,
            style::RED.stroke_width(2),
        ))?;
        let font = (style::FONT, 14).into_font().color(&style::RED);
        for threshold in &report.thresholds {
            let Some(cell) = threshold.cell else { continue };
            let Some(x) = lines
                .iter()
                .find_map(|line| line.iter().position(|&c| c == cell).map(|i| xs[i]))
            else {
                continue;
            };
            let Some(y) = report.cells[cell].metrics[m].mean else {
                continue;
            };
            let label = format!(
                "meets target at {}",
                threshold.value.clone().unwrap_or_default()
            );
            let anchored = font.pos(Pos::new(HPos::Left, VPos::Bottom));
            chart.draw_series([EmptyElement::at((x, y))
                + Circle::new((0, 0), 8, style::RED.stroke_width(3))
                + Text::new(label, (10, -10), anchored)])?;
        }
    }
    Ok(())
}
