//! # hnswlab-invariants
//!
//! Whole-graph and per-insert checks over a read-only [`hnswlab::GraphView`],
//! so they apply to the reference index, a [`hnswlab::Snapshot`], a strategy's
//! graph, or a graph loaded from someone else's file. Every check returns a
//! `Result`; a failure is a list of typed [`Violation`]s, each carrying what
//! reproduces it. At most [`violation::REPORT_CAP`] violations of each kind are
//! kept; the rest are counted in one [`Violation::Omitted`] per kind.
//!
//! Notation: `n = len()`, `N_l(a) = neighbours(a, l)`, `capacity(0) = m0`,
//! `capacity(l > 0) = m`; "node of layer `l`" means an id whose level is `>= l`;
//! "valid edge" means an entry `b` of `N_l(a)` with `b < n`, `b != a` and
//! `level(b) >= l`.
//!
//! ## The invariants, exactly as checked
//!
//! **I1 structure** (always hard; [`check_all`]). For every node `a` and every
//! `l <= level(a)`, every entry `b` of `N_l(a)`: `b < n`
//! ([`Violation::LinkOutOfRange`]), `b != a` ([`Violation::SelfLink`]),
//! `level(b) >= l` ([`Violation::LinkToLowerNode`]; `level(a) >= l` holds by
//! construction of the loop), `b` listed once ([`Violation::DuplicateLink`]);
//! and `|N_l(a)| <= capacity(l)` ([`Violation::ListTooLong`]). A node has no
//! non-empty list above its level, checked on layers
//! `level(a) + 1 ..= max(stored max level, highest level) + 1`
//! ([`Violation::ListAboveLevel`]). Every vector has exactly `dim` finite
//! coordinates ([`Violation::VectorLength`], [`Violation::NonFiniteVector`]);
//! when one does not, the distance-based I6 is skipped.
//!
//! **I2 entry point** (always hard; [`check_all`]). `n == 0` iff there is no
//! entry point (with deletes: see below) ([`Violation::EntryInEmptyGraph`], [`Violation::MissingEntry`]);
//! otherwise the entry point `ep < n` ([`Violation::EntryOutOfRange`]),
//! `level(ep) == max_level()` ([`Violation::EntryLevelMismatch`]) and
//! `max_level() == max over all v of level(v)` ([`Violation::MaxLevelMismatch`]).
//! Which of several top-level nodes is `ep` is not checked (FAILURES.md §1.3).
//!
//! **I3 bidirectional edges.** [`check_all`] counts, per layer, valid edges
//! `a -> b` with `a` not in `N_l(b)` (`one_way`, `one_way_fraction` in
//! [`LayerHealth`]); they are hard violations ([`Violation::OneWayEdge`]) only
//! when [`Expectations::symmetric`]. Under the paper's Standard prune one-way
//! edges are normal (FAILURES.md §1.1); the hard Standard form is the insert
//! post-condition, checked by [`check_insert`]: for each layer `l` of the
//! trace and each back-link to a selected neighbour `e`, `e < n`
//! ([`Violation::TraceOutOfRange`], also for the trace's own node); the trace's
//! `kept` equals `q in N_l(e)` now ([`Violation::TraceMismatch`]); and if
//! `q not in N_l(e)` then `len_before >= capacity(l)`, i.e. only a list that
//! was full may have dropped `q` in its re-selection
//! ([`Violation::MissingBackLink`]). Under `symmetric` the rule is about
//! pairs: `e - q` must be present in both directions or in neither
//! ([`Violation::OneWayEdge`]); a pair present or absent in both directions is
//! accepted whatever `kept` says (Symmetric prunes and repairs later in the
//! same insert change edges in pairs, so the new node may lose selected
//! neighbours); a one-way pair is checked as under Standard.
//!
//! **I4 per-insert searchability** ([`check_insert`]). With a valid entry point
//! (else [`Violation::MissingEntry`] / [`Violation::EntryOutOfRange`]), and
//! provided the new node has an in-edge on layer 0 from one of its layer-0
//! selected neighbours or its own layer-0 out-neighbours (without one it is
//! unreachable, which Standard pruning legally causes when every selected
//! neighbour was full and dropped it; I3 checks that, I5 counts it) — a
//! proviso dropped when `Expectations::strict_findability` is set, as it is
//! for builds with `verify_inserts`, which guarantee I4 —
//! `knn(view, ep, max_level, v, k = 1, ef = max(1, ef_construction))` over the
//! new node's stored vector `v` returns a top result whose stored vector is
//! bitwise identical to `v`, or whose distance is `<= metric.distance(v, v)`
//! ([`Violation::NotFindable`]). The search ignores link targets `>= n` (they
//! are I1's to report), so a corrupt graph does not panic the checker. I4 is
//! a strong property, not a theorem of HNSW: at m = 2 the reference index
//! breaks it on some inserts even with an in-edge (greedy descent into the
//! wrong region; Symmetric layer-0 fragmentation), unless the core's
//! `verify_inserts` repair is on; see `symmetry::tests`.
//!
//! **I5 reachability census** ([`check_all`]). For every layer `l` in
//! `0..=highest level`, over valid edges: nodes of the layer not reached by a
//! walk from the entry point (started only if the entry point is a valid id on
//! the layer), nodes other than the entry point with in-degree 0, nodes with an
//! empty list while the layer has `>= 2` nodes, in-degree min/max/mean and the
//! strongly connected components (iterative Tarjan). Always reported in
//! [`Health`]; unreachable nodes ([`Violation::Unreachable`]) and zero
//! in-degree ([`Violation::ZeroInDegree`]) are hard only when
//! [`Expectations::require_reachable`].
//!
//! **I6 exactness** ([`check_all`]). When `exact_queries > 0`,
//! `n <= exact_max_nodes`, no link is out of range, the entry point is valid and
//! layer 0 is one strongly connected component: for `q = min(exact_queries, n)`
//! query nodes `floor(i n / q)`, `i in 0..q`, `knn(view, ep, max_level,
//! vector(id), k = min(10, n), ef = n)` returns exactly the ids, in order, of
//! `exact_knn(view, vector(id), k)` ([`Violation::Inexact`]). With `ef >= n`
//! SEARCH-LAYER never evicts from `W` and never stops early (every candidate is
//! in `W`, so none is farther than `W`'s furthest), so it visits every node
//! reachable from its layer-0 entry, which strong connectivity makes all of
//! them. Otherwise the check is skipped and [`Health::skipped`] says why.
//! At any size, and whatever the connectivity, its layer-0 form runs on
//! `min(exact_queries, 4)` query nodes spread the same way: Alg. 2 SEARCH-LAYER on layer 0 from the entry point with
//! `ef = n` returns first the `k` nearest of the nodes reachable from the
//! entry point ([`Violation::InexactLayer0`]; `O(n m0)` per query).
//!
//! **I7 level law** ([`check_all`]). When `level_law = Some((mL, cap))` and
//! `n >= level_law_min_nodes`: no level exceeds `cap`
//! ([`Violation::LevelAboveCap`]), and for each `l` in `1..=cap` the count
//! `c_l` of nodes with level `>= l` passes the Chernoff test
//! `n KL(c_l / n || exp(-l / mL)) <= ln(1e9)` ([`Violation::LevelLaw`]): a
//! false-positive rate below `2e-9` per level for any `n`; see [`levels`].
//!
//! **I8 counts** ([`check_all`]). If `inserted = Some(k)`, the number of
//! live ids is `k` ([`Violation::CountMismatch`]; `n` without deletes); for
//! every live id, `id_of(label(id)) == Some(id)` ([`Violation::LabelMismatch`];
//! catches duplicate and lost labels); for every tombstone and free slot,
//! `id_of(label(id)) != Some(id)` ([`Violation::DeletedLabelMapped`], F16).
//!
//! ## After deletes
//!
//! A view may hold tombstones ([`hnswlab::Slot::Deleted`]: lists kept,
//! traversable, never returned, label free) and free slots
//! ([`hnswlab::Slot::Free`]: consolidated away, no lists). [`check_all`]
//! then reads "node" as "id that is not free" and "live node" as an id in
//! `Slot::Live`; without deletes every id is live and every statement above
//! holds word for word. In detail: I1 also requires a free slot's lists to be
//! empty ([`Violation::FreeSlotWithLinks`]) and no link to name a free slot
//! ([`Violation::LinkToFreeSlot`]); I2's graph is empty iff every id is free,
//! the entry point may be a tombstone but never a free slot
//! ([`Violation::EntryFree`]), and `max_level` is the highest level of a
//! non-free id; I5 walks through tombstones and counts unreachable and
//! zero-in-degree *live* nodes ([`live`] has the same definitions, on the
//! same layer copy); I6 queries live nodes with the core's tombstone-aware
//! search ([`hnswlab::search::knn_admitting`]) and compares with brute force
//! over the live vectors (`k = min(10, live)`); I8 is as stated.
//!
//! Four checks hold only for some operations and are separate functions:
//! [`check_consolidated`] (right after a delete consolidation, F17: no edge
//! into a dead slot on any layer, every dead slot free, the entry point live
//! and maximal among live nodes), [`check_bridged`] (the same moment,
//! against the graph just before: every two-hop path through a deleted node
//! still within two hops, unless the list is full), [`check_live_search`] (any search after
//! deletes, F14: results live, unique, sorted, and `min(k, live)` of them
//! when every live node is reachable) and [`check_churn_rot`] (F15: after
//! rounds of churn under a delete policy, the unreachable live fraction on
//! layer 0 within `delta` of a fresh build's). [`churn_matrix`] runs them
//! all over every delete policy and churn mutant.
//!
//! ## Cost
//!
//! [`check_all`] is linear in nodes plus links: I1 is one pass over every
//! list; I5 and I3 copy each layer once, sequentially, into a flat
//! compressed-sparse-row array of its valid edges and then make one pass each
//! (Tarjan's walk, rooted first at the entry point, also yields
//! reachability); one-way tests scan the target's copied list, at most `m0`
//! long on a graph that passes I1. I6 costs `O(queries x n)`; its Alg. 5
//! form is bounded by `exact_max_nodes`, its layer-0 form (`O(queries x n
//! m0)`) is not. On a random million-node graph with full lists (`m0 = 32`)
//! everything took about 8 s before the layer-0 form existed (see
//! `clean::million_nodes`, which prints the time). [`check_insert`] costs
//! one search plus the trace's lists.

#![forbid(unsafe_code)]

pub mod bridged;
pub mod census;
pub mod churn_matrix;
pub mod churn_rot;
pub mod consolidated;
pub mod counts;
pub mod entry;
pub mod exact;
pub mod expect;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
mod layout;
pub mod levels;
pub mod live;
pub mod live_search;
pub mod matrix;
pub mod searchable;
pub mod structure;
pub mod symmetry;
mod vectors;
pub mod violation;

#[cfg(test)]
mod clean;
#[cfg(test)]
mod testutil;

pub use bridged::check_bridged;
pub use churn_rot::{check_churn_rot, Churn, Rot};
pub use consolidated::check_consolidated;
pub use expect::{documented_ml, Expectations};
pub use health::{Health, LayerHealth};
pub use live::{live_census, LiveCensus, LiveLayer};
pub use live_search::{check_live_search, LiveSearch};
pub use violation::{Violation, Violations};

use hnswlab::search::Scratch;
use hnswlab::strategy::Afterwards;
use hnswlab::{GraphView, InsertTrace, Layer};

use crate::census::LayerGraph;
use crate::layout::Layout;
use crate::violation::Collector;

/// Run every whole-graph check (I1, I2, I3, I5, I6, I7, I8) and return the
/// health census, or every violation found.
pub fn check_all<V: GraphView + ?Sized>(view: &V, expect: &Expectations) -> Result<Health, Violations> {
    let mut out = Collector::new();
    let layout = Layout::of(view);
    let n = layout.n;
    let vectors_ok = vectors::check(view, n, &mut out);
    let structure = structure::check(view, &layout, &mut out);
    let entry = entry::check(view, &layout, &mut out);
    let mut health = Health {
        nodes: n,
        level_histogram: if n == 0 { Vec::new() } else { layout.histogram.clone() },
        ..Health::default()
    };

    if layout.present > 0 {
        let mut local_of = vec![0u32; n];
        let mut ever_unreachable = vec![false; n];
        for l in 0..=layout.top.0 {
            let g = LayerGraph::build(view, &layout, Layer(l), entry, &mut local_of);
            let mut h = census::measure(&g, expect.require_reachable, &mut ever_unreachable, &mut out);
            let edges = symmetry::count_layer(&g, expect.symmetric, &mut out);
            h.edges = edges.edges;
            h.one_way = edges.one_way;
            h.one_way_fraction = if edges.edges == 0 { 0.0 } else { edges.one_way as f64 / edges.edges as f64 };
            health.zero_in_degree_total += h.zero_in_degree;
            health.one_way_total += h.one_way;
            health.layers.push(h);
        }
        health.unreachable_total = ever_unreachable.iter().filter(|&&u| u).count();
    }

    let layer0_sccs = health.layers.first().map_or(0, |h| h.scc_count);
    let i6_blocker = if expect.exact_queries == 0 {
        Some("I6: exact_queries = 0".to_string())
    } else if n == 0 {
        Some("I6: the graph is empty".to_string())
    } else if layout.live == 0 {
        Some("I6: no node is live".to_string())
    } else if !vectors_ok {
        Some("I6: some vectors are malformed (I1)".to_string())
    } else if n > expect.exact_max_nodes {
        Some(format!("I6: {n} nodes > exact_max_nodes = {}", expect.exact_max_nodes))
    } else if !structure.in_range {
        Some("I6: some link targets are out of range (I1)".to_string())
    } else if layer0_sccs != 1 {
        Some(format!("I6: layer 0 has {layer0_sccs} strongly connected components, not 1"))
    } else {
        None
    };
    match (i6_blocker, entry) {
        (Some(reason), _) => health.skipped.push(reason),
        (None, None) => health.skipped.push("I6: no valid entry point (I2)".to_string()),
        (None, Some(ep)) => {
            health.exact_queries_run = exact::check(view, ep, expect.exact_queries, &mut out);
        }
    }
    match entry {
        _ if expect.exact_queries == 0 || n == 0 => {}
        _ if !vectors_ok => health.skipped.push("I6 (layer 0): some vectors are malformed (I1)".into()),
        _ if !structure.in_range => health.skipped.push("I6 (layer 0): some link targets are out of range (I1)".into()),
        None => health.skipped.push("I6 (layer 0): no valid entry point (I2)".into()),
        Some(ep) => {
            let q = expect.exact_queries.min(exact::LAYER0_QUERIES);
            health.exact_layer0_queries_run = exact::check_layer0(view, ep, q, &mut out);
        }
    }

    match expect.level_law {
        None => health.skipped.push("I7: no level law given".to_string()),
        Some(_) if n < expect.level_law_min_nodes => {
            health.skipped.push(format!("I7: {n} nodes < level_law_min_nodes = {}", expect.level_law_min_nodes))
        }
        Some((ml, cap)) => {
            if let Err(reason) = levels::check(&layout, ml, cap, &mut out) {
                health.skipped.push(reason);
            }
        }
    }

    counts::check(view, &layout, expect.inserted, &mut out);
    out.finish(health)
}

/// The per-insert checks of a concurrent build, from what the inserting
/// worker read right after its insert returned ([`Afterwards`]), while the
/// other workers kept inserting: the linearizable form of I3's
/// post-condition (each back-link into a list with room is there, unless a
/// write dropped it from a full list since: [`Violation::LostBackLink`]) and
/// of I4 (the worker's own self-search found the new vector; a miss is a
/// violation only under [`Expectations::strict_findability`], as in
/// [`check_insert`]).
pub fn check_afterwards(a: &Afterwards, expect: &Expectations) -> Result<(), Violations> {
    let mut out = Collector::new();
    let node = a.trace.node;
    for r in a.back_links.iter().filter(|r| !r.present && !r.dropped_from_full) {
        out.push(Violation::LostBackLink { node, layer: r.layer, neighbour: r.neighbour });
    }
    if !a.found_self && expect.strict_findability {
        out.push(Violation::NotFindable {
            node,
            ef: expect.ef_construction,
            found: None,
            found_dist: f32::NAN,
            self_dist: 0.0,
        });
    }
    out.finish(())
}

/// The per-insert checks, run right after the insert that produced `trace`:
/// the I3 insert post-condition and I4 searchability.
pub fn check_insert<V: GraphView + ?Sized>(
    view: &V,
    trace: &InsertTrace,
    expect: &Expectations,
) -> Result<(), Violations> {
    let mut out = Collector::new();
    symmetry::check_insert(view, trace, expect.symmetric, &mut out);
    let n = view.len();
    if trace.node.index() < n {
        match view.entry_point() {
            None => out.push(Violation::MissingEntry { len: n }),
            Some(e) if e.index() >= n => out.push(Violation::EntryOutOfRange { entry: e, len: n }),
            Some(e) => searchable::check(
                view,
                trace,
                e,
                expect.ef_construction,
                expect.strict_findability,
                &mut Scratch::new(),
                &mut out,
            ),
        }
    }
    out.finish(())
}
