//! `<kind>.json`: the whole study report as pretty-printed JSON, starting with its `meta` block.

use super::StudyReport;

/// The JSON document, pretty-printed, with a final newline. (Serializing cannot fail: every
/// map key is a string and serde_json writes a non-finite number as `null`.)
pub fn study_json(report: &StudyReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}
