//! The sender's queue runner, for a policy that has one (Exim's `-q<interval>`): deferred and
//! held messages wait in the sender's spool, not for their own retry time; each run takes the
//! messages waiting when it starts, in random order (Exim's `queue_run_in_order` false), and
//! handles them one at a time, as Exim's queue runner process does (`queue.c`: it forks a
//! delivery process per message and waits for it). A message the policy holds is skipped ("retry
//! time not reached") and goes back to the spool at once; an admitted message's attempt ends
//! before the next message is taken, and if the message expired, the run waits while its
//! bounce is written (the policy's bounce time). A run still going when the next is due takes
//! the new run's messages after its own.
//!
//! Not modelled: the time a run spends on a skipped message (a few milliseconds in the
//! conformance recordings), and parallel runners (Exim starts one per interval up to
//! `queue_run_max`; the recorded runs never overlapped).

use std::collections::VecDeque;

use crate::engine::{RandomStream, SimDuration};
use crate::retry::QueueRunner;

use super::{Event, World};

/// A sender's queue runner: its spool, the current run and the message it waits for.
pub(super) struct Runner {
    spec: QueueRunner,
    /// Deferred and held messages waiting for a run.
    spool: Vec<u32>,
    /// The current run's messages not yet taken, in the order it takes them.
    run: VecDeque<u32>,
    /// The message whose attempt the run waits for.
    busy: Option<u32>,
    /// The order of each run's messages.
    rng: RandomStream,
}

impl Runner {
    /// A runner as `spec` says, drawing its orders from `rng`.
    pub fn new(spec: QueueRunner, rng: RandomStream) -> Runner {
        Runner {
            spec,
            spool: Vec::new(),
            run: VecDeque::new(),
            busy: None,
            rng,
        }
    }

    /// When the first run starts.
    pub fn first_run(&self) -> crate::engine::SimTime {
        self.spec.first
    }

    /// Puts `message` in the spool until the next run.
    pub fn spool(&mut self, message: u32) {
        self.spool.push(message);
    }

    /// Whether the run waits for `message`'s attempt.
    pub fn waits_for(&self, message: u32) -> bool {
        self.busy == Some(message)
    }

    /// A run starts: the spool's messages join the run, shuffled (Fisher-Yates).
    fn start_run(&mut self) {
        let mut taken = std::mem::take(&mut self.spool);
        for i in (1..taken.len()).rev() {
            let j = ((self.rng.uniform() * (i + 1) as f64) as usize).min(i);
            taken.swap(i, j);
        }
        self.run.extend(taken);
    }
}

impl World<'_> {
    /// A queue run of `sender` is due: the next is scheduled, and this one starts unless the
    /// runner is still busy with the previous one.
    pub(super) fn queue_run(&mut self, sender: usize) {
        let Some(runner) = self.senders[sender].runner.as_mut() else {
            return;
        };
        runner.start_run();
        let next = self.now + runner.spec.interval;
        let idle = runner.busy.is_none();
        self.schedule(
            next,
            Event::QueueRun {
                sender: sender as u16,
            },
        );
        if idle {
            self.run_next(sender);
        }
    }

    /// The attempt the run waited for has ended: it takes the next message, at once or, when
    /// the message expired, once its bounce is written.
    pub(super) fn run_goes_on(&mut self, sender: usize, expired: bool) {
        let bounce_time = self.senders[sender]
            .runner
            .as_ref()
            .map_or(SimDuration::ZERO, |runner| runner.spec.bounce_time);
        if expired && bounce_time > SimDuration::ZERO {
            let sender = sender as u16;
            self.schedule(self.now + bounce_time, Event::RunNext { sender });
        } else {
            self.run_next(sender);
        }
    }

    /// The run takes its next messages until one starts an attempt (or waits for a
    /// connection), or the run is over.
    pub(super) fn run_next(&mut self, sender: usize) {
        loop {
            let Some(runner) = self.senders[sender].runner.as_mut() else {
                return;
            };
            runner.busy = None;
            let Some(message) = runner.run.pop_front() else {
                return;
            };
            let state = &mut self.senders[sender];
            state.waiting_retry = state.waiting_retry.saturating_sub(1);
            self.journal.retry_due(self.now);
            if self.request_connection(message) {
                if let Some(runner) = self.senders[sender].runner.as_mut() {
                    runner.busy = Some(message);
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{scenario, steps_of};
    use crate::model::Happening;

    /// Four messages refused at 0 s, then a receiver that accepts, and an Exim runner every
    /// 30 s from 10 s; each transaction takes 2 s.
    fn runs() -> Vec<(u64, u64, &'static str)> {
        let scenario = scenario(
            r#"traffic: [Campaign(messages: 4, at: "0s")], recipients: (mix: {"r": 1.0}),
               connections: (per_destination: "unlimited", transaction_time: Fixed("2s")),
               retry: Exim(rules: "F,1h,5s", queue_interval: Some("30s"), queue_run_start: "10s")"#,
            r#""r": (outages: [(start: "0s", end: "1s", kind: Reply451)])"#,
        );
        let steps = steps_of(&scenario);
        steps
            .iter()
            .filter_map(|step| {
                let what = match step.what {
                    Happening::AttemptStarted { .. } => "attempt",
                    Happening::Held { .. } => "skip",
                    Happening::Delivered => "delivered",
                    _ => return None,
                };
                Some((step.time.as_millis(), step.message, what))
            })
            .collect()
    }

    #[test]
    fn a_run_takes_the_waiting_messages_one_at_a_time() {
        let steps = runs();
        // Four attempts at 0 s, all deferred (451 at once, the transaction is cut short by the
        // outage's reply at its end: 2 s). The run at 10 s takes them one after another, 2 s
        // each, in its own order.
        let at_run: Vec<u64> = steps
            .iter()
            .filter(|&&(t, _, what)| t >= 10_000 && what == "attempt")
            .map(|&(t, _, _)| t)
            .collect();
        assert_eq!(at_run, vec![10_000, 12_000, 14_000, 16_000]);
        let mut delivered: Vec<u64> = steps
            .iter()
            .filter(|&&(_, _, what)| what == "delivered")
            .map(|&(_, m, _)| m)
            .collect();
        delivered.sort_unstable();
        assert_eq!(delivered, vec![1, 2, 3, 4]);
    }
}
