//! I4 per-insert searchability: right after its insert, a node finds itself.
//!
//! Query the new node's stored vector `v` with paper Alg. 5
//! (`knn(view, ep, max_level, v, k = 1, ef = efConstruction)`). It passes iff
//! the top result's stored vector is bitwise identical to `v` (the node itself
//! or an exact copy) or its distance is `<= metric.distance(v, v)` (cosine
//! rounding, and inner product, where a point need not be its own nearest).
//!
//! Precondition: the new node has an in-edge on layer 0 from one of its
//! layer-0 selected neighbours or its own layer-0 out-neighbours. Without
//! one it cannot be reached at all; under the Standard policy that is legal
//! when every selected neighbour's list was full and its re-selection dropped
//! the new node (which I3 checks), and it is what the hnswlib "self-miss" and
//! zero-in-degree reports describe (FAILURES.md §1.2). The check_all census
//! (I5) counts such nodes. The first node (no layer traces) is the entry point
//! and is always checked. With `Expectations::strict_findability` (set when
//! the build runs `verify_inserts`, which guarantees it) the precondition is
//! dropped: every new node must find itself.
//!
//! The search reads the view through `Guarded`, which drops link targets
//! `>= len` so that a graph broken in I1 is reported rather than panicking;
//! on a graph that passes I1 it is exactly the view.

use hnswlab::distance::Metric;
use hnswlab::search::{knn, Adjacency, Scratch};
use hnswlab::{GraphView, InsertTrace, Layer, NodeId};

use crate::expect::Expectations;
use crate::violation::{Collector, Violation, Violations};

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

/// True if some layer-0 selected neighbour of the traced node, or one of its
/// own layer-0 out-neighbours, links to it on layer 0 now (ids `>= len` are
/// ignored). Also true for a trace with no layer-0 entry (the first node).
pub(crate) fn has_in_edge<V: GraphView + ?Sized>(view: &V, trace: &InsertTrace) -> bool {
    let q = trace.node;
    let n = view.len();
    let Some(base) = trace.layers.iter().find(|lt| lt.layer.0 == 0) else {
        return true;
    };
    base.back_links
        .iter()
        .map(|b| b.neighbour)
        .chain(view.neighbours(q, Layer(0)).iter().copied())
        .filter(|e| e.index() < n && *e != q)
        .any(|e| view.neighbours(e, Layer(0)).contains(&q))
}

/// Check I4 for `trace.node` (`< len`), searching from `entry` (`< len`).
/// Skipped (passes) when [`has_in_edge`] is false.
pub(crate) fn check<V: GraphView + ?Sized>(
    view: &V,
    trace: &InsertTrace,
    entry: NodeId,
    ef: usize,
    strict: bool,
    scratch: &mut Scratch,
    out: &mut Collector,
) {
    if !strict && !has_in_edge(view, trace) {
        return;
    }
    let node = trace.node;
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

/// I4's contract: whether a self-miss is a broken promise or a census fact.
///
/// A build promises that every insert finds itself only with `verify_inserts`
/// ([`Expectations::strict_findability`]); then a [`Violation::NotFindable`]
/// is a violation. Without it the paper's insert makes no promise about a
/// single insert: a node whose copies or neighbours filled every list it was
/// offered to, or that the greedy descent misses, is HNSW's own behaviour
/// (hnswlib's "self-miss", FAILURES.md §1.2), not a bug in the caller's code.
/// Those are removed from `vs` (with their `Omitted` tally) and counted: the
/// return value is the number of insert-time self-misses to report.
pub fn take_self_misses(vs: &mut Violations, expect: &Expectations) -> usize {
    if expect.strict_findability {
        return 0;
    }
    let misses = vs.count("NotFindable");
    vs.0.retain(|v| !matches!(v, Violation::NotFindable { .. } | Violation::Omitted { kind: "NotFindable", .. }));
    misses
}

#[cfg(test)]
mod tests {
    use hnswlab::{synthetic, GraphView, InsertTrace, NodeId, PrunePolicy, Snapshot};

    use super::{has_in_edge, take_self_misses};
    use crate::testutil::{assert_kinds, build_from, expect_for};
    use crate::violation::Violation;
    use crate::{check_insert, Expectations};

    /// 80 Gaussian points (no duplicates), the last inserted traced; the
    /// seed is chosen so that the last node is not the entry point.
    fn last_insert(policy: PrunePolicy) -> (Snapshot, InsertTrace, Expectations) {
        let seed = 3;
        println!("seed {seed}");
        let points = synthetic::gaussian(80, 2, seed);
        let (mut index, _) = build_from(policy, 3, seed, &points[..158]);
        let trace = index.insert_traced(9999, &points[158..]).expect("valid point");
        assert!(!trace.promoted, "pick a seed whose last insert is not promoted");
        let e = expect_for(&index);
        let s = Snapshot::of(&index);
        assert!(check_insert(&s, &trace, &e).is_ok(), "clean insert passes");
        (s, trace, e)
    }

    #[test]
    fn unfindable_node_is_reported() {
        for policy in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            let (mut s, mut t, e) = last_insert(policy);
            let q = t.node;
            let ep = s.entry.expect("non-empty");
            // Keep I4's precondition (an in-edge from a selected layer-0
            // neighbour `keep`) but make `keep` and q unreachable: no list
            // names either of them, except `keep -> q` on layer 0.
            let base = t.layers.iter().position(|lt| lt.layer.0 == 0).expect("q is linked on layer 0");
            let keep = t.layers[base]
                .back_links
                .iter()
                .map(|b| b.neighbour)
                .find(|&b| b != ep)
                .expect("a selected neighbour that is not the entry point");
            for lists in s.lists.iter_mut() {
                for list in lists.iter_mut() {
                    list.retain(|&b| b != q && b != keep);
                }
            }
            s.lists[keep.index()][0].push(q);
            // The pair keep - q stays symmetric (q -> keep does not help a search reach q).
            s.lists[q.index()][0].push(keep);
            // Only the layer-0 back-link from `keep` stays in the trace, so
            // the I3 part has nothing to report.
            t.layers = vec![t.layers[base].clone()];
            t.layers[0].back_links.retain(|b| b.neighbour == keep);
            t.layers[0].back_links[0].kept = true;
            assert!(has_in_edge(&s, &t));
            let v = assert_kinds(check_insert(&s, &t, &e), &["NotFindable"]);
            match &v.0[0] {
                Violation::NotFindable { node, ef, found, self_dist, .. } => {
                    assert_eq!((*node, *ef, *self_dist), (q, e.ef_construction, 0.0));
                    assert!(found.is_some_and(|f| f != q && f != keep), "{policy:?}: {v}");
                }
                other => panic!("{policy:?}: unexpected {other}"),
            }
            // Without verify_inserts the build promised nothing: the miss is a census fact.
            let mut vs = v.clone();
            vs.0.push(Violation::MissingEntry { len: 0 });
            assert!(!e.strict_findability);
            assert_eq!(take_self_misses(&mut vs, &e), 1, "{policy:?}");
            assert_kinds(Err::<(), _>(vs), &["MissingEntry"]);
            // With it, the same miss is a broken promise and stays a violation.
            let strict = Expectations { strict_findability: true, ..e.clone() };
            let mut vs = v.clone();
            assert_eq!(take_self_misses(&mut vs, &strict), 0);
            assert!(vs.has("NotFindable"), "{policy:?}: {vs}");
        }
    }

    #[test]
    fn omitted_self_misses_are_counted_too() {
        let e = Expectations { strict_findability: false, ..Expectations::for_params(&hnswlab::Params::default()) };
        let miss = |i: u32| Violation::NotFindable {
            node: NodeId(i),
            ef: 8,
            found: None,
            found_dist: f32::NAN,
            self_dist: 0.0,
        };
        let mut vs = crate::Violations(vec![miss(1), miss(2), Violation::Omitted { kind: "NotFindable", omitted: 5 }]);
        assert_eq!(take_self_misses(&mut vs, &e), 7);
        assert!(vs.0.is_empty(), "{vs}");
    }

    #[test]
    fn stranded_node_is_exempt_and_an_identical_copy_counts() {
        let (mut s, t, e) = last_insert(PrunePolicy::Standard);
        let q = t.node;
        // Strand q completely: no list names it. I4's precondition fails, so
        // only the I3 part can report (the back-links it lost had room).
        for lists in s.lists.iter_mut() {
            for list in lists.iter_mut() {
                list.retain(|&b| b != q);
            }
        }
        assert!(!has_in_edge(&s, &t));
        // Neither a self-loop nor a back-link to an id past the last node is
        // an in-edge.
        let mut looped = s.clone();
        looped.lists[q.index()][0].push(q);
        let mut past = t.clone();
        let n = s.levels.len() as u32;
        let base = past.layers.iter_mut().find(|lt| lt.layer.0 == 0).expect("q is linked on layer 0");
        for id in [n, n + 5] {
            base.back_links.push(hnswlab::BackLink { neighbour: NodeId(id), len_before: 0, kept: true });
        }
        assert!(!has_in_edge(&looped, &t), "a self-loop");
        assert!(!has_in_edge(&looped, &past), "a self-loop and ids past the end");
        // Nor is a link from a node the view does not hold yet: node n exists
        // in the graph behind a prefix view of n nodes (a commit in progress)
        // and links to q, but the view ends before it.
        let mut longer = s.clone();
        longer.levels.push(hnswlab::Layer(0));
        longer.lists.push(vec![vec![q]]);
        longer.vectors.extend(s.vector(q).to_vec());
        longer.labels.push(123_456);
        assert!(has_in_edge(&longer, &past), "the whole graph holds n -> q");
        assert!(!has_in_edge(&hnswlab::view::PrefixView::new(&longer, n as usize), &past), "the prefix ends before n");
        let v = check_insert(&s, &t, &e).expect_err("I3 must notice the lost back-links");
        assert!(!v.has("NotFindable"), "{v}");
        // A copy of q's vector stored at a reachable node satisfies I4.
        let mut s2 = s.clone();
        let other = NodeId(0);
        let d = s2.dim;
        let qv = s2.vector(q).to_vec();
        s2.vectors[other.index() * d..(other.index() + 1) * d].copy_from_slice(&qv);
        let mut t2 = t.clone();
        t2.layers.clear();
        t2.layers.push(hnswlab::LayerTrace {
            layer: hnswlab::Layer(0),
            selected: vec![other],
            back_links: vec![hnswlab::BackLink { neighbour: other, len_before: 0, kept: true }],
        });
        if !s2.lists[other.index()][0].contains(&q) {
            if s2.lists[other.index()][0].len() == s2.m0 {
                s2.lists[other.index()][0].pop();
            }
            s2.lists[other.index()][0].push(q);
        }
        assert!(check_insert(&s2, &t2, &e).is_ok(), "{:?}", check_insert(&s2, &t2, &e));
    }

    #[test]
    fn missing_entry_stops_the_search_with_a_report() {
        let (mut s, t, e) = last_insert(PrunePolicy::Standard);
        s.entry = None;
        assert_kinds(check_insert(&s, &t, &e), &["MissingEntry"]);
        s.entry = Some(NodeId(s.len() as u32));
        assert_kinds(check_insert(&s, &t, &e), &["EntryOutOfRange"]);
    }

    #[test]
    fn out_of_range_links_do_not_panic_the_search() {
        let (mut s, t, e) = last_insert(PrunePolicy::Standard);
        let ep = s.entry.expect("non-empty");
        let top = s.max_level.index();
        s.lists[ep.index()][top].push(NodeId(u32::MAX - 1));
        let bad = NodeId(s.len() as u32 + 10);
        s.lists[ep.index()][0].push(bad);
        assert!(check_insert(&s, &t, &e).is_ok(), "I4 still finds the node");
    }
}
