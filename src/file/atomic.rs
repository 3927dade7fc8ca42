//! Crash-safe replacement of a file: write a temporary file in the target's
//! folder, fsync it, rename it over the target, fsync the folder.
//!
//! Invariant: at every instant the target path names either its previous
//! complete contents or the new complete contents (rename within one file
//! system is atomic), and once `write_atomically` returns the new contents
//! and the rename are on disk. A process killed mid-save leaves at most a
//! temporary file named `.<target name>.<random>.tmp` beside the target.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Prefix of the temporary files `write_atomically` creates beside `target`.
pub fn temp_prefix(target: &Path) -> String {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!(".{name}.")
}

/// Suffix of the temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";

/// Replace `target` by `bytes` atomically.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = folder_of(target);
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, &e))?;
    set_mode(tmp.as_file(), target).map_err(|e| Error::io("set permissions of", tmp.path(), &e))?;
    tmp.write_all(bytes).map_err(|e| Error::io("write", tmp.path(), &e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io("fsync", tmp.path(), &e))?;
    tmp.persist(target).map_err(|e| Error::io("rename over", target, &e.error))?;
    sync_dir(dir)
}

/// The folder `target` is in: `.` for a bare file name, whose `parent()` is
/// the empty path (which cannot be opened to fsync).
fn folder_of(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The temporary file is created owner-only; give it the target's
/// permissions if the target exists, else `rw-r--r--` like a plain new file.
#[cfg(unix)]
fn set_mode(tmp: &File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target).map_or(0o644, |m| m.permissions().mode() & 0o7777);
    tmp.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_tmp: &File, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

/// fsync a folder so a rename in it is durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io("fsync folder", dir, &e))
}

/// Folders cannot be opened for fsync here; the rename is still atomic.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_file_name_is_in_the_current_folder() {
        assert_eq!(folder_of(Path::new("index.hnsw")), Path::new("."));
        assert_eq!(folder_of(Path::new("/")), Path::new("."));
        assert_eq!(folder_of(Path::new("runs/index.hnsw")), Path::new("runs"));
        assert_eq!(folder_of(Path::new("/tmp/index.hnsw")), Path::new("/tmp"));
        // The empty path is what fsync would be asked to open without the rule.
        assert!(File::open(folder_of(Path::new("index.hnsw"))).is_ok());
    }

    /// The documented temporary name: `.<target name>.<random>.tmp`.
    #[test]
    fn the_temporary_file_is_named_after_its_target() {
        assert_eq!(temp_prefix(Path::new("runs/index.hnsw")), ".index.hnsw.");
        assert_eq!(temp_prefix(Path::new("a")), ".a.");
        assert_eq!(TEMP_SUFFIX, ".tmp");
    }

    /// A replaced file keeps its permissions; a new one is `rw-r--r--`, as
    /// a plain new file would be (the temporary file starts private).
    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_new_one_is_0644() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let new = dir.path().join("new.bin");
        write_atomically(&new, b"one").unwrap();
        assert_eq!((mode(&new), std::fs::read(&new).unwrap()), (0o644, b"one".to_vec()));
        let old = dir.path().join("old.bin");
        std::fs::write(&old, b"before").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&old, b"after").unwrap();
        assert_eq!((mode(&old), std::fs::read(&old).unwrap()), (0o640, b"after".to_vec()));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");
    }
}
