//! A receiver as written: its throttle, reputation deferral, outages, probation, incidents, DNS
//! trouble, bans, greylisting, authentication and recipient limits, each with its defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::instant;
use super::unique_keys;
use crate::domain::{DnsKind, OutageKind, Rate, Reputation, Share};
use crate::engine::SimDuration;

/// A receiver (destination domain).
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReceiver {
    /// Per-sending-IP token bucket; excess attempts get `451 4.7.500 Server busy`. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<RawThrottle>,
    /// Per-attempt probability of `451 4.7.650` by IP reputation class. Default: none.
    #[serde(
        default,
        deserialize_with = "unique_keys",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub reputation_deferral: BTreeMap<Reputation, Share>,
    /// Outage windows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outages: Vec<RawOutage>,
    /// New-IP probation: IPs with little sending history get a fraction of the throttle.
    /// Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation: Option<RawProbation>,
    /// Incidents: time windows in which an anti-spam rule restricts some sending IPs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<RawIncident>,
    /// DNS trouble windows (SPF temperror at the receiver, MX lookup failure at the sender).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_trouble: Vec<RawDnsTrouble>,
    /// Banned sending IPs (`550 5.7.606`) and when they are delisted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bans: Vec<RawBan>,
    /// Greylisting: the first attempt of every new sender/recipient/IP triplet is deferred.
    /// Default: off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greylisting: Option<RawGreylisting>,
    /// How failed SPF/DKIM/DMARC checks are treated. Default: ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<RawAuthPolicy>,
    /// Per-recipient hourly receive limits (`550 5.2.121` / `5.2.122`). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_limits: Option<RawRecipientLimits>,
}

/// Hourly receive limits per recipient mailbox. Each message's recipient is one of
/// `mailboxes` mailboxes, fixed for the message's life; counts restart every clock hour.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecipientLimits {
    /// How many mailboxes the messages to this receiver are spread over, evenly.
    pub mailboxes: u32,
    /// Messages one mailbox accepts from one sender per hour (`550 5.2.121` beyond). Default:
    /// no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_sender_per_hour: Option<u32>,
    /// Messages one mailbox accepts from all senders per hour (`550 5.2.122` beyond). Default:
    /// no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<u32>,
}

/// What each failed authentication check costs a message (illustrative defaults: receivers
/// publish no such numbers).
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    /// A short label for charts and traces, e.g. "anti-spam rule change".
    pub name: String,
    /// When the rule change takes effect.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub start: SimDuration,
    /// When the final fix (the reversion) is deployed.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub end: SimDuration,
    /// The affected IPs by address. Give `ips` or `fraction`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ips: Vec<String>,
    /// The share of all sending IPs affected, drawn once per run. Give `ips` or `fraction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<Share>,
    /// Probability that an affected IP's attempt is refused. Default `1`.
    #[serde(default = "full_share")]
    pub deferral: Share,
    /// Fixes deployed before `end`: from `at`, the deferral probability becomes `deferral`. A
    /// fix that fails leaves it as high as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<RawFix>,
    /// Manual allow-listing: from `at`, the listed IPs are exempt from the incident.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_listed: Vec<RawAllowList>,
    /// After `end`, the deferral probability falls linearly to zero over this period
    /// ("residual delays over the next hour"). Default `0s`.
    #[serde(default)]
    pub fade: SimDuration,
}

/// A fix deployed during an incident.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFix {
    /// When it is deployed.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub at: SimDuration,
    /// The deferral probability from then on.
    pub deferral: Share,
}

/// IPs added to the allowed list during an incident.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAllowList {
    /// When they are added.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub at: SimDuration,
    /// Their addresses.
    pub ips: Vec<String>,
}

/// A DNS trouble window.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsTrouble {
    /// Start of the window.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub start: SimDuration,
    /// End of the window (exclusive).
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub end: SimDuration,
    /// What fails.
    pub kind: DnsKind,
    /// The affected senders (sending domains) by name. Default: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub senders: Vec<String>,
    /// Share of attempts affected. Default `1`.
    #[serde(default = "full_share")]
    pub fraction: Share,
}

/// A banned sending IP.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBan {
    /// The banned address.
    pub ip: String,
    /// When the ban starts. Default `0s`.
    #[serde(default, deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub from: SimDuration,
    /// When the IP is delisted. Default: never.
    #[serde(
        default,
        deserialize_with = "instant::optional_at",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "instant::json_schema")]
    pub delisted: Option<SimDuration>,
}

/// Greylisting settings.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Refill rate per sending IP.
    pub rate: Rate,
    /// Bucket size (the burst accepted at once).
    pub burst: u32,
    /// Share of the rate and burst an IP of each reputation class gets. Default: `1` for
    /// every class (illustrative: Microsoft publishes no per-class limits).
    #[serde(
        default,
        deserialize_with = "unique_keys",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub by_reputation: BTreeMap<Reputation, Share>,
}

/// An outage window.
#[derive(Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    /// Start of the window.
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
    pub start: SimDuration,
    /// End of the window (exclusive).
    #[serde(deserialize_with = "instant::at")]
    #[schemars(schema_with = "instant::json_schema")]
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
