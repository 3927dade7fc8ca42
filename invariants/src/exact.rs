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

#[cfg(test)]
mod tests {
    use hnswlab::search::{knn, Scratch};
    use hnswlab::{GraphView, PrunePolicy, Snapshot};

    use super::{check_with, queries};
    use crate::testutil::{assert_kinds, assert_pass, fixture};
    use crate::violation::Collector;
    use crate::{check_all, Expectations};

    /// A fixture whose layer 0 is strongly connected, so I6 runs.
    fn connected_fixture() -> (Snapshot, Expectations) {
        for seed in 0..50u64 {
            let (s, e) = fixture(PrunePolicy::Standard, seed);
            let h = assert_pass(check_all(&s, &e), "clean");
            if h.layers[0].scc_count == 1 {
                assert_eq!(h.exact_queries_run, e.exact_queries.min(s.len()), "I6 ran: {:?}", h.skipped);
                println!("connected fixture: seed {seed}");
                return (s, e);
            }
        }
        panic!("no seed in 0..50 gives a strongly connected layer 0");
    }

    #[test]
    fn queries_are_spread_and_distinct() {
        let q: Vec<u32> = queries(100, 16).map(|id| id.0).collect();
        assert_eq!(q.len(), 16);
        assert_eq!(q[0], 0);
        assert!(q.windows(2).all(|w| w[0] < w[1]) && q[15] < 100, "{q:?}");
        assert_eq!(queries(5, 16).count(), 5);
    }

    #[test]
    fn a_search_that_stops_early_is_caught() {
        let (s, e) = connected_fixture();
        let ep = s.entry.expect("non-empty");
        let mut scratch = Scratch::new();
        let mut out = Collector::new();
        // Mutant: ignore the ef it was asked for and use ef = k (a beam too narrow to be exact).
        let run =
            check_with(&s, e.exact_queries, &mut out, |q, k, _ef| knn(&s, ep, s.max_level(), q, k, k, &mut scratch));
        assert_eq!(run, e.exact_queries);
        let v = assert_kinds(out.finish(()), &["Inexact"]);
        println!("{v}");
    }

    #[test]
    fn a_search_that_misorders_is_caught() {
        let (s, e) = connected_fixture();
        let ep = s.entry.expect("non-empty");
        let mut scratch = Scratch::new();
        let mut out = Collector::new();
        // Mutant: right ids, wrong order (the last two swapped).
        check_with(&s, e.exact_queries, &mut out, |q, k, ef| {
            let mut r = knn(&s, ep, s.max_level(), q, k, ef, &mut scratch);
            let len = r.len();
            r.swap(len - 1, len - 2);
            r
        });
        assert_kinds(out.finish(()), &["Inexact"]);
        // The real search passes the same check.
        let mut out = Collector::new();
        check_with(&s, e.exact_queries, &mut out, |q, k, ef| knn(&s, ep, s.max_level(), q, k, ef, &mut scratch));
        assert!(out.finish(()).is_ok());
    }

    #[test]
    fn skipped_when_layer0_is_not_strongly_connected() {
        let (mut s, e) = connected_fixture();
        // Make node 1 a sink on layer 0: nothing leaves it, so layer 0 splits.
        let x = (0..s.len()).find(|&i| Some(i) != s.entry.map(|p| p.index())).expect("two nodes");
        s.lists[x][0].clear();
        let h = assert_pass(check_all(&s, &e), "a sink is soft");
        assert_eq!(h.exact_queries_run, 0);
        assert!(h.skipped.iter().any(|r| r.starts_with("I6")), "{:?}", h.skipped);
    }
}
