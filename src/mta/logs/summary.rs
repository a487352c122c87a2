//! The observed summary of a history: counts by outcome, attempts and deferrals, latency
//! percentiles, deferrals by reply, attempts per message and the deferral rate per hour — the
//! figures a simulation of the same traffic is later compared with.
//!
//! Notices the MTA generated itself (bounces, delay warnings) are left out of every figure;
//! they are counted on their own. Percentiles are exact (nearest rank on the sorted
//! latencies: the smallest latency with at least q of the messages at or below it), so they
//! never exceed the maximum.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    ArrivalSource, Attempt, AttemptStatus, Format, History, LineTally, ObservedMessage, Outcome,
    Stamp,
};

/// The observed summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservedSummary {
    /// The log's format.
    pub format: Format,
    /// The earliest arrival and the latest event in the history.
    pub span: Option<(Stamp, Stamp)>,
    /// Messages (one per recipient), MTA notices left out.
    pub messages: u64,
    /// Of those, messages whose queue entry is in the log.
    pub arrivals_in_log: u64,
    /// Notices the MTA generated itself (bounces, delay warnings): not in any other figure.
    pub mta_notices: u64,
    /// Messages by how they ended.
    pub outcomes: OutcomeCounts,
    /// Attempts (each deferral the MTA decided without connecting counts as one).
    pub attempts: u64,
    /// Attempts that reached the destination.
    pub connected_attempts: u64,
    /// Deferrals the MTA decided itself without trying the destination (Postfix `delivery
    /// temporarily suspended`, Exim `retry time not reached`); counted in `attempts` and
    /// `deferrals` too.
    pub skipped_attempts: u64,
    /// Attempts that ended in a temporary failure.
    pub deferrals: u64,
    /// Latency (arrival to delivery) of delivered messages with a known arrival, in seconds.
    pub latency_s: Option<LatencyFigures>,
    /// Deferrals by reply (`451 4.7.500`, `4.4.1 (no reply)`, `(no connection)`), most
    /// frequent first.
    pub deferrals_by_reply: Vec<ReplyCount>,
    /// How many messages had each number of attempts.
    pub attempts_per_message: Vec<AttemptsBin>,
    /// Attempts and deferrals in each clock hour (log local time), from the first to the last
    /// hour with an attempt, empty hours included.
    pub hourly: Vec<HourRow>,
    /// What became of the log's lines.
    pub lines: LineTally,
    /// How the log was read (assumed year and zone, messages from before the log, …).
    pub notes: Vec<String>,
}

/// Messages by how they ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Accepted by the destination.
    pub delivered: u64,
    /// Failed permanently.
    pub bounced: u64,
    /// Given up on as too old.
    pub expired: u64,
    /// Deleted by an administrator.
    pub removed: u64,
    /// Still queued when the log ended.
    pub queued: u64,
}

/// Latency percentiles, exact.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LatencyFigures {
    /// Messages counted.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// Deferrals with one reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplyCount {
    /// The reply: basic and enhanced code, as far as known.
    pub reply: String,
    /// Deferrals with it.
    pub count: u64,
}

/// Messages that had `attempts` attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AttemptsBin {
    /// Attempts per message.
    pub attempts: u64,
    /// Messages with that many.
    pub messages: u64,
}

/// One clock hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HourRow {
    /// The start of the hour.
    pub hour: Stamp,
    /// Attempts that ended in it.
    pub attempts: u64,
    /// Of those, deferrals.
    pub deferrals: u64,
}

impl HourRow {
    /// Deferrals per attempt, if there were attempts.
    pub fn deferral_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.deferrals as f64 / self.attempts as f64)
    }
}

/// The key the MTA's own deferrals without a try are counted under (Postfix `delivery
/// temporarily suspended`, Exim `retry time not reached`).
pub const SKIPPED: &str = "(skipped by the MTA)";

/// The key a deferral is counted under.
pub fn reply_key(attempt: &Attempt) -> String {
    match (attempt.code, &attempt.enhanced) {
        (Some(code), Some(enhanced)) => format!("{code} {enhanced}"),
        (Some(code), None) => code.to_string(),
        (None, Some(enhanced)) => format!("{enhanced} (no reply)"),
        (None, None) if attempt.connected => "(no code)".to_string(),
        (None, None) => "(no connection)".to_string(),
    }
}

/// The smallest value with at least `q` of `sorted` at or below it.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The figures gathered while the messages are read, before they are sorted and filled in.
#[derive(Default)]
struct Tally {
    outcomes: OutcomeCounts,
    by_reply: BTreeMap<String, u64>,
    per_message: BTreeMap<u64, u64>,
    hours: BTreeMap<i64, (Stamp, u64, u64)>,
    latencies: Vec<f64>,
    attempts: u64,
    connected: u64,
    skipped: u64,
    deferrals: u64,
    span: Option<(Stamp, Stamp)>,
}

impl Tally {
    fn add(&mut self, m: &ObservedMessage) {
        let outcomes = &mut self.outcomes;
        match m.outcome {
            Outcome::Delivered => outcomes.delivered += 1,
            Outcome::Bounced => outcomes.bounced += 1,
            Outcome::Expired => outcomes.expired += 1,
            Outcome::Removed => outcomes.removed += 1,
            Outcome::Queued => outcomes.queued += 1,
        }
        if m.outcome == Outcome::Delivered
            && let Some(latency) = m.latency_s()
        {
            self.latencies.push(latency);
        }
        *self.per_message.entry(m.attempts.len() as u64).or_default() += 1;
        let last = m
            .attempts
            .iter()
            .map(|a| a.time)
            .chain(m.end)
            .max()
            .unwrap_or(m.arrival);
        self.span = Some(match self.span {
            None => (m.arrival, last),
            Some((a, b)) => (a.min(m.arrival), b.max(last)),
        });
        for a in &m.attempts {
            self.attempts += 1;
            self.connected += u64::from(a.connected);
            self.skipped += u64::from(a.skipped());
            let hour = a.time.hour_start();
            let row = self.hours.entry(hour.unix_ms).or_insert((hour, 0, 0));
            row.1 += 1;
            if a.status == AttemptStatus::Deferred {
                self.deferrals += 1;
                row.2 += 1;
                let key = if a.skipped() {
                    SKIPPED.to_string()
                } else {
                    reply_key(a)
                };
                *self.by_reply.entry(key).or_default() += 1;
            }
        }
    }
}

/// Exact percentiles of unsorted latencies.
pub fn latency_figures(mut latencies: Vec<f64>) -> Option<LatencyFigures> {
    latencies.sort_by(f64::total_cmp);
    (!latencies.is_empty()).then(|| LatencyFigures {
        count: latencies.len() as u64,
        p50: nearest_rank(&latencies, 0.5),
        p90: nearest_rank(&latencies, 0.9),
        p99: nearest_rank(&latencies, 0.99),
        max: latencies[latencies.len() - 1],
    })
}

impl ObservedSummary {
    /// Summarises a history.
    pub fn of(history: &History) -> ObservedSummary {
        let messages: Vec<_> = history.messages.iter().filter(|m| !m.mta_notice).collect();
        let mut tally = Tally::default();
        for m in &messages {
            tally.add(m);
        }
        let mut deferrals_by_reply: Vec<ReplyCount> = tally
            .by_reply
            .into_iter()
            .map(|(reply, count)| ReplyCount { reply, count })
            .collect();
        deferrals_by_reply.sort_by(|a, b| b.count.cmp(&a.count).then(a.reply.cmp(&b.reply)));
        ObservedSummary {
            format: history.format,
            span: tally.span,
            messages: messages.len() as u64,
            arrivals_in_log: messages
                .iter()
                .filter(|m| m.arrival_source == ArrivalSource::Logged)
                .count() as u64,
            mta_notices: (history.messages.len() - messages.len()) as u64,
            outcomes: tally.outcomes,
            attempts: tally.attempts,
            connected_attempts: tally.connected,
            skipped_attempts: tally.skipped,
            deferrals: tally.deferrals,
            latency_s: latency_figures(tally.latencies),
            deferrals_by_reply,
            attempts_per_message: tally
                .per_message
                .into_iter()
                .map(|(attempts, messages)| AttemptsBin { attempts, messages })
                .collect(),
            hourly: fill_hours(&tally.hours),
            lines: history.lines.clone(),
            notes: history.notes.clone(),
        }
    }
}

/// The hours from the first to the last, one row each.
fn fill_hours(hours: &BTreeMap<i64, (Stamp, u64, u64)>) -> Vec<HourRow> {
    let (Some((&first, _)), Some((&last, _))) = (hours.first_key_value(), hours.last_key_value())
    else {
        return Vec::new();
    };
    let offset = hours[&first].0.offset_s;
    (0..=(last - first) / 3_600_000)
        .map(|k| {
            let unix_ms = first + k * 3_600_000;
            match hours.get(&unix_ms) {
                Some(&(hour, attempts, deferrals)) => HourRow {
                    hour,
                    attempts,
                    deferrals,
                },
                None => HourRow {
                    hour: Stamp {
                        unix_ms,
                        offset_s: offset,
                    },
                    attempts: 0,
                    deferrals: 0,
                },
            }
        })
        .collect()
}

mod text;

pub use text::{LinesReport, human_duration, percent};

#[cfg(test)]
mod tests;
