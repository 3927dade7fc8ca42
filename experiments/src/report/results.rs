//! What a report measured: one [`RunResult`] per build, written as
//! `results.csv` (one row per run and search ef) and `results.json` (the
//! runs in full, with the provenance in [`Meta`]).

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use hnswlab::strategy::Kind;
use hnswlab::{Phase, Profile};
use hnswlab_invariants::Health;
use serde::Serialize;

use super::machine::Machine;
use crate::config::Config;
use crate::metrics::{Better, MetricInfo};

/// One point of the search sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchRow {
    /// Search beam width.
    pub ef: usize,
    /// recall@10 under the ε rule.
    pub recall_at_10: f64,
    /// Queries per second, one thread.
    pub qps: f64,
    /// Median query latency, microseconds.
    pub latency_p50_us: f64,
    /// 95th percentile query latency, microseconds.
    pub latency_p95_us: f64,
    /// 99th percentile query latency, microseconds.
    pub latency_p99_us: f64,
    /// Distance computations per query (`Scratch::distances`).
    pub distances_per_query: f64,
}

/// The health census summed over segments.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HealthSummary {
    /// One-way edges / edges on each layer, layer 0 first.
    pub one_way_fraction_by_layer: Vec<f64>,
    /// One-way edges / edges over all layers.
    pub one_way_fraction: f64,
    /// Nodes unreachable from the entry point on some layer they are on.
    pub unreachable: usize,
    /// (node, layer) pairs with in-degree 0, entry points excluded.
    pub zero_in_degree: usize,
}

impl HealthSummary {
    /// Sum the censuses of a build's segments.
    pub fn of(segments: &[Health]) -> HealthSummary {
        let layers = segments.iter().map(|h| h.layers.len()).max().unwrap_or(0);
        let (mut one_way, mut edges) = (vec![0usize; layers], vec![0usize; layers]);
        for h in segments {
            for (i, l) in h.layers.iter().enumerate() {
                one_way[i] += l.one_way;
                edges[i] += l.edges;
            }
        }
        let fraction = |o: usize, e: usize| if e == 0 { 0.0 } else { o as f64 / e as f64 };
        HealthSummary {
            one_way_fraction_by_layer: one_way.iter().zip(&edges).map(|(&o, &e)| fraction(o, e)).collect(),
            one_way_fraction: fraction(one_way.iter().sum(), edges.iter().sum()),
            unreachable: segments.iter().map(|h| h.unreachable_total).sum(),
            zero_in_degree: segments.iter().map(|h| h.zero_in_degree_total).sum(),
        }
    }
}

/// What a run built: one of hnswlab's strategies or mutants (the core's
/// [`Kind`]), or another library. Written as `strategy`, `mutant` or `peer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// An hnswlab strategy or mutant.
    Hnswlab(Kind),
    /// Another HNSW library on the same data.
    Peer,
}

impl RunKind {
    /// A real hnswlab strategy.
    pub const STRATEGY: RunKind = RunKind::Hnswlab(Kind::Strategy);
    /// An hnswlab mutant.
    pub const MUTANT: RunKind = RunKind::Hnswlab(Kind::Mutant);

    /// `strategy`, `mutant` or `peer`.
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Hnswlab(k) => k.name(),
            RunKind::Peer => "peer",
        }
    }

    /// The kind named `name` ([`RunKind::name`]), if any.
    pub fn from_name(name: &str) -> Option<RunKind> {
        [RunKind::STRATEGY, RunKind::MUTANT, RunKind::Peer].into_iter().find(|k| k.name() == name)
    }
}

impl Default for RunKind {
    fn default() -> RunKind {
        RunKind::STRATEGY
    }
}

impl Serialize for RunKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One build of one strategy on one data set, and its search sweep.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunResult {
    /// Result path: `<dataset>/<strategy>/<build>/t<threads>/r<repetition>` (or `<peer>/...`).
    pub run: String,
    /// Data set name.
    pub dataset: String,
    /// Base vectors.
    pub n: usize,
    /// Dimension.
    pub dim: usize,
    /// Queries.
    pub queries: usize,
    /// A strategy, a mutant or a peer.
    pub kind: RunKind,
    /// Strategy, mutant or peer name.
    pub strategy: String,
    /// Build parameter label (`m16-efc100-standard-heuristic`).
    pub build: String,
    /// M.
    pub m: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// Prune policy.
    pub prune: String,
    /// Selection.
    pub selection: String,
    /// Build threads.
    pub threads: usize,
    /// Repetition number, from 0.
    pub repetition: usize,
    /// Level-function seed.
    pub seed: u64,
    /// Wall time of the build.
    pub build_seconds: f64,
    /// n / build_seconds.
    pub vectors_per_second: f64,
    /// Distance computations during the build.
    pub build_distances: u64,
    /// Index bytes (vectors, adjacency, labels).
    pub memory_bytes: usize,
    /// Peak RSS of the process during this run (build and search), if known.
    pub peak_rss_bytes: Option<u64>,
    /// The census, or None when `check_all` found violations (or the build failed).
    pub health: Option<HealthSummary>,
    /// Hard invariant violations `check_all` found.
    pub violations: usize,
    /// The first of them.
    pub first_violation: Option<String>,
    /// The build's or a search's error, if any.
    pub error: Option<String>,
    /// One row per swept ef.
    pub search: Vec<SearchRow>,
    /// The insertion profile (hnswlab builds only; peers have none): time and
    /// distances per phase of Alg. 1, times summed over build threads.
    pub profile: Option<Profile>,
}

impl RunResult {
    /// The sweep point at `ef`.
    pub fn at(&self, ef: usize) -> Option<&SearchRow> {
        self.search.iter().find(|s| s.ef == ef)
    }

    /// Build distance computations per inserted vector, from the profile.
    pub fn distances_per_insert(&self) -> Option<f64> {
        self.profile.map(|p| p.total_distances() as f64 / self.n.max(1) as f64)
    }
}

/// The profile columns of the CSV, after the original ones: seconds per
/// phase, distances per phase that computes any, distances per insert.
pub const PROFILE_COLUMNS: &[&str] = &[
    "descent_seconds",
    "search_seconds",
    "select_seconds",
    "link_seconds",
    "alloc_seconds",
    "descent_distances",
    "search_distances",
    "select_distances",
    "link_distances",
    "distances_per_insert",
];

/// The cells of [`PROFILE_COLUMNS`] for `r` (empty without a profile).
fn profile_cells(r: &RunResult) -> Vec<String> {
    let Some(p) = r.profile else {
        return vec![String::new(); PROFILE_COLUMNS.len()];
    };
    let mut cells: Vec<String> = Phase::ALL.iter().map(|&ph| num(p.nanos(ph) as f64 / 1e9)).collect();
    cells.extend(Phase::ALL.iter().filter(|&&ph| ph != Phase::Alloc).map(|&ph| p.distances(ph).to_string()));
    cells.push(opt(r.distances_per_insert().map(num)));
    cells
}

/// Provenance of a report.
#[derive(Clone, Debug, Serialize)]
pub struct Meta {
    /// Config name.
    pub name: String,
    /// When the run started.
    pub date: String,
    /// `git rev-parse HEAD`, or "unknown".
    pub commit: String,
    /// Tracked files differed from the commit.
    pub dirty: Option<bool>,
    /// Config seed.
    pub seed: u64,
    /// The machine.
    pub machine: Machine,
    /// `rustc --version`.
    pub rustc: String,
    /// Whether this binary was built with optimisations.
    pub optimised: bool,
    /// The command line.
    pub command: String,
    /// Wall time of the whole run.
    pub duration_seconds: f64,
    /// Whether peak RSS was reset before each run (Linux clear_refs).
    pub peak_rss_per_run: bool,
    /// Warnings about the run.
    pub notes: Vec<String>,
}

impl Meta {
    /// The provenance of a one-command run (`hnswlab fidelity`, `hnswlab churn`)
    /// named `name` that started at `date` on `machine` and took `seconds`:
    /// this checkout's commit, the compiler and build profile, no per-run peak
    /// RSS, no notes.
    pub fn of_command(name: &str, seed: u64, command: &[String], date: String, machine: Machine, seconds: f64) -> Meta {
        Meta {
            name: name.into(),
            date,
            commit: super::machine::commit(),
            dirty: super::machine::dirty(),
            seed,
            machine,
            rustc: super::machine::rustc(),
            optimised: !cfg!(debug_assertions),
            command: crate::cmd::report::command_line(command),
            duration_seconds: seconds,
            peak_rss_per_run: false,
            notes: Vec::new(),
        }
    }
}

/// Everything written to `results.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// Provenance.
    pub meta: Meta,
    /// The config that was run.
    pub config: Config,
    /// Every metric with its unit and better direction.
    pub metrics: Vec<MetricJson>,
    /// Every run.
    pub runs: Vec<RunResult>,
    /// The config's `[fidelity]` comparison, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<crate::cmd::fidelity::Fidelity>,
    /// The config's `[churn]` experiment, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub churn: Option<crate::churn::Churn>,
}

/// A [`MetricInfo`] as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct MetricJson {
    /// Column name.
    pub key: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// `higher` or `lower`.
    pub better: &'static str,
}

impl From<&MetricInfo> for MetricJson {
    fn from(m: &MetricInfo) -> Self {
        MetricJson {
            key: m.key,
            unit: m.unit,
            better: match m.better {
                Better::Higher => "higher",
                Better::Lower => "lower",
            },
        }
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "run",
    "dataset",
    "n",
    "dim",
    "queries",
    "kind",
    "strategy",
    "build",
    "m",
    "ef_construction",
    "prune",
    "selection",
    "threads",
    "repetition",
    "seed",
    "ef",
    "recall_at_10",
    "qps",
    "latency_p50_us",
    "latency_p95_us",
    "latency_p99_us",
    "distances_per_query",
    "build_seconds",
    "vectors_per_second",
    "build_distances",
    "memory_bytes",
    "peak_rss_bytes",
    "one_way_fraction",
    "one_way_fraction_by_layer",
    "unreachable",
    "zero_in_degree",
    "violations",
    "error",
    "descent_seconds",
    "search_seconds",
    "select_seconds",
    "link_seconds",
    "alloc_seconds",
    "descent_distances",
    "search_distances",
    "select_distances",
    "link_distances",
    "distances_per_insert",
];

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `v` with at most 6 significant decimals (shorter CSV, same information at these scales).
fn num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 {
        return v.to_string();
    }
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Write `runs` as CSV: one row per (run, ef); a run without search points
/// (a failed build) gets one row with empty search columns.
pub fn write_csv(runs: &[RunResult], out: &mut impl Write) -> Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    for r in runs {
        let none = [None];
        let rows: Vec<Option<&SearchRow>> =
            if r.search.is_empty() { none.to_vec() } else { r.search.iter().map(Some).collect() };
        for s in rows {
            let h = r.health.as_ref();
            let mut cells = vec![
                field(&r.run),
                field(&r.dataset),
                r.n.to_string(),
                r.dim.to_string(),
                r.queries.to_string(),
                field(r.kind.name()),
                field(&r.strategy),
                field(&r.build),
                r.m.to_string(),
                r.ef_construction.to_string(),
                field(&r.prune),
                field(&r.selection),
                r.threads.to_string(),
                r.repetition.to_string(),
                r.seed.to_string(),
                opt(s.map(|s| s.ef)),
                opt(s.map(|s| num(s.recall_at_10))),
                opt(s.map(|s| num(s.qps))),
                opt(s.map(|s| num(s.latency_p50_us))),
                opt(s.map(|s| num(s.latency_p95_us))),
                opt(s.map(|s| num(s.latency_p99_us))),
                opt(s.map(|s| num(s.distances_per_query))),
                num(r.build_seconds),
                num(r.vectors_per_second),
                r.build_distances.to_string(),
                r.memory_bytes.to_string(),
                opt(r.peak_rss_bytes),
                opt(h.map(|h| num(h.one_way_fraction))),
                opt(h.map(|h| {
                    h.one_way_fraction_by_layer.iter().map(|f| format!("{f:.6}")).collect::<Vec<_>>().join(";")
                })),
                opt(h.map(|h| h.unreachable)),
                opt(h.map(|h| h.zero_in_degree)),
                r.violations.to_string(),
                field(r.error.as_deref().unwrap_or("")),
            ];
            cells.extend(profile_cells(r));
            debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
            writeln!(out, "{}", cells.join(","))?;
        }
    }
    Ok(())
}

/// Write `results.csv` and `results.json` into `dir`.
pub fn write_files(results: &Results, dir: &Path) -> Result<()> {
    let mut csv = Vec::new();
    write_csv(&results.runs, &mut csv)?;
    crate::publish::write_atomic(&dir.join("results.csv"), &csv)?;
    let mut json = serde_json::to_vec_pretty(results)?;
    json.push(b'\n');
    crate::publish::write_atomic(&dir.join("results.json"), &json)
}

/// The Pareto frontier of (recall, qps) points, both better higher: the points
/// no other point beats on both, by increasing recall.
pub fn pareto(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted: Vec<(f64, f64)> = points.iter().copied().filter(|(r, q)| r.is_finite() && q.is_finite()).collect();
    // Best recall first; among equal recall, best qps first.
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
    let mut frontier: Vec<(f64, f64)> = Vec::new();
    for p in sorted {
        if frontier.last().is_none_or(|last| p.1 > last.1) {
            frontier.push(p);
        }
    }
    frontier.reverse();
    frontier
}

/// Nearest-rank percentile `p` (0..=100) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_keeps_only_undominated_points() {
        let pts = [(0.5, 100.0), (0.9, 50.0), (0.8, 40.0), (0.99, 10.0), (0.9, 20.0), (0.4, 90.0)];
        assert_eq!(pareto(&pts), vec![(0.5, 100.0), (0.9, 50.0), (0.99, 10.0)]);
        assert!(pareto(&[]).is_empty());
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!((percentile(&v, 50.0), percentile(&v, 95.0), percentile(&v, 99.0)), (50.0, 95.0, 99.0));
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn csv_quotes_fields_and_has_one_row_per_ef() {
        let s = SearchRow {
            ef: 10,
            recall_at_10: 0.5,
            qps: 1.0,
            latency_p50_us: 1.0,
            latency_p95_us: 2.0,
            latency_p99_us: 3.0,
            distances_per_query: 4.0,
        };
        let mut r = RunResult {
            run: "d/s/b/t1/r0".into(),
            dataset: "d".into(),
            n: 1,
            dim: 1,
            queries: 1,
            kind: RunKind::STRATEGY,
            strategy: "s".into(),
            build: "b".into(),
            m: 4,
            ef_construction: 8,
            prune: "standard".into(),
            selection: "heuristic".into(),
            threads: 1,
            repetition: 0,
            seed: 1,
            build_seconds: 1.0,
            vectors_per_second: 1.0,
            error: Some("bad, \"quoted\"".into()),
            search: vec![s.clone(), SearchRow { ef: 20, ..s }],
            ..Default::default()
        };
        let mut out = Vec::new();
        write_csv(std::slice::from_ref(&r), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[1].contains(",\"bad, \"\"quoted\"\"\","), "{}", lines[1]);
        r.search.clear();
        let mut out = Vec::new();
        write_csv(&[r], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2, "a failed build still gets a row");
    }

    #[test]
    fn csv_has_profile_columns_for_hnswlab_runs_and_empty_ones_for_peers() {
        assert!(CSV_COLUMNS.ends_with(PROFILE_COLUMNS), "the profile columns come last");
        for p in Phase::ALL {
            assert!(PROFILE_COLUMNS.contains(&format!("{}_seconds", p.name()).as_str()), "{}", p.name());
        }
        let profile = Profile {
            search_nanos: 1_500_000_000,
            alloc_nanos: 250_000_000,
            search_distances: 300,
            select_distances: 100,
            ..Default::default()
        };
        let ours = RunResult { run: "ours".into(), n: 4, profile: Some(profile), ..Default::default() };
        let peer = RunResult { run: "peer".into(), kind: RunKind::Peer, ..Default::default() };
        let mut out = Vec::new();
        write_csv(&[ours, peer], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
        assert_eq!(rows[1].len(), CSV_COLUMNS.len());
        assert_eq!(rows[1][col("search_seconds")], "1.5");
        assert_eq!(rows[1][col("alloc_seconds")], "0.25");
        assert_eq!(rows[1][col("select_distances")], "100");
        assert_eq!(rows[1][col("distances_per_insert")], "100", "400 distances over 4 inserts");
        assert!(PROFILE_COLUMNS.iter().all(|c| rows[2][col(c)].is_empty()), "a peer has no profile: {text}");
    }
}
