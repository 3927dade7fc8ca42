//! **concurrent**: many threads insert into one shared index with per-node
//! locks and a guarded entry-point promotion, the way hnswlib and faiss scale.
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
//! Limits: Standard prune only (Symmetric would need a second lock per dropped
//! edge); re-selection of a full list never extends candidates (that would
//! read other nodes' lists under the lock).
//!
//! All synchronisation comes from `crate::sync`, so the loom models check
//! this code itself.
//!
//! Profile: each thread profiles its own inserts ([`SharedIndex::insert_profiled`]);
//! the build sums them, so phase times are CPU time summed over threads.
//! Waiting for `top` before planning counts as descent, waiting for a node
//! lock as the phase that takes it. Preparing the rows and copying the
//! joined graph into the result index are allocation.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::distance::{prepare, Metric};
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{Layer, NodeId};
use crate::index::{check_query, Hnsw, MAX_DIM, MAX_NODES};
use crate::insert::{finds, link_back_local, plan, BackLink, InsertTrace, LayerTrace, Mutation};
use crate::level::level;
use crate::params::{Params, PrunePolicy, Selection};
use crate::profile::{Lap, Phase, Profile};
use crate::search::{knn, Adjacency, Scored, Scratch};
use crate::store::Vectors;
use crate::sync::{lock, thread, Arc, AtomicUsize, Mutex, MutexGuard, Ordering, UnsafeCell};
use crate::view::Snapshot;

/// A deliberate concurrency bug, for the loom models that must see it.
/// Never set outside tests: the strategy always uses [`ConcurrentMutant::None`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConcurrentMutant {
    /// The lock discipline above.
    #[default]
    None,
    /// A back-link reads the list under the lock, releases it, then writes
    /// the list it computed (F4: lost updates).
    RacyBackLinks,
    /// Promotion compares with the max level read at the start, without
    /// holding or re-reading `top` (F1: a later, lower node can demote the entry point).
    UncheckedPromotion,
    /// Searches read neighbour lists without taking the node's lock (a data
    /// race on the flat lists, which loom's cells report). Only under loom:
    /// anywhere else it would be undefined behaviour, not a test.
    #[cfg(loom)]
    UnlockedReads,
}

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

/// Every node's neighbour lists in [`crate::graph::Graph`]'s flat block
/// layout — layer 0: `1 + m0` slots per node (`[count, ids..]`), one fixed
/// stride; upper layers: `level` blocks of `1 + m` slots per node — so a
/// search reads one contiguous block per expansion instead of chasing a
/// `Vec<Vec<_>>`, as in hnswlib.
///
/// Invariant: the slots of node `i` are read and written only through a
/// [`Held`] for `i`, i.e. while `locks[i]` is held. That is what makes the
/// `Sync` impl sound, and loom checks it (its `UnsafeCell` panics on an
/// access that is not ordered after the previous write).
struct Lists {
    m: usize,
    m0: usize,
    base: Vec<Slot>,
    upper: Vec<Slot>,
    upper_start: Vec<usize>,
    locks: Vec<Mutex<()>>,
}

// SAFETY: see the invariant above: every access to a node's slots happens
// under that node's mutex, which orders it with every other access.
unsafe impl Sync for Lists {}

impl std::fmt::Debug for Lists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lists").field("m", &self.m).field("m0", &self.m0).field("nodes", &self.locks.len()).finish()
    }
}

fn slots(n: usize) -> Vec<Slot> {
    let v: Vec<Slot> = (0..n).map(|_| Slot::new(0)).collect();
    crate::hugepage::advise(&v);
    v
}

impl Lists {
    fn new(m: usize, m0: usize, levels: &[Layer]) -> Self {
        let mut upper_start = Vec::with_capacity(levels.len());
        let mut upper = 0;
        for l in levels {
            upper_start.push(upper);
            upper += l.index() * (1 + m);
        }
        Lists {
            m,
            m0,
            base: slots(levels.len() * (1 + m0)),
            upper: slots(upper),
            upper_start,
            locks: (0..levels.len()).map(|_| Mutex::new(())).collect(),
        }
    }

    /// Lock node `id`'s lists.
    #[inline]
    fn hold(&self, id: NodeId) -> Held<'_> {
        Held { lists: self, id, _guard: lock(&self.locks[id.index()]) }
    }

    /// The slots of `id`'s block on `layer` (count first). The caller knows
    /// `layer <= level(id)`.
    #[inline]
    fn block(&self, id: NodeId, layer: Layer) -> &[Slot] {
        if layer.0 == 0 {
            let start = id.index() * (1 + self.m0);
            &self.base[start..start + 1 + self.m0]
        } else {
            let start = self.upper_start[id.index()] + (layer.index() - 1) * (1 + self.m);
            &self.upper[start..start + 1 + self.m]
        }
    }
}

/// Node `id`'s lock, held: the only access to its slots.
struct Held<'a> {
    lists: &'a Lists,
    id: NodeId,
    _guard: MutexGuard<'a, ()>,
}

impl Lists {
    /// Replace `out` with `id`'s list on `layer` (`layer <= level`).
    ///
    /// # Safety
    /// The caller holds `id`'s lock (or is a loom mutant that must be caught).
    #[inline]
    unsafe fn read_slots(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        let block = self.block(id, layer);
        // SAFETY (both reads): the caller holds the lock, so no write races them.
        let count = block[0].with(|p| unsafe { *p }) as usize;
        out.clear();
        out.extend(block[1..1 + count].iter().map(|c| NodeId(c.with(|p| unsafe { *p }))));
    }
}

impl Held<'_> {
    /// Replace `out` with the list on `layer` (`layer <= level`).
    #[inline]
    fn read(&self, layer: Layer, out: &mut Vec<NodeId>) {
        // SAFETY: `self` holds the node's lock.
        unsafe { self.lists.read_slots(self.id, layer, out) }
    }

    /// Overwrite the list on `layer` (`layer <= level`, `list.len() <=` capacity).
    #[inline]
    fn write(&self, layer: Layer, list: &[NodeId]) {
        let block = self.lists.block(self.id, layer);
        assert!(
            list.len() < block.len(),
            "list of {} on {layer}: {} > capacity {}",
            self.id,
            list.len(),
            block.len() - 1
        );
        // SAFETY (both writes): this node's lock is held (`Held`): no other access races them.
        for (c, x) in block[1..].iter().zip(list) {
            c.with_mut(|p| unsafe { *p = x.0 });
        }
        block[0].with_mut(|p| unsafe { *p = list.len() as u32 });
    }
}

/// An index shared by inserting and searching threads.
#[derive(Debug)]
pub struct SharedIndex {
    params: Params,
    /// `params` as a back-link here applies them: Standard prune (the only
    /// policy this module implements) without extended candidates, so
    /// re-selection under a node lock reads no other list.
    reselect_params: Params,
    dim: usize,
    vectors: Vectors,
    levels: Vec<Layer>,
    labels: Vec<u64>,
    lists: Lists,
    top: Mutex<Top>,
    next: AtomicUsize,
    mutant: ConcurrentMutant,
}

impl SharedIndex {
    /// An index over prepared rows (validated, normalised for cosine) whose
    /// levels come from `params`' level function. Nodes are unlinked until inserted.
    ///
    /// Errors: `dim` outside `1..=MAX_DIM`, `vectors` not a whole number of
    /// rows, more rows than node ids.
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
        let lists = Lists::new(params.m(), params.m0(), &levels);
        let mut store = Vectors::new(dim);
        store.reserve(n)?;
        for row in vectors.chunks_exact(dim.max(1)) {
            store.push(row);
        }
        let mut reselect_params = params.clone();
        reselect_params.prune = PrunePolicy::Standard;
        if let Selection::Heuristic { keep_pruned, .. } = params.selection() {
            reselect_params.selection = Selection::Heuristic { extend_candidates: false, keep_pruned };
        }
        Ok(SharedIndex {
            reselect_params,
            params,
            dim,
            vectors: store,
            labels: (0..n as u64).collect(),
            levels,
            lists,
            top: Mutex::new(Top { entry: None, max_level: Layer(0) }),
            next: AtomicUsize::new(0),
            mutant: ConcurrentMutant::None,
        })
    }

    /// Plant a concurrency bug (loom models only).
    pub fn with_mutant(mut self, mutant: ConcurrentMutant) -> Self {
        self.mutant = mutant;
        self
    }

    /// Number of node slots.
    pub fn capacity(&self) -> usize {
        self.levels.len()
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
        self.insert_profiled(q, s, &mut Profile::default())
    }

    /// [`SharedIndex::insert`], adding where its time and distances went to
    /// `profile`: reading `top` (waiting for it included) and lines 1-7 are
    /// descent; lines 8-10 come from `insert::plan`; the lists, back-links,
    /// promotion and `verify_inserts` are linking.
    pub fn insert_profiled(&self, q: NodeId, s: &mut Scratch, profile: &mut Profile) -> InsertTrace {
        let mut lap = Lap::start(s.distances);
        let level = self.level(q);
        let mut trace = InsertTrace { node: q, level, layers: Vec::new(), promoted: false };
        let mut top = lock(&self.top);
        let Some(ep) = top.entry else {
            *top = Top { entry: Some(q), max_level: level };
            trace.promoted = true;
            return trace;
        };
        let read = *top;
        // Keep `top` only if this insert will promote itself (re-checked under the lock).
        let held = if level > read.max_level && self.mutant != ConcurrentMutant::UncheckedPromotion {
            Some(top)
        } else {
            drop(top);
            None
        };
        lap.charge(profile, Phase::Descent, s.distances);
        let p = plan(self, Some((ep, read.max_level)), &self.params, s, q, self.vector(q), level, Mutation::None);
        profile.merge(&p.profile);
        let mut lap = Lap::start(s.distances);
        {
            let own = self.lists.hold(q);
            let mut buf = std::mem::take(&mut s.buf);
            for (lc, sel) in &p.layers {
                buf.clear();
                buf.extend(sel.iter().map(|x| x.id));
                own.write(*lc, &buf);
            }
            s.buf = buf;
        }
        for (lc, sel) in &p.layers {
            let mut lt =
                LayerTrace { layer: *lc, selected: sel.iter().map(|x| x.id).collect(), back_links: Vec::new() };
            for e in sel {
                lt.back_links.push(self.link_back(e.id, q, *lc, s));
            }
            trace.layers.push(lt);
        }
        if let Some(mut top) = held {
            *top = Top { entry: Some(q), max_level: level };
            trace.promoted = true;
        } else if self.mutant == ConcurrentMutant::UncheckedPromotion && level > read.max_level {
            *lock(&self.top) = Top { entry: Some(q), max_level: level };
            trace.promoted = true;
        }
        if self.params.verify_inserts() {
            self.ensure_findable(q, s);
            let mut buf = std::mem::take(&mut s.buf);
            for lt in &mut trace.layers {
                for b in &mut lt.back_links {
                    self.lists.hold(b.neighbour).read(lt.layer, &mut buf);
                    b.kept = buf.contains(&q);
                }
            }
            s.buf = buf;
        }
        lap.charge(profile, Phase::Link, s.distances);
        trace
    }

    /// The `verify_inserts` option under this module's lock discipline: search
    /// for `q`; on a miss, add `c -> q` from the closest node reached (evicting
    /// its farthest neighbour when full), holding only `c`'s lock.
    fn ensure_findable(&self, q: NodeId, s: &mut Scratch) {
        let metric = self.params.metric();
        let qv = self.vector(q);
        for _ in 0..3 {
            let Some(&c) = self.search_prepared(qv, 1, self.params.ef_construction(), s).first() else { return };
            if finds(metric, qv, c, self.vector(c.id)) {
                return;
            }
            let cv = self.vector(c.id);
            let held = self.lists.hold(c.id);
            let mut list = Vec::new();
            held.read(Layer(0), &mut list);
            if list.contains(&q) {
                continue;
            }
            if list.len() >= self.params.m0() {
                let far = list
                    .iter()
                    .map(|&y| Scored { dist: metric.distance(cv, self.vector(y)), id: y })
                    .max()
                    .expect("a full list is not empty");
                list.retain(|&y| y != far.id);
            }
            list.push(q);
            held.write(Layer(0), &list);
        }
    }

    /// Add `e -> q` on `lc`, re-selecting `e`'s list if it overflows; holds
    /// only `e`'s lock.
    fn link_back(&self, e: NodeId, q: NodeId, lc: Layer, s: &mut Scratch) -> BackLink {
        let mut list = std::mem::take(&mut s.buf);
        let back = if self.mutant == ConcurrentMutant::RacyBackLinks {
            self.lists.hold(e).read(lc, &mut list);
            let len_before = list.len();
            thread::yield_now();
            self.add_or_reselect(&mut list, e, q, lc, s);
            self.lists.hold(e).write(lc, &list);
            BackLink { neighbour: e, len_before, kept: list.contains(&q) }
        } else {
            let held = self.lists.hold(e);
            held.read(lc, &mut list);
            let len_before = list.len();
            if self.add_or_reselect(&mut list, e, q, lc, s) {
                held.write(lc, &list);
            }
            BackLink { neighbour: e, len_before, kept: list.contains(&q) }
        };
        s.buf = list;
        back
    }

    /// Alg. 1 lines 11-16 on one list: append `q`, or re-select (SELECT-NEIGHBORS
    /// with Mmax) over the list and `q` when full ([`link_back_local`], never
    /// extending candidates). Reads vectors only. Returns whether the list changed.
    fn add_or_reselect(&self, list: &mut Vec<NodeId>, e: NodeId, q: NodeId, lc: Layer, s: &mut Scratch) -> bool {
        if list.contains(&q) {
            return false;
        }
        let cap = self.params.capacity(lc.index());
        link_back_local(&VectorsOnly(self), &self.reselect_params, s, e, q, lc, cap, list);
        true
    }

    /// k-NN (Alg. 5) concurrently with inserts; no hits before the first
    /// insert. The query is validated as [`Hnsw::search`] validates it
    /// (k >= 1, ef >= k, length, finite; normalised under cosine).
    pub fn search(&self, q: &[f32], k: usize, ef: usize, s: &mut Scratch) -> Result<Vec<Scored>> {
        let q = check_query(self.params.metric(), self.dim, q, k, ef)?;
        Ok(self.search_prepared(&q, k, ef, s))
    }

    /// [`SharedIndex::search`] for a stored (prepared) vector, 1 <= k <= ef.
    fn search_prepared(&self, q: &[f32], k: usize, ef: usize, s: &mut Scratch) -> Vec<Scored> {
        let top = self.top();
        match top.entry {
            None => Vec::new(),
            Some(ep) => knn(self, ep, top.max_level, q, k, ef.max(k), s),
        }
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

    /// An owned copy (call when no thread is inserting).
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
            ids: self.labels.iter().enumerate().map(|(i, &l)| (l, NodeId(i as u32))).collect(),
        }
    }

    /// The reference index holding this graph, taking the vectors over
    /// without a copy (call when no thread is inserting).
    fn into_hnsw(self) -> Result<Hnsw> {
        let top = self.top();
        let mut h = Hnsw::new(self.dim, self.params.clone())?;
        h.graph.reserve(self.capacity())?;
        let mut buf = Vec::new();
        for (&level, &label) in self.levels.iter().zip(&self.labels) {
            h.graph.add_node(level);
            if !h.labels.push(label) {
                return Err(crate::error::ErrorKind::DuplicateLabel { label }.into());
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
        if let Some(e) = top.entry {
            h.graph.set_entry(e, top.max_level);
        }
        h.vectors = self.vectors;
        Ok(h)
    }
}

impl Adjacency for SharedIndex {
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
        #[cfg(loom)]
        if self.mutant == ConcurrentMutant::UnlockedReads {
            // SAFETY: not safe — the planted race, under loom only, which reports it.
            unsafe { self.lists.read_slots(id, layer, out) };
            return;
        }
        self.lists.hold(id).read(layer, out);
    }
    #[inline]
    fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        // A hint that reads nothing; loom's cells are not plain memory.
        if !cfg!(loom) && layer <= self.level(id) {
            crate::prefetch::prefetch(self.lists.block(id, layer), 3);
        }
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
    if n as u64 > MAX_NODES {
        return Err(ErrorKind::CapacityExceeded { max: MAX_NODES }.into());
    }
    Ok(n)
}

/// Vectors without adjacency: what re-selection under a node lock may read.
struct VectorsOnly<'a>(&'a SharedIndex);

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
        unreachable!("re-selection under a node lock never reads other lists")
    }
}

/// Back-links of `trace` that met a full list and re-selected it (a new
/// node is in no list before its own back-links, so a full list means a
/// re-selection).
fn reselections_in(trace: &InsertTrace, params: &Params) -> u64 {
    let full = |lt: &LayerTrace, b: &BackLink| b.len_before >= params.capacity(lt.layer.index());
    trace.layers.iter().map(|lt| lt.back_links.iter().filter(|b| full(lt, b)).count() as u64).sum()
}

/// Many threads, one index.
#[derive(Clone, Copy, Debug, Default)]
pub struct Concurrent;

/// Validate and prepare every row.
pub(crate) fn prepare_all(input: &BuildInput<'_>) -> Result<Vec<f32>> {
    let n = input.rows()?;
    let mut out = Vec::with_capacity(input.data.len());
    for i in 0..n {
        out.extend(prepare(input.params.metric(), input.dim, input.row(i))?);
    }
    Ok(out)
}

impl Strategy for Concurrent {
    fn name(&self) -> &'static str {
        "concurrent"
    }
    fn description(&self) -> &'static str {
        "threads insert into one index with per-node locks"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        if input.params.prune() != PrunePolicy::Standard {
            return Err(Error::invalid(
                "prune",
                "symmetric",
                "the concurrent strategy supports the standard policy only",
            ));
        }
        let mut alloc = Profile::default();
        let mut lap = Lap::start(0);
        let prepared = prepare_all(input)?;
        let shared = Arc::new(SharedIndex::new(input.params.clone(), input.dim, prepared)?);
        lap.charge(&mut alloc, Phase::Alloc, 0);
        let workers: Vec<_> = (0..input.threads.max(1))
            .map(|_| {
                let sh = Arc::clone(&shared);
                thread::spawn(move || {
                    let mut s = Scratch::new();
                    let mut profile = Profile::default();
                    let mut reselections = 0;
                    while let Some(q) = sh.claim() {
                        let trace = sh.insert_profiled(q, &mut s, &mut profile);
                        reselections += reselections_in(&trace, &sh.params);
                    }
                    (reselections, s.distances, profile)
                })
            })
            .collect();
        let (mut distances, mut reselections) = (0, 0);
        let mut profile = Profile::default();
        for w in workers {
            let (r, d, p) = w.join().expect("insert worker panicked");
            distances += d;
            reselections += r;
            profile.merge(&p);
        }
        let h = {
            let mut lap = Lap::start(0);
            let shared = Arc::try_unwrap(shared).expect("every worker has been joined");
            let mut h = shared.into_hnsw()?;
            lap.charge(&mut alloc, Phase::Alloc, 0);
            profile.merge(&alloc);
            h.stats.distances = distances;
            h.stats.reselections = reselections;
            h.stats.profile = profile;
            h
        };
        if let Some(o) = observer {
            // No quiescent point exists between concurrent inserts, so no
            // per-insert post-condition is observable: only the joined graph.
            o(Commit { segment: 0, view: &h, traces: &[] });
        }
        Ok(Built::single(h))
    }
}
