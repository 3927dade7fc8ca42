//! Publishing a run's output folder all at once, so a reader always sees
//! one complete run: the previous one or the new one.
//!
//! A run writes into a fresh staging folder beside `--out` (hidden, named
//! `.<out>.partial-XXXXXX`), each file through [`write_atomic`]; creating it
//! is the up-front check that the output location is writable. [`Staging::commit`]
//! syncs everything and swaps the staging folder in for `--out` with one
//! `renameat2(RENAME_EXCHANGE)` (two renames where the file system cannot
//! exchange), then removes the previous run. An error, a panic, Ctrl-C or
//! SIGTERM before that leaves `--out` as it was and removes the staging folder
//! ([`on_interrupt`]); a staging folder left by a kill -9 is removed by the
//! next run to the same `--out`.
//!
//! Only a folder that looks like a previous run (files with the extensions a
//! run writes, no subfolders) is ever replaced: `--out .` or a folder of
//! someone's own files is refused before the run starts.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};

/// Extensions of the files a report or comparison writes.
pub const OUTPUT_EXTENSIONS: [&str; 5] = ["md", "csv", "json", "png", "svg"];

/// Folders to remove if the process is interrupted (staging and scratch).
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove `dir` on Ctrl-C or SIGTERM (until [`forget`]); installs the handler once.
pub fn remove_on_interrupt(dir: &Path) {
    on_interrupt();
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).push(dir.to_path_buf());
}

/// Stop tracking `dir` (it was published or removed).
pub fn forget(dir: &Path) {
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).retain(|d| d != dir);
}

/// Install the Ctrl-C / SIGTERM handler: remove every tracked folder, then
/// exit with 130. `ctrlc` runs it on its own thread, not in signal context,
/// so removing folders there is safe.
pub fn on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            let live = LIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for dir in live {
                let _ = std::fs::remove_dir_all(&dir);
            }
            eprintln!("interrupted: the output folder was left as it was");
            std::process::exit(130);
        });
        if let Err(e) = installed {
            eprintln!("warning: no Ctrl-C handler ({e}); an interrupted run may leave a staging folder");
        }
    });
}

/// A run's output folder being written.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: Option<tempfile::TempDir>,
    /// Folders `begin` created above `out`, outermost first: removed again
    /// (when empty) if the run is not published.
    created: Vec<PathBuf>,
}

impl Staging {
    /// Check `out` can be published to and create the staging folder beside it.
    pub fn begin(out: &Path) -> Result<Staging> {
        let name = out.file_name().and_then(|n| n.to_str()).filter(|n| !n.is_empty() && *n != "..");
        let Some(name) = name else { bail!("--out {}: name a folder (not `.`, `..` or a root)", out.display()) };
        check_replaceable(out)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let created: Vec<PathBuf> = {
            let mut missing: Vec<PathBuf> =
                parent.ancestors().take_while(|a| !a.exists()).map(Path::to_path_buf).collect();
            missing.reverse();
            missing
        };
        std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
        let prefix = format!(".{name}.partial-");
        remove_stale(&parent, &prefix);
        let dir = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .with_context(|| format!("{} is not writable: cannot create the output folder there", parent.display()));
        let dir = match dir {
            Ok(d) => d,
            Err(e) => {
                remove_empty(&created);
                return Err(e);
            }
        };
        remove_on_interrupt(dir.path());
        Ok(Staging { out: out.to_path_buf(), dir: Some(dir), created })
    }

    /// Where to write the run's files.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("not yet committed").path()
    }

    /// The folder the run is published to.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Sync the staging folder and swap it in for `out`; the previous run is removed.
    pub fn commit(mut self) -> Result<PathBuf> {
        let dir = self.dir.take().expect("committed once");
        for entry in std::fs::read_dir(dir.path())? {
            File::open(entry?.path())?.sync_all()?;
        }
        sync_dir(dir.path())?;
        let staged = dir.keep();
        forget(&staged);
        let parent = staged.parent().expect("staging has a parent").to_path_buf();
        check_replaceable(&self.out)?;
        if self.out.exists() {
            // `staged` now holds the previous run.
            swap(&staged, &self.out).with_context(|| format!("publishing {}", self.out.display()))?;
            std::fs::remove_dir_all(&staged).with_context(|| format!("removing {}", staged.display()))?;
        } else {
            std::fs::rename(&staged, &self.out).with_context(|| format!("publishing {}", self.out.display()))?;
        }
        sync_dir(&parent)?;
        Ok(self.out.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            forget(dir.path());
            drop(dir);
            remove_empty(&self.created);
        }
    }
}

/// Remove `dirs` (outermost first) innermost first, each only if empty.
fn remove_empty(dirs: &[PathBuf]) {
    for d in dirs.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// `out` is absent, or a folder holding only files a run writes.
fn check_replaceable(out: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("--out {}", out.display())),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        bail!("--out {} exists and is not a folder", out.display());
    }
    for entry in std::fs::read_dir(out).with_context(|| format!("reading --out {}", out.display()))? {
        let entry = entry?;
        let path = entry.path();
        let ours = entry.file_type()?.is_file()
            && path.extension().and_then(|e| e.to_str()).is_some_and(|e| OUTPUT_EXTENSIONS.contains(&e));
        if !ours {
            bail!(
                "--out {} holds {}, which no run writes: refusing to replace the folder (choose a new or empty one)",
                out.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// Remove staging folders a killed run left under `parent`.
fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(prefix)) && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Exchange the folders `a` and `b` atomically where the OS can:
/// `renameat2(RENAME_EXCHANGE)`, or the rename-based swap on file systems and
/// kernels without it (`EINVAL`, `ENOSYS`).
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(Errno::INVAL | Errno::NOSYS) => swap_by_renames(a, b),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    swap_by_renames(a, b)
}

/// `b` -> a temporary name, `a` -> `b`, the temporary -> `a`: `b` is briefly
/// absent, never half-written.
fn swap_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let mut held = a.as_os_str().to_owned();
    held.push(".old");
    std::fs::rename(b, &held)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&held, a)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing {}", dir.display()))
}

/// Write `bytes` to `path` crash-safely: a temporary file in the same
/// folder, written and synced, renamed over `path`, then the folder synced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("writing {}", path.display()))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn swap_exchanges_two_folders() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        for (dir, name) in [(&a, "from-a"), (&b, "from-b")] {
            std::fs::create_dir(dir).unwrap();
            std::fs::write(dir.join(name), name).unwrap();
        }
        swap(&a, &b).unwrap();
        assert_eq!(files(&a), vec![("from-b".to_string(), "from-b".to_string())]);
        assert_eq!(files(&b), vec![("from-a".to_string(), "from-a".to_string())]);
        let mut left: Vec<_> = std::fs::read_dir(root.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, ["a", "b"], "a swap leaves no temporary name behind");
    }

    #[test]
    fn a_run_replaces_the_previous_one_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("reports").join("quick");
        for (round, names) in
            [&["report.md", "results.json"][..], &["results.csv"], &["a.png", "b.svg", "report.md"]].iter().enumerate()
        {
            // A run that fails midway leaves the previous run exactly as it was.
            let before = out.exists().then(|| files(&out));
            let failed = Staging::begin(&out).unwrap();
            write_atomic(&failed.path().join("report.md"), b"half").unwrap();
            drop(failed);
            assert_eq!(out.exists().then(|| files(&out)), before, "round {round}: a dropped run changed --out");
            // A run that commits replaces it whole.
            let s = Staging::begin(&out).unwrap();
            for n in names.iter() {
                write_atomic(&s.path().join(n), format!("{round} {n}").as_bytes()).unwrap();
            }
            s.commit().unwrap();
            let want: Vec<(String, String)> = names.iter().map(|n| (n.to_string(), format!("{round} {n}"))).collect();
            let mut want = want;
            want.sort();
            assert_eq!(files(&out), want, "round {round}");
            // Nothing is left beside --out.
            let beside: Vec<_> =
                std::fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
            assert_eq!(beside, vec![std::ffi::OsString::from("quick")], "round {round}");
        }
    }

    #[test]
    fn folders_that_are_not_a_previous_run_are_refused_before_the_run() {
        let root = tempfile::tempdir().unwrap();
        type Plant = fn(&Path);
        let cases: &[(&str, Plant)] = &[
            ("a file of someone's", |d| std::fs::write(d.join("notes.txt"), "mine").unwrap()),
            ("a subfolder", |d| std::fs::create_dir(d.join("src")).unwrap()),
            ("a hidden file", |d| std::fs::write(d.join(".git"), "x").unwrap()),
        ];
        for (i, (what, plant)) in cases.iter().enumerate() {
            let out = root.path().join(format!("out{i}"));
            std::fs::create_dir(&out).unwrap();
            plant(&out);
            let e = Staging::begin(&out).unwrap_err().to_string();
            assert!(e.contains("refusing"), "{what}: {e}");
        }
        let file = root.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(Staging::begin(&file).unwrap_err().to_string().contains("not a folder"));
        for bad in [".", "..", "/"] {
            assert!(Staging::begin(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_location_is_detected_before_the_run() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let locked = root.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).unwrap();
        // Root ignores permissions: then there is nothing to detect.
        let probe = std::fs::write(locked.join("probe"), "x");
        if probe.is_ok() {
            println!("skipped: running as a user that ignores folder permissions");
            return;
        }
        let e = Staging::begin(&locked.join("out")).unwrap_err().to_string();
        assert!(e.contains("not writable"), "{e}");
    }

    #[test]
    fn a_stale_staging_folder_is_removed_by_the_next_run() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("r");
        let stale = root.path().join(".r.partial-killed");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("results.json"), "{").unwrap();
        let s = Staging::begin(&out).unwrap();
        assert!(!stale.exists(), "the stale staging folder survived");
        s.commit().unwrap();
    }

    #[test]
    fn a_run_that_is_not_published_leaves_no_folders_it_created() {
        let root = tempfile::tempdir().unwrap();
        for depth in 1..4 {
            let mut out = root.path().to_path_buf();
            for i in 0..depth {
                out.push(format!("d{i}"));
            }
            out.push("out");
            drop(Staging::begin(&out).unwrap());
            assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0, "depth {depth}: folders left");
        }
    }
}
