//! I2 entry point: present iff the graph is non-empty, and maximal.
//!
//! At quiescence (paper Alg. 1 lines 2-3 and 18-19): the graph is empty iff
//! there is no entry point; otherwise the entry point `ep` is an id `< len`,
//! `level(ep)` equals the stored maximum level, and the stored maximum level
//! equals the highest level of any node. Several nodes may share the top
//! level; which of them is `ep` is not checked.
//!
//! With deletes, "node" means an id that is not free ([`hnswlab::Slot`]): an
//! entry point that is a tombstone is legal (the tombstone policy keeps
//! deleted nodes as waypoints, hnswlib's `markDelete`), a free slot never is
//! ([`Violation::EntryFree`]: it has no lists to descend). The graph is
//! empty when every id is free, and the top level is the highest level of a
//! non-free id. Whether the entry point is live is the business of a delete
//! consolidation ([`crate::check_consolidated`]).

use hnswlab::{GraphView, NodeId, Slot};

use crate::layout::Layout;
use crate::violation::{Collector, Violation};

/// Check I2. Returns the entry point if it is a valid id (even when its
/// level is wrong), so that searches can start from it.
pub(crate) fn check<V: GraphView + ?Sized>(view: &V, layout: &Layout, out: &mut Collector) -> Option<NodeId> {
    let n = layout.n;
    let entry = view.entry_point();
    if n == 0 || layout.present == 0 {
        match entry {
            // Without present nodes every slot is free; an id past them is
            // no slot at all (`Layout::slot` calls it live).
            Some(entry) if layout.slot(entry) == Slot::Free => out.push(Violation::EntryFree { entry }),
            Some(entry) => out.push(Violation::EntryInEmptyGraph { entry }),
            None => {}
        }
        return None;
    }
    let Some(entry) = entry else {
        out.push(Violation::MissingEntry { len: n });
        return None;
    };
    if entry.index() >= n {
        out.push(Violation::EntryOutOfRange { entry, len: n });
        return None;
    }
    if layout.slot(entry) == Slot::Free {
        out.push(Violation::EntryFree { entry });
        return None;
    }
    let stored = view.max_level();
    let entry_level = layout.level(entry);
    if entry_level != stored {
        out.push(Violation::EntryLevelMismatch { entry, entry_level, max_level: stored });
    }
    if stored != layout.top {
        if let Some(node) = layout.top_node {
            out.push(Violation::MaxLevelMismatch { stored, highest: layout.top, node });
        }
    }
    Some(entry)
}

#[cfg(test)]
mod tests {
    use hnswlab::{GraphView, Hnsw, Layer, NodeId, PrunePolicy, Snapshot};

    use crate::testutil::{assert_kinds, assert_pass, fixture, params};
    use crate::violation::Violation;
    use crate::{check_all, Expectations};

    const SEED: u64 = 11;

    fn empty() -> (Snapshot, Expectations) {
        let index = Hnsw::new(2, params(PrunePolicy::Standard, 3, SEED)).expect("valid");
        let mut e = Expectations::for_params(index.params());
        e.inserted = Some(0);
        (Snapshot::of(&index), e)
    }

    /// With two nodes on the top level, a wrong stored maximum names the
    /// first of them (the lowest id), whichever is the entry point.
    #[test]
    fn a_max_level_mismatch_names_the_first_node_of_the_top_level() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let top = s.max_level;
        let first = (0..s.len()).find(|&i| s.levels[i] == top).expect("a top node");
        let lower = (0..first).find(|&i| s.levels[i] < top).expect("a lower node before it");
        s.levels[lower] = top;
        s.lists[lower].resize(top.index() + 1, Vec::new());
        s.max_level = Layer(top.0 + 1);
        let v = check_all(&s, &Expectations { symmetric: false, ..e }).unwrap_err();
        let named: Vec<NodeId> =
            v.0.iter()
                .filter_map(|x| match x {
                    Violation::MaxLevelMismatch { node, .. } => Some(*node),
                    _ => None,
                })
                .collect();
        assert_eq!(named, [NodeId(lower as u32)], "{v}");
    }

    #[test]
    fn empty_graph_passes() {
        let (s, e) = empty();
        let h = assert_pass(check_all(&s, &e), "empty graph");
        assert_eq!(h.nodes, 0);
        assert!(h.layers.is_empty() && h.level_histogram.is_empty(), "{h:?}");
    }

    #[test]
    fn entry_in_empty_graph_is_reported() {
        let (mut s, e) = empty();
        s.entry = Some(NodeId(0));
        let v = assert_kinds(check_all(&s, &e), &["EntryInEmptyGraph"]);
        assert_eq!(v.0[0], Violation::EntryInEmptyGraph { entry: NodeId(0) });
    }

    #[test]
    fn missing_entry_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        s.entry = None;
        let v = assert_kinds(check_all(&s, &e), &["MissingEntry"]);
        assert_eq!(v.0[0], Violation::MissingEntry { len: s.len() });
    }

    #[test]
    fn entry_out_of_range_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let bad = NodeId(s.len() as u32 + 3);
        s.entry = Some(bad);
        let v = assert_kinds(check_all(&s, &e), &["EntryOutOfRange"]);
        assert_eq!(v.0[0], Violation::EntryOutOfRange { entry: bad, len: s.len() });
    }

    #[test]
    fn entry_below_the_max_level_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        assert!(s.max_level.0 >= 1, "fixture needs a hierarchy");
        let low = (0..s.len()).find(|&i| s.levels[i].0 == 0).map(|i| NodeId(i as u32)).expect("a level-0 node");
        s.entry = Some(low);
        let v = assert_kinds(check_all(&s, &e), &["EntryLevelMismatch"]);
        assert_eq!(v.0[0], Violation::EntryLevelMismatch { entry: low, entry_level: Layer(0), max_level: s.max_level });
    }

    #[test]
    fn stale_max_level_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let ep = s.entry.expect("non-empty");
        let x = (0..s.len()).find(|&i| NodeId(i as u32) != ep).expect("two nodes");
        let top = Layer(s.max_level.0 + 1);
        s.levels[x] = top;
        s.lists[x].resize(top.index() + 1, Vec::new());
        let v = assert_kinds(check_all(&s, &e), &["MaxLevelMismatch"]);
        assert_eq!(v.0[0], Violation::MaxLevelMismatch { stored: s.max_level, highest: top, node: NodeId(x as u32) });
    }
}
