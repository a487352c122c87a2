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

use toml_edit::{Item, Value};

use super::{ConfigFile, ImportError, Text, at, ron_string};
use crate::domain::parse_duration;
use crate::engine::SimDuration;
use crate::retry::KumoMtaParams;

/// A TOML value, owned, with the line it starts on.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    kind: Kind,
    line: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Node>),
    Table(Vec<(String, Node)>),
    Other(String),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Table(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Table(entries) => entries,
            _ => &[],
        }
    }

    fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as KumoMTA's config would show it, compactly.
    fn show(&self) -> String {
        match &self.kind {
            Kind::Str(s) => format!("{s:?}"),
            Kind::Int(n) => n.to_string(),
            Kind::Bool(b) => b.to_string(),
            Kind::Other(text) => text.clone(),
            Kind::List(items) => format!(
                "[{}]",
                items.iter().map(Node::show).collect::<Vec<_>>().join(", ")
            ),
            Kind::Table(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.show()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Converts a parsed TOML item, finding lines from byte spans in `text`.
struct Reader<'a> {
    text: &'a str,
}

impl Reader<'_> {
    fn line(&self, span: Option<std::ops::Range<usize>>) -> Option<usize> {
        span.map(|s| {
            self.text[..s.start.min(self.text.len())]
                .matches('\n')
                .count()
                + 1
        })
    }

    fn item(&self, item: &Item) -> Option<Node> {
        match item {
            Item::None => None,
            Item::Value(value) => Some(self.value(value)),
            Item::Table(table) => Some(Node {
                line: self.line(table.span()),
                kind: Kind::Table(
                    table
                        .iter()
                        .filter_map(|(k, v)| Some((k.to_string(), self.item(v)?)))
                        .collect(),
                ),
            }),
            Item::ArrayOfTables(tables) => Some(Node {
                line: None,
                kind: Kind::List(
                    tables
                        .iter()
                        .map(|table| self.item(&Item::Table(table.clone())))
                        .collect::<Option<Vec<_>>>()?,
                ),
            }),
        }
    }

    fn value(&self, value: &Value) -> Node {
        let line = self.line(value.span());
        let kind = if let Some(s) = value.as_str() {
            Kind::Str(s.to_string())
        } else if let Some(n) = value.as_integer() {
            Kind::Int(n)
        } else if let Some(b) = value.as_bool() {
            Kind::Bool(b)
        } else if let Some(array) = value.as_array() {
            Kind::List(array.iter().map(|v| self.value(v)).collect())
        } else if let Some(table) = value.as_inline_table() {
            Kind::Table(
                table
                    .iter()
                    .map(|(k, v)| (k.to_string(), self.value(v)))
                    .collect(),
            )
        } else if let Some(float) = value.as_float() {
            Kind::Other(float.to_string())
        } else if let Value::Datetime(datetime) = value {
            Kind::Other(datetime.value().to_string())
        } else {
            Kind::Other("(a value)".to_string())
        };
        Node { kind, line }
    }
}

/// A KumoMTA duration: a string such as `"20 minutes"` or `"90m"`, or a number of seconds.
fn duration(node: &Node) -> Result<SimDuration, String> {
    match &node.kind {
        Kind::Int(n) if *n >= 0 => Ok(SimDuration::from_secs(*n as u64)),
        Kind::Str(s) => parse_duration(s),
        _ => Err(format!("{} is not a duration", node.show())),
    }
}

/// KumoMTA's `ThrottleSpec`: `[local:]N/[M]unit[,max_burst=B]` → (count, period in seconds).
fn throttle(text: &str) -> Result<(u64, u64), String> {
    let bad = |why: &str| {
        format!("`{text}` is not a KumoMTA rate ({why}); write e.g. \"5/hr\" or \"100/min\"")
    };
    let spec = text.strip_prefix("local:").unwrap_or(text);
    let spec = spec.split(",max_burst=").next().unwrap_or(spec);
    let (count, period) = spec.split_once('/').ok_or_else(|| bad("no `/`"))?;
    let count: u64 = count
        .chars()
        .filter(|c| !matches!(c, '_' | ','))
        .collect::<String>()
        .parse()
        .map_err(|_| bad("the count is not a whole number"))?;
    if count == 0 {
        return Err(bad("the count must be above 0"));
    }
    let digits: String = period.chars().take_while(char::is_ascii_digit).collect();
    let multiplier: u64 = if digits.is_empty() {
        1
    } else {
        digits.parse().map_err(|_| bad("bad multiplier"))?
    };
    let unit = match &period[digits.len()..] {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hr" | "hour" => 3600,
        "d" | "day" => 86_400,
        _ => return Err(bad("unknown period unit")),
    };
    Ok((count, multiplier * unit))
}

/// A rate as mailsim's `Rate` reads it, in the smallest unit that keeps the count whole.
fn rate_text(count: u64, period_s: u64) -> String {
    for (unit, seconds) in [("s", 1), ("min", 60), ("h", 3600), ("d", 86_400)] {
        if (count * seconds).is_multiple_of(period_s) {
            return format!("{}/{unit}", count * seconds / period_s);
        }
    }
    format!("{}/s", count as f64 / period_s as f64)
}

/// One file, parsed.
struct Parsed {
    name: String,
    root: Node,
}

fn parse(file: &ConfigFile) -> Result<Parsed, ImportError> {
    let document =
        toml_edit::Document::parse(file.text.as_str()).map_err(|error| ImportError::Syntax {
            file: file.name.clone(),
            message: format!("not TOML: {}", error.to_string().trim()),
        })?;
    let reader = Reader { text: &file.text };
    let root = reader.item(document.as_item()).unwrap_or(Node {
        kind: Kind::Table(Vec::new()),
        line: None,
    });
    Ok(Parsed {
        name: file.name.clone(),
        root,
    })
}

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

/// The policy text for `files` (later files merge over earlier ones).
pub(crate) fn policy_text(files: &[ConfigFile]) -> Result<String, ImportError> {
    let parsed = files.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let setting = |file: &Parsed, node: &Node, name: &str, message: String| ImportError::Setting {
        file: file.name.clone(),
        line: node.line.unwrap_or(0),
        name: name.to_string(),
        value: node.show(),
        message,
    };
    let place = |file: &Parsed, node: &Node| match node.line {
        Some(line) => at(&file.name, line),
        None => file.name.clone(),
    };

    let mut retry: [Option<Found>; 3] = [None, None, None];
    let mut egress_hints: Vec<String> = Vec::new();
    let mut unmodelled: Vec<String> = Vec::new();
    let mut rules: Vec<RuleText> = Vec::new();
    for file in &parsed {
        // Retry settings: queues.toml [queue.default], the top level, the shaping "default".
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
            for (slot, key) in retry.iter_mut().zip(RETRY_KEYS) {
                if let Some(node) = table.get(key) {
                    let value = duration(node).map_err(|m| setting(file, node, key, m))?;
                    *slot = Some(Found {
                        value,
                        comment: format!(
                            "{} {key} = {} in {label}",
                            place(file, node),
                            node.show()
                        ),
                    });
                }
            }
        }
        // Per-queue and per-tenant settings.
        for (group, label) in [("queue", "queue"), ("tenant", "tenant")] {
            for (name, table) in file.root.get(group).map_or(&[][..], Node::entries) {
                if group == "queue" && name == "default" {
                    continue;
                }
                let settings = collect_settings(table);
                if !settings.is_empty() {
                    unmodelled.push(format!(
                        "{label} {name:?} {{{}}} ({})",
                        settings.join(", "),
                        place(file, table)
                    ));
                }
            }
        }
        // Shaping blocks.
        for (name, block) in file.root.entries() {
            if RETRY_KEYS.contains(&name.as_str())
                || QUEUE_HELPER_KEYS.contains(&name.as_str())
                || name == "queue"
            {
                continue;
            }
            if name == "provider" {
                for (provider, block) in block.entries() {
                    shaping_block(
                        file,
                        &format!("provider {provider:?}"),
                        block,
                        false,
                        &mut egress_hints,
                        &mut unmodelled,
                        &mut rules,
                    )?;
                }
                continue;
            }
            if !matches!(block.kind, Kind::Table(_)) {
                unmodelled.push(format!(
                    "{name} = {} ({})",
                    block.show(),
                    place(file, block)
                ));
                continue;
            }
            let is_default = name == "default";
            let label = if is_default {
                "\"default\"".to_string()
            } else {
                format!("{name:?}")
            };
            shaping_block(
                file,
                &label,
                block,
                is_default,
                &mut egress_hints,
                &mut unmodelled,
                &mut rules,
            )?;
        }
    }

    let names = files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let defaults = KumoMtaParams::default();
    let mut text = Text::default();
    text.comment(
        0,
        &format!("KumoMTA policy imported from {names} by `mailsim import kumomta`."),
    );
    let adaptive = !rules.is_empty();
    let base_indent = if adaptive {
        text.code(0, "Adaptive(", None);
        text.code(1, "base: KumoMta(", None);
        2
    } else {
        text.code(0, "KumoMta(", None);
        1
    };
    let [interval, max_interval, max_age] = &retry;
    match interval {
        Some(found) => text.field(
            base_indent,
            "retry_interval",
            &format!("\"{}\"", found.value),
            found.comment.clone(),
        ),
        None => text.field(
            base_indent,
            "retry_interval",
            &format!("\"{}\"", defaults.retry_interval),
            "default (not in the files)",
        ),
    }
    match max_interval {
        Some(found) => text.field(
            base_indent,
            "max_retry_interval",
            &format!("\"{}\"", found.value),
            found.comment.clone(),
        ),
        None => text.field(
            base_indent,
            "max_retry_interval",
            "None",
            "default: no cap (not in the files)",
        ),
    }
    match max_age {
        Some(found) => text.field(
            base_indent,
            "max_age",
            &format!("\"{}\"", found.value),
            found.comment.clone(),
        ),
        None => text.field(
            base_indent,
            "max_age",
            &format!("\"{}\"", defaults.max_age),
            "default (not in the files)",
        ),
    }
    if adaptive {
        text.code(1, "),", None);
        text.code(1, "rules: [", None);
        for rule in &rules {
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
        text.code(1, "],", None);
    }
    text.list(1, "On the sender, not the policy:", &egress_hints);
    text.list(1, "Not modelled by mailsim:", &unmodelled);
    text.code(0, ")", None);
    Ok(text.render())
}

/// `key = value` of a table's plain settings (not sub-tables or automation).
fn collect_settings(table: &Node) -> Vec<String> {
    table
        .entries()
        .iter()
        .filter(|(k, v)| k != "automation" && !matches!(v.kind, Kind::Table(_)))
        .map(|(k, v)| format!("{k} = {}", v.show()))
        .collect()
}

/// One automation rule as printed: its pattern and trigger, one (action, duration) per
/// modelled action, and notes.
struct RuleText {
    origin: String,
    pattern: String,
    trigger: String,
    actions: Vec<(String, SimDuration)>,
    notes: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn shaping_block(
    file: &Parsed,
    label: &str,
    block: &Node,
    is_default: bool,
    egress_hints: &mut Vec<String>,
    unmodelled: &mut Vec<String>,
    rules: &mut Vec<RuleText>,
) -> Result<(), ImportError> {
    let place = |node: &Node| match node.line {
        Some(line) => at(&file.name, line),
        None => file.name.clone(),
    };
    for (key, value) in block.entries() {
        match key.as_str() {
            "automation" => {}
            k if RETRY_KEYS.contains(&k) && is_default => {}
            "connection_limit" if is_default => egress_hints.push(format!(
                "connection_limit = {} ({}) is connections: (per_destination: {})",
                value.show(),
                place(value),
                value.show()
            )),
            "max_deliveries_per_connection" if is_default => egress_hints.push(format!(
                "max_deliveries_per_connection = {} ({}) is connections: (messages_per_connection: {})",
                value.show(),
                place(value),
                value.show()
            )),
            "sources" => {
                for (source, settings) in value.entries() {
                    unmodelled.push(format!(
                        "{label} source {source:?} {{{}}} ({})",
                        collect_settings(settings).join(", "),
                        place(settings)
                    ));
                }
            }
            _ if is_default => unmodelled.push(format!("{label} {key} = {} ({})", value.show(), place(value))),
            _ => {}
        }
    }
    if !is_default {
        let settings = collect_settings(block);
        if !settings.is_empty() {
            unmodelled.push(format!(
                "{label} {{{}}} ({})",
                settings.join(", "),
                place(block)
            ));
        }
    }
    let Some(automation) = block.get("automation") else {
        return Ok(());
    };
    let list: Vec<&Node> = match &automation.kind {
        Kind::List(items) => items.iter().collect(),
        Kind::Table(_) => vec![automation],
        _ => Vec::new(),
    };
    for (index, rule) in list.into_iter().enumerate() {
        let setting = |node: &Node, name: &str, message: String| ImportError::Setting {
            file: file.name.clone(),
            line: node.line.unwrap_or(0),
            name: name.to_string(),
            value: node.show(),
            message,
        };
        let Some(regex) = rule.get("regex") else {
            return Err(ImportError::Missing {
                file: file.name.clone(),
                message: format!("{label} automation rule {} has no regex", index + 1),
            });
        };
        let patterns: Vec<&str> = match &regex.kind {
            Kind::Str(s) => vec![s.as_str()],
            Kind::List(items) => items.iter().filter_map(Node::str).collect(),
            _ => Vec::new(),
        };
        if patterns.is_empty() {
            return Err(setting(
                regex,
                "regex",
                "expected a string or a list of strings".into(),
            ));
        }
        let pattern = if patterns.len() == 1 {
            patterns[0].to_string()
        } else {
            patterns
                .iter()
                .map(|p| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|")
        };
        let trigger = match rule.get("trigger") {
            None => "Immediate".to_string(),
            Some(node) if node.str() == Some("Immediate") => "Immediate".to_string(),
            Some(node) => {
                let spec = node.get("Threshold").and_then(Node::str).ok_or_else(|| {
                    setting(
                        node,
                        "trigger",
                        "expected \"Immediate\" or {Threshold = \"N/period\"}".into(),
                    )
                })?;
                let (count, period) = throttle(spec).map_err(|m| setting(node, "trigger", m))?;
                let count = u32::try_from(count)
                    .map_err(|_| setting(node, "trigger", "the count is too large".into()))?;
                format!(
                    "Threshold(count: {count}, period: \"{}\")",
                    SimDuration::from_secs(period)
                )
            }
        };
        let duration_node = rule.get("duration").ok_or_else(|| ImportError::Missing {
            file: file.name.clone(),
            message: format!(
                "{label} automation rule {} ({}) has no duration",
                index + 1,
                place(regex)
            ),
        })?;
        let duration =
            duration(duration_node).map_err(|m| setting(duration_node, "duration", m))?;
        let action_node = rule.get("action").ok_or_else(|| ImportError::Missing {
            file: file.name.clone(),
            message: format!(
                "{label} automation rule {} ({}) has no action",
                index + 1,
                place(regex)
            ),
        })?;
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
                Err(message) => return Err(setting(action, "action", message)),
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
        rules.push(RuleText {
            origin: format!("{label} automation rule {} ({}).", index + 1, place(regex)),
            pattern,
            trigger,
            actions: printed,
            notes,
        });
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::super::{ConfigFormat, import};
    use super::*;
    use crate::domain::Rate;
    use crate::retry::{Action, AdaptiveParams, RetrySpec, Rule, Trigger};

    fn files(list: &[(&str, &str)]) -> Vec<ConfigFile> {
        list.iter()
            .map(|(name, text)| ConfigFile {
                name: name.to_string(),
                text: text.to_string(),
            })
            .collect()
    }

    #[test]
    fn throttles_parse_like_kumomta() {
        assert_eq!(throttle("5/hr"), Ok((5, 3600)));
        assert_eq!(throttle("local:1,000/h"), Ok((1000, 3600)));
        assert_eq!(throttle("1/minute"), Ok((1, 60)));
        assert_eq!(throttle("10/5min,max_burst=3"), Ok((10, 300)));
        assert!(throttle("0/h").is_err());
        assert!(throttle("5 per hour").is_err());
        assert!(throttle("5/week").is_err());
        assert_eq!(rate_text(1, 60), "1/min");
        assert_eq!(rate_text(10_000, 3600), "10000/h");
        assert_eq!(rate_text(10, 300), "2/min");
        assert_eq!(rate_text(7, 86_400), "7/d");
    }

    #[test]
    fn queues_toml_alone_gives_kumomta_retry() {
        let queues = "\
scheduling_header = \"X-Schedule\"
[queue.default]
retry_interval = '10 minutes'
max_retry_interval = 3600
max_age = '24 hours'

[queue.'gmail.com']
max_age = '22 hours'
retry_interval = '17 mins'
";
        let imported = import(ConfigFormat::KumoMta, &files(&[("queues.toml", queues)])).unwrap();
        assert_eq!(
            imported.spec,
            RetrySpec::KumoMta(KumoMtaParams {
                retry_interval: SimDuration::from_mins(10),
                max_retry_interval: Some(SimDuration::from_hours(1)),
                max_age: SimDuration::from_hours(24),
            })
        );
        let t = &imported.text;
        for expected in [
            "    retry_interval: \"10m\",",
            "// queues.toml:3 retry_interval = \"10 minutes\" in [queue.default]",
            "// queues.toml:4 max_retry_interval = 3600 in [queue.default]",
            "    // Not modelled by mailsim:\n    //   queue \"gmail.com\" {max_age = \"22 hours\", retry_interval = \"17 mins\"} (queues.toml:7)\n)\n",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
    }

    #[test]
    fn shaping_automation_becomes_adaptive_rules() {
        let shaping = r#"
["default"]
connection_limit = 10
max_message_rate = "100/s"
max_deliveries_per_connection = 100

[["default".automation]]
regex = [ 'Messages from \d+\.\d+\.\d+\.\d+ temporarily deferred', 'Server busy\. Please try again later from' ]
action = [ {SetConfig = {name = "max_message_rate", value = "1/minute"}}, {SetConfig = {name = "connection_limit", value = 1}} ]
duration = "90m"

["example.com".sources."ip-1"]
connection_limit = 5

[provider."outlook"]
match = [{MXSuffix = ".olc.protection.outlook.com"}]
provider_connection_limit = 5

[[provider."outlook".automation]]
regex = "Server busy. Please try again later"
action = "Suspend"
trigger = {Threshold = "5/hr"}
duration = "30m"

[[provider."outlook".automation]]
regex = "Access denied"
action = "SuspendTenant"
duration = "1 hour"
"#;
        let imported = import(ConfigFormat::KumoMta, &files(&[("shaping.toml", shaping)])).unwrap();
        let hour = SimDuration::from_hours(1);
        let rule = |pattern: &str, trigger, action, duration| Rule {
            code: None,
            pattern: Some(pattern.to_string()),
            trigger,
            action,
            duration,
        };
        let both = r"(?:Messages from \d+\.\d+\.\d+\.\d+ temporarily deferred)|(?:Server busy\. Please try again later from)";
        assert_eq!(
            imported.spec,
            RetrySpec::Adaptive(AdaptiveParams {
                base: Box::new(RetrySpec::KumoMta(KumoMtaParams::default())),
                rules: vec![
                    rule(
                        both,
                        Trigger::Immediate,
                        Action::MaxMessageRate(Rate::per_second(1.0 / 60.0)),
                        SimDuration::from_mins(90)
                    ),
                    rule(
                        both,
                        Trigger::Immediate,
                        Action::ConnectionLimit(1),
                        SimDuration::from_mins(90)
                    ),
                    rule(
                        "Server busy. Please try again later",
                        Trigger::Threshold {
                            count: 5,
                            period: hour
                        },
                        Action::Suspend,
                        SimDuration::from_mins(30)
                    ),
                ],
            })
        );
        let t = &imported.text;
        for expected in [
            "        // \"default\" automation rule 1 (shaping.toml:8).",
            "            trigger: Threshold(count: 5, period: \"1h\"),",
            "        // Not modelled: action \"SuspendTenant\".",
            "        // This rule has no action mailsim models, so it is left out.",
            "    //   connection_limit = 10 (shaping.toml:3) is connections: (per_destination: 10)\n",
            "    //   \"default\" max_message_rate = \"100/s\" (shaping.toml:4)\n",
            "    //   \"example.com\" source \"ip-1\" {connection_limit = 5} (shaping.toml:12)\n",
            "    //   provider \"outlook\" {match = [{MXSuffix = \".olc.protection.outlook.com\"}], provider_connection_limit = 5} (shaping.toml:15)\n",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
    }

    #[test]
    fn broken_files_are_errors_with_their_place() {
        let error = import(ConfigFormat::KumoMta, &files(&[("s.toml", "[default\n")])).unwrap_err();
        assert!(matches!(error, ImportError::Syntax { .. }), "{error}");
        let bad = "[[\"default\".automation]]\nregex = \"x\"\naction = \"Suspend\"\ntrigger = {Threshold = \"5 per hour\"}\nduration = \"1h\"\n";
        let error = import(ConfigFormat::KumoMta, &files(&[("s.toml", bad)])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("s.toml:4: `trigger = {Threshold = \"5 per hour\"}`"),
            "{error}"
        );
        let bad = "[queue.default]\nmax_age = \"soon\"\n";
        let error = import(ConfigFormat::KumoMta, &files(&[("q.toml", bad)])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("q.toml:2: `max_age = \"soon\"`"),
            "{error}"
        );
    }
}
