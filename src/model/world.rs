//! One replication of a scenario: the state of the mail world and the handler for each event.
//!
//! A message's life: it *arrives* and asks for a connection to its destination (sender ×
//! receiver). If one of the destination's connection slots is free it starts an *attempt* at
//! once, otherwise it waits first-in first-out. The receiver answers the attempt when it starts
//! (outage, throttle, reputation, recipient — in that order); the attempt ends after the
//! connect and transaction time (or the connect timeout), and then the message is delivered,
//! bounced, or handed to the sender's retry policy, which schedules a retry or gives up. The
//! connection then carries the next waiting message, until `messages_per_connection` is reached
//! or a site-level failure drops it.
//!
//! Policies with destination-level behaviour (see [`RetryPolicy::uses_destination_hooks`]) are
//! also asked before every attempt ([`RetryPolicy::admit`]: proceed, defer without a
//! connection, hold until an instant, start at a reserved slot, or expire), told the outcome of
//! every attempt, and may lower the destination's connection limit. A held or slotted message
//! waits for one `RetryDue` event at the instant it was given, so a suspended destination costs
//! one event per waiting message, not a polling loop. Policies without these hooks take none of
//! these paths.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

use thiserror::Error;

use crate::engine::{EventQueue, RandomStream, SimDuration, SimTime, prefetch};
use crate::metrics::{Deliverability, LatencyDistribution, Meta, Recorder, Sample, Summary};
use crate::retry::admission::{self, Verdict};
use crate::retry::{Decision, Failure, MessageRetryState, Pending, RetryPolicy, notice_due};
use crate::scenario::{QueueAlert, Scenario};

use super::observe::{Happening, Observer, Tap};
use super::receiver::{AttemptView, ReceiverState};
use super::traffic::Source;
use crate::domain::{Reply, ReplyClass, Reputation, Scope};

/// The results of one replication.
#[derive(Debug)]
pub struct RunOutput {
    /// End-of-run figures.
    pub summary: Summary,
    /// The time series, one row per sample instant.
    pub samples: Vec<Sample>,
    /// The latency distribution of delivered messages (for charts).
    pub latency: LatencyDistribution,
    /// Attempt outcomes per receiver and sending IP, and per receiver over time.
    pub deliverability: Deliverability,
}

/// A run that could not complete.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// An internal consistency check failed: a bug in mailsim, not in the scenario.
    #[error(
        "internal error in scenario `{scenario}` (seed {seed}, replication {replication}): {message}; please report it with the scenario file"
    )]
    Invariant {
        /// The scenario's name.
        scenario: String,
        /// The seed.
        seed: u64,
        /// The replication.
        replication: u32,
        /// What broke.
        message: String,
    },
    /// The run was cancelled before it finished.
    #[error("the run was interrupted")]
    Interrupted,
    /// The run reached its event budget before it finished.
    #[error(
        "the run stopped after {events} events, its limit ({limit}); a retry interval of milliseconds, a tiny sample interval or a huge volume can cause this"
    )]
    EventLimit {
        /// Events processed.
        events: u64,
        /// The budget.
        limit: u64,
    },
}

/// How a run may be stopped before it finishes, and who hears how far it has got.
#[derive(Clone, Copy, Default)]
pub struct RunControl<'a> {
    /// Stop with [`SimError::Interrupted`] once this is set (e.g. by a Ctrl-C handler).
    pub cancel: Option<&'a AtomicBool>,
    /// Stop with [`SimError::EventLimit`] after about this many events (checked every 4096).
    pub max_events: Option<u64>,
    /// Told the simulated time every 4096 events (e.g. to move a progress bar).
    pub progress: Option<&'a (dyn Fn(SimTime) + Sync)>,
}

impl std::fmt::Debug for RunControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunControl")
            .field("cancel", &self.cancel)
            .field("max_events", &self.max_events)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Runs replication `replication` of `scenario` to its end.
pub fn simulate(scenario: &Scenario, replication: u32) -> Result<RunOutput, SimError> {
    simulate_with(scenario, replication, RunControl::default())
}

/// Like [`simulate`], but stops early as `control` says.
pub fn simulate_with(
    scenario: &Scenario,
    replication: u32,
    control: RunControl,
) -> Result<RunOutput, SimError> {
    finish(World::new(scenario, replication, None), control)
}

/// Like [`simulate_with`], and tells `observer` every step of every message as it happens.
pub fn simulate_observed(
    scenario: &Scenario,
    replication: u32,
    control: RunControl,
    observer: &mut dyn Observer,
) -> Result<RunOutput, SimError> {
    finish(
        World::new(scenario, replication, Some(Tap::new(observer))),
        control,
    )
}

fn finish(mut world: World, control: RunControl) -> Result<RunOutput, SimError> {
    let scenario = world.scenario;
    let replication = world.replication;
    let end = world.run(control)?;
    let meta = Meta {
        tool: format!("mailsim {}", env!("CARGO_PKG_VERSION")),
        scenario: scenario.name.clone(),
        scenario_file: scenario.origin.clone(),
        seed: scenario.run.seed,
        replication,
    };
    if let Some(message) = world.metrics.broken_invariant() {
        return Err(SimError::Invariant {
            scenario: scenario.name.clone(),
            seed: scenario.run.seed,
            replication,
            message: message.to_string(),
        });
    }
    let summary = world.metrics.summarize(meta, end, world.events);
    Ok(RunOutput {
        summary,
        samples: world.metrics.samples().to_vec(),
        latency: world.metrics.latency_distribution(),
        deliverability: world.metrics.take_deliverability(),
    })
}

/// What can happen. Kept small: message and IP indices, not pointers.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next arrival of a traffic source.
    Arrival { source: u32 },
    /// A deferred message's retry time has come.
    RetryDue { message: u32 },
    /// An attempt ends; `uses` counts the messages the connection has carried, this one
    /// included.
    AttemptDone {
        message: u32,
        ip: u16,
        uses: u32,
        reply: Reply,
    },
    /// Time to check whether a sender's queue alert should repeat.
    QueueAlertCheck { sender: u16 },
}

/// One queued message. Compact: the slab holds one per message in the queue.
#[derive(Clone, Copy, Debug)]
struct Message {
    arrival: SimTime,
    retry_state: MessageRetryState,
    destination: u32,
    attempts: u32,
    recipient_exists: bool,
    /// Delay notices sent so far.
    warnings: u16,
    /// The policy gave this message a start slot: its next attempt starts without asking again.
    reserved: bool,
}

/// A sender's connections to one receiver.
#[derive(Debug, Default)]
struct Destination {
    busy: u32,
    waiting: VecDeque<u32>,
}

struct SenderState {
    policy: Box<dyn RetryPolicy>,
    /// Whether the policy uses the destination hooks (admission, feedback, limits).
    hooks: bool,
    /// Global index of this sender's first IP.
    first_ip: usize,
    next_ip: usize,
    waiting_retry: u64,
    alert_active: bool,
    recipients_rng: RandomStream,
    service_rng: RandomStream,
    retry_rng: RandomStream,
}

struct World<'a> {
    scenario: &'a Scenario,
    replication: u32,
    /// The observer, if any; checked at each step of a message's journey.
    tap: Option<Tap<'a>>,
    now: SimTime,
    queue: EventQueue<Event>,
    messages: Vec<Message>,
    free_slots: Vec<u32>,
    senders: Vec<SenderState>,
    destinations: Vec<Destination>,
    receivers: Vec<ReceiverState>,
    /// Reputation class index of every sending IP, globally numbered.
    ip_reputation: Vec<usize>,
    sources: Vec<Source>,
    active_sources: usize,
    metrics: Recorder,
    events: u64,
}

impl<'a> World<'a> {
    fn new(scenario: &'a Scenario, replication: u32, tap: Option<Tap<'a>>) -> World<'a> {
        let seed = scenario.run.seed;
        let stream = |purpose: String| RandomStream::new(seed, replication, &purpose);
        let mut ip_reputation = Vec::new();
        let mut senders = Vec::new();
        let mut sources = Vec::new();
        for (s, sender) in scenario.senders.iter().enumerate() {
            let policy = sender.retry.build();
            senders.push(SenderState {
                hooks: policy.uses_destination_hooks(),
                policy,
                first_ip: ip_reputation.len(),
                next_ip: 0,
                waiting_retry: 0,
                alert_active: false,
                recipients_rng: stream(format!("recipients/{}", sender.name)),
                service_rng: stream(format!("service/{}", sender.name)),
                retry_rng: stream(format!("retry/{}", sender.name)),
            });
            ip_reputation.extend(sender.ips.iter().map(|ip| {
                Reputation::ALL
                    .iter()
                    .position(|&class| class == ip.reputation)
                    .expect("every class is in ALL")
            }));
            for (t, traffic) in sender.traffic.iter().enumerate() {
                let rng = stream(format!("arrivals/{}/{t}", sender.name));
                sources.push(Source::new(s, traffic, rng));
            }
        }
        let receivers = scenario
            .receivers
            .iter()
            .map(|r| {
                ReceiverState::new(
                    r,
                    scenario,
                    stream(format!("receiver/{}", r.name)),
                    stream(format!("incidents/{}", r.name)),
                )
            })
            .collect();
        let destinations = (0..scenario.senders.len() * scenario.receivers.len())
            .map(|_| Destination::default())
            .collect();
        let mut world = World {
            scenario,
            replication,
            tap,
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            messages: Vec::new(),
            free_slots: Vec::new(),
            senders,
            destinations,
            receivers,
            ip_reputation,
            active_sources: sources.len(),
            sources,
            metrics: Recorder::with_warmup(
                scenario.run.sample_every,
                SimTime(scenario.run.warmup.as_millis()),
            ),
            events: 0,
        };
        world
            .metrics
            .track_deliverability(scenario.receivers.len(), world.ip_reputation.len());
        for source in 0..world.sources.len() {
            world.schedule_next_arrival(source);
        }
        world
    }

    /// Runs to the horizon, or until drained if the scenario asks; returns the end instant.
    fn run(&mut self, control: RunControl) -> Result<SimTime, SimError> {
        let limit = control.max_events.unwrap_or(u64::MAX);
        let horizon = self.scenario.run.horizon;
        let stop_when_drained = self.scenario.run.stop_when_drained;
        let mut drained = false;
        while let Some(time) = self.queue.peek_time() {
            if time > horizon {
                break;
            }
            if stop_when_drained && self.drained() {
                drained = true;
                break;
            }
            // Checking every 4096 events keeps cancellation prompt and nearly free.
            if self.events.is_multiple_of(4096) {
                if control.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Err(SimError::Interrupted);
                }
                if self.events >= limit {
                    return Err(SimError::EventLimit {
                        events: self.events,
                        limit,
                    });
                }
                if let Some(progress) = control.progress {
                    progress(time);
                }
            }
            self.metrics.advance_to(time);
            let (time, event) = self.queue.pop().expect("peeked");
            if let Some((_, next)) = self.queue.peek() {
                self.prefetch_message_of(next);
            }
            self.now = time;
            self.events += 1;
            self.handle(event);
        }
        let drained = drained || (stop_when_drained && self.drained());
        let end = if drained { self.now } else { horizon };
        self.metrics.finish(end);
        Ok(end)
    }

    /// Schedules `event` at `at`. An instant before now would be a bug (time never goes back);
    /// it is reported as a broken invariant and the event runs now instead.
    fn schedule(&mut self, at: SimTime, event: Event) {
        let at = if at < self.now {
            self.metrics.invariant_broken(format!(
                "an event was scheduled at {at}, before now ({})",
                self.now
            ));
            self.now
        } else {
            at
        };
        self.queue.push(at, event);
    }

    /// Whether all traffic has arrived and no message is left in any state (between events,
    /// every queued message is counted in exactly one of the recorder's gauges).
    fn drained(&self) -> bool {
        self.active_sources == 0 && self.metrics.current().queued() == 0
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { source } => self.arrival(source as usize),
            Event::RetryDue { message } => {
                let sender = self.sender_of(message);
                self.senders[sender].waiting_retry =
                    self.senders[sender].waiting_retry.saturating_sub(1);
                self.metrics.retry_due(self.now);
                self.request_connection(message);
            }
            Event::AttemptDone {
                message,
                ip,
                uses,
                reply,
            } => self.attempt_done(message, usize::from(ip), uses, reply),
            Event::QueueAlertCheck { sender } => self.queue_alert_check(usize::from(sender)),
        }
    }

    /// Starts loading the message `event` will touch while the current event is handled: with
    /// millions of messages queued the slab is far larger than the caches, and waiting for
    /// memory was the largest cost per event.
    fn prefetch_message_of(&self, event: &Event) {
        if let Event::RetryDue { message } | Event::AttemptDone { message, .. } = *event {
            prefetch(&self.messages[message as usize]);
        }
    }

    fn schedule_next_arrival(&mut self, source: usize) {
        match self.sources[source].advance() {
            Some(time) if time <= self.scenario.run.horizon => self.schedule(
                time,
                Event::Arrival {
                    source: source as u32,
                },
            ),
            _ => self.active_sources -= 1,
        }
    }

    fn arrival(&mut self, source: usize) {
        let sender = self.sources[source].sender;
        let batch = self.sources[source].batch();
        for _ in 0..batch {
            let message = self.new_message(sender);
            self.metrics.arrived();
            self.observe(message, Happening::Arrived);
            self.request_connection(message);
        }
        self.schedule_next_arrival(source);
    }

    fn new_message(&mut self, sender: usize) -> u32 {
        let spec = &self.scenario.senders[sender];
        let state = &mut self.senders[sender];
        let draw = state.recipients_rng.uniform();
        let receiver = spec
            .mix
            .iter()
            .find(|&&(_, cumulative)| draw < cumulative)
            .map_or(spec.mix[spec.mix.len() - 1].0, |&(receiver, _)| receiver);
        let recipient_exists = !state.recipients_rng.chance(spec.invalid_share.get());
        let message = Message {
            arrival: self.now,
            retry_state: MessageRetryState::default(),
            destination: (sender * self.scenario.receivers.len() + receiver) as u32,
            attempts: 0,
            recipient_exists,
            warnings: 0,
            reserved: false,
        };
        match self.free_slots.pop() {
            Some(slot) => {
                self.messages[slot as usize] = message;
                slot
            }
            None => {
                self.messages.push(message);
                (self.messages.len() - 1) as u32
            }
        }
    }

    fn release(&mut self, message: u32) {
        self.free_slots.push(message);
    }

    fn sender_of(&self, message: u32) -> usize {
        self.messages[message as usize].destination as usize / self.scenario.receivers.len()
    }

    /// Starts an attempt on a new connection if the destination has a free slot (and the
    /// policy admits the message), else queues.
    fn request_connection(&mut self, message: u32) {
        let destination = self.messages[message as usize].destination as usize;
        let sender = destination / self.scenario.receivers.len();
        if self.has_room(destination, sender, self.destinations[destination].busy) {
            if !self.admit(message, sender) {
                return;
            }
            self.destinations[destination].busy += 1;
            self.open_connection(message, sender);
        } else {
            self.destinations[destination].waiting.push_back(message);
            self.metrics.wait_connection();
            self.observe(message, Happening::WaitingForConnection);
        }
    }

    /// Whether `busy` connections to `destination` leave room for another, under the sender's
    /// limit and the policy's.
    fn has_room(&self, destination: usize, sender: usize, busy: u32) -> bool {
        if !self.scenario.senders[sender].connections.limit.allows(busy) {
            return false;
        }
        let state = &self.senders[sender];
        !state.hooks
            || state
                .policy
                .connection_limit(destination % self.scenario.receivers.len(), self.now)
                .is_none_or(|limit| busy < limit)
    }

    /// Asks the policy whether `message` may start an attempt now and carries out any other
    /// answer. Returns whether to proceed.
    fn admit(&mut self, message: u32, sender: usize) -> bool {
        if !self.senders[sender].hooks {
            return true;
        }
        let msg = &mut self.messages[message as usize];
        let receiver = msg.destination as usize % self.scenario.receivers.len();
        let pending = Pending {
            now: self.now,
            arrival: msg.arrival,
            attempts: msg.attempts,
            destination: receiver,
        };
        let policy = self.senders[sender].policy.as_mut();
        match admission::admit(policy, &pending, &mut msg.retry_state, &mut msg.reserved) {
            Verdict::Proceed => return true,
            Verdict::Defer(reply) => self.deferred(message, sender, receiver, reply),
            Verdict::WaitUntil(at) => self.wait_until(message, sender, at),
            Verdict::Expire => {
                let (arrival, attempts) = (msg.arrival, msg.attempts);
                self.metrics.expired(self.now, arrival, attempts);
                self.observe(message, Happening::Expired);
                self.release(message);
            }
        }
        false
    }

    /// Puts `message` in the retry queue until `at`, without a failure.
    fn wait_until(&mut self, message: u32, sender: usize, at: SimTime) {
        self.observe(message, Happening::Held { until: at });
        self.senders[sender].waiting_retry += 1;
        self.metrics.wait_retry();
        self.schedule(at, Event::RetryDue { message });
    }

    /// Opens a connection from the sender's next IP (round robin) and starts an attempt on it.
    fn open_connection(&mut self, message: u32, sender: usize) {
        let state = &mut self.senders[sender];
        let ip_count = self.scenario.senders[sender].ips.len();
        let ip = state.first_ip + state.next_ip;
        state.next_ip = (state.next_ip + 1) % ip_count;
        let connect_time = self.scenario.senders[sender].connections.connect_time;
        self.start_attempt(message, ip, 1, connect_time);
    }

    fn start_attempt(&mut self, message: u32, ip: usize, uses: u32, setup: SimDuration) {
        let msg = &mut self.messages[message as usize];
        msg.attempts += 1;
        let receivers = self.scenario.receivers.len();
        let (sender, receiver) = (
            msg.destination as usize / receivers,
            msg.destination as usize % receivers,
        );
        let view = AttemptView {
            ip,
            reputation: self.ip_reputation[ip],
            recipient_exists: msg.recipient_exists,
            sender,
            message: (message, msg.arrival),
        };
        let receiver_spec = &self.scenario.receivers[receiver];
        let reply = self.receivers[receiver].respond(receiver_spec, self.now, &view);
        let connections = &self.scenario.senders[sender].connections;
        let duration = match reply {
            Reply::ConnectTimeout => connections.connect_timeout,
            Reply::MxLookupFailed => SimDuration::ZERO,
            Reply::ConnectRefused | Reply::Greeting421 => setup,
            _ => {
                setup
                    + connections
                        .transaction_time
                        .sample(&mut self.senders[sender].service_rng)
            }
        };
        self.metrics.attempt_started();
        if self.tap.is_some() {
            let what = Happening::AttemptStarted {
                attempt: self.messages[message as usize].attempts,
                ip,
                reused: uses > 1,
            };
            self.observe(message, what);
        }
        self.schedule(
            self.now + duration,
            Event::AttemptDone {
                message,
                ip: ip as u16,
                uses,
                reply,
            },
        );
    }

    fn attempt_done(&mut self, message: u32, ip: usize, uses: u32, mut reply: Reply) {
        self.metrics.attempt_ended();
        let msg = self.messages[message as usize];
        let receivers = self.scenario.receivers.len();
        let destination = msg.destination as usize;
        let (sender, receiver) = (destination / receivers, destination % receivers);
        if reply == Reply::Accepted {
            // An outage that began during the transaction drops it before the final reply.
            let spec = &self.scenario.receivers[receiver];
            if let Some(outage_reply) = self.receivers[receiver].outage_reply(spec, self.now) {
                reply = outage_reply;
            }
        }
        if self.tap.is_some() {
            let what = Happening::AttemptEnded {
                attempt: msg.attempts,
                ip,
                reply,
            };
            self.observe(message, what);
        }
        if self.senders[sender].hooks {
            let others = self.destinations[destination].busy - 1;
            self.senders[sender]
                .policy
                .on_attempt_end(receiver, reply, self.now, others);
        }
        self.metrics.attempt_outcome(receiver, ip, reply.class());
        match reply.class() {
            ReplyClass::Accepted => {
                self.metrics.delivered(self.now, msg.arrival, msg.attempts);
                self.observe(message, Happening::Delivered);
                self.senders[sender].policy.on_delivery(receiver, self.now);
                self.release(message);
            }
            ReplyClass::Permanent => {
                self.metrics.bounced(self.now, msg.arrival, msg.attempts);
                self.observe(message, Happening::Bounced);
                self.release(message);
            }
            ReplyClass::Temporary => self.deferred(message, sender, receiver, reply),
        }
        self.continue_connection(destination, sender, ip, uses, reply);
    }

    fn deferred(&mut self, message: u32, sender: usize, receiver: usize, reply: Reply) {
        self.metrics.deferred(reply);
        let msg = &mut self.messages[message as usize];
        let failure = Failure {
            now: self.now,
            arrival: msg.arrival,
            attempts: msg.attempts,
            reply,
            destination: receiver,
        };
        let state = &mut self.senders[sender];
        let decision =
            state
                .policy
                .on_failure(&failure, &mut msg.retry_state, &mut state.retry_rng);
        if self.tap.is_some() {
            let what = match decision {
                Decision::GiveUp => Happening::Expired,
                Decision::RetryAt(at) => Happening::Deferred {
                    reply,
                    retry_at: at.max(self.now),
                },
            };
            self.observe(message, what);
        }
        let msg = &mut self.messages[message as usize];
        let state = &mut self.senders[sender];
        match decision {
            Decision::GiveUp => {
                let (arrival, attempts) = (msg.arrival, msg.attempts);
                self.metrics.expired(self.now, arrival, attempts);
                self.release(message);
            }
            Decision::RetryAt(at) => {
                let spec = &self.scenario.senders[sender];
                if let Some(first) = spec.delay_warning
                    && notice_due(
                        first,
                        spec.delay_warning_repeats,
                        u32::from(msg.warnings),
                        failure.age(),
                    )
                {
                    msg.warnings = msg.warnings.saturating_add(1);
                    self.metrics.delay_warning();
                    if let Some(tap) = &mut self.tap {
                        let receivers = self.scenario.receivers.len();
                        let destination = msg.destination as usize;
                        tap.emit(
                            self.now,
                            message,
                            destination / receivers,
                            destination % receivers,
                            Happening::DelayNotice,
                        );
                    }
                }
                state.waiting_retry += 1;
                self.metrics.wait_retry();
                self.schedule(at.max(self.now), Event::RetryDue { message });
                if let Some(alert) = self.scenario.senders[sender].queue_alert {
                    self.maybe_raise_alert(sender, alert);
                }
            }
        }
    }

    /// After an attempt: the connection carries the next waiting message if it is still up and
    /// has capacity left; otherwise it closes and, if messages wait, a new one opens.
    /// With destination hooks, a connection closes if the policy's limit shrank below the
    /// connections in use, and new ones open while the limit has grown and messages wait.
    fn continue_connection(
        &mut self,
        destination: usize,
        sender: usize,
        ip: usize,
        uses: u32,
        reply: Reply,
    ) {
        let hooks = self.senders[sender].hooks;
        if hooks && !self.has_room(destination, sender, self.destinations[destination].busy - 1) {
            self.destinations[destination].busy -= 1;
            return;
        }
        let Some(next) = self.next_admitted(destination, sender) else {
            self.destinations[destination].busy -= 1;
            return;
        };
        if let Some(&after) = self.destinations[destination].waiting.front() {
            prefetch(&self.messages[after as usize]);
        }
        let per_connection = self.scenario.senders[sender]
            .connections
            .messages_per_connection;
        if reply.scope() != Scope::Site && uses < per_connection {
            self.start_attempt(next, ip, uses + 1, SimDuration::ZERO);
        } else {
            self.open_connection(next, sender);
        }
        if hooks {
            while !self.destinations[destination].waiting.is_empty()
                && self.has_room(destination, sender, self.destinations[destination].busy)
            {
                let Some(next) = self.next_admitted(destination, sender) else {
                    break;
                };
                self.destinations[destination].busy += 1;
                self.open_connection(next, sender);
            }
        }
    }

    /// The first waiting message the policy admits; the others are deferred, held or expired
    /// as it says (Postfix defers every queued message of a destination that just died).
    fn next_admitted(&mut self, destination: usize, sender: usize) -> Option<u32> {
        while let Some(next) = self.destinations[destination].waiting.pop_front() {
            self.metrics.leave_connection_queue();
            if self.admit(next, sender) {
                return Some(next);
            }
        }
        None
    }

    /// Tells the observer, if there is one, that `what` happened to `message`.
    #[inline]
    fn observe(&mut self, message: u32, what: Happening) {
        if let Some(tap) = &mut self.tap {
            let receivers = self.scenario.receivers.len();
            let destination = self.messages[message as usize].destination as usize;
            tap.emit(
                self.now,
                message,
                destination / receivers,
                destination % receivers,
                what,
            );
        }
    }

    fn maybe_raise_alert(&mut self, sender: usize, alert: QueueAlert) {
        let state = &mut self.senders[sender];
        if !state.alert_active && state.waiting_retry > alert.threshold {
            state.alert_active = true;
            self.metrics.queue_alert();
            self.schedule(
                self.now + alert.every,
                Event::QueueAlertCheck {
                    sender: sender as u16,
                },
            );
        }
    }

    fn queue_alert_check(&mut self, sender: usize) {
        let Some(alert) = self.scenario.senders[sender].queue_alert else {
            return;
        };
        if self.senders[sender].waiting_retry > alert.threshold {
            self.metrics.queue_alert();
            self.schedule(
                self.now + alert.every,
                Event::QueueAlertCheck {
                    sender: sender as u16,
                },
            );
        } else {
            self.senders[sender].alert_active = false;
        }
    }
}
