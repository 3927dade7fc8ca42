//! Delete-policy mutants: documented ways deletes, replacements and
//! consolidations go wrong (catalogue F14-F17), each a [`DeletePolicy`]
//! whose deviation hooks into the core from outside (`ChurnHooks`, or a
//! step left out), so the reference policies carry none of them.
//!
//! | mutant | reproduces | policy it deviates from |
//! |---|---|---|
//! | `filter-after-bound` | F14: tombstones dropped after the k-bound, short result lists | `tombstone` (its search) |
//! | `replace-without-repair` | F15: a reused slot's old neighbourhood is not re-selected | `replace` |
//! | `delete-keeps-label` | F16: the deleted label still maps to its slot | `tombstone` |
//! | `cached-entry-point` | F17: consolidation keeps the deleted entry point it cached | `consolidate` |
//! | `consolidate-layer-0-only` | consolidation forgets the layers above 0 | `consolidate` |
//! | `consolidate-without-bridges` | consolidation cuts the paths through deleted nodes that its re-selections dropped (long links wear away round by round) | `consolidate` |

use crate::churn::{mark_all, DeletePolicy};
use crate::error::{ErrorKind, Result};
use crate::hooks::ChurnHooks;
use crate::ids::NodeId;
use crate::index::{check_query, Hnsw, Neighbour};
use crate::lists::Parts;
use crate::search::{knn, Scratch};
use crate::tombstones::Slot;

/// Every churn mutant, in table order.
pub fn policies() -> Vec<Box<dyn DeletePolicy>> {
    vec![
        Box::new(FilterAfterBound),
        Box::new(ReplaceWithoutRepair),
        Box::new(DeleteKeepsLabel),
        Box::new(CachedEntryPoint),
        Box::new(ConsolidateLayer0Only),
        Box::new(ConsolidateWithoutBridges),
    ]
}

/// F14: Alg. 5 as if nothing were deleted, then the tombstones filtered out
/// of the `k` it returns: fewer than `k` results whenever a tombstone was
/// among them, although `k` live nodes are reachable.
pub fn search_filter_after_bound(index: &Hnsw, q: &[f32], k: usize, ef: usize) -> Result<Vec<Neighbour>> {
    let q = check_query(index.params.metric, index.dim(), q, k, ef)?;
    let entry = index.graph.entry().ok_or(ErrorKind::EmptyIndex)?;
    let parts = Parts::new(&index.graph, &index.vectors, index.params.metric);
    let found = knn(&parts, entry, index.graph.max_level(), &q, k, ef, &mut Scratch::new());
    Ok(found
        .into_iter()
        .filter(|s| index.slot(s.id) == Slot::Live)
        .map(|s| Neighbour { label: index.labels.label(s.id), id: s.id, distance: s.dist })
        .collect())
}

/// F14 as a policy: `tombstone`, whose searches ([`search_filter_after_bound`])
/// are the mutant's; the checks search through [`search`].
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterAfterBound;

impl DeletePolicy for FilterAfterBound {
    fn name(&self) -> &'static str {
        "filter-after-bound"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert(label, v)
    }
}

/// The search a policy's index answers with: [`Hnsw::search`], except for
/// the F14 mutant's.
pub fn search(policy: &dyn DeletePolicy, index: &Hnsw, q: &[f32], k: usize, ef: usize) -> Result<Vec<Neighbour>> {
    if policy.name() == FilterAfterBound.name() {
        search_filter_after_bound(index, q, k, ef)
    } else {
        index.search(q, k, ef)
    }
}

/// F15: `replace` whose reused slots skip `updatePoint`'s neighbourhood
/// re-selection; only the new vector itself is linked.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReplaceWithoutRepair;

impl ChurnHooks for ReplaceWithoutRepair {
    const REPAIR_NEIGHBOURHOOD: bool = false;
}

impl DeletePolicy for ReplaceWithoutRepair {
    fn name(&self) -> &'static str {
        "replace-without-repair"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert_replacing_with::<Self>(label, v)
    }
    fn update(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.update_with::<Self>(label, v)
    }
}

/// F16: the tombstone is set, but the label stays in the lookup, still
/// naming the deleted slot (and blocking the label's reuse).
#[derive(Clone, Copy, Debug, Default)]
pub struct DeleteKeepsLabel;

impl DeletePolicy for DeleteKeepsLabel {
    fn name(&self) -> &'static str {
        "delete-keeps-label"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        for &label in labels {
            let id = index.labels.id(label).ok_or(ErrorKind::UnknownLabel { label })?;
            index.tombstones.set(id, Slot::Deleted);
        }
        Ok(())
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert(label, v)
    }
}

/// F17: consolidation that keeps the entry point it started from, deleted
/// or not (pgvector#988's cached entry point).
#[derive(Clone, Copy, Debug, Default)]
pub struct CachedEntryPoint;

impl ChurnHooks for CachedEntryPoint {
    const REFRESH_ENTRY: bool = false;
}

/// Consolidation that repairs layer 0 only, leaving upper-layer edges into
/// freed slots.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsolidateLayer0Only;

impl ChurnHooks for ConsolidateLayer0Only {
    const CONSOLIDATE_UPPER_LAYERS: bool = false;
}

/// Consolidation without its bridges: FreshDiskANN's re-selection alone,
/// which keeps a diverse few of each pool and so drops most of a deleted
/// node's long links.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsolidateWithoutBridges;

impl ChurnHooks for ConsolidateWithoutBridges {
    const BRIDGE_DEAD_PATHS: bool = false;
}

macro_rules! consolidating {
    ($t:ty, $name:literal) => {
        impl DeletePolicy for $t {
            fn name(&self) -> &'static str {
                $name
            }
            fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
                mark_all(index, labels)?;
                index.consolidate_with::<Self>()?;
                Ok(())
            }
            fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
                index.insert_replacing_with::<Self>(label, v)
            }
        }
    };
}

consolidating!(CachedEntryPoint, "cached-entry-point");
consolidating!(ConsolidateLayer0Only, "consolidate-layer-0-only");
consolidating!(ConsolidateWithoutBridges, "consolidate-without-bridges");
