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

use hnswlab::{GraphView, Layer};

use crate::census::{walk, LayerGraph};
use crate::layout::Layout;

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

/// Measure `view` (see the module doc). Each layer is read through the
/// same `LayerGraph` and walk as `check_all`'s I5 census, so the two agree
/// on what is reachable.
pub fn live_census<V: GraphView + ?Sized>(view: &V) -> LiveCensus {
    let layout = Layout::of(view);
    let mut census = LiveCensus {
        live: layout.live,
        deleted: layout.present - layout.live,
        free: layout.n - layout.present,
        layers: Vec::new(),
    };
    if layout.present == 0 {
        return census;
    }
    let mut local_of = vec![0u32; layout.n];
    for l in 0..=layout.top.0 {
        // An entry point that is not a node of the layer (one past the last
        // id, say) roots no walk: `LayerGraph::build` drops it.
        let g = LayerGraph::build(view, &layout, Layer(l), view.entry_point(), &mut local_of);
        census.layers.push(layer(view, &layout, &g));
    }
    census
}

fn layer<V: GraphView + ?Sized>(view: &V, layout: &Layout, g: &LayerGraph) -> LiveLayer {
    let n = layout.n;
    let mut h = LiveLayer { layer: g.layer.0, ..LiveLayer::default() };
    let in_degree = g.in_degrees();
    let (_, reached) = walk(g);
    for i in 0..g.len() {
        let a = g.global(i);
        if !g.is_live(i) {
            h.deleted += 1;
            continue;
        }
        h.live += 1;
        h.edges_into_dead +=
            view.neighbours(a, g.layer).iter().filter(|&&b| b.index() < n && b != a && !layout.is_live(b)).count();
        for &j in g.out(i).iter().filter(|&&j| g.is_live(j as usize)) {
            h.live_edges += 1;
            if !g.out(j as usize).contains(&(i as u32)) {
                h.one_way += 1;
            }
        }
        if !reached[i] {
            h.unreachable += 1;
        }
        if in_degree[i] == 0 && g.entry != Some(i as u32) {
            h.zero_in_degree += 1;
        }
    }
    h.one_way_fraction = if h.live_edges == 0 { 0.0 } else { h.one_way as f64 / h.live_edges as f64 };
    h
}
