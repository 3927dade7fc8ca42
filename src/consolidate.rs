//! Delete consolidation (FreshDiskANN, Singh et al. 2021, Alg. 4, on every
//! layer of the hierarchy): the repair that lets deleted slots be freed.
//!
//! For each layer `l` and each live node `u` on it whose list holds a
//! tombstone, the candidates are `u`'s live neighbours plus the live
//! neighbours of each deleted neighbour `d` (`N(d)`, `u` excluded), and `u`
//! re-selects its list from them with the heuristic (Alg. 4 in the place of
//! FreshDiskANN's RobustPrune, capacity Mmax of the layer; extended
//! candidates off, as they would read tombstones' lists). Then every
//! tombstone loses its lists and becomes
//! [`Slot::Free`], and a deleted entry point is replaced by the live node of
//! highest level (lowest id first). Each edge `u -> w` a re-selection added
//! then gets its back-link `w -> u` through the insert engine (Alg. 1 lines
//! 12-16: appended, or `w` re-selects a full list), as an insert of `u` would
//! have: without them the repaired graph drifts one-way and its searches
//! lose their way (in `hnswlab churn`'s default run, recall@10 at ef 64
//! falls to 0.88 by round 20 without them, 0.96 with them).
//!
//! Freeing the tombstones removes their out-edges, and with them the only
//! in-edges of some live nodes. Then every live node that a walk from the
//! entry point no longer reaches on layer 0 is made findable by the insert
//! engine's findability repair (the `verify_inserts` repair: an edge from
//! the nearest node its self-search reaches).
//!
//! Last, bridges. The heuristic keeps a diverse few of the pool, nearest
//! first, so a deleted node's long links (to another cluster, say) rarely
//! survive in its in-neighbours' new lists: each candidate far from `u` is
//! nearly as far from the near ones `u` kept. A fresh build makes such links
//! while clusters are still smaller than efConstruction; a churned graph
//! never makes them again, so they wear away round after round (in
//! `hnswlab churn`'s default run, 10k x 128 in 100 clusters, the layer-0
//! links between clusters fell from 9.6k to 4.5k over 20 rounds and
//! recall@10 at ef 64 from 0.999 to 0.956, while a rebuild kept both). So
//! for every path `u -> d -> c` through a deleted `d` (on each repaired
//! layer, `c` live), if `u` no longer reaches `c` within two hops, `u` links
//! to `c` directly, nearest first, while its list has room, and `c` links
//! back to `u` if its own list has room (without the back-links a third of
//! the layer-0 edges end one-way and recall@10 ends 0.004-0.009 lower on
//! three of four seeds). Bridges only append, so they undo no earlier step.
//!
//! Post: no link points to a non-live slot on any layer; the entry point is
//! live and its level is the highest live level, or there is none when no
//! node is live (`hnswlab-invariants` checks both after every batch); every
//! live node is findable on layer 0, unless `repair_failures` says otherwise;
//! every path `u -> d -> c` of length two through a deleted `d` on a
//! repaired layer survives as a path of at most two hops from `u` to `c`, or
//! `u`'s list on that layer is full (`hnswlab_invariants::check_bridged`).

use std::collections::BTreeSet;

use crate::error::Result;
use crate::hooks::{ChurnHooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::insert::{ensure_findable, link_back, Edge};
use crate::lists::Parts;
use crate::params::Selection;
use crate::search::Scored;
use crate::select::select;
use crate::tombstones::Slot;

/// What one consolidation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consolidated {
    /// Tombstones freed.
    pub freed: usize,
    /// Lists (node, layer) re-selected because they held a tombstone.
    pub lists_repaired: usize,
    /// True if the entry point was deleted and a new one chosen.
    pub new_entry: bool,
    /// Live nodes unreachable on layer 0 after the lists were repaired.
    pub unreachable: usize,
    /// Of those, nodes the findability repair could not make findable.
    pub repair_failures: u64,
    /// Links added by the bridges (module doc).
    pub bridges: usize,
}

impl Hnsw {
    /// Consolidate every tombstone away (see the module doc). Free slots are
    /// reused by [`Hnsw::insert_replacing`].
    /// Errors (and changes nothing) under the Symmetric prune policy, whose
    /// reverse edges the re-selection would not keep.
    pub fn consolidate(&mut self) -> Result<Consolidated> {
        self.consolidate_with::<Reference>()
    }

    pub(crate) fn consolidate_with<H: ChurnHooks>(&mut self) -> Result<Consolidated> {
        self.check_standard()?;
        let mut done = Consolidated::default();
        let dead: Vec<NodeId> = self.tombstones.dead_ids().filter(|&d| self.slot(d) == Slot::Deleted).collect();
        if dead.is_empty() {
            return Ok(done);
        }
        let top = if H::CONSOLIDATE_UPPER_LAYERS { self.graph.max_level().0 } else { 0 };
        let (mut added, mut paths) = (Vec::new(), Vec::new());
        for l in 0..=top {
            done.lists_repaired += repair_layer(self, Layer(l), &mut added, &mut paths);
        }
        for &d in &dead {
            self.graph.clear_lists(d);
            self.tombstones.set(d, Slot::Free);
        }
        // No list names a tombstone any more, so a re-selection sees live nodes only.
        let mut cx = self.cx(&Reference);
        let mut stranded = Vec::new();
        for edge in added {
            link_back(&mut cx, edge, &mut stranded);
        }
        done.freed = dead.len();
        if H::REFRESH_ENTRY && self.graph.entry().is_some_and(|e| self.tombstones.is_dead(e)) {
            done.new_entry = true;
            let best = (0..self.slots() as u32)
                .map(NodeId)
                .filter(|&id| !self.tombstones.is_dead(id))
                .max_by_key(|&id| (self.graph.level(id), std::cmp::Reverse(id)));
            match best {
                Some(id) => self.graph.set_entry(id, self.graph.level(id)),
                None => self.graph.clear_entry(),
            }
        }
        if H::REPAIR_REACHABILITY {
            (done.unreachable, done.repair_failures) = self.make_reachable();
        }
        if H::BRIDGE_DEAD_PATHS {
            done.bridges = bridge(self, &paths);
        }
        Ok(done)
    }

    /// Make every live node that a walk from the entry point over layer 0
    /// does not reach findable again, with the insert engine's findability
    /// repair (an edge from the nearest node its self-search reaches).
    /// Returns how many were unreachable and how many stayed unfindable.
    /// Nothing happens without a live entry point.
    pub fn make_reachable(&mut self) -> (usize, u64) {
        if self.graph.entry().is_none_or(|e| self.tombstones.is_dead(e)) {
            return (0, 0);
        }
        let stranded = unreachable_on_layer_0(self);
        let failures = self.stats.findability_failures;
        let mut protected = Vec::new();
        let mut cx = self.cx(&Reference);
        for &x in &stranded {
            ensure_findable(&mut cx, x, &mut protected);
        }
        (stranded.len(), self.stats.findability_failures - failures)
    }
}

/// The live ends `c` of the paths `u -> d -> c` through the deleted nodes
/// `d` of `u`'s list on `layer`, nearest to `u` first: what [`bridge`]
/// keeps within two hops of `u` (after the back-links, whose re-selections
/// may drop them again).
struct DeadPaths {
    u: NodeId,
    layer: Layer,
    ends: Vec<NodeId>,
}

/// Re-select, on `layer`, every live list that holds a tombstone; returns
/// how many it re-selected, pushes on `added` the reverse `w -> u` of every
/// edge `u -> w` a re-selection added, and on `paths` the ends of `u`'s
/// paths through tombstones.
fn repair_layer(h: &mut Hnsw, layer: Layer, added: &mut Vec<Edge>, paths: &mut Vec<DeadPaths>) -> usize {
    let metric = h.params.metric;
    let cap = h.graph.capacity(layer);
    // Extended candidates would read the tombstones' lists and could pick one.
    let selection = match h.params.selection {
        Selection::Heuristic { keep_pruned, .. } => Selection::Heuristic { extend_candidates: false, keep_pruned },
        simple => simple,
    };
    let mut repaired = 0;
    let mut selected = Vec::new();
    for u in (0..h.slots() as u32).map(NodeId) {
        if h.tombstones.is_dead(u) || h.graph.level(u) < layer {
            continue;
        }
        let list = h.graph.neighbours(u, layer);
        if !list.iter().any(|&y| h.tombstones.slot(y) == Slot::Deleted) {
            continue;
        }
        let mut cands: BTreeSet<NodeId> = BTreeSet::new();
        let mut ends: BTreeSet<NodeId> = BTreeSet::new();
        for &y in list {
            if !h.tombstones.is_dead(y) {
                cands.insert(y);
            } else {
                ends.extend(h.graph.neighbours(y, layer).iter().filter(|&&z| z != u && !h.tombstones.is_dead(z)));
            }
        }
        cands.extend(&ends);
        let uv = h.vectors.get(u);
        let mut pool: Vec<Scored> =
            cands.iter().map(|&c| Scored { dist: metric.distance(uv, h.vectors.get(c)), id: c }).collect();
        h.scratch.distances += pool.len() as u64;
        pool.sort_unstable();
        let parts = Parts::new(&h.graph, &h.vectors, metric);
        select(&parts, selection, h.params.prune, u, uv, &pool, cap, layer, &mut h.scratch, &mut selected);
        let list: Vec<NodeId> = selected.iter().map(|s| s.id).collect();
        let old = h.graph.neighbours(u, layer);
        added.extend(list.iter().filter(|w| !old.contains(w)).map(|&w| Edge { from: w, to: u, layer }));
        let ends = pool.iter().map(|c| c.id).filter(|c| ends.contains(c)).collect();
        paths.push(DeadPaths { u, layer, ends });
        h.graph.set_neighbours(u, layer, &list);
        repaired += 1;
    }
    repaired
}

/// The bridges (module doc): for each of `paths`, link `u` to every end `c`
/// it no longer reaches within two hops on the path's layer, nearest first,
/// while its list has room, and `c` back to `u` when `c`'s list has room.
/// Appends only. Returns the links added.
///
/// Post: each end is `u`'s neighbour, or a neighbour's, or `u`'s list is full.
fn bridge(h: &mut Hnsw, paths: &[DeadPaths]) -> usize {
    let mut bridges = 0;
    let mut reached: BTreeSet<NodeId> = BTreeSet::new();
    for DeadPaths { u, layer, ends } in paths.iter().filter(|p| !p.ends.is_empty()) {
        let (u, layer) = (*u, *layer);
        reached.clear();
        for &r in h.graph.neighbours(u, layer) {
            reached.insert(r);
            reached.extend(h.graph.neighbours(r, layer));
        }
        for &c in ends {
            if h.graph.neighbours(u, layer).len() >= h.graph.capacity(layer) {
                break;
            }
            if c != u && !reached.contains(&c) && append(h, u, c, layer) {
                reached.insert(c);
                reached.extend(h.graph.neighbours(c, layer));
                bridges += 1 + usize::from(append(h, c, u, layer));
            }
        }
    }
    bridges
}

/// Append `to` to `from`'s list on `layer` if the list has room and lacks
/// it; true if it did.
fn append(h: &mut Hnsw, from: NodeId, to: NodeId, layer: Layer) -> bool {
    let list = h.graph.neighbours(from, layer);
    if list.len() >= h.graph.capacity(layer) || list.contains(&to) {
        return false;
    }
    let mut list = list.to_vec();
    list.push(to);
    h.graph.set_neighbours(from, layer, &list);
    true
}

/// Live nodes that a walk from the entry point over layer 0 does not reach
/// (the walk passes through every slot with lists), ascending.
fn unreachable_on_layer_0(h: &Hnsw) -> Vec<NodeId> {
    let n = h.slots();
    let mut reached = vec![false; n];
    let mut stack: Vec<NodeId> = h.graph.entry().into_iter().collect();
    for &e in &stack {
        reached[e.index()] = true;
    }
    while let Some(a) = stack.pop() {
        for &b in h.graph.neighbours(a, Layer(0)) {
            if !reached[b.index()] {
                reached[b.index()] = true;
                stack.push(b);
            }
        }
    }
    (0..n as u32).map(NodeId).filter(|&x| !reached[x.index()] && !h.tombstones.is_dead(x)).collect()
}
