//! The flat block layout of neighbour lists, shared by the single-threaded
//! [`crate::graph::Graph`] and the concurrent index's locked lists.
//!
//! Layer 0: one block of `1 + m0` slots per node (`[count, n_1 .. n_m0]`) in a
//! single array, so a node's base list is one contiguous, fixed-stride read.
//! Upper layers: a node of level `L > 0` owns `L` blocks of `1 + m` slots in a
//! second array, found through its offset. As in hnswlib, no `Vec<Vec<_>>` on
//! the hot path: a search reads one contiguous block per expansion.
//!
//! Invariant: node `i`'s upper blocks start at `upper_start[i]` and are
//! `level(i)` blocks long; slot 0 of every block is the list's count.

use crate::error::{checked_product, try_grow, Result};
use crate::ids::{Layer, NodeId};

/// Every node's list blocks, in slots of type `T` (a plain id, or a cell a
/// lock guards).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Blocks<T> {
    m: usize,
    m0: usize,
    base: Vec<T>,
    upper: Vec<T>,
    upper_start: Vec<usize>,
}

impl<T> Blocks<T> {
    /// No blocks, for lists of at most `m` (upper layers) and `m0` (layer 0) ids.
    pub fn new(m: usize, m0: usize) -> Self {
        Blocks { m, m0, base: Vec::new(), upper: Vec::new(), upper_start: Vec::new() }
    }

    /// Blocks for nodes of the given levels, every slot `fill()`.
    pub fn with_levels(m: usize, m0: usize, levels: &[Layer], mut fill: impl FnMut() -> T) -> Self {
        let mut b = Blocks::new(m, m0);
        b.base = (0..levels.len() * (1 + m0)).map(|_| fill()).collect();
        crate::hugepage::advise(&b.base);
        b.upper_start.reserve_exact(levels.len());
        let mut upper = 0;
        for l in levels {
            b.upper_start.push(upper);
            upper += l.index() * (1 + m);
        }
        b.upper = (0..upper).map(|_| fill()).collect();
        crate::hugepage::advise(&b.upper);
        b
    }

    /// Max list length above layer 0.
    #[inline]
    pub fn m(&self) -> usize {
        self.m
    }

    /// Max list length on layer 0.
    #[inline]
    pub fn m0(&self) -> usize {
        self.m0
    }

    /// Capacity of a list on `layer`.
    #[inline]
    pub fn capacity(&self, layer: Layer) -> usize {
        if layer.0 == 0 {
            self.m0
        } else {
            self.m
        }
    }

    /// Room for `n` more nodes' layer-0 blocks and offsets: sizes in checked
    /// arithmetic, a refused allocation is an error, not an abort.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        let slots = checked_product("graph reserve (nodes x (1 + m0))", n, 1 + self.m0)?;
        try_grow("layer-0 lists", &mut self.base, slots)?;
        crate::hugepage::advise(&self.base);
        try_grow("upper-layer offsets", &mut self.upper_start, n)
    }

    /// Append the blocks of one more node of `level`, every slot `fill()`.
    pub fn push_node(&mut self, level: Layer, mut fill: impl FnMut() -> T) {
        let capacity = self.base.capacity();
        self.base.extend((0..1 + self.m0).map(|_| fill()));
        if self.base.capacity() != capacity {
            crate::hugepage::advise(&self.base);
        }
        self.upper_start.push(self.upper.len());
        self.upper.extend((0..level.index() * (1 + self.m)).map(|_| fill()));
    }

    /// Where `id`'s block on `layer` starts, in the array of that layer.
    /// The caller knows `layer <= level(id)`.
    #[inline]
    fn start(&self, id: NodeId, layer: Layer) -> usize {
        if layer.0 == 0 {
            id.index() * (1 + self.m0)
        } else {
            self.upper_start[id.index()] + (layer.index() - 1) * (1 + self.m)
        }
    }

    /// `id`'s block on `layer` (count first, then `capacity(layer)` slots).
    /// The caller knows `layer <= level(id)`.
    #[inline]
    pub fn block(&self, id: NodeId, layer: Layer) -> &[T] {
        let start = self.start(id, layer);
        let len = 1 + self.capacity(layer);
        if layer.0 == 0 {
            &self.base[start..start + len]
        } else {
            &self.upper[start..start + len]
        }
    }

    /// [`Blocks::block`], writable.
    #[inline]
    pub fn block_mut(&mut self, id: NodeId, layer: Layer) -> &mut [T] {
        let start = self.start(id, layer);
        let len = 1 + self.capacity(layer);
        if layer.0 == 0 {
            &mut self.base[start..start + len]
        } else {
            &mut self.upper[start..start + len]
        }
    }

    /// Bytes held by the arrays.
    pub fn memory_bytes(&self) -> usize {
        (self.base.capacity() + self.upper.capacity()) * std::mem::size_of::<T>()
            + self.upper_start.capacity() * std::mem::size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Each (node, layer) owns its own block: a model that keeps every block
    /// apart, written through the same random edits, reads the same.
    #[test]
    fn every_block_is_its_own_and_both_constructions_agree() {
        let mut rng = crate::synthetic::Rng::new(21);
        let (m, m0) = (3, 5);
        let levels: Vec<Layer> = (0..40).map(|_| Layer(rng.below(4) as u8)).collect();
        let mut a: Blocks<u32> = Blocks::with_levels(m, m0, &levels, || 0);
        let mut b: Blocks<u32> = Blocks::new(m, m0);
        b.reserve(levels.len()).unwrap();
        for &l in &levels {
            b.push_node(l, || 0);
        }
        assert_eq!(a, b);
        assert_eq!((a.m(), a.m0(), a.capacity(Layer(0)), a.capacity(Layer(2))), (3, 5, 5, 3));
        let mut model: HashMap<(usize, u8), Vec<u32>> = HashMap::new();
        for (i, l) in levels.iter().enumerate() {
            for layer in 0..=l.0 {
                model.insert((i, layer), vec![0; 1 + if layer == 0 { m0 } else { m }]);
            }
        }
        for step in 0..2000u32 {
            let i = rng.below(levels.len() as u64) as usize;
            let layer = rng.below(u64::from(levels[i].0) + 1) as u8;
            let block = a.block_mut(NodeId(i as u32), Layer(layer));
            let slot = rng.below(block.len() as u64) as usize;
            block[slot] = step + 1;
            model.get_mut(&(i, layer)).unwrap()[slot] = step + 1;
        }
        for (&(i, layer), want) in &model {
            assert_eq!(a.block(NodeId(i as u32), Layer(layer)), &want[..], "node {i} layer {layer}");
        }
        let slots = levels.len() * (1 + m0) + levels.iter().map(|l| l.index() * (1 + m)).sum::<usize>();
        assert!(a.memory_bytes() >= slots * 4 + levels.len() * 8, "{}", a.memory_bytes());
        assert!(a.memory_bytes() <= 2 * (slots * 4 + levels.len() * 8), "{}", a.memory_bytes());
    }

    #[test]
    fn a_reserve_that_overflows_is_an_error() {
        let mut b: Blocks<u32> = Blocks::new(3, 5);
        assert!(b.reserve(usize::MAX / 2).is_err());
        assert!(b.reserve(10).is_ok());
        assert!(b.memory_bytes() >= 10 * 6 * 4 + 10 * 8);
    }
}
