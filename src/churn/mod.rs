//! Delete policies: what an index does when labels are deleted and new ones
//! arrive, pluggable like the insertion strategies and measured against each
//! other by `hnswlab churn`. Each policy is one file:
//!
//! | policy | delete | insert | end of round |
//! |---|---|---|---|
//! | [`tombstone`] | hnswlib `markDelete` | a new slot | — |
//! | [`replace`] | `markDelete` | hnswlib `replace_deleted` | — |
//! | [`consolidate`] | mark, then FreshDiskANN consolidation | reuses freed slots | — |
//! | [`rebuild`] | mark | a new slot | build afresh from the live vectors |
//!
//! Every policy goes through the one insert engine; searches return only
//! live labels, `k` of them when `k` live nodes are reachable.

pub mod consolidate;
pub mod rebuild;
pub mod replace;
pub mod tombstone;

use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;

/// What an index does with deletes, inserts and updates over its life.
pub trait DeletePolicy: Send + Sync {
    /// Stable name for reports and the command line.
    fn name(&self) -> &'static str;
    /// Delete one batch of live labels.
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()>;
    /// Insert a new label.
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId>;
    /// Give a live label a new vector (hnswlib's `updatePoint`).
    fn update(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.update(label, v)
    }
    /// The end of a round of deletes, inserts and updates.
    fn finish(&self, index: &mut Hnsw) -> Result<()> {
        let _ = index;
        Ok(())
    }
}

/// Mark every label of the batch deleted; the first unknown label errors,
/// after the ones before it were deleted.
pub(crate) fn mark_all(index: &mut Hnsw, labels: &[u64]) -> Result<()> {
    for &label in labels {
        index.delete(label)?;
    }
    Ok(())
}

/// Every delete policy, in table order.
pub fn policies() -> Vec<Box<dyn DeletePolicy>> {
    vec![
        Box::new(tombstone::Tombstone),
        Box::new(replace::Replace),
        Box::new(consolidate::Consolidate),
        Box::new(rebuild::Rebuild),
    ]
}

/// The policy called `name`.
pub fn by_name(name: &str) -> Option<Box<dyn DeletePolicy>> {
    policies().into_iter().find(|p| p.name() == name)
}

/// Every policy's name.
pub fn names() -> Vec<&'static str> {
    policies().iter().map(|p| p.name()).collect()
}
