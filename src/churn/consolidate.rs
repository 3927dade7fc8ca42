//! `consolidate`: mark a batch deleted, then consolidate it away
//! ([`Hnsw::consolidate`], FreshDiskANN's delete consolidation on every
//! layer), so no edge points to a deleted slot; new vectors reuse the freed
//! slots.

use super::{mark_all, DeletePolicy};
use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;

/// Mark deleted and consolidate per batch; insert into freed slots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Consolidate;

impl DeletePolicy for Consolidate {
    fn name(&self) -> &'static str {
        "consolidate"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)?;
        index.consolidate()?;
        Ok(())
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert_replacing(label, v)
    }
}
