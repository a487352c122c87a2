//! The precision rule (`--precision METRIC=FRACTION`): run replications in rounds, doubling
//! them, until the 95% interval of one metric is narrow enough in every configuration or a
//! maximum is reached.

use super::Study;

/// A precision goal: the 95% interval's half-width of `metric` within `fraction` of its mean
/// in every cell, with at most `max_replications` per cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The metric, as an index into the study's [`super::MetricList`].
    pub metric: usize,
    /// The widest half-width allowed, as a fraction of the mean (positive).
    pub fraction: f64,
    /// The most replications to run per cell.
    pub max_replications: u32,
}

/// What to do after a round of replications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every interval is narrow enough: stop.
    Met,
    /// Not narrow enough, but the maximum is reached: stop.
    Capped,
    /// Run more, up to this many replications per cell.
    More(u32),
}

/// How a precision study ended, for the caller to tell the user.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionReport {
    /// The goal.
    pub goal: Precision,
    /// The replications run per cell.
    pub replications: u32,
    /// The widest relative half-width over the cells at the end.
    pub widest: f64,
    /// Whether the goal was met (else the maximum stopped it).
    pub met: bool,
}

impl Precision {
    /// The replications of the first round when `start` are asked for: at least 2 (an interval
    /// needs two values) and at most the maximum (itself at least 2).
    pub fn first_round(&self, start: u32) -> u32 {
        start.max(2).min(self.max_replications.max(2))
    }

    /// The widest relative half-width of the metric's interval over the cells of `study`
    /// (cells without an interval, e.g. with no deliveries, do not count; none at all: 0).
    pub fn widest(&self, study: &Study) -> f64 {
        (0..study.cells.len())
            .filter_map(|cell| study.interval(cell, self.metric)?.relative_half_width())
            .fold(0.0, f64::max)
    }

    /// The stopping rule, after `done` replications per cell whose widest relative
    /// half-width is `widest`: met, capped, or double the replications (up to the maximum).
    pub fn verdict(&self, done: u32, widest: f64) -> Verdict {
        if widest <= self.fraction {
            Verdict::Met
        } else if done >= self.max_replications {
            Verdict::Capped
        } else {
            Verdict::More((done * 2).min(self.max_replications))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOAL: Precision = Precision {
        metric: 0,
        fraction: 0.05,
        max_replications: 40,
    };

    #[test]
    fn replications_double_until_the_interval_is_narrow_or_the_maximum_is_reached() {
        assert_eq!(GOAL.verdict(5, 0.2), Verdict::More(10));
        assert_eq!(GOAL.verdict(10, 0.06), Verdict::More(20));
        assert_eq!(GOAL.verdict(20, 0.051), Verdict::More(40));
        assert_eq!(GOAL.verdict(40, 0.051), Verdict::Capped);
        // Exactly at the fraction is narrow enough, even at the maximum.
        assert_eq!(GOAL.verdict(20, 0.05), Verdict::Met);
        assert_eq!(GOAL.verdict(40, 0.01), Verdict::Met);
        // Doubling never overshoots the maximum.
        assert_eq!(GOAL.verdict(30, 0.5), Verdict::More(40));
    }

    #[test]
    fn the_widest_interval_decides_and_cells_without_one_do_not_count() {
        use crate::study::{Cell, RunRecord, StudyKind, StudyMeta, stats};
        let meta = StudyMeta {
            tool: "mailsim test".into(),
            kind: StudyKind::Compare,
            scenario: "s".into(),
            scenario_file: "s.ron".into(),
            seed: 1,
            replications: 3,
            warmup_s: 0.0,
            confidence: stats::CONFIDENCE,
            deadlines: Vec::new(),
        };
        let cell = |label: &str| Cell {
            label: label.into(),
            settings: Vec::new(),
        };
        let values = [
            [Some(10.0); 3],
            [Some(1.0), Some(2.0), Some(3.0)],
            [None; 3],
        ];
        let runs = values
            .iter()
            .enumerate()
            .flat_map(|(c, replications)| {
                replications
                    .iter()
                    .enumerate()
                    .map(move |(r, value)| RunRecord {
                        cell: c,
                        replication: r as u32,
                        values: vec![*value],
                    })
            })
            .collect();
        let study = Study::from_runs(meta, vec![cell("a"), cell("b"), cell("c")], runs).unwrap();
        let spread = stats::Interval::of(&[1.0, 2.0, 3.0]).unwrap();
        let widest = GOAL.widest(&study);
        assert_eq!(Some(widest), spread.relative_half_width());
        assert!(widest > 1.0, "{widest}");
    }

    #[test]
    fn the_first_round_has_two_to_the_maximum_replications() {
        assert_eq!(GOAL.first_round(5), 5);
        assert_eq!(GOAL.first_round(1), 2);
        assert_eq!(GOAL.first_round(100), 40);
        let tiny = Precision {
            max_replications: 1,
            ..GOAL
        };
        assert_eq!(tiny.first_round(5), 2);
        assert_eq!(tiny.verdict(2, 0.5), Verdict::Capped);
    }
}
