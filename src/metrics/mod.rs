//! Streaming measurement of a run: counters, the latency histogram, gauges with their peaks and
//! time integrals, and the time series sampled on a fixed grid. Nothing here keeps per-message
//! records, so memory does not grow with the number of messages.
//!
//! The model tells the [`Recorder`] (here) what happens; at the end it hands over the
//! [`Summary`] (`summary`), the [`TimeSeries`] of [`Sample`]s with its interval (`series`), the
//! [`LatencyDistribution`] (`latency`) and the per-receiver and per-IP [`Deliverability`]
//! counts (`deliverability`). How any of it is written is up to `report`.

mod deliverability;
mod latency;
mod process;
mod series;
mod summary;

use hdrhistogram::Histogram;

pub use deliverability::{Deliverability, Outcomes};
pub use latency::{CdfPoint, LatencyBin, LatencyDistribution};
pub use process::peak_rss_bytes;
pub use series::{Sample, TimeSeries};
pub use summary::{DeliveredBy, LatencySummary, LittleSummary, Meta, Summary};

use crate::domain::{Deadline, Reply};
use crate::engine::{SimDuration, SimTime};

/// Collects everything a run reports, as the model tells it what happens.
#[derive(Debug)]
pub struct Recorder {
    now: Sample,
    latency_ms: Histogram<u64>,
    latency_sum_ms: u128,
    latency_min_ms: u64,
    latency_max_ms: u64,
    /// Deliveries counted in the latency figures (those that arrived after the warm-up).
    latency_count: u64,
    attempts_per_message: Vec<u64>,
    peak_waiting_retry: u64,
    peak_waiting_connection: u64,
    /// When the retry queue last became empty.
    retry_queue_emptied: Option<SimTime>,
    /// When the last message left the queue (delivered, bounced or expired).
    last_departure: SimTime,
    /// The deadlines of the `delivered_by` figures, shortest first.
    deadlines: Vec<Deadline>,
    /// Messages delivered within each deadline of their arrival (warm-up or not).
    delivered_within: Vec<u64>,
    /// ∫ (messages in the queue) dt, in message-milliseconds, for Little's law.
    queued_area: u128,
    area_since: SimTime,
    sojourn_sum_ms: u128,
    departed: u64,
    /// Arrivals before this instant are left out of the steady-state figures (latency, Little).
    warmup: SimTime,
    next_sample: SimTime,
    series: TimeSeries,
    deliverability: Deliverability,
    broken_invariant: Option<String>,
}

impl Recorder {
    /// A recorder that samples every `sample_every` (positive) from time zero.
    pub fn new(sample_every: SimDuration) -> Recorder {
        Recorder::with_warmup(sample_every, SimTime::ZERO)
    }

    /// Like [`Recorder::new`], but the steady-state figures (latency, and Little's law with
    /// the time-average queue) leave out messages that arrive before `warmup` and the time
    /// before it. Counts, peaks and the time series stay complete.
    pub fn with_warmup(sample_every: SimDuration, warmup: SimTime) -> Recorder {
        Recorder {
            now: Sample::default(),
            // 1 ms to 1000 days at 3 significant digits; longer latencies saturate at the top.
            latency_ms: Histogram::new_with_bounds(1, 86_400_000_000, 3)
                .expect("bounds and precision are valid"),
            latency_sum_ms: 0,
            latency_min_ms: u64::MAX,
            latency_max_ms: 0,
            latency_count: 0,
            attempts_per_message: Vec::new(),
            peak_waiting_retry: 0,
            peak_waiting_connection: 0,
            retry_queue_emptied: None,
            last_departure: SimTime::ZERO,
            deadlines: Vec::new(),
            delivered_within: Vec::new(),
            queued_area: 0,
            area_since: SimTime::ZERO,
            sojourn_sum_ms: 0,
            departed: 0,
            warmup,
            next_sample: SimTime::ZERO,
            series: TimeSeries::new(sample_every),
            deliverability: Deliverability::default(),
            broken_invariant: None,
        }
    }

    /// Records every sample due strictly before `time`; call before handling an event at `time`.
    pub fn advance_to(&mut self, time: SimTime) {
        while self.next_sample < time {
            self.take_sample(self.next_sample);
            self.next_sample += self.series.every();
        }
        self.accumulate_area(time);
    }

    /// Ends the run at `end`: records the remaining grid samples and a final one at `end`.
    pub fn finish(&mut self, end: SimTime) {
        self.advance_to(end);
        if self.next_sample == end {
            self.next_sample += self.series.every();
        }
        self.take_sample(end);
    }

    fn take_sample(&mut self, time: SimTime) {
        let sample = Sample { time, ..self.now };
        if !sample.is_conserved() && self.broken_invariant.is_none() {
            self.broken_invariant = Some(format!(
                "conservation broken at {time}: arrived {} ≠ delivered {} + bounced {} + expired {} + queued {}",
                sample.arrived,
                sample.delivered,
                sample.bounced,
                sample.expired,
                sample.queued()
            ));
        }
        self.series.push(sample);
        self.deliverability.sample();
    }

    /// Counts attempt outcomes per receiver and per sending IP from now on (the time series of
    /// these counts starts with the next sample).
    pub fn track_deliverability(&mut self, receivers: usize, ips: usize) {
        self.deliverability = Deliverability::new(receivers, ips);
    }

    /// An attempt from `ip` to `receiver` ended with a reply of `class` (after
    /// [`Recorder::track_deliverability`]).
    pub fn attempt_outcome(
        &mut self,
        receiver: usize,
        ip: usize,
        class: crate::domain::ReplyClass,
    ) {
        self.deliverability.record(receiver, ip, class);
    }

    /// Counts the messages delivered within each of `deadlines` of their arrival, for the
    /// `delivered_by` figures of the summary.
    pub fn track_deadlines(&mut self, deadlines: &[Deadline]) {
        self.deadlines = deadlines.to_vec();
        self.delivered_within = vec![0; deadlines.len()];
    }

    /// Takes the per-receiver and per-IP counts out of the recorder.
    pub fn take_deliverability(&mut self) -> Deliverability {
        std::mem::take(&mut self.deliverability)
    }

    fn accumulate_area(&mut self, time: SimTime) {
        let from = self.area_since.max(self.warmup);
        let elapsed = u128::from(time.since(from).as_millis());
        self.queued_area += u128::from(self.now.queued()) * elapsed;
        self.area_since = self.area_since.max(time);
    }

    /// Reports a broken invariant found by the model (kept: the first one).
    pub fn invariant_broken(&mut self, message: String) {
        self.broken_invariant.get_or_insert(message);
    }

    /// The first broken invariant, if any.
    pub fn broken_invariant(&self) -> Option<&str> {
        self.broken_invariant.as_deref()
    }

    /// `gauge − 1`, or an invariant violation (a queue would go negative) and 0.
    fn decrement(&mut self, gauge: u64, name: &str) -> u64 {
        gauge.checked_sub(1).unwrap_or_else(|| {
            self.invariant_broken(format!("the {name} gauge would go below zero"));
            0
        })
    }

    /// A message arrived and waits for a connection.
    pub fn arrived(&mut self) {
        self.now.arrived += 1;
    }

    /// A message joined the queue for a connection.
    pub fn wait_connection(&mut self) {
        self.now.waiting_connection += 1;
        self.peak_waiting_connection = self
            .peak_waiting_connection
            .max(self.now.waiting_connection);
    }

    /// A message left the queue for a connection.
    pub fn leave_connection_queue(&mut self) {
        self.now.waiting_connection =
            self.decrement(self.now.waiting_connection, "waiting_connection");
    }

    /// An attempt started.
    pub fn attempt_started(&mut self) {
        self.now.attempts += 1;
        self.now.in_flight += 1;
    }

    /// An attempt ended (its outcome is recorded separately).
    pub fn attempt_ended(&mut self) {
        self.now.in_flight = self.decrement(self.now.in_flight, "in_flight");
    }

    /// A temporary failure with `reply`.
    pub fn deferred(&mut self, reply: Reply) {
        self.now.deferrals += 1;
        self.now.deferrals_by_reply[reply.index()] += 1;
    }

    /// A message started waiting for its retry time.
    pub fn wait_retry(&mut self) {
        self.now.waiting_retry += 1;
        self.peak_waiting_retry = self.peak_waiting_retry.max(self.now.waiting_retry);
    }

    /// A message's retry time came.
    pub fn retry_due(&mut self, now: SimTime) {
        self.now.waiting_retry = self.decrement(self.now.waiting_retry, "waiting_retry");
        if self.now.waiting_retry == 0 {
            self.retry_queue_emptied = Some(now);
        }
    }

    /// A delay warning was sent.
    pub fn delay_warning(&mut self) {
        self.now.delay_warnings += 1;
    }

    /// A queue alert was raised.
    pub fn queue_alert(&mut self) {
        self.now.queue_alerts += 1;
    }

    /// A message was delivered at `now`.
    pub fn delivered(&mut self, now: SimTime, arrival: SimTime, attempts: u32) {
        self.now.delivered += 1;
        self.departed(now, arrival, attempts);
        let latency = now - arrival;
        for (deadline, count) in self.deadlines.iter().zip(&mut self.delivered_within) {
            *count += u64::from(latency <= deadline.within());
        }
        if arrival < self.warmup {
            return;
        }
        let latency = latency.as_millis();
        self.latency_count += 1;
        self.latency_ms.saturating_record(latency);
        self.latency_sum_ms += u128::from(latency);
        self.latency_min_ms = self.latency_min_ms.min(latency);
        self.latency_max_ms = self.latency_max_ms.max(latency);
    }

    /// A message bounced at `now`.
    pub fn bounced(&mut self, now: SimTime, arrival: SimTime, attempts: u32) {
        self.now.bounced += 1;
        self.departed(now, arrival, attempts);
    }

    /// A message expired at `now`.
    pub fn expired(&mut self, now: SimTime, arrival: SimTime, attempts: u32) {
        self.now.expired += 1;
        self.departed(now, arrival, attempts);
    }

    fn departed(&mut self, now: SimTime, arrival: SimTime, attempts: u32) {
        self.last_departure = self.last_departure.max(now);
        if arrival >= self.warmup {
            self.departed += 1;
            self.sojourn_sum_ms += u128::from((now - arrival).as_millis());
        }
        let slot = attempts as usize;
        if self.attempts_per_message.len() <= slot {
            self.attempts_per_message.resize(slot + 1, 0);
        }
        self.attempts_per_message[slot] += 1;
    }

    /// The current counts and gauges.
    pub fn current(&self) -> &Sample {
        &self.now
    }

    /// The time series recorded so far.
    pub fn samples(&self) -> &[Sample] {
        &self.series
    }

    /// Takes the time series, with its sampling interval, out of the recorder (at the end of
    /// a run).
    pub fn take_time_series(&mut self) -> TimeSeries {
        let every = self.series.every();
        std::mem::replace(&mut self.series, TimeSeries::new(every))
    }

    /// The latency distribution of delivered messages, for charts.
    pub fn latency_distribution(&self) -> LatencyDistribution {
        LatencyDistribution::from_histogram(&self.latency_ms)
    }

    /// Builds the summary of a finished run.
    pub fn summarize(&self, meta: Meta, end: SimTime, events: u64) -> Summary {
        summary::build(self, meta, end, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_fall_on_the_grid_and_once_more_at_the_end() {
        let mut recorder = Recorder::new(SimDuration::from_secs(60));
        recorder.arrived();
        recorder.wait_connection();
        recorder.advance_to(SimTime(150_000));
        recorder.finish(SimTime(150_000));
        let series = recorder.take_time_series();
        assert_eq!(series.every(), SimDuration::from_secs(60));
        let times: Vec<u64> = series.iter().map(|s| s.time.as_millis()).collect();
        assert_eq!(times, vec![0, 60_000, 120_000, 150_000]);
        assert!(
            series
                .iter()
                .all(|s| s.arrived == 1 && s.waiting_connection == 1)
        );
        // Taken out: the recorder keeps the interval and no samples.
        assert!(recorder.samples().is_empty());
        assert_eq!(recorder.take_time_series().every(), series.every());
    }

    #[test]
    fn a_run_ending_on_a_grid_point_samples_it_once() {
        let mut recorder = Recorder::new(SimDuration::from_secs(60));
        recorder.finish(SimTime(120_000));
        let times: Vec<u64> = recorder
            .samples()
            .iter()
            .map(|s| s.time.as_millis())
            .collect();
        assert_eq!(times, vec![0, 60_000, 120_000]);
    }
}
