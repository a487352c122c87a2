//! `--shard auto` under each array-job runner, with the runner's variables set by hand: the
//! Slurm script and the Kubernetes manifest in docs/cluster/ are run as written (the script by
//! bash, the manifest's commands by sh, with the paths pointed at a small scenario), GNU
//! parallel's variable is set per part, and in every case the merged parts are byte for byte
//! the unsplit run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;

/// A small scenario: two hours of Poisson traffic into a throttled receiver.
const TINY: &str = r#"(
    name: "tiny",
    run: (horizon: "2h"),
    senders: [(
        name: "s",
        traffic: [Poisson(rate: "600/h")],
        recipients: (mix: {"r": 1.0}),
        retry: Fixed(interval: "10m", lifetime: "1d"),
    )],
    receivers: {"r": (throttle: (rate: "400/h", burst: 10))},
)"#;

/// Variables that would make `--shard auto` pick up the machine's own runner.
const RUNNER_VARIABLES: [&str; 8] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
    "JOB_COMPLETION_INDEX",
    "PARALLEL_SEQ",
    "MAILSIM_SHARDS",
];

/// `program` with a clean runner environment and mailsim first on PATH.
fn command(program: &str) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_mailsim"))
        .parent()
        .expect("binary folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(program);
    command.env("PATH", path);
    for variable in RUNNER_VARIABLES {
        command.env_remove(variable);
    }
    command
}

fn succeeded(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A work folder holding tiny.ron.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = dir.path().join("tiny.ron");
    std::fs::write(&scenario, TINY).expect("write");
    (dir, scenario)
}

/// Every file of a folder, by name.
fn files(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| {
            let entry = entry.expect("entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).expect("read"),
            )
        })
        .collect()
}

/// The unsplit study's folder, for comparison.
fn unsplit(scenario: &Path, out: &Path, replications: &str) -> PathBuf {
    succeeded(
        command("mailsim")
            .arg("run")
            .arg(scenario)
            .args([
                "--replications",
                replications,
                "--run-id",
                "whole",
                "--quiet",
            ])
            .arg("--out")
            .arg(out)
            .output()
            .expect("runs"),
        "unsplit run",
    );
    out.join("tiny/whole")
}

fn assert_same_files(merged: &Path, whole: &Path) {
    let (merged, whole) = (files(merged), files(whole));
    assert_eq!(
        merged.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    assert!(
        whole.contains_key("replications.json"),
        "{:?}",
        whole.keys()
    );
    for (name, bytes) in &whole {
        assert!(
            merged[name] == *bytes,
            "{name} differs from the unsplit run"
        );
    }
}

#[test]
fn the_slurm_script_runs_each_task_and_merges() {
    let (dir, scenario) = workspace();
    let out = dir.path().join("out");
    let script = Path::new("docs/cluster/slurm-array.sh");
    for task in 0..3 {
        let output = succeeded(
            command("bash")
                .arg(script)
                .env("SLURM_ARRAY_TASK_ID", task.to_string())
                .env("SLURM_ARRAY_TASK_MIN", "0")
                .env("SLURM_ARRAY_TASK_MAX", "2")
                .env("SLURM_ARRAY_TASK_COUNT", "3")
                .env("SLURM_CPUS_PER_TASK", "1")
                .env("SCENARIO", &scenario)
                .env("REPLICATIONS", "6")
                .env("OUT", &out)
                .output()
                .expect("bash runs"),
            "array task",
        );
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains(&format!(
                "shard {} of 3, from SLURM_ARRAY_TASK_ID={task}",
                task + 1
            )),
            "{said}"
        );
    }
    succeeded(
        command("bash")
            .arg(script)
            .arg("merge")
            .env("SCENARIO", &scenario)
            .env("OUT", &out)
            .output()
            .expect("bash runs"),
        "merge",
    );
    let whole = unsplit(&scenario, &dir.path().join("reference"), "6");
    assert_same_files(&out.join("tiny/merged"), &whole);
}

#[derive(Deserialize)]
struct Job {
    spec: serde_json::Value,
}

#[test]
fn the_kubernetes_manifest_runs_each_index_and_merges() {
    let text = std::fs::read_to_string("docs/cluster/k8s-indexed-job.yaml").expect("readable");
    let jobs: Vec<Job> = serde_norway::Deserializer::from_str(&text)
        .map(|document| Job::deserialize(document).expect("a Job"))
        .collect();
    assert_eq!(jobs.len(), 2, "the parts and the merge");
    let parts = &jobs[0].spec;
    assert_eq!(parts["completionMode"], "Indexed");
    let completions = parts["completions"].as_u64().expect("completions");
    let container = &parts["template"]["spec"]["containers"][0];
    let shards = container["env"]
        .as_array()
        .expect("env")
        .iter()
        .find(|variable| variable["name"] == "MAILSIM_SHARDS")
        .expect("MAILSIM_SHARDS is set")["value"]
        .as_str()
        .expect("a string");
    assert_eq!(
        shards,
        completions.to_string(),
        "MAILSIM_SHARDS = completions"
    );

    let (dir, scenario) = workspace();
    let out = dir.path().join("results");
    let local = |word: &str| -> String {
        word.replace(
            "/scenarios/policy-shootout.ron",
            &scenario.display().to_string(),
        )
        .replace("/results", &out.display().to_string())
        .replace("policy-shootout", "tiny")
    };
    let argv: Vec<String> = container["command"]
        .as_array()
        .expect("command")
        .iter()
        .map(|word| local(word.as_str().expect("word")))
        .map(|word| if word == "40" { "8".to_string() } else { word })
        .collect();
    for index in 0..completions {
        succeeded(
            command(&argv[0])
                .args(&argv[1..])
                .env("JOB_COMPLETION_INDEX", index.to_string())
                .env("MAILSIM_SHARDS", shards)
                .output()
                .expect("runs"),
            "indexed pod",
        );
    }
    let merge = &jobs[1].spec["template"]["spec"];
    for container in [&merge["initContainers"][0], &merge["containers"][0]] {
        let words: Vec<String> = container["command"]
            .as_array()
            .expect("command")
            .iter()
            .map(|word| local(word.as_str().expect("word")))
            .collect();
        assert_eq!(words[..2], ["sh", "-c"]);
        succeeded(
            command("timeout")
                .args(["60", "sh", "-c", &words[2]])
                .output()
                .expect("runs"),
            "merge job",
        );
    }
    let whole = unsplit(&scenario, &dir.path().join("reference"), "8");
    assert_same_files(&out.join("tiny/merged"), &whole);
}

#[test]
fn gnu_parallel_sequence_numbers_with_a_count_make_the_parts() {
    let (dir, scenario) = workspace();
    let out = dir.path().join("out");
    for seq in 1..=3 {
        succeeded(
            command("mailsim")
                .arg("run")
                .arg(&scenario)
                .args(["--replications", "6", "--shard", "auto", "--shards", "3"])
                .args(["--quiet", "--out"])
                .arg(&out)
                .env("PARALLEL_SEQ", seq.to_string())
                .output()
                .expect("runs"),
            "part",
        );
    }
    let parts: Vec<PathBuf> = (1..=3)
        .map(|k| out.join(format!("tiny/replications-seed-1-shard-{k}-of-3")))
        .collect();
    succeeded(
        command("mailsim")
            .arg("merge")
            .args(&parts)
            .args(["--run-id", "merged", "--out"])
            .arg(&out)
            .output()
            .expect("runs"),
        "merge",
    );
    let whole = unsplit(&scenario, &dir.path().join("reference"), "6");
    assert_same_files(&out.join("tiny/merged"), &whole);
}

#[test]
fn shard_auto_without_a_runner_says_which_variables_it_reads() {
    let (_dir, scenario) = workspace();
    let output = command("mailsim")
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "2", "--shard", "auto"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    for variable in [
        "SLURM_ARRAY_TASK_ID",
        "JOB_COMPLETION_INDEX",
        "PARALLEL_SEQ",
    ] {
        assert!(said.contains(variable), "{said}");
    }
    let kubernetes = command("mailsim")
        .arg("run")
        .arg(&scenario)
        .args(["--replications", "2", "--shard", "auto"])
        .env("JOB_COMPLETION_INDEX", "0")
        .output()
        .expect("runs");
    assert_eq!(kubernetes.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&kubernetes.stderr).contains("--shards N"));
}
