//! The concurrent index: many threads insert into one shared index with
//! per-node locks and a guarded entry-point promotion, the way hnswlib and
//! faiss scale. Its inserts run the one insert engine (`crate::insert`)
//! through `&SharedIndex`, this module's implementation of the list-storage seam.
//!
//! # Lock discipline
//! - Locks: one `top` mutex guarding the pair (entry point, max level), and
//!   one mutex per node guarding all of that node's neighbour lists.
//! - **A thread never holds two node locks at once.** Reading a list copies it
//!   under the node's lock and releases it before any distance is computed;
//!   a back-link locks the neighbour, appends or re-selects (distances only:
//!   vectors are immutable), and releases it.
//! - The only nesting is `top` -> one node lock: an insert whose level exceeds
//!   the max level it read keeps `top` locked until it has linked and
//!   promoted itself (hnswlib does the same), so promotion is re-checked under
//!   the lock and two promotions cannot interleave. Nothing takes `top` while
//!   holding a node lock, so there is no cycle and no deadlock.
//! - Readers (search, the planning phase of insert) lock `top` only to copy
//!   the pair, so they always see a consistent pair:
//!   `level(entry read) >= max level read`.
//! - A node's lists are written before any back-link to it exists, so no
//!   thread can reach a node whose lists are not initialised (F3).
//! - Levels are a pure function of (seed, id): no shared RNG (F5).
//!
//! # Deletes
//! - `delete(label)` sets the node's mark ([`crate::marks`]): one atomic swap,
//!   no lock, and nothing else changes. The node is a tombstone (hnswlib's
//!   `markDelete`): its lists stay, inserts and searches still walk through
//!   it, the entry point stays where it is even when it is the deleted node
//!   (`top` is never touched), so a delete cannot break a concurrent insert
//!   or search.
//! - Labels are the row numbers, so the marks are the label map: a label is
//!   live iff its row exists and its mark is clear; the swap makes two
//!   deletes of one label succeed exactly once.
//! - A search filters through the marks inside Alg. 2 (hnswlib's
//!   tombstone-aware search, [`crate::search::knn_admitting`]): a marked node
//!   is expanded but never enters `W`, and `W` fills with `ef` unmarked nodes
//!   before the search may stop. A delete that returned before the search
//!   began is seen by every mark the search reads, so its node is never
//!   returned; a delete that overlaps the search may or may not be seen.
//!
//! Limits: Standard prune only (Symmetric would need a second lock per dropped
//! edge); re-selection of a full list never extends candidates (that would
//! read other nodes' lists under the lock).
//!
//! All synchronisation comes from `crate::sync`, so the loom models check
//! this code itself.
//!
//! Profile: each thread profiles its own inserts (into its own
//! [`BuildStats`]); the strategy sums them, so phase times are CPU time
//! summed over threads. Waiting for `top` before planning counts as descent,
//! waiting for a node lock as the phase that takes it.

use std::collections::HashSet;

use crate::error::{Error, ErrorKind, Result};
use crate::hooks::{Hooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::index::{check_node_count, check_query, Hnsw, MAX_DIM};
use crate::insert::{finds, insert, BuildStats, Cx, InsertTrace};
use crate::layout::Blocks;
use crate::level::level;
use crate::lists::{promotes, ListStore, Promotion};
use crate::marks::Marks;
use crate::params::{Params, PrunePolicy};
use crate::search::{knn, knn_admitting, Adjacency, Admit, Scored, Scratch};
use crate::store::Vectors;
use crate::strategy::{Afterwards, Reread};
use crate::sync::{lock, AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell};
use crate::tombstones::Slot as SlotState;
use crate::view::Snapshot;
use crate::Metric;

/// The guarded pair read by every search and insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Top {
    /// Entry point.
    pub entry: Option<NodeId>,
    /// Maximum level.
    pub max_level: Layer,
}

/// One slot of a neighbour list: a count or a node id.
type Slot = UnsafeCell<u32>;

/// Every node's neighbour lists in the flat block layout of
/// [`crate::layout`], one slot per cell, and one lock per node.
///
/// Invariant: the slots of node `i` are read and written only through a
/// [`Held`] for `i`, i.e. while `locks[i]` is held. That is what makes the
/// `Sync` impl sound, and loom checks it (its `UnsafeCell` panics on an
/// access that is not ordered after the previous write).
struct Lists {
    blocks: Blocks<Slot>,
    locks: Vec<Mutex<()>>,
    /// In an observed build only: every `(owner, layer, removed)` where a
    /// write removed an id from a full list (the legal drops, see
    /// [`Held::write`]). Taken while holding the owner's lock, never the
    /// other way round.
    witness: Option<Mutex<HashSet<(NodeId, Layer, NodeId)>>>,
}

// SAFETY: see the invariant above: every access to a node's slots happens
// under that node's mutex, which orders it with every other access.
unsafe impl Sync for Lists {}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists")
            .field("m", &self.blocks.m())
            .field("m0", &self.blocks.m0())
            .field("nodes", &self.locks.len())
            .finish()
    }
}

impl Lists {
    fn new(m: usize, m0: usize, levels: &[Layer]) -> Self {
        Lists {
            blocks: Blocks::with_levels(m, m0, levels, || Slot::new(0)),
            locks: (0..levels.len()).map(|_| Mutex::new(())).collect(),
            witness: None,
        }
    }

    /// Lock node `id`'s lists.
    #[inline]
    fn hold(&self, id: NodeId) -> Held<'_> {
        Held { lists: self, id, _guard: lock(&self.locks[id.index()]) }
    }

    /// Replace `out` with `id`'s list on `layer` (`layer <= level`).
    ///
    /// # Safety
    /// The caller holds `id`'s lock (or is a loom mutant that must be caught).
    #[inline]
    unsafe fn read_slots(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        let block = self.blocks.block(id, layer);
        // SAFETY: the caller holds the lock, so no write races this read.
        let count = block[0].with(|p| unsafe { *p }) as usize;
        out.clear();
        out.extend(block[1..1 + count].iter().map(|c| {
            // SAFETY: as for the count.
            NodeId(c.with(|p| unsafe { *p }))
        }));
    }
}

/// Node `id`'s lock, held: the only access to its slots.
struct Held<'a> {
    lists: &'a Lists,
    id: NodeId,
    _guard: MutexGuard<'a, ()>,
}

impl Held<'_> {
    /// Replace `out` with the list on `layer` (`layer <= level`).
    #[inline]
    fn read(&self, layer: Layer, out: &mut Vec<NodeId>) {
        // SAFETY: `self` holds the node's lock.
        unsafe { self.lists.read_slots(self.id, layer, out) }
    }

    /// The list's length on `layer` (`layer <= level`).
    #[inline]
    fn len(&self, layer: Layer) -> usize {
        // SAFETY: `self` holds the node's lock, so no write races the read.
        self.lists.blocks.block(self.id, layer)[0].with(|p| unsafe { *p }) as usize
    }

    /// Overwrite the list on `layer` (`layer <= level`, `list.len() <=` capacity).
    /// In an observed build, first record the ids it drops from a full list.
    #[inline]
    fn write(&self, layer: Layer, list: &[NodeId]) {
        if let Some(witness) = &self.lists.witness {
            let mut old = Vec::new();
            self.read(layer, &mut old);
            if old.len() >= self.lists.blocks.capacity(layer) {
                let mut dropped = lock(witness);
                dropped.extend(old.iter().filter(|x| !list.contains(x)).map(|&x| (self.id, layer, x)));
            }
        }
        let block = self.lists.blocks.block(self.id, layer);
        assert!(
            list.len() < block.len(),
            "list of {} on {layer}: {} > capacity {}",
            self.id,
            list.len(),
            block.len() - 1
        );
        for (c, x) in block[1..].iter().zip(list) {
            // SAFETY: this node's lock is held (`Held`): no other access races the write.
            c.with_mut(|p| unsafe { *p = x.0 });
        }
        // SAFETY: as for the ids.
        block[0].with_mut(|p| unsafe { *p = list.len() as u32 });
    }
}

/// An index shared by inserting and searching threads.
#[derive(Debug)]
pub struct SharedIndex {
    params: Params,
    dim: usize,
    vectors: Vectors,
    levels: Vec<Layer>,
    /// Nodes whose level is >= l, indexed by l.
    layer_sizes: Vec<usize>,
    labels: Vec<u64>,
    lists: Lists,
    top: Mutex<Top>,
    next: AtomicUsize,
    /// Delete marks, one per node (the label map: labels are row numbers).
    marks: Marks,
}

impl SharedIndex {
    /// An index over prepared rows (validated, normalised for cosine) whose
    /// levels come from `params`' level function. Nodes are unlinked until inserted.
    ///
    /// Errors: `dim` outside `1..=MAX_DIM`, `vectors` not a whole number of
    /// rows, more rows than node ids, a prune policy other than Standard.
    pub fn new(params: Params, dim: usize, vectors: Vec<f32>) -> Result<Self> {
        let n = rows_of(dim, &vectors)?;
        let levels = (0..n as u32).map(|i| level(params.seed(), NodeId(i), params.ml(), params.level_cap())).collect();
        Self::with_levels(params, dim, vectors, levels)
    }

    /// As `new`, with levels given (the loom models force them): one per row.
    pub fn with_levels(params: Params, dim: usize, vectors: Vec<f32>, levels: Vec<Layer>) -> Result<Self> {
        let n = rows_of(dim, &vectors)?;
        if levels.len() != n {
            return Err(Error::invalid("levels", levels.len(), "must give one level per row"));
        }
        if params.prune() != PrunePolicy::Standard {
            return Err(Error::invalid("prune", "symmetric", "the concurrent index supports the standard policy only"));
        }
        let lists = Lists::new(params.m(), params.m0(), &levels);
        let mut store = Vectors::new(dim);
        store.reserve(n)?;
        for row in vectors.chunks_exact(dim.max(1)) {
            store.push(row);
        }
        let mut layer_sizes = Vec::new();
        for l in &levels {
            if layer_sizes.len() <= l.index() {
                layer_sizes.resize(l.index() + 1, 0);
            }
            layer_sizes[..=l.index()].iter_mut().for_each(|c| *c += 1);
        }
        Ok(SharedIndex {
            params,
            dim,
            vectors: store,
            labels: (0..n as u64).collect(),
            levels,
            layer_sizes,
            lists,
            top: Mutex::new(Top { entry: None, max_level: Layer(0) }),
            next: AtomicUsize::new(0),
            marks: Marks::new(n),
        })
    }

    /// Errors unless `params` are ones this index implements: the Standard
    /// prune policy only (Symmetric would need a second lock per dropped edge).
    pub fn check_params(params: &Params) -> Result<()> {
        if params.prune() != PrunePolicy::Standard {
            return Err(Error::invalid(
                "prune",
                "symmetric",
                "the concurrent strategy supports the standard policy only",
            ));
        }
        Ok(())
    }

    /// This index, recording the ids each write drops from a full list, so
    /// that [`SharedIndex::afterwards`] can tell a legal drop from a lost one.
    pub(crate) fn observed(mut self) -> Self {
        self.lists.witness = Some(Mutex::new(HashSet::new()));
        self
    }

    /// What the worker that made `trace` reads right after the insert
    /// returned (the other workers may still be inserting): each back-link
    /// whose list had room re-read, with whether a legal drop (from a full
    /// list) removed the new node since; `found_self` is the worker's own
    /// self-search result. Only meaningful on an [`SharedIndex::observed`] index.
    pub(crate) fn afterwards(&self, trace: InsertTrace, found_self: bool) -> Afterwards {
        let q = trace.node;
        let mut back_links = Vec::new();
        let mut list = Vec::new();
        for lt in &trace.layers {
            let cap = self.lists.blocks.capacity(lt.layer);
            for b in lt.back_links.iter().filter(|b| b.len_before < cap) {
                let held = self.lists.hold(b.neighbour);
                held.read(lt.layer, &mut list);
                let dropped_from_full =
                    self.lists.witness.as_ref().is_some_and(|w| lock(w).contains(&(b.neighbour, lt.layer, q)));
                drop(held);
                back_links.push(Reread {
                    layer: lt.layer,
                    neighbour: b.neighbour,
                    present: list.contains(&q),
                    dropped_from_full,
                });
            }
        }
        Afterwards { trace, found_self, back_links }
    }

    /// Alg. 5 with k = 1 and ef = efConstruction for the stored vector of
    /// `q`: true if the top hit finds it (I4's rule, [`finds`]).
    pub(crate) fn finds_itself(&self, q: NodeId, s: &mut Scratch) -> bool {
        let top = self.top();
        let Some(ep) = top.entry else { return false };
        let qv = self.vectors.get(q);
        let c = knn(&self, ep, top.max_level, qv, 1, self.params.ef_construction().max(1), s)[0];
        finds(self.params.metric(), qv, c, self.vectors.get(c.id))
    }

    /// Number of node slots.
    pub fn capacity(&self) -> usize {
        self.levels.len()
    }

    /// Build parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The (entry point, max level) pair, read atomically.
    pub fn top(&self) -> Top {
        *lock(&self.top)
    }

    /// Level of `id`.
    pub fn level(&self, id: NodeId) -> Layer {
        self.levels[id.index()]
    }

    /// Claim the next row to insert, if any.
    pub fn claim(&self) -> Option<NodeId> {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        (i < self.capacity()).then_some(NodeId(i as u32))
    }

    /// Alg. 1 for node `q` under the lock discipline of this module.
    pub fn insert(&self, q: NodeId, s: &mut Scratch) -> InsertTrace {
        self.insert_counted(q, s, &mut BuildStats::default())
    }

    /// [`SharedIndex::insert`], adding its counters and profile to `stats`.
    pub fn insert_counted(&self, q: NodeId, s: &mut Scratch, stats: &mut BuildStats) -> InsertTrace {
        self.insert_with(q, s, stats, &Reference)
    }

    /// Alg. 1 for `q` through the one insert engine, with `hooks`' deviations.
    pub(crate) fn insert_with<H>(&self, q: NodeId, s: &mut Scratch, stats: &mut BuildStats, hooks: &H) -> InsertTrace
    where
        H: for<'a> Hooks<&'a SharedIndex>,
    {
        let mut cx = Cx { store: self, params: &self.params, s, stats, hooks };
        insert(&mut cx, q)
    }

    /// Delete `label`: mark its node a tombstone (see the module doc), while
    /// other threads insert and search. Errors with `UnknownLabel` if the
    /// label is not a row of this index or is deleted already. A row whose
    /// insert has not run yet may be deleted: it is linked as a tombstone.
    ///
    /// Post: no search that begins after this returns finds the node;
    /// `id_of(label)` is `None`.
    pub fn delete(&self, label: u64) -> Result<NodeId> {
        let id = self.row_of(label).ok_or(ErrorKind::UnknownLabel { label })?;
        if !self.marks.mark(id) {
            return Err(ErrorKind::UnknownLabel { label }.into());
        }
        Ok(id)
    }

    /// The row carrying `label` (labels are row numbers), deleted or not.
    fn row_of(&self, label: u64) -> Option<NodeId> {
        let i = usize::try_from(label).ok()?;
        (self.labels.get(i) == Some(&label)).then_some(NodeId(i as u32))
    }

    /// The node of `label` unless it is deleted.
    pub fn id_of(&self, label: u64) -> Option<NodeId> {
        self.row_of(label).filter(|&id| !self.marks.is_marked(id))
    }

    /// Label of node `id`.
    pub fn label(&self, id: NodeId) -> u64 {
        self.labels[id.index()]
    }

    /// True if `id` was deleted.
    pub fn is_deleted(&self, id: NodeId) -> bool {
        self.marks.is_marked(id)
    }

    /// Number of deleted nodes (a scan: call when no thread deletes).
    pub fn deleted_count(&self) -> usize {
        self.marks.count()
    }

    /// k-NN (Alg. 5) concurrently with inserts and deletes; no hits before
    /// the first insert, never a node whose delete returned before the
    /// search began (tombstones are walked, not returned: `k` hits whenever
    /// `k` live nodes are reachable). The query is validated as
    /// [`Hnsw::search`] validates it (k >= 1, ef >= k, length, finite;
    /// normalised under cosine).
    pub fn search(&self, q: &[f32], k: usize, ef: usize, s: &mut Scratch) -> Result<Vec<Scored>> {
        self.search_in(&self, &self.marks, q, k, ef, s)
    }

    /// [`SharedIndex::search`] reading the lists through `g` (this index, or
    /// a mutant's view of it) and admitting what `admit` admits (this
    /// index's marks, or a mutant's reading of them).
    pub(crate) fn search_in<A: Adjacency, F: Admit + ?Sized>(
        &self,
        g: &A,
        admit: &F,
        q: &[f32],
        k: usize,
        ef: usize,
        s: &mut Scratch,
    ) -> Result<Vec<Scored>> {
        let q = check_query(self.params.metric(), self.dim, q, k, ef)?;
        let top = self.top();
        Ok(match top.entry {
            None => Vec::new(),
            Some(ep) => knn_admitting(g, ep, top.max_level, &q, k, ef.max(k), s, admit),
        })
    }

    /// The delete marks (for a loom mutant's search).
    #[cfg(loom)]
    pub(crate) fn marks(&self) -> &Marks {
        &self.marks
    }

    /// Every node's lists, `[id][layer]` (call when no thread is inserting).
    fn all_lists(&self) -> Vec<Vec<Vec<NodeId>>> {
        (0..self.capacity() as u32)
            .map(NodeId)
            .map(|id| {
                let held = self.lists.hold(id);
                (0..=self.level(id).0)
                    .map(|l| {
                        let mut out = Vec::new();
                        held.read(Layer(l), &mut out);
                        out
                    })
                    .collect()
            })
            .collect()
    }

    /// Slot state per node, empty when nothing is deleted (as [`Snapshot::slots`]).
    fn slots(&self) -> Vec<SlotState> {
        if self.marks.count() == 0 {
            return Vec::new();
        }
        let state = |i: u32| if self.marks.is_marked(NodeId(i)) { SlotState::Deleted } else { SlotState::Live };
        (0..self.capacity() as u32).map(state).collect()
    }

    /// An owned copy (call when no thread is inserting or deleting).
    pub fn snapshot(&self) -> Snapshot {
        let top = self.top();
        Snapshot {
            dim: self.dim,
            metric: self.params.metric(),
            m: self.params.m(),
            m0: self.params.m0(),
            levels: self.levels.clone(),
            lists: self.all_lists(),
            entry: top.entry,
            max_level: top.max_level,
            vectors: (0..self.levels.len() as u32).flat_map(|i| self.vectors.get(NodeId(i)).iter().copied()).collect(),
            labels: self.labels.clone(),
            ids: (0..self.capacity() as u32)
                .map(NodeId)
                .filter(|&id| !self.marks.is_marked(id))
                .map(|id| (self.labels[id.index()], id))
                .collect(),
            slots: self.slots(),
        }
    }

    /// The reference index holding this graph and its tombstones, taking the
    /// vectors over without a copy (call when no thread is inserting or deleting).
    pub(crate) fn into_hnsw(self) -> Result<Hnsw> {
        let top = self.top();
        let mut h = Hnsw::new(self.dim, self.params.clone())?;
        h.graph.reserve(self.capacity())?;
        let mut buf = Vec::new();
        for (&level, &label) in self.levels.iter().zip(&self.labels) {
            h.graph.add_node(level);
            h.tombstones.push_live();
            if !h.labels.push(label) {
                return Err(ErrorKind::DuplicateLabel { label }.into());
            }
        }
        for i in 0..self.capacity() as u32 {
            let id = NodeId(i);
            let held = self.lists.hold(id);
            for l in 0..=self.level(id).0 {
                held.read(Layer(l), &mut buf);
                h.graph.set_neighbours(id, Layer(l), &buf);
            }
        }
        for id in (0..self.capacity() as u32).map(NodeId).filter(|&id| self.marks.is_marked(id)) {
            h.labels.forget(self.labels[id.index()]);
            h.tombstones.set(id, SlotState::Deleted);
        }
        if let Some(e) = top.entry {
            h.graph.set_entry(e, top.max_level);
        }
        h.vectors = self.vectors;
        Ok(h)
    }

    /// Search reads without the node locks: the planted race of a loom
    /// mutant (loom's cells report it). Under loom only: anywhere else it
    /// would be undefined behaviour, not a test.
    #[cfg(loom)]
    pub(crate) fn unlocked(&self) -> Unlocked<'_> {
        Unlocked(self)
    }
}

impl Adjacency for &SharedIndex {
    fn metric(&self) -> Metric {
        self.params.metric()
    }
    fn len(&self) -> usize {
        self.levels.len()
    }
    #[inline]
    fn vector(&self, id: NodeId) -> &[f32] {
        self.vectors.get(id)
    }
    #[inline]
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        if layer > self.level(id) {
            out.clear();
            return;
        }
        self.lists.hold(id).read(layer, out);
    }
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        // A hint that reads nothing; loom's cells are not plain memory.
        if !cfg!(loom) && layer <= self.level(id) {
            crate::prefetch::prefetch(self.lists.blocks.block(id, layer), 3);
        }
    }
}

/// [`SharedIndex`] read without its node locks (loom mutant only).
#[cfg(loom)]
pub(crate) struct Unlocked<'a>(&'a SharedIndex);

#[cfg(loom)]
impl Adjacency for Unlocked<'_> {
    fn metric(&self) -> Metric {
        self.0.metric()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        self.0.vector(id)
    }
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        if layer > self.0.level(id) {
            out.clear();
            return;
        }
        // SAFETY: not safe — the planted race, under loom only, which reports it.
        unsafe { self.0.lists.read_slots(id, layer, out) };
    }
}

/// The right to promote, decided when an insert begins.
pub(crate) enum Ticket<'a> {
    /// No promotion.
    None,
    /// `top` held from the decision to the write: the guarded promotion.
    Held(MutexGuard<'a, Top>),
    /// Compared with the max level read at the start; written without
    /// re-checking (a mutant's deviation).
    Unchecked,
}

/// An inserting thread's handle on the index: the list-storage seam under
/// this module's lock discipline.
impl<'a> ListStore for &'a SharedIndex {
    type Ticket = Ticket<'a>;
    type Reader<'r>
        = VectorsOnly<'r>
    where
        Self: 'r;
    const EXTEND_IN_RESELECT: bool = false;

    fn level(&self, id: NodeId) -> Layer {
        SharedIndex::level(self, id)
    }
    fn capacity(&self, layer: Layer) -> usize {
        self.lists.blocks.capacity(layer)
    }
    fn layer_size(&self, layer: Layer) -> usize {
        self.layer_sizes.get(layer.index()).copied().unwrap_or(0)
    }
    fn top(&self) -> Option<(NodeId, Layer)> {
        let top = SharedIndex::top(self);
        top.entry.map(|e| (e, top.max_level))
    }
    fn list_len(&self, id: NodeId, layer: Layer) -> usize {
        self.lists.hold(id).len(layer)
    }
    fn contains(&self, id: NodeId, layer: Layer, x: NodeId) -> bool {
        let mut list = Vec::new();
        self.lists.hold(id).read(layer, &mut list);
        list.contains(&x)
    }
    fn begin(&mut self, _q: NodeId, level: Layer, promotion: Promotion) -> (Option<(NodeId, Layer)>, Ticket<'a>) {
        let top = lock(&self.top);
        let read = top.entry.map(|e| (e, top.max_level));
        // Keep `top` only if this insert will promote itself (the first
        // insert included): re-checked under the lock, held until `finish`.
        if !promotes(read, level) || (read.is_some() && promotion == Promotion::Never) {
            return (read, Ticket::None);
        }
        if read.is_some() && promotion == Promotion::Unchecked {
            return (read, Ticket::Unchecked);
        }
        (read, Ticket::Held(top))
    }
    fn finish(&mut self, ticket: Ticket<'a>, q: NodeId, level: Layer) -> bool {
        let new = Top { entry: Some(q), max_level: level };
        match ticket {
            Ticket::None => false,
            Ticket::Held(mut top) => {
                *top = new;
                true
            }
            Ticket::Unchecked => {
                *lock(&self.top) = new;
                true
            }
        }
    }
    fn set_neighbours(&mut self, id: NodeId, layer: Layer, list: &[NodeId]) {
        self.lists.hold(id).write(layer, list);
    }
    fn set_own(&mut self, id: NodeId, layers: &[(Layer, Vec<Scored>)]) {
        let own = self.lists.hold(id);
        for (layer, selected) in layers {
            own.write(*layer, &crate::insert::ids(selected));
        }
    }
    fn update<R>(&mut self, id: NodeId, layer: Layer, f: impl FnOnce(&VectorsOnly<'_>, &mut Vec<NodeId>) -> R) -> R {
        let mut list = Vec::new();
        let held = self.lists.hold(id);
        held.read(layer, &mut list);
        let r = f(&VectorsOnly(self), &mut list);
        held.write(layer, &list);
        r
    }
}

/// Vectors without adjacency: what an update under a node lock may read
/// (reading another list would take a second lock).
pub(crate) struct VectorsOnly<'a>(&'a SharedIndex);

impl Adjacency for VectorsOnly<'_> {
    fn metric(&self) -> Metric {
        self.0.params.metric()
    }
    fn len(&self) -> usize {
        self.0.levels.len()
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        self.0.vector(id)
    }
    fn copy_neighbours(&self, _: NodeId, _: Layer, _: &mut Vec<NodeId>) {
        unreachable!("an update under a node lock never reads other lists")
    }
}

/// Rows in `vectors` of `dim` floats, checked as [`Hnsw::new`] checks `dim`.
fn rows_of(dim: usize, vectors: &[f32]) -> Result<usize> {
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::invalid("dim", dim, "must be in 1..=65536"));
    }
    if !vectors.len().is_multiple_of(dim) {
        return Err(ErrorKind::DimensionMismatch { expected: dim, got: vectors.len() % dim }.into());
    }
    let n = vectors.len() / dim;
    check_node_count(n)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The concurrent build's own I4 probe: a node finds itself once it is
    /// linked, not before (its row is stored from the start, so only the
    /// links can make the difference), and nothing is found without an entry.
    #[test]
    fn only_a_linked_node_finds_itself() {
        let p = Params::builder().m(4).ef_construction(32).seed(1).build().unwrap();
        let sh = SharedIndex::new(p, 3, crate::synthetic::gaussian(20, 3, 1)).unwrap();
        let mut s = Scratch::new();
        assert!(!sh.finds_itself(NodeId(0), &mut s), "an index without an entry point finds nothing");
        for q in 0..10 {
            sh.insert(NodeId(q), &mut s);
        }
        for q in 0..20 {
            assert_eq!(sh.finds_itself(NodeId(q), &mut s), q < 10, "node {q}");
        }
    }

    /// The concurrent build's row count, checked as `Hnsw::new` checks its
    /// dimension: 1 and `MAX_DIM` accepted, 0 and `MAX_DIM + 1` refused, and
    /// a partial row named by its length.
    #[test]
    fn rows_are_counted_within_the_dimension_bounds() {
        let invalid =
            |r: Result<usize>| r.is_err_and(|e| matches!(e.kind(), ErrorKind::InvalidParam { name: "dim", .. }));
        assert_eq!(rows_of(1, &[0.0; 3]).ok(), Some(3));
        assert_eq!(rows_of(MAX_DIM, &vec![0.0; 2 * MAX_DIM]).ok(), Some(2));
        assert!(invalid(rows_of(0, &[])));
        assert!(invalid(rows_of(MAX_DIM + 1, &vec![0.0; MAX_DIM + 1])));
        let e = rows_of(3, &[0.0; 7]).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::DimensionMismatch { expected: 3, got: 1 }), "{e}");
    }

    /// What an update under a node lock reads: every allocated id (rows are
    /// stored before they are linked), each with its own row, under the
    /// index's metric.
    #[test]
    fn vectors_only_holds_every_allocated_row() {
        let p = Params::builder().m(4).metric(Metric::InnerProduct).seed(2).build().unwrap();
        let rows = crate::synthetic::gaussian(7, 3, 2);
        let sh = SharedIndex::new(p.clone(), 3, rows.clone()).unwrap();
        assert_eq!(sh.params(), &p, "the workers read the build's own params");
        // The lists print their shape, not their (lock-guarded) contents.
        assert_eq!(format!("{:?}", sh.lists), "Lists { m: 4, m0: 8, nodes: 7 }");
        let v = VectorsOnly(&sh);
        assert_eq!((v.len(), v.is_empty(), v.metric()), (7, false, Metric::InnerProduct));
        for (i, row) in rows.chunks(3).enumerate() {
            assert_eq!(v.vector(NodeId(i as u32)), row, "row {i}");
        }
    }
}
