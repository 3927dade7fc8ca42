//! Peers measured in the same run on the same data (cargo feature `peers`):
//! the `hnsw_rs` and `instant-distance` crates.
//!
//! Both are built with the config's efConstruction; `hnsw_rs` also with its M
//! (layer 0 holds 2M, as here), while `instant-distance` fixes M = 32 and
//! fixes the search ef at build time, so it is rebuilt for every swept ef and
//! its build throughput is the best of those builds. `hnsw_rs` inserts on one
//! thread for `threads = 1` and with its rayon-parallel insert otherwise;
//! `instant-distance` always builds on every core. Only the L2 metric is
//! wired. Recall uses the same ε rule: the returned ids' distances are
//! recomputed with hnswlab's metric. Peers have no health census.

use std::time::Instant;

use anyhow::{bail, Result};
use hnswlab::Metric;

use super::results::{percentile, RunKind, RunResult, SearchRow};
use crate::config::{run_id, BuildSpec};
use crate::data::Dataset;
use crate::data::DatasetSpec;
use crate::metrics::{self, Truth};

pub use crate::config::PEERS as NAMES;

/// What a peer run needs.
pub struct PeerSetup<'a> {
    /// The data set's spec.
    pub spec: &'a DatasetSpec,
    /// The data.
    pub ds: &'a Dataset,
    /// k-th true distances.
    pub truth: &'a Truth,
    /// Build parameters (m, ef_construction).
    pub build: &'a BuildSpec,
    /// Metric of the data set.
    pub metric: Metric,
    /// Search ef values.
    pub efs: &'a [usize],
    /// Level seed (instant-distance).
    pub seed: u64,
}

fn empty(setup: &PeerSetup<'_>, name: &str, threads: usize) -> RunResult {
    let (spec, ds, build) = (setup.spec, setup.ds, setup.build);
    RunResult {
        run: run_id(&spec.name, name, build, threads, 0),
        dataset: spec.name.clone(),
        n: ds.n(),
        dim: ds.dim,
        queries: ds.query_count(),
        kind: RunKind::Peer,
        strategy: name.into(),
        build: build.label(),
        m: build.m,
        ef_construction: build.ef_construction,
        prune: build.prune.clone(),
        selection: build.selection.clone(),
        threads,
        repetition: 0,
        seed: setup.seed,
        ..Default::default()
    }
}

/// A peer's search: (query, k, ef) -> base row ids, nearest first.
type SearchFn<'a> = dyn FnMut(&[f32], usize, usize) -> Vec<usize> + 'a;

/// One sweep point: every query once, timed each, hits by the ε rule.
fn point(setup: &PeerSetup<'_>, ef: usize, search: &mut SearchFn<'_>) -> SearchRow {
    let (ds, truth) = (setup.ds, setup.truth);
    let queries = ds.query_count();
    let mut latencies = Vec::with_capacity(queries);
    let mut hits = 0;
    let start = Instant::now();
    for (i, &kth) in truth.kth.iter().enumerate().take(queries) {
        let q = ds.query(i);
        let t0 = Instant::now();
        let ids = search(q, truth.k, ef);
        latencies.push(t0.elapsed().as_secs_f64() * 1e6);
        // A peer's short list is its own business: judge what came back.
        hits += metrics::hits(ds, setup.metric, q, ids.iter().copied(), truth.k, kth).unwrap_or_else(|w| w.hits);
    }
    let seconds = start.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    SearchRow {
        ef,
        recall_at_10: hits as f64 / (queries * truth.k) as f64,
        qps: queries as f64 / seconds.max(1e-9),
        latency_p50_us: percentile(&latencies, 50.0),
        latency_p95_us: percentile(&latencies, 95.0),
        latency_p99_us: percentile(&latencies, 99.0),
        distances_per_query: f64::NAN,
    }
}

/// Build and sweep peer `name` with `threads` build threads.
pub fn run(setup: &PeerSetup<'_>, name: &str, threads: usize) -> Result<RunResult> {
    if setup.metric != Metric::L2 {
        bail!("peer {name}: only the l2 metric is wired");
    }
    let mut r = empty(setup, name, threads);
    match name {
        "hnsw_rs" => hnsw_rs(setup, threads, &mut r),
        "instant-distance" => instant(setup, &mut r),
        other => bail!("unknown peer `{other}`; known: {}", NAMES.join(", ")),
    }
    Ok(r)
}

fn hnsw_rs(setup: &PeerSetup<'_>, threads: usize, r: &mut RunResult) {
    use hnsw_rs::prelude::{DistL2, Hnsw};
    let ds = setup.ds;
    let start = Instant::now();
    let mut index: Hnsw<f32, DistL2> = Hnsw::new(setup.build.m, ds.n(), 16, setup.build.ef_construction, DistL2 {});
    if threads > 1 {
        let rows: Vec<(&[f32], usize)> = ds.base.chunks_exact(ds.dim).enumerate().map(|(i, v)| (v, i)).collect();
        index.parallel_insert_slice(&rows);
    } else {
        for (i, v) in ds.base.chunks_exact(ds.dim).enumerate() {
            index.insert_slice((v, i));
        }
    }
    r.build_seconds = start.elapsed().as_secs_f64();
    r.vectors_per_second = ds.n() as f64 / r.build_seconds.max(1e-9);
    index.set_searching_mode(true);
    let mut search =
        |q: &[f32], k: usize, ef: usize| index.search(q, k, ef).into_iter().map(|n| n.d_id).collect::<Vec<usize>>();
    let largest = setup.efs.iter().copied().max().unwrap_or(setup.truth.k);
    for i in 0..ds.query_count().min(crate::sweep::WARM_UP) {
        search(ds.query(i), setup.truth.k, largest);
    }
    r.search = setup.efs.iter().map(|&ef| point(setup, ef, &mut search)).collect();
}

/// A borrowed row, squared L2 (as hnswlab's `Metric::L2`).
#[derive(Clone, Copy)]
struct Row<'a>(&'a [f32]);

impl instant_distance::Point for Row<'_> {
    fn distance(&self, other: &Self) -> f32 {
        self.0.iter().zip(other.0).map(|(a, b)| (a - b) * (a - b)).sum()
    }
}

fn instant(setup: &PeerSetup<'_>, r: &mut RunResult) {
    use instant_distance::{Builder, Search};
    let ds = setup.ds;
    r.threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1);
    r.run = run_id(&setup.spec.name, "instant-distance", setup.build, r.threads, 0);
    r.m = 32;
    let mut best = f64::INFINITY;
    for &ef in setup.efs {
        let points: Vec<Row<'_>> = ds.base.chunks_exact(ds.dim).map(Row).collect();
        let values: Vec<usize> = (0..ds.n()).collect();
        let start = Instant::now();
        let map = Builder::default()
            .ef_construction(setup.build.ef_construction)
            .ef_search(ef)
            .seed(setup.seed)
            .build(points, values);
        best = best.min(start.elapsed().as_secs_f64());
        let mut s = Search::default();
        let mut search = |q: &[f32], k: usize, _ef: usize| {
            map.search(&Row(q), &mut s).take(k).map(|item| *item.value).collect::<Vec<usize>>()
        };
        for i in 0..ds.query_count().min(crate::sweep::WARM_UP) {
            search(ds.query(i), setup.truth.k, ef);
        }
        r.search.push(point(setup, ef, &mut search));
    }
    r.build_seconds = best;
    r.vectors_per_second = ds.n() as f64 / best.max(1e-9);
}
