//! Editing a scenario, in two ways.
//!
//! - `--set PATH=VALUE` edits the scenario's **text**: [`set_field`] follows a [`FieldPath`]
//!   such as `senders[0].connections.per_destination` or `receivers.o365.throttle.rate` through
//!   the RON text and replaces the value's text, or inserts the field into its struct when it
//!   is absent. The edited text is then parsed and validated like any file, so every check and
//!   every error message (with line, column and the text underlined) applies to the edit.
//! - A **typed** edit of a validated [`Scenario`](super::Scenario):
//!   [`Scenario::with_policy`](super::Scenario::with_policy) gives every sender another retry
//!   policy and re-resolves what depends on it, with no text and no second parse.
//!
//! Which values a sweep takes (`1..8:1`, `10m,1h`) is the sweep's business
//! (`study::sweep`); this module edits one value at a time.

mod policy;
mod ron_text;

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use ron_text::{Located, locate};

/// The form of a path, for error messages.
pub const PATH_FORM: &str = "a field path such as `senders[0].connections.per_destination`, `senders[0].ips[0].count`, `receivers.o365.throttle.rate` or `senders[0].retry.interval`";

/// A path cannot be parsed, or cannot be followed through a scenario's text. The message names
/// the path and says what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct EditError(String);

/// A field path as written, e.g. `senders[0].ips[0].count`: field names joined by `.`, each
/// optionally followed by `[index]`s. Map keys (receiver names) are written as fields. A field
/// of a list of one item may leave out the `[0]` (`senders.name` for a single sender).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    written: String,
    steps: Vec<Step>,
}

/// One step along a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
}

impl FieldPath {
    /// Parses a path; the text is taken as given (trim it first if it comes from a user).
    pub fn parse(path: &str) -> Result<FieldPath, EditError> {
        let bad = |why: &str| EditError(format!("path `{path}` {why}; write {PATH_FORM}"));
        let mut steps = Vec::new();
        if path.is_empty() {
            return Err(bad("is empty"));
        }
        for part in path.split('.') {
            let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
            if name.is_empty() {
                return Err(bad("has an empty field name"));
            }
            steps.push(Step::Field(name.to_string()));
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .filter(|_| rest.starts_with('['))
                    .ok_or_else(|| bad("has an unclosed or stray `[`"))?;
                let index = rest[1..close]
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| bad("has an index that is not a whole number"))?;
                steps.push(Step::Index(index));
                rest = &rest[close + 1..];
            }
        }
        Ok(FieldPath {
            written: path.to_string(),
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl FromStr for FieldPath {
    type Err = EditError;

    fn from_str(path: &str) -> Result<FieldPath, EditError> {
        FieldPath::parse(path)
    }
}

/// Returns `text` with the field at `path` set to `value` (RON text, e.g. `"600/h"` with its
/// quotes), or says why it cannot. A field absent from its struct is inserted; everything else
/// in the text, comments included, stays as written.
pub fn set_field(text: &str, path: &FieldPath, value: &str) -> Result<String, EditError> {
    Ok(match locate(text, path, "set").map_err(EditError)? {
        Located::Value((start, end)) => format!("{}{value}{}", &text[..start], &text[end..]),
        Located::Missing { at, name } => {
            format!("{} {name}: {value}, {}", &text[..at], &text[at..])
        }
    })
}

/// Like [`set_field`], with `value` as written on a command line: numbers, booleans, lists and
/// enum variants (`Edge`) as they are, anything else (`10m`, `600/h`) quoted.
pub fn set_value(text: &str, path: &FieldPath, value: &str) -> Result<String, EditError> {
    set_field(text, path, &crate::retry::ron_value(value))
}

/// The text of the value at `path`, as written in the file.
pub fn field_text<'a>(text: &'a str, path: &FieldPath) -> Result<&'a str, EditError> {
    match locate(text, path, "read").map_err(EditError)? {
        Located::Value((start, end)) => Ok(&text[start..end]),
        Located::Missing { name, .. } => Err(EditError(format!(
            "cannot read `{path}`: `{name}` is not written in the scenario"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"// comment (with a bracket
(
    name: "x", /* block ( */
    senders: [
        (name: "a", connections: (per_destination: 4), retry: Fixed(interval: "20m")),
        (name: "b", ips: [(count: 2)], retry: Postfix()),
    ],
    receivers: { "o365": (throttle: (rate: "600/h", burst: 5)), "r": () },
)"#;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn fields_are_replaced_or_inserted_by_path() {
        let set = |at: &str, value: &str| {
            set_field(TEXT, &path(at), value).map_err(|error| error.to_string())
        };
        assert!(
            set("senders[0].connections.per_destination", "9")
                .unwrap()
                .contains("per_destination: 9)")
        );
        assert!(
            set("senders[1].ips[0].count", "3")
                .unwrap()
                .contains("(count: 3)")
        );
        assert!(
            set("senders[1].ips.count", "3")
                .unwrap()
                .contains("(count: 3)")
        );
        assert!(
            set("senders.name", "3")
                .unwrap_err()
                .contains("list of 2 items")
        );
        assert!(
            set("receivers.o365.throttle.rate", "\"900/h\"")
                .unwrap()
                .contains("rate: \"900/h\", burst: 5")
        );
        assert!(
            set("senders[0].retry.interval", "\"5m\"")
                .unwrap()
                .contains("Fixed(interval: \"5m\")")
        );
        let inserted = set("senders[1].retry.minimal_backoff_time", "\"1m\"").unwrap();
        assert!(
            inserted.contains("Postfix( minimal_backoff_time: \"1m\", )"),
            "{inserted}"
        );
        assert_eq!(
            field_text(TEXT, &path("senders[0].retry")).unwrap(),
            "Fixed(interval: \"20m\")"
        );
        let error = set("senders[2].name", "1").unwrap_err();
        assert!(error.contains("`senders` has 2 item(s)"), "{error}");
        let error = set("receivers.r.throttle.rate", "1").unwrap_err();
        assert!(error.contains("has no `throttle`"), "{error}");
        assert!(FieldPath::parse("senders[x]").is_err());
    }

    #[test]
    fn an_edit_changes_only_the_value_it_names() {
        let edited = set_field(TEXT, &path("receivers.o365.throttle.burst"), "50").unwrap();
        assert_eq!(edited, TEXT.replace("burst: 5)", "burst: 50)"));
        // The comments, including the brackets inside them, are untouched.
        assert!(edited.starts_with("// comment (with a bracket\n"));
        assert!(edited.contains("/* block ( */"));
    }

    #[test]
    fn command_line_values_are_quoted_where_ron_needs_it() {
        let at = path("senders[0].retry.interval");
        let quoted = set_value(TEXT, &at, "5m").unwrap();
        assert_eq!(field_text(&quoted, &at).unwrap(), "\"5m\"");
        let count = path("senders[1].ips[0].count");
        let number = set_value(TEXT, &count, "7").unwrap();
        assert_eq!(field_text(&number, &count).unwrap(), "7");
    }

    #[test]
    fn malformed_paths_say_what_to_write() {
        let message = |text: &str| FieldPath::parse(text).unwrap_err().to_string();
        assert_eq!(message(""), format!("path `` is empty; write {PATH_FORM}"));
        assert_eq!(
            message("senders..name"),
            format!("path `senders..name` has an empty field name; write {PATH_FORM}")
        );
        assert_eq!(
            message("senders[0"),
            format!("path `senders[0` has an unclosed or stray `[`; write {PATH_FORM}")
        );
        assert_eq!(
            message("senders[-1]"),
            format!(
                "path `senders[-1]` has an index that is not a whole number; write {PATH_FORM}"
            )
        );
        let parsed = path("senders[0].ips[1].count");
        assert_eq!(parsed.to_string(), "senders[0].ips[1].count");
        assert_eq!(
            parsed.steps,
            [
                Step::Field("senders".into()),
                Step::Index(0),
                Step::Field("ips".into()),
                Step::Index(1),
                Step::Field("count".into()),
            ]
        );
        assert_eq!("a.b".parse::<FieldPath>(), Ok(path("a.b")));
    }

    #[test]
    fn reading_an_absent_field_names_it() {
        let error = field_text(TEXT, &path("senders[1].retry.queue_run_delay")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read `senders[1].retry.queue_run_delay`: `queue_run_delay` is not written in the scenario"
        );
        let error = field_text(TEXT, &path("senders[0].name.first")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read `senders[0].name.first`: `senders[0].name` is not a struct or map"
        );
    }
}
