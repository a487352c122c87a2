//! The run folder, `output/<scenario>/<run-id>/`: written into a hidden temporary folder and
//! renamed into place only when every file is complete, so a run leaves a whole folder or
//! nothing. An existing run is never overwritten unless asked.

use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Problems creating or finishing a run folder.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The chosen run folder exists and overwriting was not asked for.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// A file system operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// A run folder being written.
#[derive(Debug)]
pub struct RunFolder {
    staging: PathBuf,
    target: PathBuf,
    overwrite: bool,
    /// Folders above the run that this run created, innermost first, removed again (if still
    /// empty) when the run is abandoned.
    created: Vec<PathBuf>,
}

impl RunFolder {
    /// Prepares `base/<scenario>/<run_id>`. Without `run_id`, picks `seed-<seed>`, then
    /// `seed-<seed>-2`, `-3` … whichever does not exist yet. With an explicit `run_id` that
    /// exists, fails unless `overwrite`.
    pub fn create(
        base: &Path,
        scenario: &str,
        run_id: Option<&str>,
        seed: u64,
        overwrite: bool,
    ) -> Result<RunFolder, OutputError> {
        RunFolder::create_named(base, scenario, run_id, &format!("seed-{seed}"), overwrite)
    }

    /// Like [`RunFolder::create`], but without `run_id` picks `<stem>`, then `<stem>-2`, `-3`
    /// … (e.g. `sweep-seed-1`).
    pub fn create_named(
        base: &Path,
        scenario: &str,
        run_id: Option<&str>,
        stem: &str,
        overwrite: bool,
    ) -> Result<RunFolder, OutputError> {
        let parent = base.join(scenario);
        let target = match run_id {
            Some(id) => {
                let target = parent.join(id);
                if target.exists() && !overwrite {
                    return Err(OutputError::Exists(target));
                }
                target
            }
            None => (1..)
                .map(|n| match n {
                    1 => parent.join(stem),
                    n => parent.join(format!("{stem}-{n}")),
                })
                .find(|candidate| !candidate.exists())
                .expect("some suffix is free"),
        };
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("run");
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let io = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| OutputError::Io {
                action,
                path,
                source,
            }
        };
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io("clear", &staging))?;
        }
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
            .map(Path::to_path_buf)
            .collect();
        if let Err(source) = fs::create_dir_all(&staging) {
            remove_empty(&created);
            return Err(OutputError::Io {
                action: "create",
                path: staging,
                source,
            });
        }
        Ok(RunFolder {
            staging,
            target,
            overwrite,
            created,
        })
    }

    /// Where the finished folder will be.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one file into the folder being prepared.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.join(name);
        fs::write(&path, contents).map_err(|source| OutputError::Io {
            action: "write",
            path: self.target.join(name),
            source,
        })
    }

    /// Moves the complete folder into place and returns its path.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        if self.overwrite && self.target.exists() {
            fs::remove_dir_all(&self.target).map_err(|source| OutputError::Io {
                action: "replace",
                path: self.target.clone(),
                source,
            })?;
        }
        fs::rename(&self.staging, &self.target).map_err(|source| OutputError::Io {
            action: "move the finished run to",
            path: self.target.clone(),
            source,
        })?;
        Ok(self.target.clone())
    }

    /// Removes the partial folder (after a failure), and the folders above it that this run
    /// created if they are empty.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.staging);
        remove_empty(&self.created);
    }
}

/// Removes each folder if it is empty (`remove_dir` refuses non-empty ones), innermost first.
fn remove_empty(folders: &[PathBuf]) {
    for folder in folders {
        let _ = fs::remove_dir(folder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_get_fresh_folders_and_explicit_ids_are_protected() {
        let base = tempfile::tempdir().unwrap();
        let first = RunFolder::create(base.path(), "s", None, 7, false).unwrap();
        first.write("a.txt", b"1").unwrap();
        let first = first.commit().unwrap();
        assert!(first.ends_with("s/seed-7"));
        let second = RunFolder::create(base.path(), "s", None, 7, false).unwrap();
        assert!(second.target().ends_with("s/seed-7-2"));
        second.abandon();
        let err = RunFolder::create(base.path(), "s", Some("seed-7"), 7, false).unwrap_err();
        assert!(matches!(err, OutputError::Exists(_)));
        let forced = RunFolder::create(base.path(), "s", Some("seed-7"), 7, true).unwrap();
        forced.write("b.txt", b"2").unwrap();
        let path = forced.commit().unwrap();
        assert!(path.join("b.txt").exists() && !path.join("a.txt").exists());
        // Abandoning a run in a fresh tree removes the folders it created.
        let fresh = base.path().join("new/deeper");
        RunFolder::create(&fresh, "s", None, 1, false)
            .unwrap()
            .abandon();
        assert!(!base.path().join("new").exists());
        // No staging folders are left behind.
        let leftovers: Vec<_> = std::fs::read_dir(base.path().join("s"))
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }
}
