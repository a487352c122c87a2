//! `timeseries.csv`: one row per sample instant. Columns ending in `_total` are cumulative since
//! the start; the others are gauges at that instant. After the [`HEADER`] columns come the
//! deferrals by enhanced status code, one `deferrals_<code>_total` column per temporary code
//! the model can produce ([`deferral_codes`]), whether or not the run saw it.

use crate::domain::{Reply, ReplyClass};
use crate::metrics::Sample;

/// The column names, in order.
pub const HEADER: [&str; 12] = [
    "time_s",
    "arrived_total",
    "delivered_total",
    "bounced_total",
    "expired_total",
    "attempts_total",
    "deferrals_total",
    "delay_warnings_total",
    "queue_alerts_total",
    "waiting_retry",
    "waiting_connection",
    "in_flight",
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

/// The time series as CSV text.
pub fn timeseries_csv(samples: &[Sample]) -> String {
    let codes = deferral_codes();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = HEADER.iter().map(|name| name.to_string()).chain(
        codes
            .iter()
            .map(|(code, _)| format!("deferrals_{code}_total")),
    );
    writer.write_record(header).expect("writing to memory");
    for s in samples {
        let time = s.time.as_secs_f64();
        let by_code = codes.iter().map(|(_, replies)| {
            let count: u64 = replies
                .iter()
                .map(|r| s.deferrals_by_reply[r.index()])
                .sum();
            count.to_string()
        });
        writer
            .write_record(
                [
                    time.to_string(),
                    s.arrived.to_string(),
                    s.delivered.to_string(),
                    s.bounced.to_string(),
                    s.expired.to_string(),
                    s.attempts.to_string(),
                    s.deferrals.to_string(),
                    s.delay_warnings.to_string(),
                    s.queue_alerts.to_string(),
                    s.waiting_retry.to_string(),
                    s.waiting_connection.to_string(),
                    s.in_flight.to_string(),
                ]
                .into_iter()
                .chain(by_code),
            )
            .expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("flushing memory"))
        .expect("CSV of numbers is UTF-8")
}
