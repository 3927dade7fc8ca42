//! Where a deliberate deviation from Alg. 1 may hook into the one insert
//! engine: a type parameter of the engine whose reference implementation,
//! [`Reference`], is the paper's algorithm and compiles to direct calls.
//! The deviations themselves (the mutants) live in `crate::mutants`; reading
//! the reference path never requires reading them.

use crate::ids::{Layer, NodeId};
use crate::insert::{self, Cx, Edge, Plan};
use crate::level::level;
use crate::lists::{ListStore, Promotion};
use crate::params::Params;
use crate::search::Scratch;
use crate::BackLink;

/// The steps of Alg. 1 a deviation may replace; every default is the paper's.
pub(crate) trait Hooks<S: ListStore> {
    /// How the new node is promoted to entry point (Alg. 1 lines 18-19).
    const PROMOTION: Promotion = Promotion::Guarded;

    /// Line 4: the level of the node allocated as `id`.
    #[inline]
    fn level(&self, params: &Params, id: NodeId) -> Layer {
        level(params.seed, id, params.ml, params.level_cap)
    }

    /// Lines 1-10: where `q` will link on each layer ([`insert::plan`]).
    #[inline]
    fn plan(&self, store: &S, top: Option<(NodeId, Layer)>, params: &Params, s: &mut Scratch, q: NodeId) -> Plan {
        insert::plan(store, top, params, s, q, store.level(q))
    }

    /// Whether a batch strategy may fold a batch's back-links in parallel
    /// (it may when they are the reference's).
    const PARALLEL_COMMIT: bool = true;

    /// Called once per batch, after its plans were made against the frozen
    /// graph and before any of them is committed.
    #[inline]
    fn batch_planned(&self, store: &S, plans: &[Plan]) {
        let _ = (store, plans);
    }

    /// Called when a worker of a concurrent build has no more rows to insert.
    #[inline]
    fn worker_done(&self, store: &S, params: &Params, s: &mut Scratch) {
        let _ = (store, params, s);
    }

    /// Lines 12-16 for one selected neighbour: the back-link `edge`
    /// (`e -> q` on its layer, [`insert::link_back`]).
    #[inline]
    fn link_back(&self, cx: &mut Cx<'_, S, Self>, edge: Edge, stranded: &mut Vec<NodeId>) -> BackLink
    where
        Self: Sized,
    {
        insert::link_back(cx, edge, stranded)
    }
}

/// The paper's Alg. 1, with no deviation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reference;

impl<S: ListStore> Hooks<S> for Reference {}

/// The steps of hnswlib's update and of a delete consolidation that a
/// deviation may skip; every default is the reference's.
pub(crate) trait ChurnHooks {
    /// `updatePoint`: re-select the lists of the changed node's neighbours
    /// before relinking it (skipped: catalogue F15).
    const REPAIR_NEIGHBOURHOOD: bool = true;
    /// Consolidation repairs every layer (a mutant forgets those above 0).
    const CONSOLIDATE_UPPER_LAYERS: bool = true;
    /// Consolidation re-chooses a deleted entry point (kept: catalogue F17).
    const REFRESH_ENTRY: bool = true;
    /// Consolidation makes every live node it left unreachable findable again.
    const REPAIR_REACHABILITY: bool = true;
    /// Consolidation bridges the paths through deleted nodes that its
    /// re-selections cut (a mutant leaves them cut).
    const BRIDGE_DEAD_PATHS: bool = true;
}

impl ChurnHooks for Reference {}
