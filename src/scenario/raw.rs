//! The scenario file as written: serde structs that mirror the RON text one to one.
//!
//! Every struct denies unknown fields, so a misspelt key is an error at its position rather than
//! a silently ignored setting. Leaf values (durations, rates, shares, enum names) are checked
//! while parsing; checks that span several fields happen in `scenario::validate`. Defaults are
//! documented on each field and in `scenarios/README.md`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::domain::{AuthResult, DnsKind, OutageKind, Reputation, ServiceTime};
use crate::domain::{Rate, Share};
use crate::engine::SimDuration;
use crate::retry::RetrySpec;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name, used for the output folder: letters, digits, `-` and `_`.
    pub name: String,
    /// What the scenario shows; printed in reports.
    #[serde(default)]
    pub description: String,
    /// How long to run, how often to sample, which seed.
    #[serde(default)]
    pub run: RawRun,
    /// The sending MTAs or ESPs.
    pub senders: Vec<RawSender>,
    /// The destination domains, by name (referenced from each sender's recipient mix).
    #[serde(deserialize_with = "unique_keys")]
    pub receivers: BTreeMap<String, RawReceiver>,
    /// Retry policies for `mailsim compare` to run when no `--policy` is given, in order (the
    /// first is the baseline), e.g. `[(name: "postfix", retry: Postfix()), (name: "fope",
    /// retry: Fope())]`. Each replaces every sender's `retry`. Default: none.
    #[serde(default)]
    pub policies: Vec<RawPolicy>,
}

/// A named retry policy to compare.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Its label in the comparison.
    pub name: String,
    /// The policy, written as a sender's `retry`.
    pub retry: RetrySpec,
}

/// Run settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRun {
    /// The simulated time after which the run stops, drained or not. Default `7d`.
    pub horizon: SimDuration,
    /// The time-series sample interval. Default `5m`.
    pub sample_every: SimDuration,
    /// The random seed. Default `1`.
    pub seed: u64,
    /// Stop as soon as all traffic has arrived and every message has left the queue, instead of
    /// running to the horizon. Default `true`.
    pub stop_when_drained: bool,
    /// A warm-up period excluded from the steady-state statistics (latency, Little's law and
    /// the time-average queue): they count only messages that arrive after it. Counts
    /// (arrived, delivered, bounced, expired, attempts) stay complete. Default `0s` (none).
    pub warmup: SimDuration,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            horizon: SimDuration::from_days(7),
            sample_every: SimDuration::from_mins(5),
            seed: 1,
            stop_when_drained: true,
            warmup: SimDuration::ZERO,
        }
    }
}

/// One sender (an MTA or ESP).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSender {
    /// The sender's name.
    pub name: String,
    /// Pools of sending IPs. Default: one IP of `Good` reputation.
    #[serde(default = "default_ips")]
    pub ips: Vec<RawIpPool>,
    /// Where messages come from; sources add up.
    pub traffic: Vec<RawTraffic>,
    /// Which receivers the messages go to.
    pub recipients: RawRecipients,
    /// Connection and SMTP timing settings.
    #[serde(default)]
    pub connections: RawConnections,
    /// Age at which one delay warning (DSN) is sent; checked when an attempt fails. Default: the
    /// retry policy's real default (FOPE 2h; Exchange Server, Sendmail and PowerMTA 4h; Exim
    /// 24h; Postfix `delay_warning_time`, off by default), else off.
    #[serde(default)]
    pub delay_warning: Option<SimDuration>,
    /// Alert while the deferred queue is above a threshold. Default: off.
    #[serde(default)]
    pub queue_alert: Option<RawQueueAlert>,
    /// How the sender's mail fares in SPF, DKIM and DMARC checks. Default: all pass.
    #[serde(default)]
    pub authentication: RawAuthentication,
    /// The retry policy.
    pub retry: RetrySpec,
}

fn default_ips() -> Vec<RawIpPool> {
    vec![RawIpPool::default()]
}

/// SPF, DKIM and DMARC results of a sender's mail.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAuthentication {
    /// SPF. Default `Pass`.
    pub spf: AuthResult,
    /// DKIM. Default `Pass`.
    pub dkim: AuthResult,
    /// DMARC. Default `Pass`.
    pub dmarc: AuthResult,
}

/// A pool of sending IPs that share a reputation class.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawIpPool {
    /// How many IPs. Default `1`.
    pub count: u32,
    /// Their reputation class. Default `Good`.
    pub reputation: Reputation,
    /// The first address; the rest count up from it. Default: taken from 192.0.2.0/24 and
    /// following documentation ranges in order.
    pub first_address: Option<String>,
    /// How long these IPs have been sending when the run starts; a receiver's `probation`
    /// limits IPs with less history. Default: established (never on probation). A new IP is
    /// `"0s"`.
    pub sending_history: Option<SimDuration>,
}

impl Default for RawIpPool {
    fn default() -> Self {
        RawIpPool {
            count: 1,
            reputation: Reputation::Good,
            first_address: None,
            sending_history: None,
        }
    }
}

/// A traffic source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum RawTraffic {
    /// Poisson arrivals at `rate`, from `start` (default `0s`) until `end` (default: the horizon).
    Poisson {
        /// Mean arrival rate.
        rate: Rate,
        /// When the source starts.
        #[serde(default)]
        start: Option<SimDuration>,
        /// When the source stops.
        #[serde(default)]
        end: Option<SimDuration>,
    },
    /// `messages` messages at `at`, all at once or spread evenly over `spread`.
    Campaign {
        /// How many messages.
        messages: u64,
        /// When the campaign starts.
        at: SimDuration,
        /// Spread evenly over this span (default `0s`: all at once).
        #[serde(default)]
        spread: Option<SimDuration>,
    },
    /// Poisson arrivals whose rate changes in steps; optionally repeating (e.g. every `24h`).
    Profile {
        /// `(from, rate)` steps; each rate holds until the next step's `from`.
        steps: Vec<RawStep>,
        /// Repeat the profile with this period. Default: the last step holds for ever.
        #[serde(default)]
        repeat: Option<SimDuration>,
    },
}

/// One step of a rate profile.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// When this rate starts (offset within the period when the profile repeats).
    pub from: SimDuration,
    /// The rate from then on.
    pub rate: Rate,
}

/// The recipient mix.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipients {
    /// Share of messages per receiver name; shares sum to 1.
    #[serde(deserialize_with = "unique_keys")]
    pub mix: BTreeMap<String, f64>,
    /// Share of recipients that do not exist (bounce with `550 5.1.10`). Default `0`.
    #[serde(default)]
    pub invalid_share: Share,
}

/// Per-destination connection settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConnections {
    /// Parallel connections per destination: a number, or `"unlimited"`. Default `20`.
    pub per_destination: RawLimit,
    /// Messages sent down one connection before it is closed. Default `100`.
    pub messages_per_connection: u32,
    /// Time for one SMTP transaction. Default `Fixed("1s")`.
    pub transaction_time: ServiceTime,
    /// Time to open a connection (TCP, greeting, EHLO, TLS). Default `0s`.
    pub connect_time: SimDuration,
    /// How long a connection attempt to an unresponsive host holds its slot. Default `30s`
    /// (Postfix `smtp_connect_timeout`).
    pub connect_timeout: SimDuration,
}

impl Default for RawConnections {
    fn default() -> Self {
        RawConnections {
            per_destination: RawLimit::Count(20),
            messages_per_connection: 100,
            transaction_time: ServiceTime::Fixed(SimDuration::from_secs(1)),
            connect_time: SimDuration::ZERO,
            connect_timeout: SimDuration::from_secs(30),
        }
    }
}

/// A connection limit as written: a number, or the word `"unlimited"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawLimit {
    /// At most this many.
    Count(u32),
    /// Written as a word; only `"unlimited"` is accepted.
    Word(String),
}

/// Queue alert settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueueAlert {
    /// Alert while more than this many messages wait for a retry.
    pub threshold: u64,
    /// Repeat the alert this often while the queue stays above the threshold. Default `30m`.
    #[serde(default = "default_alert_every")]
    pub every: SimDuration,
}

fn default_alert_every() -> SimDuration {
    SimDuration::from_mins(30)
}

/// A receiver (destination domain).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReceiver {
    /// Per-sending-IP token bucket; excess attempts get `451 4.7.500 Server busy`. Default: none.
    #[serde(default)]
    pub throttle: Option<RawThrottle>,
    /// Per-attempt probability of `451 4.7.650` by IP reputation class. Default: none.
    #[serde(default, deserialize_with = "unique_keys")]
    pub reputation_deferral: BTreeMap<Reputation, Share>,
    /// Outage windows.
    #[serde(default)]
    pub outages: Vec<RawOutage>,
    /// New-IP probation: IPs with little sending history get a fraction of the throttle.
    /// Default: none.
    #[serde(default)]
    pub probation: Option<RawProbation>,
    /// Incidents: time windows in which an anti-spam rule restricts some sending IPs.
    #[serde(default)]
    pub incidents: Vec<RawIncident>,
    /// DNS trouble windows (SPF temperror at the receiver, MX lookup failure at the sender).
    #[serde(default)]
    pub dns_trouble: Vec<RawDnsTrouble>,
    /// Banned sending IPs (`550 5.7.606`) and when they are delisted.
    #[serde(default)]
    pub bans: Vec<RawBan>,
    /// Greylisting: the first attempt of every new sender/recipient/IP triplet is deferred.
    /// Default: off.
    #[serde(default)]
    pub greylisting: Option<RawGreylisting>,
    /// How failed SPF/DKIM/DMARC checks are treated. Default: ignored.
    #[serde(default)]
    pub authentication: Option<RawAuthPolicy>,
    /// Per-recipient hourly receive limits (`550 5.2.121` / `5.2.122`). Default: none.
    #[serde(default)]
    pub recipient_limits: Option<RawRecipientLimits>,
}

/// Hourly receive limits per recipient mailbox. Each message's recipient is one of
/// `mailboxes` mailboxes, fixed for the message's life; counts restart every clock hour.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipientLimits {
    /// How many mailboxes the messages to this receiver are spread over, evenly.
    pub mailboxes: u32,
    /// Messages one mailbox accepts from one sender per hour (`550 5.2.121` beyond). Default:
    /// no limit.
    #[serde(default)]
    pub per_sender_per_hour: Option<u32>,
    /// Messages one mailbox accepts from all senders per hour (`550 5.2.122` beyond). Default:
    /// no limit.
    #[serde(default)]
    pub per_hour: Option<u32>,
}

/// What each failed authentication check costs a message (illustrative defaults: receivers
/// publish no such numbers).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuthPolicy {
    /// Probability per failed check of `451 4.7.26` (deferral). Default `0.1`.
    #[serde(default = "default_auth_deferral")]
    pub deferral: Share,
    /// Probability per failed check of `550 5.7.515` (rejection). Default `0.05`.
    #[serde(default = "default_auth_rejection")]
    pub rejection: Share,
}

fn default_auth_deferral() -> Share {
    Share::new(0.1).expect("0.1 is a share")
}

fn default_auth_rejection() -> Share {
    Share::new(0.05).expect("0.05 is a share")
}

/// New-IP probation: an IP with `h` of sending history gets the throttle's rate and burst
/// times `start + (1 − start) × h / period`, reaching the full limit after `period`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbation {
    /// How long an IP needs to build history (Microsoft: "a few days"). Default `3d`
    /// (illustrative).
    #[serde(default = "default_probation_period")]
    pub period: SimDuration,
    /// The share of the limit a brand-new IP gets. Default `0.1` (illustrative).
    #[serde(default = "default_probation_start")]
    pub start: Share,
}

fn default_probation_period() -> SimDuration {
    SimDuration::from_days(3)
}

fn default_probation_start() -> Share {
    Share::new(0.1).expect("0.1 is a share")
}

/// An incident: an anti-spam rule change that restricts some sending IPs with
/// `451 4.7.500 Access denied, please try again later`, until a reversion at `end`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    /// A short label for charts and traces, e.g. "anti-spam rule change".
    pub name: String,
    /// When the rule change takes effect.
    pub start: SimDuration,
    /// When the final fix (the reversion) is deployed.
    pub end: SimDuration,
    /// The affected IPs by address. Give `ips` or `fraction`.
    #[serde(default)]
    pub ips: Vec<String>,
    /// The share of all sending IPs affected, drawn once per run. Give `ips` or `fraction`.
    #[serde(default)]
    pub fraction: Option<Share>,
    /// Probability that an affected IP's attempt is refused. Default `1`.
    #[serde(default = "full_share")]
    pub deferral: Share,
    /// Fixes deployed before `end`: from `at`, the deferral probability becomes `deferral`. A
    /// fix that fails leaves it as high as before.
    #[serde(default)]
    pub fixes: Vec<RawFix>,
    /// Manual allow-listing: from `at`, the listed IPs are exempt from the incident.
    #[serde(default)]
    pub allow_listed: Vec<RawAllowList>,
    /// After `end`, the deferral probability falls linearly to zero over this period
    /// ("residual delays over the next hour"). Default `0s`.
    #[serde(default)]
    pub fade: SimDuration,
}

/// A fix deployed during an incident.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFix {
    /// When it is deployed.
    pub at: SimDuration,
    /// The deferral probability from then on.
    pub deferral: Share,
}

/// IPs added to the allowed list during an incident.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAllowList {
    /// When they are added.
    pub at: SimDuration,
    /// Their addresses.
    pub ips: Vec<String>,
}

/// A DNS trouble window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDnsTrouble {
    /// Start of the window.
    pub start: SimDuration,
    /// End of the window (exclusive).
    pub end: SimDuration,
    /// What fails.
    pub kind: DnsKind,
    /// The affected senders (sending domains) by name. Default: all.
    #[serde(default)]
    pub senders: Vec<String>,
    /// Share of attempts affected. Default `1`.
    #[serde(default = "full_share")]
    pub fraction: Share,
}

/// A banned sending IP.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBan {
    /// The banned address.
    pub ip: String,
    /// When the ban starts. Default `0s`.
    #[serde(default)]
    pub from: SimDuration,
    /// When the IP is delisted. Default: never.
    #[serde(default)]
    pub delisted: Option<SimDuration>,
}

/// Greylisting settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGreylisting {
    /// How long after a triplet is first seen a retry is accepted. Default `5m` (Postgrey's
    /// default is 300 s).
    #[serde(default = "default_greylist_delay")]
    pub delay: SimDuration,
}

fn default_greylist_delay() -> SimDuration {
    SimDuration::from_mins(5)
}

/// A token bucket: `rate` tokens added continuously, at most `burst` held, starting full.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Refill rate per sending IP.
    pub rate: Rate,
    /// Bucket size (the burst accepted at once).
    pub burst: u32,
    /// Share of the rate and burst an IP of each reputation class gets. Default: `1` for
    /// every class (illustrative: Microsoft publishes no per-class limits).
    #[serde(default, deserialize_with = "unique_keys")]
    pub by_reputation: BTreeMap<Reputation, Share>,
}

/// An outage window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    /// Start of the window.
    pub start: SimDuration,
    /// End of the window (exclusive).
    pub end: SimDuration,
    /// What senders see.
    pub kind: OutageKind,
    /// Share of connection attempts affected. Default `1` (a full outage).
    #[serde(default = "full_share")]
    pub fraction: Share,
}

fn full_share() -> Share {
    Share::new(1.0).expect("1 is a share")
}

/// Deserialises a map, refusing a key written twice (a plain map would silently keep the last).
fn unique_keys<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord + fmt::Debug,
    V: Deserialize<'de>,
{
    struct UniqueKeys<K, V>(PhantomData<(K, V)>);

    impl<'de, K, V> Visitor<'de> for UniqueKeys<K, V>
    where
        K: Deserialize<'de> + Ord + fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut map = BTreeMap::new();
            while let Some((key, value)) = access.next_entry::<K, V>()? {
                if map.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "the key {key:?} appears twice in this map; keep one"
                    )));
                }
                map.insert(key, value);
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(UniqueKeys(PhantomData))
}
