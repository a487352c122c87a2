//! The checks and messages of a study's replication options: `--precision METRIC=FRACTION`
//! read and its outcome told as percentages, and a `--shard` split refused when some parts
//! would have no runs.

use mailsim::study::{MetricList, Precision, PrecisionReport, Shard};

use super::CliError;
use super::study::input;

/// Parses `--precision METRIC=FRACTION` for a study with `metrics`; `max_replications` is
/// `--max-replications`.
pub(super) fn parse_precision(
    text: &str,
    metrics: &MetricList,
    max_replications: u32,
) -> Result<Precision, CliError> {
    let help = "write --precision METRIC=FRACTION, e.g. --precision latency_s.mean=0.05 (half-width within 5% of the mean)";
    let (metric, fraction) = text
        .split_once('=')
        .ok_or_else(|| input(format!("--precision `{text}` has no `=`"), help))?;
    let metric = metric.trim();
    metrics
        .check(metric)
        .map_err(|why| input(format!("--precision: {why}"), help))?;
    let fraction: f64 = fraction
        .trim()
        .parse()
        .ok()
        .filter(|f: &f64| *f > 0.0 && f.is_finite())
        .ok_or_else(|| {
            input(
                format!(
                    "--precision: `{}` is not a positive fraction",
                    fraction.trim()
                ),
                help,
            )
        })?;
    Ok(Precision {
        metric: metrics.index(metric).unwrap_or(0),
        fraction,
        max_replications,
    })
}

/// Refuses a split into more parts than there are runs: a part with no runs would write an
/// empty `shard.json` and look like work done.
pub(super) fn check_shard_has_runs(
    shard: Shard,
    cells: usize,
    replications: u32,
) -> Result<(), CliError> {
    let runs = cells as u64 * u64::from(replications);
    if u64::from(shard.count) <= runs {
        return Ok(());
    }
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    Err(input(
        format!(
            "--shard {}/{}: {} × {} = {}, fewer than the {} parts asked for, so some parts would have no runs",
            shard.index,
            shard.count,
            plural(cells as u64, "configuration"),
            plural(u64::from(replications), "replication"),
            plural(runs, "run"),
            shard.count,
        ),
        &format!("use at most --shard K/{runs}, or more --replications"),
    ))
}

/// A share as a percentage with two significant digits: `2%`, `0.14%`, `12%`.
pub fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value == 0.0 || !value.is_finite() {
        return "0%".into();
    }
    let places = (1 - value.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{value:.places$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

/// How `--precision` ended, on stderr: reaching the goal is news only without `--quiet`;
/// stopping short of it always is (and the command then exits with code 3).
pub(super) fn tell_precision(report: &PrecisionReport, name: &str, quiet: bool) {
    let count = report.replications;
    let (widest, asked) = (percent(report.widest), percent(report.goal.fraction));
    if report.met {
        if !quiet {
            eprintln!(
                "precision reached: after {count} replications the widest 95% half-width of {name} is {widest} of its mean (asked: at most {asked})"
            );
        }
    } else {
        eprintln!(
            "precision NOT reached: stopped at --max-replications {count}; the widest 95% half-width of {name} is still {widest} of its mean (asked: at most {asked}); the results are written, and the exit code is 3"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_read_as_percentages_with_two_significant_digits() {
        assert_eq!(percent(0.02), "2%");
        assert_eq!(percent(0.0001), "0.01%");
        assert_eq!(percent(0.0384), "3.8%");
        assert_eq!(percent(0.126), "13%");
        assert_eq!(percent(0.0), "0%");
    }
}
