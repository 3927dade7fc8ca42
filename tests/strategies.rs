//! Strategy contracts that need only the core: byte identity with the
//! sequential oracle, independence from the thread count, recall parity.

use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built, Kind};
use hnswlab::{oracle, synthetic, Metric, Params, PrunePolicy, Scratch, Snapshot};

fn bytes(b: &Built) -> Vec<Vec<u8>> {
    b.segments.iter().map(|h| Snapshot::of(h).to_bytes()).collect()
}

fn build(name: &str, params: &Params, dim: usize, data: &[f32], threads: usize) -> Built {
    let s = registry::by_name(name).unwrap_or_else(|| panic!("no strategy {name}"));
    s.build(&BuildInput { dim, params, data, threads }, None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn recall(b: &Built, dim: usize, data: &[f32], queries: &[f32], ef: usize) -> f64 {
    let mut s = Scratch::new();
    let mut hits = 0;
    let mut total = 0;
    for q in queries.chunks_exact(dim) {
        let truth = oracle::exact_knn_flat(Metric::L2, data, dim, q, 10).expect("valid shapes");
        let kth = truth.last().expect("k results").dist;
        let got = b.search_with(&mut s, q, 10, ef).expect("search");
        hits += got.iter().filter(|g| g.distance <= kth).count();
        total += truth.len();
    }
    hits as f64 / total as f64
}

#[test]
fn batched_is_byte_identical_to_sequential() {
    for (seed, prune, dim) in
        [(1u64, PrunePolicy::Standard, 8), (2, PrunePolicy::Symmetric, 3), (3, PrunePolicy::Standard, 2)]
    {
        println!("seed {seed} prune {prune:?} dim {dim}");
        let data = synthetic::lattice(2500, dim, 4, seed);
        let params = Params::builder().m(6).ef_construction(40).seed(seed).prune(prune).build().unwrap();
        let seq = build("sequential", &params, dim, &data, 1);
        for threads in [1, 2, 3] {
            let bat = build("batched", &params, dim, &data, threads);
            assert!(bytes(&seq) == bytes(&bat), "batched ({threads} threads) differs from sequential, seed {seed}");
        }
    }
}

#[test]
fn deterministic_parallel_is_independent_of_thread_count() {
    for (seed, prune) in [(5u64, PrunePolicy::Standard), (6, PrunePolicy::Symmetric)] {
        println!("seed {seed} prune {prune:?}");
        let data = synthetic::clustered(3000, 16, 20, 0.3, seed, 0);
        let params = Params::builder().m(8).ef_construction(60).seed(seed).prune(prune).build().unwrap();
        let one = bytes(&build("batched-deterministic-parallel", &params, 16, &data, 1));
        for threads in [2, 3, 4, 7] {
            let many = bytes(&build("batched-deterministic-parallel", &params, 16, &data, threads));
            assert!(one == many, "graph with {threads} threads differs from 1 thread, seed {seed}");
        }
    }
}

#[test]
fn single_threaded_concurrent_equals_sequential() {
    // Same algorithm, same order; re-selection never extends candidates in either.
    let data = synthetic::lattice(1500, 4, 3, 11);
    let params = Params::builder().m(5).ef_construction(30).seed(11).build().unwrap();
    let seq = build("sequential", &params, 4, &data, 1);
    let con = build("concurrent", &params, 4, &data, 1);
    assert!(bytes(&seq) == bytes(&con), "concurrent with 1 thread differs from sequential (seed 11)");
}

#[test]
fn single_threaded_concurrent_equals_sequential_under_every_metric() {
    // The concurrent build re-selects a full list under the node's lock, reading
    // only vectors: that reading must use the index's metric, not L2.
    let data = synthetic::clustered(1200, 4, 6, 0.3, 12, 0);
    for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
        let params = Params::builder().m(5).ef_construction(30).seed(12).metric(metric).build().unwrap();
        let seq = build("sequential", &params, 4, &data, 1);
        let con = build("concurrent", &params, 4, &data, 1);
        assert!(bytes(&seq) == bytes(&con), "concurrent with 1 thread differs from sequential ({metric:?}, seed 12)");
    }
}

#[test]
fn concurrent_rejects_symmetric() {
    let params = Params::builder().prune(PrunePolicy::Symmetric).build().unwrap();
    let s = registry::by_name("concurrent").unwrap();
    let err = s.build(&BuildInput { dim: 2, params: &params, data: &[0.0, 1.0], threads: 2 }, None).unwrap_err();
    assert!(err.to_string().contains("standard policy only"), "{err}");
}

#[test]
fn real_strategies_keep_recall_on_clustered_data() {
    let (dim, seed) = (16, 21);
    let data = synthetic::clustered(4000, dim, 40, 0.3, seed, 0);
    let queries = synthetic::clustered(100, dim, 40, 0.3, seed, 1);
    let params = Params::builder().m(12).ef_construction(100).seed(seed).build().unwrap();
    let base = recall(&build("sequential", &params, dim, &data, 1), dim, &data, &queries, 64);
    println!("sequential recall@10 at ef 64: {base:.4} (seed {seed})");
    assert!(base >= 0.95, "sequential recall {base}");
    for s in registry::strategies() {
        let r = recall(&build(s.name(), &params, dim, &data, 2), dim, &data, &queries, 64);
        println!("{} recall@10 at ef 64 (2 threads): {r:.4}", s.name());
        assert_eq!(s.kind(), Kind::Strategy);
        assert!(r >= base - 0.03, "{} recall {r} vs sequential {base}", s.name());
    }
}

#[test]
fn every_name_is_unique_and_resolves() {
    let names = registry::names();
    for n in &names {
        assert_eq!(registry::by_name(n).map(|s| s.name()), Some(*n));
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "duplicate names in {names:?}");
}
