//! `summary.json`: the summary as pretty-printed JSON: its `schema_version`, then the `meta`
//! block and the figures.

use serde::Serialize;

use crate::metrics::Summary;

/// The version of the layout of `summary.json` (and of `mailsim schema summary`). It changes
/// when a field is renamed or removed or changes meaning, so a reader can refuse a file it
/// does not understand; a new field keeps it. Version 1: the first stated layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The file: the version, then the summary's own fields.
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct SummaryFile<'a> {
    /// The version of this layout ([`SUMMARY_SCHEMA_VERSION`]).
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

/// The JSON Schema (draft 2020-12) of `summary.json`, for `mailsim schema summary`.
pub fn summary_json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<SummaryFile<'static>>();
    schema.insert("title".into(), "mailsim summary.json".into());
    schema.insert(
        "description".into(),
        format!(
            "The summary of one mailsim run, layout version {SUMMARY_SCHEMA_VERSION}. Times are in seconds."
        )
        .into(),
    );
    schema.to_value()
}
