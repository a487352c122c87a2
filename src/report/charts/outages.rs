//! The windows shaded on a run's time charts: receiver outages, incidents (with their
//! turning points), DNS trouble and bans, each labelled at the top of the chart.

use plotters::prelude::*;

use super::DrawResult;
use super::axes::Coord;
use super::style::{FONT, OUTAGE, OUTAGE_INK, Swatch};
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

/// Shades outage windows across the whole height of a time chart (up to `top`).
pub(super) fn shade<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    windows: &[Window],
    top: f64,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let end = chart.x_range().end;
    chart.draw_series(windows.iter().map(|(start, stop, _)| {
        Rectangle::new([(*start, 0.0), (stop.min(end), top)], OUTAGE.filled())
    }))?;
    Ok(())
}

/// Labels the outage windows at the top of a time chart, on a light backing; drawn after the
/// series so that no series hides them. Each label takes the first row where it does
/// not overlap an earlier label (they overlap only when more than [`LABEL_ROWS`] crowd together).
pub fn label<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Coord>,
    windows: &[Window],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let top = chart.y_range().end;
    let font = (FONT, 13).into_font().color(&OUTAGE_INK);
    let mut row_ends = [i32::MIN; LABEL_ROWS];
    for (start, _, label) in windows {
        let (width, height) = chart.plotting_area().estimate_text_size(label, &font)?;
        let (width, height) = (width as i32, height as i32);
        let left = chart.backend_coord(&(*start, top)).0;
        let row = (0..row_ends.len())
            .find(|&r| row_ends[r] < left)
            .unwrap_or_else(|| {
                (0..row_ends.len())
                    .min_by_key(|&r| row_ends[r])
                    .unwrap_or(0)
            });
        row_ends[row] = left + width + 12;
        let y = 4 + 20 * row as i32;
        let backing = Rectangle::new(
            [(2, y - 1), (width + 8, y + height + 3)],
            WHITE.mix(0.75).filled(),
        );
        chart.draw_series(std::iter::once(
            EmptyElement::at((*start, top))
                + backing
                + Text::new(label.clone(), (5, y), font.clone()),
        ))?;
    }
    Ok(())
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
