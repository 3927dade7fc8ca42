//! hnswlib through the same schedule: `experiments/scripts/churn_hnswlib.py`
//! replays it with `mark_deleted` and `add_items(..., replace_deleted=True)`,
//! saving the index and the labels it returns for every query after each
//! round. Each saved file is read back by hnswlab's own hnswlib reader
//! ([`hnswlab::foreign::hnswlib`], delete flags included) and censused by the
//! same [`live_census`] as hnswlab's policies; its results are judged by the
//! same [`super::judge::Judge`]. Missing Python, numpy or hnswlib: skipped with
//! a note, never an error.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use hnswlab::foreign::hnswlib::{read, Options};
use hnswlab::Metric;
use hnswlab_invariants::{live_census, LiveCensus};
use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use super::Spec;
use crate::report::python_peers::skip_lines;
use crate::texmex;

/// The runner, embedded so the command runs from any working directory.
const SCRIPT: &str = include_str!("../../scripts/churn_hnswlib.py");

/// What hnswlib did in one round (0 = the initial build).
#[derive(Clone, Debug)]
pub struct PeerRound {
    /// Seconds of the round's operations (the build in round 0), one thread.
    pub seconds: f64,
    /// Queries per second at the schedule's ef (one batch call, one thread).
    pub qps: f64,
    /// The census of the saved index.
    pub census: LiveCensus,
    /// Labels returned per query (negative: no result).
    pub found: Vec<Vec<i64>>,
}

/// `schedule.json`, as the script reads it.
#[derive(Serialize)]
struct ScheduleFile<'a> {
    dim: usize,
    m: usize,
    ef_construction: usize,
    ef: usize,
    k: usize,
    seed: u64,
    initial: &'a str,
    queries: &'a str,
    rounds: Vec<RoundFile>,
}

#[derive(Serialize)]
struct RoundFile {
    delete: Vec<u64>,
    insert_labels: Vec<u64>,
    insert: String,
    update_labels: Vec<u64>,
    update: String,
}

/// `results.json`, as the script writes it.
#[derive(Deserialize)]
struct Results {
    rounds: Vec<ResultRound>,
}

#[derive(Deserialize)]
struct ResultRound {
    round: usize,
    seconds: f64,
    qps: f64,
}

/// Run hnswlib through `schedule` in a private temporary folder. `Ok(None)`
/// with the reasons in `notes` when Python, numpy or hnswlib are missing.
pub fn run(spec: &Spec, schedule: &Schedule, k: usize, notes: &mut Vec<String>) -> Result<Option<Vec<PeerRound>>> {
    let dir = tempfile::Builder::new().prefix("hnswlab-churn-").tempdir()?;
    crate::publish::remove_on_interrupt(dir.path());
    let result = invoke(dir.path(), spec, schedule, k, notes);
    crate::publish::forget(dir.path());
    result
}

fn invoke(dir: &Path, spec: &Spec, s: &Schedule, k: usize, notes: &mut Vec<String>) -> Result<Option<Vec<PeerRound>>> {
    let dim = s.initial.dim;
    texmex::write(&dir.join("initial.fvecs"), dim, &s.initial.base)?;
    texmex::write(&dir.join("queries.fvecs"), dim, &s.initial.queries)?;
    let mut rounds = Vec::with_capacity(s.rounds.len());
    for (i, r) in s.rounds.iter().enumerate() {
        let (insert, update) = (format!("insert-{}.fvecs", i + 1), format!("update-{}.fvecs", i + 1));
        if !r.insert_labels.is_empty() {
            texmex::write(&dir.join(&insert), dim, &r.insert)?;
        }
        if !r.update_labels.is_empty() {
            texmex::write(&dir.join(&update), dim, &r.update)?;
        }
        rounds.push(RoundFile {
            delete: r.delete.clone(),
            insert_labels: r.insert_labels.clone(),
            insert,
            update_labels: r.update_labels.clone(),
            update,
        });
    }
    let file = ScheduleFile {
        dim,
        m: spec.m,
        ef_construction: spec.ef_construction,
        ef: spec.ef,
        k,
        seed: spec.seed,
        initial: "initial.fvecs",
        queries: "queries.fvecs",
        rounds,
    };
    let schedule = dir.join("schedule.json");
    std::fs::write(&schedule, serde_json::to_vec(&file)?).with_context(|| format!("writing {}", schedule.display()))?;
    let script = dir.join("churn_hnswlib.py");
    std::fs::write(&script, SCRIPT).with_context(|| format!("writing {}", script.display()))?;
    let python = crate::python::interpreter();
    let output =
        match Command::new(&python).arg(&script).arg("--schedule").arg(&schedule).arg("--out").arg(dir).output() {
            Ok(o) => o,
            Err(e) => {
                notes.push(format!("hnswlib skipped: cannot run {python}: {e}"));
                return Ok(None);
            }
        };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let skipped: Vec<String> = skip_lines(&stderr).map(|l| format!("hnswlib skipped: {l}")).collect();
        if !skipped.is_empty() {
            notes.extend(skipped);
            return Ok(None);
        }
        bail!("churn_hnswlib.py failed ({}): {}", output.status, stderr.lines().last().unwrap_or(""));
    }
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let results: Results = serde_json::from_str(&text).context("churn_hnswlib.py results.json")?;
    ensure!(
        results.rounds.iter().map(|r| r.round).eq(0..=s.rounds.len()),
        "churn_hnswlib.py reported rounds {:?}, expected 0..={}",
        results.rounds.iter().map(|r| r.round).collect::<Vec<_>>(),
        s.rounds.len()
    );
    let opts = Options { dim: Some(dim), space: Metric::L2 };
    let mut out = Vec::with_capacity(results.rounds.len());
    for r in &results.rounds {
        let path = dir.join(format!("round-{}.hnswlib", r.round));
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let index =
            read(&bytes, &opts).with_context(|| format!("reading hnswlib's saved index of round {}", r.round))?;
        if let Some(first) = index.defects.first() {
            notes.push(format!(
                "hnswlib round {}: the saved index has {} defect(s), first: {first}; censused as read",
                r.round,
                index.defects.len()
            ));
        }
        // The reader marks hnswlib's deleted records as tombstones in the graph's slots.
        let census = live_census(&index.graph);
        let found = texmex::read_ivecs(&dir.join(format!("found-{}.ivecs", r.round)), None)?;
        ensure!(
            found.dim == k && found.len() == s.initial.query_count(),
            "round {}: found labels of the wrong shape",
            r.round
        );
        let found = (0..found.len()).map(|q| found.row(q).iter().map(|&l| i64::from(l)).collect()).collect();
        out.push(PeerRound { seconds: r.seconds, qps: r.qps, census, found });
    }
    Ok(Some(out))
}
