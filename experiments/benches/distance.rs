//! Distance kernels per dimension: the dispatched `l2_squared`/`dot` against the
//! scalar reference, the oracles' f64 reference (`hnswlab::reference`), and every kernel this CPU runs (`distance::kernels()`:
//! scalar, AVX2+FMA, AVX-512) side by side, because distances dominate both
//! build and search time.
//!
//! Dimensions cover the common embedding and texmex sizes (128 SIFT, 784 MNIST,
//! 960 GIST) and odd ones (100) that exercise the remainder loops.
//! Throughput is in elements (coordinates) per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hnswlab::distance::{self, DistanceFn};
use hnswlab::synthetic;

const DIMS: [usize; 8] = [16, 32, 96, 100, 128, 256, 784, 960];
const SEED: u64 = 7;

fn distances(c: &mut Criterion) {
    let mut functions: Vec<(String, DistanceFn)> = vec![
        ("l2_squared".into(), distance::l2_squared),
        ("l2_squared_scalar".into(), distance::l2_squared_scalar),
        ("dot".into(), distance::dot),
        ("dot_scalar".into(), distance::dot_scalar),
        // The oracles' kernel (scalar, f64): what exact ground truth costs per distance.
        ("l2_reference_f64".into(), |a, b| {
            hnswlab::reference::distance(hnswlab::Metric::L2, a, b).unwrap_or(f64::NAN) as f32
        }),
    ];
    // The scalar kernel is `l2_squared_scalar`/`dot_scalar`, timed above.
    for k in distance::kernels().into_iter().filter(|k| k.name != "scalar") {
        functions.push((format!("l2_{}", k.name), k.l2));
        functions.push((format!("dot_{}", k.name), k.dot));
    }
    let mut group = c.benchmark_group("distance");
    for (name, f) in functions {
        for dim in DIMS {
            let v = synthetic::gaussian(2, dim, SEED);
            let (a, b) = v.split_at(dim);
            group.throughput(Throughput::Elements(dim as u64));
            group.bench_with_input(BenchmarkId::new(name.as_str(), dim), &dim, |bench, _| {
                bench.iter(|| f(black_box(a), black_box(b)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, distances);
criterion_main!(benches);
