//! Both sides of every structural boundary, on every layer, for both
//! checkers (the core's `validate::check`, which `Hnsw::from_view` and the
//! loaders use, and `check_all`): a list at its layer's capacity passes and
//! one link more fails, above layer 0 (capacity m) as on layer 0 (m0 = 2m, so
//! an upper list of m+1..=m0 links is legal on layer 0 and illegal above); a
//! stored max level one below, equal to and one above the highest node.

use hnswlab::{check, Defect, GraphView, Hnsw, Layer, NodeId, Params, Snapshot};
use hnswlab_invariants::{check_all, Expectations};

const M: usize = 3;

/// A built graph with a non-entry node of level >= 1 and at least m0 + 1
/// other nodes of level >= 1 to link to.
fn fixture() -> (Snapshot, Expectations, NodeId, Vec<NodeId>) {
    for seed in 0..100u64 {
        let params = Params::builder().m(M).ef_construction(16).seed(seed).build().unwrap();
        let mut h = Hnsw::new(2, params.clone()).unwrap();
        for (i, p) in hnswlab::synthetic::gaussian(120, 2, seed).chunks_exact(2).enumerate() {
            h.insert(i as u64, p).unwrap();
        }
        let s = Snapshot::of(&h);
        let upper: Vec<NodeId> = (0..s.len() as u32).map(NodeId).filter(|&i| s.level(i) >= Layer(1)).collect();
        let Some(&x) = upper.iter().find(|&&i| Some(i) != s.entry) else { continue };
        let others: Vec<NodeId> = upper.iter().copied().filter(|&i| i != x).collect();
        if others.len() > 2 * M {
            println!("boundary fixture: seed {seed}, node {x}, {} upper nodes", upper.len());
            let e = Expectations { exact_queries: 0, level_law: None, ..Expectations::for_params(&params) };
            return (s, e, x, others);
        }
    }
    panic!("no seed in 0..100 gives enough upper-layer nodes");
}

fn core_kinds(s: &Snapshot) -> Vec<String> {
    check(s).iter().map(|d| format!("{d:?}").split([' ', '{']).next().unwrap_or("").to_string()).collect()
}

fn invariant_kinds(s: &Snapshot, e: &Expectations) -> Vec<String> {
    match check_all(s, e) {
        Ok(_) => Vec::new(),
        Err(v) => v.0.iter().map(|x| x.kind().to_string()).collect(),
    }
}

#[test]
fn list_capacity_on_each_layer_both_sides() {
    let (s, e, x, others) = fixture();
    let m0 = s.m0;
    assert_eq!(m0, 2 * M);
    for (layer, cap) in [(Layer(0), m0), (Layer(1), M)] {
        for len in [cap - 1, cap, cap + 1, m0 + 1] {
            let mut t = s.clone();
            t.lists[x.index()][layer.index()] = others[..len].to_vec();
            let too_long = len > cap;
            println!("layer {layer}, capacity {cap}, {len} links: too long = {too_long}");
            let core = core_kinds(&t);
            assert_eq!(core.iter().any(|k| k == "ListTooLong"), too_long, "core, {layer} len {len}: {core:?}");
            if too_long {
                let d = check(&t);
                assert!(
                    d.contains(&Defect::ListTooLong { node: x, layer, len, capacity: cap }),
                    "core names node, layer, length and capacity: {d:?}"
                );
            }
            let inv = invariant_kinds(&t, &e);
            assert_eq!(inv.iter().any(|k| k == "ListTooLong"), too_long, "check_all, {layer} len {len}: {inv:?}");
        }
    }
}

#[test]
fn stored_max_level_below_at_and_above_the_top_node() {
    let (s, e, _, _) = fixture();
    let top = s.max_level;
    assert!(top >= Layer(1));
    for (stored, ok) in [(Layer(top.0 - 1), false), (top, true), (Layer(top.0 + 1), false)] {
        let mut t = s.clone();
        t.max_level = stored;
        println!("stored max level {stored}, top node level {top}: ok = {ok}");
        let core = core_kinds(&t);
        assert_eq!(core.iter().any(|k| k == "MaxLevelMismatch"), !ok, "core, stored {stored}: {core:?}");
        let inv = invariant_kinds(&t, &e);
        assert_eq!(inv.iter().any(|k| k == "MaxLevelMismatch"), !ok, "check_all, stored {stored}: {inv:?}");
    }
}

#[test]
fn entry_point_level_below_and_at_the_top() {
    let (s, e, x, _) = fixture();
    let top = s.max_level;
    let below = (0..s.len() as u32).map(NodeId).find(|&i| s.level(i) < top && s.level(i) >= Layer(1)).unwrap_or(x);
    for (entry, ok) in [(s.entry.unwrap(), true), (below, s.level(below) == top)] {
        let mut t = s.clone();
        t.entry = Some(entry);
        let core = core_kinds(&t);
        assert_eq!(core.iter().any(|k| k == "EntryPointNotOnTop"), !ok, "core, entry {entry}: {core:?}");
        let inv = invariant_kinds(&t, &e);
        assert_eq!(inv.is_empty(), ok, "check_all, entry {entry}: {inv:?}");
    }
}
