//! Search time per query against `ef` (k = 10) on one fixed index, because `ef`
//! is the knob that trades recall for speed and its cost curve should be known.
//!
//! The index is clustered 20k x 128 (the `hnswlab build` default data), M 16,
//! efConstruction 100, built once from fixed seeds; each iteration runs the
//! same 200 queries on one thread with one reused scratch. Throughput is in
//! queries, so criterion reports the time per query.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hnswlab::{synthetic, Hnsw, Params, Scratch};
use hnswlab_experiments::data::{BASE_STREAM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, QUERY_STREAM};

const N: usize = 20_000;
const DIM: usize = 128;
const QUERIES: usize = 200;
const K: usize = 10;
const EFS: [usize; 5] = [10, 20, 40, 80, 160];
const SEED: u64 = 42;

fn index() -> Hnsw {
    let params = Params::builder().m(16).ef_construction(100).seed(SEED).build().expect("valid parameters");
    let base = synthetic::clustered(N, DIM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, SEED, BASE_STREAM);
    let mut h = Hnsw::new(DIM, params).expect("valid index");
    h.reserve(N).expect("room for the bench's vectors");
    for (label, row) in base.chunks_exact(DIM).enumerate() {
        h.insert(label as u64, row).expect("finite synthetic row");
    }
    h
}

fn search(c: &mut Criterion) {
    let h = index();
    let queries = synthetic::clustered(QUERIES, DIM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, SEED, QUERY_STREAM);
    let mut scratch = Scratch::new();
    let mut group = c.benchmark_group("search");
    group.throughput(Throughput::Elements(QUERIES as u64));
    for ef in EFS {
        group.bench_with_input(BenchmarkId::new("ef", ef), &ef, |bench, &ef| {
            bench.iter(|| {
                for q in queries.chunks_exact(DIM) {
                    black_box(h.search_with(&mut scratch, black_box(q), K, ef).expect("valid query"));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
