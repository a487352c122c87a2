//! The end-of-run summary: the figures `summary.json` and the terminal table report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Recorder;
use crate::domain::{Clock, Reply};
use crate::engine::SimTime;

/// Where a result came from, so a result file explains itself.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Meta {
    /// `mailsim` and its version.
    pub tool: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file as given.
    pub scenario_file: String,
    /// The random seed.
    pub seed: u64,
    /// The replication number (0 for a single run).
    pub replication: u32,
    /// The real instant the run started at (RFC 3339), when the scenario gives one; every
    /// `_s` time is counted from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Clock>,
}

/// Delivery latency of delivered messages (arrival to delivery), in seconds.
///
/// The mean, minimum and maximum are exact. The percentiles come from a histogram with 3
/// significant digits: each is the top of the histogram bucket that holds the exact
/// percentile (the latency of the ⌈q·n⌉-th fastest delivery), so it is at most 0.1 % above the
/// exact value, and it is never above the exact maximum or below the exact minimum (a
/// percentile in the bucket of the slowest or fastest delivery is that delivery's exact
/// latency).
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct LatencySummary {
    /// Exact mean.
    pub mean: f64,
    /// Exact minimum.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Exact maximum.
    pub max: f64,
}

/// The three sides of Little's law, L = λ·W, over the whole run.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct LittleSummary {
    /// L: time-average number of messages in the queue (any state).
    pub mean_queued: f64,
    /// λ: departures (delivered, bounced, expired) per second.
    pub throughput_per_s: f64,
    /// W: mean time from arrival to departure, in seconds.
    pub mean_time_in_queue_s: f64,
}

/// The share of arrived messages delivered within one deadline of their arrival.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct DeliveredBy {
    /// The deadline as the scenario writes it, e.g. `4h`.
    pub deadline: String,
    /// The deadline in seconds.
    pub deadline_s: f64,
    /// Messages delivered at most `deadline` after they arrived (warm-up included).
    pub delivered: u64,
    /// `delivered` ÷ arrived (0 to 1); messages still queued at the end count as not
    /// delivered; `null` when nothing arrived.
    pub share: Option<f64>,
}

/// Everything a run reports. Times are in seconds.
#[derive(Clone, Debug, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Summary {
    /// Where the result came from.
    pub meta: Meta,
    /// When the last message left the system (delivered, bounced or expired); `null` when
    /// some were still queued at the end (the run stopped at its horizon first). `0` when
    /// nothing arrived.
    pub all_done_s: Option<f64>,
    /// The share of arrived messages delivered within each of the scenario's `run.deadlines`,
    /// shortest first.
    pub delivered_by: Vec<DeliveredBy>,
    /// Messages that arrived.
    pub arrived: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages bounced by a permanent failure.
    pub bounced: u64,
    /// Messages that expired (the policy gave up).
    pub expired: u64,
    /// Messages still in the queue when the run ended.
    pub queued_at_end: u64,
    /// Delivery attempts.
    pub attempts: u64,
    /// Temporary failures by enhanced status code.
    pub deferrals: BTreeMap<String, u64>,
    /// Temporary failures by full reply line.
    pub deferral_replies: BTreeMap<String, u64>,
    /// Delay warnings sent.
    pub delay_warnings: u64,
    /// Queue alerts raised.
    pub queue_alerts: u64,
    /// Latency of delivered messages; `null` when nothing was delivered.
    pub latency_s: Option<LatencySummary>,
    /// Most messages waiting for a retry at once.
    pub peak_queue: u64,
    /// Most messages waiting for a connection at once.
    pub peak_waiting_connection: u64,
    /// When the retry queue (messages waiting for their retry time) last became empty; `null`
    /// if it never held a message or still holds some at the end. Mail may still be waiting
    /// for a connection or in an attempt then: [`Summary::all_done_s`] says when all mail was
    /// done.
    pub retry_queue_empty_s: Option<f64>,
    /// Messages that left the queue, by how many attempts they had (`"0"` for none).
    pub attempts_per_message: BTreeMap<u32, u64>,
    /// Little's law figures.
    pub little: LittleSummary,
    /// When the run ended (drained, or the horizon).
    pub end_time_s: f64,
    /// Events processed.
    pub events: u64,
    /// The warm-up left out of `latency_s` and `little` (messages that arrived before it, and
    /// the time before it); absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_s: Option<f64>,
}

pub(super) fn build(recorder: &Recorder, meta: Meta, end: SimTime, events: u64) -> Summary {
    let now = &recorder.now;
    let mut deferrals = BTreeMap::new();
    let mut deferral_replies = BTreeMap::new();
    for reply in Reply::ALL {
        let count = recorder.now.deferrals_by_reply[reply.index()];
        if count > 0 {
            *deferrals.entry(reply.enhanced().to_string()).or_insert(0) += count;
            deferral_replies.insert(reply.to_string(), count);
        }
    }
    let latency_s = latency_summary(recorder);
    let retry_queue_empty_s = match (recorder.retry_queue_emptied, now.waiting_retry) {
        (Some(time), 0) => Some(time.as_secs_f64()),
        _ => None,
    };
    let seconds = end.as_secs_f64();
    let window = end.since(end.min(recorder.warmup));
    let little = LittleSummary {
        mean_queued: ratio(recorder.queued_area as f64, window.as_millis() as f64),
        throughput_per_s: ratio(recorder.departed as f64, window.as_secs_f64()),
        mean_time_in_queue_s: ratio(
            recorder.sojourn_sum_ms as f64 / 1000.0,
            recorder.departed as f64,
        ),
    };
    Summary {
        meta,
        all_done_s: (now.queued() == 0).then(|| recorder.last_departure.as_secs_f64()),
        delivered_by: delivered_by(recorder),
        arrived: now.arrived,
        delivered: now.delivered,
        bounced: now.bounced,
        expired: now.expired,
        queued_at_end: now.queued(),
        attempts: now.attempts,
        deferrals,
        deferral_replies,
        delay_warnings: now.delay_warnings,
        queue_alerts: now.queue_alerts,
        latency_s,
        peak_queue: recorder.peak_waiting_retry,
        peak_waiting_connection: recorder.peak_waiting_connection,
        retry_queue_empty_s,
        attempts_per_message: recorder
            .attempts_per_message
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(attempts, count)| (attempts as u32, *count))
            .collect(),
        little,
        end_time_s: seconds,
        events,
        warmup_s: (recorder.warmup > SimTime::ZERO).then(|| recorder.warmup.as_secs_f64()),
    }
}

/// The latency figures of deliveries after the warm-up; `None` when there were none.
fn latency_summary(recorder: &Recorder) -> Option<LatencySummary> {
    let histogram = &recorder.latency_ms;
    let (min, max) = (recorder.latency_min_ms, recorder.latency_max_ms);
    (recorder.latency_count > 0).then(|| {
        // The histogram answers with the top of a bucket, which may lie past the exact
        // extremes; a percentile in the first or last bucket is the exact extreme.
        let quantile = |q: f64| histogram.value_at_quantile(q).clamp(min, max) as f64 / 1000.0;
        LatencySummary {
            mean: recorder.latency_sum_ms as f64 / recorder.latency_count as f64 / 1000.0,
            min: min as f64 / 1000.0,
            p50: quantile(0.5),
            p90: quantile(0.9),
            p99: quantile(0.99),
            p999: quantile(0.999),
            max: max as f64 / 1000.0,
        }
    })
}

/// The share of arrived messages delivered within each deadline.
fn delivered_by(recorder: &Recorder) -> Vec<DeliveredBy> {
    let arrived = recorder.now.arrived;
    recorder
        .deadlines
        .iter()
        .zip(&recorder.delivered_within)
        .map(|(deadline, &delivered)| DeliveredBy {
            deadline: deadline.label().to_string(),
            deadline_s: deadline.within().as_secs_f64(),
            delivered,
            share: (arrived > 0).then(|| delivered as f64 / arrived as f64),
        })
        .collect()
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn meta() -> Meta {
        Meta {
            tool: "mailsim test".into(),
            scenario: "s".into(),
            scenario_file: "s.ron".into(),
            seed: 1,
            replication: 0,
            start: None,
        }
    }

    /// The figures of the issue: a longest delivery of 159 482 s was reported with a p99.9 of
    /// 159 514.6 s, the top of its histogram bucket (131 s wide at that size).
    #[test]
    fn percentiles_never_exceed_the_longest_delivery() {
        let mut recorder = Recorder::new(SimDuration::from_mins(5));
        for latency_ms in [1_000, 159_482_000] {
            recorder.arrived();
            recorder.delivered(SimTime(latency_ms), SimTime::ZERO, 1);
        }
        let latency = recorder
            .summarize(meta(), SimTime(159_482_000), 0)
            .latency_s
            .expect("deliveries");
        assert_eq!(latency.max, 159_482.0);
        assert_eq!(latency.p999, 159_482.0, "{latency:?}");
        assert_eq!(latency.p99, 159_482.0);
        assert_eq!(latency.p50, 1.0);
    }
}
