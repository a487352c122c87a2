//! What a scenario will cost before it runs: messages, events and memory, so a run that the
//! machine cannot hold is refused with the figures instead of being killed by the OS.

use std::fmt;

use crate::engine::SimTime;
use crate::scenario::{Scenario, Traffic};

/// Memory per message that may be queued at once: the message record, its place in a wait
/// queue and its pending event, with room for the allocators' growth.
const BYTES_PER_QUEUED_MESSAGE: u64 = 128;
/// Memory per time-series row.
const BYTES_PER_SAMPLE: u64 = 128;

/// The expected size of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Expected number of arriving messages (exact for campaigns and replays, the mean for
    /// Poisson traffic).
    pub messages: f64,
    /// Events, at the least: one arrival and one attempt per message.
    pub min_events: f64,
    /// Time-series rows.
    pub samples: f64,
    /// Memory if every message were queued at once (campaigns sent at once come close), with
    /// the replayed traces held.
    pub peak_bytes: f64,
}

impl Estimate {
    /// Estimates `scenario`.
    pub fn of(scenario: &Scenario) -> Estimate {
        let horizon = scenario.run.horizon;
        let messages: f64 = scenario
            .senders
            .iter()
            .flat_map(|sender| &sender.traffic)
            .map(|traffic| expected_messages(traffic, horizon))
            .sum();
        let samples =
            horizon.as_millis() as f64 / scenario.run.sample_every.as_millis() as f64 + 2.0;
        let ips: usize = scenario.senders.iter().map(|s| s.ips.len()).sum();
        let buckets = (ips * scenario.receivers.len()) as f64 * 16.0;
        let traces: u64 = scenario
            .senders
            .iter()
            .flat_map(|sender| &sender.traffic)
            .map(|traffic| match traffic {
                Traffic::Replay(trace) => trace.bytes(),
                _ => 0,
            })
            .sum();
        // Deliverability counters: per receiver and per IP now, and both again at every sample.
        let deliverability = (ips * scenario.receivers.len()) as f64 * 24.0
            + (ips + scenario.receivers.len()) as f64 * samples * 24.0;
        Estimate {
            messages,
            min_events: messages * 2.0,
            samples,
            peak_bytes: messages * BYTES_PER_QUEUED_MESSAGE as f64
                + samples * BYTES_PER_SAMPLE as f64
                + buckets
                + traces as f64
                + deliverability,
        }
    }

    /// Whether the run fits in `available_bytes` of memory (keeping a fifth free).
    pub fn fits(&self, available_bytes: u64) -> bool {
        self.peak_bytes <= available_bytes as f64 * 0.8
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {:.0} messages, at least {:.0} events, {:.0} time-series rows, up to {} of memory",
            self.messages,
            self.min_events,
            self.samples,
            human_bytes(self.peak_bytes)
        )
    }
}

/// Bytes in binary units, e.g. `1.5 GiB`.
pub fn human_bytes(bytes: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// Expected arrivals of one source before `horizon`.
fn expected_messages(traffic: &Traffic, horizon: SimTime) -> f64 {
    match traffic {
        Traffic::Campaign { messages, .. } => *messages as f64,
        Traffic::Replay(trace) => trace.times.len() as f64,
        Traffic::Poisson { steps, period } => {
            let end = horizon.as_millis() as f64;
            let (span, repeats) = match period {
                Some(p) => {
                    let p = p.as_millis() as f64;
                    (p, (end / p).ceil())
                }
                None => (end, 1.0),
            };
            let mut total = 0.0;
            for (i, (from, rate)) in steps.iter().enumerate() {
                let start = from.as_millis() as f64;
                let stop = steps
                    .get(i + 1)
                    .map_or(span, |(next, _)| next.as_millis() as f64)
                    .min(span);
                total += rate.as_per_second() * (stop - start).max(0.0) / 1000.0;
            }
            total * repeats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn scenario(traffic: &str, horizon: &str) -> Scenario {
        let text = format!(
            r#"(name: "e", run: (horizon: "{horizon}"), senders: [(name: "s", traffic: [{traffic}],
                recipients: (mix: {{"r": 1.0}}), retry: Fixed(interval: "1m"))], receivers: {{"r": ()}})"#
        );
        parse("e.ron", &text).expect("valid")
    }

    #[test]
    fn counts_campaigns_exactly_and_poisson_traffic_by_its_mean() {
        let e = Estimate::of(&scenario(r#"Campaign(messages: 5000, at: "0s")"#, "1d"));
        assert_eq!(e.messages, 5000.0);
        let e = Estimate::of(&scenario(
            r#"Poisson(rate: "600/h", start: "1h", end: "3h")"#,
            "1d",
        ));
        assert!((e.messages - 1200.0).abs() < 1e-6, "{}", e.messages);
        let e = Estimate::of(&scenario(
            r#"Profile(steps: [(from: "0h", rate: "100/h"), (from: "12h", rate: "0/h")], repeat: "24h")"#,
            "3d",
        ));
        assert!((e.messages - 3600.0).abs() < 1e-6, "{}", e.messages);
    }

    #[test]
    fn a_billion_messages_do_not_fit_in_a_laptop() {
        let e = Estimate::of(&scenario(
            r#"Campaign(messages: 1000000000, at: "0s")"#,
            "1d",
        ));
        assert!(!e.fits(16 << 30));
        assert!(e.fits(1 << 40));
        assert!(e.to_string().contains("GiB"));
    }
}
