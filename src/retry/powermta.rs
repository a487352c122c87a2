//! PowerMTA, from a third-party transcription of its directive reference (reference sheet §6.3;
//! no Port25/SparkPost document was reachable).
//!
//! Retries follow the `retry-after` list (the last entry repeats); the message bounces at the
//! first failure at or past `bounce-after`. A reply matching one of `backoff_patterns` (the
//! `<smtp-pattern-list>` entries `reply /…/ mode=backoff`) puts the destination queue in backoff
//! mode: retries then wait `backoff-retry-after`, at most `backoff-max-smtp-out` connections are
//! used and, if set, messages start at most at `backoff-max-msg-rate`. The queue returns to
//! normal after `backoff-to-normal-after` (default: never) or, if
//! `backoff-to-normal-after-delivery`, after one delivery. Directive names use `_` for `-`.
//!
//! A delay notice is sent every `notify-of-delay-every`. Not modelled: `retry-recipients-after`
//! and `retry-after-dns-error`.

use regex::Regex;
use serde::Deserialize;

use super::adaptive::Controls;
use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    RetryPolicy, SpecProblem, positive,
};
use crate::domain::Rate;
use crate::domain::{Reply, ReplyClass};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// PowerMTA's directives (with `_` for `-`) and their transcribed defaults.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PowerMtaParams {
    /// `retry-after`: the gaps, the last repeating. Default `["10m"]`.
    pub retry_after: Vec<SimDuration>,
    /// `bounce-after`: give-up age. Default `4d12h`.
    pub bounce_after: SimDuration,
    /// Regular expressions over the reply line that switch the queue to backoff mode.
    /// Default: none.
    pub backoff_patterns: Vec<String>,
    /// `backoff-retry-after`. Default `1h`.
    pub backoff_retry_after: SimDuration,
    /// `backoff-max-msg-rate`. Default: unlimited.
    pub backoff_max_msg_rate: Option<Rate>,
    /// `backoff-max-smtp-out`. Default `20`.
    pub backoff_max_smtp_out: u32,
    /// `backoff-to-normal-after`. Default: never.
    pub backoff_to_normal_after: Option<SimDuration>,
    /// `backoff-to-normal-after-delivery`. Default `false`.
    pub backoff_to_normal_after_delivery: bool,
    /// `notify-of-delay-every`: age of the delay notice. Default `4h`.
    pub notify_of_delay_every: SimDuration,
}

impl Default for PowerMtaParams {
    fn default() -> Self {
        PowerMtaParams {
            retry_after: vec![SimDuration::from_mins(10)],
            bounce_after: SimDuration::from_hours(4 * 24 + 12),
            backoff_patterns: Vec::new(),
            backoff_retry_after: SimDuration::from_hours(1),
            backoff_max_msg_rate: None,
            backoff_max_smtp_out: 20,
            backoff_to_normal_after: None,
            backoff_to_normal_after_delivery: false,
            notify_of_delay_every: SimDuration::from_hours(4),
        }
    }
}

impl PolicyParams for PowerMtaParams {
    fn validate(&self) -> Result<(), SpecProblem> {
        if self.retry_after.is_empty() {
            return SpecProblem::err(
                "retry_after",
                "the list is empty",
                "give at least one gap, e.g. [\"10m\"]",
            );
        }
        for gap in &self.retry_after {
            positive("retry_after", *gap, "\"10m\"")?;
        }
        positive("backoff_retry_after", self.backoff_retry_after, "\"1h\"")?;
        for pattern in &self.backoff_patterns {
            if let Err(error) = Regex::new(pattern) {
                return SpecProblem::err(
                    "backoff_patterns",
                    format!("`{pattern}` is not a regular expression: {error}"),
                    "escape special characters such as `.` with a backslash",
                );
            }
        }
        if self.backoff_max_smtp_out == 0 {
            return SpecProblem::err(
                "backoff_max_smtp_out",
                "zero connections never deliver",
                "use at least 1 (default 20)",
            );
        }
        if self
            .backoff_max_msg_rate
            .is_some_and(|r| r.as_per_second() <= 0.0)
        {
            return SpecProblem::err(
                "backoff_max_msg_rate",
                "a zero rate never delivers",
                "use e.g. \"10/min\"",
            );
        }
        Ok(())
    }

    fn build(&self) -> Box<dyn RetryPolicy> {
        let regexes: Vec<Regex> = self
            .backoff_patterns
            .iter()
            .filter_map(|p| Regex::new(p).ok())
            .collect();
        let backoff_on = Reply::ALL.map(|reply| {
            reply.class() == ReplyClass::Temporary
                && regexes.iter().any(|re| re.is_match(&reply.to_string()))
        });
        Box::new(PowerMta {
            params: self.clone(),
            backoff_on,
            queues: Vec::new(),
        })
    }

    fn describe(&self) -> String {
        let list: Vec<String> = self.retry_after.iter().map(ToString::to_string).collect();
        format!(
            "powermta: retry-after {}, bounce-after {}, backoff mode on {} pattern(s) (retry {}, {} connections, rate {}, back to normal {}), delay notice at {}",
            list.join(","),
            self.bounce_after,
            self.backoff_patterns.len(),
            self.backoff_retry_after,
            self.backoff_max_smtp_out,
            self.backoff_max_msg_rate
                .map_or("unlimited".into(), |r| r.to_string()),
            match (
                self.backoff_to_normal_after,
                self.backoff_to_normal_after_delivery
            ) {
                (Some(after), _) => format!("after {after}"),
                (None, true) => "after a delivery".into(),
                (None, false) => "never".into(),
            },
            self.notify_of_delay_every
        )
    }

    fn delay_warning_default(&self) -> Option<SimDuration> {
        Some(self.notify_of_delay_every)
    }

    fn delay_warning_repeats(&self) -> bool {
        true
    }
}

/// The PowerMTA policy: directives, which replies trigger backoff, per-queue backoff state.
#[derive(Clone, Debug)]
pub struct PowerMta {
    params: PowerMtaParams,
    backoff_on: [bool; Reply::ALL.len()],
    queues: Vec<Queue>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Queue {
    /// In backoff mode until this instant (`SimTime::NEVER`: until a delivery or for ever).
    backoff_until: Option<SimTime>,
    controls: Controls,
}

impl PowerMta {
    fn queue(&mut self, destination: usize) -> &mut Queue {
        if destination >= self.queues.len() {
            self.queues.resize(destination + 1, Queue::default());
        }
        &mut self.queues[destination]
    }

    fn in_backoff(&self, destination: usize, now: SimTime) -> bool {
        self.queues
            .get(destination)
            .and_then(|q| q.backoff_until)
            .is_some_and(|until| now < until)
    }
}

impl RetryPolicy for PowerMta {
    fn on_failure(
        &mut self,
        failure: &Failure,
        _state: &mut MessageRetryState,
        _rng: &mut RandomStream,
    ) -> Decision {
        if failure.age() >= self.params.bounce_after {
            return Decision::GiveUp;
        }
        let gap = if self.in_backoff(failure.destination, failure.now) {
            self.params.backoff_retry_after
        } else {
            let list = &self.params.retry_after;
            list[(failure.attempts.max(1) as usize - 1).min(list.len() - 1)]
        };
        Decision::RetryAt(failure.now + gap)
    }

    fn on_delivery(&mut self, destination: usize, _now: SimTime) {
        if self.params.backoff_to_normal_after_delivery {
            *self.queue(destination) = Queue::default();
        }
    }

    fn admit(&mut self, pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        if !self.in_backoff(pending.destination, pending.now) {
            return Admission::Proceed;
        }
        self.queue(pending.destination).controls.admit(pending.now)
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, now: SimTime, _others: u32) {
        if !self.backoff_on[reply.index()] || self.in_backoff(destination, now) {
            return;
        }
        let p = &self.params;
        let until = p
            .backoff_to_normal_after
            .map_or(SimTime::NEVER, |after| now + after);
        let (rate, limit) = (p.backoff_max_msg_rate, p.backoff_max_smtp_out);
        let queue = self.queue(destination);
        queue.backoff_until = Some(until);
        queue.controls = Controls::default();
        if let Some(rate) = rate {
            queue
                .controls
                .limit_rate(rate, until, now, HoldReason::Backoff);
        }
        queue.controls.limit_connections(limit, until, now);
    }

    fn connection_limit(&self, destination: usize, now: SimTime) -> Option<u32> {
        if self.in_backoff(destination, now) {
            Some(self.params.backoff_max_smtp_out)
        } else {
            None
        }
    }

    fn uses_destination_hooks(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::RetrySpec;
    use crate::retry::schedule::compute;

    #[test]
    fn the_retry_after_list_then_bounce_after() {
        let rows = compute(
            &RetrySpec::PowerMta(PowerMtaParams::default()),
            Reply::ServerBusy,
            1,
        );
        // 4d12h = 388 800 s = 648 gaps of 600 s: 649 attempts.
        assert!(rows.gaps().iter().all(|&gap| gap == 600.0));
        assert_eq!(rows.attempt_offsets().len(), 649);
        // A notice every 4 h of age: at 4 h, 8 h, …, 104 h (26); the 27th would be due at
        // 108 h = 388 800 s, when the message expires instead.
        assert_eq!(
            rows.rows_of(crate::retry::schedule::Event::DelayWarning)
                .count(),
            26
        );
        assert_eq!(rows.expired_at(), Some(388_800.0));
        let list = PowerMtaParams {
            retry_after: [10, 10, 20, 30, 60].map(SimDuration::from_mins).to_vec(),
            bounce_after: SimDuration::from_hours(4),
            ..PowerMtaParams::default()
        };
        let rows = compute(&RetrySpec::PowerMta(list), Reply::ServerBusy, 1);
        // 0, 600, 1200, 2400, 4200, then every 3600: 7800, 11 400, 15 000 (≥ 14 400).
        assert_eq!(
            rows.attempt_offsets(),
            vec![
                0.0, 600.0, 1200.0, 2400.0, 4200.0, 7800.0, 11_400.0, 15_000.0
            ]
        );
    }

    #[test]
    fn a_matching_reply_switches_the_queue_to_backoff_mode() {
        let params = PowerMtaParams {
            backoff_patterns: vec![r"4\.7\.500".into()],
            backoff_to_normal_after: Some(SimDuration::from_hours(2)),
            ..PowerMtaParams::default()
        };
        let rows = compute(&RetrySpec::PowerMta(params.clone()), Reply::ServerBusy, 1);
        // The reply at 0 starts backoff until 2 h: the retry waits 1 h (3600, 7200). At 7200
        // backoff has just ended, and that attempt's 4.7.500 starts it again: 10 800.
        assert_eq!(
            &rows.attempt_offsets()[..4],
            &[0.0, 3600.0, 7200.0, 10_800.0]
        );
        let other = compute(&RetrySpec::PowerMta(params), Reply::IpReputation, 1);
        assert_eq!(&other.attempt_offsets()[..3], &[0.0, 600.0, 1200.0]);
    }
}
