//! Every `ErrorKind` variant is reached by a bad input, and a failed insert
//! leaves the index exactly as it was (length and canonical snapshot bytes).
//!
//! `CapacityExceeded` is the exception: it needs `MAX_NODES` = 2^32 - 2 stored
//! nodes (tens of GiB even at dim 1), so it cannot be reached cheaply in a
//! test. Its guard (`len >= MAX_NODES` in `Hnsw::allocate_prepared`) runs
//! before anything is written, like the other insert errors checked below.

use hnswlab::{ErrorKind, Hnsw, Metric, Params, Snapshot};

fn small(metric: Metric) -> Hnsw {
    let params = Params::builder().m(4).ef_construction(16).seed(11).metric(metric).build().expect("valid params");
    let mut index = Hnsw::new(3, params).expect("dim 3 is valid");
    for (label, v) in [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]].iter().enumerate() {
        index.insert(label as u64 + 100, v).expect("valid insert");
    }
    index
}

/// The kind of an `Err`, or a panic naming what was returned instead.
fn kind<T: std::fmt::Debug>(what: &str, r: hnswlab::Result<T>) -> ErrorKind {
    match r {
        Ok(v) => panic!("{what}: expected an error, got Ok({v:?})"),
        Err(e) => {
            // The Display text is part of the contract: it must name the problem.
            assert!(!e.to_string().is_empty(), "{what}: empty error message");
            e.kind().clone()
        }
    }
}

/// Insert `v` under `label` expecting an error; assert that the index did not change.
fn rejected_insert(index: &mut Hnsw, label: u64, v: &[f32]) -> ErrorKind {
    let len = index.len();
    let before = Snapshot::of(index).to_bytes();
    let k = kind(&format!("insert({label}, {v:?})"), index.insert(label, v));
    assert_eq!(index.len(), len, "len changed by a failed insert of {v:?}: {k:?}");
    assert!(Snapshot::of(index).to_bytes() == before, "snapshot bytes changed by a failed insert of {v:?} ({k:?})");
    // The failed label must not be half-registered: a valid insert under it still works
    // unless the label was the problem.
    k
}

#[test]
fn non_finite_coordinates_are_rejected_and_leave_the_index_unchanged() {
    for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
        let mut index = small(metric);
        for (i, bad) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].into_iter().enumerate() {
            let mut v = vec![0.5, 0.5, 0.5];
            v[i] = bad;
            let k = rejected_insert(&mut index, 999, &v);
            match k {
                ErrorKind::NonFinite { coordinate, value } => {
                    assert_eq!(coordinate, i, "{metric:?}: coordinate of {v:?}");
                    assert!(
                        value.is_nan() == bad.is_nan() && (bad.is_nan() || value == bad),
                        "{metric:?}: value reported {value}, expected {bad}"
                    );
                }
                other => panic!("{metric:?}: expected NonFinite for {v:?}, got {other:?}"),
            }
            // The label 999 was not consumed by the failed insert.
            index.insert(999, &[0.5, 0.25, 0.5]).expect("label 999 still free");
            let k = rejected_insert(&mut index, 1000, &v);
            assert!(matches!(k, ErrorKind::NonFinite { .. }), "{k:?}");
            index = small(metric);
        }
        // Finite coordinates whose squared norm overflows f32 are too large,
        // and the message says so instead of naming a coordinate.
        for huge in [vec![f32::MAX, f32::MAX, 0.0], vec![1e19, 0.0, 0.0], vec![-2e19, 1.0, 1.0]] {
            let k = rejected_insert(&mut index, 7, &huge);
            assert!(
                matches!(k, ErrorKind::NormTooLarge { norm2, .. } if norm2 > hnswlab::distance::MAX_NORM2),
                "{metric:?}: expected NormTooLarge for {huge:?}, got {k:?}"
            );
            let text = k.to_string();
            assert!(!text.contains("non-finite") && !text.contains(&usize::MAX.to_string()), "{text}");
        }
        // A query is validated the same way.
        let k = kind("search NaN", index.search(&[f32::NAN, 0.0, 0.0], 1, 10));
        assert!(matches!(k, ErrorKind::NonFinite { coordinate: 0, .. }), "{k:?}");
    }
}

#[test]
fn dimension_mismatch_on_insert_and_search() {
    let mut index = small(Metric::L2);
    for v in [vec![], vec![1.0], vec![1.0, 2.0], vec![1.0, 2.0, 3.0, 4.0]] {
        let got = v.len();
        let k = rejected_insert(&mut index, 500, &v);
        assert_eq!(k, ErrorKind::DimensionMismatch { expected: 3, got }, "insert of a length-{got} vector");
        let k = kind("search", index.search(&v, 1, 4));
        assert_eq!(k, ErrorKind::DimensionMismatch { expected: 3, got });
    }
}

#[test]
fn zero_vector_under_cosine() {
    let mut index = small(Metric::Cosine);
    for v in [[0.0f32, 0.0, 0.0], [-0.0, 0.0, -0.0], [1e-40, 0.0, 0.0]] {
        let k = rejected_insert(&mut index, 42, &v);
        assert!(
            matches!(k, ErrorKind::ZeroVector { norm } if norm < 1e-30),
            "cosine insert of {v:?}: expected ZeroVector, got {k:?}"
        );
        let k = kind("cosine search of zero", index.search(&v, 1, 4));
        assert!(matches!(k, ErrorKind::ZeroVector { .. }), "{k:?}");
    }
    // Under L2 the zero vector is an ordinary point.
    let mut l2 = small(Metric::L2);
    l2.insert(42, &[0.0, 0.0, 0.0]).expect("zero vector is fine under L2");
    assert_eq!(l2.len(), 5);
}

#[test]
fn bad_k_and_ef() {
    let index = small(Metric::L2);
    let q = [0.1, 0.2, 0.3];
    assert_eq!(kind("k = 0", index.search(&q, 0, 10)), ErrorKind::ZeroK);
    assert_eq!(kind("k = 0, ef = 0", index.search(&q, 0, 0)), ErrorKind::ZeroK);
    for (k, ef) in [(2, 1), (10, 9), (5, 0)] {
        assert_eq!(
            kind("ef < k", index.search(&q, k, ef)),
            ErrorKind::EfLessThanK { ef, k },
            "search(k = {k}, ef = {ef})"
        );
    }
    // ef == k is allowed, and k > n returns n results.
    assert_eq!(index.search(&q, 3, 3).expect("ef == k").len(), 3);
    assert_eq!(index.search(&q, 10, 10).expect("k > n").len(), 4);
}

#[test]
fn search_on_an_empty_index() {
    let index = Hnsw::new(2, Params::builder().m(4).build().unwrap()).unwrap();
    assert_eq!(kind("empty", index.search(&[0.0, 0.0], 1, 1)), ErrorKind::EmptyIndex);
    // Argument errors are reported before emptiness.
    assert_eq!(kind("empty, k = 0", index.search(&[0.0, 0.0], 0, 1)), ErrorKind::ZeroK);
}

#[test]
fn duplicate_label_is_rejected_and_leaves_the_index_unchanged() {
    let mut index = small(Metric::L2);
    for label in [100u64, 103] {
        // Same vector or another one: the label is the problem.
        for v in [[0.0, 0.0, 1.0], [9.0, 9.0, 9.0]] {
            let k = rejected_insert(&mut index, label, &v);
            assert_eq!(k, ErrorKind::DuplicateLabel { label }, "insert({label}, {v:?})");
        }
    }
    // The same vector under a fresh label is fine (duplicates of vectors are allowed).
    index.insert(7, &[0.0, 0.0, 1.0]).expect("fresh label");
    assert_eq!(index.len(), 5);
}

/// Expect `InvalidParam { name, .. }` from a builder.
fn invalid(what: &str, r: hnswlab::Result<Params>, name: &str) {
    match kind(what, r) {
        ErrorKind::InvalidParam { name: got, .. } => {
            assert_eq!(got, name, "{what}: wrong parameter blamed")
        }
        other => panic!("{what}: expected InvalidParam {{ name: {name} }}, got {other:?}"),
    }
}

#[test]
fn absurd_parameters() {
    let b = Params::builder;
    for m in [0, 1, 5000] {
        invalid(&format!("m = {m}"), b().m(m).build(), "m");
    }
    invalid("m0 < m", b().m(8).m0(7).build(), "m0");
    invalid("m0 > 4096", b().m(8).m0(5000).build(), "m0");
    invalid("ef_construction 0", b().ef_construction(0).build(), "ef_construction");
    invalid("ef_construction huge", b().ef_construction(1 << 21).build(), "ef_construction");
    for ml in [f64::NAN, -1.0, 0.0, f64::INFINITY, 11.0] {
        invalid(&format!("ml = {ml}"), b().ml(ml).build(), "ml");
    }
    invalid("level_cap 200", b().level_cap(200).build(), "level_cap");
    let ok = b().m(4).build().unwrap();
    let k = kind("dim 0", Hnsw::new(0, ok.clone()));
    assert!(matches!(k, ErrorKind::InvalidParam { name: "dim", .. }), "dim 0: {k:?}");
    let k = kind("dim 2^16 + 1", Hnsw::new((1 << 16) + 1, ok));
    assert!(matches!(k, ErrorKind::InvalidParam { name: "dim", .. }), "{k:?}");
    // The boundaries themselves are accepted.
    for p in [
        b().m(2).build(),
        b().m(1024).build(),
        b().m(8).m0(8).build(),
        b().ef_construction(1).build(),
        b().level_cap(32).build(),
        b().level_cap(0).build(),
        b().ml(10.0).build(),
    ] {
        p.expect("boundary value accepted");
    }
}
