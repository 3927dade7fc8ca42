//! `rebuild`: at the end of every round, build a fresh index from the live
//! vectors (in id order, same parameters and seed) with the reference
//! sequential insert: the oracle the other policies are measured against.

use super::{mark_all, DeletePolicy};
use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;
use crate::tombstones::Slot;
use crate::view::GraphView;

/// Mark deleted, insert into new slots, rebuild each round.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rebuild;

impl DeletePolicy for Rebuild {
    fn name(&self) -> &'static str {
        "rebuild"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert(label, v)
    }
    fn finish(&self, index: &mut Hnsw) -> Result<()> {
        let mut fresh = Hnsw::new(index.dim(), index.params().clone())?;
        fresh.reserve(index.len())?;
        for id in (0..index.slots() as u32).map(NodeId).filter(|&id| index.slot(id) == Slot::Live) {
            fresh.insert(GraphView::label(index, id), GraphView::vector(index, id))?;
        }
        *index = fresh;
        Ok(())
    }
}
