//! I1 structure: every link is a well-formed edge of its layer.
//!
//! For every node `a` and every layer `l <= level(a)`, each entry `b` of
//! `N_l(a)` satisfies `b < len`, `b != a`, `level(b) >= l`, `b` appears once
//! in the list, and `|N_l(a)| <= m0` (`l = 0`) or `<= m` (`l > 0`). A node
//! reports no non-empty list on a layer above its level (checked on layers
//! `level(a) + 1 ..= max(stored max level, highest level) + 1`).
//!
//! With deletes: a free slot ([`Slot::Free`], consolidated away) has only
//! empty lists ([`Violation::FreeSlotWithLinks`]) and no link names it
//! ([`Violation::LinkToFreeSlot`], the dangling edge of catalogue F17).
//! Tombstones are ordinary nodes here.
//!
//! Cost: one pass over every list; duplicates are found with a generation
//! stamp per id, so the pass is linear in the number of links.

use hnswlab::{GraphView, Layer, NodeId, Slot};

use crate::layout::Layout;
use crate::violation::{Collector, Violation};

/// What later checks need to know about the structure.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Structure {
    /// Every link target is `< len`, so search cannot index out of bounds.
    pub in_range: bool,
}

/// Check I1 over every list of `view`.
pub(crate) fn check<V: GraphView + ?Sized>(view: &V, layout: &Layout, out: &mut Collector) -> Structure {
    let n = layout.n;
    let mut in_range = true;
    let mut stamp = vec![0u32; n];
    let mut generation = 0u32;
    let scan_top = u16::from(view.max_level().0.max(layout.highest.0)) + 1;
    for a in (0..n).map(|i| NodeId(i as u32)) {
        let level = layout.level(a);
        let free = layout.slot(a) == Slot::Free;
        for layer in (0..=level.0).map(Layer) {
            let list = view.neighbours(a, layer);
            if free && !list.is_empty() {
                out.push(Violation::FreeSlotWithLinks { node: a, layer, len: list.len() });
            }
            let capacity = if layer.0 == 0 { view.m0() } else { view.m() };
            if list.len() > capacity {
                out.push(Violation::ListTooLong { node: a, layer, len: list.len(), capacity });
            }
            generation = generation.wrapping_add(1);
            if generation == 0 {
                stamp.iter_mut().for_each(|s| *s = 0);
                generation = 1;
            }
            for &b in list {
                if b.index() >= n {
                    in_range = false;
                    out.push(Violation::LinkOutOfRange { node: a, layer, target: b, len: n });
                    continue;
                }
                if b == a {
                    out.push(Violation::SelfLink { node: a, layer });
                }
                if layout.slot(b) == Slot::Free {
                    out.push(Violation::LinkToFreeSlot { node: a, layer, target: b });
                }
                let target_level = layout.level(b);
                if target_level < layer {
                    out.push(Violation::LinkToLowerNode { node: a, layer, target: b, target_level });
                }
                if stamp[b.index()] == generation {
                    out.push(Violation::DuplicateLink { node: a, layer, target: b });
                }
                stamp[b.index()] = generation;
            }
        }
        for l in u16::from(level.0) + 1..=scan_top.min(u16::from(u8::MAX)) {
            let layer = Layer(l as u8);
            let len = view.neighbours(a, layer).len();
            if len > 0 {
                out.push(Violation::ListAboveLevel { node: a, level, layer, len });
            }
        }
    }
    Structure { in_range }
}

#[cfg(test)]
mod tests {
    use hnswlab::{Layer, NodeId, PrunePolicy};

    use crate::check_all;
    use crate::testutil::{assert_kinds, fixture, node_with_room};
    use crate::violation::{Violation, REPORT_CAP};

    const SEED: u64 = 11;

    #[test]
    fn link_out_of_range_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = node_with_room(&s, 0);
        let bad = NodeId(s.levels.len() as u32 + 5);
        s.lists[a.index()][0].push(bad);
        let v = assert_kinds(check_all(&s, &e), &["LinkOutOfRange"]);
        assert_eq!(v.0[0], Violation::LinkOutOfRange { node: a, layer: Layer(0), target: bad, len: s.levels.len() });
    }

    #[test]
    fn self_link_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = node_with_room(&s, 0);
        s.lists[a.index()][0].push(a);
        let v = assert_kinds(check_all(&s, &e), &["SelfLink"]);
        assert_eq!(v.0[0], Violation::SelfLink { node: a, layer: Layer(0) });
    }

    #[test]
    fn duplicate_link_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = node_with_room(&s, 0);
        let b = s.lists[a.index()][0][0];
        s.lists[a.index()][0].push(b);
        let v = assert_kinds(check_all(&s, &e), &["DuplicateLink"]);
        assert_eq!(v.0[0], Violation::DuplicateLink { node: a, layer: Layer(0), target: b });
    }

    #[test]
    fn overlong_list_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = node_with_room(&s, 0);
        let n = s.levels.len() as u32;
        let mut b = 0;
        while s.lists[a.index()][0].len() <= s.m0 {
            let cand = NodeId(b);
            if cand != a && !s.lists[a.index()][0].contains(&cand) {
                s.lists[a.index()][0].push(cand);
            }
            b += 1;
            assert!(b < n, "not enough nodes to overfill a list");
        }
        let v = assert_kinds(check_all(&s, &e), &["ListTooLong"]);
        assert_eq!(v.0[0], Violation::ListTooLong { node: a, layer: Layer(0), len: s.m0 + 1, capacity: s.m0 });
    }

    #[test]
    fn link_to_a_lower_node_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = (0..s.levels.len())
            .find(|&i| s.levels[i].0 >= 1 && !s.lists[i][1].is_empty())
            .expect("the fixture has a linked node on L1");
        let low = (0..s.levels.len()).find(|&i| s.levels[i].0 == 0).expect("the fixture has a level-0 node");
        s.lists[a][1][0] = NodeId(low as u32);
        let v = assert_kinds(check_all(&s, &e), &["LinkToLowerNode"]);
        assert_eq!(
            v.0[0],
            Violation::LinkToLowerNode {
                node: NodeId(a as u32),
                layer: Layer(1),
                target: NodeId(low as u32),
                target_level: Layer(0)
            }
        );
    }

    #[test]
    fn list_above_level_is_reported() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let a = node_with_room(&s, 0);
        let ep = s.entry.expect("non-empty fixture");
        s.lists[a.index()].push(vec![ep]);
        let v = assert_kinds(check_all(&s, &e), &["ListAboveLevel"]);
        assert_eq!(v.0[0], Violation::ListAboveLevel { node: a, level: Layer(0), layer: Layer(1), len: 1 });
    }

    #[test]
    fn many_violations_are_capped_but_counted() {
        let (mut s, e) = fixture(PrunePolicy::Standard, SEED);
        let planted = REPORT_CAP + 5;
        let mut done = 0;
        for i in 0..s.levels.len() {
            if done == planted {
                break;
            }
            if let Some(first) = s.lists[i][0].first_mut() {
                *first = NodeId(i as u32);
                done += 1;
            }
        }
        assert_eq!(done, planted, "fixture has enough non-empty lists");
        let v = assert_kinds(check_all(&s, &e), &["SelfLink"]);
        assert_eq!(v.count("SelfLink"), planted, "every violation is counted");
        let kept = v.0.iter().filter(|x| x.kind() == "SelfLink").count();
        assert_eq!(kept, REPORT_CAP, "at most REPORT_CAP are kept");
        assert!(v.0.contains(&Violation::Omitted { kind: "SelfLink", omitted: 5 }), "{v}");
    }
}
