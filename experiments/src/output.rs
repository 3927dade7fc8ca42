//! The result of a run: one serialisable report, printed as JSON or as a
//! short human summary.

use std::io::{self, Write};

use hnswlab::{BuildStats, Params};
use hnswlab_invariants::Health;
use serde::Serialize;

use crate::profile::{self, ProfileReport};

/// Everything `hnswlab build` measured. `--json` prints exactly this object.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The command line that produced the report.
    pub command: Vec<String>,
    /// Crate version of the CLI.
    pub version: &'static str,
    /// Insertion strategy or mutant name.
    pub strategy: &'static str,
    /// `--threads` as given (the sequential strategy uses one).
    pub threads: u32,
    /// Build parameters.
    pub params: ParamsReport,
    /// The data set.
    pub data: DataReport,
    /// Wall time spent in `insert_traced` only (checks excluded).
    pub build_seconds: f64,
    /// `n / build_seconds`.
    pub vectors_per_second: f64,
    /// Wall time of `check_all` over the built graph (every segment), so the
    /// checker's cost at scale is on record (it is linear in nodes + edges).
    pub check_seconds: f64,
    /// The index's build counters.
    pub build_stats: BuildStats,
    /// Bytes held by vectors, adjacency and labels.
    pub memory_bytes: usize,
    /// One point per swept ef.
    pub search: Vec<SearchPoint>,
    /// The checker's census (of segment 0 for segmented builds), or null when `check_all` found violations.
    pub health: Option<Health>,
    /// One census per segment (segment-parallel only; empty otherwise).
    pub segment_health: Vec<Health>,
    /// Inserts whose I4 self-search missed although the build did not promise
    /// I4 (no `--verify-inserts`): a census fact, not a violation. Null when
    /// the per-insert checks were skipped (`--no-check-inserts`).
    pub insert_self_misses: Option<usize>,
    /// Broken hard invariants (first 100), per insert and whole graph; empty when all hold.
    pub violations: Vec<String>,
    /// Number of violations found, including those not listed.
    pub violations_total: usize,
    /// Warnings about the run (e.g. --threads ignored, a doubtful ground truth).
    pub notes: Vec<String>,
    /// The insertion profile (`--profile` only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileReport>,
}

/// Build parameters as reported.
#[derive(Clone, Debug, Serialize)]
pub struct ParamsReport {
    /// M.
    pub m: usize,
    /// Mmax0.
    pub m0: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// mL.
    pub ml: f64,
    /// Highest level a node can draw.
    pub level_cap: u8,
    /// "standard" or "symmetric".
    pub prune: &'static str,
    /// Selection algorithm name.
    pub selection: &'static str,
    /// Seed of the data and the level function.
    pub seed: u64,
    /// "l2", "ip" or "cosine".
    pub metric: &'static str,
}

impl From<&Params> for ParamsReport {
    fn from(p: &Params) -> Self {
        ParamsReport {
            m: p.m(),
            m0: p.m0(),
            ef_construction: p.ef_construction(),
            ml: p.ml(),
            level_cap: p.level_cap(),
            prune: p.prune().name(),
            selection: p.selection().name(),
            seed: p.seed(),
            metric: p.metric().name(),
        }
    }
}

/// The data set as reported.
#[derive(Clone, Debug, Serialize)]
pub struct DataReport {
    /// `clustered`, `gaussian`, or the base file's stem.
    pub name: String,
    /// Base vectors.
    pub n: usize,
    /// Dimension.
    pub dim: usize,
    /// Queries.
    pub queries: usize,
    /// Files, for texmex data.
    pub files: Option<Files>,
    /// "exact" (brute force) or "file".
    pub ground_truth: &'static str,
    /// Recall is measured at this k (10, or n if smaller).
    pub k: usize,
}

/// texmex input files.
#[derive(Clone, Debug, Serialize)]
pub struct Files {
    /// Base vectors.
    pub base: String,
    /// Queries.
    pub query: String,
    /// Ground truth, if given.
    pub groundtruth: Option<String>,
}

/// One point of the ef sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SearchPoint {
    /// Search beam width.
    pub ef: usize,
    /// Mean fraction of the k true neighbours found (ε rule).
    pub recall_at_10: f64,
    /// Queries per second, single thread, over the whole query set.
    pub qps: f64,
    /// Mean distance computations per query.
    pub distances_per_query: f64,
    /// Queries whose search returned other than k results (a defect; 0 in a healthy build).
    pub wrong_count_queries: usize,
}

/// Print the JSON object and a newline.
pub fn print_json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    writeln!(out)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Print the short human summary.
pub fn print_human(r: &Report, out: &mut impl Write) -> io::Result<()> {
    let p = &r.params;
    let d = &r.data;
    writeln!(
        out,
        "data     {} n={} dim={} queries={} metric={} ground truth={} (k={})",
        d.name, d.n, d.dim, d.queries, p.metric, d.ground_truth, d.k
    )?;
    writeln!(
        out,
        "params   m={} m0={} ef_construction={} prune={} selection={} seed={} strategy={} threads={}",
        p.m, p.m0, p.ef_construction, p.prune, p.selection, p.seed, r.strategy, r.threads
    )?;
    let s = &r.build_stats;
    writeln!(
        out,
        "build    {:.2} s, {:.0} vectors/s, {:.1} MiB, {} distances, {} reselections",
        r.build_seconds,
        r.vectors_per_second,
        mib(r.memory_bytes),
        s.distances,
        s.reselections
    )?;
    if p.prune == "symmetric" {
        writeln!(
            out,
            "symmetric {} drops, {} repairs ({} forced, {} unrepaired), {} repair distances, {:.3} s in repairs",
            s.symmetric_drops,
            s.repairs,
            s.forced_repairs,
            s.unrepaired,
            s.repair_distances,
            s.repair_nanos as f64 / 1e9
        )?;
    }
    if let Some(pr) = &r.profile {
        writeln!(out)?;
        profile::print_table(pr, r.threads, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{:>6}  {:>9}  {:>10}  {:>10}", "ef", "recall@10", "qps", "dist/query")?;
    for pt in &r.search {
        writeln!(out, "{:>6}  {:>9.4}  {:>10.0}  {:>10.1}", pt.ef, pt.recall_at_10, pt.qps, pt.distances_per_query)?;
    }
    writeln!(out)?;
    writeln!(out, "check    check_all over the built graph: {:.2} s", r.check_seconds)?;
    match (&r.health, r.segment_health.len()) {
        (None, _) => writeln!(out, "health   unavailable: check_all found violations")?,
        (Some(h), 0) => print_health(h, out)?,
        // Segmented builds: one census per segment, each a graph of its own.
        (Some(_), segments) => {
            for (i, h) in r.segment_health.iter().enumerate() {
                writeln!(out, "segment  {i} of {segments}: {} nodes", h.nodes)?;
                print_health(h, out)?;
            }
        }
    }
    if let Some(misses) = r.insert_self_misses.filter(|&m| m > 0) {
        writeln!(
            out,
            "self-miss {misses} insert(s) did not find themselves right after insertion (I4 census: \
             the paper's insert does not promise it; --verify-inserts does)"
        )?;
    }
    if r.violations_total == 0 {
        writeln!(out, "invariants: all hard invariants hold")?;
    } else {
        writeln!(out, "invariants: {} VIOLATION(S) (listed on stderr)", r.violations_total)?;
    }
    for note in &r.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

/// The per-layer census table.
pub fn print_health(h: &Health, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "{:>5}  {:>7}  {:>8}  {:>7}  {:>11}  {:>7}  {:>6}  {:>7}  {:>5}",
        "layer", "nodes", "edges", "one-way", "unreachable", "zero-in", "in-max", "in-mean", "sccs"
    )?;
    for l in &h.layers {
        writeln!(
            out,
            "{:>5}  {:>7}  {:>8}  {:>6.2}%  {:>11}  {:>7}  {:>6}  {:>7.2}  {:>5}",
            l.layer,
            l.nodes,
            l.edges,
            100.0 * l.one_way_fraction,
            l.unreachable,
            l.zero_in_degree,
            l.in_degree_max,
            l.in_degree_mean,
            l.scc_count
        )?;
    }
    writeln!(
        out,
        "levels   {:?} (nodes per level); unreachable {} total, zero in-degree {} total; \
         exactness queries run {} (Alg. 5) + {} (layer 0)",
        h.level_histogram, h.unreachable_total, h.zero_in_degree_total, h.exact_queries_run, h.exact_layer0_queries_run
    )?;
    for why in &h.skipped {
        writeln!(out, "skipped  {why}")?;
    }
    Ok(())
}
