//! Vectors in one contiguous buffer, and the bijective label map.

use std::collections::HashMap;

use crate::ids::NodeId;

/// All vectors of an index, `dim` floats each, back to back in id order.
#[derive(Clone, Debug, PartialEq)]
pub struct Vectors {
    dim: usize,
    data: Vec<f32>,
}

impl Vectors {
    /// An empty store for vectors of length `dim`.
    pub fn new(dim: usize) -> Self {
        Vectors { dim, data: Vec::new() }
    }
    /// Reserve room for `n` more vectors.
    pub fn reserve(&mut self, n: usize) {
        self.data.reserve(n * self.dim);
    }
    /// Vector length.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Number of stored vectors.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Append a (prepared) vector; its id is the previous length.
    pub fn push(&mut self, v: &[f32]) {
        assert_eq!(v.len(), self.dim, "caller validates dimensions");
        self.data.extend_from_slice(v);
    }
    /// The vector of `id`.
    #[inline]
    pub fn get(&self, id: NodeId) -> &[f32] {
        let s = id.index() * self.dim;
        &self.data[s..s + self.dim]
    }
    /// Bytes used.
    pub fn memory_bytes(&self) -> usize {
        self.data.capacity() * 4
    }
}

/// External `u64` labels, bijective with node ids.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    by_id: Vec<u64>,
    by_label: HashMap<u64, NodeId>,
}

impl Labels {
    /// Record `label` for the next id; false (and no change) if the label is taken.
    pub fn push(&mut self, label: u64) -> bool {
        let id = NodeId(self.by_id.len() as u32);
        if self.by_label.contains_key(&label) {
            return false;
        }
        self.by_label.insert(label, id);
        self.by_id.push(label);
        true
    }
    /// True if `label` is present.
    pub fn contains(&self, label: u64) -> bool {
        self.by_label.contains_key(&label)
    }
    /// Label of `id`.
    #[inline]
    pub fn label(&self, id: NodeId) -> u64 {
        self.by_id[id.index()]
    }
    /// Id of `label`.
    pub fn id(&self, label: u64) -> Option<NodeId> {
        self.by_label.get(&label).copied()
    }
    /// Number of labels.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
    /// Approximate bytes used.
    pub fn memory_bytes(&self) -> usize {
        self.by_id.capacity() * 8 + self.by_label.capacity() * 16
    }
}
