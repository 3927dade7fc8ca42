//! Deliberate concurrency bugs in the concurrent index, for the loom models
//! and the std-thread burn-in that must catch them. Each is a `Hooks`
//! implementation over the concurrent storage; the index itself has none.

use crate::error::Result;
use std::cell::RefCell;
use std::time::Instant;

use crate::hooks::{Hooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::insert::{link_back, link_back_list, plan, BuildStats, Cx, Edge, InsertTrace, Plan};
use crate::lists::{ListStore, Promotion};
use crate::params::Params;
use crate::profile::Phase;
use crate::search::Adjacency;
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
    }
}

/// k-NN (Alg. 5) in `index` beside inserts, with `mutant`'s bug planted in
/// its reads (only `ConcurrentMutant::UnlockedReads`, under loom, changes a search).
pub fn search(
    index: &SharedIndex,
    mutant: ConcurrentMutant,
    q: &[f32],
    k: usize,
    ef: usize,
    s: &mut Scratch,
) -> Result<Vec<Scored>> {
    #[cfg(loom)]
    if mutant == ConcurrentMutant::UnlockedReads {
        return index.search_in(&index.unlocked(), q, k, ef, s);
    }
    let _ = mutant;
    index.search(q, k, ef, s)
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
