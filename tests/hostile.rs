//! The library's public calls on hostile arguments: every one is a typed
//! error, never a panic, an abort or an answer that depends on the CPU.
//! Each test walks a table of inputs of one class, not a single example.

use hnswlab::registry;
use hnswlab::strategy::concurrent::SharedIndex;
use hnswlab::strategy::{self, BuildInput, MAX_THREADS};
use hnswlab::{synthetic, ErrorKind, Hnsw, Metric, Params, Scratch};

const SEED: u64 = 5;

fn params(metric: Metric) -> Params {
    Params::builder().m(4).ef_construction(16).metric(metric).seed(SEED).build().expect("params")
}

#[test]
fn shared_index_rejects_every_malformed_shape() {
    println!("seed {SEED}");
    for dim in [0usize, 1, 2, 3, 65_536, 65_537, usize::MAX] {
        for len in [0usize, 1, 2, 3, 6, 7] {
            let got = SharedIndex::new(params(Metric::L2), dim, vec![0.5; len]);
            let valid = (1..=65_536).contains(&dim) && len % dim == 0;
            match got {
                Ok(idx) => {
                    assert!(valid, "dim {dim} len {len}: accepted");
                    assert_eq!(idx.capacity(), len / dim, "dim {dim} len {len}");
                }
                Err(e) => {
                    assert!(!valid, "dim {dim} len {len}: rejected with {e}");
                    let named = match e.kind() {
                        ErrorKind::InvalidParam { name, .. } => *name == "dim",
                        ErrorKind::DimensionMismatch { expected, .. } => *expected == dim,
                        _ => false,
                    };
                    assert!(named, "dim {dim} len {len}: {e:?}");
                }
            }
        }
    }
    // One level per row, or an error naming `levels`.
    for levels in [0usize, 1, 3, 4] {
        let got = SharedIndex::with_levels(params(Metric::L2), 2, vec![0.0; 6], vec![hnswlab::Layer(0); levels]);
        match got {
            Ok(_) => assert_eq!(levels, 3),
            Err(e) => assert!(matches!(e.kind(), ErrorKind::InvalidParam { name: "levels", .. }), "{e:?}"),
        }
    }
}

#[test]
fn shared_index_search_validates_k_ef_and_the_query() {
    println!("seed {SEED}");
    for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
        // Rows as the index stores them (unit norm under cosine).
        let data: Vec<f32> = synthetic::gaussian(40, 3, SEED)
            .chunks_exact(3)
            .flat_map(|v| hnswlab::distance::prepare(metric, 3, v).expect("finite rows"))
            .collect();
        let idx = SharedIndex::new(params(metric), 3, data.clone()).expect("index");
        let mut s = Scratch::new();
        // Before any insert: a valid query finds nothing, an invalid one is still an error.
        assert_eq!(idx.search(&data[..3], 1, 1, &mut s).expect("empty is fine"), vec![]);
        for q in 0..40 {
            idx.insert(hnswlab::NodeId(q), &mut s);
        }
        for k in [0usize, 1, 5, 40, 41, usize::MAX] {
            for ef in [0usize, 1, 4, 5, 40, 1000, usize::MAX] {
                let got = idx.search(&data[3..6], k, ef, &mut s);
                match (k, ef) {
                    (0, _) => assert!(matches!(got.unwrap_err().kind(), ErrorKind::ZeroK), "{metric:?} k 0 ef {ef}"),
                    _ if ef < k => {
                        let e = got.unwrap_err();
                        assert_eq!(e.kind(), &ErrorKind::EfLessThanK { ef, k }, "{metric:?}");
                    }
                    _ => {
                        let hits = got.unwrap_or_else(|e| panic!("{metric:?} k {k} ef {ef}: {e}"));
                        assert_eq!(hits.len(), k.min(40).min(ef), "{metric:?} k {k} ef {ef}");
                        assert!(hits.windows(2).all(|w| w[0] <= w[1]), "{metric:?}: sorted");
                    }
                }
            }
        }
        for q in [vec![], vec![1.0], vec![1.0; 4], vec![f32::NAN, 0.0, 0.0], vec![0.0, f32::INFINITY, 0.0]] {
            let e = idx.search(&q, 1, 10, &mut s).unwrap_err();
            let ok = matches!(e.kind(), ErrorKind::DimensionMismatch { expected: 3, .. } | ErrorKind::NonFinite { .. });
            assert!(ok, "{metric:?} query {q:?}: {e:?}");
        }
    }
}

#[test]
fn every_strategy_rejects_out_of_range_threads() {
    println!("seed {SEED}");
    let data = synthetic::gaussian(30, 2, SEED);
    let p = params(Metric::L2);
    for s in registry::all() {
        for threads in [0usize, 1, 2, MAX_THREADS, MAX_THREADS + 1, 100_000, usize::MAX] {
            let input = BuildInput { dim: 2, params: &p, data: &data, threads };
            let got = s.build(&input, None);
            if (1..=MAX_THREADS).contains(&threads) {
                // Mutants may build a broken graph; the point is that the input is accepted.
                if threads <= 2 {
                    assert!(got.is_ok() || s.kind() == strategy::Kind::Mutant, "{} threads {threads}", s.name());
                }
            } else {
                let e = got.expect_err(&format!("{} accepted {threads} threads", s.name()));
                assert!(matches!(e.kind(), ErrorKind::InvalidParam { name: "threads", .. }), "{}: {e:?}", s.name());
            }
        }
    }
}

/// Rows that do not fill a whole number of `dim` floats are refused by
/// every strategy before any work, naming the stray floats; so is dim 0.
#[test]
fn every_strategy_names_a_partial_row() {
    let p = params(Metric::L2);
    let data = synthetic::gaussian(10, 3, SEED);
    for s in registry::strategies() {
        for (dim, len, stray) in [(3, 29, 2), (3, 28, 1), (4, 30, 2), (0, 30, 0)] {
            let input = BuildInput { dim, params: &p, data: &data[..len], threads: 2 };
            let e = s.build(&input, None).err().unwrap_or_else(|| panic!("{}: dim {dim}, {len} floats", s.name()));
            let named = matches!(e.kind(), ErrorKind::DimensionMismatch { expected, got } if *expected == dim && *got == stray)
                || (dim == 0 && matches!(e.kind(), ErrorKind::InvalidParam { name: "dim", .. }));
            assert!(named, "{}: dim {dim}, {len} floats: {e:?}", s.name());
        }
    }
}

#[test]
fn reserve_is_a_typed_error_for_sizes_no_machine_has() {
    for dim in [1usize, 3, 128, 65_536] {
        for n in [u32::MAX as usize, 1usize << 40, usize::MAX / 2, usize::MAX - 1, usize::MAX] {
            let mut h = Hnsw::new(dim, params(Metric::L2)).expect("index");
            let e = h.reserve(n).expect_err(&format!("reserve({n}) at dim {dim}"));
            let typed = matches!(
                e.kind(),
                ErrorKind::CapacityExceeded { .. } | ErrorKind::TooLarge { .. } | ErrorKind::AllocationFailed { .. }
            );
            assert!(typed, "reserve({n}) at dim {dim}: {e:?}");
            // The index still works after the refusal.
            h.insert(1, &vec![0.5; dim]).expect("insert after a refused reserve");
            h.reserve(10).expect("a small reserve");
        }
    }
}

/// Past the id space the refusal is the id bound itself, before any
/// allocation is tried: one slot more than `MAX_NODES` on an empty index, and
/// `MAX_NODES` more on an index that holds one node.
#[test]
fn reserving_past_the_id_space_is_a_capacity_error() {
    let max = hnswlab::index::MAX_NODES as usize;
    let capacity = |h: &mut Hnsw, n: usize| {
        let e = h.reserve(n).expect_err(&format!("reserve({n})"));
        assert!(matches!(e.kind(), ErrorKind::CapacityExceeded { .. }), "reserve({n}) with {} slots: {e:?}", h.slots());
    };
    let mut h = Hnsw::new(2, params(Metric::L2)).expect("index");
    for n in [max + 1, 1 << 40, usize::MAX] {
        capacity(&mut h, n);
    }
    h.insert(1, &[0.5, 0.5]).expect("insert");
    capacity(&mut h, max);
}

#[test]
fn distance_answer_does_not_depend_on_the_cpu() {
    // Every kernel this CPU has either agrees with the scalar one or (on
    // mismatched lengths) panics, and `try_distance` is the checked API.
    for len in 0..70usize {
        for extra in [0usize, 1, 7, 16] {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.25).collect();
            let b: Vec<f32> = (0..len + extra).map(|i| 1.0 - i as f32 * 0.5).collect();
            for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                let r = metric.try_distance(&a, &b);
                if extra == 0 {
                    assert!(r.is_ok(), "{metric:?} len {len}");
                } else {
                    assert_eq!(
                        r.unwrap_err().kind(),
                        &ErrorKind::DimensionMismatch { expected: len, got: len + extra },
                        "{metric:?}"
                    );
                    assert!(std::panic::catch_unwind(|| metric.distance(&a, &b)).is_err(), "{metric:?} {len}+{extra}");
                    assert!(std::panic::catch_unwind(|| metric.distance(&b, &a)).is_err(), "{metric:?} {len}+{extra}");
                }
            }
        }
    }
}
