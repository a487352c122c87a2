//! The validated scenario: domain types with every default filled in, every name resolved to an
//! index and every cross-field rule checked.

use std::fmt;

use crate::domain::{DnsKind, OutageKind, Reputation, ServiceTime};
use crate::engine::{SimDuration, SimTime};
use crate::retry::RetrySpec;

use crate::domain::{Rate, Share};

/// A validated scenario, ready to simulate: built only by [`Scenario::load`] or
/// [`Scenario::parse`], and read through its getters.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name (safe as a folder name).
    pub(crate) name: String,
    /// What the scenario shows.
    pub(crate) description: String,
    /// Where it was read from.
    pub(crate) origin: String,
    /// Run settings.
    pub(crate) run: RunSettings,
    /// Senders, in file order.
    pub(crate) senders: Vec<Sender>,
    /// Receivers, sorted by name.
    pub(crate) receivers: Vec<Receiver>,
    /// Named retry policies for `mailsim compare`, in file order (may be empty).
    pub(crate) policies: Vec<(String, RetrySpec)>,
}

/// How long to run and how to sample.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunSettings {
    /// Stop at this instant at the latest.
    pub horizon: SimTime,
    /// Time-series sample interval (positive).
    pub sample_every: SimDuration,
    /// The random seed.
    pub seed: u64,
    /// Stop early once all traffic has arrived and the queue is empty.
    pub stop_when_drained: bool,
    /// Warm-up excluded from steady-state statistics (zero: none).
    pub warmup: SimDuration,
}

/// A validated sender.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Sender {
    /// Its name.
    pub name: String,
    /// Its sending IPs (at least one).
    pub ips: Vec<SendingIp>,
    /// Traffic sources.
    pub traffic: Vec<Traffic>,
    /// Cumulative shares per receiver index: `(receiver, cumulative share)`, last share 1.
    pub mix: Vec<(usize, f64)>,
    /// Share of invalid recipients.
    pub invalid_share: Share,
    /// Connection settings.
    pub connections: Connections,
    /// Age at which a delay warning is sent (checked when an attempt fails); the sender's own
    /// setting, else the retry policy's default ([`RetrySpec::delay_warning_default`]).
    pub delay_warning: Option<SimDuration>,
    /// Whether further notices follow at every further multiple of `delay_warning` (only for a
    /// policy default that repeats, Exim's and PowerMTA's).
    pub delay_warning_repeats: bool,
    /// Queue alert settings.
    pub queue_alert: Option<QueueAlert>,
    /// How many of SPF, DKIM and DMARC fail for this sender's mail (0 to 3).
    pub failed_auth_checks: u8,
    /// The retry policy.
    pub retry: RetrySpec,
}

/// One sending IP.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SendingIp {
    /// Its address, for reports and reply texts.
    pub address: IpAddress,
    /// Its reputation class.
    pub reputation: Reputation,
    /// Sending history at time zero; `None` for an established IP.
    pub history: Option<SimDuration>,
}

/// An IPv4 address as four octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpAddress(pub [u8; 4]);

impl fmt::Display for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// A validated traffic source.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Traffic {
    /// Piecewise-constant Poisson rate: `(from, rate)` steps in increasing order, the first at
    /// time zero; repeating with `period` if set. A plain Poisson source is one step (plus a
    /// zero-rate step at its end).
    Poisson {
        /// Steps `(from, rate)`.
        steps: Vec<(SimTime, Rate)>,
        /// Repeat period.
        period: Option<SimDuration>,
    },
    /// `messages` messages from `at`, message i at `at + i × spread / messages`.
    Campaign {
        /// How many.
        messages: u64,
        /// First arrival.
        at: SimTime,
        /// Spread (zero: all at once).
        spread: SimDuration,
    },
}

/// Connection settings per destination.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Connections {
    /// Parallel connections per destination.
    pub limit: ConnectionLimit,
    /// Messages per connection (at least 1).
    pub messages_per_connection: u32,
    /// SMTP transaction time.
    pub transaction_time: ServiceTime,
    /// Time to open a connection.
    pub connect_time: SimDuration,
    /// How long a timed-out connection attempt holds its slot.
    pub connect_timeout: SimDuration,
}

/// A per-destination connection limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionLimit {
    /// At most this many (at least 1).
    Limited(u32),
    /// No limit.
    Unlimited,
}

impl ConnectionLimit {
    /// Whether `busy` connections leave room for another.
    pub fn allows(self, busy: u32) -> bool {
        match self {
            ConnectionLimit::Limited(limit) => busy < limit,
            ConnectionLimit::Unlimited => true,
        }
    }
}

/// Queue alert settings.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct QueueAlert {
    /// Alert while more than this many messages wait for a retry.
    pub threshold: u64,
    /// Repeat interval (positive).
    pub every: SimDuration,
}

/// A validated receiver.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Receiver {
    /// Its name.
    pub name: String,
    /// Per-IP token bucket.
    pub throttle: Option<Throttle>,
    /// Probability of `451 4.7.650` per attempt, indexed like [`Reputation::ALL`].
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
    /// Share of rate and burst per reputation class, indexed like [`Reputation::ALL`].
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

impl Scenario {
    /// Every sending IP's address, in global order (senders in file order, then their IPs):
    /// the index the model and its outputs use for an IP.
    pub fn ip_addresses(&self) -> Vec<IpAddress> {
        self.senders
            .iter()
            .flat_map(|s| s.ips.iter().map(|ip| ip.address))
            .collect()
    }

    /// A readable account of what the file resolves to, for `mailsim validate`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let mut line = |text: String| {
            out.push_str(&text);
            out.push('\n');
        };
        line(format!("scenario {} ({})", self.name, self.origin));
        if !self.description.is_empty() {
            line(format!("  {}", self.description.trim()));
        }
        line(format!(
            "run: horizon {}, sample every {}, seed {}, {}",
            SimDuration(self.run.horizon.as_millis()),
            self.run.sample_every,
            self.run.seed,
            if self.run.stop_when_drained {
                "stop when drained"
            } else {
                "run to the horizon"
            }
        ));
        if self.run.warmup > SimDuration::ZERO {
            line(format!(
                "warm-up: {} (left out of latency and Little's law; counts stay complete)",
                self.run.warmup
            ));
        }
        for sender in &self.senders {
            line(format!("sender {}", sender.name));
            let ips: Vec<String> = sender
                .ips
                .iter()
                .map(|ip| match ip.history {
                    Some(history) => {
                        format!("{} ({:?}, {history} of history)", ip.address, ip.reputation)
                    }
                    None => format!("{} ({:?})", ip.address, ip.reputation),
                })
                .collect();
            line(format!("  ips: {}", ips.join(", ")));
            for traffic in &sender.traffic {
                line(format!("  traffic: {}", traffic.describe()));
            }
            let mut previous = 0.0;
            let mix: Vec<String> = sender
                .mix
                .iter()
                .map(|&(receiver, cumulative)| {
                    let share = cumulative - previous;
                    previous = cumulative;
                    format!("{} {:.1}%", self.receivers[receiver].name, share * 100.0)
                })
                .collect();
            line(format!(
                "  recipients: {}; invalid {:.1}%",
                mix.join(", "),
                sender.invalid_share.get() * 100.0
            ));
            let c = &sender.connections;
            let limit = match c.limit {
                ConnectionLimit::Limited(n) => n.to_string(),
                ConnectionLimit::Unlimited => "unlimited".into(),
            };
            line(format!(
                "  connections: {limit} per destination, {} messages each, transaction {:?}, connect {}, connect timeout {}",
                c.messages_per_connection, c.transaction_time, c.connect_time, c.connect_timeout
            ));
            line(format!(
                "  delay warning: {}; queue alert: {}",
                sender
                    .delay_warning
                    .map_or("off".into(), |age| if sender.delay_warning_repeats {
                        format!("every {age} of age")
                    } else {
                        format!("at age {age}")
                    }),
                sender.queue_alert.map_or("off".into(), |alert| format!(
                    "above {} deferred, every {}",
                    alert.threshold, alert.every
                ))
            ));
            if sender.failed_auth_checks > 0 {
                line(format!(
                    "  authentication: {} of SPF, DKIM, DMARC fail",
                    sender.failed_auth_checks
                ));
            }
            line(format!("  retry: {}", sender.retry.describe()));
        }
        for (name, retry) in &self.policies {
            line(format!("policy to compare {name}: {}", retry.describe()));
        }
        for receiver in &self.receivers {
            line(format!("receiver {}", receiver.name));
            match receiver.throttle {
                Some(t) => line(format!(
                    "  throttle: {} per sending IP, burst {} (451 4.7.500 when exceeded)",
                    t.rate, t.burst
                )),
                None => line("  throttle: none".into()),
            }
            let deferral: Vec<String> = Reputation::ALL
                .iter()
                .zip(receiver.reputation_deferral)
                .filter(|(_, p)| *p > 0.0)
                .map(|(class, p)| format!("{class:?} {:.1}%", p * 100.0))
                .collect();
            if !deferral.is_empty() {
                line(format!(
                    "  reputation deferral (451 4.7.650): {}",
                    deferral.join(", ")
                ));
            }
            for outage in &receiver.outages {
                line(format!(
                    "  outage {:?} from {} to {}, {:.0}% of attempts",
                    outage.kind,
                    SimDuration(outage.start.as_millis()),
                    SimDuration(outage.end.as_millis()),
                    outage.fraction.get() * 100.0
                ));
            }
            let at = |t: SimTime| SimDuration(t.as_millis());
            if let Some(p) = receiver.probation {
                line(format!(
                    "  probation: new IPs start at {:.0}% of the throttle, full after {} of history",
                    p.start.get() * 100.0,
                    p.period
                ));
            }
            for incident in &receiver.incidents {
                let affected = match &incident.affected {
                    AffectedIps::Listed(ips) => list(ips),
                    AffectedIps::Fraction(share) => {
                        format!("{:.0}% of sending IPs", share.get() * 100.0)
                    }
                };
                line(format!(
                    "  incident \"{}\" from {} to {} (fading over {}): {affected} refused with probability {:.2} (451 4.7.500)",
                    incident.name,
                    at(incident.start),
                    at(incident.end),
                    incident.fade,
                    incident.deferral
                ));
                for (when, p) in &incident.fixes {
                    line(format!("    fix at {}: probability {p:.2}", at(*when)));
                }
                for (when, ips) in &incident.allow_listed {
                    line(format!("    allow-listed at {}: {}", at(*when), list(ips)));
                }
            }
            for dns in &receiver.dns_trouble {
                let senders: Vec<&str> = dns
                    .senders
                    .iter()
                    .map(|&s| self.senders[s].name.as_str())
                    .collect();
                line(format!(
                    "  DNS trouble {:?} from {} to {}, {:.0}% of attempts, senders {}",
                    dns.kind,
                    at(dns.start),
                    at(dns.end),
                    dns.fraction.get() * 100.0,
                    senders.join(", ")
                ));
            }
            for ban in &receiver.bans {
                line(format!(
                    "  ban of {} from {} until {} (550 5.7.606)",
                    ban.ip,
                    at(ban.from),
                    ban.delisted.map_or("never".into(), |t| at(t).to_string())
                ));
            }
            if let Some(auth) = receiver.authentication {
                line(format!(
                    "  authentication: per failed check, {:.1}% deferred (451 4.7.26), {:.1}% rejected (550 5.7.515)",
                    auth.deferral * 100.0,
                    auth.rejection * 100.0
                ));
            }
            if let Some(limits) = receiver.recipient_limits {
                let limit = |n: Option<u32>| n.map_or("no limit".to_string(), |n| n.to_string());
                line(format!(
                    "  recipient limits: {} mailboxes; per hour per sender {} (550 5.2.121), from all senders {} (550 5.2.122)",
                    limits.mailboxes,
                    limit(limits.per_sender_per_hour),
                    limit(limits.per_hour)
                ));
            }
            if let Some(delay) = receiver.greylisting {
                line(format!(
                    "  greylisting: new triplets deferred for {delay} (450 4.2.0)"
                ));
            }
        }
        out
    }
}

/// Addresses as a comma-separated list.
fn list(ips: &[IpAddress]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Traffic {
    /// One line, e.g. `Poisson 600/h from 0s` or `campaign of 10000 at 1h over 30m`.
    pub fn describe(&self) -> String {
        match self {
            Traffic::Poisson { steps, period } => {
                let parts: Vec<String> = steps
                    .iter()
                    .map(|(from, rate)| format!("{rate} from {}", SimDuration(from.as_millis())))
                    .collect();
                let repeat = period.map_or(String::new(), |p| format!(", repeating every {p}"));
                format!("Poisson {}{repeat}", parts.join(", then "))
            }
            Traffic::Campaign {
                messages,
                at,
                spread,
            } => format!(
                "campaign of {messages} at {} over {spread}",
                SimDuration(at.as_millis())
            ),
        }
    }
}
