//! I5 for a living index: the reachability census of the **live** nodes of a
//! graph with tombstones ([`GraphView::is_deleted`]).
//!
//! A deleted node keeps its lists and stays traversable (hnswlib's
//! `markDelete`, hnswlab's tombstone), so a live node is reachable on layer
//! `l` when a walk from the entry point over valid edges of `l` (I1: `b < len`,
//! `b != a`, `level(b) >= l`) reaches it through **any** nodes, deleted or
//! not. What is counted is only ever live nodes:
//!
//! - `unreachable[l]`: live nodes of layer `l` (level `>= l`) the walk does not
//!   reach. The walk starts at the entry point, live or deleted, when it is a
//!   valid id on the layer; otherwise every live node of the layer counts.
//! - `zero_in_degree_l0`: live nodes other than the entry point with no
//!   valid layer-0 in-edge from any node (a deleted node's edge still leads a
//!   search there; a freed slot has no lists, so none of its edges count).
//! - `one_way_fraction_l0`: among valid layer-0 edges `a -> b` between two
//!   live nodes, the share whose reverse `b -> a` is absent.
//!
//! Linear in nodes + links of the layers censused.

use hnswlab::{GraphView, Layer, Metric, NodeId};
use serde::Serialize;

/// Layers whose unreachable live nodes [`live_census`] reports (0 and 1).
pub const LAYERS: usize = 2;

/// The live-node census of a graph with tombstones.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LiveCensus {
    /// Live nodes (ids `0..len` not deleted).
    pub live: usize,
    /// Live nodes of layer `l` not reachable from the entry point, for `l` in `0..LAYERS`.
    pub unreachable: [usize; LAYERS],
    /// Live nodes other than the entry point without a layer-0 in-edge.
    pub zero_in_degree_l0: usize,
    /// One-way share of the layer-0 edges between live nodes (0 when there are none).
    pub one_way_fraction_l0: f64,
}

/// Census the live nodes of `view` (see the module docs).
pub fn live_census<V: GraphView + ?Sized>(view: &V) -> LiveCensus {
    let n = view.len();
    let live: Vec<bool> = (0..n).map(|i| !view.is_deleted(NodeId(i as u32))).collect();
    let valid = |a: NodeId, b: NodeId, layer: Layer| b.index() < n && b != a && view.level(b) >= layer;
    let mut census = LiveCensus { live: live.iter().filter(|&&l| l).count(), ..LiveCensus::default() };
    for (l, unreachable) in census.unreachable.iter_mut().enumerate() {
        let layer = Layer(l as u8);
        let on_layer = |id: usize| view.level(NodeId(id as u32)) >= layer;
        let mut seen = vec![false; n];
        let mut stack: Vec<NodeId> = Vec::new();
        if let Some(ep) = view.entry_point().filter(|ep| ep.index() < n && on_layer(ep.index())) {
            seen[ep.index()] = true;
            stack.push(ep);
        }
        while let Some(a) = stack.pop() {
            for &b in view.neighbours(a, layer) {
                if valid(a, b, layer) && !seen[b.index()] {
                    seen[b.index()] = true;
                    stack.push(b);
                }
            }
        }
        *unreachable = (0..n).filter(|&i| live[i] && on_layer(i) && !seen[i]).count();
    }
    let layer = Layer(0);
    let mut in_degree = vec![0u32; n];
    let (mut between_live, mut one_way) = (0usize, 0usize);
    for a in (0..n as u32).map(NodeId) {
        for &b in view.neighbours(a, layer) {
            if !valid(a, b, layer) {
                continue;
            }
            in_degree[b.index()] = in_degree[b.index()].saturating_add(1);
            if live[a.index()] && live[b.index()] {
                between_live += 1;
                if !view.neighbours(b, layer).contains(&a) {
                    one_way += 1;
                }
            }
        }
    }
    let entry = view.entry_point().map(NodeId::index);
    census.zero_in_degree_l0 = (0..n).filter(|&i| live[i] && in_degree[i] == 0 && Some(i) != entry).count();
    census.one_way_fraction_l0 = if between_live == 0 { 0.0 } else { one_way as f64 / between_live as f64 };
    census
}

/// `view` with the nodes `deleted[id]` marked deleted besides those the view
/// itself marks: a graph read from a file whose tombstones are a separate
/// mask (hnswlib's delete flags, [`hnswlab::foreign::ForeignIndex::deleted`]).
#[derive(Clone, Copy, Debug)]
pub struct Marked<'a, V: ?Sized> {
    /// The graph.
    pub view: &'a V,
    /// Per id: deleted (ids past the end are not).
    pub deleted: &'a [bool],
}

impl<V: GraphView + ?Sized> GraphView for Marked<'_, V> {
    fn len(&self) -> usize {
        self.view.len()
    }
    fn dim(&self) -> usize {
        self.view.dim()
    }
    fn metric(&self) -> Metric {
        self.view.metric()
    }
    fn m(&self) -> usize {
        self.view.m()
    }
    fn m0(&self) -> usize {
        self.view.m0()
    }
    fn level(&self, id: NodeId) -> Layer {
        self.view.level(id)
    }
    fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        self.view.neighbours(id, layer)
    }
    fn entry_point(&self) -> Option<NodeId> {
        self.view.entry_point()
    }
    fn max_level(&self) -> Layer {
        self.view.max_level()
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        self.view.vector(id)
    }
    fn label(&self, id: NodeId) -> u64 {
        self.view.label(id)
    }
    fn id_of(&self, label: u64) -> Option<NodeId> {
        self.view.id_of(label)
    }
    fn is_deleted(&self, id: NodeId) -> bool {
        self.deleted.get(id.index()).copied().unwrap_or(false) || self.view.is_deleted(id)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use hnswlab::Snapshot;

    /// A snapshot with the layer-0 `edges` (and `upper` on layer 1, whose
    /// nodes get level 1), `deleted` marked, entry point `entry`.
    fn graph(
        n: usize,
        edges: &[(u32, u32)],
        upper: &[(u32, u32)],
        deleted: &[u32],
        entry: u32,
    ) -> (Snapshot, Vec<bool>) {
        let mut levels = vec![Layer(0); n];
        for &(a, b) in upper {
            levels[a as usize] = Layer(1);
            levels[b as usize] = Layer(1);
        }
        let mut lists: Vec<Vec<Vec<NodeId>>> = levels.iter().map(|l| vec![Vec::new(); l.index() + 1]).collect();
        for &(a, b) in edges {
            lists[a as usize][0].push(NodeId(b));
        }
        for &(a, b) in upper {
            lists[a as usize][1].push(NodeId(b));
        }
        let max_level = levels.iter().copied().max().unwrap_or(Layer(0));
        let graph = Snapshot {
            dim: 1,
            metric: Metric::L2,
            m: 4,
            m0: 8,
            lists,
            entry: Some(NodeId(entry)),
            max_level,
            vectors: (0..n).map(|i| i as f32).collect(),
            labels: (0..n as u64).collect(),
            ids: (0..n as u64).map(|l| (l, NodeId(l as u32))).collect::<HashMap<_, _>>(),
            levels,
        };
        let mut mask = vec![false; n];
        for &d in deleted {
            mask[d as usize] = true;
        }
        (graph, mask)
    }

    fn census(g: &(Snapshot, Vec<bool>)) -> LiveCensus {
        live_census(&Marked { view: &g.0, deleted: &g.1 })
    }

    #[test]
    fn deleted_nodes_are_traversed_but_never_counted() {
        // 0 -> 1 -> 2 -> 3 one way, 1 deleted: 2 and 3 are still reached through 1.
        let c = census(&graph(4, &[(0, 1), (1, 2), (2, 3)], &[], &[1], 0));
        assert_eq!((c.live, c.unreachable, c.zero_in_degree_l0), (3, [0, 0], 0), "{c:?}");
        // Live-to-live edges: 2 -> 3 only, one way.
        assert_eq!(c.one_way_fraction_l0, 1.0, "{c:?}");
    }

    #[test]
    fn an_orphan_is_unreachable_and_has_no_in_edge_unless_it_is_deleted() {
        // 3 has no in-edge; 0 <-> 1 <-> 2 both ways.
        let edges = [(0, 1), (1, 0), (1, 2), (2, 1), (3, 0)];
        let c = census(&graph(4, &edges, &[], &[], 0));
        assert_eq!((c.unreachable[0], c.zero_in_degree_l0), (1, 1), "{c:?}");
        // 3 -> 0 is the only one-way edge of five between live nodes.
        assert!((c.one_way_fraction_l0 - 0.2).abs() < 1e-12, "{c:?}");
        let c = census(&graph(4, &edges, &[], &[3], 0));
        assert_eq!((c.live, c.unreachable[0], c.zero_in_degree_l0, c.one_way_fraction_l0), (3, 0, 0, 0.0), "{c:?}");
    }

    #[test]
    fn layer_one_is_walked_on_its_own_edges_from_a_deleted_entry_point() {
        // Level-1 nodes 0, 1, 2: 0 -> 1 on layer 1, 2 unlinked there; the entry 0 is deleted.
        let edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 2)];
        let c = census(&graph(4, &edges, &[(0, 1), (2, 2)], &[0], 0));
        assert_eq!(c.unreachable, [0, 1], "2 is unreachable on layer 1 only: {c:?}");
        // The deleted entry point's edge 0 -> 1 still counts as 1's in-edge.
        assert_eq!(c.zero_in_degree_l0, 0, "{c:?}");
    }

    #[test]
    fn an_invalid_entry_point_leaves_every_live_node_unreachable() {
        let c = census(&graph(3, &[(0, 1), (1, 2)], &[], &[], 7));
        assert_eq!(c.unreachable, [3, 0], "{c:?}");
    }
}
