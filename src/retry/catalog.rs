//! The list of built-in policies for `mailsim policies` and `mailsim schedule`: each one's
//! command-line name, the scenario-file variant, a summary and the source it follows; and
//! building a [`RetrySpec`] from `key=value` overrides.

use super::RetrySpec;

/// One built-in policy.
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
}

/// Every built-in policy, in the order `mailsim policies` lists them.
pub const CATALOG: &[PolicyInfo] = &[
    PolicyInfo {
        name: "fope",
        variant: "Fope",
        summary: "every 20 minutes for 5 days, one notice at 2 hours",
        source: "FOPE \"Queued, Deferred, and Bounced Messages FAQ\" (TechNet ff715056, 2012); sheet §4.3",
        required: &[],
    },
    PolicyInfo {
        name: "exchange-online",
        variant: "ExchangeOnline",
        summary: "gives up after 24 hours (48 h in older docs); interval undocumented, a parameter",
        source: "Microsoft Learn \"Fix NDR error 550 4.4.7 in Exchange Online\"; sheet §4.2",
        required: &[],
    },
    PolicyInfo {
        name: "exchange-server",
        variant: "ExchangeServer",
        summary: "queue glitch / transient / connection-failure retries for a down next hop, MessageRetryInterval for single messages, delay DSN 4 h, expiry 2 d",
        source: "Exchange Server \"Message retry, resubmit, and expiration intervals\"; sheet §4.1",
        required: &[],
    },
    PolicyInfo {
        name: "postfix",
        variant: "Postfix",
        summary: "backoff = age clamped to [300s, 4000s] on the 300 s scan grid, expiry 5 d, concurrency window and dead destination",
        source: "Postfix 3.12 source: qmgr_active.c, qmgr_queue.c, qmgr_feedback.c, mail_params.h; sheet §1",
        required: &[],
    },
    PolicyInfo {
        name: "exim",
        variant: "Exim",
        summary: "retry rules F,2h,15m; G,16h,1h,1.5; F,4d,6h clocked from the retry key's first failure",
        source: "Exim source retry.c retry_update(), configure.default, spec chapter \"Retry configuration\"; sheet §2",
        required: &[],
    },
    PolicyInfo {
        name: "sendmail",
        variant: "Sendmail",
        summary: "every queue run (-q30m), host-status cache 30 min, queuewarn 4 h, queuereturn 5 d",
        source: "Sendmail 8.18 cf/README and doc/op/op.me; sheet §3",
        required: &[],
    },
    PolicyInfo {
        name: "kumomta",
        variant: "KumoMta",
        summary: "20 min × 2^n with ±30 s jitter, expire when the next due time would pass max_age (7 d)",
        source: "KumoMTA source crates/kumod/src/queue/{config.rs,queue.rs}; sheet §6.1",
        required: &[],
    },
    PolicyInfo {
        name: "kumomta-office365",
        variant: "KumoMtaOffice365",
        summary: "KumoMTA retry plus KumoMTA's published Outlook/Office 365 automation rules (suspend, 1/minute, 1 connection)",
        source: "KumoMTA assets/community/shaping.toml provider \"outlook\"; sheet §6.2",
        required: &[],
    },
    PolicyInfo {
        name: "powermta",
        variant: "PowerMta",
        summary: "retry-after list (10m), bounce-after 4d12h, backoff mode on matching replies",
        source: "third-party transcription of the PowerMTA directive reference; sheet §6.3",
        required: &[],
    },
    PolicyInfo {
        name: "rfc5321",
        variant: "Rfc5321",
        summary: "every 30 minutes, give up after 4 days (the RFC says 4-5)",
        source: "RFC 5321 §4.5.4.1; sheet §8.1",
        required: &[],
    },
    PolicyInfo {
        name: "adaptive",
        variant: "Adaptive",
        summary: "rules on replies suspend or slow the destination for a while, over a base policy (KumoMTA TSA / PowerMTA backoff style)",
        source: "KumoMTA docs kumo.shaping load.md, tsa-daemon README; sheet §6.2",
        required: &[],
    },
    PolicyInfo {
        name: "fixed",
        variant: "Fixed",
        summary: "a fixed interval until a lifetime",
        source: "generic",
        required: &["interval"],
    },
    PolicyInfo {
        name: "exponential",
        variant: "Exponential",
        summary: "min(cap, base × multiplier^n) with the AWS jitter variants",
        source: "AWS Architecture Blog \"Exponential Backoff And Jitter\"; sheet §7.1",
        required: &["base", "cap"],
    },
    PolicyInfo {
        name: "offsets",
        variant: "Offsets",
        summary: "attempts at listed offsets from arrival",
        source: "generic",
        required: &["offsets"],
    },
];

/// The catalog entry for a command-line name.
pub fn find_policy(name: &str) -> Option<&'static PolicyInfo> {
    CATALOG.iter().find(|info| info.name == name)
}

/// The names, for error messages.
pub fn policy_names() -> String {
    let names: Vec<&str> = CATALOG.iter().map(|info| info.name).collect();
    names.join(", ")
}

impl PolicyInfo {
    /// Builds the policy with `params` (`key`, `value`) overriding its defaults. Values are
    /// written as in a scenario file; bare words and durations need no quotes
    /// (`minimal_backoff_time=600s`, `rules="F,1h,10m"`, `retry_after=["10m","1h"]`).
    pub fn spec(&self, params: &[(String, String)]) -> Result<RetrySpec, String> {
        let text = self.spec_text(params);
        let spec = parse_spec(&text).map_err(|error| format!("{}: {error}", self.name))?;
        spec.validate().map_err(|problem| {
            format!(
                "{}: parameter `{}`: {} ({})",
                self.name, problem.field, problem.message, problem.hint
            )
        })?;
        Ok(spec)
    }

    /// The scenario-file text of the policy with `params` (`key`, `value`) set, e.g.
    /// `Postfix(minimal_backoff_time: "600s")`; not checked (see [`PolicyInfo::spec`]).
    pub fn spec_text(&self, params: &[(String, String)]) -> String {
        let fields: Vec<String> = params
            .iter()
            .map(|(key, value)| format!("{key}: {}", ron_value(value)))
            .collect();
        format!("{}({})", self.variant, fields.join(", "))
    }

    /// The scenario-file text of the policy with its defaults, e.g.
    /// `Postfix(queue_run_delay: "5m", ...)`; `None` if it has required parameters.
    pub fn defaults_text(&self) -> Option<String> {
        if !self.required.is_empty() {
            return None;
        }
        let spec = parse_spec(&format!("{}()", self.variant)).ok()?;
        let options = ron::Options::default().with_default_extension(extensions());
        let config = ron::ser::PrettyConfig::new()
            .extensions(extensions())
            .struct_names(false);
        options.to_string_pretty(&spec, config).ok()
    }
}

fn extensions() -> ron::extensions::Extensions {
    ron::extensions::Extensions::IMPLICIT_SOME
        | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
}

/// Parses a policy written as in a scenario file.
pub fn parse_spec(text: &str) -> Result<RetrySpec, String> {
    ron::Options::default()
        .with_default_extension(extensions())
        .from_str(text)
        .map_err(|error| error.code.to_string())
}

/// A command-line value as RON: numbers, booleans, lists, tuples, quoted strings and enum
/// variants (`Edge`, `None`) as written; anything else (durations, rule lists) quoted.
pub fn ron_value(value: &str) -> String {
    let v = value.trim();
    let variant = v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let literal = v.parse::<f64>().is_ok()
        || v == "true"
        || v == "false"
        || variant
        || v.starts_with(['[', '(', '"'])
        || v.ends_with(')');
    if literal {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_without_required_parameters_has_parseable_defaults() {
        for info in CATALOG {
            match info.defaults_text() {
                Some(text) => {
                    let spec = parse_spec(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(spec.name(), info.name, "{text}");
                    assert!(spec.validate().is_ok(), "{text}");
                }
                None => assert!(!info.required.is_empty(), "{}", info.name),
            }
        }
    }

    #[test]
    fn overrides_apply_and_mistakes_name_the_choices() {
        let postfix = find_policy("postfix").unwrap();
        let spec = postfix
            .spec(&[("minimal_backoff_time".into(), "600s".into())])
            .unwrap();
        match spec {
            RetrySpec::Postfix(p) => assert_eq!(p.minimal_backoff_time.as_millis(), 600_000),
            other => panic!("{other:?}"),
        }
        let error = postfix
            .spec(&[("minimal_backof".into(), "600s".into())])
            .unwrap_err();
        assert!(error.contains("maximal_backoff_time"), "{error}");
        let error = postfix
            .spec(&[("maximal_backoff_time".into(), "1s".into())])
            .unwrap_err();
        assert!(error.contains("maximal_backoff_time"), "{error}");
        let exim = find_policy("exim").unwrap();
        assert!(exim.spec(&[("rules".into(), "F,1h,10m".into())]).is_ok());
        let exchange = find_policy("exchange-server").unwrap();
        let edge = exchange.spec(&[("role".into(), "Edge".into())]).unwrap();
        assert!(edge.describe().contains("(Edge)"), "{}", edge.describe());
    }
}
