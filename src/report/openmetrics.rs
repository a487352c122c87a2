//! The time series as OpenMetrics text (`mailsim run --metrics FILE.om`), to backfill into
//! Prometheus (`promtool tsdb create-blocks-from openmetrics FILE.om DIR`) and chart next to
//! production dashboards in Grafana.
//!
//! One metric family per column of `timeseries.csv`: the cumulative counts as counters
//! (`mailsim_arrived_total`, …, `mailsim_deferrals_by_code_total{code="4.7.500"}`), the gauges as
//! gauges (`mailsim_waiting_retry`, …). Every sample carries the labels `scenario` and `seed`,
//! and a timestamp: the run's clock start plus the simulated time. A family's samples are
//! written together, each series in time order, and the text ends with `# EOF`, as the
//! OpenMetrics specification asks.

use std::fmt::Write as _;

use super::timeseries::{COLUMNS, deferral_codes};
use crate::metrics::Sample;
use crate::scenario::Scenario;

/// When the scenario's simulated time 0 is on the wall clock, in milliseconds since the Unix
/// epoch: its `run.start`, if it has one. Without it (and without `mailsim run
/// --metrics-start`) the timestamps count from the Unix epoch (1970-01-01T00:00:00Z).
pub fn clock_start_unix_ms(scenario: &Scenario) -> Option<u64> {
    scenario.clock().and_then(|clock| clock.unix_millis())
}

/// What each column measures, for the `# HELP` lines.
fn help(column: &str) -> &'static str {
    match column {
        "arrived_total" => "Messages that arrived at the sender.",
        "delivered_total" => "Messages delivered.",
        "bounced_total" => "Messages bounced by a permanent failure.",
        "expired_total" => "Messages that expired: the retry policy gave up.",
        "attempts_total" => "Delivery attempts.",
        "deferrals_total" => "Attempts answered with a temporary failure.",
        "delay_warnings_total" => "Delay warnings (DSNs) sent.",
        "queue_alerts_total" => "Queue alerts raised.",
        "waiting_retry" => "Messages waiting in the deferred queue for their next attempt.",
        "waiting_connection" => "Messages waiting for a free connection to their destination.",
        "in_flight" => "Messages in an SMTP transaction.",
        _ => "A column of timeseries.csv.",
    }
}

/// The time series of one run as OpenMetrics text; the sample at simulated time t is stamped
/// `start_unix_ms` + t.
pub fn openmetrics(scenario: &Scenario, samples: &[Sample], start_unix_ms: u64) -> String {
    let labels = format!(
        "scenario=\"{}\",seed=\"{}\"",
        escape(scenario.name()),
        scenario.run().seed
    );
    let stamp = |sample: &Sample| seconds(start_unix_ms.saturating_add(sample.time.as_millis()));
    let mut out = String::new();
    for (column, value) in COLUMNS {
        let (family, kind, sample_name) = match column.strip_suffix("_total") {
            Some(base) => (
                format!("mailsim_{base}"),
                "counter",
                format!("mailsim_{column}"),
            ),
            None => (
                format!("mailsim_{column}"),
                "gauge",
                format!("mailsim_{column}"),
            ),
        };
        let _ = writeln!(out, "# TYPE {family} {kind}");
        let _ = writeln!(out, "# HELP {family} {}", help(column));
        for sample in samples {
            let _ = writeln!(
                out,
                "{sample_name}{{{labels}}} {} {}",
                value(sample),
                stamp(sample)
            );
        }
    }
    let family = "mailsim_deferrals_by_code";
    let _ = writeln!(out, "# TYPE {family} counter");
    let _ = writeln!(
        out,
        "# HELP {family} Attempts answered with a temporary failure, by enhanced status code."
    );
    for (code, replies) in deferral_codes() {
        for sample in samples {
            let count: u64 = replies
                .iter()
                .map(|reply| sample.deferrals_by_reply[reply.index()])
                .sum();
            let _ = writeln!(
                out,
                "{family}_total{{{labels},code=\"{code}\"}} {count} {}",
                stamp(sample)
            );
        }
    }
    out.push_str("# EOF\n");
    out
}

/// Milliseconds as exact decimal seconds: `1764493200`, `1764493200.5`, `0.25`.
fn seconds(ms: u64) -> String {
    let (whole, fraction) = (ms / 1000, ms % 1000);
    if fraction == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{fraction:03}")
            .trim_end_matches('0')
            .to_string()
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_exact_decimal_seconds() {
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(1_764_493_200_000), "1764493200");
        assert_eq!(seconds(1_764_493_200_500), "1764493200.5");
        assert_eq!(seconds(250), "0.25");
        assert_eq!(seconds(1), "0.001");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
