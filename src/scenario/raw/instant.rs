//! Instants in a scenario file: an offset from the start (`"2h"`) or, when the run has a
//! `run.start`, a clock time (`"09:00"`, `"2026-12-01 08:30"`), both read as the offset from
//! the start while the file is parsed, so a bad or too early clock time is reported at its own
//! line and column.
//!
//! The start is known before the rest of the file is read (`peek_start` reads only
//! `run.start`), and lent to the instant fields for the duration of one parse
//! (`with_start`); serde offers no other way to pass context to a field's deserializer.

use std::cell::Cell;

use serde::{Deserialize, Deserializer, de};

use crate::domain::{Clock, parse_duration};
use crate::engine::SimDuration;

/// The run's start while a scenario is parsed on this thread, and whether a clock time was met
/// without one.
struct ParseContext {
    start: Cell<Option<Clock>>,
    clock_without_start: Cell<bool>,
}

thread_local! {
    static CONTEXT: ParseContext = const {
        ParseContext {
            start: Cell::new(None),
            clock_without_start: Cell::new(false),
        }
    };
}

/// Runs `parse` with `start` as the start clock times are read against; returns its result and
/// whether it met a clock time without a start.
pub(crate) fn with_start<T>(start: Option<Clock>, parse: impl FnOnce() -> T) -> (T, bool) {
    /// Clears the context again, even if `parse` unwinds.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CONTEXT.with(|c| {
                c.start.set(None);
                c.clock_without_start.set(false);
            });
        }
    }
    CONTEXT.with(|c| {
        c.start.set(start);
        c.clock_without_start.set(false);
    });
    let _reset = Reset;
    let result = parse();
    let missed = CONTEXT.with(|c| c.clock_without_start.get());
    (result, missed)
}

/// The offset from the start that `text` stands for: a duration, or a clock time against the
/// start in force.
pub fn resolve(text: &str) -> Result<SimDuration, String> {
    if !Clock::is_clock_text(text) {
        return parse_duration(text);
    }
    match CONTEXT.with(|c| c.start.get()) {
        Some(clock) => clock.offset_of(text),
        None => {
            CONTEXT.with(|c| c.clock_without_start.set(true));
            Err(format!(
                "`{}` is a clock time, but the run has no start: add run: (start: \"2026-11-30T09:00:00+01:00\"), or write an offset from the start such as \"2h\"",
                text.trim()
            ))
        }
    }
}

/// The JSON Schema of an instant: a duration from the start (`"2h"`) or a clock time
/// (`"09:00"`, `"2026-12-01 08:30"`, RFC 3339), for the fields read with [`at`] and
/// [`optional_at`].
pub fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "description": "An instant: an offset from the start of the run (\"2h\", \"90m\") or, when run.start is given, a clock time (\"09:00\", \"2026-12-01 08:30\", RFC 3339).",
        "anyOf": [
            {"pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*[a-zA-Z\u{b5}]+\\s*)+$"},
            {"pattern": "^\\s*(\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|z|[+-]\\d{2}:\\d{2})?)?|\\d{1,2}:\\d{2}(:\\d{2})?)\\s*$"}
        ]
    })
}

/// Deserializes an instant (see the module docs).
pub fn at<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SimDuration, D::Error> {
    let text = String::deserialize(deserializer)?;
    resolve(&text).map_err(de::Error::custom)
}

/// Deserializes an optional instant.
pub fn optional_at<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SimDuration>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| resolve(&text).map_err(de::Error::custom))
        .transpose()
}

/// Only `run.start` of a scenario file; every other field is skipped unread.
#[derive(Deserialize)]
pub(crate) struct StartOnly {
    #[serde(default)]
    run: RunStartOnly,
}

#[derive(Default, Deserialize)]
struct RunStartOnly {
    #[serde(default)]
    start: Option<Clock>,
}

impl StartOnly {
    /// The start, if the file gives one.
    pub(crate) fn start(self) -> Option<Clock> {
        self.run.start
    }
}

/// Reads `run.start` of scenario text alone (the rest is skipped, but must be valid RON).
pub(crate) fn peek_start(
    options: &ron::Options,
    text: &str,
) -> Result<Option<Clock>, ron::error::SpannedError> {
    options
        .from_str::<StartOnly>(text)
        .map(|file| file.run.start)
}
