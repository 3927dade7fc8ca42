//! SEARCH-LAYER (paper Alg. 2), greedy descent, and K-NN-SEARCH (Alg. 5).
//!
//! The search reads the graph through [`Adjacency`], so the reference index,
//! snapshots and the concurrent strategies share one implementation.
//! A search is a deterministic function of the graph, the query and ef. On
//! equal distances it follows the paper and hnswlib: a full `W` admits a
//! node only if it is strictly closer than `W`'s furthest (Alg. 2 line 13,
//! hnswlib's `lowerBound > dist`), so with ef = 1 the greedy descent moves
//! only to a strictly closer node, and among equal distances the node met
//! first stays. Heaps and the sorted output order ties by id.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::distance::Metric;
use crate::ids::{Layer, NodeId};
use crate::prefetch::prefetch;
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
    /// The neighbours of `id` on `layer` in place, when the storage can lend
    /// them without a lock; `None` makes the search fall back to
    /// [`Adjacency::copy_neighbours`]. Both must agree.
    #[inline]
    fn borrow_neighbours(&self, id: NodeId, layer: Layer) -> Option<&[NodeId]> {
        let _ = (id, layer);
        None
    }
    /// Start loading the list of `id` on `layer` into cache (a hint; may do nothing).
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        let _ = (id, layer);
    }
}

/// Cache lines of a vector prefetched before its distance is computed: the
/// first line only, as hnswlib does; the hardware prefetcher streams the rest.
/// More lines per vector fill the CPU's few line-fill buffers and stall.
const VECTOR_LINES: usize = 1;

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
    /// Unvisited neighbours of the node being expanded, whose vectors are prefetched.
    fresh: Vec<NodeId>,
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
/// result (`C`'s min > `W`'s max), as in the paper. A node at exactly the
/// furthest result's distance does not enter a full `W` (paper: `<`).
pub fn search_layer<A: Adjacency + ?Sized>(
    g: &A,
    q: &[f32],
    entry: &[Scored],
    ef: usize,
    layer: Layer,
    s: &mut Scratch,
    out: &mut Vec<Scored>,
) {
    search_layer_admitting(g, q, entry, ef, layer, s, out, &Everyone);
}

/// Which nodes a search may return. A node it does not admit (a tombstone)
/// is still expanded, so paths through it stay open, but never enters `W`.
pub trait Admit {
    /// True when every node is admitted: the search is exactly Alg. 2.
    const ALL: bool;
    /// True if `id` may be returned.
    fn admits(&self, id: NodeId) -> bool;
}

/// Admits every node: plain Alg. 2.
#[derive(Clone, Copy, Debug, Default)]
pub struct Everyone;

impl Admit for Everyone {
    const ALL: bool = true;
    #[inline]
    fn admits(&self, _: NodeId) -> bool {
        true
    }
}

/// Alg. 2 with tombstones, as hnswlib searches an index with deletions:
/// every reached node enters the candidate queue `C` while `W` is not full,
/// but only nodes `admit` accepts enter `W`, and the loop stops on
/// `C`'s min > `W`'s max only once `W` holds `ef` admitted nodes (a `W`
/// short of admitted nodes keeps expanding, so a neighbourhood of tombstones
/// does not end the search early: catalogue F14).
///
/// Post: `out` holds the (at most) `ef` nearest admitted nodes visited,
/// ascending by (distance, id); with [`Everyone`] it is [`search_layer`].
#[allow(clippy::too_many_arguments)]
pub fn search_layer_admitting<A: Adjacency + ?Sized, F: Admit + ?Sized>(
    g: &A,
    q: &[f32],
    entry: &[Scored],
    ef: usize,
    layer: Layer,
    s: &mut Scratch,
    out: &mut Vec<Scored>,
    admit: &F,
) {
    let distance = g.metric().kernel();
    s.visited.clear(g.len());
    s.candidates.clear();
    s.results.clear();
    for &e in entry {
        if s.visited.insert(e.id) {
            s.candidates.push(Reverse(e));
            if F::ALL || admit.admits(e.id) {
                s.results.push(e);
                if s.results.len() > ef {
                    s.results.pop();
                }
            }
        }
    }
    let mut buf = std::mem::take(&mut s.buf);
    let mut fresh = std::mem::take(&mut s.fresh);
    while let Some(Reverse(c)) = s.candidates.pop() {
        if F::ALL {
            let furthest = *s.results.peek().expect("W is never empty while C is not");
            if c.dist > furthest.dist {
                break;
            }
        } else if s.results.len() >= ef && s.results.peek().is_some_and(|w| c.dist > w.dist) {
            break;
        }
        // The next candidate to expand is most likely the nearest one left: fetch its list now.
        if let Some(Reverse(next)) = s.candidates.peek() {
            g.prefetch_neighbours(next.id, layer);
        }
        let list = match g.borrow_neighbours(c.id, layer) {
            Some(list) => list,
            None => {
                g.copy_neighbours(c.id, layer, &mut buf);
                &buf[..]
            }
        };
        // Mark first, prefetch every unvisited vector, then measure: the loads overlap.
        fresh.clear();
        for &e in list {
            if s.visited.insert(e) {
                prefetch(g.vector(e), VECTOR_LINES);
                fresh.push(e);
            }
        }
        s.distances += fresh.len() as u64;
        for &e in &fresh {
            let cand = Scored { dist: distance(q, g.vector(e)), id: e };
            if s.results.len() < ef || cand.dist < s.results.peek().expect("non-empty").dist {
                s.candidates.push(Reverse(cand));
                if F::ALL || admit.admits(e) {
                    s.results.push(cand);
                    if s.results.len() > ef {
                        s.results.pop();
                    }
                }
            }
        }
    }
    s.fresh = fresh;
    s.buf = buf;
    out.clear();
    out.extend(s.results.drain());
    out.sort_unstable();
}

/// Greedy descent (Alg. 1 lines 5-7, Alg. 5 lines 4-6): from `ep` on layer
/// `from`, SEARCH-LAYER with ef = 1 on each layer down to `to + 1`, keeping the
/// nearest as the next entry. Returns the entry for layer `to`. It moves only
/// to a strictly closer node, as hnswlib's greedy walk does.
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
    knn_admitting(g, entry, max_level, q, k, ef, s, &Everyone)
}

/// Alg. 5 over a graph with tombstones: the descent through the upper layers
/// walks every node (a tombstone is a fine waypoint), and layer 0 runs
/// [`search_layer_admitting`], so the `k` returned are admitted nodes, and
/// there are `k` of them whenever `k` admitted nodes are reachable.
#[allow(clippy::too_many_arguments)]
pub fn knn_admitting<A: Adjacency + ?Sized, F: Admit + ?Sized>(
    g: &A,
    entry: NodeId,
    max_level: Layer,
    q: &[f32],
    k: usize,
    ef: usize,
    s: &mut Scratch,
    admit: &F,
) -> Vec<Scored> {
    debug_assert!(ef >= k && k >= 1);
    let d = g.metric().distance(q, g.vector(entry));
    s.distances += 1;
    let ep = descend(g, q, Scored { dist: d, id: entry }, max_level, Layer(0), s);
    // ef may be absurdly large (it only bounds the beam): never allocate beyond the graph.
    let mut out = Vec::with_capacity(ef.min(g.len()));
    search_layer_admitting(g, q, &[ep], ef, Layer(0), s, &mut out, admit);
    out.truncate(k);
    out
}
