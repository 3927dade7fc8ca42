//! I8 counts: the live count and the bijection between labels and live nodes.
//!
//! If `Expectations::inserted` is `Some(k)`, the number of live ids is `k`
//! (`Hnsw::len`: inserts minus deletes; every id without deletes). For every
//! live id, `id_of(label(id)) == Some(id)`: every label maps back to its own
//! node, which also catches two nodes sharing a label (one of them maps to the
//! other) and a label lost from the map ([`Violation::LabelMismatch`]). For
//! every tombstone or free slot, `id_of(label(id)) != Some(id)`: a deleted
//! label looked up is absent, or names the live node that took it since
//! ([`Violation::DeletedLabelMapped`], catalogue F16). Together: `id_of`
//! restricted to the labels of live ids is a bijection onto the live ids. A
//! map entry for a label no id has is not visible through a [`GraphView`]
//! and is not checked.

use hnswlab::{GraphView, NodeId, Slot};

use crate::layout::Layout;
use crate::violation::{Collector, Violation};

/// Check I8.
pub(crate) fn check<V: GraphView + ?Sized>(view: &V, layout: &Layout, inserted: Option<usize>, out: &mut Collector) {
    let len = layout.live;
    if let Some(inserted) = inserted {
        if inserted != len {
            out.push(Violation::CountMismatch { len, inserted });
        }
    }
    for node in (0..layout.n).map(|i| NodeId(i as u32)) {
        let label = view.label(node);
        let id_of = view.id_of(label);
        match layout.slot(node) {
            Slot::Live if id_of != Some(node) => out.push(Violation::LabelMismatch { node, label, id_of }),
            Slot::Live => {}
            slot if id_of == Some(node) => out.push(Violation::DeletedLabelMapped { node, label, slot }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use hnswlab::{NodeId, PrunePolicy};

    use crate::check_all;
    use crate::testutil::{assert_kinds, fixture};
    use crate::violation::Violation;

    const SEED: u64 = 11;

    #[test]
    fn wrong_count_is_reported() {
        let (s, mut e) = fixture(PrunePolicy::Standard, SEED);
        e.inserted = Some(s.levels.len() + 1);
        let v = assert_kinds(check_all(&s, &e), &["CountMismatch"]);
        assert_eq!(v.0[0], Violation::CountMismatch { len: s.levels.len(), inserted: s.levels.len() + 1 });
    }

    #[test]
    fn duplicate_label_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        s.labels[3] = s.labels[4];
        let v = assert_kinds(check_all(&s, &e), &["LabelMismatch"]);
        assert_eq!(v.0, vec![Violation::LabelMismatch { node: NodeId(3), label: s.labels[4], id_of: Some(NodeId(4)) }]);
    }

    #[test]
    fn lost_label_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let label = s.labels[5];
        s.ids.remove(&label);
        let v = assert_kinds(check_all(&s, &e), &["LabelMismatch"]);
        assert_eq!(v.0, vec![Violation::LabelMismatch { node: NodeId(5), label, id_of: None }]);
    }
}
