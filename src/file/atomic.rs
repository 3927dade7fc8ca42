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
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, &e))?;
    tmp.write_all(bytes).map_err(|e| Error::io("write", tmp.path(), &e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io("fsync", tmp.path(), &e))?;
    tmp.persist(target).map_err(|e| Error::io("rename over", target, &e.error))?;
    sync_dir(dir)
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
