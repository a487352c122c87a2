//! What the receiver sees over time: attempts, deliveries and deferrals per hour (so retry
//! storms after an outage and the lock-step waves of unjittered policies show), and the
//! deferrals stacked by enhanced status code. Rates are averaged over each sample interval
//! and drawn as steps.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes;
use super::outages;
use super::style::{self, Swatch};
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
    let mut kept = series.to_vec();
    let n = kept.len();
    let every = series.every().as_millis();
    if n >= 3 && (kept[n - 1].time - kept[n - 2].time).as_millis() * 2 < every {
        kept.remove(n - 2);
    }
    kept
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

/// The legend of a line chart: one line per named series, then the outage shading.
pub(super) fn line_legend<T>(
    series: &[(String, RGBColor, T)],
    windows: &[outages::Window],
) -> Vec<(Swatch, String)> {
    let mut legend: Vec<(Swatch, String)> = series
        .iter()
        .map(|(label, color, _)| (Swatch::Line(*color), label.clone()))
        .collect();
    legend.extend(outages::legend(windows));
    legend
}

/// The y-axis description of an hourly rate chart averaged over sample intervals of `every`.
pub(super) fn rate_axis_label(what: &str, every: SimDuration) -> String {
    format!("{what} per hour ({every} averages)")
}

/// Draws attempts, deliveries and deferrals per hour over time.
pub fn receiver_load<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let rated = rate_samples(samples);
    let series: [Series; 3] = [
        (
            "attempts".into(),
            style::light(style::BLUE, 0.3),
            hourly_steps(&rated, |s| s.attempts),
        ),
        (
            "deliveries".into(),
            style::GREEN,
            hourly_steps(&rated, |s| s.delivered),
        ),
        (
            "deferrals".into(),
            style::RED,
            hourly_steps(&rated, |s| s.deferrals),
        ),
    ];
    let legend = line_legend(&series, &windows);
    let area = style::frame(root, &Chart::ReceiverLoad.full_title(view), None, &legend)?;
    if samples.len() < 2 {
        return style::note(&area, &["The run ended before a second sample was taken."]);
    }
    let peak = series
        .iter()
        .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let y_desc = rate_axis_label("events", samples.every());
    let mut chart = axes::time_chart(&area, &axis, &windows, style::headroom(peak), &y_desc)?;
    // Attempts often equal deliveries (or deferrals): drawn first and wider, the attempts
    // line shows around the line on top of it instead of disappearing.
    for (i, (_, color, points)) in series.into_iter().enumerate() {
        let width = if i == 0 { 6 } else { 2 };
        chart.draw_series(LineSeries::new(points, color.stroke_width(width)))?;
    }
    outages::label(&mut chart, &windows)?;
    Ok(())
}

/// A short name for the reason behind a temporary reply, for legends.
fn reason(reply: Reply) -> &'static str {
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
    let peak = layers.last().map_or(0.0, |(_, _, points)| {
        points.iter().map(|p| p.1).fold(0.0, f64::max)
    });
    let y_desc = rate_axis_label("deferrals", samples.every());
    let mut chart = axes::time_chart(&area, &axis, &windows, style::headroom(peak), &y_desc)?;
    // Top layer first, so each lower layer paints over the part of it that is its own.
    for (_, color, points) in layers.into_iter().rev() {
        chart.draw_series(
            AreaSeries::new(points, 0.0, style::light(color, 0.25).filled())
                .border_style(color.stroke_width(1)),
        )?;
    }
    outages::label(&mut chart, &windows)?;
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
