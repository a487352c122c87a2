//! Built-in policies as scenario-file text, for the command line: `mailsim policies` prints each
//! policy's defaults as a scenario would write them, `mailsim schedule --param` and
//! `mailsim compare --policy name:k=v` turn `key=value` overrides into a checked [`RetrySpec`].

use super::{PolicyInfo, RetrySpec};

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
        parse_spec(&format!("{}()", self.variant))
            .ok()?
            .scenario_text()
    }
}

impl RetrySpec {
    /// The policy as a scenario file writes it, every parameter spelt out, e.g.
    /// `Postfix(queue_run_delay: "5m", ...)` over several lines; `None` for a custom policy,
    /// which has no scenario text.
    pub fn scenario_text(&self) -> Option<String> {
        let options = ron::Options::default().with_default_extension(extensions());
        let config = ron::ser::PrettyConfig::new()
            .extensions(extensions())
            .struct_names(false);
        options.to_string_pretty(self, config).ok()
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
    use crate::retry::{catalog, find_policy};

    #[test]
    fn every_policy_without_required_parameters_has_parseable_defaults() {
        for info in catalog() {
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
