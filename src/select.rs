//! Neighbour selection: SELECT-NEIGHBORS-SIMPLE (paper Alg. 3) and
//! SELECT-NEIGHBORS-HEURISTIC (Alg. 4).
//!
//! Both take candidates already scored against the base element `q`, and
//! return at most `m` of them, ascending by (distance, id).

use crate::ids::{Layer, NodeId};
use crate::params::Selection;
use crate::search::{Adjacency, Scored, Scratch};

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
/// some kept `r` has `dist(e, r) < dist(e, q)`. With `extend_candidates`, the
/// neighbours of the candidates on `layer` join the pool (never `q` itself);
/// with `keep_pruned`, discarded candidates refill the result up to `m`.
///
/// Post: the result is a subset of the pool of size `<= m`, ascending, and
/// contains the nearest candidate when there is one.
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
        out.sort_unstable();
    }
}

/// Select by `selection` (Alg. 3 or 4) for base element `q`.
#[allow(clippy::too_many_arguments)]
pub fn select<A: Adjacency + ?Sized>(
    g: &A,
    selection: Selection,
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
            select_heuristic(g, q, q_vec, candidates, m, layer, extend_candidates, keep_pruned, s, out)
        }
    }
}
