//! How many messages may be queued at once, which the message part of the estimate rests on.
//!
//! A message bound for a receiver that can defer it (an outage, a throttle, reputation
//! deferrals, greylisting, an incident, DNS trouble, failed authentication checks) may wait for
//! a retry: then every such message is counted as queued at once, the worst case (a long outage
//! comes close). A message to a receiver that never defers only waits for a free connection:
//! the backlog is what arrives faster than the destination's connections carry it.

use crate::domain::ServiceTime;
use crate::scenario::{ConnectionLimit, Receiver, Scenario, Sender};

/// Messages that may be queued at once.
#[derive(Clone, Debug, Default)]
pub(super) struct Queued {
    /// Waiting for a retry (each with a pending event).
    pub retrying: f64,
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
        let horizon_ms = scenario.run.horizon.as_millis() as f64;
        for sender in &scenario.senders {
            let mut previous = 0.0;
            for &(receiver, cumulative) in &sender.mix {
                let share = cumulative - previous;
                previous = cumulative;
                let spec = &scenario.receivers[receiver];
                for traffic in &sender.traffic {
                    let (messages, span_ms) = super::arrivals(traffic, horizon_ms);
                    let messages = messages * share;
                    let queued_here = if defers(spec, sender) {
                        queued.retrying += messages;
                        messages
                    } else {
                        let backlog = (messages - capacity_per_ms(sender) * span_ms).max(0.0);
                        queued.waiting += backlog;
                        backlog
                    };
                    queued.slots_to[receiver] += queued_here;
                }
            }
        }
        queued
    }
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

/// Messages per millisecond one destination of `sender` carries: its connections, each busy
/// for a transaction and its share of the connect time.
fn capacity_per_ms(sender: &Sender) -> f64 {
    let connections = &sender.connections;
    let per_message_ms = mean_ms(&connections.transaction_time)
        + connections.connect_time.as_millis() as f64
            / f64::from(connections.messages_per_connection.max(1));
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
