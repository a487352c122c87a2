//! Property tests: random valid scenarios with every feature switched on, and the invariants
//! every run must keep (conservation at every sample, time order, no delivery inside a full
//! outage, no negative queue — the last is checked inside every run).

use crate::helpers;

use mailsim::model::simulate;
use proptest::prelude::*;

const KINDS: [&str; 4] = ["Timeout", "Refused", "Greeting421", "Reply451"];
const CLASSES: [&str; 4] = ["Good", "Neutral", "Poor", "Bad"];
const POLICIES: [&str; 6] = [
    r#"Fixed(interval: "7m", lifetime: "3h")"#,
    r#"Exponential(base: "1m", cap: "30m", jitter: None, lifetime: "2h")"#,
    r#"Exponential(base: "1m", cap: "30m", jitter: Full, lifetime: "2h")"#,
    r#"Exponential(base: "1m", cap: "30m", multiplier: 1.5, jitter: Equal, lifetime: "2h")"#,
    r#"Exponential(base: "1m", cap: "30m", jitter: Decorrelated, lifetime: "6h")"#,
    r#"Offsets(offsets: ["1m", "10m", "1h", "3h"])"#,
];
const SERVICE: [&str; 3] = [
    r#"Fixed("500ms")"#,
    r#"Exponential(mean: "1s")"#,
    r#"LogNormal(mean: "1s", sd: "700ms")"#,
];

/// One receiver: throttle, reputation deferrals and one outage (start, length in minutes, kind,
/// fraction in tenths).
fn receiver() -> impl Strategy<Value = (String, Option<(u64, u64, usize, u32)>)> {
    (
        prop::option::of((1u32..50, 1u32..30)),
        prop::array::uniform4(0u32..11),
        prop::option::of((0u64..240, 1u64..240, 0usize..4, 1u32..11)),
    )
        .prop_map(|(throttle, deferral, outage)| {
            let throttle = throttle.map_or(String::new(), |(rate, burst)| {
                format!(r#"throttle: (rate: "{rate}/min", burst: {burst}),"#)
            });
            let deferral: Vec<String> = CLASSES
                .iter()
                .zip(deferral)
                .map(|(class, tenths)| format!("{class}: {}", f64::from(tenths) / 20.0))
                .collect();
            let outages = outage.map_or(String::new(), |(start, length, kind, tenths)| {
                format!(
                    r#"outages: [(start: "{start}m", end: "{}m", kind: {}, fraction: {})],"#,
                    start + length,
                    KINDS[kind],
                    f64::from(tenths) / 10.0
                )
            });
            let text = format!(
                "({throttle} reputation_deferral: {{{}}}, {outages})",
                deferral.join(", ")
            );
            (text, outage)
        })
}

/// One sender sending to the receivers `r0 … r{n-1}`.
fn sender(index: usize, receivers: usize) -> impl Strategy<Value = String> {
    (
        (1u64..300, 0u64..120, 0u64..60),        // campaign size, spread, Poisson per hour
        prop::option::of(1u64..200),               // profile daytime rate per hour
        prop::array::uniform3(1u32..5),            // IPs per reputation pool
        0usize..4,                                 // the second pool's class
        0.0f64..0.2,                               // invalid share
        0usize..POLICIES.len(),
        (prop::option::of(1u32..5), 1u32..20, 0usize..SERVICE.len()),
        (prop::option::of(1u64..180), prop::option::of((0u64..40, 10u64..60))),
    )
        .prop_map(
            move |((campaign, spread, poisson), profile, pools, class, invalid, policy, (limit, per_connection, service), (warning, alert))| {
                let mut traffic = vec![format!(
                    r#"Campaign(messages: {campaign}, at: "0s", spread: "{spread}m")"#
                )];
                if poisson > 0 {
                    traffic.push(format!(r#"Poisson(rate: "{poisson}/h", end: "6h")"#));
                }
                if let Some(rate) = profile {
                    traffic.push(format!(
                        r#"Profile(steps: [(from: "0h", rate: "5/h"), (from: "2h", rate: "{rate}/h"), (from: "4h", rate: "0/h")], repeat: "8h")"#
                    ));
                }
                let share = 1.0 / receivers as f64;
                let mix: Vec<String> = (0..receivers)
                    .map(|r| {
                        // The last share absorbs rounding so the shares sum to exactly 1.
                        let s = if r + 1 == receivers { 1.0 - share * (receivers - 1) as f64 } else { share };
                        format!(r#""r{r}": {s}"#)
                    })
                    .collect();
                let limit = limit.map_or("\"unlimited\"".to_string(), |l| l.to_string());
                let warning = warning.map_or(String::new(), |m| format!(r#"delay_warning: "{m}m","#));
                let alert = alert.map_or(String::new(), |(threshold, every)| {
                    format!(r#"queue_alert: (threshold: {threshold}, every: "{every}m"),"#)
                });
                format!(
                    r#"(
                        name: "s{index}",
                        ips: [(count: {}, reputation: Good), (count: {}, reputation: {}), (count: {}, reputation: Neutral)],
                        traffic: [{}],
                        recipients: (mix: {{{}}}, invalid_share: {invalid}),
                        connections: (per_destination: {limit}, messages_per_connection: {per_connection}, transaction_time: {}, connect_time: "100ms"),
                        {warning} {alert}
                        retry: {},
                    )"#,
                    pools[0],
                    pools[1],
                    CLASSES[class],
                    pools[2],
                    traffic.join(", "),
                    mix.join(", "),
                    SERVICE[service],
                    POLICIES[policy],
                )
            },
        )
}

/// A whole scenario, and the full-outage windows (seconds) of its single receiver, if it has
/// only one.
fn scenario() -> impl Strategy<Value = (String, Option<(u64, u64)>)> {
    (1usize..4, 1usize..3, any::<u64>())
        .prop_flat_map(|(receivers, senders, seed)| {
            (
                prop::collection::vec(receiver(), receivers),
                (0..senders)
                    .map(|i| sender(i, receivers))
                    .collect::<Vec<_>>(),
                Just(seed),
            )
        })
        .prop_map(|(receivers, senders, seed)| {
            let full_outage = match receivers.as_slice() {
                [(_, Some((start, length, _, 10)))] => Some((start * 60, (start + length) * 60)),
                _ => None,
            };
            let receivers: Vec<String> = receivers
                .iter()
                .enumerate()
                .map(|(r, (text, _))| format!(r#""r{r}": {text}"#))
                .collect();
            let text = format!(
                r#"(name: "prop", run: (horizon: "2d", sample_every: "1m", seed: {seed}),
                    senders: [{}], receivers: {{{}}})"#,
                senders.join(", "),
                receivers.join(", ")
            );
            (text, full_outage)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn runs_keep_their_invariants((text, full_outage) in scenario()) {
        let scenario = helpers::scenario(&text);
        // simulate() itself fails if conservation, time order or a gauge breaks.
        let output = simulate(&scenario, 0).expect("invariants hold");
        let samples = &output.samples;
        prop_assert!(!samples.is_empty());
        for pair in samples.windows(2) {
            prop_assert!(pair[0].time < pair[1].time, "time went backwards");
            prop_assert!(pair[0].delivered <= pair[1].delivered);
            prop_assert!(pair[0].attempts <= pair[1].attempts);
        }
        for sample in samples {
            prop_assert!(sample.is_conserved(), "not conserved at {:?}", sample);
        }
        let summary = &output.summary;
        prop_assert_eq!(
            summary.arrived,
            summary.delivered + summary.bounced + summary.expired + summary.queued_at_end
        );
        // Nothing is delivered inside a full outage: between two samples that both lie inside
        // the window, the delivered count does not move.
        if let Some((start, end)) = full_outage {
            for pair in samples.windows(2) {
                let (a, b) = (pair[0].time.as_secs_f64(), pair[1].time.as_secs_f64());
                if a >= start as f64 && b < end as f64 {
                    prop_assert_eq!(pair[0].delivered, pair[1].delivered, "delivery inside the outage at {}", b);
                }
            }
        }
    }
}

/// The exact `q` percentile of sorted latencies as the histogram defines it: the latency of
/// the ⌈q·n⌉-th fastest delivery.
fn exact_percentile(sorted_ms: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted_ms.len() as f64).ceil() as usize).max(1);
    sorted_ms[rank - 1]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Percentiles lie between the exact minimum and maximum, in order, and up to the
    /// histogram's top (1000 days) at most 0.1 % above the exact percentile (the stated
    /// resolution).
    #[test]
    fn latency_percentiles_lie_between_the_exact_extremes(
        latencies_ms in prop::collection::vec(
            prop_oneof![
                0u64..5_000,
                1_000_000u64..300_000_000,
                10_000_000_000u64..86_400_000_000,
                86_400_000_000u64..200_000_000_000,
            ],
            1..60,
        )
    ) {
        use mailsim::engine::{SimDuration, SimTime};
        use mailsim::metrics::{Meta, Recorder};
        let mut recorder = Recorder::new(SimDuration::from_mins(5));
        for &latency in &latencies_ms {
            recorder.arrived();
            recorder.delivered(SimTime(latency), SimTime::ZERO, 1);
        }
        let meta = Meta {
            tool: "t".into(),
            scenario: "t".into(),
            scenario_file: "t.ron".into(),
            seed: 1,
            replication: 0,
            start: None,
        };
        let end = SimTime(*latencies_ms.iter().max().unwrap());
        let l = recorder.summarize(meta, end, 0).latency_s.unwrap();
        let mut sorted = latencies_ms.clone();
        sorted.sort_unstable();
        prop_assert_eq!(l.min, sorted[0] as f64 / 1000.0);
        prop_assert_eq!(l.max, sorted[sorted.len() - 1] as f64 / 1000.0);
        let ordered = [l.min, l.p50, l.p90, l.p99, l.p999, l.max];
        prop_assert!(ordered.windows(2).all(|w| w[0] <= w[1]), "{:?}", l);
        for (q, reported) in [(0.5, l.p50), (0.9, l.p90), (0.99, l.p99), (0.999, l.p999)] {
            let exact = exact_percentile(&sorted, q) as f64 / 1000.0;
            if exact > 86_400_000.0 {
                continue; // past the histogram's top: only the bounds above hold
            }
            prop_assert!(reported >= exact, "p{} {} below the exact {}", q, reported, exact);
            prop_assert!(reported <= exact * 1.001 + 0.001, "p{} {} too far above {}", q, reported, exact);
        }
    }
}
