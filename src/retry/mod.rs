//! Retry policies: the [`RetryPolicy`] trait, the scenario's choice of policy ([`RetrySpec`]) and
//! the built-in policies, one file each (`postfix.rs`, `exim.rs`, `kumomta.rs`, …).
//!
//! A policy is asked once per failed attempt and answers "retry at t" or "give up". It sees the
//! message's arrival, how many attempts it has had, the reply (with its scope, so a policy can
//! treat a dead site differently from a busy recipient) and the destination, and it can keep a
//! little per-message state ([`MessageRetryState`]) and any per-destination state of its own.
//!
//! Destination-level behaviour (Postfix's concurrency window and dead destination, Exim's host
//! retry records, Exchange's queue retry ladder, KumoMTA / PowerMTA suspensions and rate limits)
//! uses the trait's optional hooks: [`RetryPolicy::admit`] before every attempt,
//! [`RetryPolicy::on_attempt_end`] after every attempt and [`RetryPolicy::connection_limit`].
//! Simple policies leave them at their defaults and behave exactly as before.
//!
//! Delay warnings and queue alerts are the sender's settings; a policy only supplies the real
//! system's default notice age ([`RetrySpec::delay_warning_default`]), used when the sender sets
//! no `delay_warning` of its own.

mod adaptive;
pub mod admission;
mod catalog;
mod exchange_online;
mod exchange_server;
mod exim;
mod exponential;
mod fixed;
mod fope;
mod kumomta;
mod offsets;
mod postfix;
mod powermta;
mod rfc5321;
pub mod schedule;
mod sendmail;

use serde::Deserialize;

pub use adaptive::{Action, Adaptive, AdaptiveParams, Office365Params, Rule, Trigger};
pub use catalog::{CATALOG, PolicyInfo, find_policy, parse_spec, policy_names, ron_value};
pub use exchange_online::ExchangeOnlineParams;
pub use exchange_server::{ExchangeServer, ExchangeServerParams, TransportRole};
pub use exim::{Exim, EximParams, EximRule, EximRules, RuleKind};
pub use exponential::{Exponential, Jitter};
pub use fixed::Fixed;
pub use fope::FopeParams;
pub use kumomta::{KumoMta, KumoMtaParams};
pub use offsets::Offsets;
pub use postfix::{Feedback, Postfix, PostfixParams};
pub use powermta::{PowerMta, PowerMtaParams};
pub use rfc5321::Rfc5321Params;
pub use sendmail::{Sendmail, SendmailParams};

use crate::domain::Reply;
use crate::engine::{RandomStream, SimDuration, SimTime};

/// What the policy is told about a failed attempt.
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    /// When the attempt ended.
    pub now: SimTime,
    /// When the message arrived at the sender.
    pub arrival: SimTime,
    /// Attempts made so far, including this one (1 after the first failure).
    pub attempts: u32,
    /// The reply (its scope says whether the site, the message or the recipient failed).
    pub reply: Reply,
    /// Index of the destination (receiver) within the sender.
    pub destination: usize,
}

impl Failure {
    /// The message's age when the attempt ended.
    pub fn age(&self) -> SimDuration {
        self.now - self.arrival
    }
}

/// The policy's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again at this instant (an instant not after `now` means as soon as possible).
    RetryAt(SimTime),
    /// Stop trying: the message expires (bounces as undeliverable).
    GiveUp,
}

/// Per-message state a policy may keep (e.g. the previous sleep for decorrelated jitter, or
/// Exim's last and next retry times for a per-message retry key). Starts at zero for every
/// message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageRetryState(pub u64, pub u64);

/// What the policy is told before an attempt starts.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    /// The instant the attempt would start.
    pub now: SimTime,
    /// When the message arrived at the sender.
    pub arrival: SimTime,
    /// Attempts made so far (0 before the first).
    pub attempts: u32,
    /// Index of the destination (receiver) within the sender.
    pub destination: usize,
}

impl Pending {
    /// The message's age.
    pub fn age(&self) -> SimDuration {
        self.now - self.arrival
    }
}

/// The policy's answer before an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Make the attempt now.
    Proceed,
    /// Do not connect: defer the message as if the attempt had failed with this reply (the
    /// policy's [`RetryPolicy::on_failure`] then decides when to retry). Postfix does this for a
    /// dead destination, Sendmail for a host in its host-status cache.
    Defer(Reply),
    /// Do not connect and do not count a failure: ask again at this instant (a suspended
    /// destination, an Exim host whose retry time has not come).
    Hold(SimTime),
    /// The message has been given this start slot (a lowered message rate): it starts at that
    /// instant without being asked again.
    Reserved(SimTime),
    /// Do not connect: the message expires now (Exim `delay_after_cutoff`).
    Expire,
}

/// A retry policy. One instance serves one sender for a whole run, so it may keep
/// per-destination state between calls.
pub trait RetryPolicy: Send {
    /// Decides what happens after a temporary failure.
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision;

    /// Told when an attempt to `destination` was accepted. Default: nothing.
    fn on_delivery(&mut self, _destination: usize, _now: SimTime) {}

    /// Asked before every attempt (first attempts and retries). Default: proceed.
    fn admit(&mut self, _pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        Admission::Proceed
    }

    /// Told when any attempt to `destination` ends, before [`RetryPolicy::on_failure`] or
    /// [`RetryPolicy::on_delivery`]; `others_busy` is the number of other attempts still in
    /// progress to that destination. Default: nothing.
    fn on_attempt_end(
        &mut self,
        _destination: usize,
        _reply: Reply,
        _now: SimTime,
        _others_busy: u32,
    ) {
    }

    /// An extra limit on parallel connections to `destination` (Postfix's concurrency window,
    /// a throttled destination's limit). The sender's own limit still applies. Default: none.
    fn connection_limit(&self, _destination: usize, _now: SimTime) -> Option<u32> {
        None
    }

    /// Whether this policy uses [`RetryPolicy::admit`], [`RetryPolicy::on_attempt_end`] or
    /// [`RetryPolicy::connection_limit`]; the world skips the calls when it does not.
    fn uses_destination_hooks(&self) -> bool {
        false
    }
}

/// The policy a scenario asks for, with its parameters.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum RetrySpec {
    /// Retry every `interval` (e.g. FOPE's 20 minutes) until `lifetime`.
    Fixed {
        /// The gap after each failure.
        interval: SimDuration,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
    /// `min(cap, base × multiplier^n)` after the n-th retry (n from 0), with optional jitter.
    Exponential {
        /// The first gap.
        base: SimDuration,
        /// The largest gap.
        cap: SimDuration,
        /// Growth factor per failure. Default `2`.
        #[serde(default = "two")]
        multiplier: f64,
        /// Jitter variant (AWS definitions). Default `None`.
        #[serde(default)]
        jitter: Jitter,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
    /// Attempts at these offsets from the message's arrival, then give up.
    Offsets {
        /// Offsets of the 2nd, 3rd, … attempts from arrival, increasing.
        offsets: Vec<SimDuration>,
        /// Give-up age. Default `5d`.
        #[serde(default = "five_days")]
        lifetime: SimDuration,
    },
    /// FOPE / early Exchange Online Protection (2012 FAQ): every 20 minutes for 5 days, one
    /// notice at 2 hours.
    Fope(FopeParams),
    /// Exchange Online outbound: gives up after 24 hours (48 hours in older documentation).
    ExchangeOnline(ExchangeOnlineParams),
    /// Exchange Server 2016/2019 transport: glitch, transient and connection-failure retries
    /// for an unreachable next hop, the message retry interval for single deferred messages.
    ExchangeServer(ExchangeServerParams),
    /// Postfix `qmgr`: age-based backoff on the deferred-queue scan grid, per-destination
    /// concurrency window and dead destination.
    Postfix(PostfixParams),
    /// Exim 4 retry rules (`F`, `G`, `H`), clocked from the retry key's first failure.
    Exim(EximParams),
    /// Sendmail 8: every queue run, host-status cache, queuewarn and queuereturn.
    Sendmail(SendmailParams),
    /// KumoMTA: `retry_interval × 2^n`, jitter, expiry when the next try would pass `max_age`.
    KumoMta(KumoMtaParams),
    /// PowerMTA: `retry-after` list, `bounce-after`, backoff mode on matching replies.
    PowerMta(PowerMtaParams),
    /// RFC 5321 §4.5.4.1 minimum: every 30 minutes, give up after 4–5 days.
    Rfc5321(Rfc5321Params),
    /// Adaptive destination-level control (KumoMTA Traffic Shaping Automation style) on top of
    /// a base retry policy.
    Adaptive(AdaptiveParams),
    /// KumoMTA's retry with KumoMTA's published Outlook / Office 365 automation rules.
    KumoMtaOffice365(Office365Params),
}

/// What every built-in policy's parameter set provides; [`RetrySpec`] dispatches to it.
pub(crate) trait PolicyParams {
    /// Checks the parameters against each other.
    fn validate(&self) -> Result<(), SpecProblem>;
    /// Builds the policy.
    fn build(&self) -> Box<dyn RetryPolicy>;
    /// One line with every parameter.
    fn describe(&self) -> String;
    /// The real system's default delay-notice age, if it sends one by default.
    fn delay_warning_default(&self) -> Option<SimDuration> {
        None
    }
    /// Whether that notice repeats every time the same age passes again (Exim, PowerMTA).
    fn delay_warning_repeats(&self) -> bool {
        false
    }
}

/// Whether a delay notice is due for a message of age `age` that has had `sent` notices: the
/// first at `first`; with `repeats`, another each further `first` (at 2 × first, 3 × first, …).
/// Checked when an attempt fails, so at most one notice per failure.
pub fn notice_due(first: SimDuration, repeats: bool, sent: u32, age: SimDuration) -> bool {
    match sent {
        0 => age >= first,
        _ if repeats => age.as_millis() >= first.as_millis().saturating_mul(u64::from(sent) + 1),
        _ => false,
    }
}

fn five_days() -> SimDuration {
    SimDuration::from_days(5)
}

fn two() -> f64 {
    2.0
}

/// A parameter that makes no sense, found by [`RetrySpec::validate`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("parameter `{field}`: {message} ({hint})")]
pub struct SpecProblem {
    /// The parameter's name within the policy, e.g. `cap`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl SpecProblem {
    /// An `Err` naming `field`, saying what is wrong and how to fix it.
    pub(crate) fn err<T>(
        field: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Result<T, SpecProblem> {
        Err(SpecProblem {
            field,
            message: message.into(),
            hint: hint.into(),
        })
    }
}

impl RetrySpec {
    /// The policy's short name, as used on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            RetrySpec::Fixed { .. } => "fixed",
            RetrySpec::Exponential { .. } => "exponential",
            RetrySpec::Offsets { .. } => "offsets",
            RetrySpec::Fope(_) => "fope",
            RetrySpec::ExchangeOnline(_) => "exchange-online",
            RetrySpec::ExchangeServer(_) => "exchange-server",
            RetrySpec::Postfix(_) => "postfix",
            RetrySpec::Exim(_) => "exim",
            RetrySpec::Sendmail(_) => "sendmail",
            RetrySpec::KumoMta(_) => "kumomta",
            RetrySpec::PowerMta(_) => "powermta",
            RetrySpec::Rfc5321(_) => "rfc5321",
            RetrySpec::Adaptive(_) => "adaptive",
            RetrySpec::KumoMtaOffice365(_) => "kumomta-office365",
        }
    }

    /// The parameter set of a built-in policy other than the three generic ones.
    fn params(&self) -> Option<&dyn PolicyParams> {
        Some(match self {
            RetrySpec::Fixed { .. } | RetrySpec::Exponential { .. } | RetrySpec::Offsets { .. } => {
                return None;
            }
            RetrySpec::Fope(p) => p,
            RetrySpec::ExchangeOnline(p) => p,
            RetrySpec::ExchangeServer(p) => p,
            RetrySpec::Postfix(p) => p,
            RetrySpec::Exim(p) => p,
            RetrySpec::Sendmail(p) => p,
            RetrySpec::KumoMta(p) => p,
            RetrySpec::PowerMta(p) => p,
            RetrySpec::Rfc5321(p) => p,
            RetrySpec::Adaptive(p) => p,
            RetrySpec::KumoMtaOffice365(p) => p,
        })
    }

    /// The age at which the real system sends its one delay notice by default (FOPE 2 h,
    /// Exchange and Sendmail 4 h, Postfix only if `delay_warning_time` is set). The sender's
    /// `delay_warning`, when set, takes precedence (see the `delay_warning` field of
    /// [`crate::scenario::raw::RawSender`]).
    pub fn delay_warning_default(&self) -> Option<SimDuration> {
        self.params().and_then(PolicyParams::delay_warning_default)
    }

    /// Whether the real system repeats its default notice (Exim every `delay_warning`,
    /// PowerMTA every `notify-of-delay-every`).
    pub fn delay_warning_repeats(&self) -> bool {
        self.params()
            .is_some_and(PolicyParams::delay_warning_repeats)
    }

    /// Checks the parameters against each other.
    pub fn validate(&self) -> Result<(), SpecProblem> {
        match self {
            RetrySpec::Fixed { interval, .. } if *interval == SimDuration::ZERO => {
                SpecProblem::err(
                    "interval",
                    "a zero retry interval retries in a tight loop",
                    "use a positive interval such as \"20m\"",
                )
            }
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                ..
            } => {
                if *base == SimDuration::ZERO {
                    SpecProblem::err(
                        "base",
                        "the base delay must be positive",
                        "use a positive base such as \"5m\"",
                    )
                } else if cap < base {
                    SpecProblem::err(
                        "cap",
                        format!("the cap ({cap}) is smaller than the base ({base})"),
                        "make the cap at least as large as the base",
                    )
                } else if !multiplier.is_finite() || *multiplier < 1.0 {
                    SpecProblem::err(
                        "multiplier",
                        format!("the multiplier {multiplier} must be a finite number ≥ 1"),
                        "use 2 for doubling, 1.5 for Exim-style growth",
                    )
                } else {
                    Ok(())
                }
            }
            RetrySpec::Offsets { offsets, .. } => {
                if offsets.is_empty() {
                    return SpecProblem::err(
                        "offsets",
                        "the list is empty",
                        "list at least one offset, e.g. [\"5m\", \"30m\", \"2h\"]",
                    );
                }
                match offsets.windows(2).position(|pair| pair[1] <= pair[0]) {
                    Some(i) => SpecProblem::err(
                        "offsets",
                        format!(
                            "offset {} ({}) is not after offset {} ({})",
                            i + 1,
                            offsets[i + 1],
                            i,
                            offsets[i]
                        ),
                        "list the offsets in increasing order; each is measured from arrival",
                    ),
                    None if offsets[0] == SimDuration::ZERO => SpecProblem::err(
                        "offsets",
                        "the first offset is 0s, the time of the first attempt",
                        "offsets are the 2nd, 3rd, … attempts; start with a positive one",
                    ),
                    None => Ok(()),
                }
            }
            RetrySpec::Fixed { .. } => Ok(()),
            other => other.params().map_or(Ok(()), PolicyParams::validate),
        }
    }

    /// Builds the policy.
    pub fn build(&self) -> Box<dyn RetryPolicy> {
        match self.clone() {
            RetrySpec::Fixed { interval, lifetime } => Box::new(Fixed { interval, lifetime }),
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            } => Box::new(Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            }),
            RetrySpec::Offsets { offsets, lifetime } => Box::new(Offsets { offsets, lifetime }),
            RetrySpec::Fope(p) => p.build(),
            RetrySpec::ExchangeOnline(p) => p.build(),
            RetrySpec::ExchangeServer(p) => p.build(),
            RetrySpec::Postfix(p) => p.build(),
            RetrySpec::Exim(p) => p.build(),
            RetrySpec::Sendmail(p) => p.build(),
            RetrySpec::KumoMta(p) => p.build(),
            RetrySpec::PowerMta(p) => p.build(),
            RetrySpec::Rfc5321(p) => p.build(),
            RetrySpec::Adaptive(p) => p.build(),
            RetrySpec::KumoMtaOffice365(p) => p.build(),
        }
    }

    /// A one-line description with every parameter, e.g. `fixed: every 20m, give up at 5d`.
    pub fn describe(&self) -> String {
        match self {
            RetrySpec::Fixed { interval, lifetime } => {
                format!(
                    "fixed: every {interval}, expire at the first failure at or past {lifetime}"
                )
            }
            RetrySpec::Exponential {
                base,
                cap,
                multiplier,
                jitter,
                lifetime,
            } => format!(
                "exponential: min({cap}, {base} × {multiplier}^n), jitter {jitter:?}, expire at the first failure at or past {lifetime}"
            ),
            RetrySpec::Offsets { offsets, lifetime } => {
                let list: Vec<String> = offsets.iter().map(ToString::to_string).collect();
                format!(
                    "offsets: attempts at +{} from arrival, then expire (or at the first failure at or past {lifetime})",
                    list.join(", +")
                )
            }
            other => other
                .params()
                .map_or_else(String::new, PolicyParams::describe),
        }
    }
}

/// Checks that a duration parameter is positive.
pub(crate) fn positive(
    field: &'static str,
    value: SimDuration,
    example: &str,
) -> Result<(), SpecProblem> {
    if value == SimDuration::ZERO {
        SpecProblem::err(
            field,
            format!("`{field}` must be positive"),
            format!("use a positive duration such as {example}"),
        )
    } else {
        Ok(())
    }
}

/// The give-up rule shared by the simple policies: a message expires at the first failed attempt
/// whose age is at or past `lifetime`.
pub(crate) fn past_lifetime(failure: &Failure, lifetime: SimDuration) -> bool {
    failure.age() >= lifetime
}

#[cfg(test)]
pub(crate) mod testing {
    //! Drives a policy built by hand against a receiver that defers every attempt.

    use super::*;

    /// The attempt instants (seconds from the first attempt) and the give-up instant (or the
    /// last attempt if the timeline was cut), via [`schedule::timeline`].
    pub fn schedule(policy: &mut dyn RetryPolicy, reply: Reply, seed: u64) -> (Vec<f64>, f64) {
        let (rows, _) = schedule::timeline(policy, None, false, reply, seed);
        let attempts: Vec<f64> = rows
            .iter()
            .filter(|row| row.event == schedule::Event::Attempt)
            .map(|row| row.offset_s)
            .collect();
        let end = rows.last().map_or(0.0, |row| row.offset_s);
        (attempts, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_parameters_are_named() {
        let spec = RetrySpec::Exponential {
            base: SimDuration::from_mins(10),
            cap: SimDuration::from_mins(5),
            multiplier: 2.0,
            jitter: Jitter::None,
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "cap");
        let spec = RetrySpec::Offsets {
            offsets: vec![SimDuration::from_mins(30), SimDuration::from_mins(5)],
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "offsets");
        let spec = RetrySpec::Fixed {
            interval: SimDuration::ZERO,
            lifetime: five_days(),
        };
        assert_eq!(spec.validate().unwrap_err().field, "interval");
    }
}
