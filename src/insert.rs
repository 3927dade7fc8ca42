//! INSERT (paper Alg. 1) with the two prune policies, and the repair of
//! stranded nodes under the Symmetric policy.
//!
//! Invariants maintained (checked by `hnswlab-invariants`):
//! - Alg. 1 is followed literally: descend from the entry point with ef = 1
//!   through every layer above the new node's level, then on each layer
//!   `lc <= min(level, L)` run SEARCH-LAYER with efConstruction, select M
//!   neighbours, link both ways, shrink overflowing lists, and promote the
//!   entry point when `level > L`.
//! - Standard: an overflowing neighbour re-selects its own list only.
//!   Post-condition per insert: each selected neighbour `e` links back to the
//!   new node unless `e`'s list was full before and its re-selection dropped it.
//! - Symmetric: every dropped edge also loses its reverse, so `a -> b` on a
//!   layer iff `b -> a`; a node left with no edge on a layer that has other
//!   nodes is reconnected before the insert returns.

use std::time::Instant;

use crate::distance::Metric;
use crate::graph::Graph;
use crate::ids::{Layer, NodeId};
use crate::params::{Params, PrunePolicy};
use crate::search::{descend, search_layer, Adjacency, Scored, Scratch};
use crate::select::select;
use crate::store::Vectors;

/// What one insert did on one layer: enough to check the insert post-condition.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerTrace {
    /// The layer.
    pub layer: Layer,
    /// The neighbours selected for the new node (before any symmetric drop).
    pub selected: Vec<NodeId>,
    /// What happened at each selected neighbour, in the same order.
    pub back_links: Vec<BackLink>,
}

/// The back-link from one selected neighbour to the new node.
#[derive(Clone, Debug, PartialEq)]
pub struct BackLink {
    /// The selected neighbour `e`.
    pub neighbour: NodeId,
    /// `|N(e)|` on this layer just before the back-link.
    pub len_before: usize,
    /// True if the new node is in `N(e)` after `e` was processed.
    pub kept: bool,
}

/// What one insert did: the per-insert record the checker verifies.
#[derive(Clone, Debug, PartialEq)]
pub struct InsertTrace {
    /// The new node.
    pub node: NodeId,
    /// Its level.
    pub level: Layer,
    /// One entry per layer it was linked on, top layer first.
    pub layers: Vec<LayerTrace>,
    /// True if it became the entry point.
    pub promoted: bool,
}

/// Build-time counters, including what the Symmetric repair cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildStats {
    /// Distance computations during inserts.
    pub distances: u64,
    /// Lists that overflowed and were re-selected.
    pub reselections: u64,
    /// Reverse edges removed by the Symmetric policy.
    pub symmetric_drops: u64,
    /// Stranded (node, layer) pairs reconnected.
    pub repairs: u64,
    /// Repairs that had to break an existing edge because no candidate had room.
    pub forced_repairs: u64,
    /// Stranded nodes that could not be reconnected.
    pub unrepaired: u64,
    /// Distance computations spent in repairs.
    pub repair_distances: u64,
    /// Wall time spent in repairs, nanoseconds.
    pub repair_nanos: u64,
}

/// The graph and vectors seen together, read-only, for search during insert.
pub(crate) struct Parts<'a> {
    pub graph: &'a Graph,
    pub vectors: &'a Vectors,
    pub metric: Metric,
}

impl Adjacency for Parts<'_> {
    fn metric(&self) -> Metric {
        self.metric
    }
    fn len(&self) -> usize {
        self.graph.len()
    }
    #[inline]
    fn vector(&self, id: NodeId) -> &[f32] {
        self.vectors.get(id)
    }
    #[inline]
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        out.clear();
        out.extend_from_slice(self.graph.neighbours(id, layer));
    }
}

fn ids(list: &[Scored]) -> Vec<NodeId> {
    list.iter().map(|s| s.id).collect()
}

/// Alg. 1 INSERT for node `q`, whose vector is stored and whose (empty) lists
/// exist at its level. Links it, prunes, promotes the entry point.
pub(crate) fn connect(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    q: NodeId,
) -> InsertTrace {
    let distances_before = s.distances;
    let level = graph.level(q);
    let mut trace = InsertTrace {
        node: q,
        level,
        layers: Vec::new(),
        promoted: false,
    };
    let Some(ep_id) = graph.entry() else {
        graph.set_entry(q, level);
        trace.promoted = true;
        return trace;
    };
    let top = graph.max_level();
    let metric = params.metric;
    let qv = vectors.get(q);
    let mut ep = Scored {
        dist: metric.distance(qv, vectors.get(ep_id)),
        id: ep_id,
    };
    s.distances += 1;
    if level < top {
        let parts = Parts {
            graph,
            vectors,
            metric,
        };
        ep = descend(&parts, qv, ep, top, level, s);
    }
    let mut entry = vec![ep];
    let mut found = Vec::new();
    let mut selected = Vec::new();
    let start = level.min(top).0;
    for lc in (0..=start).rev().map(Layer) {
        {
            let parts = Parts {
                graph,
                vectors,
                metric,
            };
            search_layer(
                &parts,
                qv,
                &entry,
                params.ef_construction,
                lc,
                s,
                &mut found,
            );
            select(
                &parts,
                params.selection,
                q,
                qv,
                &found,
                params.m,
                lc,
                s,
                &mut selected,
            );
        }
        graph.set_neighbours(q, lc, &ids(&selected));
        let mut layer_trace = LayerTrace {
            layer: lc,
            selected: ids(&selected),
            back_links: Vec::new(),
        };
        let mut stranded = Vec::new();
        for e in ids(&selected) {
            let len_before = graph.neighbours(e, lc).len();
            link_back(graph, vectors, params, s, stats, e, q, lc, &mut stranded);
            let kept = graph.neighbours(e, lc).contains(&q);
            layer_trace.back_links.push(BackLink {
                neighbour: e,
                len_before,
                kept,
            });
        }
        if params.prune == PrunePolicy::Symmetric {
            if graph.neighbours(q, lc).is_empty() {
                stranded.push(q);
            }
            for x in stranded {
                if graph.neighbours(x, lc).is_empty() && graph.layer_size(lc) >= 2 {
                    repair(graph, vectors, params, s, stats, x, lc);
                }
            }
        }
        trace.layers.push(layer_trace);
        std::mem::swap(&mut entry, &mut found);
    }
    if level > top {
        graph.set_entry(q, level);
        trace.promoted = true;
    }
    stats.distances += s.distances - distances_before;
    trace
}

/// Alg. 1 lines 11-16 for one neighbour `e`: add `e -> q`, and if `e`'s list
/// overflows, re-select it (SELECT-NEIGHBORS with Mmax). Under Symmetric,
/// every node `x` that `e` drops also loses `x -> e`; nodes left empty are
/// pushed on `stranded`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn link_back(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    e: NodeId,
    q: NodeId,
    lc: Layer,
    stranded: &mut Vec<NodeId>,
) {
    if graph.neighbours(e, lc).contains(&q) || graph.push_neighbour(e, lc, q) {
        return;
    }
    stats.reselections += 1;
    let metric = params.metric;
    let ev = vectors.get(e);
    let mut pool: Vec<Scored> = graph
        .neighbours(e, lc)
        .iter()
        .chain(std::iter::once(&q))
        .map(|&x| Scored {
            dist: metric.distance(ev, vectors.get(x)),
            id: x,
        })
        .collect();
    s.distances += pool.len() as u64;
    pool.sort_unstable();
    let mut kept = Vec::new();
    {
        let parts = Parts {
            graph,
            vectors,
            metric,
        };
        select(
            &parts,
            params.selection,
            e,
            ev,
            &pool,
            graph.capacity(lc),
            lc,
            s,
            &mut kept,
        );
    }
    graph.set_neighbours(e, lc, &ids(&kept));
    if params.prune == PrunePolicy::Symmetric {
        for x in pool
            .iter()
            .map(|p| p.id)
            .filter(|x| !kept.iter().any(|k| k.id == *x))
        {
            if graph.remove_neighbour(x, lc, e) {
                stats.symmetric_drops += 1;
            }
            if graph.neighbours(x, lc).is_empty() {
                stranded.push(x);
            }
        }
    }
}

/// Reconnect `x`, which has no edge on `lc` although the layer has other
/// nodes (Symmetric policy only). Links `x` both ways to up to `m` of its
/// nearest nodes that have room; if none has room, the nearest node `c` drops
/// its farthest neighbour `y` that keeps another edge, and takes `x` instead.
///
/// Post: `x` has at least one edge on `lc` (else `stats.unrepaired` grows),
/// and every edge it touched is bidirectional.
fn repair(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    x: NodeId,
    lc: Layer,
) {
    let t0 = Instant::now();
    let d0 = s.distances;
    let metric = params.metric;
    let xv = vectors.get(x);
    let mut cands: Vec<Scored> = Vec::new();
    if let Some(ep_id) = graph.entry() {
        let parts = Parts {
            graph,
            vectors,
            metric,
        };
        let top = graph.max_level().min(graph.level(ep_id));
        if ep_id != x && top >= lc {
            let ep = Scored {
                dist: metric.distance(xv, vectors.get(ep_id)),
                id: ep_id,
            };
            let ep = descend(&parts, xv, ep, top, lc, s);
            search_layer(&parts, xv, &[ep], params.ef_construction, lc, s, &mut cands);
        }
    }
    cands.retain(|c| c.id != x);
    if cands.is_empty() {
        // x is the entry point, or the search could not leave it: scan the layer.
        cands = (0..graph.len() as u32)
            .map(NodeId)
            .filter(|&c| c != x && graph.level(c) >= lc)
            .map(|c| Scored {
                dist: metric.distance(xv, vectors.get(c)),
                id: c,
            })
            .collect();
        s.distances += cands.len() as u64;
        cands.sort_unstable();
    }
    let cap = graph.capacity(lc);
    let mut linked = 0;
    for c in &cands {
        if linked >= params.m.min(cap) {
            break;
        }
        if graph.neighbours(c.id, lc).len() < cap && graph.neighbours(x, lc).len() < cap {
            graph.push_neighbour(c.id, lc, x);
            graph.push_neighbour(x, lc, c.id);
            linked += 1;
        }
    }
    if linked == 0 {
        'outer: for c in &cands {
            let cv = vectors.get(c.id);
            let mut victims: Vec<Scored> = graph
                .neighbours(c.id, lc)
                .iter()
                .filter(|&&y| graph.neighbours(y, lc).len() >= 2)
                .map(|&y| Scored {
                    dist: metric.distance(cv, vectors.get(y)),
                    id: y,
                })
                .collect();
            s.distances += victims.len() as u64;
            victims.sort_unstable();
            if let Some(y) = victims.last() {
                graph.remove_neighbour(c.id, lc, y.id);
                graph.remove_neighbour(y.id, lc, c.id);
                graph.push_neighbour(c.id, lc, x);
                graph.push_neighbour(x, lc, c.id);
                stats.forced_repairs += 1;
                linked = 1;
                break 'outer;
            }
        }
    }
    if linked == 0 {
        stats.unrepaired += 1;
    } else {
        stats.repairs += 1;
    }
    stats.repair_distances += s.distances - d0;
    stats.repair_nanos += t0.elapsed().as_nanos() as u64;
}
