//! Deliberate concurrency bugs in the concurrent index, for the loom models
//! and the std-thread burn-in that must catch them. Each is a `Hooks`
//! implementation over the concurrent storage, or a search through the
//! index's seams (its adjacency and its admission of tombstones); the index
//! itself has none.

use crate::error::Result;
use std::cell::RefCell;
use std::time::Instant;

use crate::hooks::{Hooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::insert::{link_back, link_back_list, plan, BuildStats, Cx, Edge, InsertTrace, Plan};
use crate::lists::{ListStore, Promotion};
use crate::params::Params;
use crate::profile::Phase;
use crate::search::{Adjacency, Everyone};
use crate::search::{Scored, Scratch};
use crate::shared::SharedIndex;
use crate::strategy::concurrent::build_with;
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};
use crate::sync::thread;
use crate::BackLink;

/// A deliberate concurrency bug.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConcurrentMutant {
    /// No bug: the index's own lock discipline.
    #[default]
    None,
    /// A back-link reads the list under the lock, releases it, then writes
    /// the list it computed (F4: lost updates).
    RacyBackLinks,
    /// Promotion compares with the max level read at the start, without
    /// holding or re-reading `top` (F1: a later, lower node can demote the entry point).
    UncheckedPromotion,
    /// Planning reads neighbour lists without taking the node's lock (a data
    /// race on the flat lists, which loom's cells report). Only under loom:
    /// anywhere else it would be undefined behaviour, not a test.
    #[cfg(loom)]
    UnlockedReads,
    /// Search runs plain Alg. 5 and drops the deleted nodes from its `k`
    /// results afterwards (F14 beside inserts): a deleted entry point, or
    /// any tombstone among the nearest, makes the result list short.
    FilterAfterBound,
    /// Search reads the delete marks without synchronisation, as hnswlib's
    /// `searchKnn` reads the `DELETE_MARK` byte that `markDelete` writes (a
    /// data race, which loom reports). Only under loom.
    #[cfg(loom)]
    UnsyncedMarks,
}

/// Alg. 1 for `q` into `index`, with `mutant`'s bug planted.
pub fn insert(index: &SharedIndex, mutant: ConcurrentMutant, q: NodeId, s: &mut Scratch) -> InsertTrace {
    let stats = &mut BuildStats::default();
    match mutant {
        ConcurrentMutant::None => index.insert(q, s),
        ConcurrentMutant::RacyBackLinks => index.insert_with(q, s, stats, &RacyBackLinks),
        ConcurrentMutant::UncheckedPromotion => index.insert_with(q, s, stats, &UncheckedPromotion),
        #[cfg(loom)]
        ConcurrentMutant::UnlockedReads => index.insert_with(q, s, stats, &UnlockedReads),
        // Search-only bugs: inserts are the reference's.
        ConcurrentMutant::FilterAfterBound => index.insert(q, s),
        #[cfg(loom)]
        ConcurrentMutant::UnsyncedMarks => index.insert(q, s),
    }
}

/// k-NN (Alg. 5) in `index` beside inserts and deletes, with `mutant`'s bug
/// planted in its reads (`UnlockedReads` and `UnsyncedMarks`, under loom, and
/// `FilterAfterBound` change a search; the others search as the index does).
pub fn search(
    index: &SharedIndex,
    mutant: ConcurrentMutant,
    q: &[f32],
    k: usize,
    ef: usize,
    s: &mut Scratch,
) -> Result<Vec<Scored>> {
    match mutant {
        #[cfg(loom)]
        ConcurrentMutant::UnlockedReads => index.search_in(&index.unlocked(), index.marks(), q, k, ef, s),
        #[cfg(loom)]
        ConcurrentMutant::UnsyncedMarks => index.search_in(&index, &UnsyncedMarks(index.marks()), q, k, ef, s),
        ConcurrentMutant::FilterAfterBound => {
            let mut hits = index.search_in(&index, &Everyone, q, k, ef, s)?;
            hits.retain(|h| !index.is_deleted(h.id));
            Ok(hits)
        }
        _ => index.search(q, k, ef, s),
    }
}

/// The index's delete marks, read without synchronisation (loom mutant only).
#[cfg(loom)]
struct UnsyncedMarks<'a>(&'a crate::marks::Marks);

#[cfg(loom)]
impl crate::search::Admit for UnsyncedMarks<'_> {
    const ALL: bool = false;
    fn admits(&self, id: NodeId) -> bool {
        !self.0.read_unsynchronised(id)
    }
}

struct RacyBackLinks;

impl<'a> Hooks<&'a SharedIndex> for RacyBackLinks {
    fn link_back(&self, cx: &mut Cx<'_, &'a SharedIndex, Self>, edge: Edge, _: &mut Vec<NodeId>) -> BackLink {
        let Edge { from: e, to: q, layer: lc } = edge;
        let mut list = Vec::new();
        cx.store.copy_neighbours(e, lc, &mut list);
        let len_before = list.len();
        thread::yield_now();
        let cap = ListStore::capacity(&cx.store, lc);
        if link_back_list(&cx.store, cx.params, cx.s, &mut list, cap, edge, false).is_some() {
            cx.stats.reselections += 1;
        }
        cx.store.set_neighbours(e, lc, &list);
        BackLink { neighbour: e, len_before, kept: list.contains(&q) }
    }
}

/// **concurrent-deferred-back-links**: the concurrent build, but each worker
/// writes an insert's back-links only when it starts its next insert (and
/// the last ones when it runs out of rows): an insert returns before its
/// neighbours link to it, as a write-behind queue would do it. The joined
/// graph is a whole HNSW, so only a check made right after each insert sees
/// the bug (I3: a list with room lacks the new node, and nothing legal
/// removed it).
pub(super) struct DeferredBackLinks;

impl Strategy for DeferredBackLinks {
    fn name(&self) -> &'static str {
        "concurrent-deferred-back-links"
    }
    fn kind(&self) -> Kind {
        Kind::Mutant
    }
    fn description(&self) -> &'static str {
        "concurrent inserts return before their back-links are written"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        build_with(input, observer, Deferred::default)
    }
}

/// The back-links `(e, q, layer)` one worker has not written yet.
#[derive(Default)]
struct Deferred {
    pending: RefCell<Vec<Edge>>,
}

impl Deferred {
    /// Write the pending back-links (the reference's Alg. 1 lines 12-16).
    fn flush(&self, store: &SharedIndex, params: &Params, s: &mut Scratch) {
        let mut stats = BuildStats::default();
        let mut cx = Cx { store, params, s, stats: &mut stats, hooks: &Reference };
        for edge in self.pending.borrow_mut().drain(..) {
            link_back(&mut cx, edge, &mut Vec::new());
        }
    }
}

impl<'a> Hooks<&'a SharedIndex> for Deferred {
    fn plan(
        &self,
        store: &&'a SharedIndex,
        top: Option<(NodeId, Layer)>,
        params: &Params,
        s: &mut Scratch,
        q: NodeId,
    ) -> Plan {
        // The deferred writes are linking work of earlier inserts, done now.
        let (t0, d0) = (Instant::now(), s.distances);
        self.flush(store, params, s);
        let (nanos, distances) = (t0.elapsed().as_nanos() as u64, s.distances - d0);
        let mut p = plan(store, top, params, s, q, SharedIndex::level(store, q));
        p.profile.add(Phase::Link, nanos, distances);
        p
    }

    fn worker_done(&self, store: &&'a SharedIndex, params: &Params, s: &mut Scratch) {
        self.flush(store, params, s);
    }

    fn link_back(&self, cx: &mut Cx<'_, &'a SharedIndex, Self>, edge: Edge, _: &mut Vec<NodeId>) -> BackLink {
        self.pending.borrow_mut().push(edge);
        BackLink { neighbour: edge.from, len_before: cx.store.list_len(edge.from, edge.layer), kept: true }
    }
}

struct UncheckedPromotion;

impl Hooks<&SharedIndex> for UncheckedPromotion {
    const PROMOTION: Promotion = Promotion::Unchecked;
}

#[cfg(loom)]
struct UnlockedReads;

#[cfg(loom)]
impl<'a> Hooks<&'a SharedIndex> for UnlockedReads {
    fn plan(
        &self,
        store: &&'a SharedIndex,
        top: Option<(NodeId, Layer)>,
        params: &Params,
        s: &mut Scratch,
        q: NodeId,
    ) -> Plan {
        plan(&store.unlocked(), top, params, s, q, store.level(q))
    }
}
