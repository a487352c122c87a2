//! The fitted scenario as RON text: run settings from the log's span, one sender replaying the
//! arrivals with the chosen policy, one receiver per recipient domain with its fitted deferral
//! pattern, and every estimate's method and uncertainty as comments.

use std::fmt::Write;

use super::super::config::Text;
use super::super::logs::Format;
use super::{FailureKind, Fit, ReceiverFit, Soft, Window};
use crate::engine::SimDuration;
use crate::retry::RetrySpec;

/// What the text needs besides the fit.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioInput<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// The log as given on the command line.
    pub log: &'a str,
    /// Its format.
    pub format: Format,
    /// The arrivals file, relative to the scenario file.
    pub arrivals_file: &'a str,
    /// The retry policy as scenario text (one or more lines, comments allowed).
    pub policy: &'a str,
    /// Where the policy came from, in words.
    pub policy_source: &'a str,
}

/// The policy text with what the log says about the sender filled in: Exim's queue runner
/// interval from the daemon's `-q` option when the policy leaves it unset, its first run and
/// its pause after an expiry from the log's queue runs when the policy leaves them at zero. Returns the text and
/// a note on what was filled in, if anything.
pub fn policy_from_log(text: &str, spec: &RetrySpec, fit: &Fit) -> (String, Option<String>) {
    let RetrySpec::Exim(params) = spec else {
        return (text.to_string(), None);
    };
    let mut text = text.to_string();
    let mut filled = Vec::new();
    if let (None, Some(interval)) = (params.queue_interval, fit.queue_interval_s) {
        let line = format!(
            "queue_interval: \"{interval}s\", // from the log: the daemon started with -q{interval}s"
        );
        if let Some(with) = replace_field(&text, "queue_interval", &line) {
            text = with;
            filled.push("queue_interval from the log's daemon start");
        }
    }
    if let (true, Some(first)) = (
        params.queue_run_start.as_millis() == 0,
        fit.first_queue_run_ms,
    ) {
        let line = format!(
            "queue_run_start: {}, // from the log: its first `Start queue run` after the daemon's start",
            duration(first)
        );
        if let Some(with) = replace_field(&text, "queue_run_start", &line) {
            text = with;
            filled.push("queue_run_start from the log's first queue run");
        }
    }
    if let (true, Some(bounce)) = (
        params.queue_run_bounce_time.as_millis() == 0,
        &fit.queue_run_bounce,
    ) {
        let line = format!(
            "queue_run_bounce_time: {}, // from the log: {} ({} expiries)",
            duration(bounce.ms),
            bounce.how,
            bounce.samples
        );
        if let Some(with) = replace_field(&text, "queue_run_bounce_time", &line) {
            text = with;
            filled.push("queue_run_bounce_time from the log's queue runs");
        }
    }
    let note = (!filled.is_empty()).then(|| filled.join("; "));
    (text, note)
}

/// `text` with the line setting `field` replaced by `line` (same indentation).
fn replace_field(text: &str, field: &str, line: &str) -> Option<String> {
    let mut found = false;
    let replaced: Vec<String> = text
        .lines()
        .map(|l| {
            let trimmed = l.trim_start();
            if !found && trimmed.starts_with(&format!("{field}:")) {
                found = true;
                format!("{}{line}", &l[..l.len() - trimmed.len()])
            } else {
                l.to_string()
            }
        })
        .collect();
    found.then(|| replaced.join("\n") + "\n")
}

/// A duration of `ms` milliseconds as a scenario writes it.
fn duration(ms: i64) -> String {
    format!("\"{}\"", SimDuration(ms.max(0) as u64))
}

/// `12.5s`-style text for comments.
fn seconds(ms: i64) -> String {
    let s = ms as f64 / 1000.0;
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s:.3}s").trim_end_matches('0').to_string()
    }
}

/// The run's horizon, in whole seconds: the log's last event (and a second) when mail was still
/// queued at its end, so the run stops where the log does; otherwise a quarter of the span (at
/// least five minutes) later, so that a simulated message slower than the real one is not cut
/// off.
fn horizon_ms(fit: &Fit) -> i64 {
    let end = fit.end_ms.max(0);
    let margin = if fit.queued_at_end {
        1000
    } else {
        (end / 4).max(300_000)
    };
    ((end + margin) / 1000 + 1) * 1000
}

/// A sample interval of about a two-hundredth of the span, rounded to a usual value.
fn sample_every(horizon_ms: i64) -> &'static str {
    let target = horizon_ms / 200;
    let choices = [
        (1_000, "1s"),
        (5_000, "5s"),
        (10_000, "10s"),
        (30_000, "30s"),
        (60_000, "1m"),
        (300_000, "5m"),
        (900_000, "15m"),
        (3_600_000, "1h"),
    ];
    choices
        .iter()
        .find(|(ms, _)| *ms >= target)
        .map_or("1h", |(_, text)| text)
}

/// The fitted scenario.
pub fn scenario_text(fit: &Fit, input: &ScenarioInput) -> String {
    let mut text = Text::default();
    text.comment(
        0,
        &format!(
            "Fitted by `mailsim fit` from {} ({} log). Time zero is {}: {}.",
            input.log,
            input.format,
            fit.zero.rfc3339(),
            fit.zero_source
        ),
    );
    text.comment(
        0,
        "Each estimate says how it was made and how sure it is; `mailsim fit` ran this scenario and compared it with the log (the fit report beside it).",
    );
    text.code(0, "(", None);
    text.field(1, "name", &super::super::config::ron_string(input.name), "");
    text.field(
        1,
        "description",
        &super::super::config::ron_string(&format!(
            "{} fitted to {} ({} arrivals)",
            input.name, input.log, fit.arrivals
        )),
        "",
    );
    let horizon = horizon_ms(fit);
    text.code(
        1,
        &format!(
            "run: (horizon: {}, sample_every: \"{}\", seed: 1),",
            duration(horizon),
            sample_every(horizon)
        ),
        Some(if fit.queued_at_end {
            "the log's span: mail was still queued at its end".to_string()
        } else {
            "the log's span and a margin (every message ended in the log)".to_string()
        }),
    );
    sender(&mut text, fit, input);
    text.code(1, "receivers: {", None);
    for receiver in &fit.receivers {
        receiver_text(&mut text, receiver, horizon);
    }
    text.code(1, "},", None);
    text.code(0, ")", None);
    text.render()
}

fn sender(text: &mut Text, fit: &Fit, input: &ScenarioInput) {
    text.code(1, "senders: [(", None);
    text.field(2, "name", "\"mta\"", "");
    let mut replay = format!("{} arrivals as logged", fit.arrivals);
    if fit.not_replayed > 0 {
        let _ = write!(
            replay,
            "; {} message(s) arrived before the log began and are left out",
            fit.not_replayed
        );
    }
    text.field(
        2,
        "traffic",
        &format!(
            "[Replay(file: {})]",
            super::super::config::ron_string(input.arrivals_file)
        ),
        replay,
    );
    let (bounced, messages) = fit.bounced;
    let share = bounced as f64 / messages.max(1) as f64;
    text.field(
        2,
        "recipients",
        &format!("(invalid_share: {})", round(share, 4)),
        format!("{bounced} of {messages} messages bounced (5xx): modelled as invalid recipients"),
    );
    match &fit.transaction {
        Some(timing) => text.field(
            2,
            "connections",
            &format!("(transaction_time: Fixed({}))", duration(timing.ms)),
            format!("{} ({} values)", timing.how, timing.samples),
        ),
        None => text.comment(
            2,
            "connections: defaults (no queue run and no message delivered at its first attempt to time a try)",
        ),
    }
    text.comment(2, &format!("retry: {}.", input.policy_source));
    let lines: Vec<&str> = input.policy.trim_end().lines().collect();
    let code_at = lines
        .iter()
        .position(|l| !l.trim_start().starts_with("//"))
        .unwrap_or(lines.len());
    for line in &lines[..code_at] {
        text.code(2, line.trim_start(), None);
    }
    for (i, line) in lines[code_at..].iter().enumerate() {
        let last = code_at + i + 1 == lines.len();
        let line = if last {
            format!("{line},")
        } else {
            line.to_string()
        };
        if i == 0 {
            text.code(2, &format!("retry: {line}"), None);
        } else {
            text.code(2, &line, None);
        }
    }
    text.code(1, ")],", None);
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

fn receiver_text(text: &mut Text, r: &ReceiverFit, horizon: i64) {
    text.code(
        2,
        &format!("{}: (", super::super::config::ron_string(&r.name)),
        None,
    );
    let replies: Vec<String> = r
        .deferrals
        .iter()
        .take(4)
        .map(|(reply, count)| format!("{reply} ×{count}"))
        .collect();
    let deferred: u64 = r.deferrals.iter().map(|(_, c)| c).sum();
    text.comment(
        3,
        &format!(
            "{} attempts reached or tried it; {deferred} deferred{}.",
            r.tried,
            if replies.is_empty() {
                String::new()
            } else {
                format!(" ({})", replies.join(", "))
            }
        ),
    );
    let end = |w: &Window| w.end_ms.unwrap_or(horizon);
    let mut outages: Vec<String> = r
        .outages
        .iter()
        .map(|w| {
            let kind = match w.kind {
                FailureKind::Refused | FailureKind::MxLookup => "Refused",
                FailureKind::Timeout => "Timeout",
                FailureKind::Greeting421 => "Greeting421",
                FailureKind::Deferred => "Reply451",
            };
            format!(
                "(start: {}, end: {}, kind: {kind}, fraction: {})",
                duration(w.start_ms),
                duration(end(w)),
                round(w.probability(), 4)
            )
        })
        .collect();
    if !r.outages.is_empty() {
        text.comment(3, "Site-level failures (refused, timed out, 421 greeting): stretches of constant failure share by binary segmentation (BIC); `fraction` is the share that failed (± its standard error), the edges halfway between the attempts around them:");
        for w in &r.outages {
            text.comment(3, &window_note(w));
        }
    }
    let incidents = soft_text(text, r, horizon, &mut outages);
    outages.sort();
    list(text, "outages", &outages);
    list(text, "incidents", &incidents);
    text.code(2, "),", None);
}

/// The receiver's transaction-level deferrals: comments and its throttle written into `text`,
/// deferral windows added to `outages` (message level) or returned as incidents.
fn soft_text(
    text: &mut Text,
    r: &ReceiverFit,
    horizon: i64,
    outages: &mut Vec<String>,
) -> Vec<String> {
    let end = |w: &Window| w.end_ms.unwrap_or(horizon);
    let mut incidents = Vec::new();
    match &r.soft {
        Soft::None => {}
        Soft::Bucket {
            fit,
            bic,
            windows_bic,
        } => {
            text.comment(3, &format!(
                "Transaction deferrals follow the load: a per-IP token bucket fits them better (BIC {:.1}) than windows of constant deferral share (BIC {:.1}). Rate and burst by maximum likelihood on the accept/defer sequence ({} of {} attempts mispredicted); 95 % likelihood region: rate {:.3}–{:.3}/s, burst {}–{}.",
                bic, windows_bic, fit.mismatches, fit.attempts, fit.rate_range.0, fit.rate_range.1, fit.burst_range.0, fit.burst_range.1
            ));
            text.field(
                3,
                "throttle",
                &format!("(rate: \"{}/s\", burst: {})", round(fit.rate, 4), fit.burst),
                "",
            );
        }
        Soft::Windows {
            windows,
            bic,
            bucket_bic,
        } => {
            let versus = bucket_bic.map_or("no token bucket could be fitted".to_string(), |b| {
                format!("BIC {bic:.1} against {b:.1} for a token bucket")
            });
            let as_what = if r.message_scope {
                "Reply451 outages (the deferrals answered MAIL FROM)"
            } else {
                "incidents (451 4.7.500 at RCPT TO)"
            };
            text.comment(3, &format!(
                "Transaction deferrals: stretches of constant deferral share by binary segmentation ({versus}), written as {as_what}; `deferral` is the share deferred:"
            ));
            for (i, w) in windows.iter().enumerate() {
                text.comment(3, &window_note(w));
                let p = round(w.probability(), 4);
                if r.message_scope {
                    outages.push(format!(
                        "(start: {}, end: {}, kind: Reply451, fraction: {p})",
                        duration(w.start_ms),
                        duration(end(w))
                    ));
                } else {
                    incidents.push(format!(
                        "(name: \"deferrals {}\", start: {}, end: {}, fraction: 1.0, deferral: {p})",
                        i + 1,
                        duration(w.start_ms),
                        duration(end(w))
                    ));
                }
            }
        }
    }
    incidents
}

fn list(text: &mut Text, name: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    text.code(3, &format!("{name}: ["), None);
    for item in items {
        text.code(4, &format!("{item},"), None);
    }
    text.code(3, "],", None);
}

/// One window's estimate and uncertainty, for a comment.
fn window_note(w: &Window) -> String {
    let end = match w.end_ms {
        Some(end) => format!("{} (± {})", seconds(end), seconds(w.end_spread_ms)),
        None => "the end of the log".to_string(),
    };
    format!(
        "  {} (± {}) to {end}: {} of {} failed, share {:.3} ± {:.3}",
        seconds(w.start_ms),
        seconds(w.start_spread_ms),
        w.failures,
        w.attempts,
        w.probability(),
        w.standard_error()
    )
}
