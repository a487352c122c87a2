//! `summary.json`: the summary as pretty-printed JSON, starting with the `meta` block.

use crate::metrics::Summary;

/// The summary as JSON text (keys in a fixed order, so the bytes are reproducible).
pub fn summary_json(summary: &Summary) -> String {
    let mut text = serde_json::to_string_pretty(summary).expect("a summary always serialises");
    text.push('\n');
    text
}
