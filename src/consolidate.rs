//! Delete consolidation (FreshDiskANN, Singh et al. 2021, Alg. 4, on every
//! layer of the hierarchy): the repair that lets deleted slots be freed.
//!
//! For each layer `l` and each live node `u` on it whose list holds a
//! tombstone, the candidates are `u`'s live neighbours plus the live
//! neighbours of each deleted neighbour `d` (`N(d)`, `u` excluded), and `u`
//! re-selects its list from them with the heuristic (Alg. 4, capacity Mmax
//! of the layer). Then every tombstone loses its lists and becomes
//! [`Slot::Free`], and a deleted entry point is replaced by the live node of
//! highest level (lowest id first).
//!
//! Post: no link points to a non-live slot on any layer; the entry point is
//! live and its level is the highest live level, or there is none when no
//! node is live (`hnswlab-invariants` checks both after every batch).

use std::collections::BTreeSet;

use crate::error::Result;
use crate::hooks::{ChurnHooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
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
        for l in 0..=top {
            done.lists_repaired += repair_layer(self, Layer(l));
        }
        for &d in &dead {
            self.graph.clear_lists(d);
            self.tombstones.set(d, Slot::Free);
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
        Ok(done)
    }
}

/// Re-select, on `layer`, every live list that holds a tombstone; returns
/// how many it re-selected.
fn repair_layer(h: &mut Hnsw, layer: Layer) -> usize {
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
        for &y in list {
            if !h.tombstones.is_dead(y) {
                cands.insert(y);
            } else {
                let live = h.graph.neighbours(y, layer).iter().filter(|&&z| z != u && !h.tombstones.is_dead(z));
                cands.extend(live);
            }
        }
        let uv = h.vectors.get(u);
        let mut pool: Vec<Scored> =
            cands.iter().map(|&c| Scored { dist: metric.distance(uv, h.vectors.get(c)), id: c }).collect();
        h.scratch.distances += pool.len() as u64;
        pool.sort_unstable();
        let parts = Parts::new(&h.graph, &h.vectors, metric);
        select(&parts, selection, h.params.prune, u, uv, &pool, cap, layer, &mut h.scratch, &mut selected);
        let list: Vec<NodeId> = selected.iter().map(|s| s.id).collect();
        h.graph.set_neighbours(u, layer, &list);
        repaired += 1;
    }
    repaired
}
