//! MTA configuration files read into the scenario text of a retry policy, as `mailsim import`
//! prints it: `Postfix(minimal_backoff_time: "600s", …)` with every value taken from the file
//! (and the file line it came from) and every default marked as such, plus comments naming the
//! file's settings that mailsim does not model.
//!
//! One reader per format: [`postfix`] (`postconf -n` output or a `main.cf`), [`exim`] (an Exim
//! configuration: its `begin retry` section and the retry-related main and transport options)
//! and [`kumomta`] (`shaping.toml` and the queue helper's `queues.toml`). The printed text is
//! checked before it is returned: it parses as a [`RetrySpec`] and passes
//! [`RetrySpec::validate`].

pub mod exim;
pub mod kumomta;
pub mod postfix;

use std::fmt;
use std::str::FromStr;

use crate::retry::RetrySpec;

/// A configuration format `mailsim import` reads (written `Postfix`, `Exim` or `KumoMta` in a
/// scenario's `Import(…)`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum ConfigFormat {
    /// `postconf -n` output or a `main.cf`.
    Postfix,
    /// An Exim configuration file.
    Exim,
    /// KumoMTA `shaping.toml` and/or `queues.toml`.
    KumoMta,
}

impl ConfigFormat {
    /// Every format, in the order the command line lists them.
    pub const ALL: [ConfigFormat; 3] = [
        ConfigFormat::Postfix,
        ConfigFormat::Exim,
        ConfigFormat::KumoMta,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ConfigFormat::Postfix => "postfix",
            ConfigFormat::Exim => "exim",
            ConfigFormat::KumoMta => "kumomta",
        }
    }
}

impl fmt::Display for ConfigFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ConfigFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<ConfigFormat, String> {
        ConfigFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown configuration format `{text}`: choose postfix, exim or kumomta")
            })
    }
}

/// One configuration file: its name (for messages and comments) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    /// The name shown in comments and errors, e.g. `main.cf`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// An imported policy: the text to print and the policy it parses to.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The scenario text of the policy, with comments.
    pub text: String,
    /// What the text parses to.
    pub spec: RetrySpec,
}

/// Why a configuration could not be imported.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    /// A setting's value is not what the MTA accepts either.
    #[error("{file}:{line}: `{name} = {value}`: {message}")]
    Setting {
        /// The file.
        file: String,
        /// The line (1-based).
        line: usize,
        /// The setting.
        name: String,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// The file does not parse at all.
    #[error("{file}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The file parses but gives mailsim nothing to build the policy from.
    #[error("{file}: {message}")]
    Missing {
        /// The file.
        file: String,
        /// What is missing.
        message: String,
    },
    /// The values are each valid but mailsim's policy rejects them together.
    #[error("the imported policy is not valid: `{field}`: {message} ({hint})")]
    Policy {
        /// The policy parameter.
        field: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        hint: String,
    },
    /// The printed text did not parse back (a bug in the importer).
    #[error("internal error: the imported policy text does not parse: {0}")]
    Unparsable(String),
    /// No file was given.
    #[error("no configuration file was given")]
    NoFile,
}

/// Reads `files` (later files override earlier ones where the format merges them) into the
/// scenario text of a policy.
pub fn import(format: ConfigFormat, files: &[ConfigFile]) -> Result<Imported, ImportError> {
    if files.is_empty() {
        return Err(ImportError::NoFile);
    }
    let text = match format {
        ConfigFormat::Postfix => postfix::policy_text(files)?,
        ConfigFormat::Exim => exim::policy_text(files)?,
        ConfigFormat::KumoMta => kumomta::policy_text(files)?,
    };
    finish(text)
}

/// Parses the printed text back as the scenario loader would (RON with implicit `Some` and
/// unwrapped newtype variants) and validates it.
pub fn parse_policy(text: &str) -> Result<RetrySpec, String> {
    ron::Options::default()
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME
                | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        )
        .from_str(text)
        .map_err(|error| error.to_string())
}

fn finish(text: String) -> Result<Imported, ImportError> {
    let spec = parse_policy(&text).map_err(ImportError::Unparsable)?;
    spec.validate().map_err(|problem| ImportError::Policy {
        field: problem.field.to_string(),
        message: problem.message,
        hint: problem.hint,
    })?;
    Ok(Imported { text, spec })
}

/// A RON string literal.
pub(crate) fn ron_string(text: &str) -> String {
    ron::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// Builds the printed text: lines of RON, each with an optional comment, comments aligned
/// within a block, long comments wrapped.
#[derive(Debug, Default)]
pub(crate) struct Text {
    lines: Vec<(String, Option<String>)>,
}

/// Width comments are wrapped at.
const WIDTH: usize = 100;

impl Text {
    /// A line of code with a comment after it.
    pub fn code(&mut self, indent: usize, code: &str, comment: Option<String>) {
        self.lines
            .push((format!("{}{code}", "    ".repeat(indent)), comment));
    }

    /// `name: value,` with a comment (none if it is empty).
    pub fn field(&mut self, indent: usize, name: &str, value: &str, comment: impl Into<String>) {
        let comment: String = comment.into();
        let comment = (!comment.is_empty()).then_some(comment);
        self.code(indent, &format!("{name}: {value},"), comment);
    }

    /// A comment on lines of its own, wrapped.
    pub fn comment(&mut self, indent: usize, text: &str) {
        let pad = "    ".repeat(indent);
        let mut line = String::new();
        for word in text.split(' ') {
            if !line.is_empty() && pad.len() + 3 + line.len() + 1 + word.len() > WIDTH {
                self.lines.push((format!("{pad}// {line}"), None));
                line = String::new();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        self.lines.push((format!("{pad}// {line}"), None));
    }

    /// A comment: `lead`, then one item per line.
    pub fn list(&mut self, indent: usize, lead: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.comment(indent, lead);
        let pad = "    ".repeat(indent);
        for item in items {
            self.lines.push((format!("{pad}//   {item}"), None));
        }
    }

    /// A comment: `lead` and the names after it, wrapped.
    pub fn names(&mut self, indent: usize, lead: &str, names: &[String]) {
        if !names.is_empty() {
            self.comment(indent, &format!("{lead} {}.", names.join(", ")));
        }
    }

    /// The text, comments after code aligned to the longest code line that has one.
    pub fn render(&self) -> String {
        let column = self
            .lines
            .iter()
            .filter(|(_, comment)| comment.is_some())
            .map(|(code, _)| code.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (code, comment) in &self.lines {
            out.push_str(code);
            if let Some(comment) = comment {
                let pad = column - code.chars().count();
                out.push_str(&" ".repeat(pad + 1));
                out.push_str("// ");
                out.push_str(comment);
            }
            out.push('\n');
        }
        out
    }
}

/// `file:line` for comments.
pub(crate) fn at(file: &str, line: usize) -> String {
    format!("{file}:{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_align_and_wrap() {
        let mut text = Text::default();
        text.code(0, "Fixed(", None);
        text.field(1, "interval", "\"20m\"", "main.cf:3");
        text.field(1, "lifetime", "\"5d\"", "default");
        text.comment(1, &"word ".repeat(30));
        text.code(0, ")", None);
        let rendered = text.render();
        assert!(rendered.starts_with(
            "Fixed(\n    interval: \"20m\", // main.cf:3\n    lifetime: \"5d\",  // default\n    // word"
        ), "{rendered}");
        assert!(rendered.lines().all(|l| l.len() <= WIDTH), "{rendered}");
        let spec = parse_policy(&rendered).unwrap();
        assert!(matches!(spec, RetrySpec::Fixed { .. }), "{spec:?}");
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!("KumoMTA".parse::<ConfigFormat>(), Ok(ConfigFormat::KumoMta));
        assert!("sendmail".parse::<ConfigFormat>().is_err());
    }
}
