//! A per-IP token bucket fitted to an accept/defer sequence by maximum likelihood over a grid
//! of (rate, burst).
//!
//! For a candidate (rate r per second, burst b) the bucket starts full at time zero and refills
//! continuously, as mailsim's throttle does. Walking the attempts in time order, each is
//! predicted *accepted* when the bucket holds a token, and the bucket is then updated with what
//! really happened (an accepted attempt takes a token): a one-step-ahead prediction, so one
//! misprediction does not throw the rest off. With `m` mispredictions in `n` attempts and each
//! attempt mispredicted with probability ε, the likelihood profiled over ε (ε̂ = m/n) is
//! `m ln(m/n) + (n−m) ln(1−m/n)`. The grid is searched coarse (48 log-spaced rates, bursts
//! 1…) then refined six times around the best point, the rate step shrinking tenfold each time. The uncertainty is the set of grid points whose
//! log-likelihood is within 3.0 of the best (the 95 % likelihood-ratio region for two
//! parameters, χ²₂ / 2 = 3.0): its bursts, and its rates widened to the nearest rates tried
//! outside it (the region's edge lies somewhere between).

use super::segments::log_likelihood;

/// The fitted bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketFit {
    /// Refill rate, tokens per second.
    pub rate: f64,
    /// Bucket size.
    pub burst: u32,
    /// The 95 % likelihood region's smallest and largest rate.
    pub rate_range: (f64, f64),
    /// Its smallest and largest burst.
    pub burst_range: (u32, u32),
    /// Attempts the fitted bucket mispredicts.
    pub mismatches: u64,
    /// Attempts.
    pub attempts: u64,
    /// The profiled log-likelihood.
    pub log_likelihood: f64,
}

/// Mispredictions of bucket (rate per ms, burst) over `times` (ms) and `accepted`.
fn mismatches(times: &[i64], accepted: &[bool], rate_per_ms: f64, burst: f64) -> u64 {
    let mut tokens = burst;
    let mut last = 0i64;
    let mut wrong = 0;
    for (&t, &ok) in times.iter().zip(accepted) {
        tokens = (tokens + (t - last).max(0) as f64 * rate_per_ms).min(burst);
        last = t.max(last);
        let predicted = tokens >= 1.0 - 1e-9;
        wrong += u64::from(predicted != ok);
        if ok {
            tokens = (tokens - 1.0).max(0.0);
        }
    }
    wrong
}

/// The most accepted attempts within any one second.
fn peak_per_second(times: &[i64], accepted: &[bool]) -> usize {
    let ok: Vec<i64> = times
        .iter()
        .zip(accepted)
        .filter(|(_, a)| **a)
        .map(|(t, _)| *t)
        .collect();
    let mut best = 0;
    let mut start = 0;
    for end in 0..ok.len() {
        while ok[end] - ok[start] >= 1000 {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

fn log_spaced(low: f64, high: f64, points: usize) -> Vec<f64> {
    let (a, b) = (low.ln(), high.ln());
    (0..points)
        .map(|i| (a + (b - a) * i as f64 / (points - 1).max(1) as f64).exp())
        .collect()
}

/// Bursts to try: every value up to 64, then log-spaced.
fn bursts(high: u32) -> Vec<u32> {
    let mut values: Vec<u32> = (1..=high.min(64)).collect();
    if high > 64 {
        values.extend(
            log_spaced(65.0, f64::from(high), 40)
                .into_iter()
                .map(|b| b.round() as u32),
        );
        values.dedup();
    }
    values
}

/// Fits a bucket to attempts at `times` (ms since time zero, in order) that were `accepted` or
/// not; `None` without an accepted attempt or without a deferral.
pub fn fit(times: &[i64], accepted: &[bool]) -> Option<BucketFit> {
    let n = times.len() as u64;
    let accepts = accepted.iter().filter(|a| **a).count();
    if accepts == 0 || accepts as u64 == n {
        return None;
    }
    let span_s = ((times[times.len() - 1] - times[0]).max(1000)) as f64 / 1000.0;
    let peak = peak_per_second(times, accepted).max(1);
    let low = (accepts as f64 / span_s / 4.0).max(1e-5);
    let high = (peak as f64 * 4.0).max(low * 10.0);
    let burst_high = ((peak * 2).max(2) as u32).min(2000);
    let mut grid: Vec<(f64, u32, u64)> = Vec::new();
    let evaluate =
        |rate: f64, burst: u32| mismatches(times, accepted, rate / 1000.0, f64::from(burst));
    let bursts = bursts(burst_high);
    let rates = log_spaced(low, high, 48);
    for &rate in &rates {
        for &burst in &bursts {
            grid.push((rate, burst, evaluate(rate, burst)));
        }
    }
    // Refine around the optimum, narrowing the rate tenfold (in log terms) each round and
    // trying the bursts next to the best: a long log pins the rate far more finely than the
    // coarse grid (a rate off by 0.05 % drifts by a token an hour).
    let mut step = (high / low).powf(1.0 / 47.0);
    for round in 0..6 {
        let best = grid.iter().min_by_key(|g| g.2).copied()?;
        let near: Vec<u32> = if round == 0 {
            bursts.clone()
        } else {
            (best.1.saturating_sub(3).max(1)..=best.1 + 3).collect()
        };
        for rate in log_spaced(best.0 / step, best.0 * step, 21) {
            for &burst in &near {
                grid.push((rate, burst, evaluate(rate, burst)));
            }
        }
        step = step.powf(0.1);
    }
    let profile = |m: u64| log_likelihood(m, n);
    let fewest = grid.iter().map(|g| g.2).min()?;
    let best_ll = profile(fewest);
    let region: Vec<&(f64, u32, u64)> = grid
        .iter()
        .filter(|g| profile(g.2) >= best_ll - 3.0)
        .collect();
    let inside = region
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), g| (lo.min(g.0), hi.max(g.0)));
    // The region's edge lies between its outermost point and the nearest rate tried outside
    // it; report that outer bracket, so the range is never narrower than the grid can tell.
    let outside: Vec<f64> = grid
        .iter()
        .filter(|g| profile(g.2) < best_ll - 3.0)
        .map(|g| g.0)
        .collect();
    let below = outside
        .iter()
        .copied()
        .filter(|&r| r < inside.0)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    let above = outside
        .iter()
        .copied()
        .filter(|&r| r > inside.1)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.min(r))));
    let rate_range = (below.unwrap_or(inside.0), above.unwrap_or(inside.1));
    let burst_range = region
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), g| (lo.min(g.1), hi.max(g.1)));
    // Of the best points, the one nearest the middle of their spread (the likelihood is often
    // flat along a ridge).
    let optimal: Vec<&(f64, u32, u64)> = grid.iter().filter(|g| g.2 == fewest).collect();
    let centre_rate = optimal.iter().map(|g| g.0.ln()).sum::<f64>() / optimal.len() as f64;
    let centre_burst = optimal.iter().map(|g| f64::from(g.1)).sum::<f64>() / optimal.len() as f64;
    let chosen = optimal.iter().min_by(|a, b| {
        let distance = |g: &&&(f64, u32, u64)| {
            (g.0.ln() - centre_rate).abs() + (f64::from(g.1) - centre_burst).abs()
        };
        distance(a).total_cmp(&distance(b))
    })?;
    Some(BucketFit {
        rate: chosen.0,
        burst: chosen.1,
        rate_range,
        burst_range,
        mismatches: fewest,
        attempts: n,
        log_likelihood: best_ll,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attempts every `gap` ms against a true bucket (rate per s, burst), as mailsim's throttle
    /// answers them.
    fn against(rate: f64, burst: u32, gap: i64, n: usize) -> (Vec<i64>, Vec<bool>) {
        let mut tokens = f64::from(burst);
        let mut last = 0;
        let mut times = Vec::new();
        let mut accepted = Vec::new();
        for i in 0..n as i64 {
            let t = i * gap;
            tokens = (tokens + (t - last) as f64 * rate / 1000.0).min(f64::from(burst));
            last = t;
            let ok = tokens >= 1.0 - 1e-9;
            if ok {
                tokens -= 1.0;
            }
            times.push(t);
            accepted.push(ok);
        }
        (times, accepted)
    }

    #[test]
    fn a_bucket_is_recovered_from_what_it_accepted() {
        let (times, accepted) = against(2.0, 5, 100, 600);
        let fit = fit(&times, &accepted).expect("a fit");
        assert_eq!(fit.mismatches, 0);
        assert!((fit.rate - 2.0).abs() / 2.0 < 0.1, "{fit:?}");
        assert!(
            fit.rate_range.0 <= 2.0 && 2.0 <= fit.rate_range.1,
            "{fit:?}"
        );
        assert!(fit.burst_range.0 <= 5 && 5 <= fit.burst_range.1, "{fit:?}");
    }

    #[test]
    fn nothing_to_fit_without_both_outcomes() {
        assert_eq!(fit(&[0, 1, 2], &[true, true, true]), None);
        assert_eq!(fit(&[0, 1, 2], &[false, false, false]), None);
    }
}
