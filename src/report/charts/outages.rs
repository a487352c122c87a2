//! The windows shaded on a run's time charts: receiver outages, incidents (with their
//! turning points), DNS trouble and bans: shaded under the series, edged with a line over
//! them, and labelled in a strip above the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawResult;
use super::axes::Coord;
use super::style::{FONT, OUTAGE, OUTAGE_EDGE, OUTAGE_INK, Swatch};
use crate::domain::{DnsKind, OutageKind};
use crate::scenario::Scenario;

/// Rows for outage labels at the top of a time chart.
pub(super) const LABEL_ROWS: usize = 5;

/// An outage window: start and end in seconds, and its label.
pub type Window = (f64, f64, String);

/// Every outage window of every receiver that starts before `end_s`, and every incident, DNS
/// trouble window and ban (from its start to its delisting), as `(start_s, end_s, label)`, in
/// time order.
pub fn windows(scenario: &Scenario, end_s: f64) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for receiver in &scenario.receivers {
        let name = &receiver.name;
        for outage in &receiver.outages {
            let kind = match outage.kind {
                OutageKind::Timeout => "timeouts",
                OutageKind::Refused => "refused",
                OutageKind::Greeting421 => "421 greeting",
                OutageKind::Reply451 => "451 to all",
            };
            windows.push((
                outage.start.as_secs_f64(),
                outage.end.as_secs_f64(),
                format!("{name} outage ({kind}{})", partial(outage.fraction.get())),
            ));
        }
        for incident in &receiver.incidents {
            windows.push((
                incident.start.as_secs_f64(),
                incident.over().as_secs_f64(),
                format!("{name}: {}", incident.name),
            ));
            // Its turning points, as labels at their instants (zero-width windows).
            let mark = |at: crate::engine::SimTime, label: String| {
                (at.as_secs_f64(), at.as_secs_f64(), label)
            };
            for (at, ips) in &incident.allow_listed {
                let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                windows.push(mark(*at, format!("allow-listed {}", ips.join(", "))));
            }
            for (at, p) in &incident.fixes {
                windows.push(mark(*at, format!("fix: {:.0}% refused", p * 100.0)));
            }
            windows.push(mark(incident.end, "reverted".to_string()));
        }
        for dns in &receiver.dns_trouble {
            let kind = match dns.kind {
                DnsKind::SpfTempError => "SPF temperror",
                DnsKind::MxLookup => "MX lookup failure",
            };
            windows.push((
                dns.start.as_secs_f64(),
                dns.end.as_secs_f64(),
                format!("{name} {kind}{}", partial_paren(dns.fraction.get())),
            ));
        }
        for ban in &receiver.bans {
            windows.push((
                ban.from.as_secs_f64(),
                ban.delisted.map_or(end_s, |t| t.as_secs_f64()),
                format!("{name} bans {}", ban.ip),
            ));
        }
    }
    windows.retain(|(start, _, _)| *start < end_s);
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    windows
}

/// `", 40%"` for a partial share, `""` for a full one.
fn partial(share: f64) -> String {
    if share < 1.0 {
        format!(", {:.0}%", share * 100.0)
    } else {
        String::new()
    }
}

/// `" (40%)"` for a partial share, `""` for a full one.
fn partial_paren(share: f64) -> String {
    if share < 1.0 {
        format!(" ({:.0}%)", share * 100.0)
    } else {
        String::new()
    }
}

/// The legend entry for outage shading, if any outage is shown.
pub fn legend(windows: &[Window]) -> Option<(Swatch, String)> {
    let only_outages = windows
        .iter()
        .all(|(_, _, label)| label.contains(" outage ("));
    let text = if only_outages {
        "receiver outage"
    } else {
        "receiver outage, incident, DNS trouble or ban"
    };
    (!windows.is_empty()).then(|| (Swatch::Fill(OUTAGE), text.to_string()))
}

/// Shades outage windows across the whole height of a time chart (up to `top`), under the
/// series; [`Room::finish`] draws their edges over the series.
pub(super) fn shade<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    windows: &[Window],
    top: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let end = chart.x_range().end;
    chart.draw_series(windows.iter().filter(|(start, stop, _)| stop > start).map(
        |(start, stop, _)| Rectangle::new([(*start, 0.0), (stop.min(end), top)], OUTAGE.filled()),
    ))?;
    Ok(())
}

/// The pixels left of a time chart's plot (margin and y labels) and right of it, as
/// [`super::axes::chart`] builds it: used to place the window labels before the chart exists.
const PLOT_LEFT: i32 = 85;
const PLOT_RIGHT: i32 = 30;
/// Height of one row of window labels.
const ROW: i32 = 20;

/// A time chart's area split into a strip for the window labels (above the plot, so no label
/// hides data and the y axis keeps its own top) and the area for the chart itself.
pub struct Room<DB: DrawingBackend> {
    /// Where the labels go.
    strip: Option<DrawingArea<DB, Shift>>,
    /// Where the chart goes.
    pub plot: DrawingArea<DB, Shift>,
    /// The row of each window's label.
    rows: Vec<usize>,
}

/// Splits `area` for a time chart from 0 to `end_s` showing `windows`: each label takes the
/// first row where it does not overlap an earlier one (they overlap only when more than
/// [`LABEL_ROWS`] crowd together).
pub fn make_room<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    end_s: f64,
    windows: &[Window],
) -> Result<Room<DB>, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    if windows.is_empty() {
        return Ok(Room {
            strip: None,
            plot: area.clone(),
            rows: Vec::new(),
        });
    }
    let font = (FONT, 13).into_font();
    let width = area.dim_in_pixel().0 as i32 - PLOT_LEFT - PLOT_RIGHT;
    let mut row_ends = [i32::MIN; LABEL_ROWS];
    let mut rows = Vec::with_capacity(windows.len());
    for (start, _, label) in windows {
        let left = PLOT_LEFT + (start / end_s.max(1e-9) * f64::from(width)) as i32;
        let text_width = area.estimate_text_size(label, &font.clone().into())?.0 as i32;
        let row = (0..LABEL_ROWS)
            .find(|&r| row_ends[r] < left)
            .unwrap_or_else(|| (0..LABEL_ROWS).min_by_key(|&r| row_ends[r]).unwrap_or(0));
        row_ends[row] = left + text_width + 12;
        rows.push(row);
    }
    let used = rows.iter().max().map_or(0, |r| r + 1) as i32;
    let (strip, plot) = area.split_vertically(used * ROW + 6);
    Ok(Room {
        strip: Some(strip),
        plot,
        rows,
    })
}

impl<DB: DrawingBackend> Room<DB> {
    /// After the series: a line at each window's start and end (so that adjacent windows stay
    /// apart and an instant such as an allow-listing has its line), and the labels in the
    /// strip, each starting at its window's start.
    pub fn finish(&self, chart: &mut ChartContext<'_, DB, Coord>, windows: &[Window]) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let top = chart.y_range().end;
        let end = chart.x_range().end;
        let edge = OUTAGE_EDGE.stroke_width(1);
        for (start, stop, _) in windows {
            let mut lines = vec![*start];
            if stop > start && *stop < end {
                lines.push(*stop);
            }
            for x in lines {
                chart.draw_series(DashedLineSeries::new([(x, 0.0), (x, top)], 5, 3, edge))?;
            }
        }
        let Some(strip) = &self.strip else {
            return Ok(());
        };
        let font = (FONT, 13).into_font().color(&OUTAGE_INK);
        let origin = strip.get_base_pixel().0;
        for ((start, _, label), row) in windows.iter().zip(&self.rows) {
            let x = chart.backend_coord(&(*start, 0.0)).0 - origin;
            let y = 3 + ROW * *row as i32;
            strip.draw(&PathElement::new(
                vec![(x, y), (x, y + ROW - 4)],
                OUTAGE_EDGE.stroke_width(1),
            ))?;
            strip.draw_text(label, &font, (x + 4, y + 1))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"(
        name: "windows",
        run: (horizon: "1d", sample_every: "10m"),
        senders: [(
            name: "mta",
            traffic: [Campaign(messages: 10, at: "0s", spread: "1h")],
            recipients: (mix: {"rx": 1.0}),
            ips: [(count: 1, reputation: Good, first_address: "192.0.2.1")],
            retry: Fixed(interval: "10m", lifetime: "1d"),
        )],
        receivers: {"rx": (
            outages: [(start: "2h", end: "5h", kind: Timeout, fraction: 0.4)],
            dns_trouble: [(start: "1h", end: "3h", kind: MxLookup)],
            bans: [(ip: "192.0.2.1")],
        )},
    )"#;

    #[test]
    fn windows_are_labelled_in_time_order_and_clipped_to_the_axis() {
        let scenario = crate::scenario::parse("windows.ron", SCENARIO).expect("valid");
        let found = windows(&scenario, 4.0 * 3600.0);
        assert_eq!(
            found,
            vec![
                (0.0, 14_400.0, "rx bans 192.0.2.1".to_string()),
                (3600.0, 10_800.0, "rx MX lookup failure".to_string()),
                (7200.0, 18_000.0, "rx outage (timeouts, 40%)".to_string()),
            ]
        );
        // A window that starts after the end of the axis is left out.
        assert_eq!(windows(&scenario, 3000.0).len(), 1);
        let (_, text) = legend(&found).expect("a legend entry");
        assert_eq!(text, "receiver outage, incident, DNS trouble or ban");
        assert!(legend(&[]).is_none());
    }

    #[test]
    fn only_partial_shares_are_written() {
        assert_eq!(partial(0.4), ", 40%");
        assert_eq!(partial(1.0), "");
        assert_eq!(partial_paren(0.25), " (25%)");
        assert_eq!(partial_paren(1.0), "");
    }
}
