//! Retry policies: what a policy sees and answers (the contract, `contract.rs`), which policies
//! are built in and how a scenario names them (the registry, `registry.rs`, generating
//! [`RetrySpec`]), the built-in policies one file each (`postfix.rs`, `exim.rs`, `kumomta.rs`,
//! …), a library user's own policy ([`CustomPolicy`]), the one admission driver
//! ([`admission`]) and one message's timeline for `mailsim schedule` ([`schedule`]).
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
//!
//! Not here: the event loop that runs a policy in a simulation (`model`).

pub mod admission;
mod contract;
mod custom;
mod params;
mod reason;
mod registry;
pub mod schedule;
mod text;

mod adaptive;
mod exchange_online;
mod exchange_server;
mod exim;
mod exponential;
mod fixed;
mod fope;
mod kumomta;
mod kumomta_office365;
mod offsets;
mod postfix;
mod powermta;
mod rfc5321;
mod sendmail;

pub(crate) use contract::past_lifetime;
pub use contract::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, QueueRunner, RetryPolicy,
    notice_due,
};
pub use custom::{CustomPolicy, CustomSpec};
pub use params::SpecProblem;
pub(crate) use params::{PolicyParams, default_lifetime, positive};
pub use registry::{PolicyInfo, RetrySpec, VARIANTS, catalog, find_policy, policy_names};
pub use text::{parse_spec, ron_value};

pub use adaptive::{Action, Adaptive, AdaptiveParams, Rule, Trigger};
pub use exchange_online::ExchangeOnlineParams;
pub use exchange_server::{ExchangeServer, ExchangeServerParams, TransportRole};
pub use exim::{Exim, EximParams, EximRule, EximRules, RuleKind};
pub use exponential::{Exponential, ExponentialParams, Jitter};
pub use fixed::{Fixed, FixedParams};
pub use fope::FopeParams;
pub use kumomta::{KumoMta, KumoMtaParams};
pub use kumomta_office365::Office365Params;
pub use offsets::{Offsets, OffsetsParams};
pub use postfix::{Feedback, FeedbackPer, Postfix, PostfixParams};
pub use powermta::{PowerMta, PowerMtaParams};
pub use rfc5321::Rfc5321Params;
pub use sendmail::{Sendmail, SendmailParams};

#[cfg(test)]
pub(crate) mod testing {
    //! Drives a policy built by hand against a receiver that defers every attempt.

    use super::*;
    use crate::domain::Reply;

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
