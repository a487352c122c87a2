//! `timeseries.csv`: one row per sample instant. Columns ending in `_total` are cumulative since
//! the start; the others are gauges at that instant.

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

/// The time series as CSV text.
pub fn timeseries_csv(samples: &[Sample]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER).expect("writing to memory");
    for s in samples {
        let time = s.time.as_secs_f64();
        writer
            .write_record([
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
            ])
            .expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("flushing memory"))
        .expect("CSV of numbers is UTF-8")
}
