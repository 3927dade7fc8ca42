//! The one insert engine: INSERT (paper Alg. 1) with the two prune policies,
//! the repair of stranded nodes under the Symmetric policy and the
//! `verify_inserts` findability repair, written once over the list-storage
//! seam [`ListStore`] and the deviation hooks [`Hooks`]. Every strategy, the
//! concurrent one included, links through it.
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
use crate::hooks::Hooks;
use crate::ids::{Layer, NodeId};
use crate::lists::ListStore;
use crate::params::{Params, PrunePolicy, Selection};
use crate::profile::{Lap, Phase, Profile};
use crate::search::{descend, knn, search_layer, Adjacency, Scored, Scratch};
use crate::select::select;

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

/// The ids of `list`, in order.
pub(crate) fn ids(list: &[Scored]) -> Vec<NodeId> {
    list.iter().map(|s| s.id).collect()
}

/// What one insert works with: the storage, the parameters, the caller's
/// scratch and counters, and the hooks (the reference's are no-ops).
pub(crate) struct Cx<'a, S, H> {
    /// The storage linked into.
    pub store: S,
    /// Build parameters.
    pub params: &'a Params,
    /// Search state and the distance counter.
    pub s: &'a mut Scratch,
    /// Build counters and profile.
    pub stats: &'a mut BuildStats,
    /// Deviations from Alg. 1 ([`crate::hooks::Reference`]: none).
    pub hooks: &'a H,
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

/// Alg. 1 lines 1-10 without writing: descend from the entry point `top`
/// with ef = 1 through every layer above `level`, then on each layer
/// `lc <= min(level, L)` run SEARCH-LAYER with efConstruction (entry = the
/// previous layer's W) and SELECT-NEIGHBORS(q, W, M, lc).
///
/// `q` may already be linked (hnswlib's `updatePoint` relinks a node whose
/// vector changed): it is never its own candidate.
///
/// Pure function of the graph it reads, so strategies can plan in parallel
/// against a frozen graph. Writes on one layer never change the search on
/// another, so planning all layers before committing equals Alg. 1's
/// interleaving.
///
/// Profile (in the returned plan): lines 1-7 are [`Phase::Descent`], each
/// layer's line 9 [`Phase::Search`] and line 10 [`Phase::Select`]; the
/// intervals are consecutive and cover the whole call.
pub(crate) fn plan<A: Adjacency + ?Sized>(
    g: &A,
    top: Option<(NodeId, Layer)>,
    params: &Params,
    s: &mut Scratch,
    q: NodeId,
    level: Layer,
) -> Plan {
    let mut lap = Lap::start(s.distances);
    let mut plan = Plan { q, level, layers: Vec::new(), profile: Profile::default() };
    let Some((ep_id, top)) = top else {
        return plan;
    };
    let qv = g.vector(q);
    let mut ep = Scored { dist: params.metric.distance(qv, g.vector(ep_id)), id: ep_id };
    s.distances += 1;
    if level < top {
        ep = descend(g, qv, ep, top, level, s);
    }
    let mut entry = vec![ep];
    let mut found = Vec::new();
    lap.charge(&mut plan.profile, Phase::Descent, s.distances);
    for lc in (0..=level.min(top).0).rev().map(Layer) {
        search_layer(g, qv, &entry, params.ef_construction, lc, s, &mut found);
        match found.iter().position(|c| c.id == q) {
            // A new node is unreachable: only a relinked one (an update) finds itself.
            None => plan.select_layer(g, params, s, &mut lap, &found, lc),
            Some(i) => {
                let mut pool = found.clone();
                pool.remove(i);
                plan.select_layer(g, params, s, &mut lap, &pool, lc);
            }
        }
        std::mem::swap(&mut entry, &mut found);
    }
    plan
}

impl Plan {
    /// Alg. 1 line 10 on layer `lc`: SELECT-NEIGHBORS(q, `pool`, M, lc),
    /// appended to the plan. `pool` (ascending) was just found, so the time
    /// since `lap` is [`Phase::Search`]; the selection is [`Phase::Select`].
    pub(crate) fn select_layer<A: Adjacency + ?Sized>(
        &mut self,
        g: &A,
        params: &Params,
        s: &mut Scratch,
        lap: &mut Lap,
        pool: &[Scored],
        lc: Layer,
    ) {
        lap.charge(&mut self.profile, Phase::Search, s.distances);
        let mut selected = Vec::new();
        select(g, params.selection, params.prune, self.q, g.vector(self.q), pool, params.m, lc, s, &mut selected);
        self.layers.push((lc, selected));
        lap.charge(&mut self.profile, Phase::Select, s.distances);
    }
}

/// Alg. 1 INSERT for node `q`, whose vector is stored and whose (empty) lists
/// exist at its level: read the entry point ([`ListStore::begin`]), plan
/// (lines 1-10), then [`commit`] (lines 11-19).
///
/// Adds the distances to `stats.distances` and the phases to
/// `stats.profile`: waiting for and reading the entry point is
/// [`Phase::Descent`], the plan's phases as it reports them, and the commit
/// [`Phase::Link`] (allocation is the caller's to time).
pub(crate) fn insert<S: ListStore, H: Hooks<S>>(cx: &mut Cx<'_, S, H>, q: NodeId) -> InsertTrace {
    let d0 = cx.s.distances;
    let mut lap = Lap::start(cx.s.distances);
    let level = cx.store.level(q);
    let (top, ticket) = cx.store.begin(q, level, H::PROMOTION);
    lap.charge(&mut cx.stats.profile, Phase::Descent, cx.s.distances);
    let p = cx.hooks.plan(&cx.store, top, cx.params, cx.s, q);
    cx.stats.profile.merge(&p.profile);
    let mut lap = Lap::start(cx.s.distances);
    let trace = commit(cx, &p, ticket);
    lap.charge(&mut cx.stats.profile, Phase::Link, cx.s.distances);
    cx.stats.distances += cx.s.distances - d0;
    trace
}

/// The writing half of Alg. 1 (lines 11-19): set `q`'s lists, add back-links
/// and shrink overflowing lists (prune policy), repair stranded nodes under
/// Symmetric, promote the entry point as `ticket` says, and run the
/// `verify_inserts` repair.
///
/// Post: `q`'s lists are its plan's selections (less Symmetric drops); each
/// selected neighbour `e` links back unless its list was full and its
/// re-selection dropped `q` (the trace records which). It neither charges
/// the profile nor adds to `stats.distances`: its callers time and count.
pub(crate) fn commit<S: ListStore, H: Hooks<S>>(cx: &mut Cx<'_, S, H>, plan: &Plan, ticket: S::Ticket) -> InsertTrace {
    let (q, level) = (plan.q, plan.level);
    let mut trace = InsertTrace { node: q, level, layers: Vec::new(), promoted: false };
    if !plan.layers.is_empty() {
        cx.store.set_own(q, &plan.layers);
    }
    let hooks = cx.hooks;
    for (lc, selected) in &plan.layers {
        let lc = *lc;
        let mut stranded = Vec::new();
        let back_links = selected
            .iter()
            .map(|e| hooks.link_back(cx, Edge { from: e.id, to: q, layer: lc }, &mut stranded))
            .collect();
        if cx.params.prune == PrunePolicy::Symmetric {
            if cx.store.list_len(q, lc) == 0 {
                stranded.push(q);
            }
            for x in stranded {
                if cx.store.list_len(x, lc) == 0 && cx.store.layer_size(lc) >= 2 {
                    repair(cx, x, lc);
                }
            }
        }
        trace.layers.push(LayerTrace { layer: lc, selected: ids(selected), back_links });
    }
    trace.promoted = cx.store.finish(ticket, q, level);
    if cx.params.verify_inserts {
        let evicted = ensure_findable(cx, q, &mut Vec::new());
        mark_evicted(&cx.store, &mut trace, &evicted);
        refresh_kept(&cx.store, &mut trace);
    }
    trace
}

/// Re-read whether each back-link of `trace` is in the graph (after a repair
/// changed lists), so the trace describes the graph at the commit point.
pub(crate) fn refresh_kept<S: ListStore>(store: &S, trace: &mut InsertTrace) {
    for lt in &mut trace.layers {
        for b in &mut lt.back_links {
            b.kept = store.contains(b.neighbour, lt.layer, trace.node);
        }
    }
}

/// Record that the `verify_inserts` repair evicted these layer-0 edges
/// `(list owner, evicted node)` from full lists: a back-link among them was
/// dropped legally, so its `len_before` becomes the capacity.
pub(crate) fn mark_evicted<S: ListStore>(store: &S, trace: &mut InsertTrace, evicted: &[(NodeId, NodeId)]) {
    for lt in trace.layers.iter_mut().filter(|lt| lt.layer.0 == 0) {
        for b in &mut lt.back_links {
            if evicted.contains(&(b.neighbour, trace.node)) {
                b.len_before = b.len_before.max(store.capacity(Layer(0)));
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
pub(crate) fn ensure_findable<S: ListStore, H>(
    cx: &mut Cx<'_, S, H>,
    q: NodeId,
    protected: &mut Vec<(NodeId, NodeId)>,
) -> Vec<(NodeId, NodeId)> {
    let metric = cx.params.metric;
    let mut evicted = Vec::new();
    for _ in 0..3 {
        let Some((ep, max_level)) = cx.store.top() else { return evicted };
        let qv = cx.store.vector(q);
        let c = knn(&cx.store, ep, max_level, qv, 1, cx.params.ef_construction.max(1), cx.s)[0];
        if finds(metric, qv, c, cx.store.vector(c.id)) {
            return evicted;
        }
        cx.stats.findability_repairs += 1;
        let mut stranded = Vec::new();
        force_link(cx, Edge { from: c.id, to: q, layer: Layer(0) }, &mut stranded, &mut evicted, protected);
        if cx.params.prune == PrunePolicy::Symmetric {
            force_link(cx, Edge { from: q, to: c.id, layer: Layer(0) }, &mut stranded, &mut evicted, protected);
            for x in stranded {
                if cx.store.list_len(x, Layer(0)) == 0 && cx.store.layer_size(Layer(0)) >= 2 {
                    repair(cx, x, Layer(0));
                }
            }
        }
    }
    cx.stats.findability_failures += 1;
    evicted
}

/// A directed edge `from -> to` on `layer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub layer: Layer,
}

/// Add `edge` (on layer 0), evicting the owner's farthest unprotected
/// neighbour if the list is full (and, under Symmetric, that neighbour's
/// reverse edge; a neighbour left empty is pushed on `stranded`).
fn force_link<S: ListStore, H>(
    cx: &mut Cx<'_, S, H>,
    edge: Edge,
    stranded: &mut Vec<NodeId>,
    evicted: &mut Vec<(NodeId, NodeId)>,
    protected: &mut Vec<(NodeId, NodeId)>,
) {
    let Edge { from, to, layer } = edge;
    let metric = cx.params.metric;
    let cap = cx.store.capacity(layer);
    let far = cx.store.update(from, layer, |g, list| {
        if list.contains(&to) {
            return None;
        }
        protected.push((from, to));
        let mut far = None;
        if list.len() >= cap {
            let fv = g.vector(from);
            let scored = |&y: &NodeId| Scored { dist: metric.distance(fv, g.vector(y)), id: y };
            let victim = list
                .iter()
                .filter(|&&y| !protected.contains(&(from, y)))
                .map(scored)
                .max()
                .or_else(|| list.iter().map(scored).max())
                .expect("a full list is not empty");
            list.retain(|&y| y != victim.id);
            far = Some(victim.id);
        }
        list.push(to);
        far
    });
    let Some(far) = far else { return };
    evicted.push((from, far));
    if cx.params.prune == PrunePolicy::Symmetric && remove(&mut cx.store, far, layer, from) {
        evicted.push((far, from));
        if cx.store.list_len(far, layer) == 0 {
            stranded.push(far);
        }
    }
}

/// Remove `x` from `id`'s list on `layer`, keeping the order of the rest;
/// true if it was there.
fn remove<S: ListStore>(store: &mut S, id: NodeId, layer: Layer, x: NodeId) -> bool {
    store.update(id, layer, |_, list| match list.iter().position(|&y| y == x) {
        Some(p) => {
            list.remove(p);
            true
        }
        None => false,
    })
}

/// Alg. 1 lines 12-16 for one neighbour `e`: add `edge` (`e -> q` on `lc`), and if
/// `e`'s list overflows, re-select it (SELECT-NEIGHBORS with Mmax,
/// [`link_back_list`]), in one [`ListStore::update`]. Under Symmetric, every
/// node `x` that `e` drops also loses `x -> e`; nodes left empty are pushed
/// on `stranded`. Returns what happened, read inside the same update.
pub(crate) fn link_back<S: ListStore, H>(cx: &mut Cx<'_, S, H>, edge: Edge, stranded: &mut Vec<NodeId>) -> BackLink {
    let Edge { from: e, to: q, layer: lc } = edge;
    let cap = cx.store.capacity(lc);
    let (params, s) = (cx.params, &mut *cx.s);
    let (back, pool) = cx.store.update(e, lc, |g, list| {
        let len_before = list.len();
        let pool = link_back_list(g, params, s, list, cap, Edge { from: e, to: q, layer: lc }, S::EXTEND_IN_RESELECT);
        (BackLink { neighbour: e, len_before, kept: list.contains(&q) }, pool)
    });
    let Some(pool) = pool else { return back };
    cx.stats.reselections += 1;
    if cx.params.prune == PrunePolicy::Symmetric {
        let kept: Vec<NodeId> = {
            let mut v = Vec::new();
            cx.store.copy_neighbours(e, lc, &mut v);
            v
        };
        for x in pool.iter().map(|p| p.id).filter(|x| !kept.contains(x)) {
            if remove(&mut cx.store, x, lc, e) {
                cx.stats.symmetric_drops += 1;
            }
            if cx.store.list_len(x, lc) == 0 {
                stranded.push(x);
            }
        }
    }
    back
}

/// True if, under `params`, [`link_back`] on `(e, lc)` reads only `N(e)` on
/// `lc` and the vectors, and writes only `N(e)` on `lc`: the Standard policy
/// (Symmetric also removes reverse edges and repairs stranded nodes) with no
/// extended candidates in re-selection (which would read other lists). Then
/// the back-links addressed to different lists commute, and those addressed
/// to one list can be applied to a copy of it with [`link_back_list`].
pub(crate) fn link_back_is_local(params: &Params) -> bool {
    params.prune == PrunePolicy::Standard
        && !matches!(params.selection, Selection::Heuristic { extend_candidates: true, .. })
}

/// Alg. 1 lines 12-16 on `list`, a copy of `N(e)` on the edge's layer with
/// capacity `cap`: add `q` (the edge's `to`) if absent, or, when the list is
/// full, re-select over `list + q` ([`reselect`]). Returns the re-selection's
/// pool (`list` and `q` scored against `e`, ascending) when it re-selected.
///
/// With `extend` false the re-selection never extends candidates, so it
/// reads the vectors of `g` only, whatever state the graph's lists are in.
pub(crate) fn link_back_list<A: Adjacency + ?Sized>(
    g: &A,
    params: &Params,
    s: &mut Scratch,
    list: &mut Vec<NodeId>,
    cap: usize,
    edge: Edge,
    extend: bool,
) -> Option<Vec<Scored>> {
    if list.contains(&edge.to) {
        return None;
    }
    if list.len() < cap {
        list.push(edge.to);
        return None;
    }
    let (pool, kept) = reselect(g, params, s, list, cap, edge, extend);
    list.clear();
    list.extend(kept.iter().map(|k| k.id));
    Some(pool)
}

/// Alg. 1 lines 13-16 for a full list: `list` is `N(e)` (the edge's `from`)
/// with `cap` (Mmax) entries and `q` (its `to`) must join it, so
/// SELECT-NEIGHBORS(e, list + q, Mmax, lc) chooses the new list. Returns the
/// pool (`list` and `q` scored against `e`, ascending) and the kept subset
/// (at most `cap`, ascending).
///
/// Reads the vectors of `g` and nothing else of it, except the lists of the
/// pool's nodes when Standard re-selection extends candidates and `extend`
/// allows it (Symmetric never does: an extended candidate `x` would gain
/// `e -> x` with no `x -> e`).
fn reselect<A: Adjacency + ?Sized>(
    g: &A,
    params: &Params,
    s: &mut Scratch,
    list: &[NodeId],
    cap: usize,
    edge: Edge,
    extend: bool,
) -> (Vec<Scored>, Vec<Scored>) {
    let Edge { from: e, to: q, layer } = edge;
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
        (_, Selection::Heuristic { keep_pruned, .. }) if !extend => {
            Selection::Heuristic { extend_candidates: false, keep_pruned }
        }
        (_, sel) => sel,
    };
    let mut kept = Vec::new();
    select(g, selection, params.prune, e, ev, &pool, cap, layer, s, &mut kept);
    (pool, kept)
}

/// Reconnect `x`, which has no edge on `lc` although the layer has other
/// nodes (Symmetric policy only). Links `x` both ways to up to `m` of its
/// nearest nodes that have room; if none has room, the nearest node `c` drops
/// its farthest neighbour `y` that keeps another edge, and takes `x` instead.
///
/// Post: `x` has at least one edge on `lc` (else `stats.unrepaired` grows),
/// and every edge it touched is bidirectional. The distances and time spent
/// are charged to `stats.repair_distances` and `stats.repair_nanos`.
fn repair<S: ListStore, H>(cx: &mut Cx<'_, S, H>, x: NodeId, lc: Layer) {
    let t0 = Instant::now();
    let d0 = cx.s.distances;
    match reconnect(cx, x, lc) {
        // No other connected node on this layer: x is not stranded, just alone.
        None => {}
        Some(0) => cx.stats.unrepaired += 1,
        Some(_) => cx.stats.repairs += 1,
    }
    cx.stats.repair_distances += cx.s.distances - d0;
    cx.stats.repair_nanos += t0.elapsed().as_nanos() as u64;
}

/// The links [`repair`] makes for `x` on `lc`; `None` when no other node of
/// the layer is connected.
fn reconnect<S: ListStore, H>(cx: &mut Cx<'_, S, H>, x: NodeId, lc: Layer) -> Option<usize> {
    let metric = cx.params.metric;
    let mut cands: Vec<Scored> = Vec::new();
    if let Some((ep_id, max_level)) = cx.store.top() {
        let top = max_level.min(cx.store.level(ep_id));
        if ep_id != x && top >= lc {
            let xv = cx.store.vector(x);
            let ep = Scored { dist: metric.distance(xv, cx.store.vector(ep_id)), id: ep_id };
            let ep = descend(&cx.store, xv, ep, top, lc, cx.s);
            search_layer(&cx.store, xv, &[ep], cx.params.ef_construction, lc, cx.s, &mut cands);
        }
    }
    cands.retain(|c| c.id != x);
    let mut linked = link_stranded(cx, x, lc, &cands);
    if linked == 0 {
        // The search found no usable node (x is the entry point, or every node it
        // reached is full with no spare edge): scan the whole layer.
        // Only connected nodes: the entry point or a node with an edge on this
        // layer. A batch strategy may have allocated nodes it has not linked
        // yet; they must not be linked before their own insert.
        let entry = cx.store.top().map(|(e, _)| e);
        let all: Vec<Scored> = {
            let store = &cx.store;
            let xv = store.vector(x);
            let mut v: Vec<Scored> = (0..store.len() as u32)
                .map(NodeId)
                .filter(|&c| c != x && store.level(c) >= lc)
                .filter(|&c| Some(c) == entry || store.list_len(c, lc) > 0)
                .map(|c| Scored { dist: metric.distance(xv, store.vector(c)), id: c })
                .collect();
            cx.s.distances += v.len() as u64;
            v.sort_unstable();
            v
        };
        if all.is_empty() {
            return None;
        }
        linked = link_stranded(cx, x, lc, &all);
    }
    Some(linked)
}

/// Link stranded `x` both ways to up to `m` of `cands` (ascending) that have
/// room; failing that, make the nearest candidate `c` drop its farthest
/// neighbour `y` that keeps another edge, and take `x`. Returns the links made.
fn link_stranded<S: ListStore, H>(cx: &mut Cx<'_, S, H>, x: NodeId, lc: Layer, cands: &[Scored]) -> usize {
    let metric = cx.params.metric;
    let cap = cx.store.capacity(lc);
    let mut linked = 0;
    for c in cands {
        if linked >= cx.params.m.min(cap) {
            break;
        }
        if cx.store.list_len(c.id, lc) < cap && cx.store.list_len(x, lc) < cap {
            push(&mut cx.store, c.id, lc, x);
            push(&mut cx.store, x, lc, c.id);
            linked += 1;
        }
    }
    if linked == 0 {
        let mut list = Vec::new();
        for c in cands {
            let store = &cx.store;
            let cv = store.vector(c.id);
            store.copy_neighbours(c.id, lc, &mut list);
            let mut victims: Vec<Scored> = list
                .iter()
                .filter(|&&y| store.list_len(y, lc) >= 2)
                .map(|&y| Scored { dist: metric.distance(cv, store.vector(y)), id: y })
                .collect();
            cx.s.distances += victims.len() as u64;
            victims.sort_unstable();
            if let Some(y) = victims.last() {
                remove(&mut cx.store, c.id, lc, y.id);
                remove(&mut cx.store, y.id, lc, c.id);
                push(&mut cx.store, c.id, lc, x);
                push(&mut cx.store, x, lc, c.id);
                cx.stats.forced_repairs += 1;
                linked = 1;
                break;
            }
        }
    }
    linked
}

/// Append `x` to `id`'s list on `layer` (the caller knows it has room).
fn push<S: ListStore>(store: &mut S, id: NodeId, layer: Layer, x: NodeId) {
    store.update(id, layer, |_, list| list.push(x));
}
