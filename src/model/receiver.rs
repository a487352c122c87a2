//! How a receiver answers one attempt: outage, then throttle, then reputation, then recipient.

use crate::engine::{RandomStream, SimTime};
use crate::scenario::Receiver;

use super::{OutageKind, Reply};

/// A receiver's running state: one token bucket per sending IP and its random stream.
#[derive(Debug)]
pub(super) struct ReceiverState {
    buckets: Vec<Bucket>,
    rng: RandomStream,
}

/// A token bucket: starts full, refills continuously.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: SimTime,
}

/// What the receiver knows about the attempt.
pub(super) struct AttemptView {
    /// Global index of the sending IP.
    pub ip: usize,
    /// Index of the IP's reputation class in `Reputation::ALL`.
    pub reputation: usize,
    /// Whether the recipient exists.
    pub recipient_exists: bool,
}

impl ReceiverState {
    pub fn new(spec: &Receiver, ip_count: usize, rng: RandomStream) -> ReceiverState {
        let full = spec.throttle.map_or(0.0, |t| f64::from(t.burst));
        ReceiverState {
            buckets: vec![
                Bucket {
                    tokens: full,
                    updated: SimTime::ZERO,
                };
                ip_count
            ],
            rng,
        }
    }

    /// The reply to an attempt at `now`. Checks run in the order outage, throttle, reputation,
    /// recipient; the first that fails decides the reply.
    pub fn respond(&mut self, spec: &Receiver, now: SimTime, attempt: &AttemptView) -> Reply {
        if let Some(reply) = self.outage_reply(spec, now) {
            return reply;
        }
        if let Some(throttle) = spec.throttle {
            let bucket = &mut self.buckets[attempt.ip];
            let elapsed = (now - bucket.updated).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * throttle.rate.as_per_second())
                .min(f64::from(throttle.burst));
            bucket.updated = now;
            // The tolerance absorbs round-off, so a bucket refilled to exactly one token at an
            // exact instant (1 per 10 min, 10 min later) admits the attempt.
            if bucket.tokens < 1.0 - 1e-9 {
                return Reply::ServerBusy;
            }
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        }
        let deferral = spec.reputation_deferral[attempt.reputation];
        if deferral > 0.0 && self.rng.chance(deferral) {
            return Reply::IpReputation;
        }
        if !attempt.recipient_exists {
            return Reply::RecipientNotFound;
        }
        Reply::Accepted
    }

    /// The outage reply if an outage window covers `now` and this attempt is among those
    /// affected.
    pub fn outage_reply(&mut self, spec: &Receiver, now: SimTime) -> Option<Reply> {
        let outage = spec.outages.iter().find(|o| o.covers(now))?;
        if !self.rng.chance(outage.fraction.get()) {
            return None;
        }
        Some(match outage.kind {
            OutageKind::Timeout => Reply::ConnectTimeout,
            OutageKind::Refused => Reply::ConnectRefused,
            OutageKind::Greeting421 => Reply::Greeting421,
            OutageKind::Reply451 => Reply::TemporaryError451,
        })
    }
}
