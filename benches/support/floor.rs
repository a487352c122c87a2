//! A yardstick for issue 16's retry queue: the same model written straight onto the engine (its
//! `LaneQueue` and `RandomStream`), with none of the model layer: no receiver rules, no retry
//! policy object, no connections, no journal, and counters instead of the recorder's time series,
//! histogram and deliverability tables. What it costs per attempt is the least the world's loop
//! could cost on this engine; the gap to `mailsim::model::simulate` on the same workload is what
//! the model layer spends (BENCHMARKS.md, "The model layer against the engine's floor").
//!
//! The model is `retry_queue_text`'s: Poisson arrivals over 12 h, a token bucket of 15 000/h and
//! burst 500 per IP (10 IPs per 2.4 M messages, round robin), every connection refused from 4 h
//! to 6 h, 1 % invalid recipients, zero transaction time, unlimited connections, fixed 20-minute
//! retries for at most 2 days. Its draws come from other streams than the world's, so its results
//! agree with the world's statistically, not to the digit.

use mailsim::engine::{LaneQueue, RandomStream, SimTime};

const HOUR_MS: u64 = 3_600_000;
const RETRY_MS: u64 = 20 * 60_000;
const LIFETIME_MS: u64 = 2 * 24 * HOUR_MS;
const BURST: f64 = 500.0;

/// What the floor model counted.
#[derive(Debug, Default)]
pub struct FloorResult {
    pub attempts: u64,
    pub delivered: u64,
    pub bounced: u64,
    pub expired: u64,
    pub peak_waiting: u64,
    /// Mean time from arrival to delivery, in seconds.
    pub mean_latency_s: f64,
}

/// An event of the floor model: the next arrival, or a message's retry coming due.
const ARRIVAL: u32 = u32::MAX;

/// Runs the floor model with `messages` messages (on average).
pub fn retry_queue_floor(messages: u64) -> FloorResult {
    let mean_gap_ms = 12.0 * HOUR_MS as f64 / messages as f64;
    let ips = (10.0 * messages as f64 / 2_400_000.0).round().max(1.0) as usize;
    let refill_per_ms = 15_000.0 / HOUR_MS as f64;
    let mut buckets = vec![(BURST, 0u64); ips];
    let mut next_ip = 0;
    let mut arrivals = RandomStream::new(1, 0, "floor/arrivals");
    let mut recipients = RandomStream::new(1, 0, "floor/recipients");
    // Per message slot: arrival time and whether the recipient exists.
    let mut messages: Vec<(u64, bool)> = Vec::new();
    let mut free = Vec::new();
    let mut queue = LaneQueue::new();
    let mut result = FloorResult::default();
    let (mut waiting, mut latency_ms) = (0u64, 0u128);
    let mut next_arrival = arrivals.exponential(mean_gap_ms);
    queue.push(SimTime(next_arrival.round() as u64), ARRIVAL);
    while let Some((SimTime(now), event)) = queue.pop() {
        let message = if event == ARRIVAL {
            let slot = free.pop().unwrap_or_else(|| {
                messages.push((0, true));
                messages.len() as u32 - 1
            });
            messages[slot as usize] = (now, !recipients.chance(0.01));
            next_arrival += arrivals.exponential(mean_gap_ms);
            if next_arrival <= 12.0 * HOUR_MS as f64 {
                queue.push(SimTime(next_arrival.round() as u64), ARRIVAL);
            }
            slot
        } else {
            waiting -= 1;
            event
        };
        let (arrival, exists) = messages[message as usize];
        result.attempts += 1;
        let ip = next_ip;
        next_ip = (next_ip + 1) % ips;
        let refused = (4 * HOUR_MS..6 * HOUR_MS).contains(&now) || {
            let (tokens, updated) = &mut buckets[ip];
            *tokens = (*tokens + (now - *updated) as f64 * refill_per_ms).min(BURST);
            *updated = now;
            let empty = *tokens < 1.0 - 1e-9;
            if !empty {
                *tokens = (*tokens - 1.0).max(0.0);
            }
            empty
        };
        if !refused && exists {
            result.delivered += 1;
            latency_ms += u128::from(now - arrival);
            free.push(message);
        } else if !refused {
            result.bounced += 1;
            free.push(message);
        } else if now - arrival >= LIFETIME_MS {
            result.expired += 1;
            free.push(message);
        } else {
            waiting += 1;
            result.peak_waiting = result.peak_waiting.max(waiting);
            queue.push(SimTime(now + RETRY_MS), message);
        }
    }
    result.mean_latency_s = latency_ms as f64 / result.delivered.max(1) as f64 / 1000.0;
    result
}
