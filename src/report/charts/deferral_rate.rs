//! Deferral rates over time (deferrals per attempt in each sample interval), a
//! deliverability signal: by receiver, which shows an incident, a ban or a warming IP at one
//! receiver while the others stay clean; and by sending IP (the IPs with the most deferrals,
//! the rest grouped), which shows an incident on some IPs only or a new IP on probation.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes;
use super::outages;
use super::style::{self, Swatch};
use super::thin::join_unseen_gaps;
use super::{Chart, DrawResult, RunView};
use crate::metrics::{Outcomes, Sample};

/// One constant stretch of a rate: its start and end points.
type Step = [(f64, f64); 2];

/// The sending IPs drawn one by one; the others are grouped in one line.
const TOP_IPS: usize = 5;

/// A line of the chart: its name and the cumulative outcomes at each sample.
type Counts = (String, Vec<Outcomes>);

/// Draws each receiver's deferral rate over time.
pub(super) fn deferral_rate<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let deliverability = &view.output.deliverability;
    let receivers = deliverability
        .receivers()
        .min(view.scenario.receivers.len());
    let lines: Vec<Counts> = (0..receivers)
        .map(|r| {
            let name = view.scenario.receivers[r].name.clone();
            (name, deliverability.receiver_over_time(r).collect())
        })
        .collect();
    let subtitle = "deferrals per attempt in each sample interval, by receiver".to_string();
    rate_chart(root, view, Chart::DeferralRate, &subtitle, lines)
}

/// Draws the deferral rate of the sending IPs with the most deferrals over time, the other
/// IPs together as one line.
pub(super) fn deferral_rate_by_ip<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let deliverability = &view.output.deliverability;
    let addresses = view.scenario.ip_addresses();
    let ips = deliverability.ips().min(addresses.len());
    let over_time: Vec<Vec<Outcomes>> = (0..ips)
        .map(|ip| deliverability.ip_over_time(ip).collect())
        .collect();
    let total = |ip: usize| over_time[ip].last().copied().unwrap_or_default();
    let mut order: Vec<usize> = (0..ips).filter(|&ip| total(ip).attempts > 0).collect();
    order.sort_by_key(|&ip| (std::cmp::Reverse(total(ip).deferred), ip));
    let rest = order.split_off(order.len().min(TOP_IPS));
    let mut lines: Vec<Counts> = order
        .iter()
        .map(|&ip| (addresses[ip].to_string(), over_time[ip].clone()))
        .collect();
    if !rest.is_empty() {
        let samples = over_time.first().map_or(0, Vec::len);
        let grouped = (0..samples)
            .map(|i| {
                rest.iter().fold(Outcomes::default(), |sum, &ip| Outcomes {
                    attempts: sum.attempts + over_time[ip][i].attempts,
                    deferred: sum.deferred + over_time[ip][i].deferred,
                    rejected: sum.rejected + over_time[ip][i].rejected,
                })
            })
            .collect();
        lines.push((format!("the other {} IPs together", rest.len()), grouped));
    }
    let subtitle = if rest.is_empty() {
        "deferrals per attempt in each sample interval, by sending IP (all receivers)".to_string()
    } else {
        format!(
            "deferrals per attempt in each sample interval: the {} sending IPs with the most deferrals, the rest together",
            order.len()
        )
    };
    rate_chart(root, view, Chart::DeferralRateByIp, &subtitle, lines)
}

/// Draws one deferral-rate line per entry of `lines` on a 0–100% axis.
fn rate_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    view: &RunView,
    chart: Chart,
    subtitle: &str,
    lines: Vec<Counts>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (samples, axis, windows) = axes::timeline(view);
    let series: Vec<(String, (RGBColor, style::Dash), Vec<Step>)> = lines
        .into_iter()
        .enumerate()
        .map(|(i, (name, counts))| (name, style::series(i), rate_steps(samples, &counts)))
        .collect();
    let mut legend: Vec<(Swatch, String)> = series
        .iter()
        .map(|(name, (color, dash), _)| (Swatch::Series(*color, *dash), name.clone()))
        .collect();
    legend.extend(outages::legend(&windows));
    let area = style::frame(root, &chart.full_title(view), Some(subtitle), &legend)?;
    if series.iter().all(|(_, _, steps)| steps.is_empty()) {
        return style::note(&area, &["No attempts were made."]);
    }
    let y_desc = format!("deferral rate ({} intervals)", samples.every());
    let room = outages::make_room(&area, axis.end_s, &windows)?;
    let y = (100.0, y_desc.as_str());
    let mut plot = axes::time_chart(&room.plot, &axis, &windows, y, &|v| format!("{v:.0}%"))?;
    for (_, pattern, steps) in series {
        for path in join_unseen_gaps(paths(steps)) {
            style::draw_line(&mut plot, path, pattern, 2)?;
        }
    }
    room.finish(&mut plot, &windows)?;
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
