//! Scenario files in RON, JSON, TOML or YAML, chosen by the file's extension, and conversion
//! between them ([`convert`], behind `mailsim convert`).
//!
//! All four read into the same [`RawScenario`], so every format gets the same checks, and a
//! syntax, type or unit mistake is reported at its line and column with the text underlined,
//! whichever parser found it. The formats spell the same things their own way: an enum variant
//! with parameters is `Postfix(minimal_backoff_time: "10m")` in RON, `{"Postfix":
//! {"minimal_backoff_time": "10m"}}` in JSON, `retry.Postfix.minimal_backoff_time = "10m"` in
//! TOML and `!Postfix {minimal_backoff_time: 10m}` or `{Postfix: {...}}` in YAML; a variant
//! without parameters is just its name (`"Good"`); durations and rates are strings with units
//! in every format.

use std::fmt;
use std::path::Path;

use super::raw::{RawScenario, instant};
use super::{Scenario, ScenarioError, validate};

/// A scenario file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// RON, the original format (`.ron`, and any extension not listed below).
    Ron,
    /// JSON (`.json`).
    Json,
    /// TOML (`.toml`).
    Toml,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
}

impl Format {
    /// Every format, RON first.
    pub const ALL: [Format; 4] = [Format::Ron, Format::Json, Format::Toml, Format::Yaml];

    /// The format a file is written in, by its extension: `.json`, `.toml`, `.yaml`/`.yml`;
    /// anything else is read as RON (as scenario files always were).
    pub fn of_path(path: &Path) -> Format {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Format::Json,
            Some("toml") => Format::Toml,
            Some("yaml" | "yml") => Format::Yaml,
            _ => Format::Ron,
        }
    }

    /// The format named `name` (`ron`, `json`, `toml`, `yaml` or `yml`).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|format| format.extension() == name.to_ascii_lowercase())
            .or((name.eq_ignore_ascii_case("yml")).then_some(Format::Yaml))
    }

    /// The usual file extension (without the dot), which is also its name.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Ron => "ron",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Yaml => "yaml",
        }
    }

    /// The comment marker, for formats that have comments.
    fn comment(self) -> Option<&'static str> {
        match self {
            Format::Ron => Some("//"),
            Format::Json => None,
            Format::Toml | Format::Yaml => Some("#"),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// RON's extensions for scenario files: `Some` may be left out, and a variant holding a struct
/// is written `Variant(field: value)`.
pub(crate) fn ron_extensions() -> ron::extensions::Extensions {
    ron::extensions::Extensions::IMPLICIT_SOME
        | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
}

/// Parses scenario text written in `format`; `origin` names it in error messages.
pub(crate) fn parse_raw(
    origin: &str,
    text: &str,
    format: Format,
) -> Result<RawScenario, ScenarioError> {
    let text = super::source::without_bom(text);
    super::source::check_shape(origin, text, format)?;
    // Clock times are read against run.start, wherever it stands in the file: read the start
    // alone first, then lend it to the instant fields for the parse (raw::instant).
    if format == Format::Ron {
        let options = ron::Options::default().with_default_extension(ron_extensions());
        let start = instant::peek_start(&options, text);
        let (parsed, clock_without_start) =
            instant::with_start(start.as_ref().ok().copied().flatten(), || {
                options.from_str::<RawScenario>(text)
            });
        return parsed.map_err(|error| {
            // A clock time seemed to lack a start because the start could not be read: say why.
            let error = match &start {
                Err(unreadable) if clock_without_start => unreadable,
                _ => &error,
            };
            ScenarioError::from_ron(origin, text, error)
        });
    }
    let start = match format {
        Format::Json => serde_json::from_str::<instant::StartOnly>(text).ok(),
        Format::Toml => toml::from_str::<instant::StartOnly>(text).ok(),
        _ => serde_norway::from_str::<instant::StartOnly>(text).ok(),
    }
    .and_then(instant::StartOnly::start);
    instant::with_start(start, || parse_other(origin, text, format)).0
}

/// Parses JSON, TOML or YAML scenario text (with run.start already lent to the instants).
fn parse_other(origin: &str, text: &str, format: Format) -> Result<RawScenario, ScenarioError> {
    match format {
        Format::Ron => unreachable!("RON is parsed by parse_raw"),
        Format::Json => serde_json::from_str(text).map_err(|error| {
            // serde_json counts columns in bytes, and points just past the offending token.
            let line_start = super::error::offset_of(text, error.line().max(1), 1);
            let offset = line_start + error.column().saturating_sub(1);
            let message = without_position(&error.to_string());
            ScenarioError::at_offset(origin, text, offset, 1, message)
        }),
        Format::Toml => toml::from_str(text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_string();
            ScenarioError::at_offset(origin, text, span.start, span.len(), message)
        }),
        Format::Yaml => serde_norway::from_str(text).map_err(|error| {
            let offset = error.location().map_or(0, |location| location.index());
            let message = without_position(&error.to_string());
            ScenarioError::at_offset(origin, text, offset, 1, message)
        }),
    }
}

/// A parser's message without its own " at line L column C" (the error shows the position).
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Converts scenario text from one format to another, keeping its meaning exactly: the result
/// parses and validates to the same scenario (checked before it is returned), so a run of
/// either file gives the same results. Durations and rates keep their units; fields left at
/// their default stay out, except in blocks that are written out whole (`run`, `connections`,
/// a policy's parameters), where the defaults are spelt out. The comment lines that open a RON,
/// TOML or YAML file open the converted file too, when the target format has comments (JSON
/// has none). Fails with the same located errors as loading if the input is not a valid
/// scenario.
pub fn convert(
    origin: &str,
    text: &str,
    from: Format,
    to: Format,
) -> Result<String, ScenarioError> {
    let original = Scenario::parse_as(origin, text, from)?;
    let raw = parse_raw(origin, text, from)?;
    let body = write(&raw, to).map_err(|message| invalid(origin, message))?;
    let mut out = String::new();
    if let (Some(from_marker), Some(to_marker)) = (from.comment(), to.comment()) {
        for line in text.lines() {
            let Some(comment) = line.trim_start().strip_prefix(from_marker) else {
                break;
            };
            out.push_str(to_marker);
            out.push_str(comment);
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
    }
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let converted = Scenario::parse_as(origin, &out, to).map_err(|error| {
        invalid(
            origin,
            format!("the {to} text does not read back: {error}; please report this"),
        )
    })?;
    if format!("{converted:?}") != format!("{original:?}") {
        return Err(invalid(
            origin,
            format!("the {to} text would describe a different scenario; please report this"),
        ));
    }
    Ok(out)
}

/// The scenario as text in `format`.
fn write(raw: &RawScenario, format: Format) -> Result<String, String> {
    match format {
        Format::Ron => {
            let config = ron::ser::PrettyConfig::new()
                .extensions(ron_extensions())
                .struct_names(false);
            ron::Options::default()
                .with_default_extension(ron_extensions())
                .to_string_pretty(raw, config)
                .map_err(|error| error.to_string())
        }
        Format::Json => serde_json::to_string_pretty(raw).map_err(|error| error.to_string()),
        Format::Toml => toml::to_string_pretty(raw).map_err(|error| error.to_string()),
        Format::Yaml => serde_norway::to_string(raw).map_err(|error| error.to_string()),
    }
}

fn invalid(origin: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        path: origin.to_string(),
        field: "(whole file)".to_string(),
        message,
        hint: None,
    }
}

impl Scenario {
    /// Parses and validates scenario text written in `format`; `origin` names it in error
    /// messages.
    pub fn parse_as(origin: &str, text: &str, format: Format) -> Result<Scenario, ScenarioError> {
        validate::validate(origin, parse_raw(origin, text, format)?)
    }
}
