//! The census of a living index (I5 over live nodes): after deletes, which
//! live nodes a search can still reach, per layer.
//!
//! Over a view with tombstones and free slots ([`hnswlab::Slot`]): the nodes
//! of layer `l` are the non-free ids whose level is `>= l`; an edge counts
//! when it passes I1 (target `< n`, not the source, on the layer) and its
//! target is not free. Then, per layer:
//! - *unreachable*: live nodes not reached by a walk from the entry point
//!   over those edges; the walk passes through tombstones, as a search does
//!   (it starts only if the entry point is a non-free node of the layer);
//! - *zero in-degree*: live nodes other than the entry point with no in-edge;
//! - *one-way fraction*: among edges between two live nodes, those `a -> b`
//!   with no `b -> a`;
//! - *edges into dead slots*: edges from live nodes to tombstones or free
//!   slots (zero after a delete consolidation; catalogue F17).
//!
//! The same function measures hnswlab's delete policies and an hnswlib
//! index loaded from its file, so their numbers are comparable. Linear in
//! nodes plus links.

use std::collections::HashSet;

use hnswlab::{GraphView, Layer, NodeId, Slot};

/// One layer of a [`LiveCensus`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LiveLayer {
    /// Layer number.
    pub layer: u8,
    /// Live nodes on the layer.
    pub live: usize,
    /// Tombstones on the layer.
    pub deleted: usize,
    /// Live nodes no walk from the entry point reaches.
    pub unreachable: usize,
    /// Live nodes (the entry point excluded) that no edge points to.
    pub zero_in_degree: usize,
    /// Edges between live nodes.
    pub live_edges: usize,
    /// Of those, edges `a -> b` with no `b -> a`.
    pub one_way: usize,
    /// `one_way / live_edges` (0 without edges).
    pub one_way_fraction: f64,
    /// Edges from a live node to a tombstone or free slot.
    pub edges_into_dead: usize,
}

/// Reachability and in-degree of the live nodes, per layer, layer 0 first.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LiveCensus {
    /// Live nodes.
    pub live: usize,
    /// Tombstones.
    pub deleted: usize,
    /// Free slots.
    pub free: usize,
    /// Per layer, `0..=` the highest level of a non-free node.
    pub layers: Vec<LiveLayer>,
}

impl LiveCensus {
    /// Unreachable live nodes on `layer` (0 for a layer above the top).
    pub fn unreachable(&self, layer: u8) -> usize {
        self.layers.get(layer as usize).map_or(0, |l| l.unreachable)
    }
}

/// Measure `view` (see the module doc).
pub fn live_census<V: GraphView + ?Sized>(view: &V) -> LiveCensus {
    let n = view.len().min(u32::MAX as usize);
    let slots: Vec<Slot> = (0..n as u32).map(|i| view.slot(NodeId(i))).collect();
    let levels: Vec<Layer> = (0..n as u32).map(|i| view.level(NodeId(i))).collect();
    let count = |s: Slot| slots.iter().filter(|&&x| x == s).count();
    let mut census = LiveCensus {
        live: count(Slot::Live),
        deleted: count(Slot::Deleted),
        free: count(Slot::Free),
        layers: Vec::new(),
    };
    let top = (0..n).filter(|&i| slots[i] != Slot::Free).map(|i| levels[i]).max();
    let Some(top) = top else { return census };
    let entry = view.entry_point().filter(|e| e.index() < n && slots[e.index()] != Slot::Free);
    for l in 0..=top.0 {
        census.layers.push(layer(view, &slots, &levels, entry, Layer(l)));
    }
    census
}

fn layer<V: GraphView + ?Sized>(
    view: &V,
    slots: &[Slot],
    levels: &[Layer],
    entry: Option<NodeId>,
    layer: Layer,
) -> LiveLayer {
    let n = slots.len();
    let on = |b: NodeId| b.index() < n && levels[b.index()] >= layer && slots[b.index()] != Slot::Free;
    let nodes: Vec<NodeId> = (0..n as u32).map(NodeId).filter(|&a| on(a)).collect();
    let mut h = LiveLayer { layer: layer.0, ..LiveLayer::default() };
    let mut in_degree = vec![0u32; n];
    let mut live_edges: HashSet<(NodeId, NodeId)> = HashSet::new();
    for &a in &nodes {
        let live_a = slots[a.index()] == Slot::Live;
        if live_a {
            h.live += 1;
        } else {
            h.deleted += 1;
        }
        for &b in view.neighbours(a, layer) {
            if b.index() < n && b != a && live_a && slots[b.index()] != Slot::Live {
                h.edges_into_dead += 1;
            }
            if b == a || !on(b) {
                continue;
            }
            in_degree[b.index()] += 1;
            if live_a && slots[b.index()] == Slot::Live {
                live_edges.insert((a, b));
            }
        }
    }
    h.live_edges = live_edges.len();
    h.one_way = live_edges.iter().filter(|&&(a, b)| !live_edges.contains(&(b, a))).count();
    h.one_way_fraction = if h.live_edges == 0 { 0.0 } else { h.one_way as f64 / h.live_edges as f64 };
    let mut reached = vec![false; n];
    let mut stack = Vec::new();
    if let Some(e) = entry.filter(|&e| on(e)) {
        reached[e.index()] = true;
        stack.push(e);
    }
    while let Some(a) = stack.pop() {
        for &b in view.neighbours(a, layer) {
            if b != a && on(b) && !reached[b.index()] {
                reached[b.index()] = true;
                stack.push(b);
            }
        }
    }
    for &a in nodes.iter().filter(|a| slots[a.index()] == Slot::Live) {
        if !reached[a.index()] {
            h.unreachable += 1;
        }
        if in_degree[a.index()] == 0 && Some(a) != entry {
            h.zero_in_degree += 1;
        }
    }
    h
}
