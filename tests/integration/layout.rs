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
