//! Exim 4 retry rules, as `retry.c` (`retry_update()`) computes them (reference sheet §2).
//!
//! A rule list such as the default `F,2h,15m; G,16h,1h,1.5; F,4d,6h` is looked up with the time
//! the **retry key** has been failing, not the message's age: the key is the host for site-level
//! errors (connection refused or timed out, `421` greeting: every message to that host waits for
//! the host's retry time), the host plus message for message-level errors (4xx to MAIL FROM or
//! DATA) and the recipient address for recipient-level errors (4xx to RCPT). For the last two
//! Exim uses the message's age when it is longer, and in this model every message has its own
//! recipient, so those keys are per message. A receiver is modelled as one host.
//!
//! `G` multiplies the last gap with Exim's integer arithmetic (multiplier stored ×1000); `H`
//! draws the gap from the upper half of `[start, next_gap)` as the source does (the manual says
//! the whole range). Past the last cutoff the key is timed out and the message bounces; with
//! `delay_after_cutoff` later messages to a timed-out host bounce without an attempt until the
//! host's retry time. A message on the queue longer than the last cutoff is tried whatever its
//! retry time (`retry_ultimate_address_timeout()`).
//!
//! Without `queue_interval`, a message is retried at its retry time (an ideal queue runner).
//! With it, the policy has a **queue runner** (`queue.c`, `daemon.c`): the first run at
//! `queue_run_start` (the daemon starts one at start-up), then one every `queue_interval`; each
//! run takes the waiting messages in random order, one at a time, and skips those whose host or
//! own retry time has not come ("retry time not reached", `deliver.c`); a message that times
//! out holds the run for `queue_run_bounce_time` while its bounce is written. Checked against
//! recorded runs of Exim 4.96 (`conformance/README.md`).
//!
//! Delay warnings: one each time the message's age passes another multiple of `delay_warning`
//! (24 h), evaluated when an attempt fails.

mod rules;

use serde::Deserialize;

pub use rules::{EximRule, EximRules, RuleKind};

use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    QueueRunner, RetryPolicy, SpecProblem,
};
use crate::domain::{Reply, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Exim's retry settings, with Exim's names and defaults.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EximParams {
    /// The retry rules for `* *`. Default `F,2h,15m; G,16h,1h,1.5; F,4d,6h`.
    pub rules: EximRules,
    /// Upper bound on any retry gap (Exim refuses more than 24 h). Default `24h`.
    pub retry_interval_max: SimDuration,
    /// A retry record not updated for this long is forgotten. Default `7d`.
    pub retry_data_expire: SimDuration,
    /// smtp transport: bounce later messages to a timed-out host without an attempt.
    /// Default `true`.
    pub delay_after_cutoff: bool,
    /// The queue runner's period (`exim -q<interval>`); unset: retry at the retry time.
    /// Default: unset.
    pub queue_interval: Option<SimDuration>,
    /// When the first queue run starts (the daemon starts one at start-up, then one every
    /// `queue_interval`). Default `0s`.
    pub queue_run_start: SimDuration,
    /// How long a queue run waits after a message times out while its bounce is written (Exim
    /// generates the non-delivery report in the delivery process, before the runner takes the
    /// next message). A property of the machine, not an Exim option. Default `0s`.
    pub queue_run_bounce_time: SimDuration,
    /// Age of the delay warning. Default `24h`.
    pub delay_warning: SimDuration,
}

impl Default for EximParams {
    fn default() -> Self {
        EximParams {
            rules: EximRules::default(),
            retry_interval_max: SimDuration::from_hours(24),
            retry_data_expire: SimDuration::from_days(7),
            delay_after_cutoff: true,
            queue_interval: None,
            queue_run_start: SimDuration::ZERO,
            queue_run_bounce_time: SimDuration::ZERO,
            delay_warning: SimDuration::from_hours(24),
        }
    }
}

impl PolicyParams for EximParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        if self.retry_interval_max > SimDuration::from_hours(24) {
            return SpecProblem::err(
                "retry_interval_max",
                format!("{} is above Exim's ceiling of 24h", self.retry_interval_max),
                "use at most \"24h\"",
            );
        }
        if self.retry_interval_max < SimDuration::from_secs(1) {
            return SpecProblem::err(
                "retry_interval_max",
                "it must be at least 1s",
                "use e.g. \"24h\"",
            );
        }
        if let Some(rule) = self.rules.0.iter().find(|r| r.p1_s == 0) {
            return SpecProblem::err(
                "rules",
                format!(
                    "a rule with a zero interval ({}) retries in a tight loop",
                    rule.kind
                ),
                "give every rule a positive interval, e.g. \"F,2h,15m\"",
            );
        }
        if self
            .rules
            .0
            .windows(2)
            .any(|w| w[1].cutoff_s < w[0].cutoff_s)
        {
            return SpecProblem::err(
                "rules",
                "the cutoffs are not in increasing order, so later rules can never apply",
                "order the rules by cutoff, as Exim reads them first to last",
            );
        }
        if self.queue_interval == Some(SimDuration::ZERO) {
            return SpecProblem::err(
                "queue_interval",
                "a zero queue interval",
                "use e.g. \"30m\", or leave it out",
            );
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        Box::new(Exim {
            params: self.clone(),
            hosts: Vec::new(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "exim: rules {} clocked from the retry key's first failure, retry_interval_max {}, delay_after_cutoff {}, queue runner {}, delay warning at {}",
            self.rules,
            self.retry_interval_max,
            self.delay_after_cutoff,
            self.queue_interval
                .map_or("off (retry at the retry time)".into(), |q| format!(
                    "every {q} from {}",
                    self.queue_run_start
                )),
            self.delay_warning
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        Some(self.delay_warning)
    }

    /// "A single time" for `delay_warning` is the repeat interval.
    fn delay_warning_repeats(&self) -> bool {
        true
    }
}

/// A retry record (`dbdata_retry`), in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Record {
    first_failed: u64,
    last_try: u64,
    next_try: u64,
    expired: bool,
}

/// The Exim policy: the parameters and a host retry record per destination.
#[derive(Clone, Debug)]
pub struct Exim {
    params: EximParams,
    hosts: Vec<Option<Record>>,
}

impl Exim {
    /// `retry_update()` for one key, in whole seconds; for non-host keys the message's age counts
    /// when it is longer than the key's failing time. Returns the next try and whether the key
    /// timed out.
    fn update(
        &self,
        record: &mut Option<Record>,
        now: u64,
        arrival: u64,
        host_key: bool,
        rng: &mut RandomStream,
    ) -> (u64, bool) {
        let p = &self.params;
        let rec = match record {
            Some(rec) if now - rec.last_try <= p.retry_data_expire.as_millis() / 1000 => rec,
            _ => record.insert(Record {
                first_failed: now,
                last_try: now,
                next_try: now,
                expired: false,
            }),
        };
        let mut failing = now - rec.first_failed;
        if !host_key {
            failing = failing.max(now - arrival);
        }
        let rules = &self.params.rules.0;
        let last = rules[rules.len() - 1];
        let (rule, timed_out) = match rules.iter().find(|r| failing <= r.cutoff_s) {
            None => {
                rec.expired = true;
                (Some(last), true)
            }
            Some(_) if arrival <= rec.first_failed && now - arrival > last.cutoff_s => (None, true),
            Some(rule) => (Some(*rule), false),
        };
        let next = match rule {
            None => now,
            Some(rule) => {
                let lastgap = (rec.next_try - rec.last_try).min(now - rec.last_try);
                let next_gap = lastgap * rule.mult1000 / 1000;
                match rule.kind {
                    RuleKind::F => now + rule.p1_s,
                    RuleKind::G => {
                        now + if lastgap < rule.p1_s {
                            rule.p1_s
                        } else {
                            next_gap
                        }
                    }
                    RuleKind::H => {
                        let mut next = now + rule.p1_s;
                        if next_gap > rule.p1_s {
                            let span = next_gap - rule.p1_s;
                            let draw = ((rng.uniform() * span as f64) as u64).min(span - 1);
                            next += draw / 2 + span / 2;
                        }
                        next
                    }
                }
            }
        };
        let next = next.min(now + p.retry_interval_max.as_millis() / 1000);
        rec.last_try = now;
        rec.next_try = next;
        (next, timed_out)
    }

    /// The instant a retry time `next_s` turns into: itself, or the first queue run at or
    /// after it; always after `now`.
    fn run_at(&self, next_s: u64, now: SimTime) -> SimTime {
        let at = SimTime(next_s * 1000);
        match self.params.queue_interval {
            Some(interval) => {
                let (first, q) = (
                    self.params.queue_run_start.as_millis(),
                    interval.as_millis(),
                );
                // The first run at or after `at`, and after `now`.
                let from = at.as_millis().max(now.as_millis() + 1);
                SimTime(first + from.saturating_sub(first).div_ceil(q) * q)
            }
            None => at.max(now),
        }
    }

    fn host(&mut self, destination: usize) -> &mut Option<Record> {
        if destination >= self.hosts.len() {
            self.hosts.resize(destination + 1, None);
        }
        &mut self.hosts[destination]
    }
}

impl RetryPolicy for Exim {
    fn on_failure(
        &mut self,
        failure: &Failure,
        state: &mut MessageRetryState,
        rng: &mut RandomStream,
    ) -> Decision {
        let now = failure.now.as_millis() / 1000;
        let arrival = failure.arrival.as_millis() / 1000;
        let (next, timed_out) = if failure.reply.scope() == Scope::Site {
            if let Some(rec) = *self.host(failure.destination)
                && now < rec.next_try
            {
                // Another delivery already failed this host and set its retry time in this
                // round (Exim tries a host once per round and skips it for the other
                // messages); this failure does not move the host's clock again.
                return if rec.expired {
                    Decision::GiveUp
                } else {
                    Decision::RetryAt(self.run_at(rec.next_try, failure.now))
                };
            }
            let mut record = *self.host(failure.destination);
            let result = self.update(&mut record, now, arrival, true, rng);
            *self.host(failure.destination) = record;
            result
        } else {
            // The per-message key, kept in the message: last and next try, +1 so that 0 means
            // "no record". Its first failure is never before arrival, so the age decides.
            let mut record = (state.0 > 0).then(|| Record {
                first_failed: arrival,
                last_try: state.0 - 1,
                next_try: state.1 - 1,
                expired: false,
            });
            let result = self.update(&mut record, now, arrival, false, rng);
            if let Some(rec) = record {
                *state = MessageRetryState(rec.last_try + 1, rec.next_try + 1);
            }
            result
        };
        if timed_out {
            Decision::GiveUp
        } else {
            Decision::RetryAt(self.run_at(next, failure.now))
        }
    }

    fn admit(&mut self, pending: &Pending, state: &mut MessageRetryState) -> Admission {
        let now = pending.now.as_millis() / 1000;
        let arrival = pending.arrival.as_millis() / 1000;
        let last_cutoff = self.params.rules.0.last().map_or(0, |r| r.cutoff_s);
        // On the queue longer than every cutoff: one attempt now, timed out if it fails
        // (`retry_ultimate_address_timeout()` in retry.c).
        let overdue = now - arrival > last_cutoff;
        if let Some(Some(host)) = self.hosts.get(pending.destination).copied()
            && now < host.next_try
        {
            if host.expired {
                // Past the final cutoff and before the host's retry time.
                return if self.params.delay_after_cutoff || host.last_try >= arrival {
                    Admission::Expire
                } else {
                    Admission::Proceed
                };
            }
            if !overdue {
                // "retry time not reached for any host"
                return Admission::Hold(
                    self.run_at(host.next_try, pending.now),
                    HoldReason::HostRetryTime,
                );
            }
        }
        if state.1 > 0 && now < state.1 - 1 && !overdue {
            // The message's own key (its address, or host and message): "retry time not
            // reached" (deliver.c). Only a queue runner comes back before its retry time.
            return Admission::Hold(
                self.run_at(state.1 - 1, pending.now),
                HoldReason::MessageRetryTime,
            );
        }
        Admission::Proceed
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, _now: SimTime, _others: u32) {
        if reply.scope() != Scope::Site {
            // The host answered: its retry record is deleted.
            if let Some(host) = self.hosts.get_mut(destination) {
                *host = None;
            }
        }
    }

    fn queue_runner(&self) -> Option<QueueRunner> {
        self.params.queue_interval.map(|interval| QueueRunner {
            first: SimTime(self.params.queue_run_start.as_millis()),
            interval,
            bounce_time: self.params.queue_run_bounce_time,
        })
    }

    fn uses_destination_hooks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
