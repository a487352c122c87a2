//! The headline that opens every report and the terminal summary: a few stat tiles (a label,
//! a value in human units, a short note) and two or three generated sentences that say what
//! happened and why, worked out from the results alone. One [`Headline`] is written three
//! ways: as HTML ([`Headline::html`]), Markdown ([`Headline::markdown`]) and terminal text
//! ([`Headline::text`]). `run` builds the headline of one run, `study` that of replications,
//! a comparison and a sweep.

mod run;
mod study;

use std::fmt::Write;

pub use run::run_headline;
pub use study::study_headline;

use super::html::escape;

/// How a tile's value should strike the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Nothing to worry about.
    Good,
    /// Worth a look.
    Warn,
    /// Something went wrong.
    Bad,
    /// Neither.
    Plain,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
            Tone::Plain => "plain",
        }
    }
}

/// One stat tile: `Delivered` · `97.5%` · `9,587 of 9,832`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    /// What the number is.
    pub label: String,
    /// The number, in human units.
    pub value: String,
    /// A short note under it (may be empty).
    pub note: String,
    /// How it should strike the reader.
    pub tone: Tone,
}

impl Tile {
    fn new(label: &str, value: String, note: String, tone: Tone) -> Tile {
        Tile {
            label: label.to_string(),
            value,
            note,
            tone,
        }
    }
}

/// The tiles and sentences that open a report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headline {
    /// Three to six tiles.
    pub tiles: Vec<Tile>,
    /// Two or three sentences.
    pub sentences: Vec<String>,
}

impl Headline {
    /// The headline as an HTML section (tiles in a grid, then the sentences).
    pub fn html(&self) -> String {
        let mut out =
            String::from("<section id=\"headline\" class=\"headline\">\n<div class=\"tiles\">\n");
        for tile in &self.tiles {
            let _ = writeln!(
                out,
                "<div class=\"tile {}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
                tile.tone.class(),
                escape(&tile.label),
                escape(&tile.value),
                escape(&tile.note)
            );
        }
        out.push_str("</div>\n");
        for sentence in &self.sentences {
            let _ = writeln!(out, "<p class=\"story\">{}</p>", escape(sentence));
        }
        out.push_str("</section>\n");
        out
    }

    /// The headline as Markdown: the sentences, then the tiles as a one-row table.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for sentence in &self.sentences {
            let _ = writeln!(out, "{}\n", cell(sentence));
        }
        if !self.tiles.is_empty() {
            let labels: Vec<String> = self.tiles.iter().map(|t| cell(&t.label)).collect();
            let values: Vec<String> = self
                .tiles
                .iter()
                .map(|t| {
                    if t.note.is_empty() {
                        format!("**{}**", cell(&t.value))
                    } else {
                        format!("**{}** ({})", cell(&t.value), cell(&t.note))
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} |", labels.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(labels.len()));
            let _ = writeln!(out, "| {} |\n", values.join(" | "));
        }
        out
    }

    /// The headline for the terminal: the tiles' labels and values (their notes are for the
    /// pages) joined on lines of at most 100 columns, then the sentences wrapped likewise,
    /// each line indented by two spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let tiles: Vec<String> = self
            .tiles
            .iter()
            .map(|t| format!("{}: {}", t.label, t.value))
            .collect();
        for line in wrap_items(&tiles, " · ", 98) {
            let _ = writeln!(out, "  {line}");
        }
        for sentence in &self.sentences {
            for line in wrap(sentence, 98) {
                let _ = writeln!(out, "  {line}");
            }
        }
        out
    }
}

/// Joins `items` with `separator` on lines of at most `width` characters (an item longer
/// than that gets a line of its own).
fn wrap_items(items: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for item in items {
        let longer = line.chars().count() + separator.chars().count() + item.chars().count();
        if !line.is_empty() && longer > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push_str(separator);
        }
        line.push_str(item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text safe inside a Markdown table cell or paragraph.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word gets a
/// line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `n` followed by `word`, plural unless `n` is one: `1 message`, `2 messages`.
fn plural(n: u64, word: &str) -> String {
    let count = super::units::grouped(n);
    if n == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Headline {
        Headline {
            tiles: vec![
                Tile::new("Delivered", "97.5%".into(), "39 of 40".into(), Tone::Warn),
                Tile::new("p99 latency", "1h02m".into(), String::new(), Tone::Plain),
                Tile::new("Expired", "1".into(), "<policy gave up>".into(), Tone::Bad),
            ],
            sentences: vec!["39 of 40 messages were delivered.".into()],
        }
    }

    #[test]
    fn one_headline_three_ways() {
        let headline = sample();
        let html = headline.html();
        assert!(html.starts_with("<section id=\"headline\""));
        assert!(html.contains("<div class=\"tile warn\"><div class=\"label\">Delivered</div><div class=\"value\">97.5%</div><div class=\"note\">39 of 40</div></div>"));
        assert!(html.contains("&lt;policy gave up&gt;"));
        assert!(html.contains("<p class=\"story\">39 of 40 messages were delivered.</p>"));
        let markdown = headline.markdown();
        assert!(markdown.starts_with("39 of 40 messages were delivered.\n\n| Delivered | p99 latency | Expired |\n|---|---|---|\n"));
        assert!(markdown.contains("| **97.5%** (39 of 40) | **1h02m** |"));
        let text = headline.text();
        assert_eq!(
            text,
            "  Delivered: 97.5% · p99 latency: 1h02m · Expired: 1\n  39 of 40 messages were delivered.\n"
        );
    }

    #[test]
    fn long_sentences_wrap_at_spaces() {
        let lines = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(lines, vec!["aaa bbb", "ccc ddd"]);
        let items = ["a: 1".to_string(), "b: 2".into(), "c: 3".into()];
        assert_eq!(wrap_items(&items, " · ", 11), vec!["a: 1 · b: 2", "c: 3"]);
        assert_eq!(plural(1, "message"), "1 message");
        assert_eq!(plural(1200, "message"), "1,200 messages");
    }
}
