//! The registry of built-in policies: one table (`builtin_policies!` at the foot of this file)
//! with a line per policy giving its scenario-file variant and parameter type, its command-line
//! name, its place in `mailsim policies`, a summary, the source it follows and the parameters it
//! requires. The parameter type's [`PolicyParams`] impl, in the policy's own file, supplies the
//! rest: defaults (its `Default` and serde attributes), checks, construction, description and
//! default delay notice.
//!
//! The table generates [`RetrySpec`] (a variant per line, in table order, plus
//! [`RetrySpec::Custom`] for a library user's own policy) and its dispatch. The lookups and the
//! scenario-file text of a policy (`text.rs`) read the same table.
//!
//! Adding a built-in policy:
//! 1. `src/retry/NAME.rs`: the parameter type (serde, `#[serde(deny_unknown_fields, default)]`,
//!    `Default` with the real system's defaults) with `impl PolicyParams`, and the policy with
//!    `impl RetryPolicy`, plus its unit tests (`schedule::compute` gives its timeline);
//! 2. `mod NAME;` and `pub use NAME::NameParams;` in `src/retry/mod.rs`;
//! 3. an entry at the end of the table below, `listed` one more than the largest.
//!
//! The scenario syntax (`retry: Name(...)`), `mailsim policies`, `mailsim schedule`,
//! `compare --policy`, validation and the simulation then all know it.

use serde::{Deserialize, Serialize};

// Every parameter type the table names, as `retry` re-exports it: a new policy's type needs no
// import here, only its line in the table.
use super::*;
use crate::engine::SimDuration;

/// One built-in policy's line in the registry.
#[derive(Clone, Copy, Debug)]
pub struct PolicyInfo {
    /// The name on the command line, e.g. `postfix`.
    pub name: &'static str,
    /// The variant in scenario files, e.g. `Postfix`.
    pub variant: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
    /// Where the algorithm comes from (reference sheet section and the primary source).
    pub source: &'static str,
    /// Parameters that have no default and must be given.
    pub required: &'static [&'static str],
    /// What the recorded runs of the real system showed (`conformance/README.md`), if it was
    /// checked against one.
    pub conformance: Option<&'static str>,
    /// Its place in `mailsim policies` (1 first): real systems first, family by family, then
    /// the generic shapes; the table itself keeps the scenario variants' order.
    listed: u8,
}

/// `Some` of a table line's optional field, or `None` when the line leaves it out.
macro_rules! optional {
    () => {
        None
    };
    ($value:literal) => {
        Some($value)
    };
}

/// Generates [`RetrySpec`], its dispatch and `REGISTRY` from the table below.
macro_rules! builtin_policies {
    ($(
        $variant:ident($params:ident) {
            name: $name:literal,
            listed: $listed:literal,
            summary: $summary:literal,
            source: $source:literal,
            required: [$($required:literal),*],
            $(conformance: $conformance:literal,)?
        },
    )*) => {
        /// The policy a scenario asks for, with its parameters: a built-in policy (a variant per
        /// line of the registry, in its order, which is the order a scenario error lists them
        /// in) or a library user's own ([`RetrySpec::Custom`]).
        #[derive(Clone, Debug, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[non_exhaustive]
        pub enum RetrySpec {
            $(
                #[doc = concat!("`", $name, "`: ", $summary, ".")]
                #[doc = ""]
                #[doc = concat!("Parameters: [`", stringify!($params), "`]. Source: ", $source, ".")]
                $variant($params),
            )*
            /// A policy of the library user's own ([`RetrySpec::custom`]). A scenario file
            /// cannot name one, and it cannot be written back as scenario text.
            #[serde(skip)]
            Custom(CustomSpec),
        }

        /// Every built-in policy, in table order (that of [`RetrySpec`]'s variants).
        const REGISTRY: &[PolicyInfo] = &[$(
            PolicyInfo {
                name: $name,
                variant: stringify!($variant),
                summary: $summary,
                source: $source,
                required: &[$($required),*],
                conformance: optional!($($conformance)?),
                listed: $listed,
            },
        )*];

        impl RetrySpec {
            /// The policy's short name: a built-in policy's command-line name, or the name a
            /// custom policy gives itself.
            pub fn name(&self) -> &str {
                match self {
                    $(RetrySpec::$variant(_) => $name,)*
                    RetrySpec::Custom(custom) => custom.policy().name(),
                }
            }

            /// What builds, checks and describes the policy.
            fn params(&self) -> &dyn PolicyParams {
                match self {
                    $(RetrySpec::$variant(params) => params,)*
                    RetrySpec::Custom(custom) => custom,
                }
            }
        }
    };
}

impl RetrySpec {
    /// A policy of the caller's own, for a sender's `retry` (see [`CustomPolicy`]).
    pub fn custom(policy: impl CustomPolicy + 'static) -> RetrySpec {
        RetrySpec::Custom(CustomSpec::new(policy))
    }

    /// The age at which the real system sends its one delay notice by default (FOPE 2 h,
    /// Exchange and Sendmail 4 h, Postfix only if `delay_warning_time` is set). The sender's
    /// `delay_warning`, when set, takes precedence (see the `delay_warning` field of
    /// [`crate::scenario::raw::RawSender`]).
    pub fn delay_warning_default(&self) -> Option<SimDuration> {
        self.params().delay_warning_default()
    }

    /// Whether the real system repeats its default notice (Exim every `delay_warning`,
    /// PowerMTA every `notify-of-delay-every`).
    pub fn delay_warning_repeats(&self) -> bool {
        self.params().delay_warning_repeats()
    }

    /// Checks the parameters against each other.
    pub fn validate(&self) -> Result<(), SpecProblem> {
        self.params().validate()
    }

    /// Builds the policy.
    pub fn build(&self) -> Box<dyn RetryPolicy> {
        self.params().build()
    }

    /// A one-line description with every parameter, e.g. `fixed: every 20m, give up at 5d`.
    pub fn describe(&self) -> String {
        self.params().describe()
    }
}

/// The built-in policies in the order `mailsim policies` lists them.
pub fn catalog() -> Vec<&'static PolicyInfo> {
    let mut listed: Vec<&PolicyInfo> = REGISTRY.iter().collect();
    listed.sort_by_key(|info| info.listed);
    listed
}

/// The built-in policy with this command-line name.
pub fn find_policy(name: &str) -> Option<&'static PolicyInfo> {
    REGISTRY.iter().find(|info| info.name == name)
}

/// The names, in [`catalog`] order, for error messages.
pub fn policy_names() -> String {
    let names: Vec<&str> = catalog().iter().map(|info| info.name).collect();
    names.join(", ")
}

builtin_policies! {
    Fixed(FixedParams) {
        name: "fixed",
        listed: 12,
        summary: "a fixed interval until a lifetime",
        source: "generic",
        required: ["interval"],
    },
    Exponential(ExponentialParams) {
        name: "exponential",
        listed: 13,
        summary: "min(cap, base × multiplier^n) with the AWS jitter variants",
        source: "AWS Architecture Blog \"Exponential Backoff And Jitter\"; sheet §7.1",
        required: ["base", "cap"],
    },
    Offsets(OffsetsParams) {
        name: "offsets",
        listed: 14,
        summary: "attempts at listed offsets from arrival",
        source: "generic",
        required: ["offsets"],
    },
    Fope(FopeParams) {
        name: "fope",
        listed: 1,
        summary: "every 20 minutes for 5 days, one notice at 2 hours",
        source: "FOPE \"Queued, Deferred, and Bounced Messages FAQ\" (TechNet ff715056, 2012); sheet §4.3",
        required: [],
    },
    ExchangeOnline(ExchangeOnlineParams) {
        name: "exchange-online",
        listed: 2,
        summary: "gives up after 24 hours (48 h in older docs); interval undocumented, a parameter",
        source: "Microsoft Learn \"Fix NDR error 550 4.4.7 in Exchange Online\"; sheet §4.2",
        required: [],
    },
    ExchangeServer(ExchangeServerParams) {
        name: "exchange-server",
        listed: 3,
        summary: "queue glitch / transient / connection-failure retries for a down next hop, MessageRetryInterval for single messages, delay DSN 4 h, expiry 2 d",
        source: "Exchange Server \"Message retry, resubmit, and expiration intervals\"; sheet §4.1",
        required: [],
    },
    Postfix(PostfixParams) {
        name: "postfix",
        listed: 4,
        summary: "backoff = age clamped to [300s, 4000s] on the 300 s scan timer, expiry 5 d, concurrency window and dead destination",
        source: "Postfix source (3.12; the timers as in 3.7.11): qmgr.c, qmgr_active.c, qmgr_queue.c, qmgr_entry.c, qmgr_feedback.c, util/events.c, mail_params.h; sheet §1",
        required: [],
        conformance: "recorded Postfix 3.7.11 runs: every figure within ±10 % for a 421 greeting and refused connections (dead destination, the scans' sub-second phase, delivery agents started on demand); with 30 % random deferrals counts and tries per message within ±10 %, latencies within the range of 20 seeds but not within ±10 % of their mean, and its small retry waves not matched (the real run is one draw); with 451 at RCPT for 2 minutes the outcome hung on which second one scan fell in (the real one at most 40 ms after a second boundary, mailsim's 43 ms before it); with a token bucket and expiries, counts and latencies within ±10 % but not the slowed wave of expiries and bounces; table in conformance/README.md",
    },
    Exim(EximParams) {
        name: "exim",
        listed: 5,
        summary: "retry rules F,2h,15m; G,16h,1h,1.5; F,4d,6h clocked from the retry key's first failure; with queue_interval, a queue runner that takes the queue one message at a time",
        source: "Exim source retry.c retry_update(), deliver.c, queue.c, daemon.c (4.96), configure.default, spec chapter \"Retry configuration\"; sheet §2",
        required: [],
        conformance: "recorded Exim 4.96 runs (-q30s) reproduced within ±10 % on every figure for 451 at RCPT, a token bucket with expiries, a 421 greeting, refused connections (host retry record, skips, serial queue runs); with 30 % random deferrals counts and tries per message within ±10 %, latencies within the range of 20 seeds but not within ±10 % of their mean, and its small retry waves not matched (the real run is one draw); table in conformance/README.md",
    },
    Sendmail(SendmailParams) {
        name: "sendmail",
        listed: 6,
        summary: "every queue run (-q30m), host-status cache 30 min, queuewarn 4 h, queuereturn 5 d",
        source: "Sendmail 8.18 cf/README and doc/op/op.me; sheet §3",
        required: [],
    },
    KumoMta(KumoMtaParams) {
        name: "kumomta",
        listed: 7,
        summary: "20 min × 2^n with ±30 s jitter, expire when the next due time would pass max_age (7 d)",
        source: "KumoMTA source crates/kumod/src/queue/{config.rs,queue.rs}; sheet §6.1",
        required: [],
    },
    PowerMta(PowerMtaParams) {
        name: "powermta",
        listed: 9,
        summary: "retry-after list (10m), bounce-after 4d12h, backoff mode on matching replies",
        source: "third-party transcription of the PowerMTA directive reference; sheet §6.3",
        required: [],
    },
    Rfc5321(Rfc5321Params) {
        name: "rfc5321",
        listed: 10,
        summary: "every 30 minutes, give up after 4 days (the RFC says 4-5)",
        source: "RFC 5321 §4.5.4.1; sheet §8.1",
        required: [],
    },
    Adaptive(AdaptiveParams) {
        name: "adaptive",
        listed: 11,
        summary: "rules on replies suspend or slow the destination for a while, over a base policy (KumoMTA TSA / PowerMTA backoff style)",
        source: "KumoMTA docs kumo.shaping load.md, tsa-daemon README; sheet §6.2",
        required: [],
    },
    KumoMtaOffice365(Office365Params) {
        name: "kumomta-office365",
        listed: 8,
        summary: "KumoMTA retry plus KumoMTA's published Outlook/Office 365 automation rules (suspend, 1/minute, 1 connection)",
        source: "KumoMTA assets/community/shaping.toml provider \"outlook\"; sheet §6.2",
        required: [],
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::Jitter;

    #[test]
    fn impossible_parameters_are_named() {
        let spec = RetrySpec::Exponential(ExponentialParams {
            base: SimDuration::from_mins(10),
            cap: SimDuration::from_mins(5),
            multiplier: 2.0,
            jitter: Jitter::None,
            lifetime: SimDuration::from_days(5),
        });
        assert_eq!(spec.validate().unwrap_err().field, "cap");
        let spec = RetrySpec::Offsets(OffsetsParams {
            offsets: vec![SimDuration::from_mins(30), SimDuration::from_mins(5)],
            lifetime: SimDuration::from_days(5),
        });
        assert_eq!(spec.validate().unwrap_err().field, "offsets");
        let spec = RetrySpec::Fixed(FixedParams {
            interval: SimDuration::ZERO,
            lifetime: SimDuration::from_days(5),
        });
        assert_eq!(spec.validate().unwrap_err().field, "interval");
    }

    #[test]
    fn every_policy_has_its_own_place_in_the_listing_and_a_unique_name() {
        let listed: Vec<u8> = catalog().iter().map(|info| info.listed).collect();
        let expected: Vec<u8> = (1..=REGISTRY.len() as u8).collect();
        assert_eq!(listed, expected);
        for info in REGISTRY {
            assert_eq!(
                find_policy(info.name).map(|i| i.variant),
                Some(info.variant)
            );
        }
        assert_eq!(catalog()[0].name, "fope");
        assert!(policy_names().contains("adaptive, fixed, exponential, offsets"));
    }
}
