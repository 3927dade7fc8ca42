//! Newtype identifiers: internal node ids and layer numbers.
//!
//! Node ids are dense (`0..len`) and assigned in insertion order; external
//! callers use `u64` labels, mapped bijectively to ids by the index.

use std::fmt;

/// Internal id of a node: its position in insertion order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The id as an index into per-node arrays.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A layer of the hierarchy; layer 0 holds every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[repr(transparent)]
pub struct Layer(pub u8);

impl Layer {
    /// Layer 0, the base layer that contains every node.
    pub const BASE: Layer = Layer(0);

    /// The layer number as an index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.0)
    }
}
