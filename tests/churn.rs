//! Deletes, updates and slot reuse in the core: the post-conditions each
//! operation documents, on small duplicate-rich data where HNSW bugs show,
//! each beside the mutant it would catch.

use hnswlab::churn::{self, DeletePolicy};
use hnswlab::mutants::churn as mutants;
use hnswlab::oracle::exact_knn;
use hnswlab::synthetic::{lattice, Rng};
use hnswlab::validate::{check, Defect};
use hnswlab::{ErrorKind, GraphView, Hnsw, Layer, NodeId, Params, Slot};

const DIM: usize = 3;

fn index(seed: u64, n: usize) -> (Hnsw, Vec<f32>) {
    println!("seed {seed}");
    let params = Params::builder().m(4).ef_construction(32).seed(seed).build().unwrap();
    let mut h = Hnsw::new(DIM, params).unwrap();
    let points = lattice(n, DIM, 3, seed);
    for (i, v) in points.chunks(DIM).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    (h, points)
}

/// Every `step`-th label from `from`, deleted.
fn delete_every(h: &mut Hnsw, policy: &dyn DeletePolicy, n: usize, from: usize, step: usize) -> Vec<u64> {
    let labels: Vec<u64> = (from..n).step_by(step).map(|l| l as u64).collect();
    policy.delete(h, &labels).unwrap();
    labels
}

/// Searches return only live labels, `k` of them (F14's break), on a graph
/// where half the nodes, the entry point among them, are tombstones.
fn assert_live_and_full(h: &Hnsw, points: &[f32], deleted: &[u64], search: impl Fn(&[f32]) -> Vec<u64>) {
    for q in points.chunks(DIM) {
        let got = search(q);
        assert_eq!(got.len(), 5, "query {q:?}: {got:?} is short of k = 5");
        for l in &got {
            assert!(!deleted.contains(l), "query {q:?} returned deleted label {l}");
            assert!(h.id_of(*l).is_some());
        }
    }
}

#[test]
fn tombstones_are_walked_but_never_returned_and_searches_stay_full() {
    let (mut h, points) = index(11, 300);
    let entry_label = h.label(h.entry_point().unwrap());
    let mut deleted = delete_every(&mut h, &churn::tombstone::Tombstone, 300, 0, 2);
    if !deleted.contains(&entry_label) {
        h.delete(entry_label).unwrap();
        deleted.push(entry_label);
    }
    assert_eq!(h.len(), 300 - deleted.len());
    assert_eq!(h.slots(), 300);
    assert_eq!(h.delete(deleted[0]).unwrap_err().kind(), &ErrorKind::UnknownLabel { label: deleted[0] });
    assert!(check(&h).is_empty(), "{:?}", check(&h));
    assert_live_and_full(&h, &points, &deleted, |q| h.search(q, 5, 5).unwrap().iter().map(|n| n.label).collect());
}

#[test]
fn filtering_tombstones_after_the_bound_returns_short_lists() {
    let (mut h, points) = index(11, 300);
    let deleted = delete_every(&mut h, &churn::tombstone::Tombstone, 300, 0, 2);
    let short =
        points.chunks(DIM).filter(|q| mutants::search_filter_after_bound(&h, q, 5, 5).unwrap().len() < 5).count();
    assert!(short > 0, "F14 must return short lists here (deleted {})", deleted.len());
}

#[test]
fn a_deleted_label_is_absent_and_free_for_a_new_vector() {
    let (mut h, _) = index(3, 50);
    let id = h.delete(7).unwrap();
    assert_eq!(h.id_of(7), None);
    assert_eq!(h.slot(id), Slot::Deleted);
    let again = h.insert(7, &[0.5, 0.5, 0.5]).unwrap();
    assert_ne!(again, id);
    assert_eq!(h.id_of(7), Some(again));
}

#[test]
fn the_mutant_that_keeps_the_label_leaves_it_mapped_to_a_tombstone() {
    let (mut h, _) = index(3, 50);
    mutants::DeleteKeepsLabel.delete(&mut h, &[7]).unwrap();
    let id = h.id_of(7).expect("F16 keeps the label");
    assert!(h.is_deleted(id), "the kept label names a tombstone");
}

/// After `consolidate`: no edge into a non-live slot, every dead slot free,
/// the entry point live and on the top live level.
fn assert_consolidated(h: &Hnsw) {
    assert!(check(h).is_empty(), "{:?}", check(h));
    for id in (0..h.slots() as u32).map(NodeId) {
        if h.is_deleted(id) {
            assert_eq!(h.slot(id), Slot::Free);
            continue;
        }
        for l in 0..=h.level(id).0 {
            for &b in h.neighbours(id, Layer(l)) {
                assert!(!h.is_deleted(b), "{id} -> {b} on layer {l}: {b} is not live");
            }
        }
    }
    let e = h.entry_point().expect("live nodes remain");
    let top = (0..h.slots() as u32).map(NodeId).filter(|&i| !h.is_deleted(i)).map(|i| h.level(i)).max();
    assert!(!h.is_deleted(e));
    assert_eq!(Some(h.level(e)), top);
    assert_eq!(h.max_level(), h.level(e));
}

#[test]
fn consolidation_leaves_no_edge_into_a_dead_slot_and_a_live_maximal_entry_point() {
    for seed in [1, 2, 3] {
        let (mut h, points) = index(seed, 400);
        let entry_label = h.label(h.entry_point().unwrap());
        let mut labels: Vec<u64> = (0..400).step_by(3).map(|l| l as u64).collect();
        if !labels.contains(&entry_label) {
            labels.push(entry_label);
        }
        churn::consolidate::Consolidate.delete(&mut h, &labels).unwrap();
        assert_consolidated(&h);
        assert_eq!(h.len(), 400 - labels.len());
        assert_live_and_full(&h, &points, &labels, |q| h.search(q, 5, 5).unwrap().iter().map(|n| n.label).collect());
        // Freed slots are reused, lowest first, and linked like new nodes.
        let first_free = (0..400u32).map(NodeId).find(|&i| h.slot(i) == Slot::Free).unwrap();
        let id = churn::consolidate::Consolidate.insert(&mut h, 10_000, &[0.25, 0.5, 0.75]).unwrap();
        assert_eq!(id, first_free);
        assert!(check(&h).is_empty());
        assert_eq!(h.search(&[0.25, 0.5, 0.75], 1, 16).unwrap()[0].label, 10_000);
    }
}

/// `consolidate`'s report against a plain count made before it: every list
/// (live node, layer) that held a tombstone is re-selected, every tombstone
/// freed, a new entry point chosen when the old one was deleted, and some
/// bridges laid.
#[test]
fn consolidation_reports_the_lists_it_repaired_and_the_slots_it_freed() {
    for seed in [4, 5] {
        let (mut h, _) = index(seed, 200);
        let entry_label = h.label(h.entry_point().unwrap());
        let deleted = delete_every(&mut h, &churn::tombstone::Tombstone, 200, 1, 4);
        let mut holding = 0;
        for id in (0..h.slots() as u32).map(NodeId).filter(|&i| !h.is_deleted(i)) {
            for l in 0..=h.level(id).0 {
                holding += usize::from(h.neighbours(id, Layer(l)).iter().any(|&b| h.is_deleted(b)));
            }
        }
        assert!(holding > 0, "seed {seed}: no live list holds a tombstone");
        let done = h.consolidate().unwrap();
        assert_eq!(done.lists_repaired, holding, "seed {seed}: lists re-selected");
        assert_eq!(done.freed, deleted.len(), "seed {seed}: tombstones freed");
        assert_eq!(done.new_entry, deleted.contains(&entry_label), "seed {seed}: new entry point");
        // Bridges come last and only append: they are the links a
        // consolidation without them leaves out.
        let links = |h: &Hnsw| -> usize {
            (0..h.slots() as u32)
                .map(NodeId)
                .map(|u| (0..=h.level(u).0).map(|l| h.neighbours(u, Layer(l)).len()).sum::<usize>())
                .sum()
        };
        let (mut unbridged, _) = index(seed, 200);
        mutants::ConsolidateWithoutBridges.delete(&mut unbridged, &deleted).unwrap();
        assert!(done.bridges > 0, "seed {seed}: {done:?}");
        assert_eq!(done.bridges, links(&h) - links(&unbridged), "seed {seed}: bridges laid");
        assert_consolidated(&h);
    }
}

#[test]
fn a_consolidation_with_a_cached_entry_point_or_only_layer_0_leaves_defects() {
    let (h0, _) = index(2, 400);
    let entry_label = h0.label(h0.entry_point().unwrap());
    let mut labels: Vec<u64> = (0..400).step_by(3).map(|l| l as u64).collect();
    if !labels.contains(&entry_label) {
        labels.push(entry_label);
    }
    let (mut h, _) = index(2, 400);
    mutants::CachedEntryPoint.delete(&mut h, &labels).unwrap();
    let defects = check(&h);
    assert!(defects.iter().any(|d| matches!(d, Defect::EntryPointFree { .. })), "{defects:?}");
    let (mut h, _) = index(2, 400);
    assert!(h.max_level().0 >= 1, "the fixture has upper layers");
    mutants::ConsolidateLayer0Only.delete(&mut h, &labels).unwrap();
    let defects = check(&h);
    assert!(defects.iter().any(|d| matches!(d, Defect::LinkToFreeSlot { layer, .. } if layer.0 >= 1)), "{defects:?}");
}

#[test]
fn replacing_reuses_the_lowest_deleted_slot_with_its_level_and_the_new_label() {
    let (mut h, _) = index(5, 200);
    h.delete(40).unwrap();
    h.delete(9).unwrap();
    let nine = NodeId(9);
    let level = h.level(nine);
    let id = h.insert_replacing(500, &[1.5, 1.5, 1.5]).unwrap();
    assert_eq!((id, h.level(id)), (nine, level));
    assert_eq!((h.id_of(500), h.id_of(9), h.slot(id)), (Some(id), None, Slot::Live));
    assert_eq!(h.len(), 199);
    assert!(check(&h).is_empty());
    assert_eq!(h.search(&[1.5, 1.5, 1.5], 1, 16).unwrap()[0].label, 500);
    assert_eq!(h.insert_replacing(500, &[0.0; 3]).unwrap_err().kind(), &ErrorKind::DuplicateLabel { label: 500 });
}

#[test]
fn an_update_moves_the_vector_and_search_finds_it_there() {
    let (mut h, points) = index(8, 200);
    let mut rng = Rng::new(8);
    for _ in 0..40 {
        let label = rng.below(200);
        let v = [rng.uniform() as f32 * 3.0, rng.uniform() as f32 * 3.0, rng.uniform() as f32 * 3.0];
        let id = h.update(label, &v).unwrap();
        assert_eq!(h.vector(id), &v);
        let hit = h.search(&v, 1, 32).unwrap()[0];
        assert_eq!(hit.distance, 0.0, "updated label {label} not found at its new vector");
    }
    assert!(check(&h).is_empty());
    assert_eq!(h.update(9_999, &points[..DIM]).unwrap_err().kind(), &ErrorKind::UnknownLabel { label: 9_999 });
}

#[test]
fn rebuild_keeps_exactly_the_live_vectors_in_fresh_slots() {
    let (mut h, _) = index(4, 200);
    let p = churn::rebuild::Rebuild;
    delete_every(&mut h, &p, 200, 1, 4);
    p.insert(&mut h, 900, &[9.5, 9.5, 9.5]).unwrap();
    p.finish(&mut h).unwrap();
    assert_eq!((h.len(), h.slots(), h.deleted_count()), (151, 151, 0));
    let q = [9.5, 9.5, 9.5];
    let exact = exact_knn(&h, &q, 1);
    assert_eq!(h.label(exact[0].id), 900);
}

#[test]
fn every_policy_and_mutant_has_a_unique_name() {
    let mut names: Vec<&str> = churn::names();
    names.extend(mutants::policies().iter().map(|p| p.name()));
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "{names:?}");
    assert_eq!(churn::names(), ["tombstone", "replace", "consolidate", "rebuild"]);
    assert!(churn::by_name("consolidate").is_some() && churn::by_name("nope").is_none());
}

/// The in-place repairs are hnswlib's and keep no symmetry, so a Symmetric
/// index refuses them by name (`prune`): an update, a consolidation, and a
/// replacing insert that would reuse a deleted slot; nothing changes when
/// it refuses. Without a slot to reuse, the replacing insert is a plain
/// insert, and deleting (a tombstone) is allowed.
#[test]
fn a_symmetric_index_refuses_the_in_place_repairs_only() {
    let seed = 8;
    println!("seed {seed}");
    let params = Params::builder().m(4).ef_construction(32).seed(seed).prune(hnswlab::PrunePolicy::Symmetric);
    let mut h = Hnsw::new(DIM, params.build().unwrap()).unwrap();
    for (i, v) in lattice(40, DIM, 3, seed).chunks(DIM).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    let refused = |r: hnswlab::Result<NodeId>| {
        r.is_err_and(|e| matches!(e.kind(), ErrorKind::InvalidParam { name: "prune", .. }))
    };
    let fresh = h.insert_replacing(100, &[0.5; 3]).expect("no slot to reuse: a plain insert");
    assert_eq!(fresh, NodeId(40));
    assert!(refused(h.update(3, &[1.0; 3])));
    h.delete(7).expect("a tombstone is allowed");
    let before = h.to_bytes();
    assert!(refused(h.insert_replacing(101, &[0.25; 3])), "reusing deleted slot 7");
    assert!(h.consolidate().is_err_and(|e| matches!(e.kind(), ErrorKind::InvalidParam { name: "prune", .. })));
    assert_eq!(h.to_bytes(), before, "a refused repair changes nothing");
    assert_eq!(h.id_of(101), None);
}
