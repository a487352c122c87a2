//! The time series of a run: one [`Sample`] per instant of a fixed grid, and the grid's
//! interval with them ([`TimeSeries`]), so that whoever turns the cumulative counts into rates
//! (charts, a user's own analysis) does not have to look the interval up in the scenario.

use std::ops::Deref;

use crate::domain::Reply;
use crate::engine::{SimDuration, SimTime};

/// One row of the time series: cumulative counts since the start, and gauges at that instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// The instant (state at the end of it: every event at or before it has happened).
    pub time: SimTime,
    /// Messages arrived so far.
    pub arrived: u64,
    /// Messages delivered so far.
    pub delivered: u64,
    /// Messages bounced (permanent failure) so far.
    pub bounced: u64,
    /// Messages expired (given up) so far.
    pub expired: u64,
    /// Delivery attempts so far.
    pub attempts: u64,
    /// Temporary failures so far.
    pub deferrals: u64,
    /// Delay warnings sent so far.
    pub delay_warnings: u64,
    /// Queue alerts raised so far.
    pub queue_alerts: u64,
    /// Messages waiting for their retry time.
    pub waiting_retry: u64,
    /// Messages waiting for a free connection.
    pub waiting_connection: u64,
    /// Messages in an SMTP attempt.
    pub in_flight: u64,
    /// Temporary failures so far, by reply, indexed like [`Reply::ALL`] (the entries of
    /// replies that are not temporary stay zero).
    pub deferrals_by_reply: [u64; Reply::ALL.len()],
}

impl Sample {
    /// Messages still in the sender's queue, in any state.
    pub fn queued(&self) -> u64 {
        self.waiting_retry + self.waiting_connection + self.in_flight
    }

    /// Whether arrived = delivered + bounced + expired + still queued.
    pub fn is_conserved(&self) -> bool {
        self.arrived == self.delivered + self.bounced + self.expired + self.queued()
    }
}

/// The samples of a run, taken at 0, `every`, 2·`every` … and once more when the run ends
/// (so the last interval may be shorter). It reads as the slice of its samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeSeries {
    every: SimDuration,
    samples: Vec<Sample>,
}

impl TimeSeries {
    /// An empty series sampled every `every`.
    pub fn new(every: SimDuration) -> TimeSeries {
        TimeSeries {
            every,
            samples: Vec::new(),
        }
    }

    /// The interval of the sampling grid (the scenario's `run.sample_every`).
    pub fn every(&self) -> SimDuration {
        self.every
    }

    /// Appends a sample (taken after the previous one).
    pub(super) fn push(&mut self, sample: Sample) {
        self.samples.push(sample);
    }
}

impl Deref for TimeSeries {
    type Target = [Sample];

    fn deref(&self) -> &[Sample] {
        &self.samples
    }
}

impl<'a> IntoIterator for &'a TimeSeries {
    type Item = &'a Sample;
    type IntoIter = std::slice::Iter<'a, Sample>;

    fn into_iter(self) -> Self::IntoIter {
        self.samples.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_keeps_its_interval_and_reads_as_its_samples() {
        let mut series = TimeSeries::new(SimDuration::from_secs(300));
        assert!(series.is_empty());
        for minutes in [0, 5, 7] {
            series.push(Sample {
                time: SimTime(minutes * 60_000),
                arrived: minutes,
                waiting_retry: minutes,
                ..Sample::default()
            });
        }
        assert_eq!(series.every(), SimDuration::from_secs(300));
        assert_eq!(series.len(), 3);
        assert_eq!(series[2].time, SimTime(420_000));
        assert!(series.iter().all(Sample::is_conserved));
        let times: Vec<u64> = (&series).into_iter().map(|s| s.time.as_millis()).collect();
        assert_eq!(times, vec![0, 300_000, 420_000]);
    }

    #[test]
    fn queued_counts_every_waiting_state() {
        let sample = Sample {
            arrived: 6,
            delivered: 1,
            waiting_retry: 2,
            waiting_connection: 1,
            in_flight: 1,
            ..Sample::default()
        };
        assert_eq!(sample.queued(), 4);
        assert!(
            !sample.is_conserved(),
            "6 arrived, 1 delivered and 4 queued"
        );
    }
}
