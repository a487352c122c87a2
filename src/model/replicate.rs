//! Independent replications of one scenario, spread over threads.
//!
//! Each replication is a separate [`simulate`] call with its own random streams, so threads
//! share nothing but the read-only scenario and the results do not depend on how many threads
//! ran them or in which order they finished.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::scenario::Scenario;

use super::{RunOutput, SimError, simulate};

/// Runs replications `replications` of `scenario` on up to `threads` threads and returns their
/// results in replication order.
pub fn simulate_replications(
    scenario: &Scenario,
    replications: Range<u32>,
    threads: NonZeroUsize,
) -> Vec<Result<RunOutput, SimError>> {
    let count = replications.len();
    let next = AtomicU32::new(replications.start);
    let results: Mutex<Vec<Option<Result<RunOutput, SimError>>>> =
        Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.get().min(count) {
            scope.spawn(|| {
                loop {
                    let replication = next.fetch_add(1, Ordering::Relaxed);
                    if replication >= replications.end {
                        break;
                    }
                    let output = simulate(scenario, replication);
                    let slot = (replication - replications.start) as usize;
                    results
                        .lock()
                        .expect("no worker panics while holding the lock")[slot] = Some(output);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|result| result.expect("every replication ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"(
        name: "small",
        run: (horizon: "2h", sample_every: "10m", seed: 5),
        senders: [(
            name: "s",
            ips: [(count: 1, reputation: Good)],
            traffic: [Poisson(rate: "600/h")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: 2, transaction_time: Exponential(mean: "2s")),
            retry: Fixed(interval: "5m", lifetime: "1h"),
        )],
        receivers: {"r": (throttle: (rate: "300/h", burst: 10))},
    )"#;

    #[test]
    fn threads_do_not_change_results_or_their_order() {
        let scenario = crate::scenario::parse("small", SMALL).expect("valid scenario");
        let summaries = |threads| -> Vec<String> {
            simulate_replications(
                &scenario,
                3..7,
                NonZeroUsize::new(threads).expect("positive"),
            )
            .into_iter()
            .map(|result| format!("{:?}", result.expect("run succeeds").summary))
            .collect()
        };
        let one_thread = summaries(1);
        assert_eq!(one_thread, summaries(3));
        let sequential: Vec<String> = (3..7)
            .map(|rep| {
                format!(
                    "{:?}",
                    simulate(&scenario, rep).expect("run succeeds").summary
                )
            })
            .collect();
        assert_eq!(one_thread, sequential);
        assert_ne!(one_thread[0], one_thread[1], "replications differ");
    }
}
