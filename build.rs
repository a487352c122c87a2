//! Records the commit the binary is built from, for `mailsim --version`.
//!
//! Sets `MAILSIM_BUILD_COMMIT` to a short description: `commit 0123456789ab` in a git checkout
//! (`, with uncommitted changes` when the sources that go into the binary differ from it), the
//! commit recorded by `cargo package` in `.cargo_vcs_info.json` when built from a published
//! crate, or a plain sentence when neither is known. Never fails the build: without git, or
//! outside a checkout, it falls back quietly.
//!
//! Only `--version` shows it; the result files keep the bare version (`meta.tool`), so that
//! outputs stay byte-identical from one commit to the next.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MAILSIM_BUILD_COMMIT");

    let vcs_info = std::fs::read_to_string(manifest_dir.join(".cargo_vcs_info.json")).ok();
    if vcs_info.is_some() {
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    }
    let git = if vcs_info.is_some() {
        None
    } else {
        git_state(&manifest_dir)
    };
    if let Some(git) = &git {
        // A new commit or checkout changes these files; a change to the sources changes the
        // "uncommitted changes" part. Nothing else needs the script to run again.
        for path in &git.watch {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        for path in ["src", "Cargo.toml", "Cargo.lock"] {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let description = match std::env::var("MAILSIM_BUILD_COMMIT") {
        // Set by a packager who builds from a source archive without git metadata.
        Ok(given) if !given.trim().is_empty() => format!("commit {}", given.trim()),
        _ => describe(vcs_info.as_deref(), git.as_ref()),
    };
    println!("cargo:rustc-env=MAILSIM_BUILD_COMMIT={description}");
}

/// What git says about the checkout the crate is built in.
pub struct GitState {
    /// The commit, abbreviated to 12 hex digits.
    pub commit: String,
    /// Whether the files compiled into the binary differ from that commit.
    pub dirty: bool,
    /// Files whose change means HEAD moved (HEAD, the branch's ref, packed refs).
    pub watch: Vec<PathBuf>,
}

/// The text `--version` shows after the version number, in parentheses.
pub fn describe(vcs_info: Option<&str>, git: Option<&GitState>) -> String {
    if let Some(commit) = vcs_info.and_then(packaged_commit) {
        return format!("commit {commit}");
    }
    match git {
        Some(GitState { commit, dirty, .. }) if *dirty => {
            format!("commit {commit}, with uncommitted changes")
        }
        Some(GitState { commit, .. }) => format!("commit {commit}"),
        None => "commit unknown: built outside a git checkout".to_string(),
    }
}

/// The commit `cargo package` records in `.cargo_vcs_info.json` (`"git": {"sha1": "…"}`),
/// abbreviated to 12 hex digits. Read without a JSON parser: a build script has no
/// dependencies here.
pub fn packaged_commit(vcs_info: &str) -> Option<String> {
    let after_key = &vcs_info[vcs_info.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let hex: String = value
        .strip_prefix('"')?
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    let dirty = vcs_info.contains("\"dirty\": true") || vcs_info.contains("\"dirty\":true");
    (hex.len() >= 12).then(|| {
        let short = &hex[..12];
        if dirty {
            format!("{short}, with uncommitted changes")
        } else {
            short.to_string()
        }
    })
}

/// Asks git about the checkout at `dir`; `None` when git is missing, `dir` is not the top of a
/// checkout (a crate vendored inside another project's repository must not report that
/// project's commit), or anything fails.
fn git_state(dir: &Path) -> Option<GitState> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(top.trim()).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?
        .trim()
        .to_string();
    let status = git(
        dir,
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "src",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ],
    )?;
    let mut watch = Vec::new();
    for name in ["HEAD", "packed-refs"] {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", name]) {
            watch.push(dir.join(path.trim()));
        }
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(path) = git(dir, &["rev-parse", "--git-path", branch.trim()])
    {
        watch.push(dir.join(path.trim()));
    }
    Some(GitState {
        commit,
        dirty: !status.trim().is_empty(),
        watch,
    })
}

/// Runs git in `dir`; its standard output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
