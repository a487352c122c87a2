//! Piecewise-constant deferral probability over time: binary segmentation of a 0/1 sequence
//! (deferred or not, in time order) by maximum likelihood, each split kept only when it pays
//! for its two parameters by the Bayesian information criterion (a split must raise the
//! Bernoulli log-likelihood by more than ln n).

/// One segment: attempts `from..to` (indices into the sequence) and how many of them failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First attempt.
    pub from: usize,
    /// One past the last attempt.
    pub to: usize,
    /// Failed attempts among them.
    pub failures: u64,
}

impl Segment {
    /// Attempts in the segment.
    pub fn attempts(&self) -> u64 {
        (self.to - self.from) as u64
    }

    /// The maximum-likelihood failure probability, `failures / attempts`.
    pub fn probability(&self) -> f64 {
        self.failures as f64 / self.attempts().max(1) as f64
    }

    /// Its binomial standard error, `√(p(1−p)/n)`.
    pub fn standard_error(&self) -> f64 {
        let p = self.probability();
        (p * (1.0 - p) / self.attempts().max(1) as f64).sqrt()
    }
}

/// The Bernoulli log-likelihood of `k` failures in `n` at their own rate.
pub fn log_likelihood(k: u64, n: u64) -> f64 {
    let term = |x: u64| {
        if x == 0 {
            0.0
        } else {
            x as f64 * (x as f64 / n as f64).ln()
        }
    };
    term(k) + term(n - k)
}

/// The segments of `failed` (in time order), and their total log-likelihood.
pub fn segment(failed: &[bool]) -> (Vec<Segment>, f64) {
    let n = failed.len();
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0u64);
    for &f in failed {
        prefix.push(prefix[prefix.len() - 1] + u64::from(f));
    }
    let count = |from: usize, to: usize| prefix[to] - prefix[from];
    let penalty = (n.max(2) as f64).ln();
    let mut done = Vec::new();
    let mut work = vec![(0, n)];
    while let Some((from, to)) = work.pop() {
        let whole = log_likelihood(count(from, to), (to - from) as u64);
        let best = (from + 1..to)
            .map(|at| {
                let left = log_likelihood(count(from, at), (at - from) as u64);
                let right = log_likelihood(count(at, to), (to - at) as u64);
                (left + right - whole, at)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        match best {
            Some((gain, at)) if gain > penalty => {
                work.push((at, to));
                work.push((from, at));
            }
            _ => done.push(Segment {
                from,
                to,
                failures: count(from, to),
            }),
        }
    }
    done.sort_by_key(|s| s.from);
    let total = done
        .iter()
        .map(|s| log_likelihood(s.failures, s.attempts()))
        .sum();
    (done, total)
}

/// How far the log-likelihood may drop for a cut to stay in a change point's interval: half
/// the 95 % quantile of χ² with one degree of freedom.
pub const CUT_LIKELIHOOD_DROP: f64 = 1.92;

/// The change point between attempts `from..to` (in time order) as an interval of cut
/// positions: every cut `k` (the second stretch starts at attempt `k`) whose two-stretch
/// log-likelihood is within [`CUT_LIKELIHOOD_DROP`] of the best cut's. The likelihood-ratio
/// interval of a change point: wide where failures are sparse (a 30 % stretch can start
/// several attempts before its first failure), one attempt wide where they are not.
pub fn cut_interval(failed: &[bool], from: usize, to: usize) -> (usize, usize) {
    let failures = |a: usize, b: usize| failed[a..b].iter().filter(|f| **f).count() as u64;
    let total = failures(from, to);
    let mut left = 0u64;
    let mut lls = Vec::with_capacity(to - from);
    for k in from + 1..to {
        left += u64::from(failed[k - 1]);
        let ll =
            log_likelihood(left, (k - from) as u64) + log_likelihood(total - left, (to - k) as u64);
        lls.push((k, ll));
    }
    let best = lls.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    let kept = lls
        .iter()
        .filter(|c| c.1 >= best - CUT_LIKELIHOOD_DROP)
        .map(|c| c.0);
    let low = kept.clone().min().unwrap_or(from);
    (low, kept.max().unwrap_or(low))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_of_failures_is_found_and_noise_is_not_split() {
        // 40 failures, then 60 successes.
        let sequence: Vec<bool> = (0..100).map(|i| i < 40).collect();
        let (segments, ll) = segment(&sequence);
        assert_eq!(
            segments,
            [
                Segment {
                    from: 0,
                    to: 40,
                    failures: 40
                },
                Segment {
                    from: 40,
                    to: 100,
                    failures: 0
                }
            ]
        );
        assert_eq!(ll, 0.0);
        // A steady 30 % (every third-ish attempt) stays one segment.
        let steady: Vec<bool> = (0..300).map(|i| i % 10 < 3).collect();
        let (segments, _) = segment(&steady);
        assert_eq!(segments.len(), 1);
        assert!((segments[0].probability() - 0.3).abs() < 1e-12);
        assert!((segments[0].standard_error() - (0.21f64 / 300.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_sharp_change_is_one_cut_wide_and_a_sparse_one_is_wider() {
        let sharp: Vec<bool> = (0..100).map(|i| i < 40).collect();
        assert_eq!(cut_interval(&sharp, 0, 100), (40, 40));
        // 30 % failures from attempt 50, none before: the first failure may come a few
        // attempts after the change, so the interval reaches back before it.
        let sparse: Vec<bool> = (0..200).map(|i| i >= 56 && i % 10 < 3).collect();
        let (low, high) = cut_interval(&sparse, 0, 200);
        assert!(low < 56 && high >= 56, "{low}..{high}");
    }

    #[test]
    fn a_rate_change_is_found_near_where_it_happened() {
        let sequence: Vec<bool> = (0..400)
            .map(|i| if i < 200 { i % 10 < 3 } else { false })
            .collect();
        let (segments, _) = segment(&sequence);
        assert_eq!(segments.len(), 2, "{segments:?}");
        // The last failure is attempt 192 (every tenth run of three fails up to 199).
        assert!((193..=200).contains(&segments[0].to), "{segments:?}");
    }
}
