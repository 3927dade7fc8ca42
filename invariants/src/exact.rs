//! I6 exactness: an exhaustive search over a strongly connected layer 0 is
//! brute force.
//!
//! Runs when `n <= exact_max_nodes`, `exact_queries > 0`, every link target
//! is `< n` (I1) and the entry point is a valid id (I2), and layer 0 is one
//! strongly connected component. Then for `q = min(exact_queries, n)` query
//! nodes `id_i = floor(i n / q)`, `i in 0..q` (spread over the ids,
//! deterministic), paper Alg. 5 `knn(view, ep, max_level, vector(id_i), k =
//! min(10, n), ef = n)` must return the same ids in the same order as
//! `exact_knn(view, vector(id_i), k)` (ties by id in both).
//!
//! Why strong connectivity suffices: with `ef >= n` SEARCH-LAYER's result set
//! `W` never exceeds `ef`, so nothing is evicted; every candidate is in `W`,
//! so the nearest candidate is never farther than `W`'s furthest and the loop
//! never stops early. It therefore visits every node reachable from its
//! layer-0 entry, which on a strongly connected layer 0 is every node, and
//! returns the `k` smallest `(distance, id)` pairs, as the oracle does.
//! Whatever the upper layers did, the layer-0 entry is some node.

use hnswlab::oracle::exact_knn;
use hnswlab::search::{knn, Scored, Scratch};
use hnswlab::{GraphView, NodeId};

use crate::violation::{Collector, Violation};

/// The query nodes: `q` ids spread evenly over `0..n`.
pub(crate) fn queries(n: usize, q: usize) -> impl Iterator<Item = NodeId> {
    let q = q.min(n);
    (0..q).map(move |i| NodeId((i as u128 * n as u128 / q as u128) as u32))
}

/// Run I6 with Alg. 5 from `entry`; returns the number of queries run.
/// The caller has checked the preconditions.
pub(crate) fn check<V: GraphView + ?Sized>(
    view: &V,
    entry: NodeId,
    queries_wanted: usize,
    out: &mut Collector,
) -> usize {
    let mut scratch = Scratch::new();
    let max_level = view.max_level();
    check_with(view, queries_wanted, out, |q, k, ef| knn(view, entry, max_level, q, k, ef, &mut scratch))
}

/// I6 with an arbitrary search `search(query, k, ef)`, so tests can show the
/// check catches a broken search.
pub(crate) fn check_with<V, F>(view: &V, queries_wanted: usize, out: &mut Collector, mut search: F) -> usize
where
    V: GraphView + ?Sized,
    F: FnMut(&[f32], usize, usize) -> Vec<Scored>,
{
    let n = view.len();
    let k = n.min(10);
    let ef = n;
    let mut run = 0;
    for query in queries(n, queries_wanted) {
        let v = view.vector(query);
        let got: Vec<NodeId> = search(v, k, ef).iter().map(|s| s.id).collect();
        let want: Vec<NodeId> = exact_knn(view, v, k).iter().map(|s| s.id).collect();
        run += 1;
        if got != want {
            out.push(Violation::Inexact { query, k, ef, got, want });
        }
    }
    run
}
