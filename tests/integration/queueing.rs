//! Queueing theory checks: an M/M/c system against Erlang C, and Little's law on every run.

use crate::helpers;

use mailsim::model::simulate;

/// Erlang C: the probability that an arrival waits, for c servers and offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

#[test]
fn erlang_c_matches_a_textbook_value() {
    // c = 2, a = 1: C = (1/2 · 2/1) / (1 + 1 + 1) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

/// Poisson arrivals (λ = 3/s) into c = 4 connections with exponential transactions (mean 1 s)
/// and a receiver that accepts everything: an M/M/4 queue with ρ = 0.75. The mean wait for a
/// connection is Wq = C(4, 3) / (cμ − λ) ≈ 0.509 s, so the mean latency is Wq + 1 s.
#[test]
fn mean_wait_for_a_connection_matches_erlang_c() {
    let text = r#"(
        name: "mmc",
        run: (horizon: "30h", seed: 11),
        senders: [(
            name: "s",
            traffic: [Poisson(rate: "3/s", end: "5h")],
            recipients: (mix: {"r": 1.0}),
            connections: (per_destination: 4, messages_per_connection: 1000000, transaction_time: Exponential(mean: "1s")),
            retry: Fixed(interval: "10m"),
        )],
        receivers: { "r": () },
    )"#;
    let (lambda, mu, c) = (3.0, 1.0, 4);
    let expected_wait = erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda);
    let scenario = helpers::scenario(text);
    // Independent replications give an honest standard error despite autocorrelated waits.
    let waits: Vec<f64> = (0..8)
        .map(|replication| {
            let summary = simulate(&scenario, replication).expect("runs").summary;
            assert_eq!(summary.delivered, summary.arrived);
            summary.latency_s.expect("delivered").mean - 1.0 / mu
        })
        .collect();
    let n = waits.len() as f64;
    let mean = waits.iter().sum::<f64>() / n;
    let sd = (waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let standard_error = sd / n.sqrt();
    // Student t for 7 degrees of freedom at 99.9% two-sided is 5.41; the service-time mean's own
    // sampling error is inside each replication's figure, so the interval covers it.
    let half_width = 5.41 * standard_error;
    assert!(
        (mean - expected_wait).abs() <= half_width,
        "mean wait {mean:.4} s, Erlang C {expected_wait:.4} s, half-width {half_width:.4}"
    );
    // And the interval is tight enough to mean something.
    assert!(half_width < 0.1, "half-width {half_width}");
}

/// Little's law, L = λW, holds exactly when every message has left by the end of the run.
#[test]
fn littles_law_holds_on_every_example_scenario() {
    for entry in std::fs::read_dir("scenarios").expect("scenarios/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().and_then(|e| e.to_str()) != Some("ron") {
            continue;
        }
        let scenario = mailsim::scenario::load(&path).expect("valid");
        let summary = simulate(&scenario, 0).expect("runs").summary;
        if summary.queued_at_end > 0 {
            continue; // Little's law needs every sojourn to be complete
        }
        let little = &summary.little;
        let lambda_w = little.throughput_per_s * little.mean_time_in_queue_s;
        let relative = (little.mean_queued - lambda_w).abs() / little.mean_queued.max(1e-12);
        assert!(
            relative < 1e-9,
            "{}: L {} vs λW {lambda_w}",
            path.display(),
            little.mean_queued
        );
    }
}
