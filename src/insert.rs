//! INSERT (paper Alg. 1) with the two prune policies, and the repair of
//! stranded nodes under the Symmetric policy.
//!
//! Invariants maintained (checked by `hnswlab-invariants`):
//! - Alg. 1 is followed literally: descend from the entry point with ef = 1
//!   through every layer above the new node's level, then on each layer
//!   `lc <= min(level, L)` run SEARCH-LAYER with efConstruction, select M
//!   neighbours, link both ways, shrink overflowing lists, and promote the
//!   entry point when `level > L`.
//! - Standard: an overflowing neighbour re-selects its own list only.
//!   Post-condition per insert: each selected neighbour `e` links back to the
//!   new node unless `e`'s list was full before and its re-selection dropped it.
//! - Symmetric: every dropped edge also loses its reverse, so `a -> b` on a
//!   layer iff `b -> a`; a node left with no edge on a layer that has other
//!   nodes is reconnected before the insert returns.

use std::time::Instant;

use crate::distance::Metric;
use crate::graph::Graph;
use crate::ids::{Layer, NodeId};
use crate::params::{Params, PrunePolicy, Selection};
use crate::profile::{Lap, Phase, Profile};
use crate::search::{descend, knn, search_layer, Adjacency, Scored, Scratch};
use crate::select::select;
use crate::store::Vectors;

/// What one insert did on one layer: enough to check the insert post-condition.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerTrace {
    /// The layer.
    pub layer: Layer,
    /// The neighbours selected for the new node (before any symmetric drop).
    pub selected: Vec<NodeId>,
    /// What happened at each selected neighbour, in the same order.
    pub back_links: Vec<BackLink>,
}

/// The back-link from one selected neighbour to the new node.
#[derive(Clone, Debug, PartialEq)]
pub struct BackLink {
    /// The selected neighbour `e`.
    pub neighbour: NodeId,
    /// `|N(e)|` on this layer just before the back-link.
    pub len_before: usize,
    /// True if the new node is in `N(e)` after `e` was processed.
    pub kept: bool,
}

/// What one insert did: the per-insert record the checker verifies.
#[derive(Clone, Debug, PartialEq)]
pub struct InsertTrace {
    /// The new node.
    pub node: NodeId,
    /// Its level.
    pub level: Layer,
    /// One entry per layer it was linked on, top layer first.
    pub layers: Vec<LayerTrace>,
    /// True if it became the entry point.
    pub promoted: bool,
}

/// Build-time counters, including what the Symmetric repair cost.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BuildStats {
    /// Distance computations during inserts.
    pub distances: u64,
    /// Lists that overflowed and were re-selected.
    pub reselections: u64,
    /// Reverse edges removed by the Symmetric policy.
    pub symmetric_drops: u64,
    /// Stranded (node, layer) pairs reconnected.
    pub repairs: u64,
    /// Repairs that had to break an existing edge because no candidate had room.
    pub forced_repairs: u64,
    /// Stranded nodes that could not be reconnected.
    pub unrepaired: u64,
    /// Distance computations spent in repairs.
    pub repair_distances: u64,
    /// Wall time spent in repairs, nanoseconds.
    pub repair_nanos: u64,
    /// Inserts whose self-search missed and were re-linked (`verify_inserts`).
    pub findability_repairs: u64,
    /// Inserts still not findable after 3 repairs.
    pub findability_failures: u64,
    /// Where insertion time and distances went, per phase of Alg. 1 (see
    /// [`crate::profile`]); its distances sum to `distances`. Summed over
    /// threads for parallel strategies (CPU time). Not serialised:
    /// `hnswlab build --profile` reports it.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub profile: Profile,
}

impl BuildStats {
    /// Add another build's counters (segments of one build). Profile times add
    /// up too: for segments built in parallel they are CPU time, not wall time.
    pub fn merge(&mut self, o: &BuildStats) {
        self.distances += o.distances;
        self.reselections += o.reselections;
        self.symmetric_drops += o.symmetric_drops;
        self.repairs += o.repairs;
        self.forced_repairs += o.forced_repairs;
        self.unrepaired += o.unrepaired;
        self.repair_distances += o.repair_distances;
        self.repair_nanos += o.repair_nanos;
        self.findability_repairs += o.findability_repairs;
        self.findability_failures += o.findability_failures;
        self.profile.merge(&o.profile);
    }
}

/// The graph and vectors seen together, read-only, for search during insert.
pub(crate) struct Parts<'a> {
    pub graph: &'a Graph,
    pub vectors: &'a Vectors,
    pub metric: Metric,
}

impl Adjacency for Parts<'_> {
    fn metric(&self) -> Metric {
        self.metric
    }
    fn len(&self) -> usize {
        self.graph.len()
    }
    #[inline]
    fn vector(&self, id: NodeId) -> &[f32] {
        self.vectors.get(id)
    }
    #[inline]
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        out.clear();
        out.extend_from_slice(self.graph.neighbours(id, layer));
    }
    #[inline]
    fn borrow_neighbours(&self, id: NodeId, layer: Layer) -> Option<&[NodeId]> {
        Some(self.graph.neighbours(id, layer))
    }
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        self.graph.prefetch_neighbours(id, layer);
    }
}

/// The ids of `list`, in order.
pub(crate) fn ids(list: &[Scored]) -> Vec<NodeId> {
    list.iter().map(|s| s.id).collect()
}

/// Deliberate deviations from Alg. 1, used only by `crate::mutants`. The
/// reference path is [`Mutation::None`]; each other variant reproduces a
/// documented way HNSW builds go wrong (see `../shared/reference/FAILURES.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Mutation {
    /// The paper's algorithm.
    #[default]
    None,
    /// No descent and no SEARCH-LAYER: candidates are the entry point and its
    /// neighbours on each layer ("simplified insertion").
    SkipNavigation,
    /// Never adds the reverse connection `e -> q`.
    OneWayEdges,
    /// Never promotes the entry point after the first insert.
    StaleEntryPoint,
    /// Promotes the entry point before the new node is linked (muninndb#471).
    EarlyPromotion,
    /// Writes the back-link on the highest layer both nodes share instead of
    /// the current layer (hnswlib-rs#37).
    WrongLayerBackLink,
    /// Every node draws the level of node 0: a level RNG re-seeded per insert (F5, F10).
    FlatLevels,
}

/// The read-only half of Alg. 1: where `q` will link on each layer.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub q: NodeId,
    pub level: Layer,
    /// `(layer, selected neighbours)`, top layer first.
    pub layers: Vec<(Layer, Vec<Scored>)>,
    /// Time and distances of the descent, search and selection phases.
    pub profile: Profile,
}

/// Alg. 1 lines 1-10 without writing: descend from the entry point with
/// ef = 1 through every layer above `level`, then on each layer
/// `lc <= min(level, L)` run SEARCH-LAYER with efConstruction (entry = the
/// previous layer's W) and SELECT-NEIGHBORS(q, W, M, lc).
///
/// Pure function of the graph it reads, so strategies can plan in parallel
/// against a frozen graph. Writes on one layer never change the search on
/// another, so planning all layers before committing equals Alg. 1's
/// interleaving.
///
/// Profile (in the returned plan): lines 1-7 are [`Phase::Descent`], each
/// layer's line 9 [`Phase::Search`] and line 10 [`Phase::Select`]; the
/// intervals are consecutive and cover the whole call.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan<A: Adjacency + ?Sized>(
    g: &A,
    top: Option<(NodeId, Layer)>,
    params: &Params,
    s: &mut Scratch,
    q: NodeId,
    qv: &[f32],
    level: Layer,
    mutation: Mutation,
) -> Plan {
    let mut lap = Lap::start(s.distances);
    let mut plan = Plan { q, level, layers: Vec::new(), profile: Profile::default() };
    let Some((ep_id, top)) = top else {
        return plan;
    };
    let metric = params.metric;
    let mut ep = Scored { dist: metric.distance(qv, g.vector(ep_id)), id: ep_id };
    s.distances += 1;
    let start = level.min(top).0;
    if mutation == Mutation::SkipNavigation {
        lap.charge(&mut plan.profile, Phase::Descent, s.distances);
        let mut buf = Vec::new();
        for lc in (0..=start).rev().map(Layer) {
            g.copy_neighbours(ep_id, lc, &mut buf);
            let mut pool = vec![ep];
            pool.extend(buf.iter().map(|&e| Scored { dist: metric.distance(qv, g.vector(e)), id: e }));
            s.distances += buf.len() as u64;
            pool.sort_unstable();
            lap.charge(&mut plan.profile, Phase::Search, s.distances);
            let mut selected = Vec::new();
            select(g, params.selection, params.prune, q, qv, &pool, params.m, lc, s, &mut selected);
            plan.layers.push((lc, selected));
            lap.charge(&mut plan.profile, Phase::Select, s.distances);
        }
        return plan;
    }
    if level < top {
        ep = descend(g, qv, ep, top, level, s);
    }
    let mut entry = vec![ep];
    let mut found = Vec::new();
    lap.charge(&mut plan.profile, Phase::Descent, s.distances);
    for lc in (0..=start).rev().map(Layer) {
        search_layer(g, qv, &entry, params.ef_construction, lc, s, &mut found);
        lap.charge(&mut plan.profile, Phase::Search, s.distances);
        let mut selected = Vec::new();
        select(g, params.selection, params.prune, q, qv, &found, params.m, lc, s, &mut selected);
        plan.layers.push((lc, selected));
        std::mem::swap(&mut entry, &mut found);
        lap.charge(&mut plan.profile, Phase::Select, s.distances);
    }
    plan
}

/// The writing half of Alg. 1 (lines 11-19): set `q`'s lists, add back-links
/// and shrink overflowing lists (prune policy), repair stranded nodes under
/// Symmetric, and promote the entry point when `level(q)` exceeds the stored
/// maximum level.
///
/// Profile: the whole call, `verify_inserts` included, is charged to
/// [`Phase::Link`] in `stats.profile` (time and the distances it computes).
/// It does not add to `stats.distances`: callers count those, independently
/// of the profile.
#[allow(clippy::too_many_arguments)]
pub(crate) fn commit(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    plan: &Plan,
    mutation: Mutation,
) -> InsertTrace {
    let mut lap = Lap::start(s.distances);
    let trace = commit_untimed(graph, vectors, params, s, stats, plan, mutation);
    lap.charge(&mut stats.profile, Phase::Link, s.distances);
    trace
}

/// [`commit`] without charging the profile, for strategies that time a
/// whole commit section (several commits and their bookkeeping) as one
/// [`Phase::Link`] interval.
#[allow(clippy::too_many_arguments)]
pub(crate) fn commit_untimed(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    plan: &Plan,
    mutation: Mutation,
) -> InsertTrace {
    let q = plan.q;
    let level = plan.level;
    let mut trace = InsertTrace { node: q, level, layers: Vec::new(), promoted: false };
    let promote = promotes(graph, level, mutation);
    for (lc, selected) in &plan.layers {
        let lc = *lc;
        graph.set_neighbours(q, lc, &ids(selected));
        let mut layer_trace = LayerTrace { layer: lc, selected: ids(selected), back_links: Vec::new() };
        let mut stranded = Vec::new();
        for e in ids(selected) {
            let len_before = graph.neighbours(e, lc).len();
            match mutation {
                Mutation::OneWayEdges => {}
                Mutation::WrongLayerBackLink => {
                    let shared = Layer(graph.level(e).0.min(level.0));
                    link_back(graph, vectors, params, s, stats, e, q, shared, &mut stranded);
                }
                _ => link_back(graph, vectors, params, s, stats, e, q, lc, &mut stranded),
            }
            let kept = graph.neighbours(e, lc).contains(&q);
            layer_trace.back_links.push(BackLink { neighbour: e, len_before, kept });
        }
        if params.prune == PrunePolicy::Symmetric {
            if graph.neighbours(q, lc).is_empty() {
                stranded.push(q);
            }
            for x in stranded {
                if graph.neighbours(x, lc).is_empty() && graph.layer_size(lc) >= 2 {
                    repair(graph, vectors, params, s, stats, x, lc);
                }
            }
        }
        trace.layers.push(layer_trace);
    }
    if promote {
        graph.set_entry(q, level);
        trace.promoted = true;
    }
    if params.verify_inserts {
        let evicted = ensure_findable(graph, vectors, params, s, stats, q, &mut Vec::new());
        mark_evicted(graph, &mut trace, &evicted);
        refresh_kept(graph, &mut trace);
    }
    trace
}

/// Alg. 1 lines 18-19: whether a new node of `level` becomes the entry point
/// (the first node, or one above the stored maximum level).
pub(crate) fn promotes(graph: &Graph, level: Layer, mutation: Mutation) -> bool {
    match graph.entry() {
        None => true,
        Some(_) => level > graph.max_level() && mutation != Mutation::StaleEntryPoint,
    }
}

/// Re-read whether each back-link of `trace` is in the graph (after a repair
/// changed lists), so the trace describes the graph at the commit point.
pub(crate) fn refresh_kept(graph: &Graph, trace: &mut InsertTrace) {
    for lt in &mut trace.layers {
        for b in &mut lt.back_links {
            b.kept = graph.neighbours(b.neighbour, lt.layer).contains(&trace.node);
        }
    }
}

/// Record that the `verify_inserts` repair evicted these layer-0 edges
/// `(list owner, evicted node)` from full lists: a back-link among them was
/// dropped legally, so its `len_before` becomes the capacity.
pub(crate) fn mark_evicted(graph: &Graph, trace: &mut InsertTrace, evicted: &[(NodeId, NodeId)]) {
    for lt in trace.layers.iter_mut().filter(|lt| lt.layer.0 == 0) {
        for b in &mut lt.back_links {
            if evicted.contains(&(b.neighbour, trace.node)) {
                b.len_before = b.len_before.max(graph.capacity(Layer(0)));
            }
        }
    }
}

/// True if a search result `c` counts as finding `q` (I4): `q` itself, an
/// identical vector, or a distance no larger than `q`'s distance to itself.
#[inline]
pub(crate) fn finds(metric: Metric, qv: &[f32], c: Scored, cv: &[f32]) -> bool {
    cv == qv || c.dist <= metric.distance(qv, qv)
}

/// The `verify_inserts` option: run the I4 self-search for `q` (Alg. 5 with
/// k = 1, ef = efConstruction); on a miss, add the edge `c -> q` on layer 0
/// from the closest node `c` the search reached (evicting `c`'s farthest
/// neighbour when full; under Symmetric also `q -> c`), and search again.
///
/// Edges in `protected` (repairs made earlier in the same commit window) are
/// never evicted, so repeated passes over a batch converge; the new repair
/// edges are added to it. Returns the edges `(owner, evicted)` it removed
/// from full lists.
///
/// Post: `q` is findable, or `stats.findability_failures` grew. Adding
/// `c -> q` makes the next search find `q`: the upper layers are unchanged, so
/// the layer-0 search expands `c` again and meets `q`.
pub(crate) fn ensure_findable(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    q: NodeId,
    protected: &mut Vec<(NodeId, NodeId)>,
) -> Vec<(NodeId, NodeId)> {
    let metric = params.metric;
    let qv = vectors.get(q);
    let mut evicted = Vec::new();
    for _ in 0..3 {
        let Some(ep) = graph.entry() else { return evicted };
        let c = {
            let parts = Parts { graph, vectors, metric };
            knn(&parts, ep, graph.max_level(), qv, 1, params.ef_construction.max(1), s)[0]
        };
        if finds(metric, qv, c, vectors.get(c.id)) {
            return evicted;
        }
        stats.findability_repairs += 1;
        let mut stranded = Vec::new();
        force_link(graph, vectors, params, c.id, q, &mut stranded, &mut evicted, protected);
        if params.prune == PrunePolicy::Symmetric {
            force_link(graph, vectors, params, q, c.id, &mut stranded, &mut evicted, protected);
            for x in stranded {
                if graph.neighbours(x, Layer(0)).is_empty() && graph.layer_size(Layer(0)) >= 2 {
                    repair(graph, vectors, params, s, stats, x, Layer(0));
                }
            }
        }
    }
    stats.findability_failures += 1;
    evicted
}

/// Add `from -> to` on layer 0, evicting `from`'s farthest neighbour if the
/// list is full (and, under Symmetric, that neighbour's reverse edge).
#[allow(clippy::too_many_arguments)]
fn force_link(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    from: NodeId,
    to: NodeId,
    stranded: &mut Vec<NodeId>,
    evicted: &mut Vec<(NodeId, NodeId)>,
    protected: &mut Vec<(NodeId, NodeId)>,
) {
    let l0 = Layer(0);
    if graph.neighbours(from, l0).contains(&to) {
        return;
    }
    protected.push((from, to));
    if graph.push_neighbour(from, l0, to) {
        return;
    }
    let fv = vectors.get(from);
    let scored = |&y: &NodeId| Scored { dist: params.metric.distance(fv, vectors.get(y)), id: y };
    let list = graph.neighbours(from, l0);
    let far = list
        .iter()
        .filter(|&&y| !protected.contains(&(from, y)))
        .map(scored)
        .max()
        .or_else(|| list.iter().map(scored).max())
        .expect("a full list is not empty");
    graph.remove_neighbour(from, l0, far.id);
    evicted.push((from, far.id));
    if params.prune == PrunePolicy::Symmetric && graph.remove_neighbour(far.id, l0, from) {
        evicted.push((far.id, from));
        if graph.neighbours(far.id, l0).is_empty() {
            stranded.push(far.id);
        }
    }
    graph.push_neighbour(from, l0, to);
}

/// Alg. 1 INSERT for node `q`, whose vector is stored and whose (empty) lists
/// exist at its level: [`plan`] then [`commit`]. Adds the distances of both
/// to `stats.distances` and their phases to `stats.profile` (allocation is
/// the caller's to time).
pub(crate) fn connect(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    q: NodeId,
    mutation: Mutation,
) -> InsertTrace {
    let d0 = s.distances;
    let level = graph.level(q);
    let mut top = graph.entry().map(|e| (e, graph.max_level()));
    if mutation == Mutation::EarlyPromotion && level > graph.max_level() {
        graph.set_entry(q, level);
        top = Some((q, level));
    }
    let p = {
        let parts = Parts { graph, vectors, metric: params.metric };
        plan(&parts, top, params, s, q, vectors.get(q), level, mutation)
    };
    stats.profile.merge(&p.profile);
    let trace = commit(graph, vectors, params, s, stats, &p, mutation);
    stats.distances += s.distances - d0;
    trace
}

/// Alg. 1 lines 11-16 for one neighbour `e`: add `e -> q`, and if `e`'s list
/// overflows, re-select it (SELECT-NEIGHBORS with Mmax, [`reselect`]). Under
/// Symmetric, every node `x` that `e` drops also loses `x -> e`; nodes left
/// empty are pushed on `stranded`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn link_back(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    e: NodeId,
    q: NodeId,
    lc: Layer,
    stranded: &mut Vec<NodeId>,
) {
    if graph.neighbours(e, lc).contains(&q) || graph.push_neighbour(e, lc, q) {
        return;
    }
    stats.reselections += 1;
    let (pool, kept) = {
        let parts = Parts { graph, vectors, metric: params.metric };
        reselect(&parts, params, s, e, graph.neighbours(e, lc), q, lc, graph.capacity(lc))
    };
    graph.set_neighbours(e, lc, &ids(&kept));
    if params.prune == PrunePolicy::Symmetric {
        for x in pool.iter().map(|p| p.id).filter(|x| !kept.iter().any(|k| k.id == *x)) {
            if graph.remove_neighbour(x, lc, e) {
                stats.symmetric_drops += 1;
            }
            if graph.neighbours(x, lc).is_empty() {
                stranded.push(x);
            }
        }
    }
}

/// True if, under `params`, [`link_back`] on `(e, lc)` reads only `N(e)` on
/// `lc` and the vectors, and writes only `N(e)` on `lc`: the Standard policy
/// (Symmetric also removes reverse edges and repairs stranded nodes) with no
/// extended candidates in re-selection (which would read other lists). Then
/// the back-links addressed to different lists commute, and those addressed
/// to one list can be applied to a copy of it with [`link_back_local`].
pub(crate) fn link_back_is_local(params: &Params) -> bool {
    params.prune == PrunePolicy::Standard
        && !matches!(params.selection, Selection::Heuristic { extend_candidates: true, .. })
}

/// [`link_back`] (Alg. 1 lines 11-16 for one neighbour `e`) applied to
/// `list`, a copy of `N(e)` on `lc` with capacity `cap`, when
/// [`link_back_is_local`]: add `q`, or re-select the full list over
/// `list + q`. Leaves `list` as `link_back` leaves `N(e)`; returns true if it
/// re-selected (one of `BuildStats::reselections`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn link_back_local<A: Adjacency + ?Sized>(
    g: &A,
    params: &Params,
    s: &mut Scratch,
    e: NodeId,
    q: NodeId,
    lc: Layer,
    cap: usize,
    list: &mut Vec<NodeId>,
) -> bool {
    debug_assert!(link_back_is_local(params), "a copy of N(e) is only exact when link_back is local");
    if list.contains(&q) {
        return false;
    }
    if list.len() < cap {
        list.push(q);
        return false;
    }
    let (_, kept) = reselect(g, params, s, e, list, q, lc, cap);
    list.clear();
    list.extend(kept.iter().map(|k| k.id));
    true
}

/// Alg. 1 lines 13-16 for a full list: `list` is `N(e)` on `lc` with `cap`
/// (Mmax) entries and `q` must join it, so SELECT-NEIGHBORS(e, list + q,
/// Mmax, lc) chooses the new list. Returns the pool (`list` and `q` scored
/// against `e`, ascending) and the kept subset (at most `cap`, ascending).
///
/// Reads the vectors of `g` and nothing else of it, except the lists of the
/// pool's nodes when Standard re-selection extends candidates (Symmetric
/// never does: an extended candidate `x` would gain `e -> x` with no `x -> e`).
/// So without extended candidates the result depends on `list`, `q` and the
/// vectors only, whatever state the graph's lists are in.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reselect<A: Adjacency + ?Sized>(
    g: &A,
    params: &Params,
    s: &mut Scratch,
    e: NodeId,
    list: &[NodeId],
    q: NodeId,
    lc: Layer,
    cap: usize,
) -> (Vec<Scored>, Vec<Scored>) {
    let metric = params.metric;
    let ev = g.vector(e);
    let mut pool: Vec<Scored> = list
        .iter()
        .chain(std::iter::once(&q))
        .map(|&x| Scored { dist: metric.distance(ev, g.vector(x)), id: x })
        .collect();
    s.distances += pool.len() as u64;
    pool.sort_unstable();
    let selection = match (params.prune, params.selection) {
        (PrunePolicy::Symmetric, Selection::Heuristic { keep_pruned, .. }) => {
            Selection::Heuristic { extend_candidates: false, keep_pruned }
        }
        (_, sel) => sel,
    };
    let mut kept = Vec::new();
    select(g, selection, params.prune, e, ev, &pool, cap, lc, s, &mut kept);
    (pool, kept)
}

/// Reconnect `x`, which has no edge on `lc` although the layer has other
/// nodes (Symmetric policy only). Links `x` both ways to up to `m` of its
/// nearest nodes that have room; if none has room, the nearest node `c` drops
/// its farthest neighbour `y` that keeps another edge, and takes `x` instead.
///
/// Post: `x` has at least one edge on `lc` (else `stats.unrepaired` grows),
/// and every edge it touched is bidirectional.
fn repair(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    x: NodeId,
    lc: Layer,
) {
    let t0 = Instant::now();
    let d0 = s.distances;
    let metric = params.metric;
    let xv = vectors.get(x);
    let mut cands: Vec<Scored> = Vec::new();
    if let Some(ep_id) = graph.entry() {
        let parts = Parts { graph, vectors, metric };
        let top = graph.max_level().min(graph.level(ep_id));
        if ep_id != x && top >= lc {
            let ep = Scored { dist: metric.distance(xv, vectors.get(ep_id)), id: ep_id };
            let ep = descend(&parts, xv, ep, top, lc, s);
            search_layer(&parts, xv, &[ep], params.ef_construction, lc, s, &mut cands);
        }
    }
    cands.retain(|c| c.id != x);
    let mut linked = link_stranded(graph, vectors, params, s, stats, x, lc, &cands);
    if linked == 0 {
        // The search found no usable node (x is the entry point, or every node it
        // reached is full with no spare edge): scan the whole layer.
        // Only connected nodes: the entry point or a node with an edge on this
        // layer. A batch strategy may have allocated nodes it has not linked
        // yet; they must not be linked before their own insert.
        let entry = graph.entry();
        let all: Vec<Scored> = {
            let mut v: Vec<Scored> = (0..graph.len() as u32)
                .map(NodeId)
                .filter(|&c| c != x && graph.level(c) >= lc)
                .filter(|&c| Some(c) == entry || !graph.neighbours(c, lc).is_empty())
                .map(|c| Scored { dist: metric.distance(xv, vectors.get(c)), id: c })
                .collect();
            s.distances += v.len() as u64;
            v.sort_unstable();
            v
        };
        if all.is_empty() {
            // No other connected node on this layer: x is not stranded, just alone.
            stats.repair_distances += s.distances - d0;
            return;
        }
        linked = link_stranded(graph, vectors, params, s, stats, x, lc, &all);
    }
    if linked == 0 {
        stats.unrepaired += 1;
    } else {
        stats.repairs += 1;
    }
    stats.repair_distances += s.distances - d0;
    stats.repair_nanos += t0.elapsed().as_nanos() as u64;
}

/// Link stranded `x` both ways to up to `m` of `cands` (ascending) that have
/// room; failing that, make the nearest candidate `c` drop its farthest
/// neighbour `y` that keeps another edge, and take `x`. Returns the links made.
#[allow(clippy::too_many_arguments)]
fn link_stranded(
    graph: &mut Graph,
    vectors: &Vectors,
    params: &Params,
    s: &mut Scratch,
    stats: &mut BuildStats,
    x: NodeId,
    lc: Layer,
    cands: &[Scored],
) -> usize {
    let metric = params.metric;
    let cap = graph.capacity(lc);
    let mut linked = 0;
    for c in cands {
        if linked >= params.m.min(cap) {
            break;
        }
        if graph.neighbours(c.id, lc).len() < cap && graph.neighbours(x, lc).len() < cap {
            graph.push_neighbour(c.id, lc, x);
            graph.push_neighbour(x, lc, c.id);
            linked += 1;
        }
    }
    if linked == 0 {
        'outer: for c in cands {
            let cv = vectors.get(c.id);
            let mut victims: Vec<Scored> = graph
                .neighbours(c.id, lc)
                .iter()
                .filter(|&&y| graph.neighbours(y, lc).len() >= 2)
                .map(|&y| Scored { dist: metric.distance(cv, vectors.get(y)), id: y })
                .collect();
            s.distances += victims.len() as u64;
            victims.sort_unstable();
            if let Some(y) = victims.last() {
                graph.remove_neighbour(c.id, lc, y.id);
                graph.remove_neighbour(y.id, lc, c.id);
                graph.push_neighbour(c.id, lc, x);
                graph.push_neighbour(x, lc, c.id);
                stats.forced_repairs += 1;
                linked = 1;
                break 'outer;
            }
        }
    }
    linked
}
