//! Same scenario and seed ⇒ byte-identical outputs; another seed ⇒ different ones.

use std::path::Path;

use assert_cmd::Command;

fn run_into(out: &Path, seed: &str) {
    Command::cargo_bin("mailsim")
        .expect("binary built")
        .args([
            "run",
            "scenarios/daily-mix.ron",
            "--quiet",
            "--run-id",
            "r",
            "--seed",
            seed,
        ])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let first = tempfile::tempdir().expect("temp dir");
    let second = tempfile::tempdir().expect("temp dir");
    let third = tempfile::tempdir().expect("temp dir");
    run_into(first.path(), "5");
    run_into(second.path(), "5");
    run_into(third.path(), "6");
    for file in ["summary.json", "timeseries.csv"] {
        let read = |dir: &Path| std::fs::read(dir.join("daily-mix/r").join(file)).expect("written");
        assert_eq!(
            read(first.path()),
            read(second.path()),
            "{file} differs between runs"
        );
        assert_ne!(
            read(first.path()),
            read(third.path()),
            "{file} ignores the seed"
        );
    }
}
