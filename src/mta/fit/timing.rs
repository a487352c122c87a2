//! How long things take at the sender, from the log: one try (the transaction time) and
//! Exim's pause after an expiry within a queue run.

use super::super::logs::{History, ObservedMessage, Outcome, Stamp};

/// An estimated duration.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Milliseconds.
    pub ms: i64,
    /// How many values it is the median of.
    pub samples: u64,
    /// How it was estimated, in words.
    pub how: String,
}

/// The time one try holds the sender: from Exim's queue runs (a run tries its messages one
/// after another, so its length over its tries), else the median latency of the messages
/// delivered at their first attempt.
pub(super) fn transaction(history: &History, replayed: &[&ObservedMessage]) -> Option<Timing> {
    let tries: Vec<Stamp> = history
        .messages
        .iter()
        .flat_map(|m| &m.attempts)
        .filter(|a| !a.skipped())
        .map(|a| a.time)
        .collect();
    let per_run: Vec<i64> = history
        .queue_runs
        .iter()
        .filter_map(|run| {
            let n = tries
                .iter()
                .filter(|t| run.start <= **t && **t <= run.end)
                .count();
            (n > 0).then(|| (run.end.unix_ms - run.start.unix_ms) / n as i64)
        })
        .collect();
    if let Some(ms) = median(per_run.clone()) {
        return Some(Timing {
            ms,
            samples: per_run.len() as u64,
            how: "median over the queue runs with tries of the run's length divided by its tries"
                .to_string(),
        });
    }
    let first_try: Vec<i64> = replayed
        .iter()
        .filter(|m| m.outcome == Outcome::Delivered && m.attempts.len() == 1)
        .filter_map(|m| m.end.map(|end| end.unix_ms - m.arrival.unix_ms))
        .collect();
    let samples = first_try.len() as u64;
    median(first_try).map(|ms| Timing {
        ms,
        samples,
        how: "median latency of the messages delivered at their first attempt".to_string(),
    })
}

/// The median (the lower of the middle two), at least zero.
fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort_unstable();
    (!values.is_empty()).then(|| values[(values.len() - 1) / 2].max(0))
}

/// Exim's pause after an expiry within a queue run: the median time from a message's expiry
/// to the run's next try, less the median time from a deferred try to the next (what any try
/// takes); `None` without an expiry followed by a try in the same run.
pub(super) fn queue_run_bounce(history: &History) -> Option<Timing> {
    let mut tries: Vec<(Stamp, bool)> = Vec::new();
    for m in &history.messages {
        for (i, a) in m.attempts.iter().enumerate() {
            let last = i + 1 == m.attempts.len();
            let expired_here = last && m.outcome == Outcome::Expired;
            tries.push((a.time, expired_here));
        }
    }
    tries.sort_by_key(|(t, _)| *t);
    let (mut after_expiry, mut after_try) = (Vec::new(), Vec::new());
    for run in &history.queue_runs {
        let inside: Vec<&(Stamp, bool)> = tries
            .iter()
            .filter(|(t, _)| run.start <= *t && *t <= run.end)
            .collect();
        for pair in inside.windows(2) {
            let gap = pair[1].0.unix_ms - pair[0].0.unix_ms;
            if pair[0].1 {
                after_expiry.push(gap);
            } else {
                after_try.push(gap);
            }
        }
    }
    let samples = after_expiry.len() as u64;
    let expiry = median(after_expiry)?;
    let ms = (expiry - median(after_try).unwrap_or(0)).max(0);
    Some(Timing {
        ms,
        samples,
        how: "median time from an expiry to the queue run's next try, less the median from a deferred try to the next".to_string(),
    })
}
