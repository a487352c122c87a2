//! Arrival processes: when the next message of a traffic source arrives (and, for a replayed
//! trace, to which receiver).

use std::sync::Arc;

use crate::engine::{RandomStream, SimTime};
use crate::scenario::{ReplayTrace, Traffic};

/// The running state of one traffic source.
#[derive(Debug)]
pub(super) struct Source {
    /// Which sender the messages belong to.
    pub sender: usize,
    kind: SourceKind,
    rng: RandomStream,
    batch: u64,
    /// The receiver of the current arrival, for sources that name it.
    receiver: Option<usize>,
}

#[derive(Debug)]
enum SourceKind {
    /// Non-homogeneous Poisson by inversion of the cumulative rate. `cursor` is the last arrival
    /// in fractional milliseconds, so rounding never accumulates.
    Poisson {
        steps: Vec<(f64, f64)>,
        period_ms: Option<f64>,
        cursor: f64,
    },
    Campaign {
        messages: u64,
        at: SimTime,
        spread_ms: u64,
        emitted: u64,
    },
    /// A recorded trace, read in order; `next` is the next row.
    Replay {
        trace: Arc<ReplayTrace>,
        next: usize,
    },
}

impl Source {
    pub fn new(sender: usize, traffic: &Traffic, rng: RandomStream) -> Source {
        let kind = match traffic {
            Traffic::Poisson { steps, period } => SourceKind::Poisson {
                steps: steps
                    .iter()
                    .map(|(from, rate)| (from.as_millis() as f64, rate.as_per_second() / 1000.0))
                    .collect(),
                period_ms: period.map(|p| p.as_millis() as f64),
                cursor: 0.0,
            },
            Traffic::Campaign {
                messages,
                at,
                spread,
            } => SourceKind::Campaign {
                messages: *messages,
                at: *at,
                spread_ms: spread.as_millis(),
                emitted: 0,
            },
            Traffic::Replay(trace) => SourceKind::Replay {
                trace: Arc::clone(trace),
                next: 0,
            },
        };
        Source {
            sender,
            kind,
            rng,
            batch: 0,
            receiver: None,
        }
    }

    /// Moves to the next arrival and returns its instant, or `None` when the source is exhausted.
    /// [`Source::batch`] then says how many messages arrive at that instant.
    pub fn advance(&mut self) -> Option<SimTime> {
        let (time, batch) = self.next()?;
        self.batch = batch;
        Some(time)
    }

    /// How many messages arrive at the current arrival instant (more than one only for a
    /// campaign sent all at once).
    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// The receiver of the current arrival, if the source names it (a replay); otherwise the
    /// sender's mix decides.
    pub fn receiver(&self) -> Option<usize> {
        self.receiver
    }

    /// The next arrival instant and how many messages arrive then, or `None` when the source is
    /// exhausted. Campaigns sent all at once arrive as one batch.
    fn next(&mut self) -> Option<(SimTime, u64)> {
        match &mut self.kind {
            SourceKind::Poisson {
                steps,
                period_ms,
                cursor,
            } => {
                let mut need = self.rng.exponential(1.0);
                let mut t = *cursor;
                loop {
                    let (rate, segment_end) = segment(steps, *period_ms, t);
                    if rate > 0.0 {
                        let capacity = rate * (segment_end - t);
                        if need <= capacity {
                            t += need / rate;
                            *cursor = t;
                            return Some((SimTime(t.round() as u64), 1));
                        }
                        need -= capacity;
                    }
                    if !segment_end.is_finite() || segment_end > 9.0e18 {
                        return None;
                    }
                    t = segment_end;
                }
            }
            SourceKind::Campaign {
                messages,
                at,
                spread_ms,
                emitted,
            } => {
                if *emitted >= *messages {
                    return None;
                }
                if *spread_ms == 0 {
                    *emitted = *messages;
                    return Some((*at, *messages));
                }
                let offset = u128::from(*emitted) * u128::from(*spread_ms) / u128::from(*messages);
                *emitted += 1;
                Some((SimTime(at.as_millis() + offset as u64), 1))
            }
            SourceKind::Replay { trace, next } => {
                let time = *trace.times.get(*next)?;
                self.receiver = Some(trace.receivers[*next] as usize);
                *next += 1;
                Some((time, 1))
            }
        }
    }
}

/// The rate (per ms) in force at `t` and the end of its segment (∞ for the last step of a
/// profile that does not repeat).
fn segment(steps: &[(f64, f64)], period_ms: Option<f64>, t: f64) -> (f64, f64) {
    let (offset, local) = match period_ms {
        Some(period) => {
            let cycles = (t / period).floor();
            (cycles * period, t - cycles * period)
        }
        None => (0.0, t),
    };
    let index = steps
        .partition_point(|&(from, _)| from <= local)
        .saturating_sub(1);
    let end = match (steps.get(index + 1), period_ms) {
        (Some(&(next, _)), _) => offset + next,
        (None, Some(period)) => offset + period,
        (None, None) => f64::INFINITY,
    };
    // Guard against a zero-length segment from floating-point rounding at a boundary.
    let end = if end <= t { t.next_up() } else { end };
    (steps[index].1, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rate;
    use crate::engine::SimDuration;

    fn count_until(source: &mut Source, end: SimTime) -> u64 {
        let mut count = 0;
        while let Some((time, n)) = source.next() {
            if time >= end {
                break;
            }
            count += n;
        }
        count
    }

    #[test]
    fn campaigns_spread_evenly_or_arrive_at_once() {
        let spread = Traffic::Campaign {
            messages: 4,
            at: SimTime(1000),
            spread: SimDuration(400),
        };
        let mut source = Source::new(0, &spread, RandomStream::new(1, 0, "t"));
        let times: Vec<_> = std::iter::from_fn(|| source.next()).collect();
        assert_eq!(
            times,
            vec![
                (SimTime(1000), 1),
                (SimTime(1100), 1),
                (SimTime(1200), 1),
                (SimTime(1300), 1)
            ]
        );
        let burst = Traffic::Campaign {
            messages: 500,
            at: SimTime(7),
            spread: SimDuration::ZERO,
        };
        let mut source = Source::new(0, &burst, RandomStream::new(1, 0, "t"));
        assert_eq!(source.next(), Some((SimTime(7), 500)));
        assert_eq!(source.next(), None);
    }

    #[test]
    fn a_profile_delivers_its_expected_count_per_step() {
        // 3600/h for the first hour, nothing in the second, 7200/h from the third hour on,
        // repeating every 3 hours: 3600 + 0 + 7200 = 10 800 per 3 hours.
        let profile = Traffic::Poisson {
            steps: vec![
                (SimTime::ZERO, Rate::per_second(1.0)),
                (SimTime(3_600_000), Rate::per_second(0.0)),
                (SimTime(7_200_000), Rate::per_second(2.0)),
            ],
            period: Some(SimDuration::from_hours(3)),
        };
        let mut source = Source::new(0, &profile, RandomStream::new(5, 0, "t"));
        let n = count_until(&mut source, SimTime(10 * 3 * 3_600_000)) as f64;
        // Poisson: mean 108 000, sd ≈ 329; allow 5 sd.
        assert!((n - 108_000.0).abs() < 1_650.0, "{n}");
    }

    #[test]
    fn a_window_stops_arrivals_at_its_end() {
        let window = Traffic::Poisson {
            steps: vec![
                (SimTime::ZERO, Rate::per_second(0.0)),
                (SimTime(1000), Rate::per_second(10.0)),
                (SimTime(2000), Rate::per_second(0.0)),
            ],
            period: None,
        };
        let mut source = Source::new(0, &window, RandomStream::new(9, 0, "t"));
        let times: Vec<_> = std::iter::from_fn(|| source.next()).collect();
        assert!(!times.is_empty());
        assert!(
            times
                .iter()
                .all(|(t, _)| (1000..=2000).contains(&t.as_millis()))
        );
    }
}
