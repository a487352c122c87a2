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
//! checks them (a log with whole-second stamps has the attempts of one second spread evenly
//! over it in log order):
//!
//! 1. **Site-level failures** (connection refused or timed out, no MX, a `421` greeting): the
//!    0/1 sequence "failed at site level" is cut into stretches of constant failure probability
//!    by binary segmentation (each cut must raise the Bernoulli log-likelihood by more than
//!    ln n, the Bayesian information criterion for its two parameters; `segments`). Each stretch
//!    with failures becomes an outage window of the failures' kind, its `fraction` the share
//!    that failed (maximum likelihood, with its binomial standard error), its edges halfway
//!    between the last attempt outside and the first inside, give or take the change point's
//!    likelihood-ratio interval (every cut within 1.92 of the best log-likelihood, the 95 %
//!    level; at least half that gap; `segments::cut_interval`).
//! 2. **Transaction-level deferrals** (a 4xx reply to an attempt that reached the receiver),
//!    among the other attempts: two models are fitted to the sequence "deferred or not" and the
//!    one with the lower BIC is kept — stretches of constant deferral probability as above
//!    (deferrals random in time, or all-deferred windows), written as incidents (`deferral` the
//!    share deferred; replies to `MAIL FROM` as `Reply451` outages instead), or a per-IP token
//!    bucket (deferrals that follow the load: rate and burst by maximum likelihood on the
//!    accept/defer sequence, `bucket`).
//!
//! Permanent failures become the sender's `invalid_share` (their share of the messages); the
//! transaction time (how long one try holds the sender) is, for Exim, the median over its
//! queue runs of the run's length over its tries (a run tries one message after another),
//! otherwise the median latency of the messages delivered at their first attempt; Exim's first
//! queue run is taken from the log's `Start queue run` line after the daemon's start, and the
//! pause a run makes after a message times out (Exim writes its bounce meanwhile) from the
//! gaps that follow expiries within runs ([`Fit::queue_run_bounce`]).
//! The log shows no sending IP, so the fitted sender has one. Every estimate is written into the
//! scenario with its method and uncertainty as comments ([`text`]).

pub mod bucket;
pub mod segments;
pub mod text;
mod timing;

use std::collections::BTreeMap;

use super::logs::summary::reply_key;
use super::logs::{
    ArrivalSource, Attempt, AttemptStatus, History, MtaStart, ObservedMessage, Outcome, Stamp,
};
use bucket::BucketFit;
use segments::Segment;
pub use timing::Timing;
use timing::{queue_run_bounce, transaction};

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
    /// The time one try holds the sender.
    pub transaction: Option<Timing>,
    /// Messages that bounced and messages replayed.
    pub bounced: (u64, u64),
    /// Exim's queue runner interval from the daemon's start line, seconds.
    pub queue_interval_s: Option<u64>,
    /// Exim's first queue run after that start, ms after time zero.
    pub first_queue_run_ms: Option<i64>,
    /// How long an Exim queue run pauses after a message times out (its bounce is written).
    pub queue_run_bounce: Option<Timing>,
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
    /// How far the start could be off: the change point's likelihood interval, at least half
    /// the gap between the attempts around it.
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
    let replayed: Vec<&ObservedMessage> = history
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
        .rfind(|s| first.is_none_or(|f| s.time <= f));
    let (zero, zero_source) = time_zero(history, start, first);
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
    let count = |outcome: Outcome| replayed.iter().filter(|m| m.outcome == outcome).count();
    Fit {
        zero,
        zero_source,
        end_ms,
        queued_at_end: count(Outcome::Queued) > 0,
        arrivals: replayed.len() as u64,
        not_replayed: history.messages.iter().filter(|m| !m.mta_notice).count() as u64
            - replayed.len() as u64,
        transaction: transaction(history, &replayed),
        bounced: (count(Outcome::Bounced) as u64, replayed.len() as u64),
        queue_interval_s: start.and_then(|s| s.queue_interval_s),
        first_queue_run_ms: start
            .and_then(|s| history.queue_runs.iter().find(|run| run.start >= s.time))
            .map(|run| at(run.start)),
        queue_run_bounce: queue_run_bounce(history),
        receivers: receivers(history, at),
    }
}

/// Time zero and why: the daemon's last start before the first arrival, else that arrival.
fn time_zero(history: &History, start: Option<&MtaStart>, first: Option<Stamp>) -> (Stamp, String) {
    match (start, first) {
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
    }
}

/// Each recipient domain's attempts (not the MTA's own skips), in log order, fitted.
fn receivers(history: &History, at: impl Fn(Stamp) -> i64) -> Vec<ReceiverFit> {
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
    let whole_seconds = by_domain
        .values()
        .flatten()
        .all(|(_, a)| a.time.unix_ms % 1000 == 0);
    by_domain
        .into_iter()
        .map(|(name, mut attempts)| {
            attempts.sort_by_key(|(t, a)| (*t, a.order));
            if whole_seconds {
                spread_within_seconds(&mut attempts);
            }
            receiver(name, &attempts)
        })
        .collect()
}

/// Attempts stamped with the same whole second (Postfix's syslog stamps) spread evenly over
/// that second in the order the log wrote them: the `k`-th of `m` at `(k + ½) / m` of it. A
/// token bucket refills within the second, so taking them all at its start would hide the
/// refill and halve a fast bucket's rate.
fn spread_within_seconds(attempts: &mut [(i64, &Attempt)]) {
    let mut from = 0;
    while from < attempts.len() {
        let second = attempts[from].0;
        let to = from
            + attempts[from..]
                .iter()
                .take_while(|(t, _)| *t == second)
                .count();
        let m = (to - from) as i64;
        for (k, attempt) in attempts[from..to].iter_mut().enumerate() {
            attempt.0 = second + (2 * k as i64 + 1) * 1000 / (2 * m);
        }
        from = to;
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
    let kinds: Vec<Option<FailureKind>> = deferred
        .iter()
        .map(|d| d.then_some(FailureKind::Deferred))
        .collect();
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
    let failed: Vec<bool> = kinds.iter().map(Option::is_some).collect();
    // The edge between segments `i - 1` and `i`: halfway between the attempts around the cut,
    // give or take the change point's likelihood interval (at least half that gap).
    let edge = |i: usize| {
        let cut = segments[i].from;
        let (a, b) = (times[cut - 1], times[cut]);
        let at = (a + b) / 2;
        let (low, high) = segments::cut_interval(&failed, segments[i - 1].from, segments[i].to);
        let spread = (at - times[low - 1]).max(times[high] - at).max((b - a) / 2);
        (at, spread)
    };
    segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.failures > 0)
        .map(|(i, s)| {
            let (start_ms, start_spread_ms) = if s.from == 0 {
                (0, times[0].max(0))
            } else {
                edge(i)
            };
            let (end_ms, end_spread_ms) = if s.to == n {
                (None, 0)
            } else {
                let (at, spread) = edge(i + 1);
                (Some(at.max(start_ms + 1)), spread)
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
