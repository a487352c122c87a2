//! What the receiver sees over time: attempts, deliveries and deferrals per hour (so retry
//! storms after an outage and the lock-step waves of unjittered policies show), and the
//! deferrals stacked by enhanced status code. Rates are averaged over each sample interval
//! and drawn as steps.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes;
use super::outages;
use super::style::{self, Dash, Swatch};
use super::{Chart, DrawResult, RunView};
use crate::domain::Reply;
use crate::engine::SimDuration;
use crate::metrics::{Sample, TimeSeries};
use crate::report::deferral_codes;

/// A named, coloured series of `(time, value)` points.
type Series = (String, RGBColor, Vec<(f64, f64)>);

/// The samples to take rates between. A last interval shorter than half the sample interval
/// (the run ended just after a grid point) is merged into the one before it, so that a few
/// events in a few seconds do not show as a spike.
pub(super) fn rate_samples(series: &TimeSeries) -> Vec<Sample> {
    rate_indices(series)
        .into_iter()
        .map(|i| series[i])
        .collect()
}

/// The positions in `series` of [`rate_samples`], to pick other per-sample counts in step.
pub(super) fn rate_indices(series: &TimeSeries) -> Vec<usize> {
    let n = series.len();
    let mut kept: Vec<usize> = (0..n).collect();
    let every = series.every().as_millis();
    if n >= 3 && (series[n - 1].time - series[n - 2].time).as_millis() * 2 < every {
        kept.remove(n - 2);
    }
    kept
}

/// The top of a rate axis and, when one spike would squash the rest, the spike's height and
/// time: a peak more than three times the 95th percentile of the positive values is left
/// off the scale (drawn to the top and labelled) so the rest of the chart stays readable.
pub(super) fn rate_top(points: &[(f64, f64)]) -> (f64, Option<(f64, f64)>) {
    let mut values: Vec<f64> = points.iter().map(|p| p.1).filter(|v| *v > 0.0).collect();
    values.sort_by(f64::total_cmp);
    let Some(&max) = values.last() else {
        return (1.0, None);
    };
    let p95 = values[(values.len() - 1) * 95 / 100];
    if max > 3.0 * p95 {
        let at = points.iter().find(|p| p.1 == max).map_or(0.0, |p| p.0);
        (p95 * 2.0, Some((max, at)))
    } else {
        (style::headroom(max), None)
    }
}

/// Points with every value above `top` drawn at `top`.
pub(super) fn clip(points: Vec<(f64, f64)>, top: f64) -> Vec<(f64, f64)> {
    points.into_iter().map(|(x, y)| (x, y.min(top))).collect()
}

/// Labels a spike left off the scale at its time, at the top of the chart.
pub(super) fn label_spike<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, axes::Coord>,
    spike: Option<(f64, f64)>,
    unit: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some((height, at)) = spike else {
        return Ok(());
    };
    let top = chart.y_range().end;
    let end = chart.x_range().end;
    let font = (style::FONT, 13).into_font().color(&style::INK);
    let (anchor, dx) = if at > end * 0.75 {
        (HPos::Right, -6)
    } else {
        (HPos::Left, 6)
    };
    let text = format!("↑ peak {}{unit}, off the scale", style::count_label(height));
    chart.draw_series(std::iter::once(
        EmptyElement::at((at, top))
            + Text::new(text, (dx, 4), font.pos(Pos::new(anchor, VPos::Top))),
    ))?;
    Ok(())
}

/// Steps of the per-hour rate of a cumulative count: two points per sample interval.
pub(super) fn hourly_steps(samples: &[Sample], count: impl Fn(&Sample) -> u64) -> Vec<(f64, f64)> {
    samples
        .windows(2)
        .filter(|w| w[1].time > w[0].time)
        .flat_map(|w| {
            let (from, to) = (w[0].time.as_secs_f64(), w[1].time.as_secs_f64());
            let rate = (count(&w[1]) - count(&w[0])) as f64 / (to - from) * 3600.0;
            [(from, rate), (to, rate)]
        })
        .collect()
}

/// The y-axis description of an hourly rate chart averaged over sample intervals of `every`.
pub(super) fn rate_axis_label(what: &str, every: SimDuration) -> String {
    format!("{what} per hour ({every} averages)")
}

/// Draws attempts, deliveries and deferrals per hour over time. Deferrals are split by who
/// made them: the receiver (a temporary reply to an attempt, so never more than the
/// attempts) and the sender's own policy (a message deferred without an attempt, e.g. while
/// its destination is suspended or marked dead).
pub fn receiver_load<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let kept = rate_indices(samples);
    let rated: Vec<Sample> = kept.iter().map(|&i| samples[i]).collect();
    let replied = receiver_deferrals(view, &kept);
    let by_receiver = hourly_steps_of(&rated, &replied);
    let all = hourly_steps(&rated, |s| s.deferrals);
    let by_sender: Vec<(f64, f64)> = all
        .iter()
        .zip(&by_receiver)
        .map(|(a, r)| (a.0, (a.1 - r.1).max(0.0)))
        .collect();
    let mut series: Vec<Line> = vec![
        (
            ATTEMPTS.into(),
            (style::GREY, Dash::Solid),
            hourly_steps(&rated, |s| s.attempts),
        ),
        (
            DELIVERIES.into(),
            (style::BLUE, Dash::Solid),
            hourly_steps(&rated, |s| s.delivered),
        ),
        (
            DEFERRED_BY_RECEIVER.into(),
            (style::RED, Dash::Solid),
            by_receiver,
        ),
    ];
    if by_sender.iter().any(|p| p.1 > 0.0) {
        let label = "deferred by the sender's policy, no attempt".to_string();
        series.push((label, (style::PURPLE, Dash::Dashed), by_sender));
    }
    let legend = styled_legend(&series, &windows);
    let area = style::frame(root, &Chart::ReceiverLoad.full_title(view), None, &legend)?;
    if samples.len() < 2 {
        return style::note(&area, &["The run ended before a second sample was taken."]);
    }
    let every_point: Vec<(f64, f64)> = series.iter().flat_map(|l| l.2.clone()).collect();
    let (top, spike) = rate_top(&every_point);
    let y_desc = rate_axis_label("events", samples.every());
    let room = outages::make_room(&area, axis.end_s, &windows)?;
    let y = (top, y_desc.as_str());
    let mut chart = axes::time_chart(&room.plot, &axis, &windows, y, &axes::count_ticks)?;
    // Attempts often equal deliveries (or deferrals): drawn first and wider, the attempts
    // line shows around the line on top of it instead of disappearing.
    for (i, (_, pattern, points)) in series.into_iter().enumerate() {
        let width = if i == 0 { 6 } else { 2 };
        style::draw_line(&mut chart, clip(points, top), pattern, width)?;
    }
    label_spike(&mut chart, spike, "/h")?;
    room.finish(&mut chart, &windows)?;
    Ok(())
}

/// The legend entry names of the receiver load chart (also in its caption).
const ATTEMPTS: &str = "attempts (SMTP connections and transactions)";
const DELIVERIES: &str = "deliveries";
const DEFERRED_BY_RECEIVER: &str = "deferred by the receiver (temporary reply)";

/// A named line with its colour and dash.
type Line = (String, (RGBColor, Dash), Vec<(f64, f64)>);

/// The legend of styled lines, then the outage shading.
fn styled_legend(series: &[Line], windows: &[outages::Window]) -> Vec<(Swatch, String)> {
    let mut legend: Vec<(Swatch, String)> = series
        .iter()
        .map(|(label, (color, dash), _)| (Swatch::Series(*color, *dash), label.clone()))
        .collect();
    legend.extend(outages::legend(windows));
    legend
}

/// Temporary replies from every receiver, cumulative, at the samples at `kept`.
fn receiver_deferrals(view: &RunView, kept: &[usize]) -> Vec<u64> {
    let deliverability = &view.output.deliverability;
    let receivers = deliverability.receivers();
    let per_receiver: Vec<Vec<u64>> = (0..receivers)
        .map(|r| {
            deliverability
                .receiver_over_time(r)
                .map(|o| o.deferred)
                .collect()
        })
        .collect();
    kept.iter()
        .map(|&i| per_receiver.iter().filter_map(|counts| counts.get(i)).sum())
        .collect()
}

/// Steps of the per-hour rate of cumulative `counts`, one per sample of `samples`.
fn hourly_steps_of(samples: &[Sample], counts: &[u64]) -> Vec<(f64, f64)> {
    let indexed: Vec<Sample> = samples
        .iter()
        .zip(counts)
        .map(|(s, &count)| Sample {
            deferrals: count,
            ..*s
        })
        .collect();
    hourly_steps(&indexed, |s| s.deferrals)
}

/// A short name for the reason behind a temporary reply, for legends and sentences.
pub(crate) fn reason(reply: Reply) -> &'static str {
    match reply {
        Reply::ServerBusy => "server busy",
        Reply::IpReputation => "IP reputation",
        Reply::ConnectTimeout => "connection timed out",
        Reply::ConnectRefused => "connection refused",
        Reply::Greeting421 => "421 at greeting",
        Reply::TemporaryError451 => "temporary server error",
        Reply::AccessDenied => "anti-spam restriction",
        Reply::SpfTempError => "SPF temperror",
        Reply::MxLookupFailed => "MX lookup failed",
        Reply::Greylisted => "greylisted",
        Reply::AuthDeferral => "authentication failed",
        Reply::Accepted
        | Reply::RecipientNotFound
        | Reply::BannedIp
        | Reply::AuthRejected
        | Reply::SenderHourlyLimit
        | Reply::RecipientHourlyLimit => reply.text(),
    }
}

/// Draws deferrals per hour over time, stacked by enhanced status code.
pub fn deferrals_by_reason<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let rated = rate_samples(samples);
    let total = samples
        .last()
        .map_or([0; Reply::ALL.len()], |s| s.deferrals_by_reply);
    // The codes that occurred, with their replies that occurred. A code's colour follows its
    // place among all codes, so it has the same colour in every run.
    let codes: Vec<(usize, &str, Vec<Reply>)> = deferral_codes()
        .into_iter()
        .enumerate()
        .map(|(i, (code, replies))| {
            let seen = replies.into_iter().filter(|r| total[r.index()] > 0);
            (i, code, seen.collect::<Vec<_>>())
        })
        .filter(|(_, _, replies)| !replies.is_empty())
        .collect();
    // Cumulative stacks: layer k is the sum of the codes up to k.
    let mut layers: Vec<Series> = Vec::new();
    let mut members: Vec<Reply> = Vec::new();
    for (i, code, replies) in &codes {
        members.extend(replies);
        let points = hourly_steps(&rated, |s| {
            members
                .iter()
                .map(|r| s.deferrals_by_reply[r.index()])
                .sum()
        });
        let reasons: Vec<&str> = replies.iter().map(|&r| reason(r)).collect();
        let color = style::SERIES[i % style::SERIES.len()];
        layers.push((format!("{code} {}", reasons.join(" / ")), color, points));
    }
    let mut legend: Vec<(Swatch, String)> = layers
        .iter()
        .map(|(label, color, _)| (Swatch::Fill(style::light(*color, 0.25)), label.clone()))
        .collect();
    legend.extend(outages::legend(&windows));
    let area = style::frame(
        root,
        &Chart::DeferralsByReason.full_title(view),
        None,
        &legend,
    )?;
    if layers.is_empty() {
        return style::note(
            &area,
            &[
                "No deferrals in this run:",
                "every attempt was accepted or bounced at once.",
            ],
        );
    }
    if samples.len() < 2 {
        return style::note(&area, &["The run ended before a second sample was taken."]);
    }
    let outline: Vec<(f64, f64)> = layers.last().map_or(Vec::new(), |l| l.2.clone());
    let (top, spike) = rate_top(&outline);
    let y_desc = rate_axis_label("deferrals", samples.every());
    let room = outages::make_room(&area, axis.end_s, &windows)?;
    let y = (top, y_desc.as_str());
    let mut chart = axes::time_chart(&room.plot, &axis, &windows, y, &axes::count_ticks)?;
    // Top layer first, so each lower layer paints over the part of it that is its own.
    for (_, color, points) in layers.into_iter().rev() {
        let fill = style::light(color, 0.25).filled();
        style::draw_area(&mut chart, clip(points, top), fill, Some((color, 1)))?;
    }
    label_spike(&mut chart, spike, "/h")?;
    room.finish(&mut chart, &windows)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn series(every_s: u64, times_s: &[u64]) -> TimeSeries {
        let mut recorder = crate::metrics::Recorder::new(SimDuration::from_secs(every_s));
        let end = SimTime(times_s.last().copied().unwrap_or(0) * 1000);
        recorder.finish(end);
        let series = recorder.take_time_series();
        let times: Vec<u64> = series.iter().map(|s| s.time.as_millis() / 1000).collect();
        assert_eq!(times, times_s, "the grid the test means");
        series
    }

    #[test]
    fn a_short_last_interval_merges_into_the_one_before() {
        // The run ended 5 s after a grid point: less than half of the 60 s interval.
        let kept: Vec<u64> = rate_samples(&series(60, &[0, 60, 120, 125]))
            .iter()
            .map(|s| s.time.as_millis() / 1000)
            .collect();
        assert_eq!(kept, vec![0, 60, 125]);
        // Half the interval or more stays an interval of its own.
        assert_eq!(rate_samples(&series(60, &[0, 60, 120, 150])).len(), 4);
        assert_eq!(rate_samples(&series(60, &[0, 5])).len(), 2);
    }

    #[test]
    fn rates_are_per_hour_over_each_interval() {
        let samples = [0, 1800, 3600].map(|s| Sample {
            time: SimTime(s * 1000),
            attempts: s / 60,
            ..Sample::default()
        });
        let steps = hourly_steps(&samples, |s| s.attempts);
        assert_eq!(
            steps,
            vec![(0.0, 60.0), (1800.0, 60.0), (1800.0, 60.0), (3600.0, 60.0)]
        );
        assert_eq!(
            rate_axis_label("events", SimDuration::from_secs(900)),
            "events per hour (15m averages)"
        );
    }
}
