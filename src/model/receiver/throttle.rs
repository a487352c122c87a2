//! Throttle: a token bucket per sending IP, full at the start and refilled continuously; an
//! attempt that finds it empty gets `451 4.7.500 Server busy`. An IP's rate and burst are
//! scaled by its reputation class's share and, while it builds sending history, by the
//! receiver's new-IP probation.

use crate::domain::Reply;
use crate::engine::{RandomStream, SimDuration, SimTime};
use crate::scenario::{Receiver, Throttle};

use super::{Attempt, Rule, Setup};

pub(super) fn build<'a>(setup: &mut Setup<'a>) -> Option<Box<dyn Rule + 'a>> {
    let spec = setup.spec;
    let throttle = spec.throttle?;
    let history: Vec<Option<SimDuration>> = setup.ips.iter().map(|ip| ip.history).collect();
    let mut buckets = Vec::with_capacity(setup.ips.len());
    let mut steady = Vec::with_capacity(setup.ips.len());
    for ip in &setup.ips {
        let class = crate::domain::Reputation::ALL
            .iter()
            .position(|c| *c == ip.reputation)
            .unwrap_or_default();
        let factor = limit_factor(spec, class, ip.history, SimTime::ZERO);
        buckets.push(Bucket {
            tokens: f64::from(throttle.burst) * factor,
            updated: SimTime::ZERO,
        });
        // Without probation for this IP its share is its class's at every instant.
        let fixed = spec.probation.is_none() || ip.history.is_none();
        steady.push(fixed.then(|| Steady::new(throttle, factor)));
    }
    Some(Box::new(Buckets {
        spec,
        throttle,
        buckets,
        history,
        steady,
    }))
}

/// A token bucket: starts full, refills continuously.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: SimTime,
}

struct Buckets<'a> {
    spec: &'a Receiver,
    throttle: Throttle,
    /// Per IP.
    buckets: Vec<Bucket>,
    /// Sending history of each IP at time zero, for probation (`None`: established).
    history: Vec<Option<SimDuration>>,
    /// Per IP, its share and burst when they never change (no probation applies to it): worked
    /// out once instead of at every attempt.
    steady: Vec<Option<Steady>>,
}

/// An IP's share of the throttle and its burst, when they stay the same all run.
#[derive(Clone, Copy, Debug)]
struct Steady {
    factor: f64,
    burst: f64,
}

impl Steady {
    /// The share `factor` of `throttle`, with the burst it allows (at least one token).
    fn new(throttle: Throttle, factor: f64) -> Steady {
        Steady {
            factor,
            burst: (f64::from(throttle.burst) * factor).max(1.0),
        }
    }
}

impl Rule for Buckets<'_> {
    fn check(&mut self, attempt: &Attempt, _: &mut RandomStream) -> Option<Reply> {
        let now = attempt.now;
        let Steady { factor, burst } = self.steady[attempt.ip].unwrap_or_else(|| {
            let factor = limit_factor(self.spec, attempt.reputation, self.history[attempt.ip], now);
            Steady::new(self.throttle, factor)
        });
        let bucket = &mut self.buckets[attempt.ip];
        let elapsed = seconds(now - bucket.updated);
        bucket.tokens =
            (bucket.tokens + elapsed * self.throttle.rate.as_per_second() * factor).min(burst);
        bucket.updated = now;
        // The tolerance absorbs round-off, so a bucket refilled to exactly one token at an
        // exact instant (1 per 10 min, 10 min later) admits the attempt.
        if bucket.tokens < 1.0 - 1e-9 {
            return Some(Reply::ServerBusy);
        }
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        None
    }
}

/// `span` in seconds, exactly as [`SimDuration::as_secs_f64`] gives it (milliseconds divided
/// by 1000), but read from a table worked out at compile time for spans under a second: an IP's
/// attempts are usually milliseconds apart, and the division was the slowest step of the check.
#[inline]
fn seconds(span: SimDuration) -> f64 {
    const TABLE: [f64; 1024] = {
        let mut table = [0.0; 1024];
        let mut ms = 0;
        while ms < table.len() {
            table[ms] = ms as f64 / 1000.0;
            ms += 1;
        }
        table
    };
    match TABLE.get(span.as_millis() as usize) {
        Some(&secs) => secs,
        None => span.as_secs_f64(),
    }
}

/// The share of the throttle's rate and burst an IP of reputation class `class` with
/// `history` of sending at time zero gets at `now`: its class's share, times the probation
/// share while it builds history. The bucket refills at the share in force when it is next
/// used, a close approximation while the share changes slowly (over days).
fn limit_factor(spec: &Receiver, class: usize, history: Option<SimDuration>, now: SimTime) -> f64 {
    let by_class = spec.throttle.map_or(1.0, |t| t.by_reputation[class]);
    match (spec.probation, history) {
        (Some(probation), Some(history)) => {
            by_class * probation.factor(history + SimDuration(now.as_millis()))
        }
        _ => by_class,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{attempt, minutes, rng, rule, scenario};
    use super::*;

    #[test]
    fn spans_in_seconds_are_those_of_sim_duration_bit_for_bit() {
        for ms in (0..5_000).chain([u64::MAX / 2, u64::MAX]) {
            let span = SimDuration(ms);
            assert_eq!(
                seconds(span).to_bits(),
                span.as_secs_f64().to_bits(),
                "{ms} ms"
            );
        }
    }

    #[test]
    fn a_full_bucket_admits_its_burst_then_refills_at_the_rate() {
        let scenario = scenario(r#"(throttle: (rate: "6/h", burst: 2))"#);
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let mut at = |m| rule.check(&attempt(minutes(m)), &mut rng);
        assert_eq!(at(0), None);
        assert_eq!(at(0), None);
        assert_eq!(at(0), Some(Reply::ServerBusy));
        assert_eq!(at(9), Some(Reply::ServerBusy));
        // One token per 10 min, exactly at 10 min.
        assert_eq!(at(10), None);
        assert_eq!(at(10), Some(Reply::ServerBusy));
    }

    #[test]
    fn each_ip_has_its_own_bucket_scaled_by_class_and_probation() {
        // The second IP is Poor (a quarter of the limit) and brand new on a probation that
        // starts at a tenth: its burst of 100 × 0.25 × 0.1 = 2.5 tokens admits 2.
        let scenario = scenario(
            r#"(throttle: (rate: "60/h", burst: 100, by_reputation: {Poor: 0.25}),
                probation: (period: "3d", start: 0.1))"#,
        );
        let mut rule = rule(build, &scenario).expect("used");
        let mut rng = rng();
        let poor = Attempt {
            ip: 1,
            reputation: 2,
            ..attempt(SimTime::ZERO)
        };
        let admitted = (0..10)
            .filter(|_| rule.check(&poor, &mut rng).is_none())
            .count();
        assert_eq!(admitted, 2);
        assert_eq!(
            rule.check(&attempt(SimTime::ZERO), &mut rng),
            None,
            "IP 1 untouched"
        );
    }
}
