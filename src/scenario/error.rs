//! Scenario errors: where the problem is (file, line, column or field path) and how to fix it.

use std::path::PathBuf;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Everything that can be wrong with a scenario file.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("could not read scenario file {path}")]
    #[diagnostic(help("check the path; scenarios/ has examples"))]
    Read {
        /// The path given.
        path: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },

    /// The file holds binary data, not text.
    #[error("{path} is not a text file (binary data at byte {offset}); a scenario is a text file")]
    #[diagnostic(help(
        "give the path of a scenario file (.ron, .json, .toml or .yaml); scenarios/ has examples, and scenarios/README.md documents every field"
    ))]
    NotText {
        /// The file.
        path: String,
        /// The offset of the first byte that is not text.
        offset: usize,
    },

    /// The file holds nothing but blanks and comments.
    #[error("{path} is empty: it holds no scenario")]
    #[diagnostic(help(
        "a scenario names its senders and receivers, e.g. in RON (name: \"x\", senders: [...], receivers: {{...}}); copy one from scenarios/ to start"
    ))]
    Empty {
        /// The file.
        path: String,
    },

    /// The file is larger than a scenario can be (a wrong path: a log, a device).
    #[error("{path} is larger than {} MiB, the most a scenario file may be", limit >> 20)]
    #[diagnostic(help("a scenario is a few kilobytes of text: check the path"))]
    TooLarge {
        /// The path given.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },

    /// The text is not valid RON, or a value has the wrong type or unit.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(Box<SyntaxError>),

    /// The file parses, but a value is impossible or inconsistent with another one.
    #[error("{path}: {field}: {message}")]
    #[diagnostic()]
    Invalid {
        /// The file.
        path: String,
        /// The field path, e.g. `senders[0].recipients.mix`.
        field: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        hint: Option<String>,
    },
}

/// A syntax, type or unit error at a position in the file (boxed: it carries the file text).
#[derive(Debug, Error, Diagnostic)]
#[error("{path}:{line}:{column}: {message}")]
#[diagnostic()]
pub struct SyntaxError {
    /// The file.
    pub path: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// The file's text, for the underlined excerpt.
    #[source_code]
    source_code: NamedSource<String>,
    /// Where in the text.
    #[label("here")]
    span: SourceSpan,
    /// How to fix it.
    #[help]
    pub hint: Option<String>,
}

impl ScenarioError {
    /// Builds a [`ScenarioError::Syntax`] from RON's error, pointing at its position in `text`.
    pub(crate) fn from_ron(
        path: &str,
        text: &str,
        error: &ron::error::SpannedError,
    ) -> ScenarioError {
        let start = byte_offset(text, error.span.start.line, error.span.start.col);
        let end = byte_offset(text, error.span.end.line, error.span.end.col).max(start);
        let length = (end - start)
            .max(1)
            .min(text.len().saturating_sub(start).max(1));
        let message = plain_words(&error.code.to_string());
        let hint = hint_for(&message);
        ScenarioError::Syntax(Box::new(SyntaxError {
            path: path.to_string(),
            line: error.span.start.line,
            column: error.span.start.col,
            message,
            source_code: NamedSource::new(path, text.to_string()),
            span: SourceSpan::new(start.into(), length),
            hint,
        }))
    }

    /// Builds a [`ScenarioError::Syntax`] for a problem found by the JSON, TOML or YAML parser
    /// (or by the shape check before RON reads the file) at byte `start` (`length` bytes long)
    /// of `text`; the line and column are counted from it, internal type names put in the
    /// file's words.
    pub(crate) fn at_offset(
        path: &str,
        text: &str,
        start: usize,
        length: usize,
        message: String,
    ) -> ScenarioError {
        let start = floor_char_boundary(text, start.min(text.len()));
        let (line, column) = line_column(text, start);
        let length = length.max(1).min(text.len().saturating_sub(start).max(1));
        let message = plain_words(&message);
        let hint = hint_for(&message);
        ScenarioError::Syntax(Box::new(SyntaxError {
            path: path.to_string(),
            line,
            column,
            message,
            source_code: NamedSource::new(path, text.to_string()),
            span: SourceSpan::new(start.into(), length),
            hint,
        }))
    }

    /// The same error with `hint` in place of the one worked out from its message.
    pub(crate) fn with_hint(mut self, hint: &str) -> ScenarioError {
        if let ScenarioError::Syntax(error) = &mut self {
            error.hint = Some(hint.to_string());
        }
        self
    }

    /// The 1-based (line, column) of a syntax error, if it has one.
    pub fn location(&self) -> Option<(usize, usize)> {
        match self {
            ScenarioError::Syntax(error) => Some((error.line, error.column)),
            _ => None,
        }
    }
}

/// Converts RON's 1-based line and column (counted in characters) into a byte offset.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let chars = column.saturating_sub(1);
            return offset
                + line_text
                    .char_indices()
                    .nth(chars)
                    .map_or(line_text.len(), |(byte, _)| byte);
        }
        offset += line_text.len();
    }
    text.len()
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The byte offset of the 1-based `line` and `column` (in characters) of `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    byte_offset(text, line, column)
}

/// The largest character boundary at or before `offset`.
fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// RON's message with the names of mailsim's internal types (the serde mirror `RawSender`,
/// `RetrySpec`, `PostfixParams` …) replaced by the words of the scenario file, so that
/// "Unexpected field named `nme` in `RawSender`" reads "… in a sender".
fn plain_words(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`').map(|i| open + 1 + i) else {
            break;
        };
        let name = &rest[open + 1..close];
        match internal_type_words(name) {
            Some(words) => {
                let before = &rest[..open];
                let before = before
                    .strip_suffix("struct ")
                    .or_else(|| before.strip_suffix("enum "))
                    .unwrap_or(before);
                out.push_str(before);
                out.push_str(&words);
            }
            None => out.push_str(&rest[..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// How the scenario file speaks of an internal type, or `None` for any other name.
fn internal_type_words(name: &str) -> Option<String> {
    let words = match name {
        "RawScenario" | "Scenario" => "the scenario",
        "RawPolicy" => "a `policies` entry",
        "RawRun" => "`run`",
        "RawSender" => "a sender",
        "RawAuthentication" => "a sender's `authentication`",
        "RawIpPool" => "an `ips` pool",
        "RawTraffic" => "`traffic`",
        "RawStep" => "a traffic step",
        "RawRecipients" => "`recipients`",
        "RawConnections" => "`connections`",
        "RawLimit" => "a connection limit",
        "RawQueueAlert" => "`queue_alert`",
        "RawReceiver" => "a receiver",
        "RawRecipientLimits" => "`recipient_limits`",
        "RawAuthPolicy" => "a receiver's `authentication`",
        "RawProbation" => "`probation`",
        "RawIncident" => "an incident",
        "RawFix" => "an incident's fix",
        "RawAllowList" => "an incident's allow-listing",
        "RawDnsTrouble" => "a `dns_trouble` window",
        "RawBan" => "a ban",
        "RawGreylisting" => "`greylisting`",
        "RawThrottle" => "`throttle`",
        "RawOutage" => "an outage",
        "RetrySpec" => "the retry policy",
        "ServiceTime" => "a transaction time",
        "Reputation" => "a reputation class",
        "OutageKind" => "an outage kind",
        "DnsKind" => "a DNS trouble kind",
        "AuthResult" => "an authentication result",
        "Jitter" => "the jitter",
        "TransportRole" => "the Exchange role",
        "EximRules" => "Exim's rules",
        "Rule" => "an adaptive rule",
        "Trigger" => "a rule's trigger",
        "Action" => "a rule's action",
        "Feedback" => "Postfix's feedback settings",
        "Office365Params" => "`KumoMtaOffice365(...)`",
        _ => {
            let variant = name.strip_suffix("Params")?;
            return (!variant.is_empty()).then(|| format!("`{variant}(...)`"));
        }
    };
    Some(words.to_string())
}

/// A hint for RON's most common complaints, which on their own do not say what to do.
fn hint_for(message: &str) -> Option<String> {
    let hint = if message.contains("Unexpected field") || message.contains("unknown field") {
        "remove or correct the field; the valid field names are listed above"
    } else if message.contains("variant") {
        "use one of the names listed above, spelt exactly (names are case-sensitive)"
    } else if message.contains("duration") {
        "durations are strings with a unit: \"90s\", \"20m\", \"4h\", \"5d\""
    } else if message.contains("rate") {
        "rates are strings: \"600/h\", \"10/s\", \"100/min\""
    } else if message.contains("Unexpected end") || message.contains("Eof") {
        "a bracket or parenthesis is probably not closed"
    } else if message.contains("Expected comma") || message.contains("comma") {
        "separate fields and list items with commas"
    } else if message.contains("missing field") || message.contains("Unexpected missing field") {
        "add the field; see scenarios/README.md for every field and its default"
    } else {
        return None;
    };
    Some(hint.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_type_names_become_the_file_s_words() {
        assert_eq!(
            plain_words("Unexpected field named `nme` in `RawSender`, expected one of `name`"),
            "Unexpected field named `nme` in a sender, expected one of `name`"
        );
        assert_eq!(
            plain_words("Expected opening `(` for struct `RawScenario`"),
            "Expected opening `(` for the scenario"
        );
        assert_eq!(
            plain_words("Unexpected variant named `Postfx` in enum `RetrySpec`"),
            "Unexpected variant named `Postfx` in the retry policy"
        );
        assert_eq!(
            plain_words("Unexpected field named `x` in `PostfixParams`"),
            "Unexpected field named `x` in `Postfix(...)`"
        );
        assert_eq!(plain_words("odd ` quote"), "odd ` quote");
    }

    #[test]
    fn byte_offsets_follow_lines_and_characters() {
        let text = "ab\ncdé\nf";
        assert_eq!(byte_offset(text, 1, 1), 0);
        assert_eq!(byte_offset(text, 2, 1), 3);
        assert_eq!(byte_offset(text, 3, 1), 8);
        assert_eq!(byte_offset(text, 9, 1), text.len());
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 8), (3, 1));
        assert_eq!(line_column(text, 7), (2, 4));
        for (line, column) in [(1, 2), (2, 3), (3, 1)] {
            assert_eq!(
                line_column(text, offset_of(text, line, column)),
                (line, column)
            );
        }
    }
}
