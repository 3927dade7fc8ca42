//! Neighbour selection: SELECT-NEIGHBORS-SIMPLE (paper Alg. 3) and
//! SELECT-NEIGHBORS-HEURISTIC (Alg. 4).
//!
//! Both take candidates already scored against the base element `q`, and
//! return at most `m` of them, ascending by (distance, id).
//!
//! Alg. 4 leaves two things open that decide the graph on data with exact
//! duplicates or equal distances; the prune policy settles them:
//! - *Standard* follows hnswlib's `getNeighborsByHeuristic2`: candidates at
//!   equal distance are considered newest (largest id) first, because its
//!   queue pops the largest `(-distance, id)` pair; and a pool of fewer than
//!   `m` candidates is returned whole, unpruned. So a new node that ties with
//!   a full list's members replaces the oldest of them instead of being
//!   dropped, and a clump of copies keeps linking its newest members.
//! - *Symmetric* keeps its own rule: oldest (smallest id) first, every pool pruned.

use std::cmp::Ordering;

use crate::ids::{Layer, NodeId};
use crate::params::{PrunePolicy, Selection};
use crate::search::{Adjacency, Scored, Scratch};

/// Alg. 4's consideration order under `prune`: ascending distance, then
/// descending id (Standard, hnswlib) or ascending id (Symmetric).
#[inline]
pub fn heuristic_order(prune: PrunePolicy, a: &Scored, b: &Scored) -> Ordering {
    let by_dist = a.dist.total_cmp(&b.dist);
    match prune {
        PrunePolicy::Standard => by_dist.then(b.id.cmp(&a.id)),
        PrunePolicy::Symmetric => by_dist.then(a.id.cmp(&b.id)),
    }
}

/// Alg. 3: the `m` nearest candidates.
///
/// Post: the result is the `m` smallest candidates by (distance, id), ascending.
pub fn select_simple(candidates: &[Scored], m: usize, out: &mut Vec<Scored>) {
    out.clear();
    out.extend_from_slice(candidates);
    out.sort_unstable();
    out.dedup_by_key(|s| s.id);
    out.truncate(m);
}

/// Alg. 4: keep a candidate `e` (nearest first) only if it is closer to `q`
/// than to every element already kept — hnswlib's rule: `e` is discarded iff
/// some kept `r` has `dist(e, r) < dist(e, q)` (strictly: a copy of `q` is
/// never discarded for a copy already kept). With `extend_candidates`, the
/// neighbours of the candidates on `layer` join the pool (never `q` itself);
/// with `keep_pruned`, discarded candidates refill the result up to `m`.
/// Candidates are considered in [`heuristic_order`] for `prune`; under
/// Standard a pool of fewer than `m` is kept whole (hnswlib).
///
/// Post: the result is a subset of the pool of size `<= m`, ascending by
/// (distance, id), and contains the nearest candidate when there is one.
#[allow(clippy::too_many_arguments)]
pub fn select_heuristic<A: Adjacency + ?Sized>(
    g: &A,
    q: NodeId,
    q_vec: &[f32],
    candidates: &[Scored],
    m: usize,
    layer: Layer,
    extend_candidates: bool,
    keep_pruned: bool,
    prune: PrunePolicy,
    s: &mut Scratch,
    out: &mut Vec<Scored>,
) {
    let metric = g.metric();
    let mut pool: Vec<Scored> = candidates.iter().copied().filter(|c| c.id != q).collect();
    if extend_candidates {
        s.visited.clear(g.len());
        s.visited.insert(q);
        for c in &pool {
            s.visited.insert(c.id);
        }
        let mut buf = std::mem::take(&mut s.buf);
        let base = pool.len();
        for i in 0..base {
            g.copy_neighbours(pool[i].id, layer, &mut buf);
            for &e in &buf {
                if s.visited.insert(e) {
                    let d = metric.distance(q_vec, g.vector(e));
                    s.distances += 1;
                    pool.push(Scored { dist: d, id: e });
                }
            }
        }
        s.buf = buf;
    }
    pool.sort_unstable();
    pool.dedup_by_key(|c| c.id);
    out.clear();
    if prune == PrunePolicy::Standard && pool.len() < m {
        out.extend_from_slice(&pool);
        return;
    }
    pool.sort_unstable_by(|a, b| heuristic_order(prune, a, b));
    let mut discarded = Vec::new();
    for &e in &pool {
        if out.len() >= m {
            break;
        }
        let v = g.vector(e.id);
        let mut good = true;
        for r in out.iter() {
            s.distances += 1;
            if metric.distance(v, g.vector(r.id)) < e.dist {
                good = false;
                break;
            }
        }
        if good {
            out.push(e);
        } else if keep_pruned {
            discarded.push(e);
        }
    }
    if keep_pruned {
        for e in discarded {
            if out.len() >= m {
                break;
            }
            out.push(e);
        }
    }
    out.sort_unstable();
}

/// Select by `selection` (Alg. 3 or 4, the latter with `prune`'s rules) for base element `q`.
#[allow(clippy::too_many_arguments)]
pub fn select<A: Adjacency + ?Sized>(
    g: &A,
    selection: Selection,
    prune: PrunePolicy,
    q: NodeId,
    q_vec: &[f32],
    candidates: &[Scored],
    m: usize,
    layer: Layer,
    s: &mut Scratch,
    out: &mut Vec<Scored>,
) {
    match selection {
        Selection::Simple => {
            let pool: Vec<Scored> = candidates.iter().copied().filter(|c| c.id != q).collect();
            select_simple(&pool, m, out)
        }
        Selection::Heuristic { extend_candidates, keep_pruned } => {
            select_heuristic(g, q, q_vec, candidates, m, layer, extend_candidates, keep_pruned, prune, s, out)
        }
    }
}
