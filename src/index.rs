//! The reference HNSW index: validated inserts (Alg. 1) and k-NN search (Alg. 5).

use crate::distance::{prepare, Metric};
use crate::error::{Error, ErrorKind, Result};
use crate::graph::Graph;
use crate::hooks::{Hooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::insert::{insert, BuildStats, Cx, InsertTrace};
use crate::level::level;
use crate::lists::{Local, Parts};
use crate::params::Params;
use crate::search::{knn, knn_admitting, Scratch};
use crate::store::{Labels, Vectors};
use crate::tombstones::{Slot, Tombstones};
use crate::validate::check_with_capacity;
use crate::view::GraphView;

/// Largest accepted dimension.
pub const MAX_DIM: usize = 1 << 16;
/// Largest number of nodes (ids are u32; one value is kept free).
pub const MAX_NODES: u64 = u32::MAX as u64 - 1;

/// Refuse `n` nodes when u32 ids cannot name them all: `n <= MAX_NODES`,
/// checked before anything of that size is allocated.
pub(crate) fn check_node_count(n: usize) -> Result<()> {
    if n as u64 > MAX_NODES {
        return Err(ErrorKind::CapacityExceeded { max: MAX_NODES }.into());
    }
    Ok(())
}

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbour {
    /// External label.
    pub label: u64,
    /// Internal id.
    pub id: NodeId,
    /// Distance to the query under the index metric.
    pub distance: f32,
}

/// A single-threaded HNSW index, deterministic from its seed and insertion order.
#[derive(Debug)]
pub struct Hnsw {
    pub(crate) params: Params,
    pub(crate) graph: Graph,
    pub(crate) vectors: Vectors,
    pub(crate) labels: Labels,
    pub(crate) tombstones: Tombstones,
    pub(crate) scratch: Scratch,
    pub(crate) stats: BuildStats,
}

impl Hnsw {
    /// An empty index for vectors of length `dim`.
    pub fn new(dim: usize, params: Params) -> Result<Self> {
        if dim == 0 || dim > MAX_DIM {
            return Err(Error::invalid("dim", dim, "must be in 1..=65536"));
        }
        Ok(Hnsw {
            graph: Graph::new(params.m, params.m0),
            vectors: Vectors::new(dim),
            labels: Labels::default(),
            tombstones: Tombstones::default(),
            scratch: Scratch::new(),
            stats: BuildStats::default(),
            params,
        })
    }

    /// An index whose lists have room for `m` / `m0` links although `params`
    /// say otherwise: only the no-truncation mutant uses it.
    pub(crate) fn with_list_room(dim: usize, params: Params, m: usize, m0: usize) -> Result<Self> {
        let mut h = Hnsw::new(dim, params)?;
        h.graph = Graph::new(m, m0);
        Ok(h)
    }

    /// Rebuild an index from a graph another strategy produced (levels, lists,
    /// entry point, vectors and labels are taken as they are, once they pass
    /// [`crate::validate::check`] with the lists held to `params`' capacities
    /// and the metric matches `params`).
    pub fn from_view<V: GraphView + ?Sized>(view: &V, params: Params) -> Result<Self> {
        let mut h = Hnsw::new(view.dim(), params)?;
        if view.metric() != h.params.metric() {
            return Err(ErrorKind::MetricMismatch { expected: h.params.metric(), got: view.metric() }.into());
        }
        let n = view.len();
        check_node_count(n)?;
        let defects = check_with_capacity(view, view.m().min(h.params.m), view.m0().min(h.params.m0));
        if let Some(first) = defects.first() {
            return Err(ErrorKind::InvalidGraph { defect: first.to_string(), count: defects.len() }.into());
        }
        h.reserve(n)?;
        for i in 0..n as u32 {
            let id = NodeId(i);
            let slot = view.slot(id);
            if slot == Slot::Live && !h.labels.push(view.label(id)) {
                return Err(ErrorKind::DuplicateLabel { label: view.label(id) }.into());
            }
            if slot != Slot::Live {
                h.labels.push_unmapped(view.label(id));
            }
            h.vectors.push(view.vector(id));
            h.graph.add_node(view.level(id));
            h.tombstones.push_live();
            if slot != Slot::Live {
                h.tombstones.set(id, slot);
            }
        }
        for i in 0..n as u32 {
            let id = NodeId(i);
            for l in 0..=view.level(id).0 {
                h.graph.set_neighbours(id, Layer(l), view.neighbours(id, Layer(l)));
            }
        }
        if let Some(e) = view.entry_point() {
            h.graph.set_entry(e, view.max_level());
        }
        Ok(h)
    }

    /// Reserve room for `n` more vectors. Errors (and nothing is reserved
    /// beyond what fitted) when `len + n` exceeds [`MAX_NODES`] or the
    /// allocator refuses: never a capacity-overflow panic or an abort.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        check_node_count(self.slots().saturating_add(n))?;
        self.graph.reserve(n)?;
        self.tombstones.reserve(n)?;
        self.vectors.reserve(n)
    }

    /// Build parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Number of live labels (vectors a search can return).
    pub fn len(&self) -> usize {
        self.graph.len() - self.tombstones.dead()
    }

    /// True when the index holds no live vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of ids in use, `0..slots()`: live, deleted and free slots (the
    /// [`GraphView::len`] of the index).
    pub fn slots(&self) -> usize {
        self.graph.len()
    }

    /// Number of slots that are not live (deleted or free).
    pub fn deleted_count(&self) -> usize {
        self.tombstones.dead()
    }

    /// State of slot `id`.
    pub fn slot(&self, id: NodeId) -> Slot {
        self.tombstones.slot(id)
    }

    /// Delete `label`: a tombstone (hnswlib's `markDelete`). The node keeps
    /// its lists and searches walk through it, but never return it, and the
    /// label is free for a new vector. Errors if the label is not live.
    ///
    /// Post: `len()` is one less, `id_of(label)` is `None`, the graph is unchanged.
    pub fn delete(&mut self, label: u64) -> Result<NodeId> {
        let id = self.labels.forget(label).ok_or(ErrorKind::UnknownLabel { label })?;
        self.tombstones.set(id, Slot::Deleted);
        Ok(id)
    }

    /// Vector length.
    pub fn dim(&self) -> usize {
        self.vectors.dim()
    }

    /// Build counters (distances, reselections, Symmetric repairs).
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// Bytes held by vectors, adjacency and labels.
    pub fn memory_bytes(&self) -> usize {
        self.graph.memory_bytes()
            + self.vectors.memory_bytes()
            + self.labels.memory_bytes()
            + self.tombstones.memory_bytes()
    }

    /// Insert `v` under `label` (paper Alg. 1); returns its id.
    pub fn insert(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        Ok(self.insert_traced(label, v)?.node)
    }

    /// Insert and return what the insert did, for the per-insert checks.
    pub fn insert_traced(&mut self, label: u64, v: &[f32]) -> Result<InsertTrace> {
        let id = self.allocate(label, v)?;
        Ok(self.connect(id))
    }

    /// Validate, store the vector and label, and add the node with its level,
    /// unlinked. Nothing changes on error.
    pub(crate) fn allocate(&mut self, label: u64, v: &[f32]) -> Result<NodeId> {
        let prepared = prepare(self.params.metric, self.dim(), v)?;
        self.allocate_prepared(label, &prepared)
    }

    pub(crate) fn allocate_prepared(&mut self, label: u64, prepared: &[f32]) -> Result<NodeId> {
        let id = NodeId(self.slots() as u32);
        let lvl = level(self.params.seed, id, self.params.ml, self.params.level_cap);
        self.allocate_at(label, prepared, lvl)
    }

    /// [`Hnsw::allocate_prepared`] at a given level (a mutant's, or the
    /// level function's for the next id).
    pub(crate) fn allocate_at(&mut self, label: u64, prepared: &[f32], lvl: Layer) -> Result<NodeId> {
        if self.slots() as u64 >= MAX_NODES {
            return Err(ErrorKind::CapacityExceeded { max: MAX_NODES }.into());
        }
        if !self.labels.push(label) {
            return Err(ErrorKind::DuplicateLabel { label }.into());
        }
        let id = NodeId(self.slots() as u32);
        self.vectors.push(prepared);
        self.tombstones.push_live();
        let got = self.graph.add_node(lvl);
        debug_assert_eq!(got, id);
        Ok(id)
    }

    /// Alg. 1 for an allocated node.
    pub(crate) fn connect(&mut self, id: NodeId) -> InsertTrace {
        self.connect_with(id, &Reference)
    }

    /// Alg. 1 for an allocated node through the one insert engine, with
    /// `hooks`' deviations ([`Reference`]: none).
    pub(crate) fn connect_with<H>(&mut self, id: NodeId, hooks: &H) -> InsertTrace
    where
        H: for<'a> Hooks<Local<'a>>,
    {
        insert(&mut self.cx(hooks), id)
    }

    /// What the insert engine works with on this index: its storage,
    /// parameters, scratch and counters, with `hooks`.
    pub(crate) fn cx<'h, H>(&'h mut self, hooks: &'h H) -> Cx<'h, Local<'h>, H> {
        Cx {
            store: Local::writable(&mut self.graph, &self.vectors, self.params.metric),
            params: &self.params,
            s: &mut self.scratch,
            stats: &mut self.stats,
            hooks,
        }
    }

    fn check_query(&self, q: &[f32], k: usize, ef: usize) -> Result<Vec<f32>> {
        let q = check_query(self.params.metric, self.dim(), q, k, ef)?;
        if self.is_empty() {
            return Err(ErrorKind::EmptyIndex.into());
        }
        Ok(q)
    }

    /// The `k` nearest live vectors to `q` (Alg. 5), ascending by distance.
    /// With tombstones, the layer-0 search is [`knn_admitting`]: `k` results
    /// whenever `k` live nodes are reachable.
    pub fn search(&self, q: &[f32], k: usize, ef: usize) -> Result<Vec<Neighbour>> {
        self.search_with(&mut Scratch::new(), q, k, ef)
    }

    /// As [`Hnsw::search`], reusing `scratch` so the hot path does not allocate.
    pub fn search_with(&self, scratch: &mut Scratch, q: &[f32], k: usize, ef: usize) -> Result<Vec<Neighbour>> {
        let q = self.check_query(q, k, ef)?;
        let entry = self.graph.entry().expect("non-empty index has an entry point");
        let parts = Parts::new(&self.graph, &self.vectors, self.params.metric);
        let max_level = self.graph.max_level();
        let found = if self.tombstones.dead() == 0 {
            knn(&parts, entry, max_level, &q, k, ef, scratch)
        } else {
            knn_admitting(&parts, entry, max_level, &q, k, ef, scratch, &self.tombstones)
        };
        Ok(found
            .into_iter()
            .map(|s| Neighbour { label: self.labels.label(s.id), id: s.id, distance: s.dist })
            .collect())
    }
}

/// A k-NN query as Alg. 5 needs it: k >= 1, ef >= k, and `q` [`prepare`]d
/// (length `dim`, finite, normalised under cosine).
pub(crate) fn check_query(metric: Metric, dim: usize, q: &[f32], k: usize, ef: usize) -> Result<Vec<f32>> {
    if k == 0 {
        return Err(ErrorKind::ZeroK.into());
    }
    if ef < k {
        return Err(ErrorKind::EfLessThanK { ef, k }.into());
    }
    prepare(metric, dim, q)
}

impl GraphView for Hnsw {
    fn len(&self) -> usize {
        self.graph.len()
    }
    fn dim(&self) -> usize {
        self.vectors.dim()
    }
    fn metric(&self) -> Metric {
        self.params.metric
    }
    fn m(&self) -> usize {
        self.params.m
    }
    fn m0(&self) -> usize {
        self.params.m0
    }
    fn level(&self, id: NodeId) -> Layer {
        self.graph.level(id)
    }
    #[inline]
    fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        // Every node is on layer 0: skip the level load on the hot layer.
        if layer.0 != 0 && layer > self.graph.level(id) {
            &[]
        } else {
            self.graph.neighbours(id, layer)
        }
    }
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        self.graph.prefetch_neighbours(id, layer);
    }
    fn entry_point(&self) -> Option<NodeId> {
        self.graph.entry()
    }
    fn max_level(&self) -> Layer {
        self.graph.max_level()
    }
    #[inline]
    fn vector(&self, id: NodeId) -> &[f32] {
        self.vectors.get(id)
    }
    fn label(&self, id: NodeId) -> u64 {
        self.labels.label(id)
    }
    fn id_of(&self, label: u64) -> Option<NodeId> {
        self.labels.id(label)
    }
    fn slot(&self, id: NodeId) -> Slot {
        self.tombstones.slot(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one id-space check (the oracle, the concurrent index's rows,
    /// `from_view` and `reserve` all call it): `MAX_NODES` nodes fit, one
    /// more does not, and the error names the bound.
    #[test]
    fn the_id_space_holds_max_nodes_and_not_one_more() {
        let max = MAX_NODES as usize;
        for n in [0, 1, max - 1, max] {
            assert!(check_node_count(n).is_ok(), "{n}");
        }
        for n in [max + 1, usize::MAX] {
            let e = check_node_count(n).unwrap_err();
            assert_eq!(e.kind(), &ErrorKind::CapacityExceeded { max: MAX_NODES }, "{n}");
        }
    }
}
