//! KumoMTA shaping blocks (`["default"]`, `["example.com"]`, `[provider."outlook"]`): which of
//! their settings belong on mailsim's sender, which are not modelled, and their Traffic Shaping
//! Automation rules turned into `Adaptive` rules.

use super::super::ImportError;
use super::toml::{Kind, Node, Parsed, duration, rate_text, throttle};
use super::{Collected, RETRY_KEYS, place, setting};
use crate::engine::SimDuration;

/// `key = value` of a table's plain settings (not sub-tables or automation).
pub(super) fn collect_settings(table: &Node) -> Vec<String> {
    table
        .entries()
        .iter()
        .filter(|(k, v)| k != "automation" && !matches!(v.kind, Kind::Table(_)))
        .map(|(k, v)| format!("{k} = {}", v.show()))
        .collect()
}

/// One automation rule as printed: its pattern and trigger, one (action, duration) per
/// modelled action, and notes.
pub(super) struct RuleText {
    pub origin: String,
    pub pattern: String,
    pub trigger: String,
    pub actions: Vec<(String, SimDuration)>,
    pub notes: Vec<String>,
}

/// Reads one shaping block labelled `label` (`is_default` for `["default"]`).
pub(super) fn block(
    file: &Parsed,
    label: &str,
    block: &Node,
    is_default: bool,
    found: &mut Collected,
) -> Result<(), ImportError> {
    settings(file, label, block, is_default, found);
    let Some(automation) = block.get("automation") else {
        return Ok(());
    };
    let list: Vec<&Node> = match &automation.kind {
        Kind::List(items) => items.iter().collect(),
        Kind::Table(_) => vec![automation],
        _ => Vec::new(),
    };
    for (index, rule) in list.into_iter().enumerate() {
        let rule = automation_rule(
            file,
            &format!("{label} automation rule {}", index + 1),
            rule,
        )?;
        found.rules.push(rule);
    }
    Ok(())
}

/// The block's settings: the default block's connection settings are hints for the sender,
/// everything else is named as not modelled.
fn settings(file: &Parsed, label: &str, block: &Node, is_default: bool, found: &mut Collected) {
    for (key, value) in block.entries() {
        let at = place(file, value);
        match key.as_str() {
            "automation" => {}
            k if RETRY_KEYS.contains(&k) && is_default => {}
            "connection_limit" if is_default => found.egress_hints.push(format!(
                "connection_limit = {} ({at}) is connections: (per_destination: {})",
                value.show(),
                value.show()
            )),
            "max_deliveries_per_connection" if is_default => found.egress_hints.push(format!(
                "max_deliveries_per_connection = {} ({at}) is connections: (messages_per_connection: {})",
                value.show(),
                value.show()
            )),
            "sources" => {
                for (source, settings) in value.entries() {
                    found.unmodelled.push(format!(
                        "{label} source {source:?} {{{}}} ({})",
                        collect_settings(settings).join(", "),
                        place(file, settings)
                    ));
                }
            }
            _ if is_default => {
                let text = format!("{label} {key} = {} ({at})", value.show());
                found.unmodelled.push(text);
            }
            _ => {}
        }
    }
    if !is_default {
        let settings = collect_settings(block);
        if !settings.is_empty() {
            found.unmodelled.push(format!(
                "{label} {{{}}} ({})",
                settings.join(", "),
                place(file, block)
            ));
        }
    }
}

/// One automation rule, named `name` in messages.
fn automation_rule(file: &Parsed, name: &str, rule: &Node) -> Result<RuleText, ImportError> {
    let Some(regex) = rule.get("regex") else {
        return Err(ImportError::Missing {
            file: file.name.clone(),
            message: format!("{name} has no regex"),
        });
    };
    let pattern = pattern(file, regex)?;
    let trigger = trigger(file, rule.get("trigger"))?;
    let missing = |what: &str| ImportError::Missing {
        file: file.name.clone(),
        message: format!("{name} ({}) has no {what}", place(file, regex)),
    };
    let duration_node = rule.get("duration").ok_or_else(|| missing("duration"))?;
    let duration =
        duration(duration_node).map_err(|m| setting(file, duration_node, "duration", m))?;
    let action_node = rule.get("action").ok_or_else(|| missing("action"))?;
    let actions: Vec<&Node> = match &action_node.kind {
        Kind::List(items) => items.iter().collect(),
        _ => vec![action_node],
    };
    let mut printed = Vec::new();
    let mut notes = Vec::new();
    for action in actions {
        match action_text(action) {
            Ok(Some(text)) => printed.push((text, duration)),
            Ok(None) => notes.push(format!("Not modelled: action {}.", action.show())),
            Err(message) => return Err(setting(file, action, "action", message)),
        }
    }
    if rule
        .get("match_internal")
        .is_some_and(|m| m.kind == Kind::Bool(true))
    {
        notes.push("Not modelled: match_internal = true (mailsim's receivers send no KumoMTA-internal replies).".into());
    }
    if printed.is_empty() {
        notes.push("This rule has no action mailsim models, so it is left out.".into());
    }
    Ok(RuleText {
        origin: format!("{name} ({}).", place(file, regex)),
        pattern,
        trigger,
        actions: printed,
        notes,
    })
}

/// A rule's `regex`: one pattern, or a list joined into one alternation (a threshold then
/// counts matches of any of them, as KumoMTA does).
fn pattern(file: &Parsed, regex: &Node) -> Result<String, ImportError> {
    let patterns: Vec<&str> = match &regex.kind {
        Kind::Str(s) => vec![s.as_str()],
        Kind::List(items) => items.iter().filter_map(Node::str).collect(),
        _ => Vec::new(),
    };
    match patterns.as_slice() {
        [] => Err(setting(
            file,
            regex,
            "regex",
            "expected a string or a list of strings".into(),
        )),
        [one] => Ok(one.to_string()),
        many => Ok(many
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|")),
    }
}

/// A rule's `trigger` as an `Adaptive` trigger: `Immediate` (also when absent) or
/// `{Threshold = "N/period"}`.
fn trigger(file: &Parsed, node: Option<&Node>) -> Result<String, ImportError> {
    let node = match node {
        None => return Ok("Immediate".to_string()),
        Some(node) if node.str() == Some("Immediate") => return Ok("Immediate".to_string()),
        Some(node) => node,
    };
    let bad = |message: String| setting(file, node, "trigger", message);
    let spec = node
        .get("Threshold")
        .and_then(Node::str)
        .ok_or_else(|| bad("expected \"Immediate\" or {Threshold = \"N/period\"}".into()))?;
    let (count, period) = throttle(spec).map_err(bad)?;
    let count = u32::try_from(count).map_err(|_| bad("the count is too large".into()))?;
    Ok(format!(
        "Threshold(count: {count}, period: \"{}\")",
        SimDuration::from_secs(period)
    ))
}

/// A KumoMTA action as mailsim's `Action`, `None` if mailsim does not model it.
fn action_text(action: &Node) -> Result<Option<String>, String> {
    if action.str() == Some("Suspend") {
        return Ok(Some("Suspend".into()));
    }
    if action.str().is_some() {
        return Ok(None);
    }
    let Some(set) = action.get("SetConfig") else {
        return Ok(None);
    };
    let name = set
        .get("name")
        .and_then(Node::str)
        .ok_or("SetConfig without a name")?;
    let value = set.get("value").ok_or("SetConfig without a value")?;
    match name {
        "max_message_rate" => {
            let spec = value
                .str()
                .ok_or("max_message_rate must be a string such as \"1/minute\"")?;
            let (count, period) = throttle(spec)?;
            Ok(Some(format!(
                "MaxMessageRate(\"{}\")",
                rate_text(count, period)
            )))
        }
        "connection_limit" => {
            let limit = match &value.kind {
                Kind::Int(n) => u32::try_from(*n).ok(),
                Kind::Str(s) => s.parse().ok(),
                _ => None,
            }
            .ok_or("connection_limit must be a whole number")?;
            Ok(Some(format!("ConnectionLimit({limit})")))
        }
        _ => Ok(None),
    }
}
