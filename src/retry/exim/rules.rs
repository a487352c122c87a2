//! Exim's retry rule lists as its configuration writes them (`F,2h,15m; G,16h,1h,1.5;
//! F,4d,6h`): the rules, reading them from text (with Exim's fixed-point multipliers) and
//! writing them back. How a rule turns into a retry time is `retry_update()`, in the parent
//! module.

use std::fmt;

use serde::Deserialize;

use crate::domain::parse_duration;
use crate::engine::SimDuration;

/// One rule's algorithm letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// Fixed interval.
    F,
    /// Geometric.
    G,
    /// Geometric, randomised.
    H,
}

/// The rule's letter, as Exim writes it.
impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleKind::F => "F",
            RuleKind::G => "G",
            RuleKind::H => "H",
        })
    }
}

/// One retry rule, in whole seconds as Exim keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EximRule {
    /// The letter.
    pub kind: RuleKind,
    /// Applies while the key has been failing for at most this long.
    pub cutoff_s: u64,
    /// The interval (`F`) or starting interval (`G`, `H`).
    pub p1_s: u64,
    /// The multiplier ×1000 (`G`, `H`).
    pub mult1000: u64,
}

/// A rule list, written as in Exim's configuration: `F,2h,15m; G,16h,1h,1.5; F,4d,6h`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(try_from = "String", into = "String")]
pub struct EximRules(pub Vec<EximRule>);

impl Default for EximRules {
    fn default() -> Self {
        let rule = |kind, cutoff_s, p1_s, mult1000| EximRule {
            kind,
            cutoff_s,
            p1_s,
            mult1000,
        };
        EximRules(vec![
            rule(RuleKind::F, 7200, 900, 0),
            rule(RuleKind::G, 57_600, 3600, 1500),
            rule(RuleKind::F, 345_600, 21_600, 0),
        ])
    }
}

impl TryFrom<String> for EximRules {
    type Error = String;

    fn try_from(text: String) -> Result<EximRules, String> {
        let hint = "write rules like \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\"";
        let seconds = |part: &str| -> Result<u64, String> {
            parse_duration(part.trim())
                .map(|d| d.as_millis() / 1000)
                .map_err(|error| format!("in Exim rule list `{text}`: {error}"))
        };
        let mut rules = Vec::new();
        for item in text
            .split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let parts: Vec<&str> = item.split(',').map(str::trim).collect();
            let kind = match parts[0] {
                "F" => RuleKind::F,
                "G" => RuleKind::G,
                "H" => RuleKind::H,
                other => {
                    return Err(format!(
                        "unknown Exim rule letter `{other}` in `{item}`; {hint}"
                    ));
                }
            };
            let expected = if kind == RuleKind::F { 3 } else { 4 };
            if parts.len() != expected {
                return Err(format!(
                    "Exim rule `{item}` has {} fields, {} expects {expected}; {hint}",
                    parts.len(),
                    parts[0]
                ));
            }
            let mult1000 = if kind == RuleKind::F {
                0
            } else {
                parse_fixed(parts[3]).filter(|m| *m >= 1000).ok_or_else(|| {
                    format!("the multiplier `{}` in `{item}` must be a number ≥ 1 (up to 3 decimals)", parts[3])
                })?
            };
            rules.push(EximRule {
                kind,
                cutoff_s: seconds(parts[1])?,
                p1_s: seconds(parts[2])?,
                mult1000,
            });
        }
        if rules.is_empty() {
            return Err(format!("the Exim rule list is empty; {hint}"));
        }
        Ok(EximRules(rules))
    }
}

/// Reads a decimal like Exim's `readconf_readfixed`: the value ×1000, as an integer.
fn parse_fixed(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<3}").parse().ok()?;
    Some(whole * 1000 + fraction)
}

impl From<EximRules> for String {
    fn from(rules: EximRules) -> String {
        rules.to_string()
    }
}

impl fmt::Display for EximRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |s: u64| SimDuration::from_secs(s).to_string();
        let items: Vec<String> = self
            .0
            .iter()
            .map(|r| match r.kind {
                RuleKind::F => format!("F,{},{}", secs(r.cutoff_s), secs(r.p1_s)),
                kind => {
                    let mult = format!("{}.{:03}", r.mult1000 / 1000, r.mult1000 % 1000);
                    let mult = mult.trim_end_matches('0').trim_end_matches('.');
                    format!("{kind},{},{},{mult}", secs(r.cutoff_s), secs(r.p1_s))
                }
            })
            .collect();
        f.write_str(&items.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_lists_round_trip_and_reject_nonsense() {
        let rules = EximRules::try_from("F,2h,15m; G,16h,1h,1.5; F,4d,6h".to_string()).unwrap();
        assert_eq!(rules, EximRules::default());
        assert_eq!(rules.to_string(), "F,2h,15m; G,16h,1h,1.5; F,4d,6h");
        assert!(EximRules::try_from("X,1h,5m".to_string()).is_err());
        assert!(EximRules::try_from("G,1h,5m,0.5".to_string()).is_err());
    }
}
