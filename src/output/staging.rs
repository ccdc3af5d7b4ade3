//! The transaction every output of one experiment goes through: files are written into a hidden
//! temporary sibling of `DIR/<experiment>/` and moved into place only by [`OutputStage::commit`].
//!
//! # Guarantee
//!
//! - Before `commit`, nothing is visible in `DIR/<experiment>/`: every file lives in
//!   `DIR/.<experiment>.tmp-<pid>[-<n>]/`, complete and flushed to disk (`fsync`).
//! - Dropping a stage without committing (a failed pass, an error, a panic that unwinds) removes
//!   the temporary folder, so a failed run leaves no trace.
//! - If `DIR/<experiment>/` does not exist yet, `commit` is a single `rename` of the temporary
//!   folder: the whole set appears at once, or not at all.
//! - If it exists (an earlier run), `commit` renames each file over its final name. Every rename
//!   is atomic, so a reader never sees a partially written file, but a crash between two renames
//!   can leave a subset of the new (complete) files beside the old ones. Files of an earlier run
//!   that this run does not write are left alone.
//! - A process killed outright (SIGKILL, or Ctrl-C without a handler) cannot run `Drop`: its
//!   hidden `.tmp-<pid>` folder stays behind, never inside `DIR/<experiment>/`. The next stage
//!   for the same experiment removes such folders when their process is gone (Linux only).

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Why an output could not be staged or committed.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// An export path that starts at the file-system root (`/x.json`, `C:\x.json`).
    #[error("output path `{path}` is absolute; write it relative to the experiment's output folder")]
    AbsolutePath {
        /// The path as written.
        path: String,
    },
    /// An export path whose `..` components leave `DIR/<experiment>/`.
    #[error("output path `{path}` leaves the experiment's output folder")]
    EscapingPath {
        /// The path as written.
        path: String,
    },
    /// An export path that names the folder itself (`""`, `"."`, `"a/.."`).
    #[error("output path `{path}` does not name a file")]
    EmptyPath {
        /// The path as written.
        path: String,
    },
    /// An experiment name that cannot be a single folder name.
    #[error("experiment name `{name}` cannot be used as a folder name")]
    BadExperimentName {
        /// The name as given.
        name: String,
    },
    /// A file-system operation failed.
    #[error("cannot {action} `{path}`")]
    Io {
        /// What was being done: "create folder", "write", "move into place", ...
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StageError {
    let path = path.to_path_buf();
    move |source| StageError::Io { action, path, source }
}

/// An open output transaction for `DIR/<experiment>/`. See the module documentation for the
/// guarantee it gives.
#[derive(Debug)]
pub struct OutputStage {
    final_dir: PathBuf,
    temp_dir: PathBuf,
    files: BTreeSet<PathBuf>,
    /// Every write in order (a path written twice appears twice), for each step's file list.
    writes: Vec<PathBuf>,
    committed: bool,
}

impl OutputStage {
    /// Opens a stage for `out_dir/<experiment>/`, creating `out_dir` if needed and a fresh hidden
    /// temporary folder `out_dir/.<experiment>.tmp-<pid>` beside the final one.
    pub fn begin(out_dir: &Path, experiment: &str) -> Result<Self, StageError> {
        check_experiment_name(experiment)?;
        fs::create_dir_all(out_dir).map_err(io_error("create folder", out_dir))?;
        remove_stale_temps(out_dir, experiment);
        let temp_dir = create_temp_dir(out_dir, experiment)?;
        Ok(Self {
            final_dir: out_dir.join(experiment),
            temp_dir,
            files: BTreeSet::new(),
            writes: Vec::new(),
            committed: false,
        })
    }

    /// `DIR/<experiment>/`, where the files appear after `commit`.
    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// The hidden folder holding the staged files until `commit`.
    pub fn temp_dir(&self) -> &Path {
        &self.temp_dir
    }

    /// The staged files so far, relative to the experiment folder, sorted.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(PathBuf::as_path)
    }

    /// A mark for [`Self::written_since`]: the number of writes so far.
    pub fn mark(&self) -> usize {
        self.writes.len()
    }

    /// The files written (or rewritten) since `mark`, sorted, each once.
    pub fn written_since(&self, mark: usize) -> Vec<&Path> {
        let recent: BTreeSet<&Path> = self.writes.iter().skip(mark).map(PathBuf::as_path).collect();
        recent.into_iter().collect()
    }

    /// Checks a user-written export path and returns it normalised and relative to the
    /// experiment folder (`"./sub/../x.json"` -> `x.json`). Rejects absolute paths and `..`
    /// that would leave the folder.
    pub fn resolve(path: &str) -> Result<PathBuf, StageError> {
        let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
        for component in Path::new(path).components() {
            match component {
                Component::Prefix(_) | Component::RootDir => {
                    return Err(StageError::AbsolutePath { path: path.into() })
                }
                Component::CurDir => {}
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Err(StageError::EscapingPath { path: path.into() });
                    }
                }
                Component::Normal(name) => parts.push(name),
            }
        }
        if parts.is_empty() {
            return Err(StageError::EmptyPath { path: path.into() });
        }
        Ok(parts.iter().collect())
    }

    /// Stages `bytes` as the file `path` (relative, checked by [`Self::resolve`]) and returns
    /// where it will be after `commit`. Writing the same path twice replaces the first version.
    pub fn write(&mut self, path: &str, bytes: &[u8]) -> Result<PathBuf, StageError> {
        let relative = Self::resolve(path)?;
        let staged = self.temp_dir.join(&relative);
        if let Some(parent) = staged.parent() {
            fs::create_dir_all(parent).map_err(io_error("create folder", parent))?;
        }
        write_synced(&staged, bytes)?;
        let final_path = self.final_dir.join(&relative);
        self.writes.push(relative.clone());
        self.files.insert(relative);
        Ok(final_path)
    }

    /// Moves every staged file into `DIR/<experiment>/` and returns their final paths (sorted).
    /// On error the files not yet moved stay staged and are removed when the stage is dropped.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, StageError> {
        let finals: Vec<PathBuf> = self.files.iter().map(|f| self.final_dir.join(f)).collect();
        // A fresh folder appears in one rename; if that fails (the folder exists, or appeared
        // meanwhile) the files move one by one.
        let fresh =
            fs::symlink_metadata(&self.final_dir).is_err() && fs::rename(&self.temp_dir, &self.final_dir).is_ok();
        if !fresh {
            for relative in &self.files {
                move_into_place(&self.temp_dir, &self.final_dir, relative)?;
            }
            // Everything is moved: what is left is empty folders.
            let _ = fs::remove_dir_all(&self.temp_dir);
        }
        sync_dir(&self.final_dir);
        if let Some(parent) = self.final_dir.parent() {
            sync_dir(parent);
        }
        self.committed = true;
        Ok(finals)
    }
}

impl Drop for OutputStage {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a folder we cannot remove is hidden and outside the final folder.
            let _ = fs::remove_dir_all(&self.temp_dir);
        }
    }
}

fn check_experiment_name(name: &str) -> Result<(), StageError> {
    let mut components = Path::new(name).components();
    let single = matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none();
    if !single || name.starts_with('.') || name.contains(['/', '\\']) {
        return Err(StageError::BadExperimentName { name: name.into() });
    }
    Ok(())
}

fn temp_prefix(experiment: &str) -> String {
    format!(".{experiment}.tmp-")
}

/// Creates `.<experiment>.tmp-<pid>`, or `-<pid>-<n>` when a stage of this process for the same
/// experiment is still open.
fn create_temp_dir(out_dir: &Path, experiment: &str) -> Result<PathBuf, StageError> {
    let base = format!("{}{}", temp_prefix(experiment), std::process::id());
    let mut attempt = 0u32;
    loop {
        let name = match attempt {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        };
        let path = out_dir.join(name);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(e) => return Err(io_error("create folder", &path)(e)),
        }
    }
}

/// Removes `.<experiment>.tmp-<pid>*` folders left by processes that no longer exist. Only where
/// `/proc` tells which processes are alive; elsewhere stale folders are left (they are hidden).
fn remove_stale_temps(out_dir: &Path, experiment: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = temp_prefix(experiment);
    let Ok(entries) = fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let alive = pid
            .parse::<u32>()
            .map_or(true, |pid| pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes the file under a temporary name in the same folder, flushes it and renames it, so even
/// the staged copy is never seen half-written.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StageError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let result = (|| {
        let mut file = fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&partial);
        return Err(io_error("write", path)(e));
    }
    fs::rename(&partial, path).map_err(io_error("write", path))
}

fn move_into_place(temp_dir: &Path, final_dir: &Path, relative: &Path) -> Result<(), StageError> {
    let from = temp_dir.join(relative);
    let to = final_dir.join(relative);
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(io_error("create folder", parent))?;
    }
    fs::rename(&from, &to).map_err(io_error("move into place", &to))
}

/// Flushes the folder entry so the renames survive a power cut (Unix; best effort).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn resolve_normalises_relative_paths() {
        let ok = |p: &str| OutputStage::resolve(p).ok();
        assert_eq!(ok("a.json"), Some(PathBuf::from("a.json")));
        assert_eq!(ok("./sub/x.json"), Some(PathBuf::from("sub/x.json")));
        assert_eq!(ok("sub/../x.json"), Some(PathBuf::from("x.json")));
    }

    #[test]
    fn resolve_rejects_escapes() {
        let is = |p: &str, f: fn(&StageError) -> bool| OutputStage::resolve(p).err().as_ref().is_some_and(f);
        assert!(is("/etc/x", |e| matches!(e, StageError::AbsolutePath { .. })));
        assert!(is("../x", |e| matches!(e, StageError::EscapingPath { .. })));
        assert!(is("a/../../x", |e| matches!(e, StageError::EscapingPath { .. })));
        assert!(is("", |e| matches!(e, StageError::EmptyPath { .. })));
        assert!(is("a/..", |e| matches!(e, StageError::EmptyPath { .. })));
    }

    #[test]
    fn experiment_names_are_single_components() {
        for bad in ["", ".", "..", "a/b", ".hidden", "/abs"] {
            assert!(check_experiment_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_experiment_name("deploy").is_ok());
    }
}
