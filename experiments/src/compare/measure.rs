//! One measurement = one fresh process: `hnswlab compare-worker` for hnswlab,
//! `python_peers.py --mode batch` for hnswlib and faiss. Both read the same
//! files (base and query `.fvecs`, each query's k-th true distance), build
//! once with the given threads, record the build's wall time and the growth
//! of the resident set across it (the build is the first thing the process
//! builds, so that growth is the index's footprint), then per ef run one
//! untimed warm-up pass and `passes` timed passes over all queries on one
//! thread, keeping the best (recall is the same every pass), and write the
//! same JSON object ([`Measured`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use clap::Args;
use hnswlab::registry;
use hnswlab::strategy::BuildInput;
use hnswlab::Scratch;
use serde::{Deserialize, Serialize};

use super::plan::Entrant;
use super::summary::{qps_at_recall, Point};
use crate::config::BuildSpec;
use crate::data::{Dataset, Source};
use crate::metrics::{Truth, TruthSource};
use crate::report::machine;
use crate::report::python_peers::{join, skip_lines, Inputs};
use crate::sweep::pass;
use crate::texmex;

/// What one process reports (hnswlab's worker and the Python runner alike).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Measured {
    /// Wall time of the build.
    pub build_seconds: f64,
    /// Resident set after the build minus before it.
    pub rss_growth_bytes: Option<u64>,
    /// The index's own byte count (hnswlab only).
    pub memory_bytes: Option<u64>,
    /// The ef sweep.
    pub search: Vec<Point>,
}

/// One row of `compare.csv`: an entrant measured once.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Measurement {
    /// Round, from 0.
    pub round: usize,
    /// Place in the round's order for this data set and thread count, from 0.
    pub position: usize,
    /// Data set name.
    pub dataset: String,
    /// Base vectors.
    pub n: usize,
    /// Dimension.
    pub dim: usize,
    /// Queries.
    pub queries: usize,
    /// `hnswlab`, `hnswlib` or `faiss`.
    pub library: String,
    /// hnswlab's strategy, or the library's name.
    pub strategy: String,
    /// Build threads.
    pub threads: usize,
    /// Build wall time.
    pub build_seconds: f64,
    /// n / build seconds.
    pub vectors_per_second: f64,
    /// Resident set growth across the build.
    pub rss_growth_bytes: Option<u64>,
    /// hnswlab's `memory_bytes()`.
    pub memory_bytes: Option<u64>,
    /// QPS at the config's target recall, interpolated on the sweep.
    pub qps_at_target: Option<f64>,
    /// The interpolated ef at the target recall.
    pub ef_at_target: Option<f64>,
    /// The sweep's smallest ef already reached the target (QPS is a lower bound).
    pub target_at_lowest_ef: bool,
    /// Highest recall@10 of the sweep.
    pub max_recall: f64,
    /// The ef sweep.
    pub search: Vec<Point>,
    /// Why this measurement failed.
    pub error: Option<String>,
}

impl Measurement {
    /// The entrant measured.
    pub fn entrant(&self) -> Entrant {
        Entrant { library: self.library.clone(), strategy: self.strategy.clone() }
    }

    /// Fill the measured numbers from a process's report.
    pub fn record(&mut self, m: Measured, target: f64) {
        self.build_seconds = m.build_seconds;
        self.vectors_per_second = self.n as f64 / m.build_seconds.max(1e-9);
        self.rss_growth_bytes = m.rss_growth_bytes;
        self.memory_bytes = m.memory_bytes;
        let at = qps_at_recall(&m.search, target);
        self.qps_at_target = at.map(|a| a.qps);
        self.ef_at_target = at.map(|a| a.ef);
        self.target_at_lowest_ef = at.is_some_and(|a| a.lower_bound);
        self.max_recall = m.search.iter().map(|p| p.recall_at_10).fold(0.0, f64::max);
        self.search = m.search;
    }
}

/// Arguments of the hidden `hnswlab compare-worker`: the Python runner's.
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// Base vectors (.fvecs).
    #[arg(long)]
    pub base: PathBuf,
    /// Query vectors (.fvecs).
    #[arg(long)]
    pub query: PathBuf,
    /// k-th true distance per query (.fvecs, dimension 1).
    #[arg(long)]
    pub kth: PathBuf,
    /// Neighbours per query.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// M.
    #[arg(long)]
    pub m: usize,
    /// efConstruction.
    #[arg(long)]
    pub ef_construction: usize,
    /// Search ef values (comma separated).
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub ef: Vec<usize>,
    /// Build threads.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=crate::limits::MAX_THREADS as u64))]
    pub threads: u64,
    /// hnswlab strategy.
    #[arg(long)]
    pub strategy: String,
    /// Seed of the level function.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Timed passes per ef; QPS is the best (`1..=MAX_PASSES`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=crate::limits::MAX_PASSES as u64))]
    pub passes: u64,
    /// Where to write the [`Measured`] JSON.
    #[arg(long)]
    pub json: PathBuf,
}

/// `hnswlab compare-worker`: load the files, measure, write the JSON.
pub fn worker(args: &WorkerArgs) -> Result<()> {
    let base = texmex::read_fvecs(&args.base, None)?;
    let query = texmex::read_fvecs(&args.query, None)?;
    let kth = texmex::read_fvecs(&args.kth, None)?;
    ensure!(base.dim == query.dim, "base dimension {} but query dimension {}", base.dim, query.dim);
    ensure!(kth.len() == query.len(), "{} k-th distances for {} queries", kth.len(), query.len());
    let ds = Dataset {
        name: "compare".into(),
        source: Source::Texmex { base: args.base.clone(), query: args.query.clone(), groundtruth: None },
        dim: base.dim,
        base: base.data,
        queries: query.data,
        ground_truth: None,
    };
    let truth =
        Truth { k: args.k, kth: kth.data, source: TruthSource::File, metric: hnswlab::Metric::L2, notes: Vec::new() };
    let build = BuildSpec {
        m: args.m,
        ef_construction: args.ef_construction,
        prune: "standard".into(),
        selection: "heuristic".into(),
        verify_inserts: false,
    };
    let (threads, passes) = (args.threads as usize, args.passes as usize);
    let measured = measure(&ds, &truth, &build, args.seed, &args.strategy, threads, &args.ef, passes)?;
    let text = serde_json::to_string(&measured)?;
    std::fs::write(&args.json, text + "\n").with_context(|| format!("writing {}", args.json.display()))
}

/// Build `ds` with hnswlab's `strategy` and sweep `efs`, best of `passes`
/// timed passes per ef (see the module doc).
#[allow(clippy::too_many_arguments)]
pub fn measure(
    ds: &Dataset,
    truth: &Truth,
    build: &BuildSpec,
    seed: u64,
    strategy: &str,
    threads: usize,
    efs: &[usize],
    passes: usize,
) -> Result<Measured> {
    let params = build.params("l2", seed)?;
    let s = registry::by_name(strategy).with_context(|| format!("unknown strategy `{strategy}`"))?;
    let before = machine::rss_bytes();
    let start = Instant::now();
    let built = s.build(&BuildInput { dim: ds.dim, params: &params, data: &ds.base, threads }, None);
    let build_seconds = start.elapsed().as_secs_f64();
    let after = machine::rss_bytes();
    let built = built.with_context(|| format!("building with {strategy}"))?;
    let mut scratch = Scratch::new();
    let mut search = Vec::with_capacity(efs.len());
    for &ef in efs {
        pass(&built, &mut scratch, ds, truth, ef)?;
        let mut best = pass(&built, &mut scratch, ds, truth, ef)?;
        for _ in 1..passes {
            let p = pass(&built, &mut scratch, ds, truth, ef)?;
            ensure!(p.recall_at_10 == best.recall_at_10, "recall changed between passes at ef {ef}");
            if p.qps > best.qps {
                best = p;
            }
        }
        search.push(Point { ef, recall_at_10: best.recall_at_10, qps: best.qps });
    }
    Ok(Measured {
        build_seconds,
        rss_growth_bytes: before.zip(after).map(|(b, a)| a.saturating_sub(b)),
        memory_bytes: Some(built.memory_bytes() as u64),
        search,
    })
}

/// How a measurement process ended.
#[derive(Debug)]
pub enum Outcome {
    /// It measured.
    Measured(Measured),
    /// The library cannot run here (no Python, numpy or package): why. Later
    /// rounds skip it.
    Unavailable(String),
}

/// What every measurement of one data set shares.
pub struct Job<'a> {
    /// The data set's files.
    pub inputs: &'a Inputs,
    /// Neighbours per query.
    pub k: usize,
    /// M and efConstruction.
    pub build: &'a BuildSpec,
    /// Level-function seed.
    pub seed: u64,
    /// Search sweep.
    pub efs: &'a [usize],
    /// Timed passes per ef.
    pub passes: usize,
    /// The Python interpreter.
    pub python: &'a str,
    /// A scratch folder for the processes' JSON.
    pub dir: &'a Path,
}

/// Measure `entrant` at `threads` in a fresh process.
pub fn run(job: &Job<'_>, entrant: &Entrant, threads: usize) -> Result<Outcome> {
    let json = job.dir.join(format!("{}-t{threads}.json", entrant.label().replace('/', "-")));
    let _ = std::fs::remove_file(&json);
    let mut args = job.inputs.args(job.k, job.build.m, job.build.ef_construction);
    args.extend(["--ef".into(), join(job.efs), "--threads".into(), threads.to_string()]);
    args.extend(["--passes".into(), job.passes.to_string()]);
    args.extend(["--seed".into(), job.seed.to_string(), "--json".into(), json.display().to_string()]);
    let mut command = if entrant.is_hnswlab() {
        let exe = std::env::current_exe().context("cannot find the hnswlab executable for the worker")?;
        let mut c = Command::new(exe);
        // The worker takes the runner's arguments, without the script.
        c.arg("compare-worker").args(&args[1..]).args(["--strategy", &entrant.strategy]);
        c
    } else {
        let mut c = Command::new(job.python);
        c.args(&args).args(["--mode", "batch", "--libs", &entrant.library]);
        c
    };
    let output = match command.output() {
        Ok(o) => o,
        Err(e) if !entrant.is_hnswlab() => {
            return Ok(Outcome::Unavailable(format!("cannot run `{}` ({e})", job.python)));
        }
        Err(e) => return Err(e).context("cannot start the hnswlab worker"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let skipped: Vec<&str> = skip_lines(&stderr).collect();
        if !entrant.is_hnswlab() && !skipped.is_empty() {
            return Ok(Outcome::Unavailable(skipped.join("; ")));
        }
        bail!("{} exited with {}: {}", entrant.label(), output.status, stderr.trim().lines().last().unwrap_or(""));
    }
    let text = std::fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))?;
    let measured: Measured = serde_json::from_str(&text).with_context(|| format!("parsing {}", json.display()))?;
    ensure!(measured.search.len() == job.efs.len(), "{} points for {} ef values", measured.search.len(), job.efs.len());
    Ok(Outcome::Measured(measured))
}
