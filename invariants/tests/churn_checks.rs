//! `check_all` on living indexes: tombstones, free slots and the label
//! bijection after deletes (issue 14's invariants), on small duplicate-rich
//! lattices, each defect beside the mutant or planted fault it catches.

use hnswlab::churn::{self, DeletePolicy};
use hnswlab::mutants::churn as mutants;
use hnswlab::synthetic::lattice;
use hnswlab::{GraphView, Hnsw, Layer, NodeId, Params, Slot, Snapshot};
use hnswlab_invariants::{check_all, live_census, Expectations, Violations};

const DIM: usize = 3;

fn index(seed: u64, n: usize) -> Hnsw {
    println!("seed {seed}");
    let params = Params::builder().m(4).ef_construction(32).seed(seed).build().unwrap();
    let mut h = Hnsw::new(DIM, params).unwrap();
    for (i, v) in lattice(n, DIM, 3, seed).chunks(DIM).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    h
}

/// Every third label and the entry point's.
fn batch(h: &Hnsw, n: usize) -> Vec<u64> {
    let ep = h.label(h.entry_point().unwrap());
    let mut labels: Vec<u64> = (0..n as u64).step_by(3).collect();
    if !labels.contains(&ep) {
        labels.push(ep);
    }
    labels
}

fn expect(h: &Hnsw) -> Expectations {
    let mut e = Expectations::for_params(h.params());
    e.inserted = Some(h.len());
    e
}

fn kinds(v: &Violations) -> Vec<&'static str> {
    let mut k: Vec<&str> = v.0.iter().map(|x| x.kind()).filter(|&k| k != "Omitted").collect();
    k.dedup();
    k
}

#[test]
fn a_tombstoned_index_passes_with_i6_over_the_live_set_and_the_live_census() {
    for seed in [1, 2, 3] {
        let mut h = index(seed, 300);
        let labels = batch(&h, 300);
        churn::tombstone::Tombstone.delete(&mut h, &labels).unwrap();
        assert!(h.is_deleted(h.entry_point().unwrap()), "the entry point is a tombstone");
        let health = check_all(&h, &expect(&h)).unwrap_or_else(|v| panic!("{v}"));
        let live = live_census(&h);
        for (a, b) in health.layers.iter().zip(&live.layers) {
            assert_eq!((a.unreachable, a.zero_in_degree), (b.unreachable, b.zero_in_degree), "L{}", a.layer);
        }
        assert!(health.exact_layer0_queries_run > 0, "{:?}", health.skipped);
        println!("I6 queries {} skipped {:?}", health.exact_queries_run, health.skipped);
        // The count is the live count: the old node count is a violation.
        let e = Expectations { inserted: Some(300), ..expect(&h) };
        assert_eq!(kinds(&check_all(&h, &e).unwrap_err()), ["CountMismatch"]);
    }
}

/// The live census's edge counts against a plain loop over the lists: after
/// tombstoning every third label, an edge from a live node is either into a
/// tombstone or between two live nodes, and both kinds occur on layer 0.
#[test]
fn the_live_census_splits_edges_into_tombstones_from_live_edges() {
    let mut h = index(4, 120);
    let labels = batch(&h, 120);
    churn::tombstone::Tombstone.delete(&mut h, &labels).unwrap();
    let live = live_census(&h);
    for l in &live.layers {
        let layer = Layer(l.layer);
        let (mut into_dead, mut live_edges) = (0, 0);
        for a in (0..GraphView::len(&h)).map(|i| NodeId(i as u32)) {
            if h.is_deleted(a) || GraphView::level(&h, a) < layer {
                continue;
            }
            for &b in GraphView::neighbours(&h, a, layer) {
                if h.is_deleted(b) {
                    into_dead += 1;
                } else {
                    live_edges += 1;
                }
            }
        }
        assert_eq!((l.edges_into_dead, l.live_edges), (into_dead, live_edges), "L{}: (into dead, live)", l.layer);
    }
    let l0 = &live.layers[0];
    assert!(
        l0.edges_into_dead > 0 && l0.live_edges > 0,
        "L0: {} into dead, {} live",
        l0.edges_into_dead,
        l0.live_edges
    );
}

#[test]
fn consolidated_and_replaced_indexes_pass() {
    for seed in [1, 2] {
        let mut h = index(seed, 300);
        let labels = batch(&h, 300);
        churn::consolidate::Consolidate.delete(&mut h, &labels).unwrap();
        check_all(&h, &expect(&h)).unwrap_or_else(|v| panic!("consolidate: {v}"));
        for i in 0..labels.len() as u64 {
            churn::consolidate::Consolidate.insert(&mut h, 5_000 + i, &[0.5, 0.5, i as f32 % 3.0]).unwrap();
        }
        check_all(&h, &expect(&h)).unwrap_or_else(|v| panic!("consolidate + reuse: {v}"));
        let mut h = index(seed, 300);
        churn::replace::Replace.delete(&mut h, &labels).unwrap();
        for i in 0..labels.len() as u64 / 2 {
            churn::replace::Replace.insert(&mut h, 5_000 + i, &[0.5, 0.5, i as f32 % 3.0]).unwrap();
        }
        check_all(&h, &expect(&h)).unwrap_or_else(|v| panic!("replace: {v}"));
    }
}

#[test]
fn a_deleted_label_left_in_the_lookup_is_i8() {
    let mut h = index(3, 100);
    mutants::DeleteKeepsLabel.delete(&mut h, &[7, 8]).unwrap();
    let v = check_all(&h, &expect(&h)).unwrap_err();
    assert_eq!(kinds(&v), ["DeletedLabelMapped"], "{v}");
    assert_eq!(v.count("DeletedLabelMapped"), 2);
}

#[test]
fn a_free_entry_point_and_dangling_links_are_i2_and_i1() {
    let mut h = index(2, 300);
    let labels = batch(&h, 300);
    mutants::CachedEntryPoint.delete(&mut h, &labels).unwrap();
    let v = check_all(&h, &expect(&h)).unwrap_err();
    assert!(kinds(&v).contains(&"EntryFree"), "{v}");

    let mut h = index(2, 300);
    churn::consolidate::Consolidate.delete(&mut h, &labels).unwrap();
    let mut s = Snapshot::of(&h);
    let free = (0..s.levels.len()).find(|&i| s.slots[i] == Slot::Free).unwrap();
    let live = (0..s.levels.len()).find(|&i| s.slots[i] == Slot::Live && !s.lists[i][0].is_empty()).unwrap();
    s.lists[live][0][0] = NodeId(free as u32);
    s.lists[free][0] = vec![NodeId(live as u32)];
    let e = expect(&h);
    let v = check_all(&s, &e).unwrap_err();
    let k = kinds(&v);
    assert!(k.contains(&"LinkToFreeSlot") && k.contains(&"FreeSlotWithLinks"), "{v}");
    assert!(v.0.iter().all(|x| x.invariant() == "I1" || x.invariant() == "I6"), "{v}");
}

#[test]
fn a_graph_whose_every_slot_is_free_is_empty() {
    let mut h = index(4, 20);
    let all: Vec<u64> = (0..20).collect();
    churn::consolidate::Consolidate.delete(&mut h, &all).unwrap();
    let health = check_all(&h, &expect(&h)).unwrap_or_else(|v| panic!("{v}"));
    assert!(health.layers.is_empty(), "{health:?}");
    let mut s = Snapshot::of(&h);
    s.entry = Some(NodeId(0));
    s.max_level = Layer(s.levels[0].0);
    assert_eq!(kinds(&check_all(&s, &expect(&h)).unwrap_err()), ["EntryFree"]);
}
