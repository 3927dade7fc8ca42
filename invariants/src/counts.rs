//! I8 counts: the node count and the label-id bijection.
//!
//! If `Expectations::inserted` is `Some(k)`, `len == k`. For every live id
//! `0..len`, `id_of(label(id)) == Some(id)`: every label maps back to its own
//! node, which also catches two nodes sharing a label (one of them maps to the
//! other) and a label lost from the map. A deleted or free id keeps its old
//! label, which must not map back to it (a delete frees its label; a live
//! node may carry it again). A map entry for a label no node has is not
//! visible through a [`GraphView`] and is not checked.

use hnswlab::{GraphView, NodeId};

use crate::violation::{Collector, Violation};

/// Check I8.
pub(crate) fn check<V: GraphView + ?Sized>(view: &V, inserted: Option<usize>, out: &mut Collector) {
    let len = view.len();
    if let Some(inserted) = inserted {
        if inserted != len {
            out.push(Violation::CountMismatch { len, inserted });
        }
    }
    for node in (0..len).map(|i| NodeId(i as u32)) {
        let label = view.label(node);
        let id_of = view.id_of(label);
        if view.is_deleted(node) {
            if id_of == Some(node) {
                out.push(Violation::LabelMismatch { node, label, id_of });
            }
        } else if id_of != Some(node) {
            out.push(Violation::LabelMismatch { node, label, id_of });
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
