//! Streaming measurement of a run: counters, the latency histogram, gauges with their peaks and
//! time integrals, and the time series sampled on a fixed grid. Nothing here keeps per-message
//! records, so memory does not grow with the number of messages.

mod deliverability;
mod latency;
mod process;
mod summary;

use hdrhistogram::Histogram;

pub use deliverability::{Deliverability, Outcomes};
pub use latency::{CdfPoint, LatencyBin, LatencyDistribution};
pub use process::peak_rss_bytes;
pub use summary::{LatencySummary, LittleSummary, Meta, Summary};

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

/// Collects everything a run reports, as the model tells it what happens.
#[derive(Debug)]
pub struct Recorder {
    now: Sample,
    latency_ms: Histogram<u64>,
    latency_sum_ms: u128,
    latency_max_ms: u64,
    /// Deliveries counted in the latency figures (those that arrived after the warm-up).
    latency_count: u64,
    attempts_per_message: Vec<u64>,
    peak_waiting_retry: u64,
    peak_waiting_connection: u64,
    drain_time: Option<SimTime>,
    /// ∫ (messages in the queue) dt, in message-milliseconds, for Little's law.
    queued_area: u128,
    area_since: SimTime,
    sojourn_sum_ms: u128,
    departed: u64,
    /// Arrivals before this instant are left out of the steady-state figures (latency, Little).
    warmup: SimTime,
    sample_every: SimDuration,
    next_sample: SimTime,
    samples: Vec<Sample>,
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
            latency_max_ms: 0,
            latency_count: 0,
            attempts_per_message: Vec::new(),
            peak_waiting_retry: 0,
            peak_waiting_connection: 0,
            drain_time: None,
            queued_area: 0,
            area_since: SimTime::ZERO,
            sojourn_sum_ms: 0,
            departed: 0,
            warmup,
            sample_every,
            next_sample: SimTime::ZERO,
            samples: Vec::new(),
            deliverability: Deliverability::default(),
            broken_invariant: None,
        }
    }

    /// Records every sample due strictly before `time`; call before handling an event at `time`.
    pub fn advance_to(&mut self, time: SimTime) {
        while self.next_sample < time {
            self.take_sample(self.next_sample);
            self.next_sample += self.sample_every;
        }
        self.accumulate_area(time);
    }

    /// Ends the run at `end`: records the remaining grid samples and a final one at `end`.
    pub fn finish(&mut self, end: SimTime) {
        self.advance_to(end);
        if self.next_sample == end {
            self.next_sample += self.sample_every;
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
        self.samples.push(sample);
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
            self.drain_time = Some(now);
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
        if arrival < self.warmup {
            return;
        }
        let latency = (now - arrival).as_millis();
        self.latency_count += 1;
        self.latency_ms.saturating_record(latency);
        self.latency_sum_ms += u128::from(latency);
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
        &self.samples
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
