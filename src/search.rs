//! SEARCH-LAYER (paper Alg. 2), greedy descent, and K-NN-SEARCH (Alg. 5).
//!
//! The search reads the graph through [`Adjacency`], so the reference index,
//! snapshots and the concurrent strategies share one implementation.
//! Ties are broken by node id everywhere, so a search is a deterministic
//! function of the graph, the query and ef.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::distance::Metric;
use crate::ids::{Layer, NodeId};
use crate::visited::Visited;

/// Read access to vectors and adjacency, as search needs it.
pub trait Adjacency {
    /// Distance function.
    fn metric(&self) -> Metric;
    /// Number of node ids in use (ids are `0..len`).
    fn len(&self) -> usize;
    /// True when there are no nodes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The stored vector of `id`.
    fn vector(&self, id: NodeId) -> &[f32];
    /// Replace `out` with the neighbours of `id` on `layer`.
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>);
}

/// A node with its distance to the query; ordered by (distance, id).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// Distance to the query.
    pub dist: f32,
    /// The node.
    pub id: NodeId,
}

impl Eq for Scored {}

impl Ord for Scored {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist.total_cmp(&other.dist).then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Scored {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reusable search state: allocate once, search many times.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) visited: Visited,
    candidates: BinaryHeap<Reverse<Scored>>,
    results: BinaryHeap<Scored>,
    pub(crate) buf: Vec<NodeId>,
    pub(crate) layer_out: Vec<Scored>,
    /// Distance computations since the scratch was made (or last reset by the caller).
    pub distances: u64,
}

impl Scratch {
    /// A fresh scratch.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Alg. 2 SEARCH-LAYER(q, ep, ef, lc): beam search on one layer.
///
/// Pre: every id in `entry` is on `layer`. Post: `out` holds the (at most)
/// `ef` nearest visited nodes, sorted ascending by (distance, id). The loop
/// stops when the nearest unexpanded candidate is farther than the furthest
/// result (`C`'s min > `W`'s max), as in the paper.
pub fn search_layer<A: Adjacency + ?Sized>(
    g: &A,
    q: &[f32],
    entry: &[Scored],
    ef: usize,
    layer: Layer,
    s: &mut Scratch,
    out: &mut Vec<Scored>,
) {
    let metric = g.metric();
    s.visited.clear(g.len());
    s.candidates.clear();
    s.results.clear();
    for &e in entry {
        if s.visited.insert(e.id) {
            s.candidates.push(Reverse(e));
            s.results.push(e);
            if s.results.len() > ef {
                s.results.pop();
            }
        }
    }
    let mut buf = std::mem::take(&mut s.buf);
    while let Some(Reverse(c)) = s.candidates.pop() {
        let furthest = *s.results.peek().expect("W is never empty while C is not");
        if c.dist > furthest.dist {
            break;
        }
        g.copy_neighbours(c.id, layer, &mut buf);
        for &e in &buf {
            if !s.visited.insert(e) {
                continue;
            }
            let d = metric.distance(q, g.vector(e));
            s.distances += 1;
            let cand = Scored { dist: d, id: e };
            if s.results.len() < ef || cand < *s.results.peek().expect("non-empty") {
                s.candidates.push(Reverse(cand));
                s.results.push(cand);
                if s.results.len() > ef {
                    s.results.pop();
                }
            }
        }
    }
    s.buf = buf;
    out.clear();
    out.extend(s.results.drain());
    out.sort_unstable();
}

/// Greedy descent (Alg. 1 lines 5-7, Alg. 5 lines 4-6): from `ep` on layer
/// `from`, SEARCH-LAYER with ef = 1 on each layer down to `to + 1`, keeping the
/// nearest as the next entry. Returns the entry for layer `to`.
pub fn descend<A: Adjacency + ?Sized>(g: &A, q: &[f32], ep: Scored, from: Layer, to: Layer, s: &mut Scratch) -> Scored {
    let mut ep = ep;
    let mut out = std::mem::take(&mut s.layer_out);
    let mut l = from.0;
    while l > to.0 {
        search_layer(g, q, &[ep], 1, Layer(l), s, &mut out);
        ep = out[0];
        l -= 1;
    }
    s.layer_out = out;
    ep
}

/// Alg. 5 K-NN-SEARCH(q, K, ef): descend to layer 1 with ef = 1, then
/// SEARCH-LAYER on layer 0 with `ef`, returning the `k` nearest, ascending.
///
/// Pre: `ef >= k >= 1`, the graph is non-empty, and `entry` has a list on
/// every layer up to `max_level` (invariant I2).
pub fn knn<A: Adjacency + ?Sized>(
    g: &A,
    entry: NodeId,
    max_level: Layer,
    q: &[f32],
    k: usize,
    ef: usize,
    s: &mut Scratch,
) -> Vec<Scored> {
    debug_assert!(ef >= k && k >= 1);
    let d = g.metric().distance(q, g.vector(entry));
    s.distances += 1;
    let ep = descend(g, q, Scored { dist: d, id: entry }, max_level, Layer(0), s);
    // ef may be absurdly large (it only bounds the beam): never allocate beyond the graph.
    let mut out = Vec::with_capacity(ef.min(g.len()));
    search_layer(g, q, &[ep], ef, Layer(0), s, &mut out);
    out.truncate(k);
    out
}
