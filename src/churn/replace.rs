//! `replace`: hnswlib's `markDelete` plus `allow_replace_deleted`: a new
//! vector reuses a deleted slot and repairs only the slot's own
//! neighbourhood ([`Hnsw::insert_replacing`]). Nodes that pointed to the old
//! vector keep pointing to the slot: the decay catalogue F15 describes.

use super::{mark_all, DeletePolicy};
use crate::error::Result;
use crate::ids::NodeId;
use crate::index::Hnsw;

/// Mark deleted, insert by reusing deleted slots.
#[derive(Clone, Copy, Debug, Default)]
pub struct Replace;

impl DeletePolicy for Replace {
    fn name(&self) -> &'static str {
        "replace"
    }
    fn delete(&self, index: &mut Hnsw, labels: &[u64]) -> Result<()> {
        mark_all(index, labels)
    }
    fn insert(&self, index: &mut Hnsw, label: u64, v: &[f32]) -> Result<NodeId> {
        index.insert_replacing(label, v)
    }
}
