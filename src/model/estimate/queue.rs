//! How many messages may be queued at once, and what they cost, which the message part of the
//! estimate rests on.
//!
//! A message bound for a receiver that can defer it (an outage, a throttle, reputation
//! deferrals, greylisting, an incident, DNS trouble, failed authentication checks) may wait for
//! a retry: every such message that arrives before the policy would give it up is counted as
//! queued at once, the worst case (a long outage comes close). Of those, only as many can be
//! waiting for their retry as the destination's connections can try within the longest gap
//! between two attempts (each attempt holds a connection for as long as the fastest way the
//! receiver defers takes: a refused connection is instant, a throttled transaction takes its
//! time); the rest wait for a connection, which costs less. What a retrying message costs grows
//! with the retry rounds it goes through,
//! because the event queue's buckets keep the room its pending event passed through: the rounds
//! are the policy's attempts against a receiver that always defers, within the longest time the
//! receiver may defer (the greylisting delay, the longest outage, else the whole run). A message
//! to a receiver that never defers only waits for a free connection: the backlog is what arrives
//! faster than the destination's connections carry it.

use crate::domain::{DnsKind, OutageKind, Reply, ServiceTime};
use crate::engine::{SimDuration, SimTime};
use crate::retry::{RetrySpec, schedule};
use crate::scenario::{ConnectionLimit, Receiver, Scenario, Sender};

/// Memory per retrying message after one retry round: its record in the slab and its pending
/// event.
const BYTES_PER_RETRYING_MESSAGE: f64 = 110.0;
/// More per retrying message for every doubling of its retry rounds: the event queue's buckets
/// keep the room its event passed through.
const BYTES_PER_DOUBLING_OF_ROUNDS: f64 = 22.0;

/// Messages that may be queued at once.
#[derive(Clone, Debug, Default)]
pub(super) struct Queued {
    /// Memory of the messages waiting for a retry (each with a pending event).
    pub retrying_bytes: f64,
    /// Waiting for a free connection.
    pub waiting: f64,
    /// Per receiver (by index): the message slots in use at once for it, which is how many
    /// triplets its greylisting remembers.
    pub slots_to: Vec<f64>,
}

impl Queued {
    pub fn of(scenario: &Scenario) -> Queued {
        let mut queued = Queued {
            slots_to: vec![0.0; scenario.receivers.len()],
            ..Queued::default()
        };
        let horizon = scenario.run.horizon;
        let horizon_ms = horizon.as_millis() as f64;
        for sender in &scenario.senders {
            let profile = RetryProfile::of(&sender.retry, horizon);
            let mut previous = 0.0;
            for &(receiver, cumulative) in &sender.mix {
                let share = cumulative - previous;
                previous = cumulative;
                let spec = &scenario.receivers[receiver];
                let retrying = deferral_window(spec, sender, horizon).map(|window| {
                    let tried_per_gap = capacity_per_ms(sender, failure_ms(spec, sender))
                        * profile.longest_gap_ms(window);
                    (profile.bytes_per_message(window), tried_per_gap)
                });
                for traffic in &sender.traffic {
                    let (messages, span_ms) = super::arrivals(traffic, horizon_ms);
                    let messages = messages * share;
                    let queued_here = match retrying {
                        Some((bytes, tried_per_gap)) => {
                            // A message leaves by the time it is given up at the latest: only
                            // those that arrive within that time can be queued together.
                            let together = messages * (profile.give_up_ms / span_ms).min(1.0);
                            let retrying = together.min(tried_per_gap);
                            queued.retrying_bytes += retrying * bytes;
                            queued.waiting += together - retrying;
                            together
                        }
                        None => {
                            let attempt_ms = attempt_ms(sender);
                            let backlog =
                                (messages - capacity_per_ms(sender, attempt_ms) * span_ms).max(0.0);
                            queued.waiting += backlog;
                            backlog
                        }
                    };
                    queued.slots_to[receiver] += queued_here;
                }
            }
        }
        queued
    }
}

/// A policy's attempts against a receiver that always defers, up to the horizon.
struct RetryProfile {
    /// The attempts' offsets from the first, in milliseconds.
    attempts_ms: Vec<f64>,
    /// When the policy gives the message up (the horizon if it does not before).
    give_up_ms: f64,
}

impl RetryProfile {
    fn of(retry: &RetrySpec, horizon: SimTime) -> RetryProfile {
        let rows = schedule::rows_until(
            retry,
            Reply::ServerBusy,
            1,
            SimDuration(horizon.as_millis()),
        );
        let attempts_ms = rows
            .iter()
            .filter(|row| row.event == schedule::Event::Attempt)
            .map(|row| row.offset_s * 1000.0)
            .collect();
        let give_up_ms = rows
            .iter()
            .find(|row| row.event == schedule::Event::Expired)
            .map_or(horizon.as_millis() as f64, |row| row.offset_s * 1000.0);
        RetryProfile {
            attempts_ms,
            give_up_ms: give_up_ms.max(1.0),
        }
    }

    /// The longest wait between two attempts within `window` (the whole window for a policy
    /// that tries once in it).
    fn longest_gap_ms(&self, window: SimDuration) -> f64 {
        let window_ms = window.as_millis() as f64;
        let within: Vec<f64> = self
            .attempts_ms
            .iter()
            .copied()
            .filter(|&at| at <= window_ms)
            .collect();
        let gaps = within.windows(2).map(|pair| pair[1] - pair[0]);
        let longest = gaps.fold(0.0, f64::max);
        if within.len() < 2 {
            window_ms.max(1.0)
        } else {
            longest.max(1.0)
        }
    }

    /// The memory of a message deferred for at most `window`: the more retry rounds, the more.
    fn bytes_per_message(&self, window: SimDuration) -> f64 {
        let window_ms = window.as_millis() as f64;
        let rounds = self
            .attempts_ms
            .iter()
            .filter(|&&at| at <= window_ms)
            .count()
            .max(1);
        BYTES_PER_RETRYING_MESSAGE + BYTES_PER_DOUBLING_OF_ROUNDS * (rounds as f64).log2()
    }
}

/// How long `receiver` may keep deferring a message from `sender` (at most `horizon`), or
/// `None` if it never defers it: the greylisting delay if that is all it does, the longest
/// outage if it only has outages (and greylisting), else the whole run.
fn deferral_window(receiver: &Receiver, sender: &Sender, horizon: SimTime) -> Option<SimDuration> {
    if !defers(receiver, sender) {
        return None;
    }
    let whole_run = SimDuration(horizon.as_millis());
    let only_outages_or_greylisting = Receiver {
        outages: Vec::new(),
        greylisting: None,
        ..receiver.clone()
    };
    if defers(&only_outages_or_greylisting, sender) {
        return Some(whole_run);
    }
    let longest_outage = receiver
        .outages
        .iter()
        .map(|outage| {
            outage
                .end
                .as_millis()
                .saturating_sub(outage.start.as_millis())
        })
        .max()
        .unwrap_or(0);
    let greylisting = receiver.greylisting.map_or(0, |delay| delay.as_millis());
    Some(SimDuration(longest_outage.max(greylisting)).min(whole_run))
}

/// Whether `receiver` may defer mail from `sender`.
fn defers(receiver: &Receiver, sender: &Sender) -> bool {
    receiver.throttle.is_some()
        || receiver.reputation_deferral.iter().any(|&p| p > 0.0)
        || !receiver.outages.is_empty()
        || receiver.probation.is_some()
        || !receiver.incidents.is_empty()
        || !receiver.dns_trouble.is_empty()
        || receiver.greylisting.is_some()
        || (receiver.authentication.is_some() && sender.failed_auth_checks > 0)
}

/// How long one attempt of `sender` that gets through takes: the connect time and a
/// transaction.
fn attempt_ms(sender: &Sender) -> f64 {
    let connections = &sender.connections;
    connections.connect_time.as_millis() as f64 + mean_ms(&connections.transaction_time)
}

/// How long the fastest way `receiver` defers `sender` holds a connection: no connection at all
/// for a failed MX lookup, the connect time for a refused connection or a 421 greeting, the
/// connect timeout for an unresponsive server, else a whole transaction.
fn failure_ms(receiver: &Receiver, sender: &Sender) -> f64 {
    let connections = &sender.connections;
    let connect = connections.connect_time.as_millis() as f64;
    let mut fastest = attempt_ms(sender);
    for outage in &receiver.outages {
        let held = match outage.kind {
            OutageKind::Refused | OutageKind::Greeting421 => connect,
            OutageKind::Timeout => connections.connect_timeout.as_millis() as f64,
            OutageKind::Reply451 => attempt_ms(sender),
        };
        fastest = fastest.min(held);
    }
    if receiver
        .dns_trouble
        .iter()
        .any(|t| t.kind == DnsKind::MxLookup)
    {
        fastest = 0.0;
    }
    fastest
}

/// Messages per millisecond one destination of `sender` carries when each holds a connection
/// for `attempt_ms` (amortising the connect time over the messages of a connection).
fn capacity_per_ms(sender: &Sender, attempt_ms: f64) -> f64 {
    let connections = &sender.connections;
    let connect = connections.connect_time.as_millis() as f64;
    let reuse = f64::from(connections.messages_per_connection.max(1));
    let per_message_ms = (attempt_ms - connect).max(0.0) + connect / reuse;
    match connections.limit {
        ConnectionLimit::Unlimited => f64::INFINITY,
        ConnectionLimit::Limited(_) if per_message_ms <= 0.0 => f64::INFINITY,
        ConnectionLimit::Limited(n) => f64::from(n) / per_message_ms,
    }
}

fn mean_ms(time: &ServiceTime) -> f64 {
    match *time {
        ServiceTime::Fixed(duration)
        | ServiceTime::Exponential { mean: duration }
        | ServiceTime::LogNormal { mean: duration, .. } => duration.as_millis() as f64,
    }
}
