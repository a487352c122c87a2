//! The study's CSV files: `<kind>.csv` (every metric of every cell, with its interval) and
//! `runs.csv` (every metric of every run).

use super::StudyReport;
use crate::study::Study;

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// Every metric of every cell, one row per (cell, metric): mean, interval and, with a
/// baseline, the paired difference.
pub fn study_csv(report: &StudyReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let paths = &report.sweep_paths;
    let mut header: Vec<String> = vec!["cell".into()];
    header.extend(paths.iter().cloned());
    header.extend(["metric", "mean", "ci_low", "ci_high", "half_width", "n"].map(String::from));
    if report.baseline.is_some() {
        header.extend(["diff_mean", "diff_ci_low", "diff_ci_high"].map(String::from));
    }
    let _ = writer.write_record(&header);
    for cell in &report.cells {
        for (i, row) in cell.metrics.iter().enumerate() {
            let mut record = vec![cell.label.clone()];
            record.extend(
                cell.settings
                    .iter()
                    .filter(|(p, _)| paths.contains(p))
                    .map(|s| s.1.clone()),
            );
            record.extend([
                row.metric.to_string(),
                number(row.mean),
                number(row.low),
                number(row.high),
                number(row.half_width),
                row.n.to_string(),
            ]);
            if let Some(diff) = cell.difference.get(i) {
                record.extend([number(diff.mean), number(diff.low), number(diff.high)]);
            }
            let _ = writer.write_record(&record);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Every run's metrics: one row per (cell, replication).
pub fn runs_csv(study: &Study) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["cell".to_string(), "replication".to_string()];
    header.extend(study.metrics.names().map(String::from));
    let _ = writer.write_record(&header);
    for (c, cell) in study.cells.iter().enumerate() {
        for (replication, values) in study.values[c].iter().enumerate() {
            let mut record = vec![cell.label.clone(), replication.to_string()];
            record.extend(values.iter().map(|v| number(*v)));
            let _ = writer.write_record(&record);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
