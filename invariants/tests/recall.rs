//! Recall gate on clustered data, both prune policies.
//!
//! Documented parameters:
//! - data: `synthetic::clustered(2000, 32, 100, 0.3, SEED, 0)` (base),
//!   `synthetic::clustered(200, 32, 100, 0.3, SEED, 1)` (queries), SEED = 2024;
//! - build: m = 16, m0 = 32 (default 2m), ef_construction = 200, heuristic
//!   selection (hnswlib's: no extension, no refill), L2, level seed = SEED;
//! - search: k = 10, ef = 64.
//!
//! A returned neighbour counts as a hit when its distance is at most the 10th
//! true distance (+1e-6 relative), ann-benchmarks style, so ties do not
//! distort recall; returning the same label twice is an error, not a hit.
//! Gate: recall@10 >= 0.95.

use hnswlab::{oracle, synthetic, Hnsw, Params, PrunePolicy};

const SEED: u64 = 2024;
const DIM: usize = 32;
const K: usize = 10;
const EF: usize = 64;

fn recall(prune: PrunePolicy) -> f64 {
    let base = synthetic::clustered(2000, DIM, 100, 0.3, SEED, 0);
    let queries = synthetic::clustered(200, DIM, 100, 0.3, SEED, 1);
    let params = Params::builder().m(16).ef_construction(200).seed(SEED).prune(prune).build().expect("valid params");
    let mut index = Hnsw::new(DIM, params).expect("valid dim");
    let t = std::time::Instant::now();
    for (i, v) in base.chunks_exact(DIM).enumerate() {
        index.insert(i as u64, v).expect("insert");
    }
    let build = t.elapsed();
    let mut hits = 0usize;
    let mut total = 0usize;
    for (qi, q) in queries.chunks_exact(DIM).enumerate() {
        let truth = oracle::exact_knn(&index, q, K);
        let kth = truth.last().expect("k true neighbours").dist;
        let got = index.search(q, K, EF).expect("search");
        assert_eq!(got.len(), K, "query {qi}: {} results, expected {K}", got.len());
        let mut labels: Vec<u64> = got.iter().map(|n| n.label).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), K, "query {qi}: a label returned twice: {got:?}");
        hits += got.iter().filter(|n| n.distance <= kth + 1e-6 * kth.abs().max(1.0)).count();
        total += K;
    }
    let r = hits as f64 / total as f64;
    // For scale only (not gated): the same queries at the smallest legal ef.
    let low: usize = queries
        .chunks_exact(DIM)
        .map(|q| {
            let kth = oracle::exact_knn(&index, q, K).last().expect("k").dist;
            let got = index.search(q, K, K).expect("search");
            got.iter().filter(|n| n.distance <= kth + 1e-6 * kth.abs().max(1.0)).count()
        })
        .sum();
    println!("recall@{K} {} at ef = {K} (not gated): {:.4}", prune.name(), low as f64 / total as f64);
    println!(
        "recall@{K} {} (m 16, efC 200, ef {EF}, seed {SEED}): {r:.4} ({hits}/{total}), build {build:?}",
        prune.name()
    );
    r
}

#[test]
fn recall_at_10_standard() {
    let r = recall(PrunePolicy::Standard);
    assert!(r >= 0.95, "standard: recall@10 = {r:.4}, expected >= 0.95");
}

#[test]
fn recall_at_10_symmetric() {
    let r = recall(PrunePolicy::Symmetric);
    assert!(r >= 0.95, "symmetric: recall@10 = {r:.4}, expected >= 0.95");
}
