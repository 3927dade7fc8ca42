//! The defining properties of the paper's algorithms, tested directly on small
//! inputs (proptest; a failure prints the shrunk case and its seed file):
//!
//! - Alg. 4 SELECT-NEIGHBORS-HEURISTIC: the result is exactly the greedy
//!   sequence over the pool in (distance, id) order, where a candidate is kept
//!   iff fewer than `m` are kept and no kept element is strictly closer to it
//!   than `q` is (hnswlib's tie rule: equal distance keeps); with
//!   `keep_pruned` the discarded ones refill to `m` in pool order.
//! - Alg. 2 SEARCH-LAYER: the result is the `ef` best of the visited set, every
//!   result was expanded (the loop only stops when the nearest candidate is
//!   farther than the *furthest* of W), and the run matches the paper's
//!   pseudocode step for step: same result, same set of expanded nodes.
//! - The level function: `floor(-ln(u) mL)` capped, and per seed the level
//!   histogram of 20,000 ids fits the law for mL = 1/ln(M) (I7's test).
//!
//! Inputs are continuous coordinates, so distances tie with probability ~0
//! and the properties do not depend on how ties are ordered; the tie rule of
//! Alg. 4 has its own exact test.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use hnswlab::level::{level, level_from_draw};
use hnswlab::search::{search_layer, Adjacency};
use hnswlab::select::select_heuristic;
use hnswlab::{Layer, Metric, NodeId, Params, PrunePolicy, Scored, Scratch, Snapshot};
use hnswlab_invariants::{check_all, documented_ml, Expectations};
use proptest::collection::vec;
use proptest::prelude::*;

/// A single-layer graph over 2-d points with the given out-lists.
fn graph(points: &[(f32, f32)], lists: Vec<Vec<NodeId>>) -> Snapshot {
    let n = points.len();
    Snapshot {
        dim: 2,
        metric: Metric::L2,
        m: 64,
        m0: 64,
        levels: vec![Layer(0); n],
        lists: lists.into_iter().map(|l| vec![l]).collect(),
        entry: (n > 0).then_some(NodeId(0)),
        max_level: Layer(0),
        vectors: points.iter().flat_map(|&(x, y)| [x, y]).collect(),
        labels: (0..n as u64).collect(),
        ids: (0..n as u32).map(|i| (u64::from(i), NodeId(i))).collect::<HashMap<_, _>>(),
        slots: Vec::new(),
    }
}

fn dist(g: &Snapshot, a: NodeId, b: &[f32]) -> f32 {
    Metric::L2.distance(&g.vectors[a.index() * 2..a.index() * 2 + 2], b)
}

/// Points and random out-lists (targets in range, no self-links, no repeats).
fn graph_case(max_n: usize) -> impl Strategy<Value = (Vec<(f32, f32)>, Vec<Vec<NodeId>>)> {
    vec((-100.0f32..100.0, -100.0f32..100.0), 2..max_n).prop_flat_map(|points| {
        let n = points.len();
        let lists = vec(vec(0..n as u32, 0..8), n).prop_map(move |raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let set: BTreeSet<u32> = l.into_iter().filter(|&t| t as usize != i).collect();
                    set.into_iter().map(NodeId).collect()
                })
                .collect::<Vec<Vec<NodeId>>>()
        });
        (Just(points), lists)
    })
}

/// True when two of the scored items have the same distance.
fn has_tie(items: &[Scored]) -> bool {
    let mut d: Vec<u32> = items.iter().map(|s| s.dist.to_bits()).collect();
    d.sort_unstable();
    d.windows(2).any(|w| w[0] == w[1])
}

/// Alg. 4 as the paper states it, written from the definition: walk the pool
/// nearest first; keep `e` iff fewer than `m` are kept and no kept `r` has
/// `dist(e, r) < dist(e, q)`; with `keep_pruned`, refill from the discarded.
fn greedy(g: &Snapshot, pool: &[Scored], m: usize, keep_pruned: bool) -> Vec<Scored> {
    let mut kept: Vec<Scored> = Vec::new();
    let mut discarded = Vec::new();
    for &e in pool {
        if kept.len() == m {
            break;
        }
        let ev = &g.vectors[e.id.index() * 2..e.id.index() * 2 + 2];
        if kept.iter().all(|r| dist(g, r.id, ev) >= e.dist) {
            kept.push(e);
        } else {
            discarded.push(e);
        }
    }
    if keep_pruned {
        for e in discarded {
            if kept.len() == m {
                break;
            }
            kept.push(e);
        }
        kept.sort();
    }
    kept
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Alg. 4's defining property, with and without candidate extension and refill.
    #[test]
    fn heuristic_selection_is_the_greedy_rule(
        (points, lists) in graph_case(40),
        m in 1usize..8,
        q_pick in any::<prop::sample::Index>(),
        take in 1usize..40,
        extend in any::<bool>(),
        keep_pruned in any::<bool>(),
        symmetric in any::<bool>(),
    ) {
        let prune = if symmetric { PrunePolicy::Symmetric } else { PrunePolicy::Standard };
        let g = graph(&points, lists);
        let n = points.len();
        let q = NodeId(q_pick.index(n) as u32);
        let qv = g.vectors[q.index() * 2..q.index() * 2 + 2].to_vec();
        // Candidates: the first `take` ids (q among them when it falls there).
        let candidates: Vec<Scored> =
            (0..take.min(n) as u32).map(|i| Scored { dist: dist(&g, NodeId(i), &qv), id: NodeId(i) }).collect();
        // q is not a candidate of its own list: dropped first, so its
        // neighbours do not join the pool through it either.
        let mut pool_ids: BTreeSet<NodeId> = candidates.iter().map(|c| c.id).filter(|&id| id != q).collect();
        if extend {
            for c in candidates.iter().filter(|c| c.id != q) {
                pool_ids.extend(g.lists[c.id.index()][0].iter().copied());
            }
        }
        pool_ids.remove(&q);
        let mut pool: Vec<Scored> = pool_ids.iter().map(|&id| Scored { dist: dist(&g, id, &qv), id }).collect();
        pool.sort();
        prop_assume!(!has_tie(&pool));
        let mut out = Vec::new();
        select_heuristic(&g, q, &qv, &candidates, m, Layer(0), extend, keep_pruned, prune, &mut Scratch::new(), &mut out);
        // Standard returns a pool smaller than m whole, as hnswlib does.
        let want = if prune == PrunePolicy::Standard && pool.len() < m { pool.clone() } else { greedy(&g, &pool, m, keep_pruned) };
        prop_assert_eq!(&out, &want, "m {} extend {} keep_pruned {} {:?} pool {:?}", m, extend, keep_pruned, prune, pool);
    }

    /// Alg. 2's defining properties, and step-for-step agreement with the pseudocode.
    #[test]
    fn search_layer_is_the_ef_best_of_what_it_visited(
        (points, lists) in graph_case(60),
        ef in 1usize..12,
        q in (-100.0f32..100.0, -100.0f32..100.0),
        entries in vec(any::<prop::sample::Index>(), 1..3),
    ) {
        let g = graph(&points, lists);
        let n = points.len();
        let qv = [q.0, q.1];
        let entry: Vec<Scored> = {
            let ids: BTreeSet<NodeId> = entries.iter().map(|e| NodeId(e.index(n) as u32)).collect();
            ids.into_iter().map(|id| Scored { dist: dist(&g, id, &qv), id }).collect()
        };
        let all: Vec<Scored> = (0..n as u32).map(|i| Scored { dist: dist(&g, NodeId(i), &qv), id: NodeId(i) }).collect();
        prop_assume!(!has_tie(&all));
        let rec = Recorder { g: &g, read: RefCell::new(BTreeSet::new()), expanded: RefCell::new(BTreeSet::new()) };
        let mut out = Vec::new();
        search_layer(&rec, &qv, &entry, ef, Layer(0), &mut Scratch::new(), &mut out);

        let mut visited: BTreeSet<NodeId> = rec.read.borrow().clone();
        visited.extend(entry.iter().map(|e| e.id));
        let mut best: Vec<Scored> = visited.iter().map(|&id| Scored { dist: dist(&g, id, &qv), id }).collect();
        best.sort();
        best.truncate(ef);
        prop_assert_eq!(&out, &best, "the result is the ef best of the visited set");
        let expanded = rec.expanded.borrow().clone();
        for r in &out {
            prop_assert!(expanded.contains(&r.id), "result {:?} was never expanded: the loop stopped early", r);
        }
        let (want_out, want_expanded) = paper_search_layer(&g, &qv, &entry, ef);
        prop_assert_eq!(&out, &want_out, "result differs from the pseudocode");
        prop_assert_eq!(&expanded, &want_expanded, "expanded set differs from the pseudocode");
    }

    /// The level function is `min(floor(-ln(u) mL), cap)`.
    #[test]
    fn level_from_draw_is_the_formula(u in 1e-300f64..=1.0, m in 2usize..64, cap in 0u8..=32) {
        let ml = documented_ml(m);
        let want = (-u.ln() * ml).floor().min(f64::from(cap)) as u8;
        prop_assert_eq!(level_from_draw(u, ml, cap), Layer(want));
    }

    /// Per seed, the level histogram fits `P(level >= l) = exp(-l / mL)` with
    /// mL from M by the paper's formula (I7's Chernoff test, false-positive
    /// rate below 7e-8 per case).
    #[test]
    fn levels_follow_the_law_for_every_seed(seed in any::<u64>(), m in prop::sample::select(vec![2usize, 4, 16, 48])) {
        let n = 20_000;
        let params = Params::builder().m(m).seed(seed).build().unwrap();
        let levels: Vec<Layer> = (0..n as u32).map(|i| level(seed, NodeId(i), params.ml(), params.level_cap())).collect();
        let lists: Vec<Vec<Vec<NodeId>>> = levels.iter().map(|l| vec![Vec::new(); l.index() + 1]).collect();
        let top = levels.iter().copied().max().unwrap_or(Layer(0));
        let entry = levels.iter().position(|&l| l == top).map(|i| NodeId(i as u32));
        let s = Snapshot {
            dim: 1,
            metric: Metric::L2,
            m: params.m(),
            m0: params.m0(),
            levels,
            lists,
            entry,
            max_level: top,
            vectors: (0..n).map(|i| i as f32).collect(),
            labels: (0..n as u64).collect(),
            ids: (0..n as u32).map(|i| (u64::from(i), NodeId(i))).collect(),
            slots: Vec::new(),
        };
        let e = Expectations { exact_queries: 0, ..Expectations::for_params(&params) };
        let h = check_all(&s, &e);
        prop_assert!(h.is_ok(), "seed {} m {}: {}", seed, m, h.err().map(|v| v.to_string()).unwrap_or_default());
        prop_assert!(!h.unwrap().skipped.iter().any(|r| r.starts_with("I7")));
    }
}

/// Alg. 4's tie rule, exactly: a candidate as close to a kept element as to
/// `q` is kept (hnswlib discards only on `dist(e, r) < dist(e, q)`), one
/// strictly closer to a kept element is discarded.
#[test]
fn heuristic_keeps_a_candidate_equidistant_to_q_and_a_kept_one() {
    // q = (0, 0), r = (1, 0); e = (0.5, 1): |e - q|^2 = |e - r|^2 = 1.25.
    // f = (1.5, 0.25): |f - r|^2 = 0.3125 < |f - q|^2 = 2.3125.
    let g = graph(&[(0.0, 0.0), (1.0, 0.0), (0.5, 1.0), (1.5, 0.25)], vec![Vec::new(); 4]);
    let q = NodeId(0);
    let qv = [0.0, 0.0];
    let candidates: Vec<Scored> = (1..4).map(|i| Scored { dist: dist(&g, NodeId(i), &qv), id: NodeId(i) }).collect();
    let mut out = Vec::new();
    select_heuristic(
        &g,
        q,
        &qv,
        &candidates,
        3,
        Layer(0),
        false,
        false,
        PrunePolicy::Standard,
        &mut Scratch::new(),
        &mut out,
    );
    let ids: Vec<u32> = out.iter().map(|s| s.id.0).collect();
    assert_eq!(ids, vec![1, 2], "e (node 2) ties and is kept; f (node 3) is closer to r and discarded");
}

/// Alg. 4 with `extendCandidates`: every neighbour of a candidate that is
/// neither q nor already a candidate joins the pool, evaluated (and counted
/// in the scratch's distance counter) exactly once. With m = 1 the greedy
/// loop compares nothing, so the counter holds the extension's work alone.
#[test]
fn extending_the_candidates_evaluates_each_new_neighbour_once() {
    // q = node 0; candidates 1, 2; their lists reach 3 (twice), 4 and 5, plus q and 2 again.
    let points = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0), (2.0, 2.0), (0.5, 0.5), (-4.0, 0.0)];
    let lists = vec![
        vec![],
        vec![NodeId(2), NodeId(3), NodeId(4), NodeId(0)],
        vec![NodeId(3), NodeId(5)],
        vec![],
        vec![],
        vec![],
    ];
    let g = graph(&points, lists);
    let q = NodeId(0);
    let qv = [0.0, 0.0];
    let candidates: Vec<Scored> = [1, 2].map(|i| Scored { dist: dist(&g, NodeId(i), &qv), id: NodeId(i) }).to_vec();
    let mut s = Scratch::new();
    let mut out = Vec::new();
    select_heuristic(&g, q, &qv, &candidates, 1, Layer(0), true, false, PrunePolicy::Standard, &mut s, &mut out);
    assert_eq!(s.distances, 3, "nodes 3, 4 and 5 are new: three distances, each once");
    let ids: Vec<u32> = out.iter().map(|c| c.id.0).collect();
    assert_eq!(ids, vec![4], "the nearest of the extended pool is node 4, reached only through node 1");
}

/// Records which vectors SEARCH-LAYER reads (the visited set) and which lists
/// it expands.
struct Recorder<'a> {
    g: &'a Snapshot,
    read: RefCell<BTreeSet<NodeId>>,
    expanded: RefCell<BTreeSet<NodeId>>,
}

impl Adjacency for Recorder<'_> {
    fn metric(&self) -> Metric {
        Metric::L2
    }
    fn len(&self) -> usize {
        self.g.levels.len()
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        self.read.borrow_mut().insert(id);
        &self.g.vectors[id.index() * 2..id.index() * 2 + 2]
    }
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        self.expanded.borrow_mut().insert(id);
        out.clear();
        out.extend_from_slice(&self.g.lists[id.index()][layer.index()]);
    }
}

/// Alg. 2 transcribed from the paper with plain sets: `v` visited, `c`
/// candidates, `w` results; returns W ascending and the expanded nodes.
fn paper_search_layer(g: &Snapshot, q: &[f32], entry: &[Scored], ef: usize) -> (Vec<Scored>, BTreeSet<NodeId>) {
    let mut v: BTreeSet<NodeId> = entry.iter().map(|e| e.id).collect();
    let mut c: Vec<Scored> = entry.to_vec();
    let mut w: Vec<Scored> = entry.to_vec();
    w.sort();
    w.truncate(ef);
    let mut expanded = BTreeSet::new();
    while !c.is_empty() {
        // extract the nearest element from C; get the furthest element of W
        let i = (0..c.len()).min_by(|&a, &b| c[a].cmp(&c[b])).expect("non-empty");
        let nearest = c.remove(i);
        let furthest = *w.iter().max().expect("W non-empty");
        if nearest.dist > furthest.dist {
            break;
        }
        expanded.insert(nearest.id);
        for &e in &g.lists[nearest.id.index()][0] {
            if v.insert(e) {
                let furthest = *w.iter().max().expect("W non-empty");
                let d = Scored { dist: dist(g, e, q), id: e };
                if d < furthest || w.len() < ef {
                    c.push(d);
                    w.push(d);
                    if w.len() > ef {
                        let worst = (0..w.len()).max_by(|&a, &b| w[a].cmp(&w[b])).expect("non-empty");
                        w.remove(worst);
                    }
                }
            }
        }
    }
    w.sort();
    (w, expanded)
}
