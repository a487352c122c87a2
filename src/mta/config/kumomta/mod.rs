//! KumoMTA's TOML configuration read into a `KumoMta(…)` policy, or an `Adaptive(…)` policy
//! over it when the files have Traffic Shaping Automation rules.
//!
//! - **Retry** (`kumo.make_queue_config`, `docs/reference/kumo/make_queue_config/`):
//!   `retry_interval`, `max_retry_interval`, `max_age`, as the queue helper's `queues.toml`
//!   holds them under `[queue.default]` (`docs/userguide/configuration/queuemanagement.md`);
//!   also read at the top level of a file or in the shaping `["default"]` block. Durations are
//!   KumoMTA's (`"20 minutes"`, `"2 hours"`) or a number of seconds. Per-domain and
//!   per-tenant queue settings are named, not applied: mailsim has one policy per sender.
//! - **Shaping** (`shaping.toml`, `docs/reference/kumo.shaping/load.md`): later files merge
//!   over earlier ones. `["default"]` `connection_limit` and `max_deliveries_per_connection`
//!   are the sender's connection settings in mailsim and are printed as a hint; the other
//!   egress options and per-domain, per-source and per-provider blocks are named.
//! - **Automation** (`[[DOMAIN.automation]]`, `[[provider.NAME.automation]]`): each rule's
//!   `regex` (a string or a list, joined into one alternation so a threshold counts matches of
//!   any of them, as KumoMTA does), `trigger` (`"Immediate"` or `{Threshold = "N/period"}`,
//!   parsed like KumoMTA's `ThrottleSpec`: `s|sec|second`, `m|min|minute`, `h|hr|hour`,
//!   `d|day`, `_`/`,` in the number, optional `local:`) and `duration` become an [`Adaptive`
//!   rule](crate::retry::Rule) per action: `Suspend`, `SetConfig` of `max_message_rate` or
//!   `connection_limit`. Other actions (`SuspendTenant`, `Bounce`, `SetConfig` of other
//!   options, …) are named. mailsim applies every rule to every receiver of the sender; the
//!   block each came from is named in a comment.
//!
//! The TOML reading is in `toml`, the shaping blocks and their automation rules in `shaping`;
//! this file collects what every file says and prints the policy.

mod shaping;
mod toml;

use super::{ConfigFile, ImportError, Text, at, ron_string};
use crate::engine::SimDuration;
use crate::retry::KumoMtaParams;
use shaping::RuleText;
use toml::{Kind, Node, Parsed, duration, parse};

/// Where a retry setting was found.
struct Found {
    value: SimDuration,
    comment: String,
}

const RETRY_KEYS: [&str; 3] = ["retry_interval", "max_retry_interval", "max_age"];

/// Keys of the queue helper's `queues.toml` that are not queues and not about retry.
const QUEUE_HELPER_KEYS: [&str; 7] = [
    "scheduling_header",
    "tenant_header",
    "remove_tenant_header",
    "campaign_header",
    "remove_campaign_header",
    "default_tenant",
    "tenant",
];

/// Everything the files say, in the order they say it.
#[derive(Default)]
struct Collected {
    /// `retry_interval`, `max_retry_interval`, `max_age`, the last file's value winning.
    retry: [Option<Found>; 3],
    /// Settings that belong on the sender in mailsim.
    egress_hints: Vec<String>,
    /// Settings mailsim does not model.
    unmodelled: Vec<String>,
    /// Automation rules.
    rules: Vec<RuleText>,
}

/// `file:line` of a node, or the file's name.
fn place(file: &Parsed, node: &Node) -> String {
    match node.line {
        Some(line) => at(&file.name, line),
        None => file.name.clone(),
    }
}

/// A setting's value is wrong.
fn setting(file: &Parsed, node: &Node, name: &str, message: String) -> ImportError {
    ImportError::Setting {
        file: file.name.clone(),
        line: node.line.unwrap_or(0),
        name: name.to_string(),
        value: node.show(),
        message,
    }
}

/// The policy text for `files` (later files merge over earlier ones).
pub(crate) fn policy_text(files: &[ConfigFile]) -> Result<String, ImportError> {
    let parsed = files.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let mut found = Collected::default();
    for file in &parsed {
        read_retry(file, &mut found)?;
        read_queues_and_tenants(file, &mut found);
        read_shaping(file, &mut found)?;
    }
    let names = files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(render(&names, &found))
}

/// Retry settings: queues.toml `[queue.default]`, the top level, the shaping `"default"`.
fn read_retry(file: &Parsed, found: &mut Collected) -> Result<(), ImportError> {
    let places = [
        (
            file.root.get("queue").and_then(|q| q.get("default")),
            "[queue.default]",
        ),
        (Some(&file.root), "top level"),
        (
            file.root.get("default"),
            "[\"default\"] (KumoMTA reads retry settings from the queue config)",
        ),
    ];
    for (table, label) in places {
        let Some(table) = table else { continue };
        for (slot, key) in found.retry.iter_mut().zip(RETRY_KEYS) {
            if let Some(node) = table.get(key) {
                let value = duration(node).map_err(|m| setting(file, node, key, m))?;
                *slot = Some(Found {
                    value,
                    comment: format!("{} {key} = {} in {label}", place(file, node), node.show()),
                });
            }
        }
    }
    Ok(())
}

/// Per-queue and per-tenant settings: named, not applied.
fn read_queues_and_tenants(file: &Parsed, found: &mut Collected) {
    for (group, label) in [("queue", "queue"), ("tenant", "tenant")] {
        for (name, table) in file.root.get(group).map_or(&[][..], Node::entries) {
            if group == "queue" && name == "default" {
                continue;
            }
            let settings = shaping::collect_settings(table);
            if !settings.is_empty() {
                found.unmodelled.push(format!(
                    "{label} {name:?} {{{}}} ({})",
                    settings.join(", "),
                    place(file, table)
                ));
            }
        }
    }
}

/// The shaping blocks: `"default"`, per domain, per provider.
fn read_shaping(file: &Parsed, found: &mut Collected) -> Result<(), ImportError> {
    for (name, block) in file.root.entries() {
        if RETRY_KEYS.contains(&name.as_str())
            || QUEUE_HELPER_KEYS.contains(&name.as_str())
            || name == "queue"
        {
            continue;
        }
        if name == "provider" {
            for (provider, block) in block.entries() {
                let label = format!("provider {provider:?}");
                shaping::block(file, &label, block, false, found)?;
            }
            continue;
        }
        if !matches!(block.kind, Kind::Table(_)) {
            let text = format!("{name} = {} ({})", block.show(), place(file, block));
            found.unmodelled.push(text);
            continue;
        }
        let is_default = name == "default";
        let label = if is_default {
            "\"default\"".to_string()
        } else {
            format!("{name:?}")
        };
        shaping::block(file, &label, block, is_default, found)?;
    }
    Ok(())
}

/// The printed policy: `KumoMta(…)`, inside `Adaptive(…)` when there are rules.
fn render(names: &str, found: &Collected) -> String {
    let mut text = Text::default();
    text.comment(
        0,
        &format!("KumoMTA policy imported from {names} by `mailsim import kumomta`."),
    );
    let adaptive = !found.rules.is_empty();
    let base_indent = if adaptive {
        text.code(0, "Adaptive(", None);
        text.code(1, "base: KumoMta(", None);
        2
    } else {
        text.code(0, "KumoMta(", None);
        1
    };
    retry_fields(&mut text, base_indent, &found.retry);
    if adaptive {
        text.code(1, "),", None);
        text.code(1, "rules: [", None);
        for rule in &found.rules {
            rule_text(&mut text, rule);
        }
        text.code(1, "],", None);
    }
    text.list(1, "On the sender, not the policy:", &found.egress_hints);
    text.list(1, "Not modelled by mailsim:", &found.unmodelled);
    text.code(0, ")", None);
    text.render()
}

/// The three retry fields, each from the files or marked as the default.
fn retry_fields(text: &mut Text, indent: usize, retry: &[Option<Found>; 3]) {
    let defaults = KumoMtaParams::default();
    let fallback = [
        (
            format!("\"{}\"", defaults.retry_interval),
            "default (not in the files)",
        ),
        ("None".to_string(), "default: no cap (not in the files)"),
        (
            format!("\"{}\"", defaults.max_age),
            "default (not in the files)",
        ),
    ];
    for ((key, found), (value, comment)) in RETRY_KEYS.iter().zip(retry).zip(fallback) {
        match found {
            Some(found) => text.field(
                indent,
                key,
                &format!("\"{}\"", found.value),
                found.comment.clone(),
            ),
            None => text.field(indent, key, &value, comment),
        }
    }
}

/// One automation rule: a comment naming its block, an `Adaptive` rule per modelled action,
/// its notes.
fn rule_text(text: &mut Text, rule: &RuleText) {
    text.comment(2, &rule.origin);
    for (action, duration) in &rule.actions {
        text.code(2, "(", None);
        text.field(3, "pattern", &ron_string(&rule.pattern), "");
        text.field(3, "trigger", &rule.trigger, "");
        text.field(3, "action", action, "");
        text.field(3, "duration", &format!("\"{duration}\""), "");
        text.code(2, "),", None);
    }
    for note in &rule.notes {
        text.comment(2, note);
    }
}

#[cfg(test)]
mod tests;
