//! A long fuzzing campaign over the scenario loader and the memory estimate: mutates every
//! example scenario (extreme sizes among the mutations), runs each input through load →
//! validate → the estimate and its refusal → a short simulation or the building of its world,
//! and saves any input that panics, breaks an invariant or aborts the process under
//! tests/fuzz-regressions/, where `cargo test` keeps checking it.
//!
//! ```sh
//! cargo run --release --example fuzz_scenarios -- 1000000 [seed]
//! ```
//!
//! The inputs run in a child process whose address space is limited to 2 GiB (`ulimit -v`, on
//! Unix), while the estimate admits only inputs it expects to fit in 1 GiB: an input it admits
//! whose run still cannot allocate what it needs aborts the child. The parent then saves the
//! input that was in progress (the child writes each one to a trace file before running it) as
//! a finding, and starts a new child from the next input.

#[path = "../tests/integration/helpers/fuzz.rs"]
mod fuzz;

use std::panic;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use fuzz::{Outcome, corpus, exercise, mutate};
use mailsim::engine::RandomStream;

/// The child's address-space limit, in KiB: 2 GiB.
const ADDRESS_SPACE_KIB: u64 = 2 << 20;

/// Outcome counts: rejected, refused by the estimate, world built only, simulated, findings.
type Counts = [u64; 5];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let number = |i: usize| args.get(i).and_then(|n| n.parse().ok()).unwrap_or(0);
        child(number(1), number(2), number(3), Path::new(&args[4]));
        return;
    }
    let executions: u64 = args.first().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1);
    let trace = std::env::temp_dir().join(format!("fuzz-trace-{}", std::process::id()));
    let started = Instant::now();
    let mut totals: Counts = [0; 5];
    let mut aborted = 0;
    let mut from = 0;
    while from < executions {
        match run_child(from, executions, seed, &trace) {
            (counts, true) => {
                totals.iter_mut().zip(counts).for_each(|(t, c)| *t += c);
                break;
            }
            (counts, false) => {
                totals.iter_mut().zip(counts).for_each(|(t, c)| *t += c);
                // The child died: the input in progress is a finding.
                let text = std::fs::read_to_string(&trace).unwrap_or_default();
                let (index, input) = text.split_once('\n').unwrap_or(("0", ""));
                let index: u64 = index.parse().unwrap_or(from);
                let path = format!("tests/fuzz-regressions/seed{seed}-{index}-abort.ron");
                let _ = std::fs::write(&path, input);
                eprintln!("finding: execution {index} aborted the process; saved to {path}");
                aborted += 1;
                from = index + 1;
            }
        }
    }
    let _ = std::fs::remove_file(&trace);
    let [rejected, refused, built, simulated, findings] = totals;
    let findings = findings + aborted;
    println!(
        "{executions} executions in {:.1?}: {rejected} rejected, {refused} refused by the memory estimate, {built} admitted but too large to simulate in a fuzzing loop (world built), {simulated} simulated, {findings} findings ({aborted} aborts under a {} GiB address-space limit)",
        started.elapsed(),
        ADDRESS_SPACE_KIB >> 20
    );
    if findings > 0 {
        std::process::exit(1);
    }
}

/// Runs executions `from..to` in a child process under the address-space limit; its counts (up
/// to the input in progress, if it died) and whether it finished.
fn run_child(from: u64, to: u64, seed: u64, trace: &Path) -> (Counts, bool) {
    let me = std::env::current_exe().expect("the example knows its path");
    let args = [
        "--child".to_string(),
        from.to_string(),
        to.to_string(),
        seed.to_string(),
        trace.display().to_string(),
    ];
    let output = if cfg!(unix) {
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
            ))
            .arg(&me)
            .args(&args)
            .stderr(std::process::Stdio::inherit())
            .output()
    } else {
        Command::new(&me)
            .args(&args)
            .stderr(std::process::Stdio::inherit())
            .output()
    }
    .expect("the child starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or("");
    let numbers: Vec<u64> = last
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    (
        numbers.try_into().unwrap_or([0; 5]),
        output.status.success(),
    )
}

/// Runs executions `from..to` (replaying the mutations before `from`), writing each input to
/// `trace` first, and prints the counts so far on a line after each (so a parent whose child
/// died still knows them).
fn child(from: u64, to: u64, seed: u64, trace: &Path) {
    let corpus = corpus();
    let mut rng = RandomStream::new(seed, 0, "fuzz");
    panic::set_hook(Box::new(|_| {})); // panics are caught and reported below
    let started = Instant::now();
    let mut counts: Counts = [0; 5];
    for execution in 0..to {
        let (_, text) = &corpus[(execution % corpus.len() as u64) as usize];
        let input = mutate(text, &mut rng);
        if execution < from {
            continue;
        }
        // Written before the run, so an input that kills the process can be recovered.
        let _ = std::fs::write(trace, format!("{execution}\n{input}"));
        let problem = match panic::catch_unwind(|| exercise(&input)) {
            Ok(Outcome::Rejected) => {
                counts[0] += 1;
                None
            }
            Ok(Outcome::Refused) => {
                counts[1] += 1;
                None
            }
            Ok(Outcome::TooLarge) => {
                counts[2] += 1;
                None
            }
            Ok(Outcome::Simulated) => {
                counts[3] += 1;
                None
            }
            Ok(Outcome::Broken(why)) => Some(why),
            Err(_) => Some("panic".to_string()),
        };
        if let Some(why) = problem {
            counts[4] += 1;
            let path = format!("tests/fuzz-regressions/seed{seed}-{execution}.ron");
            let _ = std::fs::write(&path, &input);
            eprintln!("finding #{} ({why}) saved to {path}", counts[4]);
        }
        if (execution + 1) % 100_000 == 0 {
            eprintln!("{} executions, {:.0?}", execution + 1, started.elapsed());
        }
        let line: Vec<String> = counts.iter().map(u64::to_string).collect();
        println!("{}", line.join(" "));
    }
}
