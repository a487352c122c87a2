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
fn exim_time(text: &str) -> Option<u64> {
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

/// The policy text for one Exim configuration (the first file; Exim reads one).
pub(crate) fn policy_text(files: &[ConfigFile]) -> Result<String, ImportError> {
    let file = &files[0];
    let sections = sections(&file.text);
    let setting_error =
        |line: &Line, name: &str, value: &str, message: String| ImportError::Setting {
            file: file.name.clone(),
            line: line.number,
            name: name.to_string(),
            value: value.to_string(),
            message,
        };
    let mut text = Text::default();
    text.comment(
        0,
        &format!(
            "Exim policy imported from {} by `mailsim import exim`.",
            file.name
        ),
    );
    text.code(0, "Exim(", None);

    // The retry rules.
    let retry: Vec<&Line> = sections
        .iter()
        .filter(|(name, _)| name == "retry")
        .flat_map(|(_, lines)| lines)
        .collect();
    let parsed: Vec<(&Line, Vec<&str>)> = retry
        .iter()
        .map(|line| (*line, line.text.split_whitespace().collect::<Vec<_>>()))
        .collect();
    let catch_all = parsed
        .iter()
        .position(|(_, words)| words.len() >= 2 && words[0] == "*" && words[1] == "*");
    let chosen = catch_all.or(parsed.len().checked_sub(1));
    let Some(chosen) = chosen else {
        return Err(ImportError::Missing {
            file: file.name.clone(),
            message: "no retry rules (no `begin retry` section, or an empty one): Exim then treats every temporary error as permanent, which mailsim's Exim policy cannot express".into(),
        });
    };
    let (rule_line, words) = &parsed[chosen];
    let rest_at = if words.get(2).is_some_and(|w| w.starts_with("senders=")) {
        3
    } else {
        2
    };
    let rule_text = words
        .get(rest_at..)
        .map(|w| w.join(" "))
        .unwrap_or_default();
    if rule_text.is_empty() {
        return Err(setting_error(
            rule_line,
            "retry rule",
            &rule_line.text,
            "this rule has no retry parameters: Exim bounces such mail at the first temporary error, which mailsim's Exim policy cannot express".into(),
        ));
    }
    let printed = rules(&rule_text)
        .map_err(|m| setting_error(rule_line, "retry rule", &rule_line.text, m))?;
    let mut comment = format!("{} {}", at(&file.name, rule_line.number), words.join(" "));
    if catch_all.is_none() {
        comment.push_str(" (no `* *` line: the last rule is applied to all mail)");
    }
    text.field(1, "rules", &format!("\"{printed}\""), comment);

    // Main options.
    let main: Vec<(String, String, &Line)> = sections[0]
        .1
        .iter()
        .filter(|line| !line.text.starts_with('.'))
        .map(|line| {
            let (name, value) = option(&line.text);
            (name, value, line)
        })
        .filter(|(name, ..)| !name.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect();
    let find = |key: &str| main.iter().rev().find(|(name, ..)| name == key);
    for (key, default) in [
        ("retry_interval_max", 86_400),
        ("retry_data_expire", 7 * 86_400),
    ] {
        match find(key) {
            Some((name, value, line)) => {
                let seconds = exim_time(value).ok_or_else(|| {
                    setting_error(
                        line,
                        name,
                        value,
                        "not an Exim time (e.g. 8h, 1d12h)".into(),
                    )
                })?;
                text.field(
                    1,
                    key,
                    &printed_time(seconds),
                    format!("{} {name} = {value}", at(&file.name, line.number)),
                );
            }
            None => text.field(1, key, &printed_time(default), "default (not in the file)"),
        }
    }

    // smtp transports.
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
    let smtp: Vec<&Transport> = transports
        .iter()
        .filter(|(_, options)| options.iter().any(|(n, v, _)| n == "driver" && v == "smtp"))
        .collect();
    let cutoff = smtp.first().and_then(|(transport, options)| {
        options
            .iter()
            .find(|(n, ..)| n == "delay_after_cutoff")
            .map(|o| (transport, o))
    });
    match cutoff {
        Some((transport, (name, value, line))) => {
            let flag = match value.as_str() {
                "true" | "yes" => "true",
                "false" | "no" => "false",
                _ => {
                    return Err(setting_error(
                        line,
                        name,
                        value,
                        "not a boolean (true, false, yes, no)".into(),
                    ));
                }
            };
            text.field(
                1,
                "delay_after_cutoff",
                flag,
                format!(
                    "{} {name} = {value} (transport {transport})",
                    at(&file.name, line.number)
                ),
            );
        }
        None => text.field(
            1,
            "delay_after_cutoff",
            "true",
            match smtp.first() {
                Some((transport, _)) => format!("default (transport {transport} does not set it)"),
                None => "default (no smtp transport in the file)".to_string(),
            },
        ),
    }
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
    match find("delay_warning") {
        Some((name, value, line)) => {
            let first = value.split(':').next().unwrap_or("");
            let seconds = exim_time(first).ok_or_else(|| {
                setting_error(
                    line,
                    name,
                    value,
                    "not an Exim time list (e.g. 24h or 4h:8h:24h)".into(),
                )
            })?;
            let mut comment = format!("{} {name} = {value}", at(&file.name, line.number));
            if value.contains(':') {
                comment.push_str(" (a list: mailsim repeats its first interval)");
            }
            if seconds == 0 {
                comment.push_str(
                    " (Exim sends no warnings at 0; mailsim's Exim policy has no off switch)",
                );
            }
            text.field(1, "delay_warning", &printed_time(seconds), comment);
        }
        None => text.field(
            1,
            "delay_warning",
            &printed_time(86_400),
            "default (not in the file)",
        ),
    }

    // What the file has that the policy does not take.
    let other_rules: Vec<String> = parsed
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != chosen)
        .map(|(_, (line, words))| {
            format!("`{}` ({})", words.join(" "), at(&file.name, line.number))
        })
        .collect();
    text.list(
        1,
        "Retry rules for other patterns or errors (mailsim applies one rule list to all mail):",
        &other_rules,
    );
    let mut unmodelled = Vec::new();
    let mut other = Vec::new();
    let modelled = ["retry_interval_max", "retry_data_expire", "delay_warning"];
    for (name, value, line) in &main {
        if modelled.contains(&name.as_str()) {
            continue;
        }
        if NOT_MODELLED.contains(&name.as_str()) || name.contains("queue") || name.contains("retry")
        {
            unmodelled.push(format!(
                "{name} = {value} ({})",
                at(&file.name, line.number)
            ));
        } else if !other.contains(name) {
            other.push(name.clone());
        }
    }
    for (transport, options) in &smtp {
        for (name, value, line) in options {
            if NOT_MODELLED.contains(&name.as_str()) {
                let advice = if name == "connect_timeout" {
                    ": set the sender's connections: (connect_timeout: …)"
                } else {
                    ""
                };
                unmodelled.push(format!(
                    "{transport}: {name} = {value} ({}){advice}",
                    at(&file.name, line.number)
                ));
            }
        }
    }
    text.list(1, "Not modelled by mailsim:", &unmodelled);
    let directives: Vec<String> = sections[0]
        .1
        .iter()
        .filter(|line| line.text.starts_with('.'))
        .map(|line| format!("`{}` ({})", line.text, at(&file.name, line.number)))
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
    text.code(0, ")", None);
    Ok(text.render())
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigFormat, import};
    use super::*;
    use crate::retry::{EximParams, EximRules, RetrySpec};

    fn file(text: &str) -> Vec<ConfigFile> {
        vec![ConfigFile {
            name: "exim4.conf".into(),
            text: text.into(),
        }]
    }

    #[test]
    fn times_are_exim_times() {
        assert_eq!(exim_time("2h"), Some(7200));
        assert_eq!(exim_time("1d12h"), Some(129_600));
        assert_eq!(exim_time("90"), Some(90));
        assert_eq!(exim_time("1w"), Some(604_800));
        assert_eq!(exim_time("2x"), None);
        assert_eq!(exim_time("h"), None);
        assert_eq!(
            rules("F,2h,15m; G,16h,1h,1.5; F,4d,6h").unwrap(),
            "F,2h,15m; G,16h,1h,1.5; F,4d,6h"
        );
        assert_eq!(rules("F,1d12h,900").unwrap(), "F,1d12h,15m");
        assert!(rules("F,2h").is_err());
    }

    #[test]
    fn the_shipped_default_configuration_gives_exims_defaults() {
        let conf = "\
primary_hostname = mx1.example.org
MAIN_TLS_ENABLE = yes
.ifdef MAIN_TLS_ENABLE
tls_advertise_hosts = *
.endif
ignore_bounce_errors_after = 2d
timeout_frozen_after = 7d

begin routers
dnslookup:
  driver = dnslookup
  transport = remote_smtp

begin transports
remote_smtp:
  driver = smtp
  hosts_max_try = 5

begin retry
# Address or Domain    Error       Retries
*                      *           F,2h,15m; G,16h,1h,1.5; F,4d,6h

begin rewrite
";
        let imported = import(ConfigFormat::Exim, &file(conf)).unwrap();
        assert_eq!(imported.spec, RetrySpec::Exim(EximParams::default()));
        let t = &imported.text;
        for expected in [
            "    rules: \"F,2h,15m; G,16h,1h,1.5; F,4d,6h\",",
            "// exim4.conf:21 * * F,2h,15m; G,16h,1h,1.5; F,4d,6h",
            "delay_after_cutoff: true,",
            "// default (transport remote_smtp does not set it)",
            "    // Not modelled by mailsim:\n    //   ignore_bounce_errors_after = 2d (exim4.conf:6)\n    //   timeout_frozen_after = 7d (exim4.conf:7)\n    //   remote_smtp: hosts_max_try = 5 (exim4.conf:17)\n",
            "    //   `.ifdef MAIN_TLS_ENABLE` (exim4.conf:3)\n",
            "// Main options not about retry or queueing (ignored): primary_hostname, tls_advertise_hosts.",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
    }

    #[test]
    fn rules_main_options_and_transport_settings_are_read() {
        let conf = "\
delay_warning = 4h:8h:24h
retry_interval_max = 8h
begin transports
local_delivery:
  driver = appendfile
remote_smtp:
  driver = smtp
  no_delay_after_cutoff
  connect_timeout = 30s
begin retry
example.com   *      F,1h,5m
*             rcpt_4xx  senders=*@example.org  F,\\
                        4h,10m
*             *      F,1d12h,30m; G,3d,1h,2
";
        let imported = import(ConfigFormat::Exim, &file(conf)).unwrap();
        let RetrySpec::Exim(p) = &imported.spec else {
            panic!("{:?}", imported.spec)
        };
        assert_eq!(
            p.rules,
            EximRules::try_from("F,1d12h,30m; G,3d,1h,2".to_string()).unwrap()
        );
        assert_eq!(p.retry_interval_max, SimDuration::from_hours(8));
        assert_eq!(p.delay_warning, SimDuration::from_hours(4));
        assert!(!p.delay_after_cutoff);
        let t = &imported.text;
        for expected in [
            "// exim4.conf:14 * * F,1d12h,30m; G,3d,1h,2",
            "// exim4.conf:1 delay_warning = 4h:8h:24h (a list: mailsim repeats its first interval)",
            "// exim4.conf:8 delay_after_cutoff = false (transport remote_smtp)",
            "    //   `example.com * F,1h,5m` (exim4.conf:11)\n    //   `* rcpt_4xx senders=*@example.org F,4h,10m` (exim4.conf:12)\n",
            "    //   remote_smtp: connect_timeout = 30s (exim4.conf:9): set the sender's connections: (connect_timeout: …)\n",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
    }

    #[test]
    fn missing_and_broken_rules_are_errors() {
        let error = import(ConfigFormat::Exim, &file("primary_hostname = x\n")).unwrap_err();
        assert!(matches!(error, ImportError::Missing { .. }), "{error}");
        let error = import(ConfigFormat::Exim, &file("begin retry\n* * F,2h\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "exim4.conf:2: `retry rule = * * F,2h`: `F,2h` is not a retry rule (F,cutoff,interval or G,cutoff,start,multiplier)"
        );
        let error = import(
            ConfigFormat::Exim,
            &file("begin retry\n* * F,4d,6h; F,2h,15m\n"),
        )
        .unwrap_err();
        assert!(
            matches!(error, ImportError::Policy { ref field, .. } if field == "rules"),
            "{error}"
        );
    }
}
