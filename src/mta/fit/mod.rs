//! Fitting a scenario to a log: what the receivers did (their deferral patterns, estimated from
//! the attempts and replies) and what the sender's traffic and transactions were, as the
//! scenario text `mailsim fit` writes.
//!
//! # Method
//!
//! Time zero is the MTA's last daemon start at or before the first arrival (Postfix's
//! deferred-queue scans and Exim's queue runs are timed from it), else the first arrival.
//! Arrivals are replayed as logged. For each receiver (a recipient domain), the attempts the MTA
//! made to it (not the deferrals it decided itself: Postfix's `delivery temporarily suspended`,
//! Exim's `retry time not reached`) are read in time order, in two layers, as mailsim's receiver
//! checks them:
//!
//! 1. **Site-level failures** (connection refused or timed out, no MX, a `421` greeting): the
//!    0/1 sequence "failed at site level" is cut into stretches of constant failure probability
//!    by binary segmentation (each cut must raise the Bernoulli log-likelihood by more than
//!    ln n, the Bayesian information criterion for its two parameters; `segments`). Each stretch
//!    with failures becomes an outage window of the failures' kind, its `fraction` the share
//!    that failed (maximum likelihood, with its binomial standard error), its edges halfway
//!    between the last attempt outside and the first inside (± half that gap).
//! 2. **Transaction-level deferrals** (a 4xx reply to an attempt that reached the receiver),
//!    among the other attempts: two models are fitted to the sequence "deferred or not" and the
//!    one with the lower BIC is kept — stretches of constant deferral probability as above
//!    (deferrals random in time, or all-deferred windows), written as incidents (`deferral` the
//!    share deferred; replies to `MAIL FROM` as `Reply451` outages instead), or a per-IP token
//!    bucket (deferrals that follow the load: rate and burst by maximum likelihood on the
//!    accept/defer sequence, `bucket`).
//!
//! Permanent failures become the sender's `invalid_share` (their share of the messages); the
//! transaction time is the median latency of the messages delivered at their first attempt.
//! The log shows no sending IP, so the fitted sender has one. Every estimate is written into the
//! scenario with its method and uncertainty as comments ([`text`]).

pub mod bucket;
pub mod segments;
pub mod text;

use std::collections::BTreeMap;

use super::logs::summary::reply_key;
use super::logs::{ArrivalSource, Attempt, AttemptStatus, History, Outcome, Stamp};
use bucket::BucketFit;
use segments::Segment;

/// Everything fitted from one log.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The instant the scenario's time zero stands for.
    pub zero: Stamp,
    /// Why that instant.
    pub zero_source: String,
    /// The last event of the log, ms after time zero.
    pub end_ms: i64,
    /// Whether a replayed message was still queued when the log ended.
    pub queued_at_end: bool,
    /// Messages replayed (their queue entry is in the log).
    pub arrivals: u64,
    /// Messages whose arrival is not in the log (left out of the replay).
    pub not_replayed: u64,
    /// The median latency of messages delivered at their first attempt, ms, and how many.
    pub transaction: Option<(i64, u64)>,
    /// Messages that bounced and messages replayed.
    pub bounced: (u64, u64),
    /// Exim's queue runner interval from the daemon's start line, seconds.
    pub queue_interval_s: Option<u64>,
    /// One per recipient domain, by name.
    pub receivers: Vec<ReceiverFit>,
}

/// What one receiver did.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiverFit {
    /// The recipient domain (the receiver's name in the scenario).
    pub name: String,
    /// Attempts the MTA made to it.
    pub tried: u64,
    /// Its deferrals by reply, most frequent first.
    pub deferrals: Vec<(String, u64)>,
    /// Site-level failure windows.
    pub outages: Vec<Window>,
    /// Transaction-level deferrals.
    pub soft: Soft,
    /// Whether most deferrals answered `MAIL FROM` (message level) rather than `RCPT TO`.
    pub message_scope: bool,
}

/// The model of a receiver's transaction-level deferrals.
#[derive(Clone, Debug, PartialEq)]
pub enum Soft {
    /// It deferred nothing.
    None,
    /// Stretches of constant deferral probability.
    Windows {
        /// The stretches with deferrals.
        windows: Vec<Window>,
        /// Their BIC.
        bic: f64,
        /// The token bucket's BIC, when one could be fitted.
        bucket_bic: Option<f64>,
    },
    /// A per-IP token bucket.
    Bucket {
        /// The bucket.
        fit: BucketFit,
        /// Its BIC.
        bic: f64,
        /// The windows' BIC.
        windows_bic: f64,
    },
}

/// A stretch of time in which attempts failed with a constant probability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Its start, ms after time zero.
    pub start_ms: i64,
    /// Its end, ms after time zero; `None`: until the log ends.
    pub end_ms: Option<i64>,
    /// How far the start could be off: half the gap between the attempts around it.
    pub start_spread_ms: i64,
    /// How far the end could be off.
    pub end_spread_ms: i64,
    /// Attempts in it.
    pub attempts: u64,
    /// Failed attempts in it.
    pub failures: u64,
    /// What the failures were.
    pub kind: FailureKind,
}

impl Window {
    /// The share of attempts that failed.
    pub fn probability(&self) -> f64 {
        self.failures as f64 / self.attempts.max(1) as f64
    }

    /// Its binomial standard error.
    pub fn standard_error(&self) -> f64 {
        let p = self.probability();
        (p * (1.0 - p) / self.attempts.max(1) as f64).sqrt()
    }
}

/// What a window's failures were.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailureKind {
    /// Connections refused.
    Refused,
    /// Connections timed out.
    Timeout,
    /// `421` at the greeting.
    Greeting421,
    /// The MX lookup failed.
    MxLookup,
    /// 4xx to a transaction.
    Deferred,
}

/// How the fit sees one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seen {
    Site(FailureKind),
    Deferred,
    Passed,
}

fn seen(attempt: &Attempt) -> Seen {
    let lower = attempt.text.to_ascii_lowercase();
    if !attempt.connected {
        return Seen::Site(
            if lower.contains("timed out") || lower.contains("timeout") {
                FailureKind::Timeout
            } else if lower.contains("not found") || lower.contains("lookup") {
                FailureKind::MxLookup
            } else {
                FailureKind::Refused
            },
        );
    }
    match (attempt.status, attempt.code) {
        (AttemptStatus::Deferred, Some(421)) => Seen::Site(FailureKind::Greeting421),
        (AttemptStatus::Deferred, _) => Seen::Deferred,
        _ => Seen::Passed,
    }
}

/// Fits `history`.
pub fn fit(history: &History) -> Fit {
    let replayed: Vec<_> = history
        .messages
        .iter()
        .filter(|m| {
            m.arrival_source == ArrivalSource::Logged && !m.mta_notice && !m.recipient.is_empty()
        })
        .collect();
    let first = replayed
        .iter()
        .map(|m| m.arrival)
        .min()
        .or_else(|| history.messages.iter().map(|m| m.arrival).min());
    let start = history
        .starts
        .iter()
        .filter(|s| first.is_none_or(|f| s.time <= f))
        .next_back();
    let (zero, zero_source) = match (start, first) {
        (Some(start), _) => (
            start.time,
            format!(
                "the {} daemon's last start before the first arrival (its queue scans or runs are timed from it)",
                history.format
            ),
        ),
        (None, Some(first)) => (
            first,
            "the first arrival (the log shows no daemon start)".to_string(),
        ),
        (None, None) => (
            Stamp {
                unix_ms: 0,
                offset_s: 0,
            },
            "the epoch (the log has no messages)".to_string(),
        ),
    };
    let at = |t: Stamp| t.unix_ms - zero.unix_ms;
    let end_ms = history
        .messages
        .iter()
        .flat_map(|m| {
            m.attempts
                .iter()
                .map(|a| a.time)
                .chain(m.end)
                .chain([m.arrival])
        })
        .map(at)
        .max()
        .unwrap_or(0);
    let mut by_domain: BTreeMap<String, Vec<(i64, &Attempt)>> = BTreeMap::new();
    for m in history
        .messages
        .iter()
        .filter(|m| !m.mta_notice && !m.recipient.is_empty())
    {
        let entry = by_domain.entry(m.recipient_domain()).or_default();
        entry.extend(
            m.attempts
                .iter()
                .filter(|a| !a.skipped())
                .map(|a| (at(a.time), a)),
        );
    }
    let receivers = by_domain
        .into_iter()
        .map(|(name, mut attempts)| {
            attempts.sort_by_key(|(t, a)| (*t, a.order));
            receiver(name, &attempts)
        })
        .collect();
    let mut first_try: Vec<i64> = replayed
        .iter()
        .filter(|m| m.outcome == Outcome::Delivered && m.attempts.len() == 1)
        .filter_map(|m| m.end.map(|end| end.unix_ms - m.arrival.unix_ms))
        .collect();
    first_try.sort_unstable();
    Fit {
        zero,
        zero_source,
        end_ms,
        queued_at_end: replayed.iter().any(|m| m.outcome == Outcome::Queued),
        arrivals: replayed.len() as u64,
        not_replayed: history.messages.iter().filter(|m| !m.mta_notice).count() as u64
            - replayed.len() as u64,
        transaction: (!first_try.is_empty()).then(|| {
            (
                first_try[(first_try.len() - 1) / 2].max(0),
                first_try.len() as u64,
            )
        }),
        bounced: (
            replayed
                .iter()
                .filter(|m| m.outcome == Outcome::Bounced)
                .count() as u64,
            replayed.len() as u64,
        ),
        queue_interval_s: start.and_then(|s| s.queue_interval_s),
        receivers,
    }
}

/// Fits one receiver from its attempts in time order.
fn receiver(name: String, attempts: &[(i64, &Attempt)]) -> ReceiverFit {
    let mut deferrals: BTreeMap<String, u64> = BTreeMap::new();
    for (_, a) in attempts {
        if a.status == AttemptStatus::Deferred {
            *deferrals.entry(reply_key(a)).or_default() += 1;
        }
    }
    let mut deferrals: Vec<(String, u64)> = deferrals.into_iter().collect();
    deferrals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let seen: Vec<(i64, Seen, &Attempt)> =
        attempts.iter().map(|(t, a)| (*t, seen(a), *a)).collect();
    let times: Vec<i64> = seen.iter().map(|s| s.0).collect();
    let site: Vec<bool> = seen.iter().map(|s| matches!(s.1, Seen::Site(_))).collect();
    let kinds: Vec<Option<FailureKind>> = seen
        .iter()
        .map(|s| match s.1 {
            Seen::Site(kind) => Some(kind),
            _ => None,
        })
        .collect();
    let outages = if site.iter().any(|f| *f) {
        let (segments, _) = segments::segment(&site);
        windows(&times, &segments, &kinds)
    } else {
        Vec::new()
    };
    let rest: Vec<&(i64, Seen, &Attempt)> = seen
        .iter()
        .filter(|s| !matches!(s.1, Seen::Site(_)))
        .collect();
    let message_level = rest
        .iter()
        .filter(|s| s.1 == Seen::Deferred)
        .filter(|s| s.2.text.contains("MAIL FROM"))
        .count();
    let soft_deferrals = rest.iter().filter(|s| s.1 == Seen::Deferred).count();
    ReceiverFit {
        name,
        tried: attempts.len() as u64,
        deferrals,
        outages,
        soft: soft(&rest),
        message_scope: soft_deferrals > 0 && message_level * 2 > soft_deferrals,
    }
}

/// The better of the windows and the bucket for transaction-level deferrals.
fn soft(rest: &[&(i64, Seen, &Attempt)]) -> Soft {
    let deferred: Vec<bool> = rest.iter().map(|s| s.1 == Seen::Deferred).collect();
    if !deferred.iter().any(|d| *d) {
        return Soft::None;
    }
    let times: Vec<i64> = rest.iter().map(|s| s.0).collect();
    let n = deferred.len().max(2) as f64;
    let (segments, ll) = segments::segment(&deferred);
    let kinds = vec![Some(FailureKind::Deferred); deferred.len()];
    let windows_bic = -2.0 * ll + (2.0 * segments.len() as f64 - 1.0) * n.ln();
    let accepted: Vec<bool> = deferred.iter().map(|d| !d).collect();
    let bucket = bucket::fit(&times, &accepted);
    let bucket_bic = bucket.map(|b| -2.0 * b.log_likelihood + 3.0 * n.ln());
    match (bucket, bucket_bic) {
        (Some(fit), Some(bic)) if bic < windows_bic => Soft::Bucket {
            fit,
            bic,
            windows_bic,
        },
        _ => Soft::Windows {
            windows: windows(&times, &segments, &kinds),
            bic: windows_bic,
            bucket_bic,
        },
    }
}

/// The segments with failures as windows; `kinds` gives each attempt's failure, if any.
fn windows(times: &[i64], segments: &[Segment], kinds: &[Option<FailureKind>]) -> Vec<Window> {
    let n = times.len();
    segments
        .iter()
        .filter(|s| s.failures > 0)
        .map(|s| {
            let (start_ms, start_spread_ms) = if s.from == 0 {
                (0, times[0].max(0))
            } else {
                let (a, b) = (times[s.from - 1], times[s.from]);
                ((a + b) / 2, (b - a) / 2)
            };
            let (end_ms, end_spread_ms) = if s.to == n {
                (None, 0)
            } else {
                let (a, b) = (times[s.to - 1], times[s.to]);
                (Some(((a + b) / 2).max(start_ms + 1)), (b - a) / 2)
            };
            let mut counts: BTreeMap<FailureKind, u64> = BTreeMap::new();
            for kind in kinds[s.from..s.to].iter().flatten() {
                *counts.entry(*kind).or_default() += 1;
            }
            let kind = counts
                .iter()
                .max_by_key(|(kind, count)| (**count, std::cmp::Reverse(**kind)))
                .map_or(FailureKind::Deferred, |(kind, _)| *kind);
            Window {
                start_ms: start_ms.max(0),
                end_ms,
                start_spread_ms,
                end_spread_ms,
                attempts: s.attempts(),
                failures: s.failures,
                kind,
            }
        })
        .collect()
}
