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
//!
//! The same argument gives a form that needs neither strong connectivity nor
//! a size bound ([`check_layer0`]): paper Alg. 2 SEARCH-LAYER on layer 0 from
//! the entry point with `ef = n` visits exactly the nodes reachable from the
//! entry point, so its first `k` results are the `k` smallest `(distance, id)`
//! pairs over that reachable set. It costs `O(n m0)` per query, so it runs at
//! any size on a sample of queries, and a search whose stop condition or
//! result bound is wrong fails it on every graph, connected or not.
//!
//! After deletes both forms judge the live set only: the query nodes are
//! spread over the live ids, `k = min(10, live)`, the search is the core's
//! tombstone-aware one ([`knn_admitting`] / [`search_layer_admitting`],
//! which expands tombstones and returns only live nodes) and brute force
//! runs over the live vectors. The argument is unchanged: with `ef >= n` the
//! result set never fills with `ef` live nodes, so the search neither evicts
//! nor stops, and it expands every node (tombstones included) it reaches;
//! "strongly connected" is over the non-free nodes. A graph without deletes
//! is checked exactly as before.

use hnswlab::oracle::exact_knn;
use hnswlab::search::{knn, knn_admitting, search_layer, search_layer_admitting, Admit, Scored, Scratch};
use hnswlab::{GraphView, Layer, NodeId, Slot};

use crate::violation::{Collector, Violation};

/// The query nodes: `q` ids spread evenly over `0..n`.
pub(crate) fn queries(n: usize, q: usize) -> impl Iterator<Item = NodeId> {
    let q = q.min(n);
    (0..q).map(move |i| NodeId((i as u128 * n as u128 / q as u128) as u32))
}

/// Admits the live nodes of a view: what a search after deletes may return.
pub(crate) struct LiveOnly<'a, V: ?Sized>(pub &'a V);

impl<V: GraphView + ?Sized> Admit for LiveOnly<'_, V> {
    const ALL: bool = false;
    #[inline]
    fn admits(&self, id: NodeId) -> bool {
        self.0.slot(id) == Slot::Live
    }
}

/// The live ids of `view`, ascending, or `None` when every id is live.
fn live_ids<V: GraphView + ?Sized>(view: &V) -> Option<Vec<NodeId>> {
    let ids: Vec<NodeId> = (0..view.len() as u32).map(NodeId).filter(|&id| view.slot(id) == Slot::Live).collect();
    (ids.len() < view.len()).then_some(ids)
}

/// The query nodes over the live ids: `q` of them spread evenly
/// ([`queries`] when every id is live).
fn live_queries(n: usize, live: Option<&[NodeId]>, q: usize) -> Vec<NodeId> {
    match live {
        None => queries(n, q).collect(),
        Some(ids) => queries(ids.len(), q).map(|i| ids[i.index()]).collect(),
    }
}

/// The `k` nearest of `among` (every id when `None`) to `q`, ascending by
/// `(distance, id)`.
fn exact_among<V: GraphView + ?Sized>(view: &V, among: Option<&[NodeId]>, q: &[f32], k: usize) -> Vec<Scored> {
    let Some(ids) = among else { return exact_knn(view, q, k) };
    let metric = view.metric();
    let mut all: Vec<Scored> = ids.iter().map(|&id| Scored { dist: metric.distance(q, view.vector(id)), id }).collect();
    all.sort_unstable();
    all.truncate(k);
    all
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
    let any_dead = (0..view.len() as u32).any(|i| view.slot(NodeId(i)) != Slot::Live);
    check_with(view, queries_wanted, out, |q, k, ef| {
        if any_dead {
            knn_admitting(view, entry, max_level, q, k, ef, &mut scratch, &LiveOnly(view))
        } else {
            knn(view, entry, max_level, q, k, ef, &mut scratch)
        }
    })
}

/// I6 with an arbitrary search `search(query, k, ef)`, so tests can show the
/// check catches a broken search.
pub(crate) fn check_with<V, F>(view: &V, queries_wanted: usize, out: &mut Collector, mut search: F) -> usize
where
    V: GraphView + ?Sized,
    F: FnMut(&[f32], usize, usize) -> Vec<Scored>,
{
    let n = view.len();
    let live = live_ids(view);
    let k = live.as_ref().map_or(n, Vec::len).min(10);
    let ef = n;
    let mut run = 0;
    if k == 0 {
        return 0;
    }
    for query in live_queries(n, live.as_deref(), queries_wanted) {
        let v = view.vector(query);
        let got: Vec<NodeId> = search(v, k, ef).iter().map(|s| s.id).collect();
        let want: Vec<NodeId> = exact_among(view, live.as_deref(), v, k).iter().map(|s| s.id).collect();
        run += 1;
        if got != want {
            out.push(Violation::Inexact { query, k, ef, got, want });
        }
    }
    run
}

/// Queries of the layer-0 form: each costs a full walk of layer 0 (about 1.7 s
/// at a million nodes in release), and a search that collapses fails nearly
/// every query, so a few suffice.
pub(crate) const LAYER0_QUERIES: usize = 4;

/// The nodes reachable from `entry` over layer 0's links, as a mask.
/// Pre: every link target is `< n` (I1 passed).
fn reachable_on_layer0<V: GraphView + ?Sized>(view: &V, entry: NodeId) -> Vec<bool> {
    let mut seen = vec![false; view.len()];
    let mut stack = vec![entry];
    seen[entry.index()] = true;
    while let Some(x) = stack.pop() {
        for &y in view.neighbours(x, Layer(0)) {
            if !seen[y.index()] {
                seen[y.index()] = true;
                stack.push(y);
            }
        }
    }
    seen
}

/// I6, layer-0 form: for the sampled query nodes, SEARCH-LAYER on layer 0
/// from `entry` with `ef = n` returns, first, exactly the `k = min(10, r)`
/// smallest `(distance, id)` pairs over the `r` live nodes reachable from
/// `entry` (through tombstones).
/// Returns the number of queries run. Pre: I1 in range, `entry < n`.
pub(crate) fn check_layer0<V: GraphView + ?Sized>(
    view: &V,
    entry: NodeId,
    queries_wanted: usize,
    out: &mut Collector,
) -> usize {
    let mut scratch = Scratch::new();
    let any_dead = (0..view.len() as u32).any(|i| view.slot(NodeId(i)) != Slot::Live);
    check_layer0_with(view, entry, queries_wanted, out, |q, start, ef, found| {
        if any_dead {
            search_layer_admitting(view, q, &[start], ef, Layer(0), &mut scratch, found, &LiveOnly(view))
        } else {
            search_layer(view, q, &[start], ef, Layer(0), &mut scratch, found)
        }
    })
}

/// [`check_layer0`] with an arbitrary layer search `search(query, start, ef, out)`,
/// so tests can show the check catches a broken SEARCH-LAYER.
pub(crate) fn check_layer0_with<V, F>(
    view: &V,
    entry: NodeId,
    queries_wanted: usize,
    out: &mut Collector,
    mut search: F,
) -> usize
where
    V: GraphView + ?Sized,
    F: FnMut(&[f32], Scored, usize, &mut Vec<Scored>),
{
    let n = view.len();
    let live = live_ids(view);
    let is_live = |i: usize| live.is_none() || view.slot(NodeId(i as u32)) == Slot::Live;
    let reach = reachable_on_layer0(view, entry);
    let reachable = (0..n).filter(|&i| reach[i] && is_live(i)).count();
    let k = reachable.min(10);
    let metric = view.metric();
    let mut found = Vec::new();
    let mut run = 0;
    for query in live_queries(n, live.as_deref(), queries_wanted) {
        let v = view.vector(query);
        let start = Scored { dist: metric.distance(v, view.vector(entry)), id: entry };
        search(v, start, n, &mut found);
        let got: Vec<NodeId> = found.iter().take(k).map(|s| s.id).collect();
        let mut pool: Vec<Scored> = (0..n as u32)
            .filter(|&i| reach[i as usize] && is_live(i as usize))
            .map(|i| Scored { dist: metric.distance(v, view.vector(NodeId(i))), id: NodeId(i) })
            .collect();
        pool.sort_unstable();
        let want: Vec<NodeId> = pool.iter().take(k).map(|s| s.id).collect();
        run += 1;
        if got != want {
            out.push(Violation::InexactLayer0 { query, k, ef: n, reachable, got, want });
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use hnswlab::search::{knn, Scratch};
    use hnswlab::{GraphView, PrunePolicy, Snapshot};

    use hnswlab::search::{search_layer, Scored};
    use hnswlab::{Layer, NodeId};

    use super::{check_layer0, check_layer0_with, check_with, queries};
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

    /// A fixture whose layer 0 is *not* strongly connected (a node made a
    /// sink), so only the layer-0 form of I6 can run.
    fn split_fixture() -> (Snapshot, Expectations, NodeId) {
        let (mut s, e) = connected_fixture();
        let x = (0..s.len()).find(|&i| Some(i) != s.entry.map(|p| p.index())).expect("two nodes");
        s.lists[x][0].clear();
        let ep = s.entry.expect("non-empty");
        (s, e, ep)
    }

    /// SEARCH-LAYER whose loop stops when the candidate is farther than the
    /// *nearest* result instead of the furthest (Alg. 2 line 7 read wrongly):
    /// the collapse that leaves recall flat at every ef.
    fn stops_at_nearest(s: &Snapshot, q: &[f32], start: Scored, ef: usize, out: &mut Vec<Scored>) {
        let metric = s.metric;
        let mut seen = vec![false; s.len()];
        seen[start.id.index()] = true;
        let mut candidates = vec![start];
        let mut results = vec![start];
        while let Some(i) = (0..candidates.len()).min_by(|&a, &b| candidates[a].cmp(&candidates[b])) {
            let c = candidates.swap_remove(i);
            let nearest = results.iter().min().copied().expect("non-empty");
            if c.dist > nearest.dist {
                break;
            }
            for &e in &s.lists[c.id.index()][0] {
                if !seen[e.index()] {
                    seen[e.index()] = true;
                    let d = Scored { dist: metric.distance(q, &s.vectors[e.index() * s.dim..][..s.dim]), id: e };
                    candidates.push(d);
                    results.push(d);
                }
            }
        }
        results.sort_unstable();
        results.truncate(ef);
        *out = results;
    }

    #[test]
    fn the_layer0_form_runs_without_strong_connectivity_and_passes_the_real_search() {
        let (s, e, _) = split_fixture();
        let h = assert_pass(check_all(&s, &e), "a sink is soft");
        assert_eq!(h.exact_queries_run, 0, "the Alg. 5 form needs strong connectivity");
        assert_eq!(h.exact_layer0_queries_run, e.exact_queries.min(s.len()).min(super::LAYER0_QUERIES));
        let (s, e) = connected_fixture();
        let h = assert_pass(check_all(&s, &e), "connected");
        assert_eq!(h.exact_layer0_queries_run, e.exact_queries.min(s.len()).min(super::LAYER0_QUERIES));
    }

    #[test]
    fn the_layer0_form_catches_a_search_that_stops_at_the_nearest_result() {
        for (name, (s, e, ep)) in [
            ("split", split_fixture()),
            ("connected", {
                let (s, e) = connected_fixture();
                let ep = s.entry.expect("non-empty");
                (s, e, ep)
            }),
        ] {
            let mut out = Collector::new();
            let run = check_layer0_with(&s, ep, e.exact_queries, &mut out, |q, start, ef, found| {
                stops_at_nearest(&s, q, start, ef, found)
            });
            assert_eq!(run, e.exact_queries.min(s.len()));
            let v = assert_kinds(out.finish(()), &["InexactLayer0"]);
            println!("{name}: {v}");
        }
    }

    #[test]
    fn the_layer0_form_catches_a_result_bound_below_ef() {
        let (s, e, ep) = split_fixture();
        let mut scratch = Scratch::new();
        let mut out = Collector::new();
        // Mutant: W bounded at 3 whatever ef is asked for, so exhaustive search evicts.
        check_layer0_with(&s, ep, e.exact_queries, &mut out, |q, start, ef, found| {
            search_layer(&s, q, &[start], 3.min(ef), Layer(0), &mut scratch, found)
        });
        assert_kinds(out.finish(()), &["InexactLayer0"]);
        let mut out = Collector::new();
        check_layer0(&s, ep, e.exact_queries, &mut out);
        assert!(out.finish(()).is_ok(), "the real search passes");
    }

    #[test]
    fn the_layer0_form_judges_only_reachable_nodes() {
        // Cut the entry point off: only it is reachable, so k = 1 and the
        // search (which can only return the entry point) is right.
        let (mut s, e) = connected_fixture();
        let ep = s.entry.expect("non-empty");
        s.lists[ep.index()][0].clear();
        let mut out = Collector::new();
        let run = check_layer0(&s, ep, e.exact_queries, &mut out);
        assert_eq!(run, e.exact_queries.min(s.len()));
        assert!(out.finish(()).is_ok());
    }
}
