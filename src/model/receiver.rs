//! How a receiver answers one attempt. Checks run in a fixed order and the first that fails
//! decides the reply: MX lookup at the sender (no connection), outage, banned IP, incident
//! (anti-spam rule change), throttle (scaled by reputation class and new-IP probation),
//! reputation deferral, SPF temperror, authentication (SPF/DKIM/DMARC failures), greylisting,
//! recipient, the recipient's hourly receive limits.
//!
//! Random draws are only taken by the checks a scenario uses, so adding a feature to the
//! model leaves the results of scenarios that do not use it unchanged.

use std::collections::HashMap;

use crate::engine::{RandomStream, SimDuration, SimTime};
use crate::scenario::{AffectedIps, IpAddress, Receiver, RecipientLimits, Scenario};

use crate::domain::{DnsKind, OutageKind, Reply};

/// A receiver's running state: one token bucket per sending IP, what it knows about each IP,
/// greylisting records and its random stream.
#[derive(Debug)]
pub(super) struct ReceiverState {
    buckets: Vec<Bucket>,
    /// Sending history of each IP at time zero, for probation (`None`: established).
    history: Vec<Option<SimDuration>>,
    /// Per incident, per IP: whether it is affected, and from when it is allow-listed.
    incident_ips: Vec<Vec<IncidentIp>>,
    /// Per sender: `(rejection, deferral)` probabilities from failed authentication checks.
    auth_chances: Vec<(f64, f64)>,
    /// Per IP: the ban `[from, until)`, if any.
    bans: Vec<Option<(SimTime, SimTime)>>,
    /// Greylisting: `(message slot, IP)` → (the message's arrival, when the triplet was first
    /// seen). A message is one sender and one recipient, so its slot and arrival name the
    /// sender/recipient pair; a reused slot has a different arrival and counts as new.
    greylist: HashMap<(u32, u16), (SimTime, SimTime)>,
    /// Per mailbox: `(clock hour, messages accepted in it)`, from all senders.
    mailbox_hours: Vec<(u64, u32)>,
    /// Per sender × mailbox: the same, from that sender.
    sender_mailbox_hours: Vec<(u64, u32)>,
    rng: RandomStream,
}

/// An IP's part in one incident.
#[derive(Clone, Copy, Debug)]
struct IncidentIp {
    affected: bool,
    allow_listed_from: SimTime,
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
    /// The sender's index.
    pub sender: usize,
    /// The message's slot and arrival, which identify its sender/recipient pair.
    pub message: (u32, SimTime),
}

impl ReceiverState {
    /// The state of `spec` for a run of `scenario`; `setup` draws which IPs a
    /// fraction-based incident affects.
    pub fn new(
        spec: &Receiver,
        scenario: &Scenario,
        rng: RandomStream,
        mut setup: RandomStream,
    ) -> ReceiverState {
        let ips: Vec<(IpAddress, usize, Option<SimDuration>)> = scenario
            .senders
            .iter()
            .flat_map(|s| s.ips.iter())
            .map(|ip| {
                let class = crate::domain::Reputation::ALL
                    .iter()
                    .position(|c| *c == ip.reputation)
                    .unwrap_or_default();
                (ip.address, class, ip.history)
            })
            .collect();
        let history: Vec<Option<SimDuration>> = ips.iter().map(|ip| ip.2).collect();
        let buckets = ips
            .iter()
            .map(|&(_, class, history)| Bucket {
                tokens: spec.throttle.map_or(0.0, |t| {
                    f64::from(t.burst) * limit_factor(spec, class, history, SimTime::ZERO)
                }),
                updated: SimTime::ZERO,
            })
            .collect();
        let incident_ips = spec
            .incidents
            .iter()
            .map(|incident| {
                ips.iter()
                    .map(|(address, _, _)| IncidentIp {
                        affected: match &incident.affected {
                            AffectedIps::Listed(listed) => listed.contains(address),
                            AffectedIps::Fraction(share) => setup.chance(share.get()),
                        },
                        allow_listed_from: incident
                            .allow_listed
                            .iter()
                            .filter(|(_, listed)| listed.contains(address))
                            .map(|&(at, _)| at)
                            .min()
                            .unwrap_or(SimTime::NEVER),
                    })
                    .collect()
            })
            .collect();
        let bans = ips
            .iter()
            .map(|(address, _, _)| {
                spec.bans
                    .iter()
                    .find(|ban| ban.ip == *address)
                    .map(|ban| (ban.from, ban.delisted.unwrap_or(SimTime::NEVER)))
            })
            .collect();
        let auth_chances = scenario
            .senders
            .iter()
            .map(|s| match spec.authentication {
                Some(auth) if s.failed_auth_checks > 0 => auth.chances(s.failed_auth_checks),
                _ => (0.0, 0.0),
            })
            .collect();
        let mailboxes = spec.recipient_limits.map_or(0, |l| l.mailboxes as usize);
        ReceiverState {
            mailbox_hours: vec![(0, 0); mailboxes],
            sender_mailbox_hours: vec![(0, 0); mailboxes * scenario.senders.len()],
            buckets,
            history,
            auth_chances,
            incident_ips,
            bans,
            greylist: HashMap::new(),
            rng,
        }
    }

    /// The reply to an attempt at `now` (see the module documentation for the order).
    pub fn respond(&mut self, spec: &Receiver, now: SimTime, attempt: &AttemptView) -> Reply {
        if self.dns_fails(spec, now, attempt.sender, DnsKind::MxLookup) {
            return Reply::MxLookupFailed;
        }
        if let Some(reply) = self.outage_reply(spec, now) {
            return reply;
        }
        if let Some((from, until)) = self.bans[attempt.ip]
            && from <= now
            && now < until
        {
            return Reply::BannedIp;
        }
        for (incident, ips) in spec.incidents.iter().zip(&self.incident_ips) {
            let ip = ips[attempt.ip];
            if ip.affected && now < ip.allow_listed_from && now < incident.over() {
                let p = incident.deferral_at(now);
                if p > 0.0 && self.rng.chance(p) {
                    return Reply::AccessDenied;
                }
            }
        }
        if let Some(throttle) = spec.throttle {
            let factor = limit_factor(spec, attempt.reputation, self.history[attempt.ip], now);
            let burst = (f64::from(throttle.burst) * factor).max(1.0);
            let bucket = &mut self.buckets[attempt.ip];
            let elapsed = (now - bucket.updated).as_secs_f64();
            bucket.tokens =
                (bucket.tokens + elapsed * throttle.rate.as_per_second() * factor).min(burst);
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
        if self.dns_fails(spec, now, attempt.sender, DnsKind::SpfTempError) {
            return Reply::SpfTempError;
        }
        let (reject, defer) = self.auth_chances[attempt.sender];
        if reject > 0.0 && self.rng.chance(reject) {
            return Reply::AuthRejected;
        }
        if defer > 0.0 && self.rng.chance(defer) {
            return Reply::AuthDeferral;
        }
        if let Some(delay) = spec.greylisting {
            let key = (attempt.message.0, attempt.ip as u16);
            let arrival = attempt.message.1;
            let first_seen = match self.greylist.get(&key) {
                Some(&(seen_arrival, first)) if seen_arrival == arrival => first,
                _ => {
                    self.greylist.insert(key, (arrival, now));
                    now
                }
            };
            if now < first_seen + delay {
                return Reply::Greylisted;
            }
        }
        if !attempt.recipient_exists {
            return Reply::RecipientNotFound;
        }
        if let Some(limits) = spec.recipient_limits {
            return self.count_for_mailbox(limits, now, attempt);
        }
        Reply::Accepted
    }

    /// Accepts the message if its mailbox is under its hourly limits (and counts it), else
    /// refuses it with `5.2.121` (this sender's limit) or `5.2.122` (all senders').
    fn count_for_mailbox(
        &mut self,
        limits: RecipientLimits,
        now: SimTime,
        attempt: &AttemptView,
    ) -> Reply {
        let mailbox = mailbox_of(attempt.message, limits.mailboxes);
        let hour = now.as_millis() / 3_600_000;
        let current = |slot: &mut (u64, u32)| {
            if slot.0 != hour {
                *slot = (hour, 0);
            }
            slot.1
        };
        let from_sender = attempt.sender * limits.mailboxes as usize + mailbox;
        if limits
            .per_sender_per_hour
            .is_some_and(|limit| current(&mut self.sender_mailbox_hours[from_sender]) >= limit)
        {
            return Reply::SenderHourlyLimit;
        }
        if limits
            .per_hour
            .is_some_and(|limit| current(&mut self.mailbox_hours[mailbox]) >= limit)
        {
            return Reply::RecipientHourlyLimit;
        }
        for slot in [
            &mut self.sender_mailbox_hours[from_sender],
            &mut self.mailbox_hours[mailbox],
        ] {
            current(slot);
            slot.1 += 1;
        }
        Reply::Accepted
    }

    /// Whether a DNS trouble window of `kind` covers `now` for `sender` and this attempt is
    /// among those affected.
    fn dns_fails(&mut self, spec: &Receiver, now: SimTime, sender: usize, kind: DnsKind) -> bool {
        spec.dns_trouble.iter().any(|dns| {
            dns.kind == kind
                && dns.start <= now
                && now < dns.end
                && dns.senders.contains(&sender)
                && self.rng.chance(dns.fraction.get())
        })
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

/// The mailbox of a message, among `mailboxes`: a hash of its slot and arrival, so it is the
/// same at every attempt and needs no storage (SplitMix64's finaliser spreads the bits).
fn mailbox_of((slot, arrival): (u32, SimTime), mailboxes: u32) -> usize {
    let mut x = arrival.as_millis() ^ (u64::from(slot) << 40) ^ 0x9e37_79b9_7f4a_7c15;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x % u64::from(mailboxes)) as usize
}

/// The share of the throttle's rate and burst an IP of reputation class `class` with
/// `history` of sending at time zero gets at `now`: its class's share, times the probation
/// share while it builds history. The bucket refills at the share in force when it is next
/// used, a close approximation while the share changes slowly (over days).
fn limit_factor(spec: &Receiver, class: usize, history: Option<SimDuration>, now: SimTime) -> f64 {
    let by_class = spec.throttle.map_or(1.0, |t| t.by_reputation[class]);
    match (spec.probation, history) {
        (Some(probation), Some(history)) => {
            by_class * probation.factor(history + SimDuration(now.as_millis()))
        }
        _ => by_class,
    }
}
