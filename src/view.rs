//! The read-only graph view every checker reads, and an owned snapshot.
//!
//! [`GraphView`] is the seam between the core and `hnswlab-invariants`: the
//! checker never sees the index's storage, so it can check a snapshot, a
//! strategy's graph, or a graph loaded from someone else's file.

use std::collections::HashMap;

use crate::distance::Metric;
use crate::ids::{Layer, NodeId};
use crate::search::Adjacency;
use crate::tombstones::Slot;

/// Read-only access to a whole HNSW graph.
pub trait GraphView {
    /// Number of nodes (ids are `0..len`).
    fn len(&self) -> usize;
    /// True when there are no nodes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Vector length.
    fn dim(&self) -> usize;
    /// Distance function.
    fn metric(&self) -> Metric;
    /// List capacity above layer 0.
    fn m(&self) -> usize;
    /// List capacity on layer 0.
    fn m0(&self) -> usize;
    /// Level of `id`.
    fn level(&self, id: NodeId) -> Layer;
    /// Out-neighbours of `id` on `layer` (empty above its level).
    fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId];
    /// Entry point; `None` iff the graph is empty (invariant I2).
    fn entry_point(&self) -> Option<NodeId>;
    /// The stored maximum level (meaningful when there is an entry point).
    fn max_level(&self) -> Layer;
    /// Stored vector of `id`.
    fn vector(&self, id: NodeId) -> &[f32];
    /// External label of `id`.
    fn label(&self, id: NodeId) -> u64;
    /// Id of `label`, if it is live.
    fn id_of(&self, label: u64) -> Option<NodeId>;
    /// Whether `id` is live, a tombstone or a free slot (graphs without
    /// deletes: always live).
    #[inline]
    fn slot(&self, id: NodeId) -> Slot {
        let _ = id;
        Slot::Live
    }
    /// True unless `id` is live.
    #[inline]
    fn is_deleted(&self, id: NodeId) -> bool {
        self.slot(id) != Slot::Live
    }
    /// Start loading the list of `id` on `layer` into cache: a hint for search, no effect on results.
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        let _ = (id, layer);
    }
}

impl<T: GraphView + ?Sized> Adjacency for T {
    fn metric(&self) -> Metric {
        GraphView::metric(self)
    }
    fn len(&self) -> usize {
        GraphView::len(self)
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        GraphView::vector(self, id)
    }
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        out.clear();
        out.extend_from_slice(self.neighbours(id, layer));
    }
    #[inline]
    fn borrow_neighbours(&self, id: NodeId, layer: Layer) -> Option<&[NodeId]> {
        Some(self.neighbours(id, layer))
    }
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        GraphView::prefetch_neighbours(self, id, layer);
    }
}

/// An owned copy of a graph. Fields are public so tests can plant defects.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Vector length.
    pub dim: usize,
    /// Distance function.
    pub metric: Metric,
    /// List capacity above layer 0.
    pub m: usize,
    /// List capacity on layer 0.
    pub m0: usize,
    /// Level per node.
    pub levels: Vec<Layer>,
    /// `lists[id][layer]`, one list per layer `0..=level(id)`.
    pub lists: Vec<Vec<Vec<NodeId>>>,
    /// Entry point.
    pub entry: Option<NodeId>,
    /// Stored maximum level.
    pub max_level: Layer,
    /// Vectors, `dim` floats per node.
    pub vectors: Vec<f32>,
    /// Label per node.
    pub labels: Vec<u64>,
    /// Label to id, for live nodes.
    pub ids: HashMap<u64, NodeId>,
    /// Slot state per node; empty means every node is live.
    pub slots: Vec<Slot>,
}

impl Snapshot {
    /// Copy any view.
    pub fn of<V: GraphView + ?Sized>(v: &V) -> Self {
        let n = v.len();
        let ids = NodeId;
        let levels: Vec<Layer> = (0..n as u32).map(|i| v.level(ids(i))).collect();
        let lists = (0..n as u32)
            .map(|i| (0..=levels[i as usize].0).map(|l| v.neighbours(ids(i), Layer(l)).to_vec()).collect())
            .collect();
        let mut vectors = Vec::with_capacity(n * v.dim());
        for i in 0..n as u32 {
            vectors.extend_from_slice(v.vector(ids(i)));
        }
        let labels: Vec<u64> = (0..n as u32).map(|i| v.label(ids(i))).collect();
        let slots: Vec<Slot> = (0..n as u32).map(|i| v.slot(ids(i))).collect();
        let any_dead = slots.iter().any(|&s| s != Slot::Live);
        let map = labels
            .iter()
            .enumerate()
            .filter(|&(i, _)| slots[i] == Slot::Live)
            .map(|(i, &l)| (l, NodeId(i as u32)))
            .collect();
        Snapshot {
            dim: v.dim(),
            metric: v.metric(),
            m: v.m(),
            m0: v.m0(),
            levels,
            lists,
            entry: v.entry_point(),
            max_level: v.max_level(),
            vectors,
            labels,
            ids: map,
            slots: if any_dead { slots } else { Vec::new() },
        }
    }

    /// A canonical little-endian encoding of the whole graph (levels, lists,
    /// entry point, vectors, labels): equal graphs give equal bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        let mut put = |x: u64| b.extend_from_slice(&x.to_le_bytes());
        put(self.dim as u64);
        put(self.m as u64);
        put(self.m0 as u64);
        put(self.levels.len() as u64);
        put(self.entry.map_or(u64::MAX, |e| u64::from(e.0)));
        put(u64::from(self.max_level.0));
        for (i, lists) in self.lists.iter().enumerate() {
            put(u64::from(self.levels[i].0));
            put(self.labels[i]);
            for list in lists {
                put(list.len() as u64);
                for n in list {
                    put(u64::from(n.0));
                }
            }
        }
        for x in &self.vectors {
            b.extend_from_slice(&x.to_le_bytes());
        }
        for slot in &self.slots {
            b.push(match slot {
                Slot::Live => 0,
                Slot::Deleted => 1,
                Slot::Free => 2,
            });
        }
        b
    }
}

impl GraphView for Snapshot {
    fn len(&self) -> usize {
        self.levels.len()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn metric(&self) -> Metric {
        self.metric
    }
    fn m(&self) -> usize {
        self.m
    }
    fn m0(&self) -> usize {
        self.m0
    }
    fn level(&self, id: NodeId) -> Layer {
        self.levels[id.index()]
    }
    fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        self.lists.get(id.index()).and_then(|ls| ls.get(layer.index())).map_or(&[], |l| l.as_slice())
    }
    fn entry_point(&self) -> Option<NodeId> {
        self.entry
    }
    fn max_level(&self) -> Layer {
        self.max_level
    }
    /// Empty when `vectors` is too short to hold `id`'s vector, so a planted
    /// length defect is visible instead of a panic.
    fn vector(&self, id: NodeId) -> &[f32] {
        let range = id.index().checked_mul(self.dim).and_then(|s| Some(s..s.checked_add(self.dim)?));
        range.and_then(|r| self.vectors.get(r)).unwrap_or(&[])
    }
    fn label(&self, id: NodeId) -> u64 {
        self.labels[id.index()]
    }
    fn id_of(&self, label: u64) -> Option<NodeId> {
        self.ids.get(&label).copied()
    }
    fn slot(&self, id: NodeId) -> Slot {
        self.slots.get(id.index()).copied().unwrap_or(Slot::Live)
    }
}

/// The first `len` nodes of a graph: what a strategy has committed while
/// later nodes are allocated but not yet linked (nothing links to them).
pub struct PrefixView<'a, V: GraphView + ?Sized> {
    inner: &'a V,
    len: usize,
}

impl<'a, V: GraphView + ?Sized> PrefixView<'a, V> {
    /// View nodes `0..len` of `inner`.
    pub fn new(inner: &'a V, len: usize) -> Self {
        PrefixView { inner, len: len.min(inner.len()) }
    }
}

impl<V: GraphView + ?Sized> GraphView for PrefixView<'_, V> {
    fn len(&self) -> usize {
        self.len
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn metric(&self) -> Metric {
        self.inner.metric()
    }
    fn m(&self) -> usize {
        self.inner.m()
    }
    fn m0(&self) -> usize {
        self.inner.m0()
    }
    fn level(&self, id: NodeId) -> Layer {
        self.inner.level(id)
    }
    fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        self.inner.neighbours(id, layer)
    }
    fn entry_point(&self) -> Option<NodeId> {
        self.inner.entry_point()
    }
    fn max_level(&self) -> Layer {
        self.inner.max_level()
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        self.inner.vector(id)
    }
    fn label(&self, id: NodeId) -> u64 {
        self.inner.label(id)
    }
    fn id_of(&self, label: u64) -> Option<NodeId> {
        self.inner.id_of(label).filter(|id| id.index() < self.len)
    }
    fn slot(&self, id: NodeId) -> Slot {
        self.inner.slot(id)
    }
}
