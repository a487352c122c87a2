//! The delivery latency distribution exported from the latency histogram: a cumulative
//! distribution and a histogram, both on log-spaced latencies, so charts can show a tail that
//! spans seconds to days without keeping any per-message record.

use hdrhistogram::Histogram;
use serde::Serialize;

/// CDF points per decade of latency (about 4.7 % apart).
const CDF_STEPS_PER_DECADE: u32 = 50;
/// Histogram bins per decade of latency (about 26 % wide).
const BIN_STEPS_PER_DECADE: u32 = 10;

/// One point of the cumulative distribution.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct CdfPoint {
    /// A latency, in seconds.
    pub latency_s: f64,
    /// Share of delivered messages whose latency is at most `latency_s` (0 to 1).
    pub fraction: f64,
}

/// One histogram bin: messages whose latency lies in `(from_s, to_s]`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct LatencyBin {
    /// Lower edge (exclusive), in seconds.
    pub from_s: f64,
    /// Upper edge (inclusive), in seconds.
    pub to_s: f64,
    /// Delivered messages in the bin.
    pub messages: u64,
}

/// Latency of delivered messages, at the histogram's precision (3 significant digits).
/// Both lists are empty when nothing was delivered.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct LatencyDistribution {
    /// Delivered messages the distribution counts.
    pub delivered: u64,
    /// Cumulative fractions at log-spaced latencies, from the decade below the fastest
    /// delivery to the one above the slowest; the last fraction is 1.
    pub cdf: Vec<CdfPoint>,
    /// Counts in log-spaced bins over the same span.
    pub histogram: Vec<LatencyBin>,
}

impl LatencyDistribution {
    /// Reads the distribution out of a histogram of latencies in milliseconds.
    pub fn from_histogram(histogram: &Histogram<u64>) -> LatencyDistribution {
        let delivered = histogram.len();
        if delivered == 0 {
            return LatencyDistribution::default();
        }
        // (highest latency of the bucket in ms, messages in it), in increasing order.
        let buckets: Vec<(u64, u64)> = histogram
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        let lowest = buckets.first().map_or(1, |b| b.0).max(1);
        let highest = buckets.last().map_or(1, |b| b.0).max(lowest);

        let edges = log_edges(lowest, highest, CDF_STEPS_PER_DECADE);
        let mut cumulative = 0;
        let cdf = edges
            .iter()
            .zip(counts_up_to(&buckets, &edges))
            .map(|(&edge_ms, count)| {
                cumulative += count;
                CdfPoint {
                    latency_s: edge_ms / 1000.0,
                    fraction: cumulative as f64 / delivered as f64,
                }
            })
            .collect();

        let edges = log_edges(lowest, highest, BIN_STEPS_PER_DECADE);
        let counts = counts_up_to(&buckets, &edges);
        let histogram = edges
            .windows(2)
            .zip(&counts[1..])
            .map(|(pair, &messages)| LatencyBin {
                from_s: pair[0] / 1000.0,
                to_s: pair[1] / 1000.0,
                messages,
            })
            .collect();
        LatencyDistribution {
            delivered,
            cdf,
            histogram,
        }
    }
}

/// Edges 10^(k/steps) ms covering `[lowest, highest]`: the first strictly below `lowest` (so
/// every value lies in some `(edge, next edge]`), the last at or above `highest`.
fn log_edges(lowest: u64, highest: u64, steps: u32) -> Vec<f64> {
    let steps = f64::from(steps);
    let edge = |k: i64| 10f64.powf(k as f64 / steps);
    let mut first = ((lowest as f64).log10() * steps).floor() as i64;
    while edge(first) >= lowest as f64 {
        first -= 1;
    }
    let last = (((highest as f64).log10() * steps).ceil() as i64).max(first + 1);
    let mut edges: Vec<f64> = (first..=last).map(edge).collect();
    // Guard against rounding in log10/powf: the span must contain every recorded value.
    let end = edges.len() - 1;
    edges[end] = edges[end].max(highest as f64);
    edges
}

/// For each edge, the messages above the previous edge and at most this one (none are at or
/// below the first edge).
fn counts_up_to(buckets: &[(u64, u64)], edges: &[f64]) -> Vec<u64> {
    let mut counts = vec![0; edges.len()];
    for &(value, count) in buckets {
        let slot = edges.partition_point(|&edge| edge < value as f64);
        counts[slot.min(edges.len() - 1)] += count;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(values_ms: &[u64]) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, 86_400_000_000, 3).unwrap();
        for &v in values_ms {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn nothing_delivered_gives_empty_lists() {
        let d = LatencyDistribution::from_histogram(&histogram(&[]));
        assert_eq!(d.delivered, 0);
        assert!(d.cdf.is_empty() && d.histogram.is_empty());
    }

    #[test]
    fn cdf_and_histogram_count_every_message() {
        // 1 s, 10 s, 15 min (x2), 1 h.
        let d = LatencyDistribution::from_histogram(&histogram(&[
            1_000, 10_000, 900_000, 900_000, 3_600_000,
        ]));
        assert_eq!(d.delivered, 5);
        assert_eq!(d.histogram.iter().map(|b| b.messages).sum::<u64>(), 5);
        let last = d.cdf.last().unwrap();
        assert_eq!(last.fraction, 1.0);
        assert!(last.latency_s >= 3600.0);
        // The CDF starts below the fastest delivery, at zero.
        assert!(d.cdf[0].latency_s < 1.0 && d.cdf[0].fraction == 0.0);
        // 1 s exactly falls in the bin that ends at 1 s.
        let one = d.histogram.iter().find(|b| b.to_s >= 1.0).unwrap();
        assert!(
            (one.to_s - 1.0).abs() < 1e-9 && one.messages == 1,
            "{one:?}"
        );
        // Non-decreasing, and 40 % of messages at a little over 10 s (the histogram keeps
        // 3 significant digits, so 10 s is counted as 10.007 s).
        assert!(d.cdf.windows(2).all(|w| w[0].fraction <= w[1].fraction));
        let after_10s = d.cdf.iter().find(|p| p.latency_s > 10.01).unwrap();
        assert!((after_10s.fraction - 0.4).abs() < 1e-12, "{after_10s:?}");
        // Bins are contiguous and log-spaced (ten per decade).
        assert!(d.histogram.windows(2).all(|w| w[0].to_s == w[1].from_s));
        let bin = d.histogram[0];
        assert!((bin.to_s / bin.from_s - 10f64.powf(0.1)).abs() < 1e-9);
    }

    #[test]
    fn a_single_latency_still_has_a_span() {
        let d = LatencyDistribution::from_histogram(&histogram(&[1_000, 1_000]));
        assert!(d.cdf.len() >= 2);
        assert_eq!(d.histogram.iter().map(|b| b.messages).sum::<u64>(), 2);
        assert_eq!(d.cdf.last().unwrap().fraction, 1.0);
    }
}
