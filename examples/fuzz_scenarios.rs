//! A long fuzzing campaign over the scenario loader: mutates every example scenario, runs each
//! input through load → validate → a short simulation, and saves any input that panics or
//! breaks an invariant under tests/fuzz-regressions/, where `cargo test` keeps checking it.
//!
//! ```sh
//! cargo run --release --example fuzz_scenarios -- 1000000 [seed]
//! FUZZ_TRACE=/tmp/current.ron cargo run ...   # keep the input in progress in a file
//! ```

#[path = "../tests/integration/helpers/fuzz.rs"]
mod fuzz;

use std::panic;
use std::time::Instant;

use fuzz::{Outcome, corpus, exercise, mutate};
use mailsim::engine::RandomStream;

fn main() {
    let mut args = std::env::args().skip(1);
    let executions: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let corpus = corpus();
    let trace = std::env::var_os("FUZZ_TRACE");
    let mut rng = RandomStream::new(seed, 0, "fuzz");
    panic::set_hook(Box::new(|_| {})); // panics are caught and reported below
    let started = Instant::now();
    let (mut rejected, mut too_large, mut simulated, mut findings) = (0u64, 0u64, 0u64, 0u64);
    for execution in 0..executions {
        let (_, text) = &corpus[(execution % corpus.len() as u64) as usize];
        let input = mutate(text, &mut rng);
        if let Some(path) = &trace {
            // Written before the run, so an input that kills the process can be recovered.
            let _ = std::fs::write(path, &input);
        }
        let outcome = panic::catch_unwind(|| exercise(&input));
        let problem = match outcome {
            Ok(Outcome::Rejected) => {
                rejected += 1;
                None
            }
            Ok(Outcome::TooLarge) => {
                too_large += 1;
                None
            }
            Ok(Outcome::Simulated) => {
                simulated += 1;
                None
            }
            Ok(Outcome::Broken(why)) => Some(why),
            Err(_) => Some("panic".to_string()),
        };
        if let Some(why) = problem {
            findings += 1;
            let path = format!("tests/fuzz-regressions/seed{seed}-{execution}.ron");
            let _ = std::fs::write(&path, &input);
            eprintln!("finding #{findings} ({why}) saved to {path}");
        }
        if (execution + 1) % 100_000 == 0 {
            eprintln!("{} executions, {:.0?}", execution + 1, started.elapsed());
        }
    }
    println!(
        "{executions} executions in {:.1?}: {rejected} rejected, {too_large} valid but too large to simulate, {simulated} simulated, {findings} findings",
        started.elapsed()
    );
    if findings > 0 {
        std::process::exit(1);
    }
}
