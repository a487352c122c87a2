//! A validated receiver and the behaviours it is built from: throttle, reputation deferral,
//! outages, probation, incidents, DNS trouble, bans, greylisting, authentication and recipient
//! limits.

use crate::domain::{DnsKind, OutageKind, Rate, Share};
use crate::engine::{SimDuration, SimTime};

use super::IpAddress;

/// A validated receiver.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Receiver {
    /// Its name.
    pub name: String,
    /// Per-IP token bucket.
    pub throttle: Option<Throttle>,
    /// Probability of `451 4.7.650` per attempt, indexed like
    /// [`Reputation::ALL`](crate::domain::Reputation::ALL).
    pub reputation_deferral: [f64; 4],
    /// Outage windows, sorted and not overlapping.
    pub outages: Vec<Outage>,
    /// New-IP probation.
    pub probation: Option<Probation>,
    /// Incidents, in file order.
    pub incidents: Vec<Incident>,
    /// DNS trouble windows, in file order.
    pub dns_trouble: Vec<DnsTrouble>,
    /// Banned sending IPs.
    pub bans: Vec<Ban>,
    /// The greylisting delay, if the receiver greylists.
    pub greylisting: Option<SimDuration>,
    /// How failed authentication checks are treated, if at all.
    pub authentication: Option<AuthPolicy>,
    /// Per-recipient hourly receive limits, if any.
    pub recipient_limits: Option<RecipientLimits>,
}

/// Hourly receive limits per recipient mailbox (see `RawRecipientLimits`).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RecipientLimits {
    /// Mailboxes (at least 1).
    pub mailboxes: u32,
    /// Per mailbox, per sender, per clock hour.
    pub per_sender_per_hour: Option<u32>,
    /// Per mailbox, from all senders, per clock hour.
    pub per_hour: Option<u32>,
}

/// Probabilities per failed authentication check.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct AuthPolicy {
    /// Of a deferral (`451 4.7.26`).
    pub deferral: f64,
    /// Of a rejection (`550 5.7.515`).
    pub rejection: f64,
}

impl AuthPolicy {
    /// `(rejection, deferral)` probabilities for mail failing `failed` checks: each failed
    /// check is an independent chance, so `1 − (1 − p)^failed`.
    pub fn chances(&self, failed: u8) -> (f64, f64) {
        let combined = |p: f64| 1.0 - (1.0 - p).powi(i32::from(failed));
        (combined(self.rejection), combined(self.deferral))
    }
}

/// New-IP probation (see `RawProbation`).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Probation {
    /// History needed for the full limit (positive).
    pub period: SimDuration,
    /// The share of the limit a brand-new IP gets.
    pub start: Share,
}

impl Probation {
    /// The share of the throttle an IP with `history` of sending behind it gets.
    pub fn factor(&self, history: SimDuration) -> f64 {
        if history >= self.period {
            return 1.0;
        }
        let start = self.start.get();
        start + (1.0 - start) * history.as_secs_f64() / self.period.as_secs_f64()
    }
}

/// Which sending IPs an incident affects.
#[derive(Clone, Debug)]
pub enum AffectedIps {
    /// These addresses (each one a sending IP of some sender).
    Listed(Vec<IpAddress>),
    /// Each sending IP with this probability, drawn once per run.
    Fraction(Share),
}

/// An incident: an anti-spam rule change restricting some IPs from `start` until the
/// reversion at `end`, fading out over `fade`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Incident {
    /// Its label.
    pub name: String,
    /// When the rule change takes effect.
    pub start: SimTime,
    /// When it is reverted (after `start`).
    pub end: SimTime,
    /// The affected IPs.
    pub affected: AffectedIps,
    /// The deferral probability from `start`.
    pub deferral: f64,
    /// Fixes `(at, deferral)` in time order, all within `[start, end)`.
    pub fixes: Vec<(SimTime, f64)>,
    /// Allow-listings `(at, addresses)`.
    pub allow_listed: Vec<(SimTime, Vec<IpAddress>)>,
    /// How long the effect fades after `end`.
    pub fade: SimDuration,
}

impl Incident {
    /// The probability that an affected, not allow-listed IP's attempt at `now` is refused.
    pub fn deferral_at(&self, now: SimTime) -> f64 {
        if now < self.start {
            return 0.0;
        }
        let in_force = |at: SimTime| {
            self.fixes
                .iter()
                .rev()
                .find(|(from, _)| *from <= at)
                .map_or(self.deferral, |&(_, p)| p)
        };
        if now < self.end {
            return in_force(now);
        }
        let since = (now - self.end).as_millis();
        let fade = self.fade.as_millis();
        if since >= fade {
            return 0.0;
        }
        in_force(self.end) * (1.0 - since as f64 / fade as f64)
    }

    /// When the incident's effect is over: `end + fade`.
    pub fn over(&self) -> SimTime {
        self.end + self.fade
    }
}

/// A DNS trouble window `[start, end)`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DnsTrouble {
    /// Start.
    pub start: SimTime,
    /// End (exclusive).
    pub end: SimTime,
    /// What fails.
    pub kind: DnsKind,
    /// Affected senders by index (every sender when the file names none).
    pub senders: Vec<usize>,
    /// Share of attempts affected.
    pub fraction: Share,
}

/// A banned sending IP, `[from, delisted)`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Ban {
    /// The address.
    pub ip: IpAddress,
    /// When the ban starts.
    pub from: SimTime,
    /// When the IP is delisted, if ever.
    pub delisted: Option<SimTime>,
}

/// A per-IP token bucket.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Throttle {
    /// Refill rate (positive).
    pub rate: Rate,
    /// Bucket size (at least 1).
    pub burst: u32,
    /// Share of rate and burst per reputation class, indexed like
    /// [`Reputation::ALL`](crate::domain::Reputation::ALL).
    pub by_reputation: [f64; 4],
}

/// An outage window `[start, end)`.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Outage {
    /// Start.
    pub start: SimTime,
    /// End (exclusive).
    pub end: SimTime,
    /// What senders see.
    pub kind: OutageKind,
    /// Share of attempts affected.
    pub fraction: Share,
}

impl Outage {
    /// Whether `now` falls inside the window.
    pub fn covers(&self, now: SimTime) -> bool {
        self.start <= now && now < self.end
    }
}
