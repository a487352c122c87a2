//! What the study's terminal table, Markdown and HTML reports say alike: the introduction,
//! which metrics their tables show, and the conclusions (ranking, paired differences, where a
//! sweep meets its target).

use std::fmt::Write;

use super::{StudyReport, human};
use crate::study::{StudyKind, higher_is_better};

/// The metrics shown in tables, in order: all of them for one cell or a comparison, the
/// charted ones (or a short default) for a sweep.
pub(super) fn table_metrics(report: &StudyReport, options_metrics: &[String]) -> Vec<usize> {
    if report.meta.kind == StudyKind::Sweep {
        let mut names: Vec<String> = options_metrics.to_vec();
        if let Some(target) = &report.target
            && !names.contains(&target.metric)
        {
            names.insert(0, target.metric.clone());
        }
        names
            .iter()
            .filter_map(|n| report.metrics.index(n))
            .collect()
    } else {
        (0..report.metrics.len()).collect()
    }
}

/// One sentence on what was run: scenario, kind, seed, replications and the interval used.
pub(super) fn intro(report: &StudyReport) -> String {
    let meta = &report.meta;
    let warmup = if meta.warmup_s > 0.0 {
        format!(
            "; warm-up {} s left out of latency and Little's law (counts are complete)",
            human(meta.warmup_s)
        )
    } else {
        String::new()
    };
    format!(
        "{} · {} · seed {} · {} replication(s) per {}, mean ± half-width of the {:.0}% Student-t interval{warmup}",
        meta.scenario,
        meta.kind.file_stem(),
        meta.seed,
        meta.replications,
        if meta.kind == StudyKind::Compare {
            "policy (common random numbers: replication r has the same arrivals and recipients under every policy)"
        } else {
            "cell"
        },
        meta.confidence * 100.0
    )
}

/// The ranking and target lines that end the table and the Markdown report.
pub(super) fn conclusions(report: &StudyReport) -> String {
    let mut out = String::new();
    if let (Some(metric), false) = (&report.rank_by, report.ranking.is_empty()) {
        let direction = if higher_is_better(metric) {
            "highest"
        } else {
            "lowest"
        };
        let _ = writeln!(
            out,
            "ranking by {metric} ({direction} mean first): {}",
            report.ranking.join(" > ")
        );
    }
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "differences are paired (same replication under each policy) against {baseline}; an interval that excludes 0 is a real difference"
        );
    }
    if let Some(target) = &report.target {
        let path = report.sweep_paths.first().map_or("", String::as_str);
        for threshold in &report.thresholds {
            let fixed: Vec<String> = threshold
                .fixed
                .iter()
                .map(|(p, v)| format!("{p}={v}"))
                .collect();
            let at = if fixed.is_empty() {
                String::new()
            } else {
                format!(" (with {})", fixed.join(", "))
            };
            match &threshold.value {
                Some(value) => {
                    let _ = writeln!(
                        out,
                        "target {} {} {}{at}: met at {path}={value} (mean); met at {}",
                        target.metric,
                        target.operator(),
                        human(target.limit),
                        threshold.meeting.join(", ")
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "target {} {} {}{at}: no swept value of {path} meets it",
                        target.metric,
                        target.operator(),
                        human(target.limit)
                    );
                }
            }
        }
    }
    out
}
