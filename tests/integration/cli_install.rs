//! What an installed mailsim hands to the system around it: `--version` with the commit,
//! shell completion scripts and manual pages, all from the clap definitions. The scripts are
//! checked by the shells themselves where they are installed (bash always is; zsh and fish
//! are skipped with a printed reason when missing), the pages by groff.

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;

#[allow(dead_code)]
#[path = "../../build.rs"]
mod build_script;

/// Every subcommand, as `mailsim --help` lists them.
const SUBCOMMANDS: [&str; 15] = [
    "run",
    "compare",
    "sweep",
    "merge",
    "validate",
    "policies",
    "schedule",
    "trace",
    "replay",
    "import",
    "fit",
    "convert",
    "schema",
    "completions",
    "man",
];

fn mailsim() -> Command {
    Command::cargo_bin("mailsim").expect("binary")
}

fn stdout(args: &[&str]) -> String {
    let output = mailsim().args(args).output().expect("run");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Whether `program` can be started (`program --version` exits at all).
fn installed(program: &str) -> bool {
    Process::new(program).arg("--version").output().is_ok()
}

#[test]
fn version_names_the_version_and_the_commit() {
    let out = stdout(&["--version"]);
    let rest = out
        .strip_prefix(&format!("mailsim {} (commit ", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{out:?}"));
    let commit = rest.trim_end().trim_end_matches(')');
    let commit = commit
        .strip_suffix(", with uncommitted changes")
        .unwrap_or(commit);
    let in_checkout = Process::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string());
    match in_checkout {
        Some(head) => assert_eq!(commit, head, "{out}"),
        None => {
            eprintln!("skipped the comparison with git: no git checkout here");
            assert!(
                commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())
                    || commit == "unknown: built outside a git checkout",
                "{out}"
            );
        }
    }
    assert_eq!(out, stdout(&["-V"]));
}

#[test]
fn version_falls_back_to_the_packaged_commit_then_to_plain_words() {
    use build_script::{GitState, describe, packaged_commit};
    let vcs_info = "{\n  \"git\": {\n    \"sha1\": \"8bf06a8c0123456789abcdef0123456789abcdef\"\n  },\n  \"path_in_vcs\": \"\"\n}";
    assert_eq!(describe(Some(vcs_info), None), "commit 8bf06a8c0123");
    let dirty = vcs_info.replace("\"sha1\"", "\"dirty\": true,\n    \"sha1\"");
    assert_eq!(
        packaged_commit(&dirty).as_deref(),
        Some("8bf06a8c0123, with uncommitted changes")
    );
    let git = GitState {
        commit: "0123456789ab".to_string(),
        dirty: false,
        watch: Vec::new(),
    };
    assert_eq!(describe(None, Some(&git)), "commit 0123456789ab");
    let dirty_git = GitState { dirty: true, ..git };
    assert_eq!(
        describe(None, Some(&dirty_git)),
        "commit 0123456789ab, with uncommitted changes"
    );
    // A tarball without .cargo_vcs_info.json, built without git: still builds, and says so.
    assert_eq!(
        describe(None, None),
        "commit unknown: built outside a git checkout"
    );
    // A damaged file is not trusted.
    assert_eq!(packaged_commit("{\"git\": {\"sha1\": \"xyz\"}}"), None);
    assert_eq!(describe(Some("not json"), None), describe(None, None));
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for subcommand in SUBCOMMANDS {
            assert!(
                script.contains(subcommand),
                "{shell} script lacks {subcommand}"
            );
        }
        for option in ["replications", "first-deferred", "out-dir"] {
            assert!(script.contains(option), "{shell} script lacks --{option}");
        }
    }
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let output = mailsim()
        .args(["completions", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value 'tcsh'")
            && stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{stderr}"
    );
}

/// Asks bash's completion function what it offers after `words`, the last one being the
/// word under the cursor.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "source '{script}'\n\
         COMP_WORDS=({line}); COMP_CWORD={cword}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
         _mailsim mailsim '{current}' '{previous}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.display(),
        cword = words.len() - 1,
        current = words[words.len() - 1],
        previous = words[words.len() - 2],
    );
    let output = Process::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("mailsim.bash");
    std::fs::write(&script, stdout(&["completions", "bash"])).expect("write");
    let syntax = Process::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    assert_eq!(bash_completes(&script, &["mailsim", "ru"]), ["run"]);
    assert_eq!(
        bash_completes(&script, &["mailsim", "com"]),
        ["compare", "completions"]
    );
    assert_eq!(
        bash_completes(&script, &["mailsim", "run", "--repl"]),
        ["--replications"]
    );
    assert_eq!(
        bash_completes(&script, &["mailsim", "completions", "p"]),
        ["powershell"]
    );
}

#[test]
fn zsh_and_fish_accept_their_scripts() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (shell, check) in [("zsh", ["-n"]), ("fish", ["--no-execute"])] {
        if !installed(shell) {
            eprintln!("skipped the {shell} syntax check: {shell} is not installed");
            continue;
        }
        let script = dir.path().join(format!("mailsim.{shell}"));
        std::fs::write(&script, stdout(&["completions", shell])).expect("write");
        let output = Process::new(shell)
            .args(check)
            .arg(&script)
            .output()
            .expect("shell runs");
        assert!(
            output.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_manual_page_lists_every_subcommand_and_the_version() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH mailsim 1 "), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", ".SH VERSION"] {
        assert!(page.contains(section), "{section}");
    }
    for subcommand in SUBCOMMANDS {
        assert!(
            page.contains(&format!("mailsim\\-{subcommand}(1)")),
            "{subcommand}"
        );
    }
    let version = stdout(&["--version"]);
    let version = version.trim().trim_start_matches("mailsim ");
    assert!(page.contains(&version.replace('-', "\\-")), "{version}");
}

#[test]
fn man_out_dir_writes_a_page_per_subcommand_that_groff_renders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pages = dir.path().join("man1");
    let out = stdout(&["man", "--out-dir", pages.to_str().expect("utf-8 path")]);
    assert!(
        out.starts_with(&format!("wrote {} manual pages to ", SUBCOMMANDS.len() + 1)),
        "{out}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .expect("folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|name| format!("mailsim-{name}.1"))
        .chain(["mailsim.1".to_string()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let run_page = std::fs::read_to_string(pages.join("mailsim-run.1")).expect("page");
    assert!(run_page.contains("\\-\\-replications"), "{run_page}");

    if !installed("groff") {
        eprintln!("skipped rendering the pages: groff is not installed");
        return;
    }
    for name in &names {
        // -k: UTF-8 input (as man does); -ww: every warning; -z: no output, only warnings.
        let output = Process::new("groff")
            .args(["-k", "-man", "-ww", "-z"])
            .arg(pages.join(name))
            .output()
            .expect("groff runs");
        assert!(
            output.status.success() && output.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let rendered = Process::new("groff")
        .args(["-k", "-man", "-Tutf8"])
        .arg(pages.join("mailsim-run.1"))
        .output()
        .expect("groff runs");
    // Drop the overstrike pairs ("x\x08x") grotty uses for bold.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&rendered.stdout).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    assert!(
        text.contains("SYNOPSIS") && text.contains("replications"),
        "{text}"
    );
}
