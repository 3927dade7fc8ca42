//! I3 bidirectional edges: a statistic for the Standard policy, an
//! invariant for the Symmetric one, and the insert post-condition.
//!
//! Paper Alg. 1 shrinks only the overflowing neighbour's own list, so under
//! the Standard policy one-way edges are normal (FAILURES.md §1.1); what is
//! an invariant is the *insert post-condition*: after inserting `q`, each
//! selected neighbour `e` on layer `l` links back to `q` unless `e`'s list was
//! already full (`|N_l(e)| >= capacity(l)` before the back-link), in which
//! case `e`'s re-selection may drop `q`.

use hnswlab::{GraphView, InsertTrace, NodeId};

use crate::census::LayerGraph;
use crate::violation::{Collector, Violation};

/// Edge counts of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct EdgeCount {
    /// Edges `a -> b` with `b` a node of the layer other than `a`.
    pub edges: usize,
    /// Those with no `b -> a`.
    pub one_way: usize,
}

/// Count the valid edges and one-way edges of one layer; under `symmetric`,
/// report each one-way edge as [`Violation::OneWayEdge`]. Edges that break
/// I1 (missing target, self-link, target below the layer) are not in `g`.
pub(crate) fn count_layer(g: &LayerGraph, symmetric: bool, out: &mut Collector) -> EdgeCount {
    let mut c = EdgeCount { edges: g.edges(), one_way: 0 };
    for i in 0..g.len() {
        for &j in g.out(i) {
            if !g.out(j as usize).contains(&(i as u32)) {
                c.one_way += 1;
                if symmetric {
                    out.push(Violation::OneWayEdge {
                        node: g.global(i),
                        layer: g.layer,
                        neighbour: g.global(j as usize),
                    });
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
/// Under `symmetric` the rule is about pairs: the edge `e - q` must be
/// present in both directions or in neither ([`Violation::OneWayEdge`]
/// otherwise); a pair present or absent in both directions is accepted
/// whatever the trace says, since Symmetric prunes and repairs later in the
/// same insert (and the `verify_inserts` repair, which rewrites `kept`) add
/// and remove edges in pairs. A one-way pair is also checked as above.
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
            let reverse = view.neighbours(q, layer).contains(&e);
            if symmetric {
                if actual == reverse {
                    // Present or absent in both directions: a Symmetric prune
                    // or repair later in the same insert changes edges in pairs.
                    continue;
                }
                let (from, to) = if actual { (e, q) } else { (q, e) };
                out.push(Violation::OneWayEdge { node: from, layer, neighbour: to });
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

#[cfg(test)]
mod tests {
    use hnswlab::{GraphView, InsertTrace, Layer, NodeId, PrunePolicy, Snapshot};

    use crate::testutil::{assert_kinds, assert_pass, build, expect_for, fixture};
    use crate::violation::Violation;
    use crate::{check_all, check_insert, Expectations};

    /// Every insert of real builds passes check_insert's I3 part, and I4 but
    /// for one frozen self-miss (a census fact: these builds do not verify).
    ///
    /// m = 2 is left out on purpose: there the reference index itself breaks
    /// I4 on some inserts (Standard, lattice seeds 8 and 9: a level-3 node the
    /// greedy descent cannot reach even at ef = 200; Symmetric: 13 of 40
    /// seed/data builds, layer 0 fragments), which is a finding about the
    /// index, not a checker false positive. With the core's `verify_inserts`
    /// repair m = 2 passes too (next test).
    #[test]
    fn every_real_insert_passes_the_post_condition() {
        let mut misses = Vec::new();
        for policy in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            for m in 3..=5 {
                for seed in 0..10u64 {
                    for (shape, points) in [
                        ("lattice", hnswlab::synthetic::lattice(80, 2, 3, seed)),
                        ("gaussian", hnswlab::synthetic::gaussian(150, 2, seed)),
                    ] {
                        println!("policy {policy:?} m {m} seed {seed} {shape}");
                        let (mut index, _) = build(policy, m, seed, 0);
                        let e = expect_for(&index);
                        for (i, v) in points.chunks_exact(2).enumerate() {
                            let trace = index.insert_traced(i as u64, v).expect("valid point");
                            if let Err(mut v) = check_insert(&index, &trace, &e) {
                                if crate::searchable::take_self_misses(&mut v, &e) > 0 {
                                    misses.push(format!("{policy:?} m {m} seed {seed} {shape} insert {i}"));
                                }
                                assert!(v.0.is_empty(), "{policy:?} m {m} seed {seed} {shape} insert {i}:\n{v}");
                            }
                        }
                    }
                }
            }
        }
        println!("self-misses: {misses:?}");
        // postmortem: since SEARCH-LAYER admits only strictly closer nodes to a
        // full W (paper Alg. 2, hnswlib), this lattice insert's self-search
        // stops on a plateau of equal distances one step short of it. A census
        // fact without verify_inserts (I4's contract); any other miss is new.
        assert_eq!(misses, vec!["Symmetric m 3 seed 8 lattice insert 58".to_string()]);
    }

    /// With `verify_inserts` (the core's I4 repair) every insert passes,
    /// m = 2 included.
    #[test]
    fn every_verified_insert_passes_including_m2() {
        for policy in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            for m in 2..=4 {
                for seed in 0..10u64 {
                    for (shape, points) in [
                        ("lattice", hnswlab::synthetic::lattice(80, 2, 3, seed)),
                        ("gaussian", hnswlab::synthetic::gaussian(150, 2, seed)),
                    ] {
                        println!("verified: policy {policy:?} m {m} seed {seed} {shape}");
                        let p = hnswlab::Params::builder()
                            .m(m)
                            .ef_construction(32)
                            .prune(policy)
                            .seed(seed)
                            .verify_inserts(true)
                            .build()
                            .expect("valid parameters");
                        let mut index = hnswlab::Hnsw::new(2, p).expect("dim 2");
                        let e = expect_for(&index);
                        for (i, v) in points.chunks_exact(2).enumerate() {
                            let trace = index.insert_traced(i as u64, v).expect("valid point");
                            if let Err(v) = check_insert(&index, &trace, &e) {
                                panic!("{policy:?} m {m} seed {seed} {shape} insert {i}:\n{v}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// A real index of 59 points, then a traced insert of the 60th, and the
    /// snapshot right after it.
    fn last_insert(policy: PrunePolicy, seed: u64) -> (Snapshot, InsertTrace, Expectations) {
        let points = hnswlab::synthetic::lattice(60, 2, 3, seed);
        let (mut index, _) = crate::testutil::build_from(policy, 3, seed, &points[..118]);
        let trace = index.insert_traced(5000, &points[118..]).expect("valid point");
        let e = expect_for(&index);
        let s = Snapshot::of(&index);
        assert!(check_insert(&s, &trace, &e).is_ok(), "clean insert passes");
        (s, trace, e)
    }

    /// (layer index in the trace, back-link index) of a back-link kept into
    /// a list that had room.
    fn roomy_back_link(s: &Snapshot, t: &InsertTrace) -> (usize, usize) {
        for (li, lt) in t.layers.iter().enumerate() {
            let cap = if lt.layer.0 == 0 { s.m0 } else { s.m };
            for (bi, b) in lt.back_links.iter().enumerate() {
                if b.kept && b.len_before < cap {
                    return (li, bi);
                }
            }
        }
        panic!("no back-link into a list with room: {t:?}");
    }

    #[test]
    fn clean_standard_graph_counts_one_way_edges_without_failing() {
        let (s, e) = fixture(PrunePolicy::Standard, 11);
        let h = assert_pass(check_all(&s, &e), "standard");
        println!("one-way per layer: {:?}", h.layers.iter().map(|l| l.one_way).collect::<Vec<_>>());
        assert!(h.one_way_total > 0, "a Standard build of 60 points has one-way edges");
        let frac = h.layers[0].one_way_fraction;
        assert!(frac > 0.0 && frac < 1.0, "fraction {frac}");
    }

    #[test]
    fn one_way_edge_is_reported_under_symmetric() {
        let (mut s, e) = fixture(PrunePolicy::Symmetric, 11);
        assert!(e.symmetric);
        let h = assert_pass(check_all(&s, &e), "symmetric");
        assert_eq!(h.one_way_total, 0, "a Symmetric graph has no one-way edge");
        // Drop a -> b; b -> a stays and becomes one-way.
        let a = (0..s.len()).find(|&i| !s.lists[i][0].is_empty()).expect("an edge");
        let b = s.lists[a][0].remove(0);
        let v = assert_kinds(check_all(&s, &e), &["OneWayEdge"]);
        assert_eq!(v.0, vec![Violation::OneWayEdge { node: b, layer: Layer(0), neighbour: NodeId(a as u32) }]);
        // The same graph under Standard expectations is healthy, with one one-way edge counted.
        let standard = Expectations { symmetric: false, ..e };
        let h = assert_pass(check_all(&s, &standard), "standard expectations");
        assert_eq!(h.one_way_total, 1);
    }

    #[test]
    fn missing_back_link_is_reported() {
        for policy in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            let (mut s, mut t, e) = last_insert(policy, 11);
            let (li, bi) = roomy_back_link(&s, &t);
            let layer = t.layers[li].layer;
            let b = t.layers[li].back_links[bi].clone();
            s.lists[b.neighbour.index()][layer.index()].retain(|&x| x != t.node);
            // An honest trace of a mutant that dropped the back-link.
            t.layers[li].back_links[bi].kept = false;
            let v = crate::testutil::kinds(&check_insert(&s, &t, &e).expect_err("must fail"));
            assert!(v.contains("MissingBackLink"), "{policy:?}: {v:?}");
            assert!(!v.contains("TraceMismatch"), "{policy:?}: {v:?}");
            let got = check_insert(&s, &t, &e).expect_err("must fail");
            assert!(got.0.contains(&Violation::MissingBackLink {
                node: t.node,
                layer,
                neighbour: b.neighbour,
                len_before: b.len_before,
                capacity: if layer.0 == 0 { s.m0 } else { s.m },
            }));
            // Had the list been full, dropping the new node would be legal.
            t.layers[li].back_links[bi].len_before = if layer.0 == 0 { s.m0 } else { s.m };
            if let Err(v) = check_insert(&s, &t, &e) {
                assert!(!v.has("MissingBackLink"), "{policy:?}: {v}");
            }
        }
    }

    #[test]
    fn lying_trace_is_reported() {
        let (s, mut t, e) = last_insert(PrunePolicy::Standard, 11);
        let (li, bi) = roomy_back_link(&s, &t);
        t.layers[li].back_links[bi].kept = false;
        let v = assert_kinds(check_insert(&s, &t, &e), &["TraceMismatch"]);
        assert_eq!(
            v.0[0],
            Violation::TraceMismatch {
                node: t.node,
                layer: t.layers[li].layer,
                neighbour: t.layers[li].back_links[bi].neighbour,
                traced: false,
                actual: true
            }
        );
    }

    #[test]
    fn trace_naming_a_missing_node_is_reported() {
        let (s, mut t, e) = last_insert(PrunePolicy::Standard, 11);
        let bad = NodeId(s.len() as u32 + 7);
        t.layers[0].back_links[0].neighbour = bad;
        let v = assert_kinds(check_insert(&s, &t, &e), &["TraceOutOfRange"]);
        assert_eq!(
            v.0[0],
            Violation::TraceOutOfRange { node: t.node, layer: Some(t.layers[0].layer), id: bad, len: s.len() }
        );
        t.node = NodeId(s.len() as u32 + 1);
        assert_kinds(check_insert(&s, &t, &e), &["TraceOutOfRange"]);
    }

    #[test]
    fn symmetric_accepts_an_edge_broken_both_ways_after_the_back_link() {
        let (mut s, t, e) = last_insert(PrunePolicy::Symmetric, 11);
        let (li, bi) = roomy_back_link(&s, &t);
        let layer = t.layers[li].layer.index();
        let nb = t.layers[li].back_links[bi].neighbour;
        s.lists[nb.index()][layer].retain(|&x| x != t.node);
        s.lists[t.node.index()][layer].retain(|&x| x != nb);
        if let Err(v) = check_insert(&s, &t, &e) {
            assert!(!v.has("MissingBackLink") && !v.has("TraceMismatch"), "{v}");
        }
        // Under Standard expectations the same lost back-link is a violation.
        let standard = Expectations { symmetric: false, ..e };
        let v = check_insert(&s, &t, &standard).expect_err("must fail");
        assert!(v.has("MissingBackLink") && v.has("TraceMismatch"), "{v}");
    }

    #[test]
    fn one_way_pair_after_a_symmetric_insert_is_reported() {
        let (mut s, t, e) = last_insert(PrunePolicy::Symmetric, 11);
        let (li, bi) = roomy_back_link(&s, &t);
        let layer = t.layers[li].layer;
        let nb = t.layers[li].back_links[bi].neighbour;
        // q loses q -> e, e keeps e -> q: one-way in a Symmetric graph.
        s.lists[t.node.index()][layer.index()].retain(|&x| x != nb);
        let v = assert_kinds(check_insert(&s, &t, &e), &["OneWayEdge"]);
        assert_eq!(v.0[0], Violation::OneWayEdge { node: nb, layer, neighbour: t.node });
    }
}
