//! `summary.json`: the summary as pretty-printed JSON: its `schema_version`, then the `meta`
//! block and the figures.

use serde::Serialize;

use crate::metrics::Summary;

/// The version of the layout of `summary.json` (and of `mailsim schema summary`). It changes
/// when a field is renamed or removed or changes meaning, so a reader can refuse a file it
/// does not understand; a new field keeps it. Version 1: the first stated layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The file: the version, then the summary's own fields.
#[derive(Serialize)]
pub(crate) struct SummaryFile<'a> {
    schema_version: u32,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// The summary as JSON text (keys in a fixed order, so the bytes are reproducible).
pub fn summary_json(summary: &Summary) -> String {
    let file = SummaryFile {
        schema_version: SUMMARY_SCHEMA_VERSION,
        summary,
    };
    let mut text = serde_json::to_string_pretty(&file).expect("a summary always serialises");
    text.push('\n');
    text
}
