//! The validated scenario: domain types with every default filled in, every name resolved to an
//! index and every cross-field rule checked. The scenario and its senders are here, the
//! receivers in [`receiver`], and the readable account `mailsim validate` prints in
//! `describe`.

mod describe;
mod receiver;

use std::fmt;
use std::sync::Arc;

use crate::domain::{Clock, Deadline, Rate, Reputation, ServiceTime, Share};
use crate::engine::{SimDuration, SimTime};
use crate::retry::RetrySpec;

pub use receiver::{
    AffectedIps, AuthPolicy, Ban, DnsTrouble, Incident, Outage, Probation, Receiver,
    RecipientLimits, Throttle,
};

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
    /// The real instant the run starts at, if the scenario gives one.
    pub start: Option<Clock>,
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
    /// The deadlines of the `delivered_by` figures, shortest first (may be empty).
    pub deadlines: Vec<Deadline>,
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
    /// Cumulative shares per receiver index: `(receiver, cumulative share)`, last share 1;
    /// empty when every source is a replay (whose arrivals name their receivers).
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
    /// Whether `delay_warning` is the sender's own setting rather than the policy's default
    /// (a policy swap keeps an own setting and replaces a default).
    pub delay_warning_explicit: bool,
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
    /// Arrivals replayed from a file, each to its own receiver; shared by every run.
    Replay(Arc<ReplayTrace>),
}

/// A replayed arrival trace: the instants in time order and each arrival's receiver, kept in
/// two arrays (12 bytes per arrival).
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub struct ReplayTrace {
    /// The file as the scenario names it.
    pub file: String,
    /// Arrival instants, in time order, all before the horizon.
    pub times: Vec<SimTime>,
    /// Each arrival's receiver (index in the scenario's receivers).
    pub receivers: Vec<u32>,
    /// Rows at or after the horizon, left out.
    pub after_horizon: u64,
    /// The RFC 3339 instant time zero stands for, when the file's times are RFC 3339 (the
    /// earliest row); `None` when they are seconds since time zero.
    pub time_zero: Option<String>,
}

impl ReplayTrace {
    /// Bytes the trace holds.
    pub fn bytes(&self) -> u64 {
        (self.times.len() * (std::mem::size_of::<SimTime>() + std::mem::size_of::<u32>())) as u64
    }
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

impl Scenario {
    /// Every sending IP's address, in global order (senders in file order, then their IPs):
    /// the index the model and its outputs use for an IP.
    pub fn ip_addresses(&self) -> Vec<IpAddress> {
        self.senders
            .iter()
            .flat_map(|s| s.ips.iter().map(|ip| ip.address))
            .collect()
    }
}
