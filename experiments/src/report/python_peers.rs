//! hnswlib and faiss through `experiments/scripts/python_peers.py` (config
//! key `python_peers`): the data set, and each query's k-th true distance, are
//! written to a temporary folder; the script builds and sweeps each library
//! and writes rows in the `results.csv` schema, which are read back here.
//! Missing Python, numpy or libraries are skipped with a note, never an error.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use super::results::{RunKind, RunResult, SearchRow, CSV_COLUMNS};
use crate::config::BuildSpec;
use crate::data::Dataset;
use crate::metrics::Truth;
use crate::texmex;

/// The runner, embedded so a report runs from any working directory.
const SCRIPT: &str = include_str!("../../scripts/python_peers.py");

/// Run the Python peers `libs` on `ds` with `build`'s M and efConstruction.
/// Returns the runs and notes (skipped libraries and why).
#[allow(clippy::too_many_arguments)]
pub fn run(
    dataset: &str,
    ds: &Dataset,
    truth: &Truth,
    build: &BuildSpec,
    libs: &[String],
    threads: &[usize],
    efs: &[usize],
    seed: u64,
) -> (Vec<RunResult>, Vec<String>) {
    // A private directory (unpredictable name), removed when dropped.
    let result = tempfile::Builder::new()
        .prefix("hnswlab-python-peers-")
        .tempdir()
        .map_err(anyhow::Error::from)
        .and_then(|dir| invoke(dir.path(), dataset, ds, truth, build, libs, threads, efs, seed));
    match result {
        Ok(x) => x,
        Err(e) => (Vec::new(), vec![format!("{dataset}: python peers {} skipped: {e:#}", libs.join(", "))]),
    }
}

#[allow(clippy::too_many_arguments)]
fn invoke(
    dir: &Path,
    dataset: &str,
    ds: &Dataset,
    truth: &Truth,
    build: &BuildSpec,
    libs: &[String],
    threads: &[usize],
    efs: &[usize],
    seed: u64,
) -> Result<(Vec<RunResult>, Vec<String>)> {
    let inputs = Inputs::write(dir, ds, truth)?;
    let out = dir.join("peers.csv");
    let python = crate::python::interpreter();
    let output = Command::new(&python)
        .args(inputs.args(truth.k, build.m, build.ef_construction))
        .args(["--ef", &join(efs), "--threads", &join(threads), "--libs", &libs.join(",")])
        .args(["--dataset", dataset, "--build", &build.label(), "--prune", &build.prune])
        .args(["--selection", &build.selection, "--seed", &seed.to_string()])
        .args(["--out", &out.display().to_string()])
        .output()
        .with_context(|| format!("cannot run {python}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let skipped: Vec<String> = skip_lines(&stderr).map(|l| format!("{dataset}: python peer skipped: {l}")).collect();
    if !output.status.success() {
        if !skipped.is_empty() {
            return Ok((Vec::new(), skipped));
        }
        bail!("python_peers.py failed ({}): {}", output.status, stderr.lines().last().unwrap_or(""));
    }
    let text = std::fs::read_to_string(&out).with_context(|| format!("reading {}", out.display()))?;
    Ok((parse(&text)?, skipped))
}

/// The runner's input files in a folder: the script itself, the base and
/// query vectors, and each query's k-th true distance (`.fvecs` of dimension 1).
#[derive(Clone, Debug)]
pub struct Inputs {
    /// `python_peers.py`.
    pub script: PathBuf,
    /// Base vectors (`.fvecs`).
    pub base: PathBuf,
    /// Query vectors (`.fvecs`).
    pub query: PathBuf,
    /// k-th true distance per query (`.fvecs`, dimension 1).
    pub kth: PathBuf,
}

impl Inputs {
    /// Write the script, `ds` and `truth`'s k-th distances into `dir` (created if missing).
    pub fn write(dir: &Path, ds: &Dataset, truth: &Truth) -> Result<Inputs> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let inputs = Inputs {
            script: dir.join("python_peers.py"),
            base: dir.join("base.fvecs"),
            query: dir.join("query.fvecs"),
            kth: dir.join("kth.fvecs"),
        };
        std::fs::write(&inputs.script, SCRIPT).with_context(|| format!("writing {}", inputs.script.display()))?;
        texmex::write(&inputs.base, ds.dim, &ds.base)?;
        texmex::write(&inputs.query, ds.dim, &ds.queries)?;
        texmex::write(&inputs.kth, 1, &truth.kth)?;
        Ok(inputs)
    }

    /// The script and the arguments every mode takes: the files, k, M and efConstruction.
    pub fn args(&self, k: usize, m: usize, ef_construction: usize) -> Vec<String> {
        let path = |p: &PathBuf| p.display().to_string();
        let mut v = vec![path(&self.script), "--base".into(), path(&self.base), "--query".into(), path(&self.query)];
        v.extend(["--kth".into(), path(&self.kth), "--k".into(), k.to_string(), "--m".into(), m.to_string()]);
        v.extend(["--ef-construction".into(), ef_construction.to_string()]);
        v
    }
}

/// Comma-separated numbers, as the runner's list arguments take them.
pub fn join(v: &[usize]) -> String {
    v.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// The runner's `skip: <why>` lines on stderr (a missing Python package or library).
pub fn skip_lines(stderr: &str) -> impl Iterator<Item = &str> {
    stderr.lines().filter_map(|l| l.strip_prefix("skip: "))
}

/// Runs from rows in the `results.csv` schema (no quoted fields).
pub fn parse(text: &str) -> Result<Vec<RunResult>> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    ensure!(header == CSV_COLUMNS, "unexpected CSV header {header:?}");
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).expect("known column");
    let mut runs: Vec<RunResult> = Vec::new();
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        ensure!(f.len() == CSV_COLUMNS.len(), "row {}: {} fields", i + 1, f.len());
        let s = |name: &str| f[col(name)].to_string();
        let num = |name: &str| -> Result<f64> {
            let v = f[col(name)];
            if v.is_empty() {
                return Ok(f64::NAN);
            }
            v.parse().with_context(|| format!("row {}: {name} = `{v}`", i + 1))
        };
        let int = |name: &str| -> Result<usize> { Ok(num(name)? as usize) };
        let point = SearchRow {
            ef: int("ef")?,
            recall_at_10: num("recall_at_10")?,
            qps: num("qps")?,
            latency_p50_us: num("latency_p50_us")?,
            latency_p95_us: num("latency_p95_us")?,
            latency_p99_us: num("latency_p99_us")?,
            distances_per_query: num("distances_per_query")?,
        };
        if let Some(r) = runs.last_mut().filter(|r| r.run == f[col("run")]) {
            r.search.push(point);
            continue;
        }
        runs.push(RunResult {
            run: s("run"),
            dataset: s("dataset"),
            n: int("n")?,
            dim: int("dim")?,
            queries: int("queries")?,
            kind: RunKind::from_name(&s("kind"))
                .with_context(|| format!("row {}: kind `{}`: expected strategy, mutant or peer", i + 1, s("kind")))?,
            strategy: s("strategy"),
            build: s("build"),
            m: int("m")?,
            ef_construction: int("ef_construction")?,
            prune: s("prune"),
            selection: s("selection"),
            threads: int("threads")?,
            repetition: int("repetition")?,
            seed: num("seed")? as u64,
            build_seconds: num("build_seconds")?,
            vectors_per_second: num("vectors_per_second")?,
            error: Some(s("error")).filter(|e| !e.is_empty()),
            search: vec![point],
            ..Default::default()
        });
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::results::write_csv;

    #[test]
    fn csv_rows_round_trip_into_runs() {
        let text = format!(
            "{}\n{}\n{}\n",
            CSV_COLUMNS.join(","),
            "d/faiss/b/t1/r0,d,100,4,10,peer,faiss,b,16,100,standard,heuristic,1,0,42,10,0.9,1000,5,9,12,,0.5,200,0,0,,,,,,0,,,,,,,,,,,",
            "d/faiss/b/t1/r0,d,100,4,10,peer,faiss,b,16,100,standard,heuristic,1,0,42,20,0.95,800,6,10,13,,0.5,200,0,0,,,,,,0,,,,,,,,,,,"
        );
        let runs = parse(&text).unwrap();
        assert_eq!(runs.len(), 1);
        let r = &runs[0];
        assert_eq!((r.strategy.as_str(), r.kind, r.threads, r.n), ("faiss", RunKind::Peer, 1, 100));
        assert_eq!(r.search.iter().map(|s| s.ef).collect::<Vec<_>>(), vec![10, 20]);
        assert!(r.search[0].distances_per_query.is_nan());
        let mut out = Vec::new();
        write_csv(&runs, &mut out).unwrap();
        let back = parse(&String::from_utf8(out).unwrap()).unwrap();
        let key = |r: &RunResult| {
            r.search.iter().map(|s| (s.ef, s.recall_at_10, s.qps, s.latency_p99_us)).collect::<Vec<_>>()
        };
        assert_eq!(key(&back[0]), key(r), "round trip");
        assert!(parse("a,b\n").is_err());
    }

    #[test]
    fn a_missing_library_is_a_note_not_an_error() {
        let spec = crate::data::DatasetSpec::synthetic(crate::data::DataKind::Gaussian, 50, 4, 5);
        let ds = crate::data::load(&spec, 1).unwrap();
        let truth = crate::metrics::truth(&ds, hnswlab::Metric::L2, false).unwrap();
        let build = BuildSpec {
            m: 4,
            ef_construction: 16,
            prune: "standard".into(),
            selection: "heuristic".into(),
            verify_inserts: false,
        };
        let (runs, notes) = run("t", &ds, &truth, &build, &["no-such-lib".into()], &[1], &[10], 1);
        assert!(runs.is_empty());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("skipped"), "{notes:?}");
    }
}
