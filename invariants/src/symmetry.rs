//! I3 bidirectional edges: a statistic for the Standard policy, an
//! invariant for the Symmetric one, and the insert post-condition.
//!
//! Paper Alg. 1 shrinks only the overflowing neighbour's own list, so under
//! the Standard policy one-way edges are normal (FAILURES.md §1.1); what is
//! an invariant is the *insert post-condition*: after inserting `q`, each
//! selected neighbour `e` on layer `l` links back to `q` unless `e`'s list was
//! already full (`|N_l(e)| >= capacity(l)` before the back-link), in which
//! case `e`'s re-selection may drop `q`.

use hnswlab::{GraphView, InsertTrace, Layer, NodeId};

use crate::layout::Layout;
use crate::violation::{Collector, Violation};

/// Edge counts of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct EdgeCount {
    /// Edges `a -> b` with `b` a node of the layer other than `a`.
    pub edges: usize,
    /// Those with no `b -> a`.
    pub one_way: usize,
}

/// Count the edges and one-way edges of `layer`; under `symmetric`, report
/// each one-way edge as [`Violation::OneWayEdge`]. Edges that break I1
/// (missing target, self-link, target below the layer) are not counted.
pub(crate) fn count_layer<V: GraphView + ?Sized>(
    view: &V,
    layout: &Layout,
    layer: Layer,
    symmetric: bool,
    out: &mut Collector,
) -> EdgeCount {
    let mut c = EdgeCount::default();
    for a in layout.nodes(layer).iter() {
        for &b in view.neighbours(a, layer) {
            if b == a || !layout.on_layer(b, layer) {
                continue;
            }
            c.edges += 1;
            if !view.neighbours(b, layer).contains(&a) {
                c.one_way += 1;
                if symmetric {
                    out.push(Violation::OneWayEdge { node: a, layer, neighbour: b });
                }
            }
        }
    }
    c
}

/// The insert post-condition for the insert that produced `trace`, and the
/// honesty of the trace's `kept` flags.
///
/// For each layer trace and each back-link to neighbour `e`:
/// - `e` must be a node ([`Violation::TraceOutOfRange`]);
/// - `kept` must equal whether `q in N_l(e)` now ([`Violation::TraceMismatch`]);
/// - if `q not in N_l(e)` and `len_before < capacity(l)`, the back-link was
///   lost although `e` had room ([`Violation::MissingBackLink`]).
///
/// Under `symmetric` one case is accepted: `kept` is true but the edge `e - q`
/// is now gone in *both* directions. A Symmetric insert may break an edge
/// both ways after the back-link was made (a forced repair later in the same
/// insert takes a slot from a full list); a lost back-link that leaves `q -> e`
/// standing is still reported.
pub(crate) fn check_insert<V: GraphView + ?Sized>(view: &V, trace: &InsertTrace, symmetric: bool, out: &mut Collector) {
    let n = view.len();
    let q = trace.node;
    if q.index() >= n {
        out.push(Violation::TraceOutOfRange { node: q, layer: None, id: q, len: n });
        return;
    }
    for lt in &trace.layers {
        let layer = lt.layer;
        let capacity = if layer.0 == 0 { view.m0() } else { view.m() };
        for b in &lt.back_links {
            let e: NodeId = b.neighbour;
            if e.index() >= n {
                out.push(Violation::TraceOutOfRange { node: q, layer: Some(layer), id: e, len: n });
                continue;
            }
            let actual = view.neighbours(e, layer).contains(&q);
            let broken_both_ways = symmetric && b.kept && !actual && !view.neighbours(q, layer).contains(&e);
            if broken_both_ways {
                continue;
            }
            if actual != b.kept {
                out.push(Violation::TraceMismatch { node: q, layer, neighbour: e, traced: b.kept, actual });
            }
            if !actual && b.len_before < capacity {
                out.push(Violation::MissingBackLink {
                    node: q,
                    layer,
                    neighbour: e,
                    len_before: b.len_before,
                    capacity,
                });
            }
        }
    }
}
