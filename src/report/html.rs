//! `report.html`: one self-contained page per run (inline SVG charts and styles, no scripts,
//! nothing fetched from the network) with the scenario's name and description, the run's
//! meta block, the summary table, every chart and the scenario as resolved.

use std::fmt::Write;

use crate::metrics::Summary;
use crate::model::PolicyHolds;
use crate::scenario::Scenario;

use super::charts::{ChartFile, Format};
use super::figures::{summary_figures, unfinished_warning};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1060px;padding:0 1rem;color:#222;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.description{color:#444;font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.value{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f6f6f6}dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.meta dt{color:#666}dl.meta dd{margin:0}
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;max-width:60rem}
details{margin:.8rem 0}summary{cursor:pointer;font-weight:600}
.warning{background:#fdecea;border:2px solid #c62828;color:#8e0000;padding:.7rem 1rem;font-weight:600}
pre{background:#f6f6f6;padding:1rem;overflow-x:auto;font-size:.9rem}code{font-size:.92em}nav a{margin-right:.8rem}";

/// Writes the start of a page: the head with `title` (HTML, already escaped) and the inline
/// style sheet, then the opening `<body>`.
pub(super) fn page_start(out: &mut String, title: &str) {
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>"
    );
}

/// Writes the page's `meta` section: a heading and the (term, value) pairs, values escaped.
pub(super) fn meta_section(out: &mut String, heading: &str, pairs: &[(&str, String)]) {
    let _ = writeln!(
        out,
        "<section id=\"meta\">\n<h2>{heading}</h2>\n<dl class=\"meta\">"
    );
    for (term, value) in pairs {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{}</dd>", escape(value));
    }
    let _ = writeln!(out, "</dl>\n</section>");
}

/// Writes the end of a page.
pub(super) fn page_end(out: &mut String) {
    let _ = writeln!(out, "</body>\n</html>");
}

/// The report page. `charts` are the rendered chart files; the SVG of each chart is inlined.
pub fn report_html(
    scenario: &Scenario,
    summary: &Summary,
    holds: &[PolicyHolds],
    charts: &[ChartFile],
) -> String {
    let mut out = String::new();
    let meta = &summary.meta;
    let name = escape(&scenario.name);
    page_start(&mut out, &format!("{name} · mailsim report"));
    let _ = writeln!(out, "<h1>{name}</h1>");
    if !scenario.description.trim().is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"description\">{}</p>",
            escape(scenario.description.trim())
        );
    }
    let _ = writeln!(
        out,
        "<nav><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a><a href=\"#scenario\">Scenario</a><a href=\"summary.json\">summary.json</a><a href=\"summary.md\">summary.md</a><a href=\"timeseries.csv\">timeseries.csv</a></nav>"
    );
    let mut pairs = vec![
        ("tool", meta.tool.clone()),
        ("scenario", meta.scenario.clone()),
        ("scenario file", meta.scenario_file.clone()),
        ("seed", meta.seed.to_string()),
        ("replication", meta.replication.to_string()),
    ];
    if let Some(clock) = &meta.start {
        pairs.push(("started", clock.to_string()));
    }
    if let Some(warning) = unfinished_warning(summary) {
        let _ = writeln!(out, "<p class=\"warning\">⚠ {}</p>", escape(&warning));
    }
    meta_section(&mut out, "Run", &pairs);
    summary_section(&mut out, summary);
    out.push_str(&super::holds::html(holds));
    charts_section(&mut out, charts);
    let _ = writeln!(
        out,
        "<section id=\"scenario\">\n<h2>Scenario as resolved</h2>\n<pre>{}</pre>\n</section>",
        escape(&scenario.describe())
    );
    page_end(&mut out);
    out
}

/// The summary figures, then the deferrals by reply line and the attempts per message.
fn summary_section(out: &mut String, summary: &Summary) {
    let _ = writeln!(
        out,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr><th>figure</th><th>value</th><th></th></tr></thead>\n<tbody>"
    );
    for f in summary_figures(summary) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"value\">{}</td><td>{}</td></tr>",
            escape(&f.label),
            escape(&f.value),
            escape(&f.note)
        );
    }
    let _ = writeln!(out, "</tbody>\n</table>");
    if !summary.deferral_replies.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Deferrals by reply</h3>\n<table class=\"replies\">\n<thead><tr><th>reply</th><th>count</th></tr></thead>\n<tbody>"
        );
        for (reply, count) in &summary.deferral_replies {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"value\">{count}</td></tr>",
                escape(reply)
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>");
    }
    if !summary.attempts_per_message.is_empty() {
        let _ = writeln!(
            out,
            "<details>\n<summary>Attempts per message (messages that left the queue)</summary>\n<table class=\"attempts\">\n<thead><tr><th>attempts</th><th>messages</th></tr></thead>\n<tbody>"
        );
        for (attempts, count) in &summary.attempts_per_message {
            let _ = writeln!(
                out,
                "<tr><td class=\"value\">{attempts}</td><td class=\"value\">{count}</td></tr>"
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>\n</details>");
    }
    let _ = writeln!(out, "</section>");
}

/// Every SVG chart inline, in the order given, captioned with its title and how to read it.
fn charts_section(out: &mut String, charts: &[ChartFile]) {
    let _ = writeln!(out, "<section id=\"charts\">\n<h2>Charts</h2>");
    for file in charts.iter().filter(|f| f.format == Format::Svg) {
        let id = file.chart.file_stem();
        let svg = String::from_utf8_lossy(&file.bytes);
        let _ = writeln!(
            out,
            "<figure id=\"chart-{id}\">\n{}\n<figcaption><strong>{}.</strong> {}</figcaption>\n</figure>",
            svg.trim(),
            escape(file.chart.title()),
            escape(file.chart.how_to_read())
        );
    }
    let _ = writeln!(out, "</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_open_with_their_title_and_close() {
        let mut out = String::new();
        page_start(&mut out, "a &amp; b");
        meta_section(&mut out, "Run", &[("seed", "<1>".to_string())]);
        page_end(&mut out);
        assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"));
        assert!(out.contains("<title>a &amp; b</title>\n<style>\n"));
        assert!(out.contains("<h2>Run</h2>\n<dl class=\"meta\">\n<dt>seed</dt><dd>&lt;1&gt;</dd>\n</dl>\n</section>\n"));
        assert!(out.ends_with("</body>\n</html>\n"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
