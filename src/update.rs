//! Changing the vector of a node in place: hnswlib's `updatePoint` (with
//! `updateNeighborProbability` = 1, as its Python binding calls it) and
//! `replace_deleted`, which reuses a deleted slot for a new label.
//!
//! `updatePoint` on node `x` whose vector changed, per layer `l <= level(x)`:
//! 1. every out-neighbour `n` of `x` re-selects its list with the heuristic
//!    (Alg. 4, capacity Mmax of the layer) from the candidates `{x}`, `x`'s
//!    neighbours and their neighbours (the nearest efConstruction of them to
//!    `n`, `n` excluded);
//! 2. `x` itself is relinked by the one insert engine (Alg. 1 from the entry
//!    point, `x` never its own candidate), which also adds the back-links.
//!
//! Nodes that point to `x` without being its out-neighbours keep pointing to
//! it: that is hnswlib's behaviour, and the source of the unreachable nodes
//! that pile up under replace churn (catalogue F15).

use std::collections::BTreeSet;

use crate::distance::prepare;
use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{ChurnHooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::lists::Parts;
use crate::params::PrunePolicy;
use crate::search::Scored;
use crate::select::select;
use crate::tombstones::Slot;

impl Hnsw {
    /// Give the live `label` the vector `v` (hnswlib's `updatePoint`, see the
    /// module doc). Errors if the label is not live, `v` is not a valid
    /// vector, or the index prunes Symmetric (the repair is hnswlib's,
    /// which keeps no symmetry).
    pub fn update(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        self.update_with::<Reference>(label, v)
    }

    pub(crate) fn update_with<H: ChurnHooks>(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        self.check_standard()?;
        let prepared = prepare(self.params.metric, self.dim(), v)?;
        let id = self.labels.id(label).ok_or(ErrorKind::UnknownLabel { label })?;
        self.vectors.set(id, &prepared);
        self.relink::<H>(id);
        Ok(id)
    }

    /// Insert `v` under `label`, reusing the lowest non-live slot when there
    /// is one (hnswlib's `addPoint` with `replace_deleted`): a free slot is
    /// linked by Alg. 1 like a new node, a tombstone gets the new vector and
    /// [`Hnsw::update`]'s repair. With no such slot, a plain insert. The
    /// reused slot keeps its id, hence its level.
    ///
    /// Post: the label is live and the only one on its id; `len()` grew by one.
    pub fn insert_replacing(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        self.insert_replacing_with::<Reference>(label, v)
    }

    pub(crate) fn insert_replacing_with<H: ChurnHooks>(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        let prepared = prepare(self.params.metric, self.dim(), v)?;
        let Some(id) = self.tombstones.first_reusable() else {
            let id = self.allocate_prepared(label, &prepared)?;
            self.connect(id);
            return Ok(id);
        };
        let was = self.tombstones.slot(id);
        if was == Slot::Deleted {
            self.check_standard()?;
        }
        if !self.labels.assign(id, label) {
            return Err(ErrorKind::DuplicateLabel { label }.into());
        }
        self.vectors.set(id, &prepared);
        self.tombstones.set(id, Slot::Live);
        if was == Slot::Free {
            self.connect(id);
        } else {
            self.relink::<H>(id);
        }
        Ok(id)
    }

    pub(crate) fn check_standard(&self) -> Result<()> {
        if self.params.prune == PrunePolicy::Symmetric {
            return Err(Error::invalid("prune", "symmetric", "in-place updates repair as hnswlib does (Standard)"));
        }
        Ok(())
    }

    /// `updatePoint` after the vector of the linked node `id` changed.
    fn relink<H: ChurnHooks>(&mut self, id: NodeId) {
        if H::REPAIR_NEIGHBOURHOOD {
            for l in 0..=self.graph.level(id).0 {
                repair_neighbourhood(self, id, Layer(l));
            }
        }
        // hnswlib returns early when the node is the whole graph.
        if self.graph.entry() == Some(id) && self.slots() - self.tombstones.dead() <= 1 {
            return;
        }
        self.connect(id);
    }
}

/// `updatePoint` step 1 on `layer`: each out-neighbour `n` of `x`
/// re-selects its list from `{x}` + `N(x)` + `N(N(x))` (hnswlib's `sCand`),
/// the nearest efConstruction to `n` offered to the heuristic with the
/// layer's Mmax. Candidates include tombstones, as in hnswlib.
fn repair_neighbourhood(h: &mut Hnsw, x: NodeId, layer: Layer) {
    let one_hop = h.graph.neighbours(x, layer).to_vec();
    if one_hop.is_empty() {
        return;
    }
    let mut cands: BTreeSet<NodeId> = BTreeSet::from([x]);
    for &n in &one_hop {
        cands.insert(n);
        cands.extend(h.graph.neighbours(n, layer).iter().copied());
    }
    let metric = h.params.metric;
    let cap = h.graph.capacity(layer);
    let mut selected = Vec::new();
    for &n in &one_hop {
        let parts = Parts::new(&h.graph, &h.vectors, metric);
        let nv = h.vectors.get(n);
        let mut pool: Vec<Scored> = cands
            .iter()
            .filter(|&&c| c != n)
            .map(|&c| Scored { dist: metric.distance(nv, h.vectors.get(c)), id: c })
            .collect();
        h.scratch.distances += pool.len() as u64;
        pool.sort_unstable();
        pool.truncate(h.params.ef_construction);
        select(&parts, h.params.selection, h.params.prune, n, nv, &pool, cap, layer, &mut h.scratch, &mut selected);
        let list: Vec<NodeId> = selected.iter().map(|s| s.id).collect();
        h.graph.set_neighbours(n, layer, &list);
    }
}
