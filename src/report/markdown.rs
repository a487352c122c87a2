//! `summary.md`: the summary as Markdown tables, for pasting into a ticket or a post-mortem.

use std::fmt::Write;

use crate::metrics::Summary;
use crate::model::PolicyHolds;

use super::figures::{summary_figures, unfinished_warning};
use super::headline::Headline;

/// Makes text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The summary as Markdown: a title, the headline, the figures table, deferrals by reply
/// line, attempts per message, holds by the policy's rule and where the result came from.
pub fn summary_markdown(
    summary: &Summary,
    description: &str,
    headline: &Headline,
    holds: &[PolicyHolds],
) -> String {
    let mut out = String::new();
    let meta = &summary.meta;
    let _ = writeln!(out, "# {} — summary\n", cell(&meta.scenario));
    if !description.trim().is_empty() {
        let _ = writeln!(out, "{}\n", cell(description.trim()));
    }
    if let Some(warning) = unfinished_warning(summary) {
        let _ = writeln!(out, "> **⚠ {}**\n", cell(&warning));
    }
    out.push_str(&headline.markdown());
    let _ = writeln!(out, "| figure | value | note |\n|---|---:|---|");
    for f in summary_figures(summary) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&f.label),
            cell(&f.value),
            cell(&f.note)
        );
    }
    if !summary.deferral_replies.is_empty() {
        let _ = writeln!(
            out,
            "\n## Deferrals by reply\n\n| reply | count |\n|---|---:|"
        );
        for (reply, count) in &summary.deferral_replies {
            let _ = writeln!(out, "| `{}` | {count} |", cell(reply).replace('`', "'"));
        }
    }
    if !summary.attempts_per_message.is_empty() {
        let _ = writeln!(
            out,
            "\n## Attempts per message\n\nMessages that left the queue, by attempts taken.\n\n| attempts | messages |\n|---:|---:|"
        );
        for (attempts, count) in &summary.attempts_per_message {
            let _ = writeln!(out, "| {attempts} | {count} |");
        }
    }
    out.push_str(&super::holds::markdown(holds));
    let _ = writeln!(
        out,
        "\n{} · scenario file `{}` · seed {} · replication {}",
        cell(&meta.tool),
        cell(&meta.scenario_file).replace('`', "'"),
        meta.seed,
        meta.replication
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
