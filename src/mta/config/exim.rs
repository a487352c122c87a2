//! An Exim configuration file read into an `Exim(…)` policy.
//!
//! Read as Exim's `readconf.c` reads it (specification chapter "The Exim run time
//! configuration file"): `#` starts a comment line, a trailing `\` continues a line, `begin
//! NAME` starts a section, options are `name = value` (booleans also `name` and `no_name`),
//! and names starting with an upper-case letter are macros.
//!
//! - **`begin retry`** (`readconf_retries()`, chapter "Retry configuration"): each line is
//!   `pattern error [senders=list] rules`. mailsim's Exim policy applies one rule list to all
//!   mail, so the first `* *` line gives it (Exim tries lines in order and `* *` catches what no
//!   earlier line matched); the other lines are named in a comment. Times are Exim times
//!   (`readconf_readtime()`: `2h`, `1d12h`, a bare number is seconds).
//! - **Main options:** `retry_interval_max`, `retry_data_expire`, `delay_warning` (a `:` list;
//!   mailsim repeats one interval, so the first is taken and the list named).
//! - **smtp transports** (`driver = smtp`): `delay_after_cutoff` of the first one.
//! - **`queue_interval`** is the daemon's `-q` option (`exim -bd -q30m`, Debian's
//!   `QUEUEINTERVAL`), and **`queue_run_start`** the daemon's first run, at its start: neither
//!   is in the file, so both are printed as their defaults.

use super::{ConfigFile, ImportError, Text, at};
use crate::engine::SimDuration;

/// Main and transport options that bear on queueing but mailsim does not model.
const NOT_MODELLED: [&str; 16] = [
    "ignore_bounce_errors_after",
    "timeout_frozen_after",
    "queue_run_max",
    "queue_only",
    "queue_only_load",
    "queue_smtp_domains",
    "remote_max_parallel",
    "deliver_queue_load_max",
    "queue_run_in_order",
    "delay_warning_condition",
    "retry_include_ip_address",
    "hosts_max_try",
    "hosts_max_try_hardlimit",
    "connect_timeout",
    "command_timeout",
    "address_retry_include_sender",
];

/// One option or rule line: the text and its first line number.
#[derive(Clone, Debug)]
struct Line {
    text: String,
    number: usize,
}

/// Options as read: name, value and the line they are on.
type Options<'a> = Vec<(String, String, &'a Line)>;

/// A transport: its name and options.
type Transport<'a> = (String, Options<'a>);

/// The file's logical lines (continuations joined, comments and blanks dropped), by section:
/// `""` for the main section.
fn sections(text: &str) -> Vec<(String, Vec<Line>)> {
    let mut sections = vec![(String::new(), Vec::new())];
    let mut pending: Option<Line> = None;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        let continued = match pending.take() {
            Some(mut line) => {
                line.text.push_str(trimmed);
                line
            }
            None => {
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                Line {
                    text: trimmed.to_string(),
                    number: index + 1,
                }
            }
        };
        if let Some(stripped) = continued.text.strip_suffix('\\') {
            pending = Some(Line {
                text: stripped.to_string(),
                number: continued.number,
            });
            continue;
        }
        if let Some(name) = continued.text.strip_prefix("begin ") {
            sections.push((name.trim().to_string(), Vec::new()));
            continue;
        }
        if let Some((_, lines)) = sections.last_mut() {
            lines.push(continued);
        }
    }
    if let (Some(line), Some((_, lines))) = (pending, sections.last_mut()) {
        lines.push(line);
    }
    sections
}

/// `name = value`, or a boolean `name` / `no_name`.
fn option(text: &str) -> (String, String) {
    match text.split_once('=') {
        Some((name, value)) => (name.trim().to_string(), value.trim().to_string()),
        None => match text
            .strip_prefix("no_")
            .or_else(|| text.strip_prefix("not_"))
        {
            Some(name) => (name.trim().to_string(), "false".into()),
            None => (text.trim().to_string(), "true".into()),
        },
    }
}

/// An Exim time (`readconf_readtime()`): number-and-unit groups (`s m h d w`), a bare number is
/// seconds. Whole seconds.
pub(crate) fn exim_time(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let scale = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total += number.parse::<u64>().ok()? * scale;
        number.clear();
    }
    number.is_empty().then_some(total)
}

/// A time as the printed policy writes it.
fn printed_time(seconds: u64) -> String {
    format!("\"{}\"", SimDuration::from_secs(seconds))
}

/// Exim's rule list (`F,2h,15m; G,16h,1h,1.5`) with its times as mailsim writes them.
fn rules(text: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for item in text.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let parts: Vec<&str> = item.split(',').map(str::trim).collect();
        let time = |part: &str| {
            exim_time(part)
                .map(|s| SimDuration::from_secs(s).to_string())
                .ok_or_else(|| format!("`{part}` in `{item}` is not an Exim time"))
        };
        match parts.as_slice() {
            [letter @ ("F" | "f"), cutoff, interval] => {
                out.push(format!(
                    "{},{},{}",
                    letter.to_ascii_uppercase(),
                    time(cutoff)?,
                    time(interval)?
                ));
            }
            [letter @ ("G" | "g" | "H" | "h"), cutoff, start, mult] => out.push(format!(
                "{},{},{},{mult}",
                letter.to_ascii_uppercase(),
                time(cutoff)?,
                time(start)?
            )),
            _ => {
                return Err(format!(
                    "`{item}` is not a retry rule (F,cutoff,interval or G,cutoff,start,multiplier)"
                ));
            }
        }
    }
    Ok(out.join("; "))
}

/// A setting's value is wrong.
fn setting_error(
    file: &ConfigFile,
    line: &Line,
    name: &str,
    value: &str,
    message: String,
) -> ImportError {
    ImportError::Setting {
        file: file.name.clone(),
        line: line.number,
        name: name.to_string(),
        value: value.to_string(),
        message,
    }
}

/// The file as read: its sections, main options and smtp transports.
struct Reading<'a> {
    file: &'a ConfigFile,
    sections: &'a [(String, Vec<Line>)],
    /// Main options, macros and `.include` directives left out.
    main: Options<'a>,
    /// Transports whose driver is `smtp`, in file order.
    smtp: Vec<Transport<'a>>,
}

impl<'a> Reading<'a> {
    fn new(file: &'a ConfigFile, sections: &'a [(String, Vec<Line>)]) -> Reading<'a> {
        let main = sections[0]
            .1
            .iter()
            .filter(|line| !line.text.starts_with('.'))
            .map(|line| {
                let (name, value) = option(&line.text);
                (name, value, line)
            })
            .filter(|(name, ..)| !name.starts_with(|c: char| c.is_ascii_uppercase()))
            .collect();
        let mut transports: Vec<Transport> = Vec::new();
        for (_, lines) in sections.iter().filter(|(name, _)| name == "transports") {
            for line in lines {
                if let Some(name) = line.text.strip_suffix(':') {
                    transports.push((name.trim().to_string(), Vec::new()));
                } else if let Some((_, options)) = transports.last_mut() {
                    let (name, value) = option(&line.text);
                    options.push((name, value, line));
                }
            }
        }
        let smtp = transports
            .into_iter()
            .filter(|(_, options)| options.iter().any(|(n, v, _)| n == "driver" && v == "smtp"))
            .collect();
        Reading {
            file,
            sections,
            main,
            smtp,
        }
    }

    /// The last setting of a main option.
    fn find(&self, key: &str) -> Option<&(String, String, &'a Line)> {
        self.main.iter().rev().find(|(name, ..)| name == key)
    }

    fn at(&self, line: &Line) -> String {
        at(&self.file.name, line.number)
    }

    fn error(&self, line: &Line, name: &str, value: &str, message: &str) -> ImportError {
        setting_error(self.file, line, name, value, message.to_string())
    }
}

/// The retry section's lines split into words.
type RetryLines<'a> = Vec<(&'a Line, Vec<&'a str>)>;

/// The policy text for one Exim configuration (the first file; Exim reads one).
pub(crate) fn policy_text(files: &[ConfigFile]) -> Result<String, ImportError> {
    let file = &files[0];
    let sections = sections(&file.text);
    let reading = Reading::new(file, &sections);
    let mut text = Text::default();
    text.comment(
        0,
        &format!(
            "Exim policy imported from {} by `mailsim import exim`.",
            file.name
        ),
    );
    text.code(0, "Exim(", None);
    let retry: RetryLines = sections
        .iter()
        .filter(|(name, _)| name == "retry")
        .flat_map(|(_, lines)| lines)
        .map(|line| (line, line.text.split_whitespace().collect::<Vec<_>>()))
        .collect();
    let chosen = rules_field(&reading, &retry, &mut text)?;
    main_times(&reading, &mut text)?;
    cutoff_field(&reading, &mut text)?;
    text.field(
        1,
        "queue_interval",
        "None",
        "default: unset (the daemon's -q option, e.g. -q30m, is not in this file)",
    );
    text.field(
        1,
        "queue_run_start",
        "\"0s\"",
        "default: the first queue run at the start (the daemon's start is not in this file)",
    );
    text.field(
        1,
        "queue_run_bounce_time",
        "\"0s\"",
        "default (the machine's time to write a bounce is not in a configuration)",
    );
    delay_warning_field(&reading, &mut text)?;
    leftovers(&reading, &retry, chosen, &mut text);
    text.code(0, ")", None);
    Ok(text.render())
}

/// The `rules` field from the first `* *` retry line (else the last); returns its index.
fn rules_field(
    reading: &Reading,
    retry: &RetryLines,
    text: &mut Text,
) -> Result<usize, ImportError> {
    let catch_all = retry
        .iter()
        .position(|(_, words)| words.len() >= 2 && words[0] == "*" && words[1] == "*");
    let Some(chosen) = catch_all.or(retry.len().checked_sub(1)) else {
        return Err(ImportError::Missing {
            file: reading.file.name.clone(),
            message: "no retry rules (no `begin retry` section, or an empty one): Exim then treats every temporary error as permanent, which mailsim's Exim policy cannot express".into(),
        });
    };
    let (rule_line, words) = &retry[chosen];
    let rest_at = if words.get(2).is_some_and(|w| w.starts_with("senders=")) {
        3
    } else {
        2
    };
    let rule_text = words
        .get(rest_at..)
        .map(|w| w.join(" "))
        .unwrap_or_default();
    let error = |message: &str| reading.error(rule_line, "retry rule", &rule_line.text, message);
    if rule_text.is_empty() {
        return Err(error(
            "this rule has no retry parameters: Exim bounces such mail at the first temporary error, which mailsim's Exim policy cannot express",
        ));
    }
    let printed = rules(&rule_text).map_err(|m| error(&m))?;
    let mut comment = format!("{} {}", reading.at(rule_line), words.join(" "));
    if catch_all.is_none() {
        comment.push_str(" (no `* *` line: the last rule is applied to all mail)");
    }
    text.field(1, "rules", &format!("\"{printed}\""), comment);
    Ok(chosen)
}

/// `retry_interval_max` and `retry_data_expire` from the main options or their defaults.
fn main_times(reading: &Reading, text: &mut Text) -> Result<(), ImportError> {
    for (key, default) in [
        ("retry_interval_max", 86_400),
        ("retry_data_expire", 7 * 86_400),
    ] {
        match reading.find(key) {
            Some((name, value, line)) => {
                let seconds = exim_time(value).ok_or_else(|| {
                    reading.error(line, name, value, "not an Exim time (e.g. 8h, 1d12h)")
                })?;
                text.field(
                    1,
                    key,
                    &printed_time(seconds),
                    format!("{} {name} = {value}", reading.at(line)),
                );
            }
            None => text.field(1, key, &printed_time(default), "default (not in the file)"),
        }
    }
    Ok(())
}

/// `delay_after_cutoff` of the first smtp transport, or its default.
fn cutoff_field(reading: &Reading, text: &mut Text) -> Result<(), ImportError> {
    let cutoff = reading.smtp.first().and_then(|(transport, options)| {
        options
            .iter()
            .find(|(n, ..)| n == "delay_after_cutoff")
            .map(|o| (transport, o))
    });
    let Some((transport, (name, value, line))) = cutoff else {
        let comment = match reading.smtp.first() {
            Some((transport, _)) => format!("default (transport {transport} does not set it)"),
            None => "default (no smtp transport in the file)".to_string(),
        };
        text.field(1, "delay_after_cutoff", "true", comment);
        return Ok(());
    };
    let flag = match value.as_str() {
        "true" | "yes" => "true",
        "false" | "no" => "false",
        _ => {
            let message = "not a boolean (true, false, yes, no)";
            return Err(reading.error(line, name, value, message));
        }
    };
    text.field(
        1,
        "delay_after_cutoff",
        flag,
        format!(
            "{} {name} = {value} (transport {transport})",
            reading.at(line)
        ),
    );
    Ok(())
}

/// `delay_warning`: the first interval of the main option's list, or Exim's 24 h.
fn delay_warning_field(reading: &Reading, text: &mut Text) -> Result<(), ImportError> {
    let Some((name, value, line)) = reading.find("delay_warning") else {
        text.field(
            1,
            "delay_warning",
            &printed_time(86_400),
            "default (not in the file)",
        );
        return Ok(());
    };
    let first = value.split(':').next().unwrap_or("");
    let seconds = exim_time(first).ok_or_else(|| {
        let message = "not an Exim time list (e.g. 24h or 4h:8h:24h)";
        reading.error(line, name, value, message)
    })?;
    let mut comment = format!("{} {name} = {value}", reading.at(line));
    if value.contains(':') {
        comment.push_str(" (a list: mailsim repeats its first interval)");
    }
    if seconds == 0 {
        comment.push_str(" (Exim sends no warnings at 0; mailsim's Exim policy has no off switch)");
    }
    text.field(1, "delay_warning", &printed_time(seconds), comment);
    Ok(())
}

/// What the file has that the policy does not take: other retry lines, unmodelled options,
/// directives, unrelated options.
fn leftovers(reading: &Reading, retry: &RetryLines, chosen: usize, text: &mut Text) {
    let other_rules: Vec<String> = retry
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != chosen)
        .map(|(_, (line, words))| format!("`{}` ({})", words.join(" "), reading.at(line)))
        .collect();
    text.list(
        1,
        "Retry rules for other patterns or errors (mailsim applies one rule list to all mail):",
        &other_rules,
    );
    let mut unmodelled = Vec::new();
    let mut other = Vec::new();
    let modelled = ["retry_interval_max", "retry_data_expire", "delay_warning"];
    for (name, value, line) in &reading.main {
        if modelled.contains(&name.as_str()) {
            continue;
        }
        if NOT_MODELLED.contains(&name.as_str()) || name.contains("queue") || name.contains("retry")
        {
            unmodelled.push(format!("{name} = {value} ({})", reading.at(line)));
        } else if !other.contains(name) {
            other.push(name.clone());
        }
    }
    for (transport, options) in &reading.smtp {
        for (name, value, line) in options {
            if NOT_MODELLED.contains(&name.as_str()) {
                let advice = if name == "connect_timeout" {
                    ": set the sender's connections: (connect_timeout: …)"
                } else {
                    ""
                };
                let place = reading.at(line);
                unmodelled.push(format!("{transport}: {name} = {value} ({place}){advice}"));
            }
        }
    }
    text.list(1, "Not modelled by mailsim:", &unmodelled);
    let directives: Vec<String> = reading.sections[0]
        .1
        .iter()
        .filter(|line| line.text.starts_with('.'))
        .map(|line| format!("`{}` ({})", line.text, reading.at(line)))
        .collect();
    text.list(
        1,
        "Directives not followed (read the expanded file for these):",
        &directives,
    );
    text.names(
        1,
        "Main options not about retry or queueing (ignored):",
        &other,
    );
}

#[cfg(test)]
mod tests;
