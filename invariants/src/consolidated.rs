//! After a delete consolidation (FreshDiskANN, Singh et al. 2021, Alg. 4,
//! on every layer; catalogue F17): the graph holds no trace of the deleted
//! nodes.
//!
//! Invariant, for a view right after `Hnsw::consolidate`:
//! - every id that is not live is free ([`Violation::TombstoneRemains`]);
//! - no list of a non-free node, on any layer, names a tombstone or a free
//!   slot ([`Violation::EdgeIntoDead`]; a consolidation that repaired only
//!   layer 0 leaves such edges above it);
//! - when some node is live, the entry point is live
//!   ([`Violation::EntryNotLive`]) and its level is the highest live level
//!   ([`Violation::EntryBelowLiveTop`]; a consolidation that kept the entry
//!   point it cached fails here); when none is, there is no entry point
//!   ([`Violation::EntryWithoutLive`]).
//!
//! The whole-graph checks ([`crate::check_all`]) hold as well; this adds the
//! rules only a consolidation promises. Linear in nodes plus links.

use hnswlab::{GraphView, Layer, NodeId, Slot};

use crate::violation::{Collector, Violation, Violations};

/// Check a view right after a delete consolidation (see the module doc).
pub fn check_consolidated<V: GraphView + ?Sized>(view: &V) -> Result<(), Violations> {
    let mut out = Collector::new();
    let n = view.len();
    let slot = |id: NodeId| view.slot(id);
    let mut top: Option<(Layer, NodeId)> = None;
    let mut live = 0usize;
    for a in (0..n as u32).map(NodeId) {
        match slot(a) {
            Slot::Deleted => out.push(Violation::TombstoneRemains { node: a }),
            Slot::Free => continue,
            Slot::Live => {
                live += 1;
                let level = view.level(a);
                if top.is_none_or(|(t, _)| level > t) {
                    top = Some((level, a));
                }
            }
        }
        for layer in (0..=view.level(a).0).map(Layer) {
            for &b in view.neighbours(a, layer) {
                if b.index() < n && slot(b) != Slot::Live {
                    out.push(Violation::EdgeIntoDead { node: a, layer, target: b, slot: slot(b) });
                }
            }
        }
    }
    let entry = view.entry_point();
    match (entry, top) {
        (None, None) => {}
        (Some(e), None) => out.push(Violation::EntryWithoutLive { entry: e }),
        (e, Some((top, node))) => {
            let state = e.filter(|e| e.index() < n).map(slot);
            match (e, state) {
                (Some(e), Some(Slot::Live)) if view.level(e) < top => {
                    out.push(Violation::EntryBelowLiveTop { entry: e, level: view.level(e), top, node })
                }
                (Some(_), Some(Slot::Live)) => {}
                _ => out.push(Violation::EntryNotLive { entry: e, slot: state, live }),
            }
        }
    }
    out.finish(())
}

#[cfg(test)]
mod tests {
    use hnswlab::{churn, GraphView, Layer, NodeId, PrunePolicy, Slot, Snapshot};

    use super::check_consolidated;
    use crate::testutil::{assert_kinds, build};

    const SEED: u64 = 5;

    /// A consolidated index: every third label deleted, then consolidated.
    fn consolidated() -> Snapshot {
        let (mut h, _) = build(PrunePolicy::Standard, 4, SEED, 200);
        let labels: Vec<u64> = (0..200).step_by(3).map(|i| 1000 + i).collect();
        churn::DeletePolicy::delete(&churn::consolidate::Consolidate, &mut h, &labels).expect("deletes");
        Snapshot::of(&h)
    }

    #[test]
    fn a_consolidated_index_passes_and_a_planted_defect_of_each_kind_fails() {
        println!("seed {SEED}");
        let s = consolidated();
        check_consolidated(&s).expect("consolidate keeps its post-condition");
        let free = (0..s.len()).find(|&i| s.slots[i] == Slot::Free).map(|i| NodeId(i as u32)).expect("a free slot");
        let live = (0..s.len()).find(|&i| s.slots[i] == Slot::Live && !s.lists[i][0].is_empty()).expect("live");

        let mut t = s.clone();
        t.lists[live][0][0] = free;
        assert_kinds(check_consolidated(&t), &["EdgeIntoDead"]);

        let mut t = s.clone();
        t.slots[free.index()] = Slot::Deleted;
        assert_kinds(check_consolidated(&t), &["TombstoneRemains"]);

        let mut t = s.clone();
        t.entry = Some(free);
        assert_kinds(check_consolidated(&t), &["EntryNotLive"]);
        // An entry point one past the last id, and none at all, while nodes live.
        for entry in [Some(NodeId(t.len() as u32)), None] {
            t.entry = entry;
            assert_kinds(check_consolidated(&t), &["EntryNotLive"]);
        }

        let mut t = s.clone();
        let low = (0..t.len()).find(|&i| t.slots[i] == Slot::Live && t.levels[i] < t.max_level).expect("a low node");
        t.entry = Some(NodeId(low as u32));
        assert_kinds(check_consolidated(&t), &["EntryBelowLiveTop"]);
    }

    #[test]
    fn nothing_live_means_no_entry_point() {
        let (mut h, _) = build(PrunePolicy::Standard, 4, SEED, 30);
        let labels: Vec<u64> = (0..30).map(|i| 1000 + i).collect();
        churn::DeletePolicy::delete(&churn::consolidate::Consolidate, &mut h, &labels).expect("deletes");
        assert_eq!((h.entry_point(), h.len()), (None, 0));
        check_consolidated(&h).expect("an all-free graph has no entry point");
        let mut s = Snapshot::of(&h);
        s.entry = Some(NodeId(0));
        s.max_level = Layer(s.levels[0].0);
        assert_kinds(check_consolidated(&s), &["EntryWithoutLive"]);
    }
}
