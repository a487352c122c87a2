//! Deferrals as a deliverability signal, per receiver and per sending IP: `deliverability.csv`
//! and the lines `mailsim run` prints under its summary.

use super::units::grouped;
use crate::metrics::{Deliverability, Outcomes, Sample};
use crate::scenario::Scenario;

/// Per receiver (IP `all`), then per sending IP with at least one attempt there: attempts,
/// deferrals, rejections and the deferral rate (deferrals per attempt; empty without attempts).
pub fn deliverability_csv(scenario: &Scenario, deliverability: &Deliverability) -> String {
    let ips = scenario.ip_addresses();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "receiver",
            "ip",
            "attempts",
            "deferrals",
            "rejections",
            "deferral_rate",
        ])
        .expect("writing to memory");
    let mut row = |receiver: &str, ip: &str, o: Outcomes| {
        let rate = o
            .deferral_rate()
            .map_or(String::new(), |r| format!("{r:.6}"));
        writer
            .write_record([
                receiver,
                ip,
                &o.attempts.to_string(),
                &o.deferred.to_string(),
                &o.rejected.to_string(),
                &rate,
            ])
            .expect("writing to memory");
    };
    let receivers = deliverability.receivers().min(scenario.receivers.len());
    for r in 0..receivers {
        let name = &scenario.receivers[r].name;
        row(name, "all", deliverability.receiver(r));
        for (i, address) in ips.iter().enumerate().take(deliverability.ips()) {
            let outcomes = deliverability.ip(r, i);
            if outcomes.attempts > 0 {
                row(name, &address.to_string(), outcomes);
            }
        }
    }
    let bytes = writer.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields")
}

/// `deliverability-over-time.csv`: at every sample instant, cumulative attempts, deferrals and
/// rejections per receiver (`scope` = `receiver`) and per sending IP across all receivers
/// (`scope` = `ip`). The deferral rate over an interval is the difference of two rows' deferrals
/// over the difference of their attempts. A run with a start has a `time` column (RFC 3339)
/// beside `time_s`.
pub fn deliverability_over_time_csv(
    scenario: &Scenario,
    samples: &[Sample],
    deliverability: &Deliverability,
) -> String {
    let ips = scenario.ip_addresses();
    let clock = scenario.clock();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("time_s")
        .chain(clock.map(|_| "time"))
        .chain([
            "scope",
            "name",
            "attempts_total",
            "deferrals_total",
            "rejections_total",
        ]);
    writer.write_record(header).expect("writing to memory");
    let receivers = deliverability.receivers().min(scenario.receivers.len());
    let by_receiver: Vec<Vec<Outcomes>> = (0..receivers)
        .map(|r| deliverability.receiver_over_time(r).collect())
        .collect();
    let by_ip: Vec<Vec<Outcomes>> = (0..deliverability.ips().min(ips.len()))
        .map(|ip| deliverability.ip_over_time(ip).collect())
        .collect();
    for (index, sample) in samples.iter().enumerate() {
        let time = sample.time.as_secs_f64().to_string();
        let clock_time = clock.map(|c| c.rfc3339(sample.time));
        let named = by_receiver
            .iter()
            .zip(&scenario.receivers)
            .map(|(series, receiver)| ("receiver", receiver.name.clone(), series))
            .chain(
                by_ip
                    .iter()
                    .zip(&ips)
                    .map(|(series, address)| ("ip", address.to_string(), series)),
            );
        for (scope, name, series) in named {
            let Some(o) = series.get(index) else { continue };
            let counts = [
                o.attempts.to_string(),
                o.deferred.to_string(),
                o.rejected.to_string(),
            ];
            let record = std::iter::once(time.as_str())
                .chain(clock_time.as_deref())
                .chain([scope, name.as_str()])
                .chain(counts.iter().map(String::as_str));
            writer.write_record(record).expect("writing to memory");
        }
    }
    let bytes = writer.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields")
}

/// How many sending IPs the text summary lists.
const IPS_SHOWN: usize = 10;

/// The deferral rate per receiver, then per sending IP and receiver (highest first, at most
/// ten), as lines for the terminal.
pub fn deliverability_table(scenario: &Scenario, deliverability: &Deliverability) -> String {
    let ips = scenario.ip_addresses();
    let receivers = deliverability.receivers().min(scenario.receivers.len());
    let line = |label: String, o: Outcomes| {
        let rate = o.deferral_rate().unwrap_or(0.0) * 100.0;
        let rejected = if o.rejected > 0 {
            format!("; {} rejected", grouped(o.rejected))
        } else {
            String::new()
        };
        format!(
            "  {label:<34} {rate:>5.1}%  ({} of {} attempts{rejected})\n",
            grouped(o.deferred),
            grouped(o.attempts)
        )
    };
    let mut out = String::from("deferral rate by receiver\n");
    for r in 0..receivers {
        out.push_str(&line(
            scenario.receivers[r].name.clone(),
            deliverability.receiver(r),
        ));
    }
    let mut by_ip: Vec<(String, Outcomes)> = (0..receivers)
        .flat_map(|r| {
            let ips = &ips;
            (0..deliverability.ips().min(ips.len())).filter_map(move |i| {
                let o = deliverability.ip(r, i);
                (o.attempts > 0)
                    .then(|| (format!("{} → {}", ips[i], scenario.receivers[r].name), o))
            })
        })
        .collect();
    if by_ip.len() > 1 {
        by_ip.sort_by(|a, b| {
            let rate = |o: &Outcomes| o.deferral_rate().unwrap_or(0.0);
            rate(&b.1)
                .total_cmp(&rate(&a.1))
                .then_with(|| a.0.cmp(&b.0))
        });
        let shown = by_ip.len().min(IPS_SHOWN);
        out.push_str(&format!(
            "deferral rate by sending IP (highest {shown} of {}; all in deliverability.csv)\n",
            by_ip.len()
        ));
        for (label, o) in by_ip.into_iter().take(shown) {
            out.push_str(&line(label, o));
        }
    }
    out
}
