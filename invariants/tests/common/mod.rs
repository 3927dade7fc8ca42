//! Helpers shared by the property suites: an independent, obviously-correct
//! census of a graph (reachability, one-way edges, in-degrees, strong
//! connectivity) computed straight from the [`GraphView`], so the suites can
//! cross-check what `hnswlab-invariants` reports instead of trusting it.
//!
//! Every function here is O(n * (n + edges)) at worst: meant for graphs of at
//! most a few hundred nodes.

#![allow(dead_code)] // each test binary uses a different subset

use hnswlab::{GraphView, Layer, NodeId};

/// What the test itself measures on one layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerCensus {
    pub layer: u8,
    pub nodes: usize,
    pub edges: usize,
    pub one_way: usize,
    /// Nodes on the layer not reachable from the entry point over out-edges.
    pub unreachable: Vec<NodeId>,
    /// Nodes on the layer with no in-edge, entry point excluded.
    pub zero_in_degree: Vec<NodeId>,
    /// Nodes with an empty out-list although the layer has other nodes.
    pub empty_lists: Vec<NodeId>,
}

/// Ids of the nodes on `layer` (level >= layer).
pub fn layer_nodes<V: GraphView + ?Sized>(g: &V, layer: Layer) -> Vec<NodeId> {
    (0..g.len() as u32).map(NodeId).filter(|&id| g.level(id) >= layer).collect()
}

/// Forward closure of `from` over the out-edges of `layer` (BFS).
pub fn reach<V: GraphView + ?Sized>(g: &V, layer: Layer, from: NodeId) -> Vec<bool> {
    let mut seen = vec![false; g.len()];
    let mut stack = vec![from];
    seen[from.index()] = true;
    while let Some(u) = stack.pop() {
        for &v in g.neighbours(u, layer) {
            if !seen[v.index()] {
                seen[v.index()] = true;
                stack.push(v);
            }
        }
    }
    seen
}

/// Backward closure of `to` (the nodes that can reach `to`) over `layer`.
pub fn coreach<V: GraphView + ?Sized>(g: &V, layer: Layer, to: NodeId) -> Vec<bool> {
    let n = g.len();
    let mut rev: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for u in layer_nodes(g, layer) {
        for &v in g.neighbours(u, layer) {
            rev[v.index()].push(u);
        }
    }
    let mut seen = vec![false; n];
    let mut stack = vec![to];
    seen[to.index()] = true;
    while let Some(u) = stack.pop() {
        for &v in &rev[u.index()] {
            if !seen[v.index()] {
                seen[v.index()] = true;
                stack.push(v);
            }
        }
    }
    seen
}

/// Per-layer census, layer 0 first. Empty for an empty graph.
pub fn census<V: GraphView + ?Sized>(g: &V) -> Vec<LayerCensus> {
    let Some(ep) = g.entry_point() else {
        return Vec::new();
    };
    (0..=g.max_level().0)
        .map(|l| {
            let layer = Layer(l);
            let nodes = layer_nodes(g, layer);
            let mut c = LayerCensus { layer: l, nodes: nodes.len(), ..Default::default() };
            let mut in_deg = vec![0usize; g.len()];
            for &u in &nodes {
                let out = g.neighbours(u, layer);
                if out.is_empty() && nodes.len() > 1 {
                    c.empty_lists.push(u);
                }
                for &v in out {
                    c.edges += 1;
                    in_deg[v.index()] += 1;
                    if !g.neighbours(v, layer).contains(&u) {
                        c.one_way += 1;
                    }
                }
            }
            let seen = reach(g, layer, ep);
            for &u in &nodes {
                if !seen[u.index()] {
                    c.unreachable.push(u);
                }
                if u != ep && in_deg[u.index()] == 0 {
                    c.zero_in_degree.push(u);
                }
            }
            c
        })
        .collect()
}

/// True when layer 0 is strongly connected: every node reaches every other,
/// so a beam search with ef >= n from *any* layer-0 entry visits every node.
pub fn strongly_connected_l0<V: GraphView + ?Sized>(g: &V) -> bool {
    let Some(ep) = g.entry_point() else {
        return true;
    };
    reach(g, Layer::BASE, ep).iter().all(|&b| b) && coreach(g, Layer::BASE, ep).iter().all(|&b| b)
}

/// The smallest forward closure on layer 0 over all start nodes: a search
/// with ef >= k must return min(k, this) results wherever the descent lands.
pub fn min_closure_l0<V: GraphView + ?Sized>(g: &V) -> usize {
    (0..g.len() as u32).map(|i| reach(g, Layer::BASE, NodeId(i)).iter().filter(|&&b| b).count()).min().unwrap_or(0)
}

/// Brute force over an explicit list of vectors (the reference model): the
/// `k` smallest `(distance, position)` pairs, ascending. Positions equal ids
/// because ids are dense and assigned in insertion order.
pub fn brute_force(metric: hnswlab::Metric, points: &[Vec<f32>], q: &[f32], k: usize) -> Vec<(f32, usize)> {
    let mut all: Vec<(f32, usize)> = points.iter().enumerate().map(|(i, p)| (metric.distance(q, p), i)).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.truncate(k);
    all
}

/// Edge dump of a graph, for postmortems: `L0: 0->[1, 2] 1->[0] ...`.
pub fn dump<V: GraphView + ?Sized>(g: &V) -> String {
    let mut s = String::new();
    if g.entry_point().is_none() {
        return "(empty)".into();
    }
    for l in (0..=g.max_level().0).rev() {
        s.push_str(&format!("L{l}:"));
        for u in layer_nodes(g, Layer(l)) {
            let out: Vec<u32> = g.neighbours(u, Layer(l)).iter().map(|n| n.0).collect();
            s.push_str(&format!(" {}->{:?}", u.0, out));
        }
        s.push('\n');
    }
    s.push_str(&format!("entry {:?}, max level {}", g.entry_point().map(|e| e.0), g.max_level().0));
    s
}
