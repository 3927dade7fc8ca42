//! Shared test fixtures: small real indexes, fabricated snapshots, and
//! assertions on the kinds of violations reported.

use std::collections::{BTreeSet, HashMap};

use hnswlab::{synthetic, Hnsw, InsertTrace, Layer, NodeId, Params, PrunePolicy, Snapshot};

use crate::{Expectations, Health, Violations};

/// Build parameters for the fixtures (efConstruction 32 keeps builds quick).
pub fn params(policy: PrunePolicy, m: usize, seed: u64) -> Params {
    Params::builder().m(m).ef_construction(32).prune(policy).seed(seed).build().expect("fixture parameters are valid")
}

/// A real index over `n` 2-d lattice points (coordinates in -3..=3, so ties and
/// duplicates occur), with the trace of every insert.
pub fn build(policy: PrunePolicy, m: usize, seed: u64, n: usize) -> (Hnsw, Vec<InsertTrace>) {
    build_from(policy, m, seed, &synthetic::lattice(n, 2, 3, seed))
}

/// A real index over 2-d `points`, with the trace of every insert.
pub fn build_from(policy: PrunePolicy, m: usize, seed: u64, points: &[f32]) -> (Hnsw, Vec<InsertTrace>) {
    let mut index = Hnsw::new(2, params(policy, m, seed)).expect("dim 2 is valid");
    let traces = points
        .chunks_exact(2)
        .enumerate()
        .map(|(i, v)| index.insert_traced(1000 + i as u64, v).expect("finite fixture vectors insert"))
        .collect();
    (index, traces)
}

/// The expectations for `index`: its own parameters, I6 on 16 queries, I8
/// with the insert count; I7 left at its 1000-node minimum (so skipped here).
pub fn expect_for(index: &Hnsw) -> Expectations {
    let mut e = Expectations::for_params(index.params());
    e.inserted = Some(hnswlab::GraphView::len(index));
    e
}

/// The kinds of the violations (without `Omitted`).
pub fn kinds(v: &Violations) -> BTreeSet<&'static str> {
    v.0.iter().map(|v| v.kind()).filter(|&k| k != "Omitted").collect()
}

/// Assert the check failed with exactly the kinds `expected`, and return the
/// violations.
#[track_caller]
pub fn assert_kinds<T: std::fmt::Debug>(result: Result<T, Violations>, expected: &[&str]) -> Violations {
    let v = match result {
        Ok(t) => panic!("expected violations {expected:?}, but the check passed: {t:?}"),
        Err(v) => v,
    };
    let want: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(kinds(&v), want, "violations reported:\n{v}");
    for x in &v.0 {
        let text = x.to_string();
        assert!(
            x.kind() == "Omitted" || text.starts_with(x.invariant()),
            "the message must name its invariant {}: {text}",
            x.invariant()
        );
    }
    v
}

/// Assert the check passed and return the health.
#[track_caller]
pub fn assert_pass(result: Result<Health, Violations>, what: &str) -> Health {
    match result {
        Ok(h) => h,
        Err(v) => panic!("{what}: expected a pass, got:\n{v}"),
    }
}

/// A snapshot of `levels.len()` nodes with the given levels, no edges, 1-d
/// vectors `[id]`, labels `id`, and a consistent entry point (the first
/// node of the highest level).
pub fn fabricate(levels: &[Layer]) -> Snapshot {
    let highest = levels.iter().copied().max().unwrap_or(Layer(0));
    let entry = levels.iter().position(|&l| l == highest).map(|i| NodeId(i as u32));
    Snapshot {
        dim: 1,
        metric: hnswlab::Metric::L2,
        m: 16,
        m0: 32,
        levels: levels.to_vec(),
        lists: levels.iter().map(|l| vec![Vec::new(); l.index() + 1]).collect(),
        entry,
        max_level: highest,
        vectors: (0..levels.len()).map(|i| i as f32).collect(),
        labels: (0..levels.len() as u64).collect(),
        ids: (0..levels.len() as u32).map(|i| (u64::from(i), NodeId(i))).collect::<HashMap<_, _>>(),
        slots: Vec::new(),
    }
}

/// The standard fixture: a Standard-policy index (m = 3) over 60 lattice
/// points, its snapshot and expectations. Asserts the clean graph passes, so
/// every planted defect below is the only thing wrong.
pub fn fixture(policy: PrunePolicy, seed: u64) -> (Snapshot, Expectations) {
    let (index, _) = build(policy, 3, seed, 60);
    let snap = Snapshot::of(&index);
    let expect = expect_for(&index);
    assert_pass(crate::check_all(&snap, &expect), "clean fixture");
    (snap, expect)
}

/// A node (not the entry point) of level `level` exactly whose layer-0 list
/// has room for one more link and is non-empty.
pub fn node_with_room(s: &Snapshot, level: u8) -> NodeId {
    (0..s.levels.len())
        .map(|i| NodeId(i as u32))
        .find(|&a| {
            Some(a) != s.entry
                && s.levels[a.index()].0 == level
                && !s.lists[a.index()][0].is_empty()
                && s.lists[a.index()][0].len() < s.m0
        })
        .expect("the fixture has such a node")
}
