//! `tombstone`: hnswlib's `markDelete` and nothing else. Deleted nodes stay
//! in the graph as waypoints; new vectors take new slots, so memory grows
//! with every round.

use super::{mark_all, DeletePolicy};
use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;

/// Mark deleted, insert into new slots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tombstone;

impl DeletePolicy for Tombstone {
    fn name(&self) -> &'static str {
        "tombstone"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert(label, v)
    }
}
