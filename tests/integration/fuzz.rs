//! The scenario loader never panics: mutations of every example, arbitrary text, and every
//! input a longer fuzzing campaign ever found (kept in tests/fuzz-regressions/).

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
            Outcome::TooLarge => outcomes[1] += 1,
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
