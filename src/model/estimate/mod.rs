//! What a scenario will cost before it runs: messages, events and memory, so a run that the
//! machine cannot hold is refused with the figures instead of being killed by the OS, and a
//! runaway (a millisecond retry interval) is stopped by a budget of events.
//!
//! The memory figure adds up every allocation that grows with the input: the messages that may
//! be queued at once (the message record, its pending event and its place in a wait queue);
//! the time-series rows with their per-receiver and per-IP deliverability counters; the
//! receivers' tables (greylisting triplets, the hourly limits' mailbox × sender counters, the
//! per-IP throttle buckets); the rendered report (CSV text, the charts, which draw every row,
//! and the HTML page that embeds them); and for a study, one simulation per worker thread
//! running at once plus the runs kept for its charts. The constants below were measured
//! against peak RSS on release builds (BENCHMARKS.md, "Memory estimate", has the panel and
//! the figures); the estimate assumes the worst case for queueing, every message queued at once.

mod queue;

use std::fmt;

use crate::metrics::Sample;
use crate::scenario::{Scenario, Traffic};

/// The process before any scenario: code, libraries, the allocator's arenas, the embedded font
/// (a release build; a debug build's code is about 8 MiB more).
const BASE_BYTES: f64 = 7.0 * MIB;
/// Per message waiting for a free connection: its 24-byte record and its 4-byte place in the
/// wait queue, which grows by doubling (so up to 8). Measured on a release build (BENCHMARKS.md,
/// "The panel again"): 28–30 bytes a message for backlogs of 1 M to 5 M.
const BYTES_PER_WAITING_MESSAGE: f64 = 32.0;
/// Per time-series row kept by the recorder: the row itself. (The vector's spare capacity is
/// never written, so it never becomes resident; a study of two runs at once on two workers
/// measures exactly two runs' rows.)
const BYTES_PER_SAMPLE: f64 = std::mem::size_of::<Sample>() as f64;
/// Per time-series row and per receiver or sending IP: the cumulative deliverability counters.
const BYTES_PER_SAMPLE_AND_SERIES: f64 = 24.0;
/// Per time-series row, while the report is rendered: its CSV line and its points in every
/// chart (SVG text, the plotting library's coordinates) and in the HTML page: a single run's
/// peak is 774 bytes a row, of which the row is 232 (see `BYTES_PER_SAMPLE`). Measured: 316
/// bytes before the report gained its headline, per-IP chart and the charts' new layers, which
/// raised the peak of a 144 002-row run with one IP from 116.0 to 147.0 MiB (226 bytes a row).
const REPORT_BYTES_PER_SAMPLE: f64 = 542.0;
/// Per time-series row and per receiver or sending IP, while the report is rendered: the
/// deliverability-over-time CSV and the deferral-rate chart's lines.
const REPORT_BYTES_PER_SAMPLE_AND_SERIES: f64 = 48.0;
/// Per greylisting triplet remembered (a hash-map entry, 24 bytes and a control byte, in a
/// table at most half empty after it grows); one per message slot.
const BYTES_PER_GREYLIST_ENTRY: f64 = 50.0;
/// Per mailbox counter of the hourly receive limits (an hour and a count). The table is
/// allocated zeroed, so only the pages messages touch become resident: at most two per message.
const BYTES_PER_MAILBOX_COUNTER: f64 = 16.0;
/// A memory page, the unit in which a zeroed table becomes resident.
const PAGE_BYTES: f64 = 4096.0;
/// Per sending IP and receiver: throttle bucket, deliverability counters, incident state.
const BYTES_PER_IP_AND_RECEIVER: f64 = 96.0;
/// The default event budget allows this many events per expected message …
const EVENTS_PER_MESSAGE: f64 = 10_000.0;
/// … and at least this many in all.
const MIN_EVENT_BUDGET: f64 = 10_000_000.0;

const MIB: f64 = 1024.0 * 1024.0;

/// The expected size of a run, or of a study's runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Expected number of arriving messages per run (exact for campaigns and replays, the mean
    /// for Poisson traffic).
    pub messages: f64,
    /// Events per run, at the least: one arrival and one attempt per message.
    pub min_events: f64,
    /// Time-series rows per run.
    pub samples: f64,
    /// Memory of one simulation at its end: queued messages, time series, receiver tables.
    pub run_bytes: f64,
    /// Memory taken while one run's report is rendered (text, charts, page).
    pub report_bytes: f64,
    /// Peak memory (resident) of the whole command: the process, the runs going on at once,
    /// what is kept and rendered.
    pub peak_bytes: f64,
    /// Memory a run asks for at its start whether or not it is ever touched (the hourly
    /// limits' tables): the system must be able to grant it, or the run could not start.
    pub reserved_bytes: f64,
}

/// The parts of one run's memory, in bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Parts {
    messages: f64,
    samples: f64,
    run: f64,
    series: f64,
    report: f64,
    reserved: f64,
}

impl Parts {
    fn of(scenario: &Scenario) -> Parts {
        let horizon = scenario.run.horizon;
        let messages: f64 = scenario
            .senders
            .iter()
            .flat_map(|sender| &sender.traffic)
            .map(|traffic| arrivals(traffic, horizon.as_millis() as f64).0)
            .sum();
        let samples =
            horizon.as_millis() as f64 / scenario.run.sample_every.as_millis().max(1) as f64 + 2.0;
        let ips = scenario.senders.iter().map(|s| s.ips.len()).sum::<usize>() as f64;
        let receivers = scenario.receivers.len() as f64;
        let series = samples * (BYTES_PER_SAMPLE + (ips + receivers) * BYTES_PER_SAMPLE_AND_SERIES);
        let queue = queue::Queued::of(scenario);
        let (tables, reserved) = receiver_tables(scenario, messages, &queue);
        // A replayed trace is held for the whole run.
        let traces: u64 = scenario
            .senders
            .iter()
            .flat_map(|sender| &sender.traffic)
            .map(|traffic| match traffic {
                Traffic::Replay(trace) => trace.bytes(),
                _ => 0,
            })
            .sum();
        let run = traces as f64
            + queue.retrying_bytes
            + queue.waiting * BYTES_PER_WAITING_MESSAGE
            + series
            + tables
            + ips * receivers.max(1.0) * BYTES_PER_IP_AND_RECEIVER;
        let report = samples
            * (REPORT_BYTES_PER_SAMPLE + (ips + receivers) * REPORT_BYTES_PER_SAMPLE_AND_SERIES);
        Parts {
            messages,
            samples,
            run,
            series,
            report,
            reserved,
        }
    }
}

/// The receivers' tables that grow with the input, resident and reserved: greylisting
/// remembers a triplet per message slot of the messages it sees; the hourly limits keep a
/// counter per mailbox and per mailbox × sender.
fn receiver_tables(scenario: &Scenario, messages: f64, queue: &queue::Queued) -> (f64, f64) {
    let senders = scenario.senders.len() as f64;
    let mut resident = 0.0;
    let mut reserved = 0.0;
    for (r, receiver) in scenario.receivers.iter().enumerate() {
        if receiver.greylisting.is_some() {
            resident += queue.slots_to[r] * BYTES_PER_GREYLIST_ENTRY;
        }
        if let Some(limits) = receiver.recipient_limits {
            let table = f64::from(limits.mailboxes) * (1.0 + senders) * BYTES_PER_MAILBOX_COUNTER;
            reserved += table;
            resident += table.min(messages * 2.0 * PAGE_BYTES);
        }
    }
    (resident, reserved)
}

impl Estimate {
    /// Estimates one run of `scenario` and the rendering of its report (`mailsim run`).
    pub fn of(scenario: &Scenario) -> Estimate {
        let parts = Parts::of(scenario);
        Estimate {
            messages: parts.messages,
            min_events: parts.messages * 2.0,
            samples: parts.samples,
            run_bytes: parts.run,
            report_bytes: parts.report,
            peak_bytes: BASE_BYTES + parts.run + parts.report,
            reserved_bytes: parts.reserved,
        }
    }

    /// Estimates a study: `runs` runs over the scenarios of `cells`, `jobs` of them at once
    /// (each worker holds a whole simulation), keeping the first run of each cell for the
    /// charts if `keep_first`. The per-run figures are those of the largest cell.
    ///
    /// The workers start their first runs together and, keeping pace, end them together, so
    /// their peaks add up: that is the figure, and what a refusal needs. What overlaps is only
    /// the simulations (their rows, queues and tables; a study renders no run's charts), and
    /// for memory that grows with simulated time (time-series rows, a queue fed by steady
    /// traffic) only as far as the workers keep pace: on a busy machine one may lag, and the
    /// measured peak is then lower (BENCHMARKS.md has the spread).
    pub fn of_study(cells: &[Scenario], runs: u64, jobs: usize, keep_first: bool) -> Estimate {
        let parts: Vec<Parts> = cells.iter().map(Parts::of).collect();
        let largest = |field: fn(&Parts) -> f64| parts.iter().map(field).fold(0.0, f64::max);
        let at_once = (jobs.max(1) as f64).min(runs.max(1) as f64);
        // The first run of each cell, kept whole for the comparison's charts: its time series.
        let kept = if keep_first {
            parts.iter().map(|p| p.series).sum()
        } else {
            0.0
        };
        let run = largest(|p| p.run);
        Estimate {
            messages: largest(|p| p.messages),
            min_events: largest(|p| p.messages) * 2.0,
            samples: largest(|p| p.samples),
            run_bytes: run,
            report_bytes: largest(|p| p.report),
            peak_bytes: BASE_BYTES + at_once * run + kept,
            reserved_bytes: at_once * largest(|p| p.reserved),
        }
    }

    /// Whether the run fits in `available_bytes` of memory: its peak keeps a fifth free, and
    /// what it reserves at its start can be granted.
    pub fn fits(&self, available_bytes: u64) -> bool {
        let available = available_bytes as f64;
        self.peak_bytes <= available * 0.8 && self.reserved_bytes <= available
    }

    /// The largest figure the refusal compares with the memory available: the peak, or what is
    /// reserved at the start if that is more.
    pub fn needed_bytes(&self) -> f64 {
        self.peak_bytes.max(self.reserved_bytes)
    }

    /// The events a run may take unless told otherwise: `EVENTS_PER_MESSAGE` per expected
    /// message (each message tried thousands of times), at least `MIN_EVENT_BUDGET`. A run
    /// past it is almost certainly a runaway: a retry, alert or outage interval of milliseconds.
    pub fn event_budget(&self) -> u64 {
        let budget = (self.messages * EVENTS_PER_MESSAGE).max(MIN_EVENT_BUDGET);
        if budget >= u64::MAX as f64 {
            u64::MAX
        } else {
            budget as u64
        }
    }
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "about {} messages, at least {} events, {} time-series rows, up to {} of memory",
            grouped(self.messages),
            grouped(self.min_events),
            grouped(self.samples),
            human_bytes(self.peak_bytes)
        )?;
        if self.reserved_bytes > self.peak_bytes {
            write!(
                f,
                " ({} reserved at the start for the hourly receive limits)",
                human_bytes(self.reserved_bytes)
            )?;
        }
        Ok(())
    }
}

/// A count with its thousands grouped, for people: `1,234,567`.
fn grouped(count: f64) -> String {
    crate::domain::units::group_digits(&format!("{:.0}", count.max(0.0)))
}

/// Bytes in binary units, e.g. `1.5 GiB`.
pub fn human_bytes(bytes: f64) -> String {
    if !bytes.is_finite() {
        return "more than any machine has".to_string();
    }
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

/// Expected arrivals of one source before the horizon (`horizon_ms`), and the time over which
/// they arrive in milliseconds (a campaign's spread; the time a Poisson source's rate is
/// positive).
fn arrivals(traffic: &Traffic, horizon_ms: f64) -> (f64, f64) {
    match traffic {
        Traffic::Campaign {
            messages, spread, ..
        } => (*messages as f64, spread.as_millis() as f64),
        Traffic::Replay(trace) => {
            let span = match (trace.times.first(), trace.times.last()) {
                (Some(first), Some(last)) => (last.as_millis() - first.as_millis()) as f64,
                _ => 0.0,
            };
            (trace.times.len() as f64, span)
        }
        Traffic::Poisson { steps, period } => {
            let (span, repeats) = match period {
                Some(p) => {
                    let p = p.as_millis() as f64;
                    (p, (horizon_ms / p).ceil())
                }
                None => (horizon_ms, 1.0),
            };
            let (mut total, mut active) = (0.0, 0.0);
            for (i, (from, rate)) in steps.iter().enumerate() {
                let start = from.as_millis() as f64;
                let stop = steps
                    .get(i + 1)
                    .map_or(span, |(next, _)| next.as_millis() as f64)
                    .min(span);
                let length = (stop - start).max(0.0);
                total += rate.as_per_second() * length / 1000.0;
                if rate.as_per_second() > 0.0 {
                    active += length;
                }
            }
            (total * repeats, (active * repeats).min(horizon_ms))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn scenario(traffic: &str, horizon: &str) -> Scenario {
        receiving(traffic, horizon, "()")
    }

    fn receiving(traffic: &str, horizon: &str, receiver: &str) -> Scenario {
        let text = format!(
            r#"(name: "e", run: (horizon: "{horizon}"), senders: [(name: "s", traffic: [{traffic}],
                recipients: (mix: {{"r": 1.0}}), retry: Fixed(interval: "1m"))], receivers: {{"r": {receiver}}})"#
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

    #[test]
    fn the_hourly_limits_table_is_counted_by_its_mailboxes() {
        let traffic = r#"Campaign(messages: 10, at: "0s")"#;
        let few = Estimate::of(&receiving(
            traffic,
            "1h",
            "(recipient_limits: (mailboxes: 10, per_hour: 1))",
        ));
        let all = Estimate::of(&receiving(
            traffic,
            "1h",
            "(recipient_limits: (mailboxes: 4294967295, per_hour: 1))",
        ));
        // One sender: a counter per mailbox and one per mailbox and sender, 16 bytes each, all
        // asked for at the start; only the pages ten messages touch become resident.
        let table = (all.reserved_bytes - few.reserved_bytes) / (4294967295.0 - 10.0);
        assert!((table - 32.0).abs() < 1e-6, "{table}");
        assert!(all.peak_bytes - few.peak_bytes <= 10.0 * 2.0 * PAGE_BYTES);
        assert!(!all.fits(24 << 30), "{all}");
        assert!(all.to_string().contains("128.0 GiB reserved"), "{all}");
    }

    #[test]
    fn parallel_runs_and_kept_runs_add_up() {
        let scenario = scenario(r#"Campaign(messages: 1000000, at: "0s")"#, "1d");
        let one = Estimate::of_study(std::slice::from_ref(&scenario), 4, 1, false);
        let two = Estimate::of_study(std::slice::from_ref(&scenario), 4, 2, false);
        let more_jobs_than_runs = Estimate::of_study(std::slice::from_ref(&scenario), 2, 8, false);
        assert!((two.peak_bytes - one.peak_bytes - one.run_bytes).abs() < 1.0);
        assert!((more_jobs_than_runs.peak_bytes - two.peak_bytes).abs() < 1.0);
        let kept = Estimate::of_study(std::slice::from_ref(&scenario), 4, 1, true);
        assert!(kept.peak_bytes > one.peak_bytes);
    }

    #[test]
    fn a_study_overlaps_the_runs_rows_but_renders_no_report() {
        // A month sampled every minute: the rows dominate, one receiver and one sending IP.
        let month = scenario(r#"Campaign(messages: 10, at: "0s")"#, "30d");
        let rows = Estimate::of(&month);
        let one = Estimate::of_study(std::slice::from_ref(&month), 2, 2, false);
        let row = std::mem::size_of::<Sample>() as f64 + 2.0 * BYTES_PER_SAMPLE_AND_SERIES;
        let per_row = |bytes: f64| bytes / rows.samples;
        // A run's rows as the recorder holds them, two at once; no report in a study.
        assert!(
            (per_row(one.run_bytes) - row).abs() < 1.0,
            "{}",
            per_row(one.run_bytes)
        );
        assert!((per_row(one.peak_bytes - BASE_BYTES) - 2.0 * row).abs() < 1.0);
        // One run and its report: 774 bytes a row, and 72 per receiver and sending IP.
        let single = per_row(rows.peak_bytes - BASE_BYTES);
        assert!((single - (774.0 + 2.0 * 72.0)).abs() < 1.0, "{single}");
    }

    #[test]
    fn the_default_event_budget_grows_with_the_traffic() {
        let small = Estimate::of(&scenario(r#"Campaign(messages: 10, at: "0s")"#, "1d"));
        assert_eq!(small.event_budget(), 10_000_000);
        let large = Estimate::of(&scenario(r#"Campaign(messages: 5000000, at: "0s")"#, "1d"));
        assert_eq!(large.event_budget(), 50_000_000_000);
        assert_eq!(human_bytes(f64::INFINITY), "more than any machine has");
    }
}
