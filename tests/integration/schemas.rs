//! The JSON Schemas of `mailsim schema scenario` and `mailsim schema summary`, checked with an
//! independent validator (the `jsonschema` crate): every example scenario validates after
//! conversion to JSON and to TOML, the golden summaries and a fresh one validate, and typical
//! mistakes do not.

use mailsim::report::{summary_json, summary_json_schema};
use mailsim::scenario::{Format, convert, json_schema};
use serde_json::{Value, json};

use crate::helpers;

fn problems(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema is a valid schema");
    validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

fn example_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_validates_against_the_scenario_schema_as_json_and_as_toml() {
    let schema = json_schema();
    let files = example_files();
    assert!(files.len() >= 12);
    for path in files {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("readable");
        let as_json = convert(&origin, &text, Format::Ron, Format::Json).expect("converts");
        let value: Value = serde_json::from_str(&as_json).expect("JSON");
        assert_eq!(problems(&schema, &value), Vec::<String>::new(), "{origin}");
        let as_toml = convert(&origin, &text, Format::Ron, Format::Toml).expect("converts");
        let value: Value = toml::from_str(&as_toml).expect("TOML");
        assert_eq!(problems(&schema, &value), Vec::<String>::new(), "{origin}");
    }
}

/// Spoils a valid scenario in one way.
type Mistake = fn(&mut Value);

#[test]
fn the_scenario_schema_catches_typical_mistakes() {
    let schema = json_schema();
    let text = std::fs::read_to_string("scenarios/o365-server-busy.ron").expect("readable");
    let good: Value = serde_json::from_str(
        &convert("busy.ron", &text, Format::Ron, Format::Json).expect("converts"),
    )
    .expect("JSON");
    assert!(problems(&schema, &good).is_empty());
    let mistakes: [(&str, Mistake); 5] = [
        ("a misspelt field", |v| {
            v["senders"][0]["retyr"] = v["senders"][0]["retry"].clone();
        }),
        ("a duration without a unit", |v| {
            v["run"]["horizon"] = json!("2");
        }),
        ("a rate without a unit", |v| {
            v["receivers"]["o365"]["throttle"]["rate"] = json!("6000");
        }),
        ("a share above 1", |v| {
            v["senders"][0]["recipients"]["invalid_share"] = json!(1.5);
        }),
        ("an unknown policy", |v| {
            v["senders"][0]["retry"] = json!({"Qmail": {}});
        }),
    ];
    for (what, mistake) in mistakes {
        let mut bad = good.clone();
        mistake(&mut bad);
        assert!(
            !problems(&schema, &bad).is_empty(),
            "{what} passed the schema"
        );
    }
    let mut no_senders = good.clone();
    no_senders
        .as_object_mut()
        .expect("object")
        .remove("senders");
    assert!(!problems(&schema, &no_senders).is_empty());
}

#[test]
fn summaries_validate_against_the_summary_schema() {
    let schema = summary_json_schema();
    for golden in [
        "tests/golden/fope-outage.summary.json",
        "tests/golden/o365-server-busy.summary.json",
    ] {
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(golden).expect("readable"))
                .expect("JSON");
        assert_eq!(value["schema_version"], json!(1), "{golden}");
        assert_eq!(problems(&schema, &value), Vec::<String>::new(), "{golden}");
    }
    // Nothing delivered: latency and the drain time are null, and the schema allows it.
    let output = helpers::run(
        r#"(
            name: "nothing-delivered",
            run: (horizon: "1h", warmup: "10m"),
            senders: [(
                name: "s",
                traffic: [Campaign(messages: 5, at: "0s")],
                recipients: (mix: {"r": 1.0}),
                retry: Fixed(interval: "10m", lifetime: "1d"),
            )],
            receivers: {"r": (outages: [(start: "0s", end: "2h", kind: Refused)])},
        )"#,
    );
    let value: Value = serde_json::from_str(&summary_json(&output.summary)).expect("JSON");
    assert_eq!(value["latency_s"], Value::Null);
    assert_eq!(problems(&schema, &value), Vec::<String>::new());
    let mut missing = value.clone();
    missing.as_object_mut().expect("object").remove("delivered");
    assert!(!problems(&schema, &missing).is_empty());
}

#[test]
fn mailsim_schema_prints_the_schemas() {
    use assert_cmd::Command;
    for (what, expected) in [
        ("scenario", json_schema()),
        ("summary", summary_json_schema()),
    ] {
        let output = Command::cargo_bin("mailsim")
            .expect("binary")
            .args(["schema", what])
            .output()
            .expect("runs");
        assert!(output.status.success());
        let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(printed, expected, "{what}");
        assert_eq!(
            printed["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema")
        );
    }
    let unknown = Command::cargo_bin("mailsim")
        .expect("binary")
        .args(["schema", "study"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
}
