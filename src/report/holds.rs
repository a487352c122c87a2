//! The rules of the senders' policies that kept messages from attempts (holds and deferrals
//! without a connection: Postfix's dead destination, Exim's host retry time, an adaptive rule's
//! suspension …), as a table for `report.html` and `summary.md`. Nothing is written for a run
//! whose policies never held a message.

use std::fmt::Write;

use crate::model::PolicyHolds;

use super::html::escape;

/// What the table says above it.
const LEAD: &str = "Times a sender's policy kept a message from an attempt (held it, or deferred it without a connection), by the rule that decided it.";

/// The HTML section, or nothing.
pub fn html(holds: &[PolicyHolds]) -> String {
    let mut out = String::new();
    if holds.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "<section id=\"holds\">\n<h2>Held by the policy</h2>\n<p>{}</p>\n<table class=\"holds\">\n<thead><tr><th>sender</th><th>rule</th><th>times</th></tr></thead>\n<tbody>",
        escape(LEAD)
    );
    for hold in holds {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"value\">{}</td></tr>",
            escape(&hold.sender),
            escape(&hold.rule),
            hold.count
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
    out
}

/// The Markdown section, or nothing.
pub fn markdown(holds: &[PolicyHolds]) -> String {
    let mut out = String::new();
    if holds.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n## Held by the policy\n\n{LEAD}\n\n| sender | rule | times |\n|---|---|---:|"
    );
    for hold in holds {
        let cell = |text: &str| text.replace('|', "\\|");
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&hold.sender),
            cell(&hold.rule),
            hold.count
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_holds_writes_nothing_and_one_with_holds_names_the_rule() {
        assert_eq!(html(&[]), "");
        assert_eq!(markdown(&[]), "");
        let holds = [PolicyHolds {
            sender: "mta".into(),
            rule: "Postfix dead destination (…)".into(),
            count: 87,
        }];
        assert!(
            html(&holds)
                .contains("<td>Postfix dead destination (…)</td><td class=\"value\">87</td>")
        );
        assert!(markdown(&holds).contains("| mta | Postfix dead destination (…) | 87 |"));
    }
}
