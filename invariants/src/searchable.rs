//! I4 per-insert searchability: right after its insert, a node finds itself.
//!
//! Query the new node's stored vector `v` with paper Alg. 5
//! (`knn(view, ep, max_level, v, k = 1, ef = efConstruction)`). It passes iff
//! the top result's stored vector is bitwise identical to `v` (the node itself
//! or an exact copy) or its distance is `<= metric.distance(v, v)` (cosine
//! rounding, and inner product, where a point need not be its own nearest).
//!
//! The search reads the view through [`Guarded`], which drops link targets
//! `>= len` so that a graph broken in I1 is reported rather than panicking;
//! on a graph that passes I1 it is exactly the view.

use hnswlab::distance::Metric;
use hnswlab::search::{knn, Adjacency, Scratch};
use hnswlab::{GraphView, Layer, NodeId};

use crate::violation::{Collector, Violation};

/// A view whose out-of-range link targets are invisible to search.
pub(crate) struct Guarded<'a, V: ?Sized>(pub &'a V);

impl<V: GraphView + ?Sized> Adjacency for Guarded<'_, V> {
    fn metric(&self) -> Metric {
        GraphView::metric(self.0)
    }
    fn len(&self) -> usize {
        GraphView::len(self.0)
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        GraphView::vector(self.0, id)
    }
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        let n = GraphView::len(self.0);
        out.clear();
        out.extend(self.0.neighbours(id, layer).iter().copied().filter(|b| b.index() < n));
    }
}

/// True if `a` and `b` are the same floats bit for bit.
fn identical(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Check I4 for `node` (`< len`), searching from `entry` (`< len`).
pub(crate) fn check<V: GraphView + ?Sized>(
    view: &V,
    node: NodeId,
    entry: NodeId,
    ef: usize,
    scratch: &mut Scratch,
    out: &mut Collector,
) {
    let ef = ef.max(1);
    let v = view.vector(node);
    let self_dist = view.metric().distance(v, v);
    let found = knn(&Guarded(view), entry, view.max_level(), v, 1, ef, scratch);
    let top = found.first();
    let pass = top.is_some_and(|t| identical(view.vector(t.id), v) || t.dist <= self_dist);
    if !pass {
        out.push(Violation::NotFindable {
            node,
            ef,
            found: top.map(|t| t.id),
            found_dist: top.map_or(f32::NAN, |t| t.dist),
            self_dist,
        });
    }
}
