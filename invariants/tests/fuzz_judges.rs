//! The fuzz harness's judges, each on both sides: silent on a right answer,
//! firing on a wrong one. A fuzz body is only as strong as the asserts it
//! makes; a judge that cannot fire (a weakened comparison, a dropped
//! field) would let every fuzz run pass, and the replays in
//! `fuzz_replay.rs` only ever show the silent side.

use std::panic::{catch_unwind, AssertUnwindSafe};

use hnswlab::{GraphView, Hnsw, Metric, Neighbour, NodeId, Params, PrunePolicy, Selection};
use hnswlab_invariants::fuzzing::*;
use hnswlab_invariants::{Health, LayerHealth};

fn fires(what: &str, f: impl FnOnce()) {
    assert!(catch_unwind(AssertUnwindSafe(f)).is_err(), "{what}: the judge stayed silent");
}

#[test]
fn expect_vector_names_each_defect_and_its_boundary() {
    let e = |m: Metric, dim: usize, v: &[f32]| {
        let x = Expect::vector(m, dim, v);
        (x.must, x.may)
    };
    assert_eq!(e(Metric::L2, 2, &[1.0, 2.0]), (vec![], vec![]));
    assert_eq!(e(Metric::L2, 3, &[1.0, 2.0]), (vec![Defect::Dim], vec![]));
    assert_eq!(e(Metric::L2, 1, &[1.0, 2.0]), (vec![Defect::Dim], vec![]));
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        assert_eq!(e(Metric::L2, 2, &[0.0, bad]), (vec![Defect::NonFinite], vec![]), "{bad}");
    }
    assert_eq!(e(Metric::L2, 3, &[f32::NAN]), (vec![Defect::Dim, Defect::NonFinite], vec![]));
    // The norm limit is f32::MAX / 4 for the squared norm: 8.5e37.
    let limit = (f64::from(f32::MAX) / 4.0).sqrt() as f32;
    assert_eq!(e(Metric::L2, 1, &[limit * 1.001]), (vec![Defect::Overflow], vec![]));
    // Exactly on the limit (within 1e-9): a coordinate just below it, and a
    // second one for the rest.
    let limit2 = f64::from(f32::MAX) / 4.0;
    let a = (0..64).map(|i| f32::from_bits(limit.to_bits() - i)).find(|&a| f64::from(a).powi(2) < limit2).unwrap();
    let b = (limit2 - f64::from(a).powi(2)).sqrt() as f32;
    assert_eq!(e(Metric::L2, 2, &[a, b]), (vec![], vec![Defect::Overflow]));
    assert_eq!(e(Metric::L2, 1, &[limit * 0.999]), (vec![], vec![]));
    assert_eq!(e(Metric::L2, 2, &[1e18, 1e18]), (vec![], vec![]));
    // Cosine: a zero vector must fail, one on the 1e-30 boundary may.
    assert_eq!(e(Metric::Cosine, 2, &[0.0, 0.0]), (vec![Defect::ZeroNorm], vec![]));
    assert_eq!(e(Metric::L2, 2, &[0.0, 0.0]), (vec![], vec![]));
    assert_eq!(e(Metric::InnerProduct, 2, &[0.0, 0.0]), (vec![], vec![]));
    assert_eq!(e(Metric::Cosine, 1, &[1e-30]), (vec![], vec![Defect::ZeroNorm]));
    assert_eq!(e(Metric::Cosine, 1, &[2e-30]), (vec![], vec![]));
    assert_eq!(e(Metric::Cosine, 1, &[0.5e-30]), (vec![Defect::ZeroNorm], vec![]));
}

fn index(metric: Metric) -> Hnsw {
    let p = Params::builder().m(2).ef_construction(8).metric(metric).seed(3).build().unwrap();
    let mut h = Hnsw::new(2, p).unwrap();
    for (i, v) in [[0.5, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 3.0], [1.0, 1.0]].iter().enumerate() {
        h.insert(10 + i as u64, v).unwrap();
    }
    h
}

#[test]
fn judge_accepts_exactly_the_defects_it_was_told() {
    let h = index(Metric::L2);
    let ok = h.search(&[0.0, 0.0], 2, 8);
    let dim = h.search(&[0.0, 0.0, 0.0], 2, 8);
    let nan = h.search(&[0.0, f32::NAN], 2, 8);
    let none = Expect::default();
    none.judge(&ok, None, &"a clean search");
    fires("an error where none was expected", || none.judge(&dim, None, &"dim"));
    let must_dim = Expect { must: vec![Defect::Dim], may: vec![] };
    fires("success where an error was required", || must_dim.judge(&ok, None, &"ok"));
    must_dim.judge(&dim, Some(&[0.0, 0.0, 0.0]), &"dim");
    let may_dim = Expect { must: vec![], may: vec![Defect::Dim] };
    may_dim.judge(&ok, None, &"ok");
    may_dim.judge(&dim, None, &"dim");
    fires("a different defect than the one expected", || must_dim.judge(&nan, None, &"nan"));
    // The error's fields are checked against the vector given.
    fires("DimensionMismatch naming another length", || must_dim.judge(&dim, Some(&[0.0; 4]), &"dim"));
    let must_nan = Expect { must: vec![Defect::NonFinite], may: vec![] };
    must_nan.judge(&nan, Some(&[0.0, f32::NAN]), &"nan");
    fires("NonFinite naming a finite coordinate", || must_nan.judge(&nan, Some(&[f32::NAN, 0.0]), &"nan"));
    fires("NonFinite naming a coordinate past the end", || must_nan.judge(&nan, Some(&[0.0]), &"nan"));
    fires("NonFinite with another bit pattern", || must_nan.judge(&nan, Some(&[0.0, f32::INFINITY]), &"nan"));
}

#[test]
fn each_error_kind_maps_to_its_defect() {
    let mut h = index(Metric::Cosine);
    let empty = Hnsw::new(2, Params::builder().m(2).build().unwrap()).unwrap();
    let cases: Vec<(hnswlab::Error, Defect)> = vec![
        (h.search(&[0.0], 1, 1).unwrap_err(), Defect::Dim),
        (h.search(&[f32::NAN, 0.0], 1, 1).unwrap_err(), Defect::NonFinite),
        (h.insert(99, &[3e38, 3e38]).unwrap_err(), Defect::Overflow),
        (h.insert(99, &[0.0, 0.0]).unwrap_err(), Defect::ZeroNorm),
        (h.insert(10, &[1.0, 0.0]).unwrap_err(), Defect::DuplicateLabel),
        (h.search(&[1.0, 0.0], 0, 4).unwrap_err(), Defect::ZeroK),
        (h.search(&[1.0, 0.0], 4, 2).unwrap_err(), Defect::EfBelowK),
        (empty.search(&[1.0, 0.0], 1, 1).unwrap_err(), Defect::Empty),
        (Params::builder().m(1).build().unwrap_err(), Defect::Param),
    ];
    for (e, d) in cases {
        assert_eq!(Defect::of(&e), d, "{e:?}");
    }
}

#[test]
fn check_results_fires_on_every_wrong_answer() {
    let h = index(Metric::L2);
    let q = [0.9, 0.1];
    let right = h.search(&q, 3, 16).unwrap();
    assert_eq!(right.len(), 3);
    check_results(&h, &q, 3, &right, true, &"right");
    check_results(&h, &q, 3, &right[..2], false, &"fewer than k, not exact");
    let with = |f: &dyn Fn(&mut Vec<Neighbour>)| {
        let mut r = right.clone();
        f(&mut r);
        r
    };
    let wrong: Vec<(&str, Vec<Neighbour>)> = vec![
        ("nothing", vec![]),
        ("more than k", with(&|r| r.push(Neighbour { label: 13, id: NodeId(3), distance: 11.7 }))),
        ("an id past the end", with(&|r| r[2].id = NodeId(9))),
        ("the wrong label", with(&|r| r[0].label += 1)),
        ("a wrong distance", with(&|r| r[1].distance *= 1.5)),
        ("out of order", with(&|r| r.swap(0, 1))),
        ("a repeat", with(&|r| r[2] = r[1])),
    ];
    for (what, r) in wrong {
        fires(what, || check_results(&h, &q, 3, &r, true, &what));
    }
    // Missing the true third nearest is a failure only of an exact search.
    let far = with(&|r| r[2] = h.search(&q, 5, 16).unwrap()[4]);
    check_results(&h, &q, 3, &far, false, &"not exact");
    fires("a non-exact answer to an exact search", || check_results(&h, &q, 3, &far, true, &"exact"));
    fires("fewer than k when exact", || check_results(&h, &q, 3, &right[..2], true, &"exact"));
    fires("a query prepare rejects", || check_results(&h, &[f32::NAN, 0.0], 3, &right, false, &"nan"));
}

#[test]
fn an_exhaustive_search_must_be_exact_only_over_a_connected_layer_0() {
    let health = |scc_count: usize, unreachable: usize| Health {
        layers: vec![LayerHealth { scc_count, unreachable, ..LayerHealth::default() }],
        ..Health::default()
    };
    assert!(must_be_exact(&health(1, 0), 3));
    assert!(must_be_exact(&health(1, 2), 3));
    assert!(!must_be_exact(&health(2, 0), 3));
    assert!(must_be_exact(&health(2, 0), 0));
    assert!(!must_be_exact(&health(2, 1), 0));
    assert!(!must_be_exact(&Health::default(), 0));
}

fn params_input() -> ParamsInput {
    ParamsInput {
        m: 2,
        m0: None,
        ef_construction: 1,
        ml: None,
        level_cap: None,
        seed: 0,
        selection: SelectionInput::Simple,
        prune: PruneInput::Standard,
        metric: MetricInput::L2,
        verify_inserts: false,
    }
}

/// Each documented range on both sides, and the builder agreeing with it
/// (`build` panics when the builder and `invalid` disagree).
#[test]
fn the_ops_params_ranges_are_the_builders() {
    let p = params_input();
    let cases: Vec<(ParamsInput, bool)> = vec![
        (p.clone(), false),
        (ParamsInput { m: 1, ..p.clone() }, true),
        (ParamsInput { m: 2, m0: Some(2), ..p.clone() }, false),
        (ParamsInput { m: 3, m0: Some(2), ..p.clone() }, true),
        (ParamsInput { m: 200, ..p.clone() }, false),
        (ParamsInput { ef_construction: 0, ..p.clone() }, true),
        (ParamsInput { level_cap: Some(32), ..p.clone() }, false),
        (ParamsInput { level_cap: Some(33), ..p.clone() }, true),
        (ParamsInput { ml: Some(0), ..p.clone() }, false),
    ];
    for (input, invalid) in cases {
        assert_eq!(input.invalid(), invalid, "{input:?}");
        assert_eq!(input.build().is_none(), invalid, "{input:?}");
    }
    let built = ParamsInput {
        m: 5,
        m0: Some(7),
        ef_construction: 9,
        ml: Some(31),
        level_cap: Some(4),
        seed: 77,
        selection: SelectionInput::Heuristic { extend_candidates: true, keep_pruned: false },
        prune: PruneInput::Symmetric,
        metric: MetricInput::Cosine,
        verify_inserts: true,
    }
    .build()
    .unwrap();
    assert_eq!((built.m(), built.m0(), built.ef_construction(), built.level_cap()), (5, 7, 9, 4));
    assert_eq!((built.ml(), built.seed(), built.verify_inserts()), (0.5, 77, true));
    assert_eq!(built.selection(), Selection::Heuristic { extend_candidates: true, keep_pruned: false });
    assert_eq!((built.prune(), built.metric()), (PrunePolicy::Symmetric, Metric::Cosine));
}

#[test]
fn the_input_mirrors_map_to_distinct_core_values() {
    assert_eq!(
        [MetricInput::L2, MetricInput::Ip, MetricInput::Cosine].map(MetricInput::metric),
        [Metric::L2, Metric::InnerProduct, Metric::Cosine]
    );
    assert_eq!(
        [PruneInput::Standard, PruneInput::Symmetric].map(PruneInput::policy),
        [PrunePolicy::Standard, PrunePolicy::Symmetric]
    );
    assert_eq!(SelectionInput::Simple.selection(), Selection::Simple);
    for (e, k) in [(false, false), (false, true), (true, false), (true, true)] {
        let s = SelectionInput::Heuristic { extend_candidates: e, keep_pruned: k };
        assert_eq!(s.selection(), Selection::Heuristic { extend_candidates: e, keep_pruned: k });
    }
    assert_eq!(fit(&[3, -4, 5], 2), [3.0, -4.0]);
    assert_eq!(fit(&[3], 3), [3.0, 0.0, 0.0]);
    assert_eq!(fit(&[], 0), Vec::<f32>::new());
}

fn params_fuzz_input() -> ParamsFuzzInput {
    ParamsFuzzInput {
        m: 2,
        m0: None,
        ef_construction: 1,
        ml_bits: None,
        level_cap: None,
        seed: 0,
        selection: SelectionInput::Simple,
        prune: PruneInput::Standard,
        metric: MetricInput::L2,
        dim: 2,
        inserts: 3,
        k: 1,
        ef: 1,
        verify_inserts: false,
        pattern: List(vec![]),
    }
}

/// The `params` body's ranges on both sides of each bound; the body itself
/// panics when the builder disagrees, so each case also runs it.
#[test]
fn the_params_body_ranges_are_the_builders() {
    let p = params_fuzz_input();
    let ml = |x: f64| Some(x.to_bits());
    let cases: Vec<(ParamsFuzzInput, bool)> = vec![
        (p.clone(), false),
        (ParamsFuzzInput { m: 1, ..p.clone() }, true),
        (ParamsFuzzInput { m: 1024, ..p.clone() }, false),
        (ParamsFuzzInput { m: 1025, ..p.clone() }, true),
        (ParamsFuzzInput { m: 4, m0: Some(4), ..p.clone() }, false),
        (ParamsFuzzInput { m: 4, m0: Some(3), ..p.clone() }, true),
        (ParamsFuzzInput { m0: Some(4096), ..p.clone() }, false),
        (ParamsFuzzInput { m0: Some(4097), ..p.clone() }, true),
        (ParamsFuzzInput { m: 1024, m0: None, ..p.clone() }, false),
        (ParamsFuzzInput { ef_construction: 0, ..p.clone() }, true),
        (ParamsFuzzInput { ef_construction: 1 << 20, ..p.clone() }, false),
        (ParamsFuzzInput { ef_construction: (1 << 20) + 1, ..p.clone() }, true),
        (ParamsFuzzInput { ml_bits: ml(10.0), ..p.clone() }, false),
        (ParamsFuzzInput { ml_bits: ml(10.5), ..p.clone() }, true),
        (ParamsFuzzInput { ml_bits: ml(1e-300), ..p.clone() }, false),
        (ParamsFuzzInput { ml_bits: ml(0.0), ..p.clone() }, true),
        (ParamsFuzzInput { ml_bits: ml(-1.0), ..p.clone() }, true),
        (ParamsFuzzInput { ml_bits: ml(f64::NAN), ..p.clone() }, true),
        (ParamsFuzzInput { ml_bits: ml(f64::INFINITY), ..p.clone() }, true),
        (ParamsFuzzInput { level_cap: Some(32), ..p.clone() }, false),
        (ParamsFuzzInput { level_cap: Some(33), ..p.clone() }, true),
    ];
    for (input, invalid) in cases {
        assert_eq!(input.invalid(), invalid, "{input:?}");
        params(&input);
    }
}

/// `reproducer` prints each target's input the way its test pastes it back.
#[test]
fn a_reproducer_is_printed_for_every_target_and_only_those() {
    let bytes = [1u8, 2, 3];
    for (target, _) in TARGETS {
        let r = reproducer(target, &bytes);
        assert!(r.as_deref().is_some_and(|s| !s.is_empty()), "{target}: {r:?}");
    }
    assert_eq!(reproducer("load_faiss", &bytes).as_deref(), Some("[1, 2, 3]"));
    assert_eq!(reproducer("load_hnswlab", &bytes).as_deref(), Some("[1, 2, 3]"));
    let ops = reproducer("ops", &[0u8; 64]).unwrap();
    assert!(ops.starts_with("OpsInput {") && ops.contains("params: ParamsInput {"), "{ops}");
    assert!(reproducer("params", &[0u8; 64]).unwrap().starts_with("ParamsFuzzInput {"));
    assert!(reproducer("exact", &[0u8; 64]).unwrap().starts_with("ExactInput {"));
    assert!(reproducer("strategies_agree", &[0u8; 64]).unwrap().starts_with("AgreeInput {"));
    assert_eq!(reproducer("no_such_target", &bytes), None);
    // Lists print as the Rust that rebuilds them.
    assert_eq!(format!("{:?}", List(vec![1u8, 2])), "List(vec![1, 2])");
    assert_eq!(format!("{:?}", List(vec![Int(-1), Nan])), "List(vec![Int(-1), Nan])");
}

fn ops_input(dim: u8, ops: Vec<Op>) -> OpsInput {
    OpsInput { params: ParamsInput { m: 3, ef_construction: 8, ..params_input() }, dim, ops: List(ops) }
}

/// Each body runs at its bounds and skips just past them, and reports what
/// it checked (`Ran`), exactly, on a small input.
#[test]
fn the_ops_body_runs_up_to_its_bounds_and_counts_what_it_checked() {
    let q = |n: usize| List(vec![Int(1); n]);
    let steps = || {
        vec![
            Insert { label: 1, v: List(vec![1, 2]) },
            Insert { label: 1, v: List(vec![3]) },
            InsertDuplicate { which: 0, v: List(vec![4]) },
            InsertRaw { label: 2, v: List(vec![Int(1), Nan]) },
            Insert { label: 3, v: List(vec![5, 5]) },
            Search { q: q(MAX_FUZZ_DIM), k: 1, ef: 4 },
            Search { q: q(MAX_FUZZ_DIM), k: 0, ef: 4 },
            SearchStored { which: 1, k: 2, ef: 2 },
            Check,
        ]
    };
    // Two inserts accepted (a duplicate label twice and a NaN refused), two
    // searches answered (k = 0 refused); checks: one per insert, the Check
    // op and the last.
    let want = Ran { inserts: 2, searches: 2, checks: 4, builds: 0 };
    assert_eq!(ops(&ops_input(MAX_FUZZ_DIM as u8, steps())), want);
    assert_eq!(ops(&ops_input(MAX_FUZZ_DIM as u8 + 1, steps())), Ran::default());
    assert_eq!(ops(&ops_input(0, steps())), Ran::default(), "dim 0 is refused by Hnsw::new");
    let checks = |n: usize| ops(&ops_input(2, vec![Check; n]));
    assert_eq!(checks(MAX_OPS), Ran { checks: MAX_OPS + 1, ..Ran::default() });
    assert_eq!(checks(MAX_OPS + 1), Ran::default());
    let invalid = OpsInput { params: ParamsInput { m: 1, ..params_input() }, ..ops_input(2, steps()) };
    assert_eq!(ops(&invalid), Ran::default());
}

fn agree_input(dim: u8, n: usize) -> AgreeInput {
    AgreeInput {
        params: ParamsInput { m: 3, ef_construction: 8, ..params_input() },
        dim,
        threads: 1,
        batch: 2,
        max_batch: 3,
        defect: None,
        points: List((0..n).map(|i| List(vec![i as i8, (i % 5) as i8])).collect()),
    }
}

/// Five registered strategies, a custom `Batched` and the custom
/// deterministic-parallel build on two thread counts: eight builds.
#[test]
fn strategies_agree_builds_every_strategy_up_to_its_bounds() {
    let eight = Ran { builds: 8, ..Ran::default() };
    assert_eq!(strategies_agree(&agree_input(MAX_FUZZ_DIM as u8, 5)), eight);
    assert_eq!(strategies_agree(&agree_input(MAX_FUZZ_DIM as u8 + 1, 5)), Ran::default());
    assert_eq!(strategies_agree(&agree_input(1, MAX_POINTS)), eight);
    assert_eq!(strategies_agree(&agree_input(1, MAX_POINTS + 1)), Ran::default());
    let nan = AgreeInput { defect: Some((1, 0, Nan)), ..agree_input(2, 5) };
    assert_eq!(strategies_agree(&nan), Ran::default(), "every strategy refuses the rows");
    // The defect's row and column wrap around the rows and the dimension.
    let far = AgreeInput { defect: Some((203, 41, Int(3))), ..agree_input(2, 5) };
    assert_eq!(strategies_agree(&far), eight);
}

/// The input's thread byte maps onto one, two or three worker threads, all
/// three reached, in turn.
#[test]
fn the_agree_thread_byte_maps_onto_one_to_three_threads() {
    let threads = |t: u8| AgreeInput { threads: t, ..agree_input(2, 3) }.worker_threads();
    let all: Vec<usize> = (0..=u8::MAX).map(threads).collect();
    assert_eq!(&all[..6], &[1, 2, 3, 1, 2, 3]);
    assert!(all.iter().all(|t| (1..=3).contains(t)), "{all:?}");
    assert_eq!(threads(u8::MAX), 1);
}

fn exact_input(dim: u8, points: usize, queries: usize) -> ExactInput {
    ExactInput {
        params: ParamsInput { m: 3, ef_construction: 8, ..params_input() },
        dim,
        queries: List((0..queries).map(|i| Query { q: List(vec![i as i8]), k: 0, extra_ef: 1 }).collect()),
        points: List((0..points).map(|i| List(vec![i as i8, 1])).collect()),
    }
}

#[test]
fn the_exact_body_runs_up_to_its_bounds() {
    let ran = |points: usize, queries: usize| Ran { inserts: points, searches: queries, checks: 1, builds: 0 };
    assert_eq!(exact(&exact_input(1, 3, 2)), ran(3, 2));
    assert_eq!(exact(&exact_input(MAX_FUZZ_DIM as u8, MAX_POINTS, MAX_QUERIES)), ran(MAX_POINTS, MAX_QUERIES));
    assert_eq!(exact(&exact_input(0, 3, 2)), Ran::default());
    assert_eq!(exact(&exact_input(MAX_FUZZ_DIM as u8 + 1, 3, 2)), Ran::default());
    assert_eq!(exact(&exact_input(2, MAX_POINTS + 1, 2)), Ran::default());
    assert_eq!(exact(&exact_input(2, 3, MAX_QUERIES + 1)), Ran::default());
    assert_eq!(exact(&exact_input(2, 0, 2)), Ran { checks: 1, ..Ran::default() }, "an empty index answers nothing");
}

#[test]
fn the_params_body_inserts_searches_and_checks() {
    let p = ParamsFuzzInput { inserts: 3, k: 2, ef: 4, ..params_fuzz_input() };
    assert_eq!(params(&p), Ran { inserts: 3, searches: 1, checks: 1, builds: 0 });
    let pattern = |n: usize| ParamsFuzzInput { pattern: List(vec![Int(2); n]), ..p.clone() };
    assert_eq!(params(&pattern(64)).inserts, 3);
    assert_eq!(params(&pattern(65)), Ran::default());
    assert_eq!(params(&ParamsFuzzInput { k: 0, ..p.clone() }).searches, 0, "k = 0 is refused");
    assert_eq!(params(&ParamsFuzzInput { dim: 0, ..p.clone() }), Ran::default(), "dim 0 is refused");
    assert_eq!(params(&ParamsFuzzInput { m: 1, ..p.clone() }), Ran::default(), "invalid parameters");
}

/// The thread-count judge of `strategies_agree` compares a build on several
/// threads with one on a single thread: silent for the deterministic-parallel
/// build, firing for segment-parallel (whose segments are its threads), and
/// silent again when both runs use one thread.
#[test]
fn the_thread_count_judge_sees_a_graph_that_depends_on_threads() {
    use hnswlab::strategy::deterministic_parallel::DeterministicParallel;
    use hnswlab::strategy::segment_parallel::SegmentParallel;
    use hnswlab::strategy::BuildInput;
    let seed = 11;
    println!("seed {seed}");
    let dim = 2;
    let params = Params::builder().m(3).ef_construction(12).seed(seed).build().unwrap();
    let data = hnswlab::synthetic::gaussian(48, dim, seed);
    let on = |threads| BuildInput { dim, params: &params, data: &data, threads };
    let dp = DeterministicParallel { max_batch: 4 };
    for threads in [1, 2, 3] {
        assert_eq!(depends_on_threads(&dp, &on(threads)), Some(false), "DP on {threads} threads");
    }
    assert_eq!(depends_on_threads(&SegmentParallel, &on(2)), Some(true), "two segments against one");
    assert_eq!(depends_on_threads(&SegmentParallel, &on(1)), Some(false), "one segment both times");
    let no_dim = BuildInput { dim: 0, ..on(2) };
    assert_eq!(depends_on_threads(&dp, &no_dim), None, "a failed build gives no verdict");
}

/// The loaded-file search judge of `load_hnswlab`: silent on a real answer,
/// firing on too few (none without tombstones) or too many results, a
/// tombstone returned, results out of order, or a label that maps elsewhere;
/// with a tombstone, an empty answer is allowed.
#[test]
fn the_loaded_search_judge_fires_on_every_wrong_answer() {
    let mut h = index(Metric::L2);
    let q = h.vector(NodeId(0)).to_vec();
    let found = h.search(&q, 3, 16).unwrap();
    assert_eq!(found.len(), 3);
    judge_loaded_search(&h, 0, 3, &found);
    judge_loaded_search(&h, 0, 3, &found[..1]);
    fires("no result without tombstones", || judge_loaded_search(&h, 0, 3, &[]));
    fires("more than k", || judge_loaded_search(&h, 0, 2, &found));
    let reversed: Vec<Neighbour> = found.iter().rev().copied().collect();
    fires("out of order", || judge_loaded_search(&h, 0, 3, &reversed));
    let mut relabelled = found.clone();
    relabelled[1].label = relabelled[2].label;
    fires("a label of another id", || judge_loaded_search(&h, 0, 3, &relabelled));

    h.delete(h.label(found[1].id)).unwrap();
    judge_loaded_search(&h, 0, 3, &[]);
    fires("a tombstone returned", || judge_loaded_search(&h, 0, 3, &found));
    let live: Vec<Neighbour> = found.iter().filter(|n| n.id != found[1].id).copied().collect();
    judge_loaded_search(&h, 0, 3, &live);
}

/// The `params` body's rows: the pattern repeated to the dimension, one
/// coordinate moved by the row's number, so the rows it inserts are distinct.
#[test]
fn the_params_rows_are_the_pattern_moved_by_the_row_number() {
    assert_eq!(params_row(&[0.5, -1.0], 3, 0), [0.5, -1.0, 0.5]);
    assert_eq!(params_row(&[0.5, -1.0], 3, 1), [0.5, 0.0, 0.5]);
    assert_eq!(params_row(&[0.5, -1.0], 3, 5), [0.5, -1.0, 5.5]);
    assert_eq!(params_row(&[2.0], 1, 4), [6.0]);
    let rows: Vec<Vec<f32>> = (0..9).map(|i| params_row(&[1.0], 2, i)).collect();
    for (i, a) in rows.iter().enumerate() {
        assert!(rows[i + 1..].iter().all(|b| a != b), "row {i} repeats: {rows:?}");
    }
}
