//! `mailsim replay`: read a real MTA log into `arrivals.csv` (the `Replay` traffic source's
//! format), the observed outcomes (per message, per attempt, per hour, summary JSON) and print
//! the observed summary with the count of every line that was ignored or not understood.

use std::fs;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use mailsim::mta::logs::{
    self, Format, ObservedSummary, ParseOptions, YearRule, parse_utc_offset, write,
};

use super::{CliError, print_stdout};

/// The log to read and how to read its times (shared by `replay` and `fit`).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The log file (`-` reads standard input); decompress rotated `.gz`/`.zst` files first.
    pub log: PathBuf,
    /// The log's format: postfix, exim or kumomta.
    #[arg(long, value_parser = parse_format)]
    pub format: Format,
    /// The year of the log's first line, for syslog stamps that have none (Postfix, Exim via
    /// syslog). Default: the date in the file name (`maillog-20250101`), else the file's
    /// modification time, taken as the end of the log.
    #[arg(long)]
    pub year: Option<i32>,
    /// The UTC offset of stamps that carry none (traditional syslog, Exim without
    /// `log_timezone`), e.g. `+01:00`. Default: read them as UTC (the summary says so).
    #[arg(long, value_parser = parse_utc_offset, allow_hyphen_values = true)]
    pub utc_offset: Option<i32>,
}

impl LogArgs {
    /// Reads and parses the log.
    pub fn history(&self) -> Result<logs::History, CliError> {
        let text = read_log(&self.log)?;
        let options = ParseOptions {
            year: year_rule(self),
            utc_offset: self.utc_offset,
        };
        Ok(logs::parse(self.format, &text, &options))
    }

    /// The log file's name, for output names (`stdin` for standard input).
    pub fn file_name(&self) -> String {
        self.log
            .file_name()
            .map_or("stdin".into(), |n| n.to_string_lossy().into_owned())
    }
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    input: LogArgs,
    /// How `arrivals.csv` writes `time`: RFC 3339, or seconds since the first arrival.
    #[arg(long, value_enum, default_value_t = Times::Rfc3339)]
    times: Times,
    /// Folder for the output files. Default: `replay-<log file name>` in the current folder.
    #[arg(short, long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Times {
    Rfc3339,
    Seconds,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

/// The year rule: `--year`, else a `YYYYMMDD` date in the file name, else its modification
/// time (standard input: now).
fn year_rule(args: &LogArgs) -> YearRule {
    if let Some(year) = args.year {
        return YearRule::FirstLine(year);
    }
    let name = args
        .log
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(rule) = date_in_name(&name) {
        return rule;
    }
    let modified = fs::metadata(&args.log)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| std::time::SystemTime::now());
    let unix_s = modified
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    YearRule::ended_at(unix_s)
}

/// `…20250101…` (a rotation date, as `logrotate` or `postfix logrotate` write it).
fn date_in_name(name: &str) -> Option<YearRule> {
    let bytes = name.as_bytes();
    (0..bytes.len().saturating_sub(7)).find_map(|at| {
        let digits = &name.get(at..at + 8)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !digits.starts_with("20") {
            return None;
        }
        let year: i32 = digits[..4].parse().ok()?;
        let month: u8 = digits[4..6].parse().ok()?;
        let day: u8 = digits[6..8].parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day))
            .then_some(YearRule::EndsBy { year, month })
    })
}

fn read_log(path: &Path) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes)
    } else {
        fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
    };
    result.map_err(|error| {
        CliError::Input(miette::miette!(
            help = "give the path of a log file, or - for standard input",
            "could not read {}: {error}",
            path.display()
        ))
    })?;
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(CliError::Input(miette::miette!(
            help = "decompress it first, e.g. `zcat maillog.1.gz > maillog.1` or `zstdcat … > …`",
            "{} is compressed (gzip or zstd)",
            path.display()
        )));
    }
    // Logs can hold stray bytes (8-bit headers); they are kept as U+FFFD, not a reason to stop.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

pub fn replay(args: ReplayArgs) -> Result<(), CliError> {
    let history = args.input.history()?;
    let summary = ObservedSummary::of(&history);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("replay-{}", args.input.file_name())));
    let times = match args.times {
        Times::Rfc3339 => write::TimeFormat::Rfc3339,
        Times::Seconds => write::TimeFormat::Seconds,
    };
    let written = write_files(&out, &history, &summary, times).map_err(CliError::Failed)?;
    let mut report = summary.to_string();
    report.push_str(&format!("Wrote to {}:\n", out.display()));
    for (file, rows) in written {
        match rows {
            Some(rows) => report.push_str(&format!("  {file:<24} {rows:>8} rows\n")),
            None => report.push_str(&format!("  {file}\n")),
        }
    }
    print_stdout(&report)
}

/// Writes the output files; returns each file's name and row count (none for the JSON).
fn write_files(
    out: &Path,
    history: &logs::History,
    summary: &ObservedSummary,
    times: write::TimeFormat,
) -> anyhow::Result<Vec<(&'static str, Option<usize>)>> {
    fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    let create = |name: &str| -> anyhow::Result<BufWriter<fs::File>> {
        let path = out.join(name);
        let file = fs::File::create(&path)
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(BufWriter::new(file))
    };
    let context =
        |name: &'static str| move || format!("could not write {}", out.join(name).display());
    let mut written = Vec::new();
    let name = "arrivals.csv";
    written.push((
        name,
        Some(write::arrivals(history, times, create(name)?).with_context(context(name))?),
    ));
    let name = "observed-messages.csv";
    written.push((
        name,
        Some(write::messages(history, create(name)?).with_context(context(name))?),
    ));
    let name = "observed-attempts.csv";
    written.push((
        name,
        Some(write::attempts(history, create(name)?).with_context(context(name))?),
    ));
    let name = "observed-hourly.csv";
    written.push((
        name,
        Some(write::hourly(summary, create(name)?).with_context(context(name))?),
    ));
    let name = "observed-summary.json";
    serde_json::to_writer_pretty(create(name)?, summary).with_context(context(name))?;
    written.push((name, None));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_dates_in_file_names_give_the_end_of_the_log() {
        assert_eq!(
            date_in_name("maillog-20250101"),
            Some(YearRule::EndsBy {
                year: 2025,
                month: 1
            })
        );
        assert_eq!(
            date_in_name("maillog.20241231-235959"),
            Some(YearRule::EndsBy {
                year: 2024,
                month: 12
            })
        );
        assert_eq!(date_in_name("maillog"), None);
        assert_eq!(date_in_name("mail-12345678.log"), None);
    }
}
