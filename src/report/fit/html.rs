//! The fit report page: what was fitted (the scenario text with its comments), then observed
//! and simulated side by side. Self-contained: inline style, no scripts.

use std::fmt::Write;

use super::{Row, show, show_difference, show_range};
use crate::report::html::{escape, page_end, page_start};

/// The page: `title`, a lead paragraph, the comparison table and the scenario text.
pub fn fit_report_html(
    title: &str,
    lead: &str,
    rows: &[Row],
    replications: usize,
    scenario: &str,
) -> String {
    let mut out = String::new();
    page_start(&mut out, &escape(title));
    let _ = writeln!(
        out,
        "<h1>{}</h1>\n<p class=\"description\">{}</p>",
        escape(title),
        escape(lead)
    );
    let _ = writeln!(
        out,
        "<section id=\"comparison\">\n<h2>Observed and simulated</h2>\n<p>The simulated figure is the mean of {replications} replications of the fitted scenario, each recorded as the MTA would have logged it and summarised exactly as the log was; the range is their smallest and largest value. Difference: (simulated − observed) / observed.</p>\n<table class=\"fit\">\n<thead><tr><th>figure</th><th>observed</th><th>simulated</th><th>difference</th><th>range</th></tr></thead>\n<tbody>"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"value\">{}</td><td class=\"value\">{}</td><td class=\"value\">{}</td><td>{}</td></tr>",
            escape(&r.figure),
            escape(&show(r.observed, r.unit)),
            escape(&show(r.simulated, r.unit)),
            escape(&show_difference(r)),
            escape(&show_range(r))
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>\n</section>");
    let _ = writeln!(
        out,
        "<section id=\"scenario\">\n<h2>The fitted scenario</h2>\n<p>Every estimate with its method and uncertainty, as written into the scenario file.</p>\n<pre>{}</pre>\n</section>",
        escape(scenario)
    );
    page_end(&mut out);
    out
}
