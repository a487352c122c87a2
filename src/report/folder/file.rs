//! A single output file written the same way as a run folder: under a hidden staging name
//! beside it, renamed into place when complete, removed on any failure (`mailsim trace
//! --events`).

use std::fs;
use std::path::{Path, PathBuf};

use super::OutputError;
use super::staging::{self, Registration};

/// A file being written; dropping it without [`StagedFile::commit`] removes it.
#[derive(Debug)]
pub struct StagedFile {
    target: PathBuf,
    staging: Registration,
}

impl StagedFile {
    /// Starts writing `target`: returns the staged file and the open file to write into.
    pub fn create(target: &Path) -> Result<(StagedFile, fs::File), OutputError> {
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
        let staging = Registration::new(staging::partial_path(parent, &name), Vec::new());
        let file = fs::File::create(staging.path()).map_err(|source| OutputError::Io {
            action: "create",
            path: target.to_path_buf(),
            source,
        })?;
        staging::remove_orphans(parent);
        Ok((
            StagedFile {
                target: target.to_path_buf(),
                staging,
            },
            file,
        ))
    }

    /// Moves the complete file into place, replacing an existing one only if `overwrite`.
    pub fn commit(self, overwrite: bool) -> Result<PathBuf, OutputError> {
        self.staging.finish(|| {
            if !overwrite && fs::symlink_metadata(&self.target).is_ok() {
                return Err(OutputError::Exists(self.target.clone()));
            }
            fs::rename(self.staging.path(), &self.target).map_err(|source| OutputError::Io {
                action: "move the finished file to",
                path: self.target.clone(),
                source,
            })?;
            Ok(self.target.clone())
        })
    }
}

impl Drop for StagedFile {
    /// Removes the staged file unless it was moved into place.
    fn drop(&mut self) {
        self.staging.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_complete_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("events.jsonl");
        let (staged, file) = StagedFile::create(&target).unwrap();
        std::io::Write::write_all(&mut &file, b"line\n").unwrap();
        assert!(!target.exists());
        staged.commit(false).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "line\n");
        let (staged, _) = StagedFile::create(&target).unwrap();
        assert!(matches!(staged.commit(false), Err(OutputError::Exists(_))));
        let (abandoned, _) = StagedFile::create(&target).unwrap();
        drop(abandoned);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        assert_eq!(names.len(), 1, "only the finished file is left");
    }
}
