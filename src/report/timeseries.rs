//! `timeseries.csv`: one row per sample instant. Columns ending in `_total` are cumulative since
//! the start; the others are gauges at that instant. After `time_s` (and `time`, RFC 3339, for
//! a run with a start) and the count and gauge
//! columns ([`COLUMNS`]) come the deferrals by enhanced status code, one
//! `deferrals_<code>_total` column per temporary code the model can produce
//! ([`deferral_codes`]), whether or not the run saw it. The code's dots become underscores
//! (`deferrals_4_7_500_total` for 4.7.500), so that every column name is a plain identifier a
//! dataframe or SQL query can use without quoting ([`code_column`]).

use crate::domain::{Clock, Reply, ReplyClass};
use crate::metrics::Sample;

/// A column's value in a sample.
pub(crate) type Column = fn(&Sample) -> u64;

/// The columns after `time_s`, in order: each column's name and its value in a sample.
/// Adding a count or gauge to [`Sample`] and here adds its column.
pub(crate) const COLUMNS: &[(&str, Column)] = &[
    ("arrived_total", |s| s.arrived),
    ("delivered_total", |s| s.delivered),
    ("bounced_total", |s| s.bounced),
    ("expired_total", |s| s.expired),
    ("attempts_total", |s| s.attempts),
    ("deferrals_total", |s| s.deferrals),
    ("delay_warnings_total", |s| s.delay_warnings),
    ("queue_alerts_total", |s| s.queue_alerts),
    ("waiting_retry", |s| s.waiting_retry),
    ("waiting_connection", |s| s.waiting_connection),
    ("in_flight", |s| s.in_flight),
];

/// Every enhanced status code of a temporary reply, sorted, with the replies that carry it.
pub fn deferral_codes() -> Vec<(&'static str, Vec<Reply>)> {
    let mut codes: Vec<(&'static str, Vec<Reply>)> = Vec::new();
    for reply in Reply::ALL {
        if reply.class() != ReplyClass::Temporary {
            continue;
        }
        match codes.iter_mut().find(|(code, _)| *code == reply.enhanced()) {
            Some((_, replies)) => replies.push(reply),
            None => codes.push((reply.enhanced(), vec![reply])),
        }
    }
    codes.sort_by(|a, b| a.0.cmp(b.0));
    codes
}

/// The column of the deferrals with enhanced status code `code`: `deferrals_4_7_500_total`.
pub fn code_column(code: &str) -> String {
    format!("deferrals_{}_total", code.replace('.', "_"))
}

/// The time series as CSV text; with the clock of a run that has a start, a `time` column
/// (RFC 3339) follows `time_s`.
pub fn timeseries_csv(samples: &[Sample], clock: Option<&Clock>) -> String {
    let codes = deferral_codes();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("time_s".to_string())
        .chain(clock.map(|_| "time".to_string()))
        .chain(COLUMNS.iter().map(|(name, _)| name.to_string()))
        .chain(codes.iter().map(|(code, _)| code_column(code)));
    writer.write_record(header).expect("writing to memory");
    for s in samples {
        let by_code = codes.iter().map(|(_, replies)| {
            let count: u64 = replies
                .iter()
                .map(|r| s.deferrals_by_reply[r.index()])
                .sum();
            count.to_string()
        });
        let record = std::iter::once(s.time.as_secs_f64().to_string())
            .chain(clock.map(|c| c.rfc3339(s.time)))
            .chain(COLUMNS.iter().map(|(_, value)| value(s).to_string()))
            .chain(by_code);
        writer.write_record(record).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("flushing memory"))
        .expect("CSV of numbers is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    #[test]
    fn one_row_per_sample_under_every_column() {
        let sample = Sample {
            time: SimTime(1500),
            arrived: 3,
            in_flight: 2,
            deferrals: 1,
            deferrals_by_reply: {
                let mut by_reply = [0; Reply::ALL.len()];
                by_reply[Reply::ServerBusy.index()] = 1;
                by_reply
            },
            ..Sample::default()
        };
        let csv = timeseries_csv(&[sample], None);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
        assert_eq!(header.len(), 1 + COLUMNS.len() + deferral_codes().len());
        assert_eq!(header[..3], ["time_s", "arrived_total", "delivered_total"]);
        assert_eq!(header.len(), row.len());
        let value = |name: &str| row[header.iter().position(|h| *h == name).expect(name)];
        assert_eq!(value("time_s"), "1.5");
        assert_eq!(value("arrived_total"), "3");
        assert_eq!(value("in_flight"), "2");
        let code = Reply::ServerBusy.enhanced();
        assert_eq!(value(&code_column(code)), "1");
        assert_eq!(code_column("4.7.500"), "deferrals_4_7_500_total");
        assert!(
            header
                .iter()
                .all(|name| { name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') })
        );
        assert!(lines.next().is_none());
    }
}
