//! The summary printed on the terminal after a run: the headline, then a compact table, one
//! aligned line per figure, with the counts [`super::figures`] lists for every view.

use std::fmt::Write;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Summary;
use crate::model::RunOutput;
use crate::scenario::Scenario;

use super::figures::{human_duration, latency_points, peaks, tallies, unfinished_warning};
use super::headline::run_headline;
use super::units::{grouped, percent};

/// Writes one aligned line: label, value, and a note (if any; no trailing blanks).
fn row(out: &mut String, label: &str, value: String, note: String) {
    let line = format!("  {label:<20} {value:>12}  {note}");
    let _ = writeln!(out, "{}", line.trim_end());
}

/// What `mailsim run` prints: the summary table with the run's headline (tiles and what
/// happened) between its title line and its rows.
pub fn terminal_summary(scenario: &Scenario, output: &RunOutput) -> String {
    let table = summary_table(&output.summary);
    let (title, rows) = table.split_once('\n').unwrap_or((&table, ""));
    let headline = run_headline(scenario, output).text();
    format!("{title}\n{headline}\n{rows}")
}

/// The summary as an aligned, human-readable table.
pub fn summary_table(summary: &Summary) -> String {
    let mut out = String::new();
    let meta = &summary.meta;
    let _ = writeln!(
        out,
        "{} · seed {} · replication {}",
        meta.scenario, meta.seed, meta.replication
    );
    if let Some(clock) = &meta.start {
        let _ = writeln!(
            out,
            "  started {} (clock times below are at UTC{})",
            clock.date_and_time(SimTime::ZERO),
            clock.offset_text()
        );
    }
    if let Some(warning) = unfinished_warning(summary) {
        let _ = writeln!(out, "  !!! {warning}");
    }
    completion_rows(&mut out, summary);
    if let Some(warmup) = summary.warmup_s {
        let _ = writeln!(
            out,
            "  warm-up {}: latency and Little's law count only messages that arrived after it",
            SimDuration::from_secs_f64(warmup)
        );
    }
    outcome_rows(&mut out, summary);
    for count in tallies(summary) {
        row(&mut out, count.label, grouped(count.value), String::new());
    }
    latency_rows(&mut out, summary);
    for count in peaks(summary) {
        row(&mut out, count.label, grouped(count.value), String::new());
    }
    let emptied = summary
        .retry_queue_empty_s
        .map_or("—".into(), human_duration);
    let note = match summary.retry_queue_empty_s.map(|t| clock_at(summary, t)) {
        Some(clock) if !clock.is_empty() => format!("last emptied, {clock}"),
        _ => "last emptied".to_string(),
    };
    row(&mut out, "retry queue empty", emptied, note);
    let ended = human_duration(summary.end_time_s);
    let note = clock_at(summary, summary.end_time_s);
    row(&mut out, "run ended at", ended, note);
    row(&mut out, "events", grouped(summary.events), String::new());
    out
}

/// When all mail was done, and the share of arrived messages delivered within each deadline.
fn completion_rows(out: &mut String, s: &Summary) {
    match s.all_done_s {
        Some(t) => row(out, "all mail done at", human_duration(t), clock_at(s, t)),
        None => row(
            out,
            "all mail done at",
            "—".into(),
            format!("not by the end: {} still queued", grouped(s.queued_at_end)),
        ),
    }
    for by in &s.delivered_by {
        let share = by.share.map_or("—".into(), percent);
        row(
            out,
            &format!("delivered within {}", by.deadline),
            share,
            format!("{} messages", grouped(by.delivered)),
        );
    }
}

/// The clock time of an instant (seconds since the start), e.g. `Mon 13:10`; empty when the
/// run has no start.
fn clock_at(s: &Summary, seconds: f64) -> String {
    s.meta.start.map_or_else(String::new, |clock| {
        clock.day_and_time(SimTime(SimDuration::from_secs_f64(seconds).as_millis()))
    })
}

/// Where the arrived messages went (with their shares), the attempts and the deferrals by
/// enhanced status code.
fn outcome_rows(out: &mut String, s: &Summary) {
    let arrived = s.arrived.max(1) as f64;
    let share = |n: u64| format!("{:5.1}%", n as f64 / arrived * 100.0);
    row(out, "arrived", grouped(s.arrived), String::new());
    for (label, count) in [
        ("delivered", s.delivered),
        ("bounced (5xx)", s.bounced),
        ("expired", s.expired),
        ("still queued", s.queued_at_end),
    ] {
        row(out, label, grouped(count), share(count));
    }
    row(
        out,
        "attempts",
        grouped(s.attempts),
        format!("{:.2} per message", s.attempts as f64 / arrived),
    );
    let by_code: Vec<String> = s
        .deferrals
        .iter()
        .map(|(code, n)| format!("{code}: {}", grouped(*n)))
        .collect();
    let deferrals: u64 = s.deferrals.values().sum();
    row(out, "deferrals", grouped(deferrals), by_code.join(", "));
}

/// The latency figures, one to a line as in `summary.md`, or a dash when nothing was
/// delivered.
fn latency_rows(out: &mut String, s: &Summary) {
    let Some(l) = &s.latency_s else {
        row(out, "latency", "—".into(), "nothing delivered".into());
        return;
    };
    for (label, seconds) in latency_points(l) {
        row(out, label, human_duration(seconds), String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{LittleSummary, Meta};
    use crate::report::summary_figures;

    fn summary() -> Summary {
        Summary {
            meta: Meta {
                tool: "mailsim".into(),
                scenario: "s".into(),
                scenario_file: "s.ron".into(),
                seed: 1,
                replication: 0,
                start: None,
            },
            all_done_s: None,
            delivered_by: Vec::new(),
            arrived: 4,
            delivered: 3,
            bounced: 1,
            expired: 0,
            queued_at_end: 0,
            attempts: 6,
            deferrals: [("4.7.500".to_string(), 2)].into(),
            deferral_replies: Default::default(),
            delay_warnings: 5,
            queue_alerts: 6,
            latency_s: None,
            peak_queue: 7,
            peak_waiting_connection: 8,
            retry_queue_empty_s: None,
            attempts_per_message: Default::default(),
            little: LittleSummary {
                mean_queued: 0.0,
                throughput_per_s: 0.0,
                mean_time_in_queue_s: 0.0,
            },
            end_time_s: 90.0,
            events: 9,
            warmup_s: None,
        }
    }

    #[test]
    fn every_listed_count_shows_in_the_table_and_the_figures() {
        let s = summary();
        let table = summary_table(&s);
        let figures = summary_figures(&s);
        for count in tallies(&s).into_iter().chain(peaks(&s)) {
            let line = format!("  {:<20} {:>12}\n", count.label, grouped(count.value));
            assert!(table.contains(&line), "{line:?} in\n{table}");
            assert!(figures.contains(&count.into()), "{}", count.label);
        }
    }

    #[test]
    fn the_table_shows_shares_and_says_when_nothing_was_delivered() {
        let table = summary_table(&summary());
        let line = |label: &str, value: &str, note: &str| {
            format!("  {label:<20} {value:>12}  {note}")
                .trim_end()
                .to_string()
                + "\n"
        };
        assert!(table.starts_with("s · seed 1 · replication 0\n"));
        assert!(table.contains(&line("delivered", "3", " 75.0%")));
        assert!(table.contains(&line("deferrals", "2", "4.7.500: 2")));
        assert!(table.contains(&line("latency", "—", "nothing delivered")));
        let end = line("run ended at", "1m30s", "") + &line("events", "9", "");
        assert!(table.ends_with(&end), "{table}");
    }
}
