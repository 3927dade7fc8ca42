//! After a delete consolidation, against the graph just before it: the paths
//! through the deleted nodes are not cut.
//!
//! A consolidation re-selects each list that named a deleted node `d` from
//! the live neighbours of the list and of `d`, with the heuristic (Alg. 4),
//! which keeps a diverse few and drops the rest. On clustered data what it
//! drops is a deleted node's long links: a candidate in another cluster is
//! nearly as far from every near node kept as from the list's owner. Nothing
//! in a churned graph makes such links again (a fresh build makes them while
//! clusters are smaller than efConstruction), so without a repair they wear
//! away round by round and recall falls while every node stays reachable.
//!
//! Invariant, for `before` (the graph right before the consolidation, with
//! or without its delete marks) and `after` (right after it): for every id
//! `u` live in both, every layer `l <= level(u)`, every `d` in `u`'s list on
//! `l` in `before` that is free in `after` (consolidated away), and every
//! `c` in `d`'s list on `l` in `before` that is live in `after` with
//! `c != u`: in `after`, `c` is in `u`'s list, or in the list of one of
//! `u`'s neighbours, on `l` ([`Violation::DeadPathCut`] otherwise), unless
//! `u`'s list on `l` holds its capacity (`m0` on layer 0, `m` above).
//!
//! The bug it catches: a consolidation that re-selects and stops there
//! (`consolidate-without-bridges`), whose long links wear away. Linear in
//! the links of `before` times the list sizes of `after`.

use std::collections::BTreeSet;

use hnswlab::{GraphView, Layer, NodeId, Slot};

use crate::violation::{Collector, Violation, Violations};

/// Check that a consolidation from `before` to `after` cut no path through
/// a deleted node (see the module doc). `before` and `after` must be the
/// same index: ids keep their meaning across a consolidation.
pub fn check_bridged<B, A>(before: &B, after: &A) -> Result<(), Violations>
where
    B: GraphView + ?Sized,
    A: GraphView + ?Sized,
{
    let mut out = Collector::new();
    let n = before.len().min(after.len());
    let in_range = |id: NodeId| id.index() < n;
    let freed = |id: NodeId| in_range(id) && after.slot(id) == Slot::Free && before.slot(id) != Slot::Free;
    let mut reached: BTreeSet<NodeId> = BTreeSet::new();
    for u in (0..n as u32).map(NodeId) {
        if before.slot(u) == Slot::Free || after.slot(u) != Slot::Live {
            continue;
        }
        for layer in (0..=before.level(u).0.min(after.level(u).0)).map(Layer) {
            let cap = if layer.0 == 0 { after.m0() } else { after.m() };
            let list = after.neighbours(u, layer);
            if list.len() >= cap {
                continue;
            }
            reached.clear();
            for &r in list.iter().filter(|&&r| in_range(r)) {
                reached.insert(r);
                if after.level(r) >= layer {
                    reached.extend(after.neighbours(r, layer));
                }
            }
            for &d in before.neighbours(u, layer).iter().filter(|&&d| freed(d)) {
                for &c in before.neighbours(d, layer) {
                    if c != u && in_range(c) && after.slot(c) == Slot::Live && !reached.contains(&c) {
                        out.push(Violation::DeadPathCut { node: u, layer, via: d, target: c, len: list.len(), cap });
                    }
                }
            }
        }
    }
    out.finish(())
}

#[cfg(test)]
mod tests {
    use hnswlab::{churn, mutants, GraphView, Layer, NodeId, PrunePolicy, Slot, Snapshot};

    use super::check_bridged;
    use crate::testutil::{assert_kinds, build};

    const SEED: u64 = 5;

    /// The graph before and after `policy` deletes every third label of a
    /// 200-point lattice index (m 4).
    fn around(policy: &dyn churn::DeletePolicy) -> (Snapshot, Snapshot) {
        let (mut h, _) = build(PrunePolicy::Standard, 4, SEED, 200);
        let before = Snapshot::of(&h);
        let labels: Vec<u64> = (0..200).step_by(3).map(|i| 1000 + i).collect();
        policy.delete(&mut h, &labels).expect("deletes");
        (before, Snapshot::of(&h))
    }

    #[test]
    fn the_reference_consolidation_keeps_every_path_and_the_mutant_cuts_some() {
        println!("seed {SEED}");
        let (before, after) = around(&churn::consolidate::Consolidate);
        check_bridged(&before, &after).expect("consolidate bridges every cut path");
        let (before, cut) = around(&mutants::churn::ConsolidateWithoutBridges);
        assert_kinds(check_bridged(&before, &cut), &["DeadPathCut"]);
    }

    #[test]
    fn a_removed_bridge_is_found_and_a_full_list_is_exempt() {
        let (before, after) = around(&churn::consolidate::Consolidate);
        // A path u -> d -> c whose end c is u's own neighbour and no other
        // neighbour's: removing c from u's list cuts it.
        let path = (0..after.len() as u32).map(NodeId).find_map(|u| {
            if after.slot(u) != Slot::Live || before.slot(u) != Slot::Live {
                return None;
            }
            let list = after.neighbours(u, Layer(0));
            let cut_d = before.neighbours(u, Layer(0)).iter().copied().find(|&d| after.slot(d) == Slot::Free)?;
            let c = before.neighbours(cut_d, Layer(0)).iter().copied().find(|&c| {
                c != u
                    && list.contains(&c)
                    && !list.iter().any(|&r| r != c && after.neighbours(r, Layer(0)).contains(&c))
            })?;
            Some((u, c))
        });
        let (u, c) = path.expect("some path through a deleted node survives as a direct link");
        let mut t = after.clone();
        t.lists[u.index()][0].retain(|&x| x != c);
        assert_kinds(check_bridged(&before, &t), &["DeadPathCut"]);
        // The same list padded to capacity with other live nodes is exempt.
        let mut full = t.clone();
        let pad = (0..after.len() as u32)
            .map(NodeId)
            .filter(|&x| x != u && x != c && after.slot(x) == Slot::Live && !t.lists[u.index()][0].contains(&x));
        let room = after.m0() - full.lists[u.index()][0].len();
        full.lists[u.index()][0].extend(pad.take(room));
        let left: Vec<_> = match check_bridged(&before, &full) {
            Ok(()) => Vec::new(),
            Err(v) => {
                v.0.into_iter()
                    .filter(|x| matches!(x, crate::Violation::DeadPathCut { node, layer: Layer(0), .. } if *node == u))
                    .collect()
            }
        };
        assert!(left.is_empty(), "a full list is exempt: {left:?}");
    }
}
