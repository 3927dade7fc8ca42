//! Crash safety of `Hnsw::save`: a process saving two indexes in turn over
//! one target is SIGKILLed at seeded random moments; after every kill the
//! target loads as one of the two complete indexes, and the only other
//! files left are the save's named temporary files, which loading ignores.
//!
//! The saving process is this test binary re-run with `--exact crash_child`
//! and `HNSWLAB_CRASH_DIR` set.

mod file_support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use file_support::built;
use hnswlab::file::atomic::{temp_prefix, TEMP_SUFFIX};
use hnswlab::{synthetic, Hnsw, Metric, PrunePolicy};

const DIR_VAR: &str = "HNSWLAB_CRASH_DIR";
const TARGET: &str = "target.hnswlab";
/// Saves a child makes at most (it is normally killed long before).
const CHILD_SAVES: usize = 100_000;

/// The saving process: a no-op unless run by `killed_saves_leave_the_old_or_the_new_index`.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(DIR_VAR) else { return };
    let dir = Path::new(&dir);
    let a = Hnsw::load(dir.join("a.hnswlab")).expect("child: load a");
    let b = Hnsw::load(dir.join("b.hnswlab")).expect("child: load b");
    let mut out = std::io::stdout();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    for i in 0..CHILD_SAVES {
        let h = if i % 2 == 0 { &b } else { &a };
        h.save(dir.join(TARGET)).expect("child: save");
        writeln!(out, "saved {i}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killed_saves_leave_the_old_or_the_new_index() {
    let seed = 41;
    println!("seed {seed}");
    let dir = tempfile::tempdir().expect("tempdir");
    let a = built(4000, 32, Metric::L2, PrunePolicy::Standard, seed);
    let b = built(3000, 32, Metric::L2, PrunePolicy::Symmetric, seed + 1);
    let (a_bytes, b_bytes) = (a.to_bytes(), b.to_bytes());
    a.save(dir.path().join("a.hnswlab")).unwrap();
    b.save(dir.path().join("b.hnswlab")).unwrap();
    let target = dir.path().join(TARGET);
    let start = Instant::now();
    a.save(&target).unwrap();
    // Kill points spread over about three saves (a save is write + two fsyncs + rename).
    let span_us = (start.elapsed().as_micros() as u64 * 3).max(2000);
    println!(
        "file sizes {} and {} bytes; kill points in 0..{span_us} us after the child is ready",
        a_bytes.len(),
        b_bytes.len()
    );
    let exe = std::env::current_exe().unwrap();
    let mut rng = synthetic::Rng::new(seed);
    let (mut saw_a, mut saw_b, mut strays, mut saves) = (0, 0, 0, 0);
    for round in 0..40 {
        let delay = rng.below(span_us);
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(DIR_VAR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the saving child");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            match lines.next() {
                // libtest prints `test crash_child ... ` before the test's own output.
                Some(Ok(l)) if l.ends_with("ready") => break,
                Some(Ok(_)) => continue,
                other => panic!("round {round}: child ended before it was ready: {other:?}"),
            }
        }
        std::thread::sleep(Duration::from_micros(delay));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        saves += lines.map_while(|l| l.ok()).filter(|l| l.contains("saved")).count();
        let got =
            std::fs::read(&target).unwrap_or_else(|e| panic!("round {round} (delay {delay} us): target gone: {e}"));
        let loaded = Hnsw::from_bytes(&got)
            .unwrap_or_else(|e| panic!("round {round} (delay {delay} us): target does not load: {e}"));
        if got == a_bytes {
            saw_a += 1;
        } else if got == b_bytes {
            saw_b += 1;
        } else {
            panic!("round {round} (delay {delay} us): target is neither index ({} nodes)", loaded.len());
        }
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if ["a.hnswlab", "b.hnswlab", TARGET].contains(&name.as_str()) {
                continue;
            }
            assert!(
                name.starts_with(&temp_prefix(&target)) && name.ends_with(TEMP_SUFFIX),
                "round {round}: unexpected file {name}"
            );
            strays += 1;
            std::fs::remove_file(dir.path().join(&name)).unwrap();
        }
    }
    println!("40 kills: target was a {saw_a} times, b {saw_b} times; {saves} saves completed; {strays} temporary files left by killed saves");
    assert_eq!(saw_a + saw_b, 40);
}
