//! Staging paths: the hidden folders (and files) a run writes before moving them into place.
//!
//! A staging name carries its owner, `.<name>.partial-<host>-<pid>-<n>`, so that a later run
//! can tell a folder left by a process that no longer exists (killed with SIGKILL, a machine
//! that lost power) from one another run is still writing, and remove the first kind only
//! ([`remove_orphans`]). Only owners on this host are judged: on a shared file system another
//! machine's process ids mean nothing here. Every staging path this process has open is also
//! listed ([`Registration`]), so that a process that must stop at once (a second Ctrl-C) can
//! remove them before it exits ([`remove_unfinished`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// The part of a staging name between the target's name and its owner.
const PARTIAL: &str = ".partial-";
/// The same for a finished folder set aside while `--force` replaces it.
const REPLACED: &str = ".replaced-";

/// Staging paths of this process not yet moved into place or removed, with the folders above
/// them that this process created (innermost first), removed too if they are left empty.
static OPEN: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Numbers the staging paths of this process, so two in one folder never collide.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// This host's name as it may appear in a file name (letters, digits and `.`), or `host`.
fn host() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "host".into()
    } else {
        clean
    }
}

/// A fresh staging path in `parent` for the output named `name`, owned by this process.
pub(super) fn partial_path(parent: &Path, name: &str) -> PathBuf {
    owned_path(parent, name, PARTIAL)
}

/// A fresh path in `parent` to set the finished folder `name` aside while it is replaced.
pub(super) fn replaced_path(parent: &Path, name: &str) -> PathBuf {
    owned_path(parent, name, REPLACED)
}

fn owned_path(parent: &Path, name: &str, kind: &str) -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(
        ".{name}{kind}{}-{}-{n}",
        host(),
        std::process::id()
    ))
}

/// The owner `(host, pid)` of a staging or set-aside name, or `None` for any other name.
fn owner(name: &str) -> Option<(&str, u32)> {
    let rest = name.strip_prefix('.')?;
    let at = rest
        .rfind(PARTIAL)
        .map(|i| i + PARTIAL.len())
        .or_else(|| rest.rfind(REPLACED).map(|i| i + REPLACED.len()))?;
    let mut parts = rest[at..].rsplitn(3, '-');
    let _n: u64 = parts.next()?.parse().ok()?;
    let pid: u32 = parts.next()?.parse().ok()?;
    Some((parts.next()?, pid))
}

/// Whether process `pid` exists on this host; `None` where that cannot be told (no `/proc`).
fn alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    if pid == std::process::id() {
        return Some(true);
    }
    Some(Path::new("/proc").join(pid.to_string()).exists())
}

/// Removes the staging and set-aside entries in `parent` whose owner, on this host, no longer
/// exists, and those of this process that it no longer has open (left by an earlier process
/// with the same id). Entries of live processes and of other hosts are left alone; so is
/// everything where liveness cannot be told. Returns how many were removed.
pub(super) fn remove_orphans(parent: &Path) -> usize {
    let Ok(entries) = fs::read_dir(parent) else {
        return 0;
    };
    let here = host();
    let open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some((owner_host, pid)) = name.to_str().and_then(owner) else {
            continue;
        };
        let path = entry.path();
        let gone = match alive(pid) {
            Some(false) => true,
            Some(true) => pid == std::process::id() && !open.iter().any(|(p, _)| *p == path),
            None => false,
        };
        if owner_host == here && gone && remove(&path) {
            removed += 1;
        }
    }
    removed
}

/// Removes a file or a folder with everything in it; whether it is gone.
fn remove(path: &Path) -> bool {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(_) => return true,
    };
    result.is_ok()
}

/// Removes each folder if it is empty (`remove_dir` refuses non-empty ones), innermost first.
pub(super) fn remove_empty(folders: &[PathBuf]) {
    for folder in folders {
        let _ = fs::remove_dir(folder);
    }
}

/// A staging path this process has open: listed for [`remove_unfinished`] until it is dropped.
#[derive(Debug)]
pub(super) struct Registration {
    path: PathBuf,
}

impl Registration {
    /// Lists `path` (and `created`, the folders above it this process made) as open.
    pub(super) fn new(path: PathBuf, created: Vec<PathBuf>) -> Registration {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        open.push((path.clone(), created));
        Registration { path }
    }

    /// The staging path.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `finish` (which moves the staging path into place) while no [`remove_unfinished`]
    /// can run, and stops listing the path if it succeeded; so a process told to stop at once
    /// either finds the staging path listed and removes it, or finds it already in place.
    pub(super) fn finish<T, E>(&self, finish: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        let result = finish();
        if result.is_ok() {
            open.retain(|(p, _)| *p != self.path);
        }
        result
    }

    /// Removes the staging path (if it is still there) and the empty folders above it that
    /// this process created, and stops listing it.
    pub(super) fn remove(&self) {
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        remove(&self.path);
        if let Some(at) = open.iter().position(|(p, _)| *p == self.path) {
            let (_, created) = open.swap_remove(at);
            remove_empty(&created);
        }
    }
}

/// Removes every staging path this process has open, and the empty folders above them that it
/// created: for a process about to exit without finishing (a second Ctrl-C, SIGTERM while the
/// charts are drawn). Whatever is already in place stays.
pub fn remove_unfinished() {
    let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
    for (path, created) in open.drain(..) {
        remove(&path);
        remove_empty(&created);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_read_back_from_staging_names() {
        let path = partial_path(Path::new("x"), "seed-1");
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.starts_with(".seed-1.partial-"), "{name}");
        assert_eq!(owner(&name), Some((host().as_str(), std::process::id())));
        assert_eq!(owner(".a-b.replaced-node.7-4242-3"), Some(("node.7", 4242)));
        for other in [
            "seed-1",
            ".hidden",
            ".x.partial-",
            ".x.partial-h-p-1",
            "x.partial-h-1-2",
        ] {
            assert_eq!(owner(other), None, "{other}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn only_orphans_of_this_host_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let here = host();
        // Process ids above the kernel's maximum (2^22) are never alive.
        let dead = dir
            .path()
            .join(format!(".seed-1.partial-{here}-99999999-0"));
        let dead_replaced = dir
            .path()
            .join(format!(".seed-2.replaced-{here}-99999998-0"));
        let elsewhere = dir.path().join(".seed-1.partial-otherhost-99999999-0");
        let live = dir.path().join(format!(".seed-1.partial-{here}-1-0"));
        let mine_open = Registration::new(partial_path(dir.path(), "seed-3"), vec![]);
        let mine_stale = dir.path().join(format!(
            ".seed-4.partial-{here}-{}-999999",
            std::process::id()
        ));
        for path in [&dead, &dead_replaced, &elsewhere, &live, &mine_stale] {
            fs::create_dir(path).unwrap();
            fs::write(path.join("summary.json"), "{}").unwrap();
        }
        fs::create_dir(mine_open.path()).unwrap();
        fs::write(dir.path().join("seed-1"), "a finished run is never touched").unwrap();
        assert_eq!(remove_orphans(dir.path()), 3);
        for gone in [&dead, &dead_replaced, &mine_stale] {
            assert!(!gone.exists(), "{}", gone.display());
        }
        for kept in [&elsewhere, &live, &dir.path().join("seed-1")] {
            assert!(kept.exists(), "{}", kept.display());
        }
        assert!(mine_open.path().exists());
        mine_open.remove();
        assert!(!mine_open.path().exists());
    }
}
