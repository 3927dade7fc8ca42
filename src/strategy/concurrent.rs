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
use crate::error::{Error, Result};
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::insert::{finds, plan, BackLink, InsertTrace, LayerTrace, Mutation};
use crate::level::level;
use crate::params::{Params, PrunePolicy, Selection};
use crate::profile::{Lap, Phase, Profile};
use crate::search::{knn, Adjacency, Scored, Scratch};
use crate::select::select;
use crate::store::Vectors;
use crate::sync::{lock, thread, Arc, AtomicUsize, Mutex, Ordering};
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
}

/// The guarded pair read by every search and insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Top {
    /// Entry point.
    pub entry: Option<NodeId>,
    /// Maximum level.
    pub max_level: Layer,
}

/// An index shared by inserting and searching threads.
#[derive(Debug)]
pub struct SharedIndex {
    params: Params,
    dim: usize,
    vectors: Vectors,
    levels: Vec<Layer>,
    labels: Vec<u64>,
    links: Vec<Mutex<Vec<Vec<NodeId>>>>,
    top: Mutex<Top>,
    next: AtomicUsize,
    mutant: ConcurrentMutant,
}

impl SharedIndex {
    /// An index over prepared rows (validated, normalised for cosine) whose
    /// levels come from `params`' level function. Nodes are unlinked until inserted.
    pub fn new(params: Params, dim: usize, vectors: Vec<f32>) -> Self {
        let n = vectors.len() / dim;
        let levels = (0..n as u32).map(|i| level(params.seed(), NodeId(i), params.ml(), params.level_cap())).collect();
        Self::with_levels(params, dim, vectors, levels)
    }

    /// As `new`, with levels given (the loom models force them).
    pub fn with_levels(params: Params, dim: usize, vectors: Vec<f32>, levels: Vec<Layer>) -> Self {
        let n = levels.len();
        assert_eq!(vectors.len(), n * dim, "one level per row");
        let links = levels.iter().map(|l| Mutex::new(vec![Vec::new(); l.index() + 1])).collect();
        let mut store = Vectors::new(dim);
        store.reserve(n);
        for row in vectors.chunks_exact(dim.max(1)) {
            store.push(row);
        }
        SharedIndex {
            params,
            dim,
            vectors: store,
            labels: (0..n as u64).collect(),
            levels,
            links,
            top: Mutex::new(Top { entry: None, max_level: Layer(0) }),
            next: AtomicUsize::new(0),
            mutant: ConcurrentMutant::None,
        }
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
            let mut own = lock(&self.links[q.index()]);
            for (lc, sel) in &p.layers {
                own[lc.index()] = sel.iter().map(|x| x.id).collect();
            }
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
            for lt in &mut trace.layers {
                for b in &mut lt.back_links {
                    b.kept = lock(&self.links[b.neighbour.index()])[lt.layer.index()].contains(&q);
                }
            }
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
            let Some(&c) = self.search(qv, 1, self.params.ef_construction(), s).first() else { return };
            if finds(metric, qv, c, self.vector(c.id)) {
                return;
            }
            let cv = self.vector(c.id);
            let mut lists = lock(&self.links[c.id.index()]);
            let list = &mut lists[0];
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
        }
    }

    /// Add `e -> q` on `lc`, re-selecting `e`'s list if it overflows; holds
    /// only `e`'s lock.
    fn link_back(&self, e: NodeId, q: NodeId, lc: Layer, s: &mut Scratch) -> BackLink {
        if self.mutant == ConcurrentMutant::RacyBackLinks {
            let mut list = lock(&self.links[e.index()])[lc.index()].clone();
            let len_before = list.len();
            thread::yield_now();
            self.add_or_reselect(&mut list, e, q, lc, s);
            let kept = list.contains(&q);
            lock(&self.links[e.index()])[lc.index()] = list;
            return BackLink { neighbour: e, len_before, kept };
        }
        let mut lists = lock(&self.links[e.index()]);
        let list = &mut lists[lc.index()];
        let len_before = list.len();
        self.add_or_reselect(list, e, q, lc, s);
        BackLink { neighbour: e, len_before, kept: list.contains(&q) }
    }

    /// Alg. 1 lines 11-16 on one list: append `q`, or re-select (SELECT-NEIGHBORS
    /// with Mmax) over the list and `q` when full. Reads vectors only.
    fn add_or_reselect(&self, list: &mut Vec<NodeId>, e: NodeId, q: NodeId, lc: Layer, s: &mut Scratch) {
        let cap = self.params.capacity(lc.index());
        let metric = self.params.metric();
        if list.contains(&q) {
            return;
        }
        if list.len() < cap {
            list.push(q);
            return;
        }
        let ev = self.vector(e);
        let mut pool: Vec<Scored> = list
            .iter()
            .chain(std::iter::once(&q))
            .map(|&x| Scored { dist: metric.distance(ev, self.vector(x)), id: x })
            .collect();
        s.distances += pool.len() as u64;
        pool.sort_unstable();
        let selection = match self.params.selection() {
            Selection::Heuristic { keep_pruned, .. } => Selection::Heuristic { extend_candidates: false, keep_pruned },
            Selection::Simple => Selection::Simple,
        };
        let mut kept = Vec::new();
        select(&VectorsOnly(self), selection, e, ev, &pool, cap, lc, s, &mut kept);
        *list = kept.iter().map(|x| x.id).collect();
    }

    /// k-NN (Alg. 5) concurrently with inserts.
    pub fn search(&self, q: &[f32], k: usize, ef: usize, s: &mut Scratch) -> Vec<Scored> {
        let top = self.top();
        match top.entry {
            None => Vec::new(),
            Some(ep) => knn(self, ep, top.max_level, q, k, ef.max(k), s),
        }
    }

    /// An owned copy (call when no thread is inserting).
    pub fn snapshot(&self) -> Snapshot {
        let top = self.top();
        let lists: Vec<Vec<Vec<NodeId>>> = self.links.iter().map(|m| lock(m).clone()).collect();
        Snapshot {
            dim: self.dim,
            metric: self.params.metric(),
            m: self.params.m(),
            m0: self.params.m0(),
            levels: self.levels.clone(),
            lists,
            entry: top.entry,
            max_level: top.max_level,
            vectors: (0..self.levels.len() as u32).flat_map(|i| self.vectors.get(NodeId(i)).iter().copied()).collect(),
            labels: self.labels.clone(),
            ids: self.labels.iter().enumerate().map(|(i, &l)| (l, NodeId(i as u32))).collect(),
        }
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
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        out.clear();
        let lists = lock(&self.links[id.index()]);
        if let Some(l) = lists.get(layer.index()) {
            out.extend_from_slice(l);
        }
    }
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
        let shared = Arc::new(SharedIndex::new(input.params.clone(), input.dim, prepared));
        lap.charge(&mut alloc, Phase::Alloc, 0);
        let workers: Vec<_> = (0..input.threads.max(1))
            .map(|_| {
                let sh = Arc::clone(&shared);
                thread::spawn(move || {
                    let mut s = Scratch::new();
                    let mut profile = Profile::default();
                    let mut traces = Vec::new();
                    while let Some(q) = sh.claim() {
                        traces.push(sh.insert_profiled(q, &mut s, &mut profile));
                    }
                    (traces, s.distances, profile)
                })
            })
            .collect();
        let mut distances = 0;
        let mut profile = Profile::default();
        for w in workers {
            let (_, d, p) = w.join().expect("insert worker panicked");
            distances += d;
            profile.merge(&p);
        }
        let h = {
            let mut lap = Lap::start(0);
            let mut h = Hnsw::from_view(&shared.snapshot(), input.params.clone())?;
            lap.charge(&mut alloc, Phase::Alloc, 0);
            profile.merge(&alloc);
            h.stats.distances = distances;
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
