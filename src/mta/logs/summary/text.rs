//! The observed summary as the terminal shows it, and the human units it uses.

use std::fmt;

use super::{HourRow, LineTally, ObservedSummary};

/// A duration the way the summary shows it: `4.2s`, `42s`, `12m05s`, `1h02m`, `2d03h`.
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "—".to_string();
    }
    if seconds < 10.0 && seconds.fract() != 0.0 {
        return format!("{seconds:.1}s");
    }
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s / 60 % 60),
        _ => format!("{}d{:02}h", s / 86_400, s / 3600 % 24),
    }
}

/// A share as a percentage with one decimal, e.g. `12.5%`; `—` for nothing out of nothing.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "—".to_string()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// Hourly rows shown in the terminal; the CSV has them all.
const HOURS_SHOWN: usize = 24;

impl fmt::Display for ObservedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_counts(f)?;
        self.write_latency(f)?;
        self.write_breakdowns(f)?;
        self.write_hours(f)?;
        write!(f, "{}", LinesReport(&self.lines))?;
        for note in &self.notes {
            writeln!(f, "  note: {note}")?;
        }
        Ok(())
    }
}

impl ObservedSummary {
    /// The span, the messages by outcome, attempts and deferrals.
    fn write_counts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.outcomes;
        let n = self.messages;
        match self.span {
            Some((from, to)) => writeln!(
                f,
                "Observed ({} log): {} to {} ({})",
                self.format,
                from.short(),
                to.short(),
                human_duration(to.seconds_since(from))
            )?,
            None => writeln!(f, "Observed ({} log): no messages", self.format)?,
        }
        writeln!(
            f,
            "  messages        {n:>8}  ({} arrived in the log, {} before it)",
            self.arrivals_in_log,
            n - self.arrivals_in_log
        )?;
        for (label, count) in [
            ("delivered", o.delivered),
            ("bounced", o.bounced),
            ("expired", o.expired),
            ("removed", o.removed),
            ("still queued", o.queued),
        ] {
            if count > 0 || matches!(label, "delivered" | "bounced" | "expired") {
                writeln!(f, "  {label:<14}  {count:>8}  {:>6}", percent(count, n))?;
            }
        }
        if self.mta_notices > 0 {
            writeln!(
                f,
                "  MTA notices     {:>8}  (bounces and warnings the MTA sent; not counted above)",
                self.mta_notices
            )?;
        }
        let skipped = match self.skipped_attempts {
            0 => String::new(),
            n => format!(", {n} skipped by the MTA without trying"),
        };
        writeln!(
            f,
            "  attempts        {:>8}  ({} reached the destination{skipped})",
            self.attempts, self.connected_attempts
        )?;
        writeln!(
            f,
            "  deferrals       {:>8}  {:>6} of attempts",
            self.deferrals,
            percent(self.deferrals, self.attempts)
        )
    }

    fn write_latency(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.latency_s {
            Some(l) => writeln!(
                f,
                "  latency         p50 {}  p90 {}  p99 {}  max {}  (exact, {} delivered)",
                human_duration(l.p50),
                human_duration(l.p90),
                human_duration(l.p99),
                human_duration(l.max),
                l.count
            ),
            None => writeln!(f, "  latency         — (no delivery with a known arrival)"),
        }
    }

    /// Deferrals by reply and attempts per message.
    fn write_breakdowns(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.deferrals_by_reply.is_empty() {
            writeln!(f, "  deferrals by reply")?;
            for r in &self.deferrals_by_reply {
                writeln!(
                    f,
                    "    {:<22} {:>8}  {:>6}",
                    r.reply,
                    r.count,
                    percent(r.count, self.deferrals)
                )?;
            }
        }
        if !self.attempts_per_message.is_empty() {
            writeln!(f, "  attempts per message")?;
            for bin in &self.attempts_per_message {
                writeln!(
                    f,
                    "    {:>3} attempt{}  {:>8}  {:>6}",
                    bin.attempts,
                    if bin.attempts == 1 { " " } else { "s" },
                    bin.messages,
                    percent(bin.messages, self.messages)
                )?;
            }
        }
        Ok(())
    }

    /// The deferral rate of the first hours with attempts.
    fn write_hours(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let busy: Vec<&HourRow> = self.hourly.iter().filter(|h| h.attempts > 0).collect();
        if busy.is_empty() {
            return Ok(());
        }
        writeln!(f, "  deferral rate by hour (hours with attempts)")?;
        for row in busy.iter().take(HOURS_SHOWN) {
            writeln!(
                f,
                "    {}  {:>7} attempts  {:>7} deferred  {:>6}",
                row.hour.short(),
                row.attempts,
                row.deferrals,
                percent(row.deferrals, row.attempts)
            )?;
        }
        if busy.len() > HOURS_SHOWN {
            writeln!(
                f,
                "    … {} more hours in observed-hourly.csv",
                busy.len() - HOURS_SHOWN
            )?;
        }
        Ok(())
    }
}

/// The line tally as text: totals, then every ignored and problem reason with its first line
/// numbers.
pub struct LinesReport<'a>(pub &'a LineTally);

impl fmt::Display for LinesReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        writeln!(
            f,
            "Lines: {} read, {} used, {} ignored, {} malformed or not understood",
            t.read,
            t.used,
            t.ignored_total(),
            t.problem_total()
        )?;
        for (kind, map) in [("ignored", &t.ignored), ("problem", &t.problems)] {
            for (reason, count) in map {
                let lines: Vec<String> = count.first_lines.iter().map(u64::to_string).collect();
                writeln!(
                    f,
                    "  {kind:<7} {:>7}  {reason} (line{} {}{})",
                    count.count,
                    if count.count == 1 { "" } else { "s" },
                    lines.join(", "),
                    if count.count > lines.len() as u64 {
                        ", …"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Ok(())
    }
}
