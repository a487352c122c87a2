//! The scenario fuzzer's parts: a mutation engine that damages valid scenario text in the ways
//! people and tools do (extreme numbers and sizes, bad units, broken brackets, swapped lines),
//! and the harness that pushes one input through load → validate → the memory estimate and its
//! refusal → a short simulation (or, for a scenario too large for a fuzzing loop, building its
//! world: every table a run allocates at its start).
//!
//! Run in a process with a memory limit (`RLIMIT_AS`, as `examples/fuzz_scenarios.rs` and the
//! `fuzz` tests do), an input the estimate admits but whose run cannot allocate what it needs
//! aborts the process: that is a finding too.
//!
//! Shared by the integration tests' `fuzz` module (a few thousand cases on every `cargo test`)
//! and `examples/fuzz_scenarios.rs` (the long campaign; see the README's testing section).

use mailsim::engine::{RandomStream, SimDuration, SimTime};
use mailsim::model::{Estimate, RunControl, SimError, simulate_with};
use mailsim::scenario::parse;

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "1.0000001",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "NaN",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
];
const DURATIONS: &[&str] = &[
    "\"0s\"",
    "\"1ms\"",
    "\"999999999d\"",
    "\"-5m\"",
    "\"\"",
    "\"1h30\"",
    "\"5 d\"",
    "\"5\"",
    "\"18446744073709551615ms\"",
    "\"1y\"",
    "\"0.5s\"",
    "\"1h 1h\"",
    "\"10000000000000000000s\"",
];
const RATES: &[&str] = &[
    "\"0/h\"",
    "\"1e300/s\"",
    "\"NaN/s\"",
    "\"-1/h\"",
    "\"1/ms\"",
    "\"/h\"",
    "\"5/\"",
    "\"inf/s\"",
    "\"1e-300/d\"",
];
const WORDS: &[&str] = &[
    "Fixed",
    "Exponential",
    "Offsets",
    "Poisson",
    "Campaign",
    "Profile",
    "Timeout",
    "Refused",
    "Greeting421",
    "Reply451",
    "Good",
    "Poor",
    "Bad",
    "Full",
    "Decorrelated",
    "None",
    "Some",
    "true",
    "false",
    "\"unlimited\"",
    "()",
    "[]",
    "{}",
];
/// Sizes that stay valid but are extreme: counts, volumes and intervals.
const SIZES: &[&str] = &[
    "65535",
    "1000000",
    "100000000",
    "4294967295",
    "1000000000000",
    "\"1ms\"",
    "\"100ms\"",
    "\"3650d\"",
    "\"1000000/s\"",
];
const JUNK: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", ":", "\"", "\n", "//", "/*", "\\", "é", "\0",
];

/// Applies 1–4 random mutations to `text`: one in half the cases, so that many inputs stay
/// valid enough to reach the simulation.
pub fn mutate(text: &str, rng: &mut RandomStream) -> String {
    let mut out = text.to_string();
    let rounds = [1, 1, 1, 2, 3, 4][(rng.next_u64() % 6) as usize];
    for _ in 0..rounds {
        out = mutate_once(&out, rng);
    }
    out
}

fn pick<'a>(items: &[&'a str], rng: &mut RandomStream) -> &'a str {
    items[(rng.next_u64() % items.len() as u64) as usize]
}

/// Byte offsets of the tokens of one kind: numbers, quoted strings, or identifiers.
fn spans(text: &str, kind: u8) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = vec![];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            if kind == 1 {
                found.push((start, i));
            }
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            if kind == 0 {
                found.push((start, i));
            }
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            if kind == 2 {
                found.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    found
}

fn replace_token(text: &str, kind: u8, with: &str, rng: &mut RandomStream) -> String {
    let found = spans(text, kind);
    if found.is_empty() {
        return text.to_string();
    }
    let (start, end) = found[(rng.next_u64() % found.len() as u64) as usize];
    format!("{}{with}{}", &text[..start], &text[end..])
}

/// A char boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate_once(text: &str, rng: &mut RandomStream) -> String {
    let len = text.len().max(1) as u64;
    match rng.next_u64() % 12 {
        0 => replace_token(text, 0, pick(NUMBERS, rng), rng),
        1 => replace_token(text, 1, pick(DURATIONS, rng), rng),
        2 => replace_token(text, 1, pick(RATES, rng), rng),
        3 => replace_token(text, 2, pick(WORDS, rng), rng),
        4 => {
            let at = boundary(text, (rng.next_u64() % len) as usize);
            format!("{}{}{}", &text[..at], pick(JUNK, rng), &text[at..])
        }
        5 => {
            let a = boundary(text, (rng.next_u64() % len) as usize);
            let b = boundary(text, a + (rng.next_u64() % 40) as usize);
            format!("{}{}", &text[..a], &text[b..])
        }
        6 => text[..boundary(text, (rng.next_u64() % len) as usize)].to_string(),
        7 | 8 => {
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.len() > 1 {
                let a = (rng.next_u64() % lines.len() as u64) as usize;
                let b = (rng.next_u64() % lines.len() as u64) as usize;
                if rng.next_u64().is_multiple_of(2) {
                    lines.swap(a, b);
                } else {
                    lines.insert(b, lines[a]);
                }
            }
            lines.join("\n")
        }
        9 => replace_token(text, 0, &(rng.next_u64() % 100_000).to_string(), rng),
        _ => {
            let size = pick(SIZES, rng);
            let kind = if size.starts_with('"') { 1 } else { 0 };
            replace_token(text, kind, size, rng)
        }
    }
}

/// The memory the harness lets a scenario's estimate claim: inputs whose estimate does not fit
/// are refused, as `mailsim run` refuses them on a machine with this much available. A process
/// running the harness under a memory limit gives it room above this (the examples use 2 GiB
/// of address space).
pub const MEMORY_FOR_RUNS: u64 = 1 << 30;

/// What one input did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with an error, as it should be.
    Rejected,
    /// Valid, but its estimate does not fit in [`MEMORY_FOR_RUNS`]: refused before running.
    Refused,
    /// Valid and admitted, too large to simulate in a fuzzing loop: its world was built (every
    /// table a run allocates at its start) and the run stopped there.
    TooLarge,
    /// Valid and simulated without breaking an invariant.
    Simulated,
    /// A run broke an invariant, or the estimate is not a number: a bug.
    Broken(String),
}

/// Loads, validates and estimates `text`; refuses it if the estimate does not fit in
/// [`MEMORY_FOR_RUNS`]; else builds its world and, if small, simulates it with a horizon cut to
/// two days and a budget of 100 000 events. A panic propagates to the caller, which decides
/// how to record it.
pub fn exercise(text: &str) -> Outcome {
    let Ok(mut scenario) = parse("fuzz.ron", text) else {
        return Outcome::Rejected;
    };
    let two_days = SimTime(SimDuration::from_days(2).as_millis());
    if scenario.shorten_horizon(two_days).is_err() {
        return Outcome::TooLarge; // a warm-up of two days or more needs a longer run
    }
    let estimate = Estimate::of(&scenario);
    let figures = [
        estimate.messages,
        estimate.samples,
        estimate.peak_bytes,
        estimate.reserved_bytes,
    ];
    if figures.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Outcome::Broken(format!("the estimate is not a size: {estimate:?}"));
    }
    if !estimate.fits(MEMORY_FOR_RUNS) {
        return Outcome::Refused;
    }
    let small = estimate.messages <= 5_000.0 && estimate.samples <= 20_000.0;
    let control = RunControl {
        max_events: Some(if small { 100_000 } else { 0 }),
        ..RunControl::default()
    };
    match simulate_with(&scenario, 0, control) {
        Ok(_) | Err(SimError::EventLimit { .. }) if small => Outcome::Simulated,
        Ok(_) | Err(SimError::EventLimit { .. }) => Outcome::TooLarge,
        Err(SimError::Interrupted) => unreachable!("nothing cancels a fuzz run"),
        Err(error) => Outcome::Broken(error.to_string()),
    }
}

/// Small scenarios with every feature switched on, so mutations reach the simulation.
const SMALL_SEEDS: &[&str] = &[
    r#"(
    name: "every-feature",
    description: "two senders, three receivers, all traffic shapes, outages of every kind",
    run: (horizon: "1d", sample_every: "10m", seed: 4, stop_when_drained: true),
    senders: [
        (
            name: "a",
            ips: [(count: 2, reputation: Good), (count: 1, reputation: Poor, first_address: "198.51.100.7")],
            traffic: [
                Poisson(rate: "60/h", start: "10m", end: "5h"),
                Campaign(messages: 200, at: "1h", spread: "20m"),
                Campaign(messages: 50, at: "2h"),
                Profile(steps: [(from: "0h", rate: "10/h"), (from: "6h", rate: "40/h")], repeat: "12h"),
            ],
            recipients: (mix: {"o365": 0.5, "outlook": 0.3, "small": 0.2}, invalid_share: 0.05),
            connections: (per_destination: 3, messages_per_connection: 5, transaction_time: LogNormal(mean: "2s", sd: "1s"), connect_time: "200ms", connect_timeout: "30s"),
            delay_warning: "1h",
            queue_alert: (threshold: 20, every: "30m"),
            retry: Exponential(base: "2m", cap: "1h", multiplier: 1.5, jitter: Decorrelated, lifetime: "12h"),
        ),
        (
            name: "b",
            traffic: [Campaign(messages: 300, at: "0s", spread: "2h")],
            recipients: (mix: {"o365": 1.0}),
            connections: (per_destination: "unlimited", transaction_time: Exponential(mean: "500ms")),
            retry: Offsets(offsets: ["1m", "5m", "30m", "2h"], lifetime: "1d"),
        ),
    ],
    receivers: {
        "o365": (throttle: (rate: "120/h", burst: 20), reputation_deferral: {Poor: 0.5},
                 greylisting: (delay: "5m"), recipient_limits: (mailboxes: 50, per_sender_per_hour: 30, per_hour: 100),
                 outages: [(start: "3h", end: "4h", kind: Timeout, fraction: 0.5), (start: "5h", end: "5h30m", kind: Greeting421)]),
        "outlook": (reputation_deferral: {Good: 0.05, Neutral: 0.2, Poor: 0.9}, outages: [(start: "1h", end: "2h", kind: Reply451)]),
        "small": (outages: [(start: "0s", end: "45m", kind: Refused)]),
    },
)"#,
    r#"(
    name: "tiny",
    run: (horizon: "6h", sample_every: "1m"),
    senders: [(
        name: "s",
        traffic: [Campaign(messages: 20, at: "0s")],
        recipients: (mix: {"r": 1.0}),
        connections: (per_destination: 1, transaction_time: Fixed("0s")),
        retry: Fixed(interval: "10m", lifetime: "1h"),
    )],
    receivers: {"r": (outages: [(start: "0s", end: "30m", kind: Refused)])},
)"#,
];

/// The seed corpus: every example scenario, and small scenarios with every feature on.
pub fn corpus() -> Vec<(String, String)> {
    let mut corpus: Vec<(String, String)> = std::fs::read_dir("scenarios")
        .expect("run from the project folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("ron"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            (path.display().to_string(), text)
        })
        .collect();
    corpus.sort();
    corpus.extend(
        SMALL_SEEDS
            .iter()
            .enumerate()
            .map(|(i, text)| (format!("small seed {i}"), text.to_string())),
    );
    corpus
}
