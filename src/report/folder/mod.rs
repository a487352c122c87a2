//! The run folder, `output/<scenario>/<run-id>/`: written into a hidden staging folder and
//! moved into place only when every file is complete, so a run leaves a whole folder or
//! nothing. An existing run is never overwritten unless asked.
//!
//! Every way out is covered: a finished run is renamed into place (atomically; a numbered
//! folder taken meanwhile by a concurrent run moves this one on to the next number); an error,
//! a failed rename or a dropped [`RunFolder`] removes the staging folder; a process that must
//! stop at once removes its open staging folders first ([`remove_unfinished`]); and the
//! staging folders of processes killed outright (SIGKILL) are removed by the next run in the
//! same scenario folder (see `staging`).

mod file;
mod staging;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use file::StagedFile;
use staging::Registration;
pub use staging::remove_unfinished;

/// Problems creating or finishing a run folder.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The chosen run folder exists and overwriting was not asked for.
    #[error("{0} already exists")]
    Exists(PathBuf),
    /// The chosen run folder's path is taken by something that is not a folder (a file), which
    /// even `--force` does not replace.
    #[error("{0} exists and is not a folder")]
    NotAFolder(PathBuf),
    /// A file system operation failed (the OS error is the source, printed after this).
    #[error("could not {action} {path}")]
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

/// How the finished folder is named.
#[derive(Debug)]
enum Naming {
    /// `<stem>`, else `<stem>-2`, `-3` …, whichever is free when the run finishes.
    Numbered(String),
    /// Exactly this name; replaced only if `overwrite`.
    Fixed { name: String, overwrite: bool },
}

/// A run folder being written. Dropping it without [`RunFolder::commit`] removes what was
/// written.
#[derive(Debug)]
pub struct RunFolder {
    parent: PathBuf,
    naming: Naming,
    staging: Registration,
}

/// The first numbered folder names tried before giving up (a folder with this many runs of
/// one seed is a mistake, not a study).
const MAX_NUMBER: u32 = 100_000;

impl Naming {
    /// The name the folder gets if nothing else takes it first.
    fn first(&self) -> &str {
        match self {
            Naming::Numbered(stem) => stem,
            Naming::Fixed { name, .. } => name,
        }
    }
}

impl RunFolder {
    /// Prepares `base/<scenario>/<run_id>`. Without `run_id`, picks `seed-<seed>`, then
    /// `seed-<seed>-2`, `-3` … whichever is free when the run finishes. With an explicit
    /// `run_id` that exists, fails unless `overwrite`.
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
    /// … (e.g. `sweep-seed-1`). Also removes the staging folders that processes which no
    /// longer exist left in the scenario's folder.
    pub fn create_named(
        base: &Path,
        scenario: &str,
        run_id: Option<&str>,
        stem: &str,
        overwrite: bool,
    ) -> Result<RunFolder, OutputError> {
        let parent = base.join(scenario);
        let naming = match run_id {
            Some(id) => {
                let target = parent.join(id);
                match fs::symlink_metadata(&target) {
                    Ok(meta) if !meta.is_dir() => return Err(OutputError::NotAFolder(target)),
                    Ok(_) if !overwrite => return Err(OutputError::Exists(target)),
                    _ => {}
                }
                Naming::Fixed {
                    name: id.to_string(),
                    overwrite,
                }
            }
            None => Naming::Numbered(stem.to_string()),
        };
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
            .map(Path::to_path_buf)
            .collect();
        let staging = Registration::new(staging::partial_path(&parent, naming.first()), created);
        if let Err(source) = fs::create_dir_all(staging.path()) {
            let path = staging.path().to_path_buf();
            staging.remove();
            return Err(OutputError::Io {
                action: "create",
                path,
                source,
            });
        }
        staging::remove_orphans(&parent);
        Ok(RunFolder {
            parent,
            naming,
            staging,
        })
    }

    /// Where the finished folder will be if no concurrent run takes that name first: the named
    /// folder, or the first free number now (a concurrent run may take it; this one then moves
    /// on to the next).
    pub fn target(&self) -> PathBuf {
        match &self.naming {
            Naming::Fixed { name, .. } => self.parent.join(name),
            Naming::Numbered(stem) => (1..=MAX_NUMBER)
                .map(|n| numbered(&self.parent, stem, n))
                .find(|candidate| fs::symlink_metadata(candidate).is_err())
                .unwrap_or_else(|| self.parent.join(stem)),
        }
    }

    /// Writes one file into the folder being prepared.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), OutputError> {
        let path = self.staging.path().join(name);
        fs::write(&path, contents).map_err(|source| OutputError::Io {
            action: "write",
            path: self.target().join(name),
            source,
        })
    }

    /// Moves the complete folder into place and returns its path. On failure nothing is left:
    /// the staging folder is removed, and a folder being replaced is put back.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        self.staging.finish(|| self.move_into_place())
    }

    /// Removes the partial folder (after a failure), and the folders above it that this run
    /// created if they are empty. Dropping the folder does the same.
    pub fn abandon(self) {}

    fn move_into_place(&self) -> Result<PathBuf, OutputError> {
        let staging = self.staging.path();
        let (name, overwrite) = match &self.naming {
            Naming::Numbered(stem) => return self.move_numbered(stem),
            Naming::Fixed { name, overwrite } => (name, *overwrite),
        };
        let target = self.parent.join(name);
        let io = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| OutputError::Io {
                action,
                path,
                source,
            }
        };
        match fs::symlink_metadata(&target) {
            Err(_) => match fs::rename(staging, &target) {
                Ok(()) => Ok(target),
                // Another run finished under the same name after this one started.
                Err(error) if taken(&error) => Err(OutputError::Exists(target)),
                Err(source) => Err(io("move the finished run to", &target)(source)),
            },
            Ok(meta) if !meta.is_dir() => Err(OutputError::NotAFolder(target)),
            Ok(_) if !overwrite => Err(OutputError::Exists(target)),
            Ok(_) => {
                let aside = staging::replaced_path(&self.parent, name);
                fs::rename(&target, &aside).map_err(io("replace", &target))?;
                if let Err(source) = fs::rename(staging, &target) {
                    let _ = fs::rename(&aside, &target);
                    return Err(io("move the finished run to", &target)(source));
                }
                // If this fails, a later run removes the leftover (its owner is gone by then).
                let _ = fs::remove_dir_all(&aside);
                Ok(target)
            }
        }
    }

    /// Renames the staging folder to the first free of `<stem>`, `<stem>-2` …; a name that
    /// another run takes between the check and the rename is skipped like a taken one.
    fn move_numbered(&self, stem: &str) -> Result<PathBuf, OutputError> {
        for n in 1..=MAX_NUMBER {
            let candidate = numbered(&self.parent, stem, n);
            if fs::symlink_metadata(&candidate).is_ok() {
                continue;
            }
            match fs::rename(self.staging.path(), &candidate) {
                Ok(()) => return Ok(candidate),
                Err(error) if taken(&error) => continue,
                Err(source) => {
                    return Err(OutputError::Io {
                        action: "move the finished run to",
                        path: candidate,
                        source,
                    });
                }
            }
        }
        Err(OutputError::Exists(
            self.parent.join(format!("{stem}-{MAX_NUMBER}")),
        ))
    }
}

impl Drop for RunFolder {
    /// Removes the staging folder unless it was moved into place.
    fn drop(&mut self) {
        self.staging.remove();
    }
}

/// The `n`th name of a numbered folder: `<stem>`, `<stem>-2`, `<stem>-3` …
fn numbered(parent: &Path, stem: &str, n: u32) -> PathBuf {
    match n {
        1 => parent.join(stem),
        n => parent.join(format!("{stem}-{n}")),
    }
}

/// Whether a rename failed because the target name is taken (a rename onto a non-empty folder
/// or onto a file).
fn taken(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty | ErrorKind::NotADirectory
    )
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

    /// Entries of `dir` whose names start with a dot: staging folders left behind.
    fn hidden(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn runs_finishing_together_take_the_next_free_numbers() {
        let base = tempfile::tempdir().unwrap();
        let folders: Vec<RunFolder> = (0..3)
            .map(|_| RunFolder::create(base.path(), "s", None, 7, false).unwrap())
            .collect();
        let mut paths: Vec<PathBuf> = folders
            .into_iter()
            .map(|folder| {
                folder.write("a.txt", b"1").unwrap();
                folder.commit().unwrap()
            })
            .collect();
        paths.sort();
        let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(names, ["seed-7", "seed-7-2", "seed-7-3"]);
        assert!(hidden(&base.path().join("s")).is_empty());
    }

    #[test]
    fn a_failed_final_move_leaves_nothing_and_keeps_what_was_there() {
        let base = tempfile::tempdir().unwrap();
        // A file takes the run's name while the run is being written: even --force refuses.
        let forced = RunFolder::create(base.path(), "s", Some("seed-1"), 1, true).unwrap();
        forced.write("summary.json", b"{}").unwrap();
        fs::write(base.path().join("s/seed-1"), "not a run").unwrap();
        let error = forced.commit().unwrap_err();
        assert!(matches!(error, OutputError::NotAFolder(_)), "{error}");
        assert_eq!(
            fs::read_to_string(base.path().join("s/seed-1")).unwrap(),
            "not a run"
        );
        assert!(hidden(&base.path().join("s")).is_empty());
        // A run finishes under the same explicit name first: the later one is refused.
        let late = RunFolder::create(base.path(), "s", Some("id"), 1, false).unwrap();
        late.write("summary.json", b"late").unwrap();
        let first = RunFolder::create(base.path(), "s", Some("id"), 1, false).unwrap();
        first.write("summary.json", b"first").unwrap();
        first.commit().unwrap();
        assert!(matches!(late.commit(), Err(OutputError::Exists(_))));
        assert_eq!(
            fs::read_to_string(base.path().join("s/id/summary.json")).unwrap(),
            "first"
        );
        assert!(hidden(&base.path().join("s")).is_empty());
        // Known before the run: a file where the named run folder should go.
        assert!(matches!(
            RunFolder::create(base.path(), "s", Some("seed-1"), 1, true),
            Err(OutputError::NotAFolder(_))
        ));
    }

    #[test]
    fn a_dropped_folder_is_removed_with_the_folders_it_created() {
        // (`remove_unfinished` acts on the whole process, so it is tested through the command:
        // the signal tests in tests/integration/signals.rs.)
        let base = tempfile::tempdir().unwrap();
        let dropped = RunFolder::create(base.path(), "s", None, 1, false).unwrap();
        dropped.write("a.txt", b"1").unwrap();
        drop(dropped);
        assert!(!base.path().join("s").exists());
    }
}
