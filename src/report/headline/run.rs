//! The headline of one run: where the messages went, when the last one left, how long they
//! waited, and which replies deferred them and when (inside which outage or incident).

use super::{Headline, Tile, Tone, plural};
use crate::domain::{Reply, ReplyClass};
use crate::model::RunOutput;
use crate::report::charts::{Window, trouble_windows};
use crate::report::units::{count, duration, percent};
use crate::scenario::Scenario;

/// The headline of a run.
pub fn run_headline(scenario: &Scenario, output: &RunOutput) -> Headline {
    let end_s = output.summary.end_time_s;
    let windows: Vec<Window> = trouble_windows(scenario, end_s)
        .into_iter()
        .filter(|(start, stop, _)| stop > start)
        .collect();
    let mut sentences = vec![outcome_sentence(output, &windows)];
    sentences.extend(latency_sentence(output));
    sentences.extend(deadline_sentence(output));
    sentences.extend(deferral_sentence(output, &windows));
    Headline {
        tiles: tiles(output),
        sentences,
    }
}

/// Delivered, all done, p99 latency, peak queue, deferral rate and what was not delivered.
fn tiles(output: &RunOutput) -> Vec<Tile> {
    let s = &output.summary;
    let share = |n: u64| n as f64 / s.arrived.max(1) as f64;
    let delivered_tone = match share(s.delivered) {
        x if x >= 1.0 => Tone::Good,
        x if x >= 0.95 => Tone::Warn,
        _ => Tone::Bad,
    };
    vec![
        Tile::new(
            "Delivered",
            percent(share(s.delivered)),
            format!(
                "{} of {}",
                count(s.delivered as f64),
                count(s.arrived as f64)
            ),
            delivered_tone,
        ),
        done_tile(output),
        latency_tile(output),
        peak_tile(output),
        rate_tile(output),
        failed_tile(output),
    ]
}

/// When all mail was done, or how much was left.
fn done_tile(output: &RunOutput) -> Tile {
    let s = &output.summary;
    match s.all_done_s {
        Some(t) => Tile::new(
            "All mail done at",
            duration(t),
            "the last message left the queue".into(),
            Tone::Plain,
        ),
        None => Tile::new(
            "All mail done at",
            "not done".into(),
            format!(
                "{} still queued at {}",
                count(s.queued_at_end as f64),
                duration(s.end_time_s)
            ),
            Tone::Bad,
        ),
    }
}

/// The p99 latency, with the median beside it.
fn latency_tile(output: &RunOutput) -> Tile {
    match &output.summary.latency_s {
        Some(l) => Tile::new(
            "p99 latency",
            duration(l.p99),
            format!("median {}", duration(l.p50)),
            Tone::Plain,
        ),
        None => Tile::new(
            "p99 latency",
            "–".into(),
            "nothing delivered".into(),
            Tone::Bad,
        ),
    }
}

/// The most messages waiting for a retry at once (and for a connection, if any did).
fn peak_tile(output: &RunOutput) -> Tile {
    let s = &output.summary;
    let waiting = if s.peak_waiting_connection > 0 {
        format!(
            "waiting for a retry; {} for a connection",
            count(s.peak_waiting_connection as f64)
        )
    } else {
        "waiting for a retry".to_string()
    };
    Tile::new(
        "Peak queue",
        count(s.peak_queue as f64),
        waiting,
        Tone::Plain,
    )
}

/// Temporary replies per attempt, at every receiver together.
fn rate_tile(output: &RunOutput) -> Tile {
    let (attempts, deferred) = receiver_totals(output);
    let rate = if attempts > 0 {
        percent(deferred as f64 / attempts as f64)
    } else {
        "–".into()
    };
    let note = format!(
        "{} of {} attempts",
        count(deferred as f64),
        count(attempts as f64)
    );
    Tile::new("Deferral rate", rate, note, Tone::Plain)
}

/// Bounced and expired messages.
fn failed_tile(output: &RunOutput) -> Tile {
    let s = &output.summary;
    let failed = s.bounced + s.expired;
    let note = format!(
        "{} bounced, {} expired",
        count(s.bounced as f64),
        count(s.expired as f64)
    );
    let tone = if failed == 0 { Tone::Good } else { Tone::Bad };
    Tile::new("Not delivered", count(failed as f64), note, tone)
}

/// Attempts and temporary replies at every receiver together.
fn receiver_totals(output: &RunOutput) -> (u64, u64) {
    let d = &output.deliverability;
    (0..d.receivers())
        .map(|r| d.receiver(r))
        .fold((0, 0), |(a, t), o| (a + o.attempts, t + o.deferred))
}

/// What happened to the messages, and when the last left relative to the trouble windows.
fn outcome_sentence(output: &RunOutput, windows: &[Window]) -> String {
    let s = &output.summary;
    if s.arrived == 0 {
        return "No message arrived in this run.".into();
    }
    if s.delivered == s.arrived {
        return format!(
            "All {} were delivered{}.",
            plural(s.arrived, "message"),
            backlog(output, windows)
        );
    }
    let mut parts = vec![format!(
        "{} of {} messages ({}) were delivered",
        count(s.delivered as f64),
        count(s.arrived as f64),
        percent(s.delivered as f64 / s.arrived as f64)
    )];
    if s.bounced > 0 {
        parts.push(format!(
            "{} bounced on a permanent (5xx) reply",
            count(s.bounced as f64)
        ));
    }
    if s.expired > 0 {
        parts.push(format!(
            "{} expired when the retry policy gave up",
            count(s.expired as f64)
        ));
    }
    if s.queued_at_end > 0 {
        parts.push(format!(
            "{} were still queued when the run stopped at {}",
            count(s.queued_at_end as f64),
            duration(s.end_time_s)
        ));
    }
    format!("{}{}.", parts.join("; "), backlog(output, windows))
}

/// `; the retry backlog cleared at 5h20m, 20m after the contoso outage (timeouts) ended, and
/// all mail was done at 8h`, or less when no message waited for a retry, the backlog never
/// cleared or mail was left at the end.
fn backlog(output: &RunOutput, windows: &[Window]) -> String {
    let s = &output.summary;
    let cleared = match s.retry_queue_empty_s {
        Some(t) if s.peak_queue > 0 => format!(
            "; the retry backlog cleared at {}{}",
            duration(t),
            after_windows(t, windows)
        ),
        _ => String::new(),
    };
    let done = match s.all_done_s {
        Some(t) if cleared.is_empty() => format!("; all mail was done at {}", duration(t)),
        Some(t) => format!(", and all mail was done at {}", duration(t)),
        None => String::new(),
    };
    cleared + &done
}

/// The share delivered within each deadline: `Of the arrived messages, 12% were delivered
/// within 5m, 80% within 1h and 99% within 4h.`
fn deadline_sentence(output: &RunOutput) -> Option<String> {
    let shares: Vec<(String, &str)> = output
        .summary
        .delivered_by
        .iter()
        .filter_map(|by| Some((percent(by.share?), by.deadline.as_str())))
        .collect();
    let ((first, within), rest) = shares.split_first()?;
    let mut sentence = format!("Of the arrived messages, {first} were delivered within {within}");
    for (i, (share, within)) in rest.iter().enumerate() {
        let joint = if i + 1 == rest.len() { " and" } else { "," };
        sentence.push_str(&format!("{joint} {share} within {within}"));
    }
    sentence.push('.');
    Some(sentence)
}

/// `, 20m after the contoso outage (timeouts) ended` for the window that ended last before
/// `t`; empty when none did.
fn after_windows(t: f64, windows: &[Window]) -> String {
    windows
        .iter()
        .filter(|(_, stop, _)| *stop <= t)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(String::new(), |(_, stop, label)| {
            format!(", {} after the {label} ended", duration(t - stop))
        })
}

/// How long messages waited, and the notices sent.
fn latency_sentence(output: &RunOutput) -> Option<String> {
    let s = &output.summary;
    let l = s.latency_s.as_ref()?;
    let mut sentence = format!(
        "Half of the delivered messages arrived within {}, 99% within {} and the slowest after {}",
        duration(l.p50),
        duration(l.p99),
        duration(l.max)
    );
    if s.delay_warnings > 0 {
        sentence.push_str(&format!(
            "; {} went back to senders",
            plural(s.delay_warnings, "delay notice")
        ));
    }
    if s.queue_alerts > 0 {
        sentence.push_str(&format!(
            "; {} raised",
            plural(s.queue_alerts, "queue alert")
        ));
    }
    sentence.push('.');
    Some(sentence)
}

/// Which replies deferred the messages, and whether they came inside the trouble windows.
fn deferral_sentence(output: &RunOutput, windows: &[Window]) -> Option<String> {
    let last = output.samples.last()?;
    let mut replies: Vec<(Reply, u64)> = Reply::ALL
        .into_iter()
        .filter(|r| r.class() == ReplyClass::Temporary)
        .map(|r| (r, last.deferrals_by_reply[r.index()]))
        .filter(|(_, n)| *n > 0)
        .collect();
    let total: u64 = replies.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return Some(if output.summary.bounced > 0 {
            "No attempt was deferred: every failure was permanent and bounced at once.".into()
        } else {
            "No attempt was deferred.".into()
        });
    }
    replies.sort_by_key(|&(r, n)| (std::cmp::Reverse(n), r.index()));
    let (top, top_count) = replies[0];
    let share = top_count as f64 / total as f64;
    let during = during(output, top, windows);
    Some(if total == 1 {
        format!("There was one deferral: {}{during}.", phrase(top))
    } else if top_count == total {
        format!(
            "All {} deferrals were {}{during}.",
            count(total as f64),
            phrase(top)
        )
    } else if share >= 0.5 {
        let (second, _) = replies[1];
        format!(
            "{} of the {} deferrals were {}{during}; most of the rest were {}.",
            percent(share),
            count(total as f64),
            phrase(top),
            phrase(second)
        )
    } else {
        let mix: Vec<String> = replies
            .iter()
            .take(3)
            .map(|&(r, n)| format!("{} {}", percent(n as f64 / total as f64), phrase(r)))
            .collect();
        format!(
            "The {} deferrals were mixed: {}.",
            count(total as f64),
            mix.join(", ")
        )
    })
}

/// `, during the contoso outage (timeouts)` when nine in ten deferrals with `reply` came
/// inside one window (or `, during the shaded windows` inside several); empty otherwise.
fn during(output: &RunOutput, reply: Reply, windows: &[Window]) -> String {
    let samples = &output.samples;
    let cumulative = |t: f64| {
        samples
            .iter()
            .take_while(|s| s.time.as_secs_f64() <= t)
            .last()
            .map_or(0, |s| s.deferrals_by_reply[reply.index()])
    };
    let total = cumulative(f64::INFINITY);
    if total == 0 || windows.is_empty() {
        return String::new();
    }
    let inside =
        |(start, stop, _): &Window| cumulative(*stop).saturating_sub(cumulative(*start - 1e-9));
    let best = windows.iter().max_by_key(|w| inside(w));
    if let Some(window) = best
        && inside(window) * 10 >= total * 9
    {
        return format!(", during the {}", window.2);
    }
    let all: u64 = windows.iter().map(inside).sum();
    if all * 10 >= total * 9 {
        ", during the shaded windows".into()
    } else {
        String::new()
    }
}

/// The reason for a deferral, as a plural noun phrase with its code.
fn phrase(reply: Reply) -> String {
    let words = match reply {
        Reply::ServerBusy => "throttling replies, \"server busy\"",
        Reply::IpReputation => "reputation deferrals",
        Reply::ConnectTimeout => "connection timeouts",
        Reply::ConnectRefused => "refused connections",
        Reply::Greeting421 => "421 replies at the greeting",
        Reply::TemporaryError451 => "451 temporary server errors",
        Reply::AccessDenied => "anti-spam restrictions, \"access denied\"",
        Reply::SpfTempError => "SPF temperrors",
        Reply::MxLookupFailed => "MX lookup failures at the sender",
        Reply::Greylisted => "greylisting deferrals",
        Reply::AuthDeferral => "authentication deferrals",
        other => other.text(),
    };
    format!("{words} ({})", reply.enhanced())
}
