//! The scenario loader never panics: mutations of every example, arbitrary text, and every
//! input a longer fuzzing campaign ever found (kept in tests/fuzz-regressions/). Extreme sizes
//! are refused by the memory estimate or run within it: `mailsim` under an address-space limit
//! never aborts.

use crate::helpers::fuzz::{Outcome, corpus, exercise, mutate};
use mailsim::engine::RandomStream;
use proptest::prelude::*;

#[test]
fn mutations_of_every_example_never_panic_or_break_an_invariant() {
    let corpus = corpus();
    let mut rng = RandomStream::new(2026, 0, "fuzz");
    let mut outcomes = [0usize; 3];
    for round in 0..2000 {
        // Three inputs in four come from the small seeds at the end of the corpus, which are
        // the ones small enough to simulate.
        let index = if round % 4 != 0 {
            corpus.len() - 1 - round % 2
        } else {
            round % corpus.len()
        };
        let (name, text) = &corpus[index];
        let input = mutate(text, &mut rng);
        match exercise(&input) {
            Outcome::Rejected => outcomes[0] += 1,
            Outcome::Refused | Outcome::TooLarge => outcomes[1] += 1,
            Outcome::Simulated => outcomes[2] += 1,
            Outcome::Broken(why) => panic!("{why}\nmutated from {name}:\n{input}"),
        }
    }
    eprintln!("rejected, too large, simulated: {outcomes:?}");
    // The mutations must exercise both the error paths and the simulation itself.
    assert!(outcomes[0] > 100 && outcomes[2] > 100, "{outcomes:?}");
}

#[test]
fn every_recorded_crash_stays_fixed() {
    let Ok(entries) = std::fs::read_dir("tests/fuzz-regressions") else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).expect("readable");
        if let Outcome::Broken(why) = exercise(&text) {
            panic!("{}: {why}", path.display());
        }
    }
}

/// Mutations with extreme sizes (billions of mailboxes, millisecond samples, huge campaigns,
/// thousands of IPs) of the every-feature seed, each run by `mailsim run` under a 2 GiB
/// address-space limit (`ulimit -v`): every one is refused with exit 2 or runs to exit 0;
/// none aborts or is killed, however much it asks for.
#[cfg(unix)]
#[test]
fn extreme_sizes_are_refused_or_run_within_a_memory_limit() {
    let corpus = corpus();
    let (_, seed) = corpus
        .iter()
        .find(|(name, _)| name == "small seed 0")
        .expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let binary = assert_cmd::cargo::cargo_bin("mailsim");
    let mut rng = RandomStream::new(15, 0, "fuzz/sizes");
    let mut refused = 0;
    let edits = [
        ("mailboxes: 50", "mailboxes: 4294967295"),
        (r#"sample_every: "10m""#, r#"sample_every: "1ms""#),
        ("messages: 200", "messages: 1000000000000"),
        (
            "count: 2, reputation: Good",
            "count: 2000, reputation: Good",
        ),
        (r#"sample_every: "10m""#, r#"sample_every: "100ms""#),
    ];
    for round in 0..8 {
        // One or two of the edits, then an ordinary mutation now and then.
        let mut text = seed.clone();
        for _ in 0..=(round % 2) {
            let (from, to) = edits[(rng.next_u64() % edits.len() as u64) as usize];
            text = text.replace(from, to);
        }
        if round % 3 == 0 {
            text = mutate(&text, &mut rng);
        }
        std::fs::write(dir.path().join("s.ron"), &text).expect("write");
        let output = std::process::Command::new("sh")
            .current_dir(dir.path())
            .arg("-c")
            .arg("ulimit -v 2097152 && exec \"$0\" run s.ron --out out --quiet --max-events 20000")
            .arg(&binary)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => {}
            Some(2) => refused += usize::from(stderr.contains("too large for this machine")),
            other => panic!("exit {other:?} under the memory limit:\n{stderr}\n{text}"),
        }
        assert!(!stderr.contains("memory allocation"), "{stderr}\n{text}");
        let _ = std::fs::remove_dir_all(dir.path().join("out"));
    }
    assert!(refused > 0, "the extreme sizes reached the refusal");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_is_rejected_or_accepted_without_panicking(text in "\\PC{0,400}") {
        let _ = exercise(&text);
    }

    #[test]
    fn ron_shaped_text_is_handled(text in r#"\(name: "[a-z]{1,5}", (senders|receivers|run): [\[\{\(][ -~]{0,120}[\]\}\)]\)"#) {
        let _ = exercise(&text);
    }
}
