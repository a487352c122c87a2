//! The TOML side of the KumoMTA importer: a parsed file as owned [`Node`]s that remember the
//! line they start on, and KumoMTA's value syntaxes (durations, `ThrottleSpec` rates).

use toml_edit::{Item, Value};

use super::super::{ConfigFile, ImportError};
use crate::domain::parse_duration;
use crate::engine::SimDuration;

/// A TOML value, owned, with the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Node {
    pub kind: Kind,
    pub line: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Node>),
    Table(Vec<(String, Node)>),
    Other(String),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Table(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Table(entries) => entries,
            _ => &[],
        }
    }

    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as KumoMTA's config would show it, compactly.
    pub fn show(&self) -> String {
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
pub(super) fn duration(node: &Node) -> Result<SimDuration, String> {
    match &node.kind {
        Kind::Int(n) if *n >= 0 => Ok(SimDuration::from_secs(*n as u64)),
        Kind::Str(s) => parse_duration(s),
        _ => Err(format!("{} is not a duration", node.show())),
    }
}

/// KumoMTA's `ThrottleSpec`: `[local:]N/[M]unit[,max_burst=B]` → (count, period in seconds).
pub(super) fn throttle(text: &str) -> Result<(u64, u64), String> {
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
pub(super) fn rate_text(count: u64, period_s: u64) -> String {
    for (unit, seconds) in [("s", 1), ("min", 60), ("h", 3600), ("d", 86_400)] {
        if (count * seconds).is_multiple_of(period_s) {
            return format!("{}/{unit}", count * seconds / period_s);
        }
    }
    format!("{}/s", count as f64 / period_s as f64)
}

/// One file, parsed.
pub(super) struct Parsed {
    pub name: String,
    pub root: Node,
}

pub(super) fn parse(file: &ConfigFile) -> Result<Parsed, ImportError> {
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
