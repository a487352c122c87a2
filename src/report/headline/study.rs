//! The headline of a study: for replications the key figures with their intervals; for a
//! comparison the best policy by the ranked metric and how far it is from the baseline
//! (paired difference, and whether it is real); for a sweep where the target is met.

use super::{Headline, Tile, Tone};
use crate::report::units::{
    all_runs_equal, difference_interval, metric_interval, metric_value, metric_words, path_words,
    percent, target_words,
};
use crate::report::{CellReport, MetricRow, StudyReport};
use crate::study::{StudyKind, higher_is_better};

/// The headline of a study.
pub fn study_headline(report: &StudyReport) -> Headline {
    let mut headline = match report.meta.kind {
        StudyKind::Compare => compare(report),
        StudyKind::Sweep => sweep(report),
        _ => replications(report),
    };
    if report
        .cells
        .iter()
        .flat_map(|c| &c.metrics)
        .filter(|row| row.mean.is_some())
        .all(all_runs_equal)
    {
        headline.sentences.push(format!(
            "All {} replications gave the same figures, so every interval is ± 0: nothing random changes between them in this scenario.",
            report.meta.replications
        ));
    }
    headline
}

/// A cell's row of a metric, by name.
fn row<'a>(cell: &'a CellReport, metric: &str) -> Option<&'a MetricRow> {
    cell.metrics.iter().find(|r| r.metric == metric)
}

/// A cell's paired difference of a metric, by name.
fn difference<'a>(cell: &'a CellReport, metric: &str) -> Option<&'a MetricRow> {
    cell.difference.iter().find(|r| r.metric == metric)
}

/// A tile of a metric's interval in `cell`.
fn metric_tile(cell: &CellReport, metric: &str, label: &str) -> Option<Tile> {
    let row = row(cell, metric)?;
    if row.mean? == 0.0 && row.high.is_none_or(|h| h == 0.0) {
        return Some(Tile::new(
            label,
            metric_value(metric, 0.0),
            "in every run".into(),
            Tone::Plain,
        ));
    }
    // The interval's ends, unless the unit's rounding writes them alike ("8h to 8h").
    let ends = match (row.low, row.high, row.half_width) {
        (Some(low), Some(high), Some(half)) if half > 0.0 => {
            Some((metric_value(metric, low), metric_value(metric, high)))
        }
        _ => None,
    };
    let note = match ends {
        Some((low, high)) if low != high => format!("95%: {low} to {high}"),
        _ => format!("over {} runs", row.n),
    };
    Some(Tile::new(
        label,
        metric_interval(metric, row),
        note,
        Tone::Plain,
    ))
}

/// Replications of one scenario: its key figures with their intervals.
fn replications(report: &StudyReport) -> Headline {
    let Some(cell) = report.cells.first() else {
        return Headline::default();
    };
    let tiles = [
        ("delivery_rate", "Delivered"),
        ("all_done_s", "All mail done at"),
        ("latency_s.p99", "p99 latency"),
        ("peak_queue", "Peak queue"),
        ("expiry_rate", "Expired"),
        ("bounce_rate", "Bounced"),
    ]
    .iter()
    .filter_map(|(metric, label)| metric_tile(cell, metric, label))
    .collect();
    let figure = |metric: &str| row(cell, metric).map(|r| metric_interval(metric, r));
    let mut sentences = vec![format!(
        "Over {} replications, {} of the messages were delivered (mean ± 95% half-width).",
        report.meta.replications,
        figure("delivery_rate").unwrap_or_else(|| "–".into())
    )];
    if let (Some(p99), Some(done)) = (figure("latency_s.p99"), figure("all_done_s")) {
        sentences.push(format!(
            "The p99 latency was {p99}, and all mail was done at {done}."
        ));
    }
    Headline { tiles, sentences }
}

/// A comparison: the best policy by the ranked metric against the baseline.
fn compare(report: &StudyReport) -> Headline {
    let (Some(metric), Some(baseline)) = (report.rank_by.as_deref(), report.baseline.as_deref())
    else {
        return Headline::default();
    };
    let cell = |label: &str| report.cells.iter().find(|c| c.label == label);
    let value = |label: &str| {
        cell(label)
            .and_then(|c| row(c, metric))
            .map_or("–".into(), |r| metric_interval(metric, r))
    };
    let best = report.ranking.first().map_or(baseline, String::as_str);
    let worst = report.ranking.last().map_or(baseline, String::as_str);
    let words = metric_words(metric);
    let real = real_differences(report, metric);
    let others = report.cells.len().saturating_sub(1);
    let tiles = vec![
        Tile::new(
            &format!("Best {words}"),
            best.to_string(),
            value(best),
            Tone::Good,
        ),
        Tile::new(
            "Baseline",
            baseline.to_string(),
            value(baseline),
            Tone::Plain,
        ),
        Tile::new(
            &format!("Worst {words}"),
            worst.to_string(),
            value(worst),
            Tone::Warn,
        ),
        Tile::new(
            "Real differences",
            format!("{real} of {others}"),
            format!("policies whose {words} differs from {baseline}'s beyond the noise"),
            Tone::Plain,
        ),
    ];
    let mut sentences = vec![best_sentence(report, metric, best, baseline)];
    match deadline_sentence(report, baseline) {
        Some(sentence) => sentences.push(sentence),
        None => sentences.extend(attempts_sentence(report)),
    }
    sentences.push(losses_sentence(report));
    Headline { tiles, sentences }
}

/// How many policies differ from the baseline in `metric` by more than their interval.
fn real_differences(report: &StudyReport, metric: &str) -> usize {
    report
        .cells
        .iter()
        .filter(|c| Some(&c.label) != report.baseline.as_ref())
        .filter_map(|c| difference(c, metric))
        .filter(|d| excludes_zero(d))
        .count()
}

/// Whether a difference's interval lies wholly on one side of zero.
fn excludes_zero(d: &MetricRow) -> bool {
    match (d.low, d.high) {
        (Some(low), Some(high)) => low > 0.0 || high < 0.0,
        _ => false,
    }
}

/// "kumomta-office365 has the lowest p99 latency (1h02m ± 3m): 45m less than fope (paired
/// difference −45m ± 5m, a real difference)."
fn best_sentence(report: &StudyReport, metric: &str, best: &str, baseline: &str) -> String {
    let words = metric_words(metric);
    let direction = if higher_is_better(metric) {
        "highest"
    } else {
        "lowest"
    };
    let best_cell = report.cells.iter().find(|c| c.label == best);
    let value = best_cell
        .and_then(|c| row(c, metric))
        .map_or("–".into(), |r| metric_interval(metric, r));
    match best_cell.and_then(|c| difference(c, metric)) {
        Some(d) if best != baseline && d.mean.is_some() => {
            let verdict = if excludes_zero(d) {
                "a real difference"
            } else {
                "within the noise: not a real difference at 95%"
            };
            format!(
                "{best} has the {direction} {words} ({value}); against {baseline} the paired difference is {} ({verdict}).",
                difference_interval(metric, d)
            )
        }
        _ => format!("{best} has the {direction} {words} ({value})."),
    }
}

/// Which policy delivers the most within the scenario's second deadline (1h by default), and
/// by how much more than the baseline: "postfix delivers the most within 1h (…), +12% of the
/// mail more than fope (paired difference …, a real difference)."
fn deadline_sentence(report: &StudyReport, baseline: &str) -> Option<String> {
    let metric = report
        .metrics
        .names()
        .filter(|n| n.starts_with("delivered_by."))
        .nth(1)?
        .to_string();
    let deadline = metric.strip_prefix("delivered_by.")?;
    let mean = |c: &CellReport| row(c, &metric).and_then(|r| r.mean);
    let best = report
        .cells
        .iter()
        .filter(|c| mean(c).is_some())
        .max_by(|a, b| mean(a).unwrap_or(0.0).total_cmp(&mean(b).unwrap_or(0.0)))?;
    let share = metric_interval(&metric, row(best, &metric)?);
    if best.label == baseline {
        return Some(format!(
            "{baseline}, the baseline, delivers the most within {deadline}: {share} of the arrived mail."
        ));
    }
    let d = difference(best, &metric)?;
    let verdict = if excludes_zero(d) {
        "a real difference"
    } else {
        "within the noise"
    };
    let points = metric_value(&metric, d.mean?);
    Some(format!(
        "{} delivers the most within {deadline}: {share} of the arrived mail, {} percentage points more than {baseline} (paired difference {}, {verdict}).",
        best.label,
        points.trim_end_matches('%'),
        difference_interval(&metric, d)
    ))
}

/// Which policy spends the most and the fewest attempts.
fn attempts_sentence(report: &StudyReport) -> Option<String> {
    let mean = |c: &CellReport| row(c, "attempts")?.mean;
    let most = report
        .cells
        .iter()
        .filter(|c| mean(c).is_some())
        .max_by(|a, b| mean(a).unwrap_or(0.0).total_cmp(&mean(b).unwrap_or(0.0)))?;
    let fewest = report
        .cells
        .iter()
        .filter(|c| mean(c).is_some())
        .min_by(|a, b| mean(a).unwrap_or(0.0).total_cmp(&mean(b).unwrap_or(0.0)))?;
    (most.label != fewest.label).then(|| {
        format!(
            "{} spends the most attempts on the receiver ({}), {} the fewest ({}).",
            most.label,
            row(most, "attempts").map_or("–".into(), |r| metric_interval("attempts", r)),
            fewest.label,
            row(fewest, "attempts").map_or("–".into(), |r| metric_interval("attempts", r))
        )
    })
}

/// Which policies lose messages (bounce or expire), or that none does.
fn losses_sentence(report: &StudyReport) -> String {
    let loss = |c: &CellReport| {
        ["expiry_rate", "bounce_rate"]
            .iter()
            .filter_map(|m| row(c, m)?.mean)
            .sum::<f64>()
    };
    let losing: Vec<String> = report
        .cells
        .iter()
        .filter(|c| loss(c) > 0.0)
        .map(|c| format!("{} {}", c.label, percent(loss(c))))
        .collect();
    if losing.is_empty() {
        "No policy lost a message: nothing bounced or expired in any replication.".into()
    } else {
        format!(
            "Messages lost (bounced or expired, mean share): {}.",
            losing.join(", ")
        )
    }
}

/// A sweep: where the target is met, or how the first charted metric moves.
fn sweep(report: &StudyReport) -> Headline {
    let path = report.sweep_paths.first().map_or("", String::as_str);
    let along = path_words(path);
    let points = report.cells.len();
    let mut tiles = vec![
        Tile::new(
            "Points",
            points.to_string(),
            format!("values of {along}"),
            Tone::Plain,
        ),
        Tile::new(
            "Replications",
            report.meta.replications.to_string(),
            "per point".into(),
            Tone::Plain,
        ),
    ];
    let mut sentences = Vec::new();
    if let Some(target) = &report.target {
        let wanted = target_words(target);
        for threshold in &report.thresholds {
            let with = threshold.fixed_words();
            let at_point = threshold
                .cell
                .and_then(|c| row(&report.cells[c], &target.metric))
                .map_or(String::new(), |r| metric_interval(&target.metric, r));
            match &threshold.value {
                Some(value) => {
                    if tiles.len() < 4 {
                        tiles.insert(
                            0,
                            Tile::new(
                                &format!("Meets {wanted}"),
                                format!("{along} = {value}"),
                                at_point.clone(),
                                Tone::Good,
                            ),
                        );
                    }
                    sentences.push(format!(
                        "{} = {value} is the threshold for {wanted}{with}: {} is {at_point} there (mean ± 95% half-width); the target is met at {} = {}.",
                        capital(&along),
                        metric_words(&target.metric),
                        along,
                        threshold.meeting.join(", ")
                    ));
                }
                None => {
                    if tiles.len() < 4 {
                        tiles.insert(
                            0,
                            Tile::new(
                                &format!("Meets {wanted}"),
                                "nowhere".into(),
                                format!("no value of {along}"),
                                Tone::Bad,
                            ),
                        );
                    }
                    sentences.push(format!("No swept value of {along} meets {wanted}{with}."));
                }
            }
        }
    }
    sentences.extend(trend_sentence(report, &along));
    Headline { tiles, sentences }
}

/// How the first line's first charted metric (or the target's) moves across the sweep.
fn trend_sentence(report: &StudyReport, along: &str) -> Option<String> {
    let metric = report
        .target
        .as_ref()
        .map(|t| t.metric.clone())
        .or_else(|| Some("all_done_s".to_string()))?;
    let line = report.sweep_lines().into_iter().next()?;
    let (&first, &last) = (line.first()?, line.last()?);
    let value = |c: usize| row(&report.cells[c], &metric).map(|r| metric_interval(&metric, r));
    let setting = |c: usize| {
        report.cells[c]
            .settings
            .first()
            .map_or(String::new(), |s| s.1.clone())
    };
    Some(format!(
        "From {along} = {} to {}, {} goes from {} to {}.",
        setting(first),
        setting(last),
        metric_words(&metric),
        value(first)?,
        value(last)?
    ))
}

/// `text` with a capital first letter.
fn capital(text: &str) -> String {
    crate::report::units::capitalised(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(mean: f64, half: f64) -> CellReport {
        CellReport {
            label: "x".into(),
            settings: Vec::new(),
            metrics: vec![MetricRow {
                metric: "all_done_s".into(),
                mean: Some(mean),
                half_width: Some(half),
                low: Some(mean - half),
                high: Some(mean + half),
                n: 3,
            }],
            difference: Vec::new(),
        }
    }

    #[test]
    fn a_tile_gives_the_interval_s_ends_only_when_they_read_apart() {
        let wide = metric_tile(&cell(28_800.0, 1_800.0), "all_done_s", "done").unwrap();
        assert!(wide.note == "95%: 7h30m to 8h30m", "{}", wide.note);
        // 8h ± 4s: both ends read "8h", so the note gives the number of runs instead.
        let narrow = metric_tile(&cell(28_794.0, 4.1), "all_done_s", "done").unwrap();
        assert!(narrow.note == "over 3 runs", "{}", narrow.note);
    }
}
