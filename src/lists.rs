//! The list-storage seam of Alg. 1's write path: what the one insert engine
//! (`crate::insert`) needs from the storage it links into. The reference
//! index's [`Graph`] implements it without locks ([`Local`]); the concurrent
//! index implements it with its per-node locks (`crate::shared`).
//!
//! Contract every implementation keeps:
//! - [`ListStore::update`] is one read-modify-write of one list, atomic with
//!   respect to every other access to that list; the closure sees the list
//!   and a reader that may read vectors (and, where no lock is held, other
//!   lists) but never writes.
//! - [`ListStore::begin`] reads the pair (entry point, max level) and returns
//!   the right to promote the new node; [`ListStore::finish`] uses it. A
//!   promotion decided under a lock stays under it until `finish`.

use std::ops::Deref;

use crate::distance::Metric;
use crate::graph::Graph;
use crate::ids::{Layer, NodeId};
use crate::search::{Adjacency, Scored};
use crate::store::Vectors;

/// How an insert promotes itself to entry point (Alg. 1 lines 18-19). Only
/// [`Promotion::Guarded`] is the paper's; the others are mutants' deviations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Promotion {
    /// Promote iff the level exceeds the stored max level, decided where no
    /// other promotion can interleave (under the lock, where there is one).
    Guarded,
    /// Never promote once an entry point exists (F1: a stale entry point).
    Never,
    /// Compare with the max level read at the start, without holding the
    /// lock until the write (F1: a later, lower node can demote the entry).
    Unchecked,
    /// Become the entry point before linking (muninndb#471).
    Early,
}

/// True if a new node of `level` becomes the entry point of a graph whose
/// (entry, max level) is `top`: the first node, or one above the max level.
#[inline]
pub(crate) fn promotes(top: Option<(NodeId, Layer)>, level: Layer) -> bool {
    top.is_none_or(|(_, max)| level > max)
}

/// Storage Alg. 1 writes into.
pub(crate) trait ListStore: Adjacency {
    /// What [`ListStore::begin`] hands to [`ListStore::finish`].
    type Ticket;
    /// What an [`ListStore::update`] closure may read.
    type Reader<'r>: Adjacency + ?Sized
    where
        Self: 'r;
    /// Whether a re-selection under [`ListStore::update`] may extend its
    /// candidates with other lists (it may not where reading them would take
    /// a second lock).
    const EXTEND_IN_RESELECT: bool;

    /// Level of `id`.
    fn level(&self, id: NodeId) -> Layer;
    /// Capacity of a list on `layer`.
    fn capacity(&self, layer: Layer) -> usize;
    /// Nodes whose level is at least `layer`.
    fn layer_size(&self, layer: Layer) -> usize;
    /// The (entry point, max level) pair, read consistently.
    fn top(&self) -> Option<(NodeId, Layer)>;
    /// Length of `id`'s list on `layer`.
    fn list_len(&self, id: NodeId, layer: Layer) -> usize;
    /// True if `x` is in `id`'s list on `layer`.
    fn contains(&self, id: NodeId, layer: Layer, x: NodeId) -> bool;
    /// Start inserting `q` of `level`: the top to plan from, and the ticket
    /// that decides its promotion.
    fn begin(&mut self, q: NodeId, level: Layer, promotion: Promotion) -> (Option<(NodeId, Layer)>, Self::Ticket);
    /// Promote `q` if `ticket` says so; true if it did.
    fn finish(&mut self, ticket: Self::Ticket, q: NodeId, level: Layer) -> bool;
    /// Overwrite `id`'s list on `layer` (at most its capacity).
    fn set_neighbours(&mut self, id: NodeId, layer: Layer, list: &[NodeId]);
    /// Set a new node's own lists, one per `(layer, list)` (Alg. 1 line 11,
    /// forward half), before any back-link to it exists.
    fn set_own(&mut self, id: NodeId, layers: &[(Layer, Vec<Scored>)]) {
        for (layer, selected) in layers {
            self.set_neighbours(id, *layer, &crate::insert::ids(selected));
        }
    }
    /// One atomic read-modify-write of `id`'s list on `layer`.
    fn update<R>(&mut self, id: NodeId, layer: Layer, f: impl FnOnce(&Self::Reader<'_>, &mut Vec<NodeId>) -> R) -> R;
}

/// The graph and vectors seen together: read-only (`G = &Graph`) for search,
/// or writable (`G = &mut Graph`, [`Local`]) for Alg. 1's write path. `B` is
/// the writable form's list buffer.
pub(crate) struct Parts<'a, G = &'a Graph, B = ()> {
    graph: G,
    vectors: &'a Vectors,
    metric: Metric,
    buf: B,
}

impl<'a> Parts<'a> {
    /// `graph` and `vectors` read under `metric`.
    pub fn new(graph: &'a Graph, vectors: &'a Vectors, metric: Metric) -> Self {
        Parts { graph, vectors, metric, buf: () }
    }
}

/// The reference index's storage, written by one thread: no locks.
pub(crate) type Local<'a> = Parts<'a, &'a mut Graph, Vec<NodeId>>;

impl<'a> Local<'a> {
    /// Alg. 1's view of `graph` and `vectors` under `metric`.
    pub fn writable(graph: &'a mut Graph, vectors: &'a Vectors, metric: Metric) -> Self {
        Parts { graph, vectors, metric, buf: Vec::new() }
    }
}

impl<G: Deref<Target = Graph>, B> Parts<'_, G, B> {
    /// The graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
}

impl<G: Deref<Target = Graph>, B> Adjacency for Parts<'_, G, B> {
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

impl ListStore for Local<'_> {
    type Ticket = bool;
    type Reader<'r>
        = Parts<'r>
    where
        Self: 'r;
    const EXTEND_IN_RESELECT: bool = true;

    fn level(&self, id: NodeId) -> Layer {
        self.graph.level(id)
    }
    fn capacity(&self, layer: Layer) -> usize {
        self.graph.capacity(layer)
    }
    fn layer_size(&self, layer: Layer) -> usize {
        self.graph.layer_size(layer)
    }
    fn top(&self) -> Option<(NodeId, Layer)> {
        self.graph.entry().map(|e| (e, self.graph.max_level()))
    }
    fn list_len(&self, id: NodeId, layer: Layer) -> usize {
        self.graph.neighbours(id, layer).len()
    }
    fn contains(&self, id: NodeId, layer: Layer, x: NodeId) -> bool {
        self.graph.neighbours(id, layer).contains(&x)
    }
    fn begin(&mut self, q: NodeId, level: Layer, promotion: Promotion) -> (Option<(NodeId, Layer)>, bool) {
        let mut top = self.top();
        if promotion == Promotion::Early && level > self.graph.max_level() {
            self.graph.set_entry(q, level);
            top = Some((q, level));
        }
        let promote = match promotion {
            _ if self.graph.entry().is_none() => true,
            Promotion::Never => false,
            _ => promotes(self.top(), level),
        };
        (top, promote)
    }
    fn finish(&mut self, promote: bool, q: NodeId, level: Layer) -> bool {
        if promote {
            self.graph.set_entry(q, level);
        }
        promote
    }
    fn set_neighbours(&mut self, id: NodeId, layer: Layer, list: &[NodeId]) {
        self.graph.set_neighbours(id, layer, list);
    }
    fn update<R>(&mut self, id: NodeId, layer: Layer, f: impl FnOnce(&Parts<'_>, &mut Vec<NodeId>) -> R) -> R {
        let mut list = std::mem::take(&mut self.buf);
        list.clear();
        list.extend_from_slice(self.graph.neighbours(id, layer));
        let r = f(&Parts::new(self.graph, self.vectors, self.metric), &mut list);
        self.graph.set_neighbours(id, layer, &list);
        self.buf = list;
        r
    }
}
