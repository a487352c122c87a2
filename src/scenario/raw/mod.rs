//! The scenario file as written: serde structs that mirror the RON text one to one.
//!
//! Every struct denies unknown fields, so a misspelt key is an error at its position rather than
//! a silently ignored setting. Leaf values (durations, rates, shares, enum names) are checked
//! while parsing; checks that span several fields happen in `scenario::validate`. Defaults are
//! documented on each field and in `scenarios/README.md`.
//!
//! The scenario, its run settings and senders are here; the receivers in `raw/receiver.rs`
//! (their types are re-exported here), a sender's `retry` (a policy, or one imported from an
//! MTA's configuration) in `raw/retry.rs`.

pub mod instant;
mod receiver;
mod retry;

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::{AuthResult, Clock, Deadline, Rate, Reputation, ServiceTime, Share};
use crate::engine::SimDuration;

pub use receiver::{
    RawAllowList, RawAuthPolicy, RawBan, RawDnsTrouble, RawFix, RawGreylisting, RawIncident,
    RawOutage, RawProbation, RawReceiver, RawRecipientLimits, RawThrottle,
};
pub use retry::{RawImport, RawRetry};

/// A whole scenario file. It may open with `Scenario(` as well as with a bare `(`.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct RawScenario {
    /// Short name, used for the output folder: letters, digits, `-` and `_`.
    pub name: String,
    /// What the scenario shows; printed in reports.
    #[serde(default, skip_serializing_if = "String::is_empty")]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<RawPolicy>,
    /// Which receiver a replayed recipient's domain goes to, e.g. `{"outlook.com": "o365"}`;
    /// `"*"` catches every other domain. A recipient whose domain is not listed goes to the
    /// receiver of that name, if there is one. Default: none.
    #[serde(default, deserialize_with = "unique_keys")]
    pub domains: BTreeMap<String, String>,
}

/// A named retry policy to compare.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// Its label in the comparison.
    pub name: String,
    /// The policy, written as a sender's `retry`.
    pub retry: RawRetry,
}

/// Run settings.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RawRun {
    /// The real instant the run starts at (RFC 3339 with a UTC offset, e.g.
    /// `"2026-11-30T09:00:00+01:00"`): every instant of the file may then be written as a clock
    /// time, and outputs show clock times beside offsets. Default: none.
    pub start: Option<Clock>,
    /// The simulated time after which the run stops, drained or not. Default `7d`.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
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
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub warmup: SimDuration,
    /// The deadlines of the `delivered_by` figures: the share of arrived messages delivered
    /// within each, shortest first. Default `["5m", "1h", "4h", "24h"]`.
    pub deadlines: Vec<Deadline>,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            start: None,
            horizon: SimDuration::from_days(7),
            sample_every: SimDuration::from_mins(5),
            seed: 1,
            stop_when_drained: true,
            warmup: SimDuration::ZERO,
            deadlines: Deadline::defaults(),
        }
    }
}

/// One sender (an MTA or ESP).
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSender {
    /// The sender's name.
    pub name: String,
    /// Pools of sending IPs. Default: one IP of `Good` reputation.
    #[serde(default = "default_ips")]
    pub ips: Vec<RawIpPool>,
    /// Where messages come from; sources add up.
    pub traffic: Vec<RawTraffic>,
    /// Which receivers the messages go to (required unless every source is a `Replay`).
    #[serde(default)]
    pub recipients: RawRecipients,
    /// Connection and SMTP timing settings.
    #[serde(default)]
    pub connections: RawConnections,
    /// Age at which one delay warning (DSN) is sent; checked when an attempt fails. Default: the
    /// retry policy's real default (FOPE 2h; Exchange Server, Sendmail and PowerMTA 4h; Exim
    /// 24h; Postfix `delay_warning_time`, off by default), else off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_warning: Option<SimDuration>,
    /// Alert while the deferred queue is above a threshold. Default: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_alert: Option<RawQueueAlert>,
    /// How the sender's mail fares in SPF, DKIM and DMARC checks. Default: all pass.
    #[serde(default)]
    pub authentication: RawAuthentication,
    /// The retry policy.
    pub retry: RawRetry,
}

fn default_ips() -> Vec<RawIpPool> {
    vec![RawIpPool::default()]
}

/// SPF, DKIM and DMARC results of a sender's mail.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RawIpPool {
    /// How many IPs. Default `1`.
    pub count: u32,
    /// Their reputation class. Default `Good`.
    pub reputation: Reputation,
    /// The first address; the rest count up from it. Default: taken from 192.0.2.0/24 and
    /// following documentation ranges in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_address: Option<String>,
    /// How long these IPs have been sending when the run starts; a receiver's `probation`
    /// limits IPs with less history. Default: established (never on probation). A new IP is
    /// `"0s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum RawTraffic {
    /// Poisson arrivals at `rate`, from `start` (default `0s`) until `end` (default: the horizon).
    Poisson {
        /// Mean arrival rate.
        rate: Rate,
        /// When the source starts.
        #[serde(
            default,
            deserialize_with = "instant::optional_at",
            skip_serializing_if = "Option::is_none"
        )]
        #[schemars(schema_with = "instant::json_schema")]
        start: Option<SimDuration>,
        /// When the source stops.
        #[serde(
            default,
            deserialize_with = "instant::optional_at",
            skip_serializing_if = "Option::is_none"
        )]
        #[schemars(schema_with = "instant::json_schema")]
        end: Option<SimDuration>,
    },
    /// `messages` messages at `at`, all at once or spread evenly over `spread`.
    Campaign {
        /// How many messages.
        messages: u64,
        /// When the campaign starts.
        #[serde(deserialize_with = "instant::at")]
        #[schemars(schema_with = "instant::json_schema")]
        at: SimDuration,
        /// Spread evenly over this span (default `0s`: all at once).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spread: Option<SimDuration>,
    },
    /// Poisson arrivals whose rate changes in steps; optionally repeating (e.g. every `24h`).
    Profile {
        /// `(from, rate)` steps; each rate holds until the next step's `from`.
        steps: Vec<RawStep>,
        /// Repeat the profile with this period. Default: the last step holds for ever.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repeat: Option<SimDuration>,
    },
    /// Arrivals replayed from a CSV file (`time,sender,recipient,size`, as `mailsim replay`
    /// writes it); the path is relative to the scenario file.
    Replay {
        /// The CSV file.
        file: String,
    },
}

/// One step of a rate profile.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// When this rate starts (offset within the period when the profile repeats).
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub from: SimDuration,
    /// The rate from then on.
    pub rate: Rate,
}

/// The recipient mix.
#[derive(Debug, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecipients {
    /// Share of messages per receiver name; shares sum to 1. Required unless every traffic
    /// source is a `Replay` (replayed messages name their recipient).
    #[serde(default, deserialize_with = "unique_keys")]
    pub mix: BTreeMap<String, f64>,
    /// Share of recipients that do not exist (bounce with `550 5.1.10`). Default `0`.
    #[serde(default)]
    pub invalid_share: Share,
}

/// Per-destination connection settings.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RawLimit {
    /// At most this many.
    Count(u32),
    /// Written as a word; only `"unlimited"` is accepted.
    Word(String),
}

/// Queue alert settings.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
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
