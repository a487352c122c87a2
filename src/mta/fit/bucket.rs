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
//! 1…) then refined ten times around each of the best bursts' best rate, the rates tried
//! narrowing fourfold each time (`search`). The uncertainty is the set of grid points whose
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

/// The most accepted attempts within any `window_ms`.
fn peak(times: &[i64], accepted: &[bool], window_ms: i64) -> usize {
    let ok: Vec<i64> = times
        .iter()
        .zip(accepted)
        .filter(|(_, a)| **a)
        .map(|(t, _)| *t)
        .collect();
    let mut best = 0;
    let mut start = 0;
    for end in 0..ok.len() {
        while ok[end] - ok[start] >= window_ms {
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

/// A tried (rate per second, burst) and its mispredictions.
type Point = (f64, u32, u64);

/// Bursts whose rate is refined each round: the ones with the fewest mispredictions so far.
const REFINED_BURSTS: usize = 16;

/// Rounds of refinement. Each narrows the rates tried around a burst's best to a quarter of
/// the last span (in log terms), 21 rates at a time: after ten the rates tried are about
/// 10⁻⁷ apart, finer than a day-long log at a few attempts a second can tell.
const REFINEMENTS: usize = 10;

/// Fits a bucket to attempts at `times` (ms since time zero, in order) that were `accepted` or
/// not; `None` without an accepted attempt or without a deferral.
pub fn fit(times: &[i64], accepted: &[bool]) -> Option<BucketFit> {
    let n = times.len() as u64;
    let accepts = accepted.iter().filter(|a| **a).count();
    if accepts == 0 || accepts as u64 == n {
        return None;
    }
    let grid = search(times, accepted, accepts);
    let profile = |m: u64| log_likelihood(m, n);
    let fewest = grid.iter().map(|g| g.2).min()?;
    let best_ll = profile(fewest);
    let inside = |g: &&Point| profile(g.2) >= best_ll - 3.0;
    let (rate_range, burst_range) = region(&grid, inside);
    // Of the best points, the one nearest the middle of their spread (the likelihood is often
    // flat along a ridge).
    let optimal: Vec<&Point> = grid.iter().filter(|g| g.2 == fewest).collect();
    let centre_rate = optimal.iter().map(|g| g.0.ln()).sum::<f64>() / optimal.len() as f64;
    let centre_burst = optimal.iter().map(|g| f64::from(g.1)).sum::<f64>() / optimal.len() as f64;
    let distance =
        |g: &Point| (g.0.ln() - centre_rate).abs() + (f64::from(g.1) - centre_burst).abs();
    let chosen = optimal
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
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

/// Every point tried: a coarse grid (48 log-spaced rates × the bursts, and for each burst the
/// rates a busy bucket would have had: accepts = burst + rate × the last accept's time, ± a
/// token), then [`REFINEMENTS`] rounds that refine the rate of the [`REFINED_BURSTS`] best
/// bursts around each one's best rate: a long log pins the rate far more finely than the
/// coarse grid (a rate off by 0.05 % drifts by a token an hour), and each burst has its own
/// best rate (a too-small burst with a slightly high rate can beat the true burst at a coarse
/// rate, so refining only the overall best would miss the truth).
fn search(times: &[i64], accepted: &[bool], accepts: usize) -> Vec<Point> {
    let span_s = ((times[times.len() - 1] - times[0]).max(1000)) as f64 / 1000.0;
    let peak_second = peak(times, accepted, 1000).max(1);
    let low = (accepts as f64 / span_s / 4.0).max(1e-5);
    let high = (peak_second as f64 * 4.0).max(low * 10.0);
    // A slow bucket may never show its whole burst within a second: the bursts tried go up to
    // twice the most accepted in any ten seconds.
    let burst_high = ((peak(times, accepted, 10_000) * 2).max(2) as u32).min(2000);
    let evaluate =
        |rate: f64, burst: u32| mismatches(times, accepted, rate / 1000.0, f64::from(burst));
    let mut grid: Vec<Point> = Vec::new();
    let last_accept_s = times
        .iter()
        .zip(accepted)
        .filter(|(_, a)| **a)
        .map(|(t, _)| *t)
        .max()
        .unwrap_or(0)
        .max(1) as f64
        / 1000.0;
    for burst in bursts(burst_high) {
        for rate in log_spaced(low, high, 48) {
            grid.push((rate, burst, evaluate(rate, burst)));
        }
        // A bucket kept busy accepts its burst and then its rate: accepts ≈ burst + rate × the
        // last accept's time. These rates start the search near the narrow band a regular
        // load leaves (the coarse grid can step over it).
        for quarter in -4..=2 {
            let tokens = accepts as f64 - f64::from(burst) + f64::from(quarter) / 4.0;
            if tokens > 0.0 {
                let rate = tokens / last_accept_s;
                grid.push((rate, burst, evaluate(rate, burst)));
            }
        }
    }
    let mut step = (high / low).powf(1.0 / 47.0);
    for _ in 0..REFINEMENTS {
        let mut best_per_burst: Vec<Point> = Vec::new();
        for g in &grid {
            match best_per_burst.iter_mut().find(|b| b.1 == g.1) {
                Some(b) if g.2 < b.2 => *b = *g,
                Some(_) => {}
                None => best_per_burst.push(*g),
            }
        }
        best_per_burst.sort_by_key(|b| (b.2, b.1));
        for &(centre, burst, _) in best_per_burst.iter().take(REFINED_BURSTS) {
            for rate in log_spaced(centre / step, centre * step, 21) {
                grid.push((rate, burst, evaluate(rate, burst)));
            }
        }
        step = step.powf(0.25);
    }
    grid
}

/// The 95 % likelihood region's rates and bursts. Its rate edge lies between its outermost
/// point and the nearest rate tried outside it with one of its bursts: that outer bracket is reported, so the range
/// is never narrower than the grid can tell.
fn region(grid: &[Point], inside: impl Fn(&&Point) -> bool) -> ((f64, f64), (u32, u32)) {
    let (within, outside): (Vec<&Point>, Vec<&Point>) = grid.iter().partition(|g| inside(g));
    let rates = within
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), g| (lo.min(g.0), hi.max(g.0)));
    let bursts = within
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), g| (lo.min(g.1), hi.max(g.1)));
    // Rates tried outside the region with one of its bursts (another burst's rates say
    // nothing about where this one's region ends).
    let outside: Vec<&Point> = outside
        .into_iter()
        .filter(|g| (bursts.0..=bursts.1).contains(&g.1))
        .collect();
    let below = outside
        .iter()
        .map(|g| g.0)
        .filter(|&r| r < rates.0)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.max(r))));
    let above = outside
        .iter()
        .map(|g| g.0)
        .filter(|&r| r > rates.1)
        .fold(None, |m: Option<f64>, r| Some(m.map_or(r, |m| m.min(r))));
    ((below.unwrap_or(rates.0), above.unwrap_or(rates.1)), bursts)
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
