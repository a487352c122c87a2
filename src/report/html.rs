//! `report.html`: one self-contained page per run (inline SVG charts and styles, no scripts,
//! nothing fetched from the network): the scenario's name and description, the headline
//! (stat tiles and what happened), every chart, the figures table, the run's meta block and
//! the scenario as resolved. The page's frame (styles, meta block) is shared with the
//! study reports.

use std::fmt::Write;

use crate::metrics::Summary;
use crate::model::RunOutput;
use crate::scenario::Scenario;

use super::charts::{ChartFile, Format, RunView};
use super::figures::{summary_figures, unfinished_warning};
use super::headline::run_headline;
use super::units::grouped;

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

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1060px;padding:0 1rem;color:#222;line-height:1.45;font-size:16px}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.description{color:#444;font-size:1.05rem}
.headline{margin:1.2rem 0 1.6rem}.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6rem;margin-bottom:.9rem}
.tile{border:1px solid #e2e2e2;border-left:5px solid #999;border-radius:4px;padding:.45rem .7rem;background:#fafafa}
.tile .label{color:#555;font-size:.85rem}.tile .value{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}.tile .note{color:#666;font-size:.85rem}
.tile.good{border-left-color:#009e73}.tile.warn{border-left-color:#e69f00}.tile.bad{border-left-color:#d55e00}.tile.plain{border-left-color:#0072b2}
.story{font-size:1.08rem;margin:.35rem 0;max-width:60rem}
.scroll{overflow-x:auto;max-width:100%}
.warning{background:#fdecea;border:2px solid #c62828;color:#8e0000;padding:.7rem 1rem;font-weight:600}
table{border-collapse:collapse;margin:.6rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.value{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.name{white-space:nowrap}
th{background:#f6f6f6}th.sorted{background:#e8f0f8}dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.meta dt{color:#666}dl.meta dd{margin:0;overflow-wrap:anywhere}
figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;max-width:60rem}
.empty-chart{color:#555;border-left:3px solid #ccc;padding:.2rem .7rem}.note{color:#555;font-size:.92rem}
details{margin:.8rem 0}summary{cursor:pointer;font-weight:600}
pre{background:#f6f6f6;padding:1rem;overflow-x:auto;font-size:.9rem;white-space:pre-wrap;overflow-wrap:anywhere}code{font-size:.92em;overflow-wrap:anywhere}nav a{margin-right:.8rem;display:inline-block}";

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

/// The report page: the headline, every chart (or a one-line note for a chart with nothing
/// to show), the figures, the run's meta block and the scenario as resolved (folded).
/// `charts` are the rendered chart files; the SVG of each chart is inlined.
pub fn report_html(scenario: &Scenario, output: &RunOutput, charts: &[ChartFile]) -> String {
    let mut out = String::new();
    let summary = &output.summary;
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
        "<nav><a href=\"#charts\">Charts</a><a href=\"#summary\">Figures</a><a href=\"#meta\">Run</a><a href=\"#scenario\">Scenario</a><a href=\"summary.json\">summary.json</a><a href=\"summary.md\">summary.md</a><a href=\"timeseries.csv\">timeseries.csv</a><a href=\"deliverability.csv\">deliverability.csv</a></nav>"
    );
    if let Some(warning) = unfinished_warning(summary) {
        let _ = writeln!(out, "<p class=\"warning\">⚠ {}</p>", escape(&warning));
    }
    out.push_str(&run_headline(scenario, output).html());
    let view = RunView { scenario, output };
    charts_section(&mut out, &view, charts);
    summary_section(&mut out, summary);
    out.push_str(&super::holds::html(&output.holds));
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
    meta_section(&mut out, "Run", &pairs);
    let _ = writeln!(
        out,
        "<section id=\"scenario\">\n<h2>Scenario</h2>\n<details>\n<summary>The scenario as resolved, every default spelt out</summary>\n<pre>{}</pre>\n</details>\n</section>",
        escape(&scenario.describe())
    );
    page_end(&mut out);
    out
}

/// The summary figures, then the deferrals by reply line and the attempts per message.
fn summary_section(out: &mut String, summary: &Summary) {
    let _ = writeln!(
        out,
        "<section id=\"summary\">\n<h2>Figures</h2>\n<div class=\"scroll\">\n<table class=\"summary\">\n<thead><tr><th>figure</th><th>value</th><th></th></tr></thead>\n<tbody>"
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
    let _ = writeln!(out, "</tbody>\n</table>\n</div>");
    if !summary.deferral_replies.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Deferrals by reply</h3>\n<div class=\"scroll\">\n<table class=\"replies\">\n<thead><tr><th>reply</th><th>count</th></tr></thead>\n<tbody>"
        );
        for (reply, count) in &summary.deferral_replies {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td class=\"value\">{}</td></tr>",
                escape(reply),
                grouped(*count)
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>\n</div>");
    }
    if !summary.attempts_per_message.is_empty() {
        let _ = writeln!(
            out,
            "<details>\n<summary>Attempts per message (messages that left the queue)</summary>\n<table class=\"attempts\">\n<thead><tr><th>attempts</th><th>messages</th></tr></thead>\n<tbody>"
        );
        for (attempts, count) in &summary.attempts_per_message {
            let _ = writeln!(
                out,
                "<tr><td class=\"value\">{attempts}</td><td class=\"value\">{}</td></tr>",
                grouped(*count)
            );
        }
        let _ = writeln!(out, "</tbody>\n</table>\n</details>");
    }
    let _ = writeln!(out, "</section>");
}

/// Every SVG chart inline, in the order given, captioned with its title and how to read it;
/// a chart with nothing to show is one line saying why.
fn charts_section(out: &mut String, view: &RunView, charts: &[ChartFile]) {
    let _ = writeln!(out, "<section id=\"charts\">\n<h2>Charts</h2>");
    for file in charts.iter().filter(|f| f.format == Format::Svg) {
        let id = file.chart.file_stem();
        let title = escape(file.chart.title());
        if let Some(why) = file.chart.empty_note(view) {
            let _ = writeln!(
                out,
                "<p class=\"empty-chart\" id=\"chart-{id}\"><strong>{title}:</strong> {} (<a href=\"{}\">chart</a>).</p>",
                escape(&why),
                escape(&file.name)
            );
            continue;
        }
        let svg = String::from_utf8_lossy(&file.bytes);
        let _ = writeln!(
            out,
            "<figure id=\"chart-{id}\">\n{}\n<figcaption><strong>{title}.</strong> {}</figcaption>\n</figure>",
            svg.trim(),
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
