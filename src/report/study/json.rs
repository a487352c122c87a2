//! `<kind>.json`: the whole study report as pretty-printed JSON: its `schema_version`, then its
//! `meta` block and the figures.

use serde::Serialize;

use super::StudyReport;

/// The version of the layout of `<kind>.json` (and of `mailsim schema study`'s description of
/// it). It changes when a field is renamed or removed or changes meaning, so a reader can
/// refuse a file it does not understand; a new field keeps it. Version 1: the first stated
/// layout (intervals as `ci_low` and `ci_high`, as in the CSV file).
pub const STUDY_SCHEMA_VERSION: u32 = 1;

/// The file: the version, then the report's own fields.
#[derive(Serialize)]
struct StudyFile<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a StudyReport,
}

/// The JSON document, pretty-printed, with a final newline. (Serializing cannot fail: every
/// map key is a string and serde_json writes a non-finite number as `null`.)
pub fn study_json(report: &StudyReport) -> String {
    let file = StudyFile {
        schema_version: STUDY_SCHEMA_VERSION,
        report,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}
