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
//! host's retry time. Retries happen at the retry time (an ideal queue runner) or, with
//! `queue_interval`, at the first queue run at or after it (runs from t = 0).
//!
//! Delay warnings: one each time the message's age passes another multiple of `delay_warning`
//! (24 h), evaluated when an attempt fails.

mod rules;

use serde::Deserialize;

pub use rules::{EximRule, EximRules, RuleKind};

use super::{
    Admission, Decision, Failure, HoldReason, MessageRetryState, Pending, PolicyParams,
    RetryPolicy, SpecProblem,
};
use crate::domain::{Reply, Scope};
use crate::engine::{RandomStream, SimDuration, SimTime};

/// Exim's retry settings, with Exim's names and defaults.
#[derive(Clone, Debug, PartialEq, Deserialize, serde::Serialize)]
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
                    "a rule with a zero interval ({:?}) retries in a tight loop",
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
                    "every {q}"
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
        let at = match self.params.queue_interval {
            Some(q) => SimTime(at.as_millis().div_ceil(q.as_millis()) * q.as_millis()),
            None => at,
        };
        if at > now {
            at
        } else {
            match self.params.queue_interval {
                Some(q) => SimTime((now.as_millis() / q.as_millis() + 1) * q.as_millis()),
                None => now,
            }
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

    fn admit(&mut self, pending: &Pending, _state: &mut MessageRetryState) -> Admission {
        let Some(Some(host)) = self.hosts.get(pending.destination).copied() else {
            return Admission::Proceed;
        };
        let now = pending.now.as_millis() / 1000;
        let arrival = pending.arrival.as_millis() / 1000;
        if now >= host.next_try {
            return Admission::Proceed;
        }
        if host.expired {
            // Past the final cutoff and before the host's retry time.
            return if self.params.delay_after_cutoff || host.last_try >= arrival {
                Admission::Expire
            } else {
                Admission::Proceed
            };
        }
        let last_cutoff = self.params.rules.0.last().map_or(0, |r| r.cutoff_s);
        if now - arrival > last_cutoff {
            // Older than every cutoff: one attempt now, timed out if it fails.
            return Admission::Proceed;
        }
        Admission::Hold(
            self.run_at(host.next_try, pending.now),
            HoldReason::HostRetryTime,
        )
    }

    fn on_attempt_end(&mut self, destination: usize, reply: Reply, _now: SimTime, _others: u32) {
        if reply.scope() != Scope::Site {
            // The host answered: its retry record is deleted.
            if let Some(host) = self.hosts.get_mut(destination) {
                *host = None;
            }
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
    use crate::retry::schedule::{Event, compute};

    /// The default rule worked by hand (seconds):
    /// F,2h,15m: 0, 900, …, 7200 (9 attempts; at 7200 the key has failed for exactly 2 h, still
    /// F) → 8100. G,16h,1h,1.5 with lastgap = min(next−last, now−last): at 8100 lastgap 900 <
    /// 3600 → +3600 = 11 700; then 3600×1.5 = 5400 → 17 100; 8100 → 25 200; 12 150 → 37 350;
    /// 18 225 → 55 575; 27 337 (integer) → 82 912. Past 16 h: F,4d,6h: 82 912 + 21 600k up to
    /// 342 112 (k = 12); at 363 712 the key has failed for more than 4 d: timed out.
    const DEFAULT_SCHEDULE: [f64; 29] = [
        0.0, 900.0, 1800.0, 2700.0, 3600.0, 4500.0, 5400.0, 6300.0, 7200.0, 8100.0, 11_700.0,
        17_100.0, 25_200.0, 37_350.0, 55_575.0, 82_912.0, 104_512.0, 126_112.0, 147_712.0,
        169_312.0, 190_912.0, 212_512.0, 234_112.0, 255_712.0, 277_312.0, 298_912.0, 320_512.0,
        342_112.0, 363_712.0,
    ];

    #[test]
    fn the_default_rule_for_a_recipient_key() {
        let rows = compute(
            &RetrySpec::Exim(EximParams::default()),
            Reply::ServerBusy,
            1,
        );
        assert_eq!(rows.attempt_offsets(), DEFAULT_SCHEDULE.to_vec());
        assert_eq!(rows.expired_at(), Some(363_712.0));
        // A notice at the first failure at or past 24 h (104 512), 48 h (190 912) and 72 h
        // (277 312).
        let notices: Vec<f64> = rows
            .rows_of(Event::DelayWarning)
            .map(|r| r.offset_s)
            .collect();
        assert_eq!(notices, vec![104_512.0, 190_912.0, 277_312.0]);
    }

    #[test]
    fn a_host_key_gives_the_same_schedule_for_one_message() {
        let rows = compute(
            &RetrySpec::Exim(EximParams::default()),
            Reply::ConnectRefused,
            1,
        );
        assert_eq!(rows.attempt_offsets(), DEFAULT_SCHEDULE.to_vec());
    }

    #[test]
    fn the_host_clock_is_shared_and_later_messages_wait_or_bounce() {
        let mut exim = Exim {
            params: EximParams::default(),
            hosts: Vec::new(),
        };
        let mut rng = RandomStream::new(1, 0, "test");
        let mut state = MessageRetryState::default();
        let failure = |now_s: u64, arrival_s: u64| Failure {
            now: SimTime(now_s * 1000),
            arrival: SimTime(arrival_s * 1000),
            attempts: 1,
            reply: Reply::ConnectRefused,
            destination: 0,
        };
        // The host first fails at 0; a message arriving at 3 h fails at 3 h: the host has
        // failed for 3 h (G rule, lastgap 0 < 1 h → 1 h), not the message's 0 s.
        exim.on_failure(&failure(0, 0), &mut state, &mut rng);
        let decision = exim.on_failure(&failure(10_800, 10_800), &mut state, &mut rng);
        assert_eq!(decision, Decision::RetryAt(SimTime(14_400_000)));
        // A failure of another delivery in the same round does not move the host's clock.
        let same_round = exim.on_failure(&failure(10_801, 10_000), &mut state, &mut rng);
        assert_eq!(same_round, Decision::RetryAt(SimTime(14_400_000)));
        // A third message arriving before then is held until the host's retry time.
        let pending = Pending {
            now: SimTime(12_000_000),
            arrival: SimTime(12_000_000),
            attempts: 0,
            destination: 0,
        };
        assert_eq!(
            exim.admit(&pending, &mut state),
            Admission::Hold(SimTime(14_400_000), HoldReason::HostRetryTime)
        );
        // After 4 days of failure the host times out; with delay_after_cutoff a new message
        // bounces without an attempt until the post-cutoff retry time (6 h later).
        let past = 4 * 86_400 + 60;
        assert_eq!(
            exim.on_failure(&failure(past, past), &mut state, &mut rng),
            Decision::GiveUp
        );
        let newcomer = Pending {
            now: SimTime((past + 600) * 1000),
            arrival: SimTime((past + 600) * 1000),
            attempts: 0,
            destination: 0,
        };
        assert_eq!(exim.admit(&newcomer, &mut state), Admission::Expire);
        let after = Pending {
            now: SimTime((past + 21_600) * 1000),
            ..newcomer
        };
        assert_eq!(exim.admit(&after, &mut state), Admission::Proceed);
    }

    #[test]
    fn h_rules_draw_from_the_upper_half_and_the_queue_runner_quantises() {
        let params = EximParams {
            rules: EximRules::try_from("H,1d,10m,2".to_string()).unwrap(),
            ..EximParams::default()
        };
        for seed in 0..20 {
            let rows = compute(&RetrySpec::Exim(params.clone()), Reply::ServerBusy, seed);
            let gaps = rows.gaps();
            assert_eq!(gaps[0], 600.0);
            // lastgap 600 → next_gap 1200: the gap is in [(600 + 1200)/2, 1200) = [900, 1200).
            assert!((900.0..1200.0).contains(&gaps[1]), "{gaps:?}");
        }
        let runner = EximParams {
            queue_interval: Some(SimDuration::from_mins(30)),
            ..EximParams::default()
        };
        let rows = compute(&RetrySpec::Exim(runner), Reply::ServerBusy, 1);
        // Retry times 900 → run at 1800; then 2700 → 3600; the runs every 30 min.
        assert_eq!(&rows.attempt_offsets()[..4], &[0.0, 1800.0, 3600.0, 5400.0]);
    }
}
