//! The source layout's one-way floors: a module may import only from modules on a lower floor.
//! The order is the one ARCHITECTURE.md states; it is read from the `use crate::…` lines (and
//! any other `crate::…` path in code, not comments) of every file under `src/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The floors, lowest first. Modules on the same floor may not import each other.
const FLOORS: &[&[&str]] = &[
    &["engine"],
    &["domain"],
    &["retry", "metrics"],
    &["mta"],
    &["scenario"],
    &["model"],
    &["study"],
    &["report"],
    &["cli"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level modules a file names in code: `crate::x` in the library, `mailsim::x` in the
/// command-line front end (a separate crate that uses the library).
fn imported_modules(text: &str, root: &str) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    let needle = format!("{root}::");
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(&needle) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + needle.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                modules.insert(name);
            }
        }
    }
    modules
}

#[test]
fn no_module_imports_from_a_higher_floor() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let mut parts = relative.components();
        let first = parts.next().expect("a path").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs");
        if parts.next().is_none() && matches!(module, "lib" | "main") {
            continue;
        }
        let floor = floor_of(module).unwrap_or_else(|| {
            panic!("src/{module} is on no floor: add it to FLOORS and to ARCHITECTURE.md")
        });
        let text = std::fs::read_to_string(file).expect("readable source");
        let root = if module == "cli" { "mailsim" } else { "crate" };
        for imported in imported_modules(&text, root) {
            if imported == module {
                continue;
            }
            match floor_of(&imported) {
                Some(other) if other < floor => {}
                Some(_) => violations.push(format!(
                    "src/{} ({module}, floor {floor}) imports {imported} (floor {})",
                    relative.display(),
                    floor_of(&imported).unwrap_or(0)
                )),
                None => {}
            }
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} files were checked");
    assert!(
        violations.is_empty(),
        "modules import from their own or a higher floor:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let text = "use crate::engine::SimTime;\n// crate::report in a comment\nlet x = crate::model::simulate;";
    let found = imported_modules(text, "crate");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["engine".to_string(), "model".to_string()]
    );
}

/// Every Rust file of the package: the library and binary, tests, examples and benchmarks.
fn package_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples", "benches"] {
        if root.join(dir).is_dir() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    files.sort();
    files
}

/// The functions of `text` longer than `limit` lines (signature to closing brace, as rustfmt
/// lays them out) that do not say why on the doc lines above them: (first line, name, length).
fn long_functions(text: &str, limit: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let signature = [
            "pub(crate) fn ",
            "pub(super) fn ",
            "pub fn ",
            "const fn ",
            "fn ",
        ]
        .iter()
        .find_map(|prefix| trimmed.strip_prefix(prefix));
        let Some(rest) = signature else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        let Some(end) = (start + 1..lines.len()).find(|&i| lines[i].trim_end() == close) else {
            continue;
        };
        let length = end - start + 1;
        let explained = lines[start.saturating_sub(8)..start]
            .iter()
            .any(|l| l.contains("Longer than 80 lines because"));
        if length > limit && !explained {
            found.push((start + 1, name, length));
        }
    }
    found
}

#[test]
fn files_and_functions_stay_short_or_say_why() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for file in package_files() {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let shown = file.strip_prefix(root).expect("in the package").display();
        let lines = text.lines().count();
        let head: String = text.lines().take(40).collect::<Vec<_>>().join("\n");
        if lines > 500 && !head.contains("Longer than 500 lines because") {
            problems.push(format!(
                "{shown}: {lines} lines; split it or say why at its top (\"Longer than 500 lines because …\")"
            ));
        }
        for (line, name, length) in long_functions(&text, 80) {
            problems.push(format!(
                "{shown}:{line}: fn {name} is {length} lines; split it or say why above it (\"Longer than 80 lines because …\")"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_length_check_sees_a_long_function_and_accepts_a_reason() {
    let body = "    let x = 1;\n".repeat(85);
    let long = format!("fn long() {{\n{body}}}\n");
    assert_eq!(long_functions(&long, 80), vec![(1, "long".to_string(), 87)]);
    let explained = format!("/// Longer than 80 lines because it is a table.\n{long}");
    assert!(long_functions(&explained, 80).is_empty());
    let short = "pub fn short() {\n    1;\n}\n";
    assert!(long_functions(short, 80).is_empty());
}
