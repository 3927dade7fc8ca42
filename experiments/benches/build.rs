//! Build time per insertion strategy and thread count, because the strategies
//! exist to build faster (or reproducibly in parallel) than `sequential`.
//!
//! Clustered 5k x 64, M 16, efConstruction 100, fixed seeds, no observer (no
//! per-insert checks), so each sample is one bare `Strategy::build`. Throughput
//! is in vectors, so criterion reports the time per inserted vector.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use hnswlab::registry;
use hnswlab::strategy::BuildInput;
use hnswlab::{synthetic, Params};
use hnswlab_experiments::data::{BASE_STREAM, CLUSTERED_CENTRES, CLUSTERED_SPREAD};

const N: usize = 5_000;
const DIM: usize = 64;
const SEED: u64 = 42;

/// Thread counts to time a strategy at: `sequential` ignores `threads`.
fn thread_counts(name: &str) -> &'static [usize] {
    if name == "sequential" {
        &[1]
    } else {
        &[1, 2]
    }
}

fn build(c: &mut Criterion) {
    let params = Params::builder().m(16).ef_construction(100).seed(SEED).build().expect("valid parameters");
    let data = synthetic::clustered(N, DIM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, SEED, BASE_STREAM);
    let mut group = c.benchmark_group("build");
    // A build takes about a second: flat sampling times 10 builds per configuration,
    // where criterion's default linear sampling would need 55.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(N as u64));
    for s in registry::strategies() {
        for &threads in thread_counts(s.name()) {
            let input = BuildInput { dim: DIM, params: &params, data: &data, threads };
            group.bench_with_input(BenchmarkId::new(s.name(), format!("t{threads}")), &input, |bench, input| {
                bench.iter(|| black_box(s.build(input, None).expect("build succeeds")))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
