//! Property tests: random small scenarios, and the invariants every run must keep.

mod common;

use mailsim::model::simulate;
use proptest::prelude::*;

/// A random but valid scenario with one sender and one receiver.
fn arbitrary_scenario() -> impl Strategy<Value = (String, Option<(u64, u64)>)> {
    (
        1u64..400,                            // campaign size
        0u64..120,                            // campaign spread, minutes
        prop::option::of((0u64..240, 1u64..240)), // full outage (start, length) in minutes
        0usize..4,                            // outage kind
        prop::option::of((1u32..50, 1u32..30)), // throttle (per minute, burst)
        0.0f64..0.2,                          // invalid share
        0usize..3,                            // retry policy
        prop::option::of(1u32..5),            // connection limit
        0u64..3000,                           // transaction ms
        any::<u64>(),                         // seed
    )
        .prop_map(
            |(messages, spread, outage, kind, throttle, invalid, policy, limit, transaction, seed)| {
                let kinds = ["Timeout", "Refused", "Greeting421", "Reply451"];
                let outages = outage.map_or(String::new(), |(start, length)| {
                    format!(
                        r#"outages: [(start: "{start}m", end: "{}m", kind: {})],"#,
                        start + length,
                        kinds[kind]
                    )
                });
                let throttle = throttle.map_or(String::new(), |(rate, burst)| {
                    format!(r#"throttle: (rate: "{rate}/min", burst: {burst}),"#)
                });
                let retry = [
                    r#"Fixed(interval: "7m", lifetime: "3h")"#,
                    r#"Exponential(base: "1m", cap: "30m", jitter: Full, lifetime: "2h")"#,
                    r#"Offsets(offsets: ["1m", "10m", "1h", "3h"])"#,
                ][policy];
                let limit = limit.map_or("\"unlimited\"".to_string(), |l| l.to_string());
                let text = format!(
                    r#"(
                        name: "prop",
                        run: (horizon: "2d", sample_every: "1m", seed: {seed}),
                        senders: [(
                            name: "s",
                            ips: [(count: 2)],
                            traffic: [Campaign(messages: {messages}, at: "0s", spread: "{spread}m")],
                            recipients: (mix: {{"r": 1.0}}, invalid_share: {invalid}),
                            connections: (per_destination: {limit}, transaction_time: Fixed("{transaction}ms")),
                            retry: {retry},
                        )],
                        receivers: {{ "r": ({throttle} {outages}) }},
                    )"#
                );
                let window = outage.map(|(start, length)| (start * 60, (start + length) * 60));
                (text, window)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn runs_keep_their_invariants((text, outage) in arbitrary_scenario()) {
        let scenario = common::scenario(&text);
        // simulate() itself fails if conservation or time order breaks; check both again here.
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
        if let Some((start, end)) = outage {
            for pair in samples.windows(2) {
                let (a, b) = (pair[0].time.as_secs_f64(), pair[1].time.as_secs_f64());
                if a >= start as f64 && b < end as f64 {
                    prop_assert_eq!(pair[0].delivered, pair[1].delivered, "delivery inside the outage at {}", b);
                }
            }
        }
    }
}
