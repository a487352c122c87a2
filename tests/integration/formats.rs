//! Scenarios in JSON, TOML and YAML: every example converts to each format and back without a
//! change of meaning, gives byte-identical results to its RON original, and mistakes in each
//! format are reported at their line and column.

use std::path::{Path, PathBuf};

use mailsim::model::simulate;
use mailsim::report::{ReportOptions, render_run};
use mailsim::scenario::{Format, Scenario, ScenarioError, convert};

const OTHER_FORMATS: [Format; 3] = [Format::Json, Format::Toml, Format::Yaml];

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("ron"))
        .collect();
    files.sort();
    files
}

/// Every output file of replication 0, with the scenario file's name replaced by a
/// placeholder: `meta.scenario_file` records the file as given, the one thing that differs.
fn outputs(scenario: &Scenario) -> Vec<(String, Vec<u8>)> {
    let output = simulate(scenario, 0).expect("runs");
    let files = render_run(scenario, &output, ReportOptions { png: false }).expect("renders");
    let origin = scenario.origin();
    files
        .into_iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).expect("text output");
            (name, text.replace(origin, "SCENARIO-FILE").into_bytes())
        })
        .collect()
}

#[test]
fn every_example_converts_to_each_format_and_back_with_the_same_meaning() {
    for path in example_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let origin = path.display().to_string();
        let original = Scenario::parse(&origin, &text).expect("valid");
        for format in OTHER_FORMATS {
            let converted = convert(&origin, &text, Format::Ron, format)
                .unwrap_or_else(|error| panic!("{origin} to {format}: {error}"));
            let parsed = Scenario::parse_as(&origin, &converted, format)
                .unwrap_or_else(|error| panic!("{origin} as {format}: {error}\n{converted}"));
            assert_eq!(
                format!("{parsed:?}"),
                format!("{original:?}"),
                "{origin} {format}"
            );
            let back = convert(&origin, &converted, format, Format::Ron).expect("back to RON");
            let again = Scenario::parse(&origin, &back).expect("valid RON");
            assert_eq!(
                format!("{again:?}"),
                format!("{original:?}"),
                "{origin} {format}"
            );
            // Converting is stable: the converted text converts to itself.
            assert_eq!(
                convert(&origin, &converted, format, format).expect("same format"),
                converted,
                "{origin} {format}"
            );
            if format != Format::Json {
                assert!(
                    converted.starts_with("# "),
                    "{origin} {format}: the opening comment is kept"
                );
            }
        }
    }
}

#[test]
fn every_example_gives_byte_identical_results_in_every_format() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut compared = 0;
    for path in example_files() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let original = Scenario::load(&path).expect("valid");
        let expected = outputs(&original);
        for format in OTHER_FORMATS {
            let stem = path.file_stem().expect("stem").to_string_lossy();
            let file = folder.path().join(format!("{stem}.{format}"));
            let converted =
                convert(&path.display().to_string(), &text, Format::Ron, format).expect("converts");
            std::fs::write(&file, converted).expect("write");
            let scenario = Scenario::load(&file).expect("loads by extension");
            let got = outputs(&scenario);
            assert_eq!(got.len(), expected.len());
            for ((name, bytes), (expected_name, expected_bytes)) in got.iter().zip(&expected) {
                assert_eq!(name, expected_name);
                assert!(
                    bytes == expected_bytes,
                    "{} differs between {} and {}",
                    name,
                    path.display(),
                    file.display()
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 12 * 3 * 10, "{compared} files compared");
}

fn syntax_error(name: &str, text: &str, format: Format) -> (usize, usize, String) {
    match Scenario::parse_as(name, text, format) {
        Err(error @ ScenarioError::Syntax(_)) => {
            let (line, column) = error.location().expect("located");
            let rendered = format!("{:?}", miette::Report::new(error));
            (line, column, rendered)
        }
        other => panic!("{name}: expected a syntax error, got {other:?}"),
    }
}

#[test]
fn mistakes_are_located_in_every_format() {
    let json = "{\n  \"name\": \"x\",\n  \"sendrs\": []\n}\n";
    let (line, column, rendered) = syntax_error("bad.json", json, Format::Json);
    assert_eq!((line, column), (3, 10), "{rendered}");
    assert!(rendered.contains("unknown field `sendrs`"), "{rendered}");
    assert!(rendered.contains("bad.json:3:10"), "{rendered}");

    let toml = "name = \"x\"\n\n[run]\nhorizon = \"2 fortnights\"\n";
    let (line, column, rendered) = syntax_error("bad.toml", toml, Format::Toml);
    assert_eq!((line, column), (4, 11), "{rendered}");
    assert!(
        rendered.contains("invalid duration `2 fortnights`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("durations are strings with a unit"),
        "{rendered}"
    );

    let yaml = "name: x\nrun:\n  seed: many\n";
    let (line, column, rendered) = syntax_error("bad.yaml", yaml, Format::Yaml);
    assert_eq!((line, column), (3, 9), "{rendered}");
    assert!(rendered.contains("seed"), "{rendered}");
    // The excerpt is underlined under the offending text.
    assert!(rendered.contains("seed: many"), "{rendered}");
}

#[test]
fn the_extension_chooses_the_format() {
    assert_eq!(Format::of_path(Path::new("a.json")), Format::Json);
    assert_eq!(Format::of_path(Path::new("a.TOML")), Format::Toml);
    assert_eq!(Format::of_path(Path::new("a.yml")), Format::Yaml);
    assert_eq!(Format::of_path(Path::new("a.yaml")), Format::Yaml);
    assert_eq!(Format::of_path(Path::new("a.ron")), Format::Ron);
    assert_eq!(Format::of_path(Path::new("scenario")), Format::Ron);
    assert_eq!(Format::from_name("yml"), Some(Format::Yaml));
    assert_eq!(Format::from_name("xml"), None);
}

/// serde's YAML support writes a variant with parameters as a tag (`retry: !Fixed`); a
/// single-key map in its place is refused at its line with a message that names the tag form.
#[test]
fn yaml_variants_are_tags_and_a_map_in_their_place_is_located() {
    let base = std::fs::read_to_string("scenarios/o365-server-busy.ron").expect("readable");
    let yaml = convert("busy.ron", &base, Format::Ron, Format::Yaml).expect("converts");
    assert!(yaml.contains("  retry: !Fixed\n"), "{yaml}");
    Scenario::parse_as("busy.yaml", &yaml, Format::Yaml).expect("tags read");
    let mapped = yaml.replace("  retry: !Fixed\n", "  retry:\n    Fixed:\n");
    let line = mapped
        .lines()
        .position(|line| line == "    Fixed:")
        .expect("edited")
        + 1;
    let (error_line, _, rendered) = syntax_error("busy.yaml", &mapped, Format::Yaml);
    assert_eq!(error_line, line, "{rendered}");
    assert!(
        rendered.contains("expected a YAML tag") && rendered.contains("starting with '!'"),
        "{rendered}"
    );
}

#[test]
fn convert_writes_a_file_once_and_other_commands_read_it() {
    use assert_cmd::Command;
    let folder = tempfile::tempdir().expect("temp dir");
    let toml = folder.path().join("busy.toml");
    let convert = |extra: &[&str]| {
        Command::cargo_bin("mailsim")
            .expect("binary")
            .args([
                "convert",
                "scenarios/o365-server-busy.ron",
                "--to",
                "toml",
                "-o",
            ])
            .arg(&toml)
            .args(extra)
            .output()
            .expect("runs")
    };
    assert!(convert(&[]).status.success());
    let again = convert(&[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("left as it is"));
    assert!(convert(&["--force"]).status.success());
    let validate = Command::cargo_bin("mailsim")
        .expect("binary")
        .arg("validate")
        .arg(&toml)
        .output()
        .expect("runs");
    assert!(validate.status.success());
    assert!(String::from_utf8_lossy(&validate.stdout).contains("is valid"));
    // `--set` edits a TOML scenario like a RON one.
    let sweep = Command::cargo_bin("mailsim")
        .expect("binary")
        .arg("sweep")
        .arg(&toml)
        .args(["--set", "receivers.o365.throttle.rate=12000/h", "--quiet"])
        .args(["--replications", "1", "--out"])
        .arg(folder.path().join("out"))
        .output()
        .expect("runs");
    assert!(
        sweep.status.success(),
        "{}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let unknown = Command::cargo_bin("mailsim")
        .expect("binary")
        .args(["convert", "scenarios/o365-server-busy.ron", "--to", "xml"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("use ron, json, toml or yaml"));
}
