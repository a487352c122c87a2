//! Postfix `main.cf` (or `postconf -n` output) read into a `Postfix(…)` policy.
//!
//! Syntax as Postfix reads it (`postconf(5)`): `name = value`, a line starting with white space
//! continues the one before, a line whose first non-blank character is `#` is a comment, and a
//! later setting of the same name wins. A value that is only a reference to another parameter
//! (`$name`, `${name}`, `$(name)`) takes that parameter's value.
//!
//! Time values follow `conv_time()` (`src/global/conv_time.c`): an integer with an optional
//! one-letter unit `s`, `m`, `h`, `d` or `w`; without a unit, the parameter's default unit,
//! which is the unit of its default value in `mail_params.h` — seconds for `queue_run_delay`,
//! `minimal_backoff_time` and `maximal_backoff_time`, **days** for `maximal_queue_lifetime`,
//! **hours** for `delay_warning_time`. The printed value keeps the file's number and makes the
//! unit explicit (`maximal_queue_lifetime = 3` prints as `"3d"`).
//!
//! The smtp transport's own settings (`smtp_destination_concurrency_limit`,
//! `smtp_initial_destination_concurrency`, …) override the `default_…` ones for mail to the
//! internet, so they win when both are set.

use std::collections::HashMap;

use super::{ConfigFile, ImportError, Text, at};

/// How a modelled parameter's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A time with this default unit.
    Time(char),
    /// A whole number.
    Count,
    /// A feedback value (`1`, `1/concurrency`, `1/sqrt_concurrency`).
    Feedback,
}

/// The policy's parameters: name, kind, Postfix's default as Postfix writes it, and the smtp
/// transport's override.
const MODELLED: [(&str, Kind, &str, Option<&str>); 11] = [
    ("queue_run_delay", Kind::Time('s'), "300s", None),
    ("minimal_backoff_time", Kind::Time('s'), "300s", None),
    ("maximal_backoff_time", Kind::Time('s'), "4000s", None),
    ("maximal_queue_lifetime", Kind::Time('d'), "5d", None),
    ("delay_warning_time", Kind::Time('h'), "0h", None),
    (
        "initial_destination_concurrency",
        Kind::Count,
        "5",
        Some("smtp_initial_destination_concurrency"),
    ),
    (
        "default_destination_concurrency_limit",
        Kind::Count,
        "20",
        Some("smtp_destination_concurrency_limit"),
    ),
    (
        "default_destination_concurrency_positive_feedback",
        Kind::Feedback,
        "1",
        Some("smtp_destination_concurrency_positive_feedback"),
    ),
    (
        "default_destination_concurrency_negative_feedback",
        Kind::Feedback,
        "1",
        Some("smtp_destination_concurrency_negative_feedback"),
    ),
    (
        "default_destination_concurrency_failed_cohort_limit",
        Kind::Count,
        "1",
        Some("smtp_destination_concurrency_failed_cohort_limit"),
    ),
    // How long an idle smtp process waits for work before it exits; it matters when the
    // scenario gives the processes a start time (`delivery_agent_start_time`).
    ("max_idle", Kind::Time('s'), "100s", None),
];

/// Queue and delivery settings mailsim does not model, with what to do instead where there is
/// something.
const NOT_MODELLED: [(&str, &str); 22] = [
    ("bounce_queue_lifetime", "the model has no null-sender mail"),
    ("default_destination_rate_delay", ""),
    ("smtp_destination_rate_delay", ""),
    ("default_transport_rate_delay", ""),
    ("smtp_transport_rate_delay", ""),
    (
        "default_destination_recipient_limit",
        "one recipient per message in mailsim",
    ),
    (
        "smtp_destination_recipient_limit",
        "one recipient per message in mailsim",
    ),
    ("transport_retry_time", ""),
    ("qmgr_message_active_limit", ""),
    ("qmgr_message_recipient_limit", ""),
    (
        "smtp_connect_timeout",
        "set the sender's connections: (connect_timeout: …)",
    ),
    ("smtp_helo_timeout", ""),
    ("smtp_mail_timeout", ""),
    ("smtp_rcpt_timeout", ""),
    ("smtp_data_init_timeout", ""),
    ("smtp_data_xfer_timeout", ""),
    ("smtp_data_done_timeout", ""),
    ("smtp_mx_address_limit", "a receiver is one host in mailsim"),
    ("smtp_mx_session_limit", "a receiver is one host in mailsim"),
    ("confirm_delay_cleared", ""),
    ("smtp_connection_cache_on_demand", ""),
    (
        "default_process_limit",
        "set the sender's connections: (per_destination: …)",
    ),
];

/// Words that make an unknown parameter worth naming among the queue settings.
const QUEUE_WORDS: [&str; 9] = [
    "queue",
    "backoff",
    "concurrency",
    "rate_delay",
    "recipient_limit",
    "retry",
    "lifetime",
    "delay",
    "qmgr",
];

/// One setting as read: value and line.
#[derive(Clone, Debug)]
struct Setting {
    value: String,
    line: usize,
}

/// Reads `name = value` settings; later ones win.
fn settings(file: &ConfigFile) -> Result<Vec<(String, Setting)>, ImportError> {
    let mut ordered: Vec<(String, Setting)> = Vec::new();
    for (index, raw) in file.text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            match ordered.last_mut() {
                Some((_, setting)) => {
                    setting.value.push(' ');
                    setting.value.push_str(trimmed);
                    continue;
                }
                None => {
                    return Err(ImportError::Syntax {
                        file: file.name.clone(),
                        message: format!("line {line} continues nothing: `{trimmed}`"),
                    });
                }
            }
        }
        let Some((name, value)) = trimmed.split_once('=') else {
            return Err(ImportError::Syntax {
                file: file.name.clone(),
                message: format!("line {line} is not `name = value`: `{trimmed}`"),
            });
        };
        let name = name.trim().to_string();
        ordered.retain(|(n, _)| *n != name);
        ordered.push((
            name,
            Setting {
                value: value.trim().to_string(),
                line,
            },
        ));
    }
    Ok(ordered)
}

/// `conv_time()`: seconds, and the value with its unit written out.
fn time(value: &str, unit: char) -> Result<(u64, String), String> {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    let rest = &value[digits.len()..];
    let unit = match rest {
        "" => unit,
        u if u.len() == 1 => u.chars().next().unwrap_or(unit),
        _ => {
            return Err(format!(
                "`{value}` is not a Postfix time: a whole number and one of s, m, h, d, w"
            ));
        }
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{value}` is not a Postfix time: a whole number and one of s, m, h, d, w")
    })?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        other => return Err(format!("unknown time unit `{other}`: use s, m, h, d or w")),
    };
    Ok((n * scale, format!("{n}{unit}")))
}

/// The printed RON value of a modelled parameter.
fn ron_value(kind: Kind, value: &str) -> Result<String, String> {
    match kind {
        Kind::Time(unit) => time(value, unit).map(|(_, text)| format!("\"{text}\"")),
        Kind::Count => value
            .parse::<u32>()
            .map(|n| n.to_string())
            .map_err(|_| format!("`{value}` is not a whole number")),
        Kind::Feedback => {
            let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            Ok(format!("\"{compact}\""))
        }
    }
}

/// A whole-value reference to another parameter: `$name`, `${name}`, `$(name)`.
fn reference(value: &str) -> Option<&str> {
    let name = value.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .or_else(|| name.strip_prefix('(').and_then(|n| n.strip_suffix(')')))
        .unwrap_or(name);
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(name)
}

/// Every setting of the files by name (a later file overrides an earlier one), with the file it
/// came from, and the names in the order they were last set.
struct Settings {
    values: HashMap<String, (Setting, String)>,
    order: Vec<String>,
}

impl Settings {
    fn read(files: &[ConfigFile]) -> Result<Settings, ImportError> {
        let mut values: HashMap<String, (Setting, String)> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for file in files {
            for (name, setting) in settings(file)? {
                order.retain(|n| *n != name);
                order.push(name.clone());
                values.insert(name, (setting, file.name.clone()));
            }
        }
        Ok(Settings { values, order })
    }

    /// `name`'s value with whole-value references to other parameters resolved (from the file,
    /// else a default), its setting and its file.
    fn resolve(&self, name: &str) -> Option<(String, Setting, String)> {
        let (setting, file) = self.values.get(name)?;
        let mut value = setting.value.clone();
        for _ in 0..8 {
            let Some(target) = reference(&value) else {
                break;
            };
            value = match self.values.get(target) {
                Some((s, _)) => s.value.clone(),
                None => MODELLED
                    .iter()
                    .find(|(n, ..)| *n == target)
                    .map(|(_, _, default, _)| default.to_string())?,
            };
        }
        Some((value, setting.clone(), file.clone()))
    }
}

/// The policy text for `files` (`main.cf` settings; a later file overrides an earlier one).
pub(crate) fn policy_text(files: &[ConfigFile]) -> Result<String, ImportError> {
    let settings = Settings::read(files)?;
    let names = files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = Text::default();
    text.comment(
        0,
        &format!("Postfix policy imported from {names} by `mailsim import postfix`."),
    );
    text.code(0, "Postfix(", None);
    let mut used = Vec::new();
    for (name, kind, default, smtp) in MODELLED {
        let chosen = smtp
            .and_then(|s| settings.resolve(s).map(|r| (s, r)))
            .or_else(|| settings.resolve(name).map(|r| (name, r)));
        match chosen {
            Some((from, (value, setting, file))) => {
                let printed = ron_value(kind, &value).map_err(|message| ImportError::Setting {
                    file: file.clone(),
                    line: setting.line,
                    name: from.to_string(),
                    value: setting.value.clone(),
                    message,
                })?;
                let comment =
                    setting_comment(&settings, name, from, &value, &setting, &file, &mut used);
                text.field(1, name, &printed, comment);
                if name == "max_idle" {
                    text.comment(
                        1,
                        "max_idle matters once the scenario sets delivery_agent_start_time (the \
                         machine's time to start an smtp process, not a main.cf setting).",
                    );
                }
            }
            None => {
                let printed = ron_value(kind, default).map_err(ImportError::Unparsable)?;
                text.field(1, name, &printed, "default (not in the file)");
            }
        }
    }
    unused_settings(&settings, &used, &mut text);
    text.code(0, ")", None);
    Ok(text.render())
}

/// Where parameter `name`'s value came from: the setting `from` (`name` itself or the smtp
/// transport's own), its resolved value, what it overrides. Records the names used.
fn setting_comment<'a>(
    settings: &Settings,
    name: &'a str,
    from: &'a str,
    value: &str,
    setting: &Setting,
    file: &str,
    used: &mut Vec<&'a str>,
) -> String {
    let mut comment = format!("{} {from} = {}", at(file, setting.line), setting.value);
    if value != setting.value {
        comment.push_str(&format!(" → {value}"));
    }
    if from != name {
        comment.push_str(" (the smtp transport's own");
        if let Some((overridden, file)) = settings.values.get(name) {
            comment.push_str(&format!(
                "; overrides {name} = {}, {}",
                overridden.value,
                at(file, overridden.line)
            ));
            used.push(name);
        }
        comment.push(')');
    }
    used.push(from);
    comment
}

/// The settings the policy did not take: those about queueing are named with their place (and
/// advice where there is some), the rest only by name.
fn unused_settings(settings: &Settings, used: &[&str], text: &mut Text) {
    let mut unmodelled = Vec::new();
    let mut other = Vec::new();
    for name in &settings.order {
        if used.contains(&name.as_str()) {
            continue;
        }
        let (setting, file) = &settings.values[name];
        let known = NOT_MODELLED.iter().find(|(n, _)| n == name);
        let queueish = name.starts_with("smtp_") || QUEUE_WORDS.iter().any(|w| name.contains(w));
        let place = at(file, setting.line);
        match known {
            Some((_, advice)) => unmodelled.push(format!(
                "{name} = {} ({place}){}",
                setting.value,
                if advice.is_empty() {
                    String::new()
                } else {
                    format!(": {advice}")
                }
            )),
            None if queueish => unmodelled.push(format!("{name} = {} ({place})", setting.value)),
            None => other.push(name.clone()),
        }
    }
    text.list(1, "Not modelled by mailsim:", &unmodelled);
    text.names(1, "Not about retry or queueing (ignored):", &other);
}

#[cfg(test)]
mod tests {
    use super::super::{ConfigFormat, import};
    use super::*;
    use crate::engine::SimDuration;
    use crate::retry::{Feedback, PostfixParams, RetrySpec};

    fn file(text: &str) -> Vec<ConfigFile> {
        vec![ConfigFile {
            name: "main.cf".into(),
            text: text.into(),
        }]
    }

    #[test]
    fn defaults_as_postfix_writes_them_are_mailsim_defaults() {
        let imported = import(
            ConfigFormat::Postfix,
            &file("myhostname = mx1.example.org\n"),
        )
        .unwrap();
        assert_eq!(imported.spec, RetrySpec::Postfix(PostfixParams::default()));
        assert_eq!(
            imported.text.matches("default (not in the file)").count(),
            11
        );
        assert!(
            imported
                .text
                .contains("// Not about retry or queueing (ignored): myhostname."),
            "{}",
            imported.text
        );
    }

    #[test]
    fn values_units_overrides_and_references_are_read_as_postfix_does() {
        let main_cf = "\
# retry settings
minimal_backoff_time = 10m
maximal_backoff_time = 7200
queue_run_delay = $minimal_backoff_time
maximal_queue_lifetime = 3
delay_warning_time = 4
default_destination_concurrency_limit = 30
smtp_destination_concurrency_limit = 10
default_destination_concurrency_negative_feedback = 1 / concurrency
max_idle = 60
smtp_destination_rate_delay = 1s
bounce_queue_lifetime = 1d
myhostname = mx1.example.org
mydestination = $myhostname,
    localhost
";
        let imported = import(ConfigFormat::Postfix, &file(main_cf)).unwrap();
        let RetrySpec::Postfix(p) = imported.spec else {
            panic!("{:?}", imported.spec)
        };
        assert_eq!(p.minimal_backoff_time, SimDuration::from_mins(10));
        assert_eq!(p.maximal_backoff_time, SimDuration::from_secs(7200));
        assert_eq!(p.queue_run_delay, SimDuration::from_mins(10));
        assert_eq!(p.maximal_queue_lifetime, SimDuration::from_days(3));
        assert_eq!(p.delay_warning_time, SimDuration::from_hours(4));
        assert_eq!(p.default_destination_concurrency_limit, 10);
        assert_eq!(
            p.default_destination_concurrency_negative_feedback,
            Feedback::try_from("1/concurrency".to_string()).unwrap()
        );
        assert_eq!(p.initial_destination_concurrency, 5);
        assert_eq!(p.max_idle, SimDuration::from_secs(60));
        let t = &imported.text;
        for expected in [
            "    maximal_queue_lifetime: \"3d\",",
            "// main.cf:5 maximal_queue_lifetime = 3",
            "// main.cf:4 queue_run_delay = $minimal_backoff_time → 10m",
            "// main.cf:8 smtp_destination_concurrency_limit = 10 (the smtp transport's own; overrides default_destination_concurrency_limit = 30, main.cf:7)",
            "    max_idle: \"60s\",",
            "// main.cf:10 max_idle = 60\n    // max_idle matters once the scenario sets delivery_agent_start_time",
            "    // Not modelled by mailsim:\n    //   smtp_destination_rate_delay = 1s (main.cf:11)\n    //   bounce_queue_lifetime = 1d (main.cf:12): the model has no null-sender mail\n",
            "// Not about retry or queueing (ignored): myhostname, mydestination.",
        ] {
            assert!(t.contains(expected), "missing {expected:?} in\n{t}");
        }
    }

    #[test]
    fn bad_values_point_at_their_line() {
        let error = import(
            ConfigFormat::Postfix,
            &file("\n\nmaximal_backoff_time = 10x\n"),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "main.cf:3: `maximal_backoff_time = 10x`: unknown time unit `x`: use s, m, h, d or w"
        );
        let error =
            import(ConfigFormat::Postfix, &file("minimal_backoff_time = 2h\n")).unwrap_err();
        assert!(
            matches!(error, ImportError::Policy { ref field, .. } if field == "maximal_backoff_time"),
            "{error}"
        );
        let error = import(ConfigFormat::Postfix, &file("  indented = 1\n")).unwrap_err();
        assert!(
            error.to_string().contains("line 1 continues nothing"),
            "{error}"
        );
    }
}
