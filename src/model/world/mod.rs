//! One replication of a scenario: the state of the mail world and its event loop. The world
//! owns the loop ([`World::run`]): it pops each event from the engine's queue in time order and
//! hands it to its handler; the engine only keeps the queue and knows nothing of mail.
//!
//! A message's life: it *arrives* and asks for a connection to its destination (sender ×
//! receiver). If one of the destination's connection slots is free it starts an *attempt* at
//! once, otherwise it waits first-in first-out. The receiver answers the attempt when it starts
//! (its rules, in order: see `model/receiver`); the attempt ends after the connect and
//! transaction time (or the connect timeout), and then the message is delivered, bounced, or
//! handed to the sender's retry policy, which schedules a retry or gives up. The connection then
//! carries the next waiting message, until `messages_per_connection` is reached or a site-level
//! failure drops it.
//!
//! Policies with destination-level behaviour (see [`RetryPolicy::uses_destination_hooks`]) are
//! also asked before every attempt ([`RetryPolicy::admit`]: proceed, defer without a
//! connection, hold until an instant, start at a reserved slot, or expire), told the outcome of
//! every attempt, and may lower the destination's connection limit. A held or slotted message
//! waits for one `RetryDue` event at the instant it was given, so a suspended destination costs
//! one event per waiting message, not a polling loop. Policies without these hooks take none of
//! these paths.
//!
//! The handlers are spread by concern: `connections` (slots per destination, the FIFO wait,
//! messages per connection), `attempt` (an attempt's start, reply and end), `sender` (the
//! retry policy's admission and decisions, delay notices, queue alerts), `runner` (the queue
//! runner of a policy that has one, such as Exim's: deferred messages then wait for a run, which
//! takes them one at a time). Everything the
//! world reports goes through `journal`, its one door to the metrics recorder and the
//! observer. Arrivals and the loop itself are here. The handlers every attempt passes through
//! are marked to be inlined into the loop: on a retry queue their calls' set-up was a
//! measurable share of each attempt (`BENCHMARKS.md`, "The model layer against the engine's
//! floor").
//!
//! [`RetryPolicy::uses_destination_hooks`]: crate::retry::RetryPolicy::uses_destination_hooks
//! [`RetryPolicy::admit`]: crate::retry::RetryPolicy::admit

mod attempt;
mod connections;
mod destination;
mod journal;
mod runner;
mod sender;
#[cfg(test)]
mod testing;

use std::sync::atomic::Ordering;

use crate::domain::{Reply, Reputation};
use crate::engine::{LaneQueue, RandomStream, SimTime, prefetch};
use crate::metrics::Meta;
use crate::scenario::Scenario;

use super::observe::Tap;
use super::receiver::ReceiverState;
use super::run::{RunControl, RunOutput, SimError};
use super::traffic::Source;
use destination::{DestinationId, Destinations};
use journal::Journal;
use sender::{RetryStates, SenderState};

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
    /// A sender's queue runner starts a run.
    QueueRun { sender: u16 },
    /// A sender's queue run goes on to its next message (after writing a bounce).
    RunNext { sender: u16 },
}

/// One queued message. Compact, 24 bytes: the slab holds one per message in the queue, and at
/// millions queued it is the largest thing in memory. The retry policy's per-message state is
/// kept beside it ([`RetryStates`]), since most policies have none.
#[derive(Clone, Copy, Debug)]
struct Message {
    arrival: SimTime,
    destination: DestinationId,
    attempts: u32,
    /// Delay notices sent so far.
    warnings: u16,
    recipient_exists: bool,
    /// The policy gave this message a start slot: its next attempt starts without asking again.
    reserved: bool,
}

const _: () = assert!(std::mem::size_of::<Message>() == 24);

/// The state of one replication: messages, senders, destinations, receivers and the clock.
pub(super) struct World<'a> {
    scenario: &'a Scenario,
    replication: u32,
    now: SimTime,
    queue: LaneQueue<Event>,
    /// The event the queue would give next, kept out of it: one scheduled at the current
    /// instant while no other event was pending then (an attempt that ends as it starts, with
    /// zero transaction time or a refusal at connect). See [`World::schedule`].
    immediate: Option<Event>,
    /// The slab of messages; a message is named by its slot.
    messages: Vec<Message>,
    /// The retry policies' state of each message, by slot.
    retry_states: RetryStates,
    free_slots: Vec<u32>,
    senders: Vec<SenderState>,
    destinations: Destinations,
    receivers: Vec<ReceiverState<'a>>,
    /// Reputation class index of every sending IP, globally numbered.
    ip_reputation: Vec<usize>,
    sources: Vec<Source>,
    active_sources: usize,
    /// Where every step is reported: the metrics recorder and the observer, if any.
    journal: Journal<'a>,
    events: u64,
}

impl<'a> World<'a> {
    /// The world at time zero, with every source's first arrival scheduled.
    pub fn new(scenario: &'a Scenario, replication: u32, tap: Option<Tap<'a>>) -> World<'a> {
        let seed = scenario.run.seed;
        let stream = |purpose: String| RandomStream::new(seed, replication, &purpose);
        let mut ip_reputation = Vec::new();
        let mut senders = Vec::new();
        let mut sources = Vec::new();
        for (s, sender) in scenario.senders.iter().enumerate() {
            senders.push(SenderState::new(sender, ip_reputation.len(), stream));
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
        let journal = Journal::new(scenario, ip_reputation.len(), tap);
        let mut world = World {
            scenario,
            replication,
            now: SimTime::ZERO,
            queue: LaneQueue::new(),
            immediate: None,
            messages: Vec::new(),
            retry_states: RetryStates::default(),
            free_slots: Vec::new(),
            senders,
            destinations: Destinations::new(scenario.senders.len(), scenario.receivers.len()),
            receivers,
            ip_reputation,
            active_sources: sources.len(),
            sources,
            journal,
            events: 0,
        };
        for source in 0..world.sources.len() {
            world.schedule_next_arrival(source);
        }
        for sender in 0..world.senders.len() {
            if let Some(first) = world.senders[sender].runner.as_ref().map(|r| r.first_run()) {
                let sender = sender as u16;
                world.schedule(first, Event::QueueRun { sender });
            }
        }
        world
    }

    /// Runs to the horizon, or until drained if the scenario asks, and returns what was
    /// measured.
    pub fn run(mut self, control: RunControl) -> Result<RunOutput, SimError> {
        let end = self.run_events(control)?;
        let scenario = self.scenario;
        let invariant = |message: &str| SimError::Invariant {
            scenario: scenario.name.clone(),
            seed: scenario.run.seed,
            replication: self.replication,
            message: message.to_string(),
        };
        if let Some(message) = self.journal.broken_invariant() {
            return Err(invariant(message));
        }
        let meta = Meta {
            tool: format!("mailsim {}", env!("CARGO_PKG_VERSION")),
            scenario: scenario.name.clone(),
            scenario_file: scenario.origin.clone(),
            seed: scenario.run.seed,
            replication: self.replication,
            start: scenario.run.start,
        };
        Ok(self.journal.into_output(scenario, meta, end, self.events))
    }

    /// The event loop; returns the end instant.
    fn run_events(&mut self, control: RunControl) -> Result<SimTime, SimError> {
        let limit = control.max_events.unwrap_or(u64::MAX);
        let horizon = self.scenario.run.horizon;
        let stop_when_drained = self.scenario.run.stop_when_drained;
        let mut drained = false;
        while let Some(time) = self.next_time() {
            if time > horizon {
                break;
            }
            if stop_when_drained && self.drained() {
                drained = true;
                break;
            }
            // The budget is exact (one comparison per event); checking the flag and telling the
            // progress every 4096 events keeps cancellation prompt and nearly free.
            if self.events >= limit {
                return Err(SimError::EventLimit {
                    events: self.events,
                    limit,
                });
            }
            if self.events.is_multiple_of(4096) {
                if control.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Err(SimError::Interrupted);
                }
                if let Some(progress) = control.progress {
                    progress(time);
                }
            }
            self.step(time);
        }
        let drained = drained || (stop_when_drained && self.drained());
        let end = if drained { self.now } else { horizon };
        self.journal.finish(end);
        Ok(end)
    }

    /// When the next event is due.
    #[inline]
    fn next_time(&self) -> Option<SimTime> {
        match self.immediate {
            Some(_) => Some(self.now),
            None => self.queue.peek_time(),
        }
    }

    /// Handles the next event, which is due at `time`.
    #[inline]
    fn step(&mut self, time: SimTime) {
        self.journal.advance_to(time);
        let (time, event) = match self.immediate.take() {
            Some(event) => (self.now, event),
            None => self.queue.pop().expect("peeked"),
        };
        if let Some((_, next)) = self.queue.peek() {
            self.prefetch_message_of(next);
        }
        self.now = time;
        self.events += 1;
        self.handle(event);
    }

    /// Schedules `event` at `at`. An instant before now would be a bug (time never goes back);
    /// it is reported as a broken invariant and the event runs now instead.
    ///
    /// An event at the current instant while no other is pending then is the one the queue
    /// would give next (later pushes at this instant go after it), so it skips the queue: it
    /// waits in `immediate` and runs right after the current event, with every check of the
    /// loop made as for any other event. Outputs are the same as through the queue, bit for
    /// bit; a retry queue with zero transaction time saves a push and a pop per attempt.
    #[inline]
    fn schedule(&mut self, at: SimTime, event: Event) {
        if self.is_next(at) {
            self.immediate = Some(event);
        } else {
            self.schedule_queued(at, event);
        }
    }

    /// Whether an event at `at` would be the next the queue gives: at the current instant, with
    /// the immediate slot free and nothing else pending then.
    #[inline]
    fn is_next(&self, at: SimTime) -> bool {
        at == self.now && self.immediate.is_none() && self.queue.peek_time() != Some(at)
    }

    /// The rest of [`World::schedule`], out of line: a push into the queue (or the report of an
    /// event scheduled in the past), which every zero-time attempt's end skips.
    #[inline(never)]
    fn schedule_queued(&mut self, at: SimTime, event: Event) {
        let at = if at < self.now {
            self.journal.invariant_broken(format!(
                "an event was scheduled at {at}, before now ({})",
                self.now
            ));
            self.now
        } else {
            at
        };
        if self.is_next(at) {
            self.immediate = Some(event);
        } else {
            self.queue.push(at, event);
        }
    }

    /// Whether all traffic has arrived and no message is left in any state (between events,
    /// every queued message is counted in exactly one of the recorder's gauges).
    fn drained(&self) -> bool {
        self.active_sources == 0 && self.journal.queued() == 0
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { source } => self.arrival(source as usize),
            Event::RetryDue { message } => self.retry_due(message),
            Event::AttemptDone {
                message,
                ip,
                uses,
                reply,
            } => self.attempt_done(message, usize::from(ip), uses, reply),
            Event::QueueAlertCheck { sender } => self.queue_alert_check(usize::from(sender)),
            Event::QueueRun { sender } => self.queue_run(usize::from(sender)),
            Event::RunNext { sender } => self.run_next(usize::from(sender)),
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
        let receiver = self.sources[source].receiver();
        for _ in 0..batch {
            let message = self.new_message(sender, receiver);
            self.journal
                .arrived(self.now, message, &self.messages[message as usize]);
            self.request_connection(message);
        }
        self.schedule_next_arrival(source);
    }

    /// A new message from `sender` to `receiver`, or with its receiver drawn from the sender's
    /// mix; returns its slot.
    fn new_message(&mut self, sender: usize, receiver: Option<usize>) -> u32 {
        let spec = &self.scenario.senders[sender];
        let state = &mut self.senders[sender];
        let receiver = receiver.unwrap_or_else(|| {
            let draw = state.recipients_rng.uniform();
            spec.mix
                .iter()
                .find(|&&(_, cumulative)| draw < cumulative)
                .map_or(spec.mix[spec.mix.len() - 1].0, |&(receiver, _)| receiver)
        });
        let recipient_exists = !state.recipients_rng.chance(spec.invalid_share.get());
        let message = Message {
            arrival: self.now,
            destination: DestinationId::new(sender, receiver),
            attempts: 0,
            warnings: 0,
            recipient_exists,
            reserved: false,
        };
        match self.free_slots.pop() {
            Some(slot) => {
                self.messages[slot as usize] = message;
                self.retry_states.reset(slot);
                slot
            }
            None => {
                self.messages.push(message);
                (self.messages.len() - 1) as u32
            }
        }
    }

    /// Frees `message`'s slot for a later arrival.
    fn release(&mut self, message: u32) {
        self.free_slots.push(message);
    }
}

#[cfg(test)]
mod tests;
