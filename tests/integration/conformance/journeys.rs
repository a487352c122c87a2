//! What happened to each message, read the same way from a recording (its `messages.csv` and
//! `attempts.csv`) and from a mailsim run (an observer of its steps), so that one piece of code
//! computes the figures of both.

use std::path::Path;

use mailsim::domain::Reply;
use mailsim::model::{Happening, Observer, RunControl, Step, simulate_observed};
use mailsim::scenario::Scenario;

/// One delivery event of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A try that reached the receiver (whatever it answered).
    Connected,
    /// A try whose connection was refused or timed out.
    Refused,
    /// A deferral without a connection: Postfix's "delivery temporarily suspended".
    Suspended,
    /// A deferral without a connection: Exim's "retry time not reached".
    Skipped,
}

impl Event {
    /// Whether it tried a connection.
    pub fn is_try(self) -> bool {
        matches!(self, Event::Connected | Event::Refused)
    }

    /// Whether it ended without a connection.
    pub fn without_connection(self) -> bool {
        !matches!(self, Event::Connected)
    }
}

/// How a message ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered at this instant (ms).
    Delivered(u64),
    /// Expired (bounced as undeliverable by the retry policy).
    Expired,
    /// Bounced by a permanent reply.
    Bounced,
    /// Still queued when the run ended.
    Pending,
}

/// One message: its arrival (ms), its delivery events in time order, its end.
#[derive(Clone, Debug, PartialEq)]
pub struct Journey {
    pub arrival_ms: u64,
    pub events: Vec<(u64, Event)>,
    pub outcome: Outcome,
}

impl Journey {
    /// Milliseconds from arrival to delivery, for a delivered message (a recording can show
    /// a delivery a millisecond or two before the injector saw the MTA's reply).
    pub fn latency_ms(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Delivered(at) => Some(at as i64 - self.arrival_ms as i64),
            _ => None,
        }
    }

    /// Tries that tried a connection.
    pub fn tries(&self) -> u32 {
        self.events.iter().filter(|(_, e)| e.is_try()).count() as u32
    }
}

type Row = std::collections::HashMap<String, String>;

fn read_rows(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    reader
        .deserialize()
        .map(|row| row.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn number(row: &Row, field: &str) -> u64 {
    row[field]
        .parse()
        .unwrap_or_else(|_| panic!("`{field}` is not a number: {:?}", row[field]))
}

/// The journeys of a recording, in the order of its messages (`m0000` first).
pub fn recorded(folder: &Path) -> Vec<Journey> {
    let mut journeys: Vec<Journey> = read_rows(&folder.join("messages.csv"))
        .iter()
        .map(|row| Journey {
            arrival_ms: number(row, "arrival_ms"),
            events: Vec::new(),
            outcome: match row["outcome"].as_str() {
                "delivered" => Outcome::Delivered(number(row, "outcome_ms")),
                "expired" => Outcome::Expired,
                "bounced" => Outcome::Bounced,
                _ => Outcome::Pending,
            },
        })
        .collect();
    for row in read_rows(&folder.join("attempts.csv")) {
        let message: usize = row["msg"]
            .trim_start_matches('m')
            .parse()
            .expect("a message named mNNNN");
        let event = match (
            row["kind"].as_str(),
            row["tcp"].as_str(),
            &*row["connected"],
        ) {
            ("expired" | "bounced", _, _) => continue,
            ("suspended", _, _) => Event::Suspended,
            ("skip", _, _) => Event::Skipped,
            (_, "1", "1") => Event::Connected,
            (_, "1", _) => Event::Refused,
            (kind, _, _) => panic!("an attempt of kind {kind} without a connection try"),
        };
        journeys[message].events.push((number(&row, "t_ms"), event));
    }
    for journey in &mut journeys {
        journey.events.sort_by_key(|&(t, _)| t);
    }
    journeys
}

/// Collects a run's journeys from its steps. `holds_are_skips`: Exim's holds are its "retry
/// time not reached" skips; Postfix's are the wait for the deferred-queue scan, not events.
struct Collector {
    holds_are_skips: bool,
    journeys: Vec<Journey>,
    /// Per message: the start of the attempt in progress, and whether its last step ended an
    /// attempt (a deferral right after one is that attempt's, not one without a connection).
    started: Vec<u64>,
    after_attempt: Vec<bool>,
}

impl Observer for Collector {
    fn observe(&mut self, step: &Step) {
        let t = step.time.as_millis();
        let i = (step.message - 1) as usize;
        if step.what == Happening::Arrived {
            self.journeys.push(Journey {
                arrival_ms: t,
                events: Vec::new(),
                outcome: Outcome::Pending,
            });
            self.started.push(0);
            self.after_attempt.push(false);
            return;
        }
        let journey = &mut self.journeys[i];
        match step.what {
            Happening::AttemptStarted { .. } => self.started[i] = t,
            Happening::AttemptEnded { reply, .. } => {
                let event = match reply {
                    Reply::ConnectRefused | Reply::ConnectTimeout => Event::Refused,
                    _ => Event::Connected,
                };
                journey.events.push((self.started[i], event));
            }
            Happening::Deferred { .. } if !self.after_attempt[i] => {
                journey.events.push((t, Event::Suspended));
            }
            Happening::Held { .. } if self.holds_are_skips => {
                journey.events.push((t, Event::Skipped));
            }
            Happening::Delivered => journey.outcome = Outcome::Delivered(t),
            Happening::Expired => journey.outcome = Outcome::Expired,
            Happening::Bounced => journey.outcome = Outcome::Bounced,
            _ => {}
        }
        self.after_attempt[i] = matches!(step.what, Happening::AttemptEnded { .. });
    }
}

/// The journeys of one run of `scenario` with `seed`.
pub fn simulated(scenario: &Scenario, seed: u64, holds_are_skips: bool) -> Vec<Journey> {
    let mut scenario = scenario.clone();
    scenario.set_seed(seed);
    let mut collector = Collector {
        holds_are_skips,
        journeys: Vec::new(),
        started: Vec::new(),
        after_attempt: Vec::new(),
    };
    simulate_observed(&scenario, 0, RunControl::default(), &mut collector).expect("the run ends");
    collector.journeys
}
