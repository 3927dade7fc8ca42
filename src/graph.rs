//! Neighbour lists in flat arrays.
//!
//! Layer 0: one block of `1 + m0` slots per node (`[count, n_1 .. n_m0]`) in a
//! single `Vec`, so a node's base list is one contiguous, fixed-stride read.
//! Upper layers: a node of level `L > 0` owns `L` blocks of `1 + m` slots in a
//! second `Vec`, found through `upper_start`. No `Vec<Vec<_>>` on the hot path.
//!
//! Invariant (checked by `debug_assert!` where links are written, the way
//! hnswlib guards its writes): no self-link, no duplicate, `count <= capacity`,
//! and a link on layer `l` only targets a node whose level is `>= l`.

use crate::error::{checked_product, try_grow, Result};
use crate::ids::{Layer, NodeId};

/// Adjacency of every node on every layer, plus the entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    m: usize,
    m0: usize,
    /// Layer-0 blocks; slot 0 of each block is the count (stored as a `NodeId`).
    base: Vec<NodeId>,
    /// Upper-layer blocks, `level` blocks of `1 + m` slots per node of level > 0.
    upper: Vec<NodeId>,
    /// Start of each node's first upper block in `upper` (unused when its level is 0).
    upper_start: Vec<usize>,
    levels: Vec<Layer>,
    /// Number of nodes whose level is >= l, indexed by l.
    layer_sizes: Vec<usize>,
    entry: Option<NodeId>,
    max_level: Layer,
}

impl Graph {
    /// An empty graph with list capacities `m` (upper layers) and `m0` (layer 0).
    pub fn new(m: usize, m0: usize) -> Self {
        Graph {
            m,
            m0,
            base: Vec::new(),
            upper: Vec::new(),
            upper_start: Vec::new(),
            levels: Vec::new(),
            layer_sizes: Vec::new(),
            entry: None,
            max_level: Layer(0),
        }
    }

    /// Reserve room for `n` more nodes on layer 0: sizes in checked
    /// arithmetic, an allocation the allocator refuses is an error, not an abort.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        let slots = checked_product("graph reserve (nodes x (1 + m0))", n, 1 + self.m0)?;
        try_grow("layer-0 lists", &mut self.base, slots)?;
        crate::hugepage::advise(&self.base);
        try_grow("levels", &mut self.levels, n)?;
        try_grow("upper-layer offsets", &mut self.upper_start, n)
    }

    /// Number of nodes.
    #[inline]
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// True when there are no nodes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// Max list length above layer 0.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Max list length on layer 0.
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

    /// Append a node of the given level with empty lists; it is not linked and
    /// not the entry point until the caller says so.
    pub fn add_node(&mut self, level: Layer) -> NodeId {
        let id = NodeId(u32::try_from(self.levels.len()).expect("caller checks capacity"));
        let capacity = self.base.capacity();
        self.base.resize(self.base.len() + 1 + self.m0, NodeId(0));
        if self.base.capacity() != capacity {
            crate::hugepage::advise(&self.base);
        }
        self.upper_start.push(self.upper.len());
        self.upper.resize(self.upper.len() + level.index() * (1 + self.m), NodeId(0));
        self.levels.push(level);
        if self.layer_sizes.len() <= level.index() {
            self.layer_sizes.resize(level.index() + 1, 0);
        }
        for l in 0..=level.index() {
            self.layer_sizes[l] += 1;
        }
        id
    }

    /// Level of `id`.
    #[inline]
    pub fn level(&self, id: NodeId) -> Layer {
        self.levels[id.index()]
    }

    /// Number of nodes present on `layer` (level >= layer).
    pub fn layer_size(&self, layer: Layer) -> usize {
        self.layer_sizes.get(layer.index()).copied().unwrap_or(0)
    }

    /// Entry point, `None` for an empty graph.
    #[inline]
    pub fn entry(&self) -> Option<NodeId> {
        self.entry
    }

    /// Stored maximum level (meaningful only when an entry point exists).
    #[inline]
    pub fn max_level(&self) -> Layer {
        self.max_level
    }

    /// Set the entry point and the stored maximum level together.
    pub fn set_entry(&mut self, id: NodeId, max_level: Layer) {
        self.entry = Some(id);
        self.max_level = max_level;
    }

    #[inline]
    fn block(&self, id: NodeId, layer: Layer) -> (usize, usize) {
        if layer.0 == 0 {
            (id.index() * (1 + self.m0), self.m0)
        } else {
            debug_assert!(layer <= self.level(id), "{id} has no list on {layer}");
            (self.upper_start[id.index()] + (layer.index() - 1) * (1 + self.m), self.m)
        }
    }

    #[inline]
    fn store(&self, layer: Layer) -> &[NodeId] {
        if layer.0 == 0 {
            &self.base
        } else {
            &self.upper
        }
    }

    /// The neighbours of `id` on `layer`. Panics if `layer > level(id)`.
    #[inline]
    pub fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        // Every node is on layer 0: skip the level load on the hot layer.
        assert!(layer.0 == 0 || layer <= self.level(id), "{id} (level {}) has no list on {layer}", self.level(id));
        let (start, _) = self.block(id, layer);
        let s = self.store(layer);
        let count = s[start].0 as usize;
        &s[start + 1..start + 1 + count]
    }

    /// Start loading the list of `id` on `layer` (count and first ids) into cache.
    #[inline]
    pub fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        if layer.0 == 0 || layer <= self.level(id) {
            let (start, cap) = self.block(id, layer);
            crate::prefetch::prefetch(&self.store(layer)[start..start + 1 + cap], 3);
        }
    }

    fn debug_check_link(&self, id: NodeId, layer: Layer, to: NodeId) {
        debug_assert_ne!(id, to, "self-link {id} on {layer}");
        debug_assert!(to.index() < self.len(), "link {id} -> {to} on {layer}: no such node");
        debug_assert!(self.level(to) >= layer, "link {id} -> {to} on {layer}: target level {}", self.level(to));
    }

    /// Replace the list of `id` on `layer`.
    pub fn set_neighbours(&mut self, id: NodeId, layer: Layer, list: &[NodeId]) {
        let (start, cap) = self.block(id, layer);
        assert!(list.len() <= cap, "list of {id} on {layer}: {} > capacity {cap}", list.len());
        if cfg!(debug_assertions) {
            for (i, &to) in list.iter().enumerate() {
                self.debug_check_link(id, layer, to);
                debug_assert!(!list[..i].contains(&to), "duplicate link {id} -> {to} on {layer}");
            }
        }
        let s = if layer.0 == 0 { &mut self.base } else { &mut self.upper };
        s[start] = NodeId(list.len() as u32);
        s[start + 1..start + 1 + list.len()].copy_from_slice(list);
    }

    /// Append `to` to the list of `id` on `layer`; false (and no change) if the list is full.
    pub fn push_neighbour(&mut self, id: NodeId, layer: Layer, to: NodeId) -> bool {
        self.debug_check_link(id, layer, to);
        debug_assert!(!self.neighbours(id, layer).contains(&to), "duplicate link {id} -> {to} on {layer}");
        let (start, cap) = self.block(id, layer);
        let s = if layer.0 == 0 { &mut self.base } else { &mut self.upper };
        let count = s[start].0 as usize;
        if count >= cap {
            return false;
        }
        s[start + 1 + count] = to;
        s[start] = NodeId(count as u32 + 1);
        true
    }

    /// Remove `to` from the list of `id` on `layer`, keeping the order of the rest. True if it was there.
    pub fn remove_neighbour(&mut self, id: NodeId, layer: Layer, to: NodeId) -> bool {
        let (start, _) = self.block(id, layer);
        let s = if layer.0 == 0 { &mut self.base } else { &mut self.upper };
        let count = s[start].0 as usize;
        let list = &mut s[start + 1..start + 1 + count];
        match list.iter().position(|&x| x == to) {
            Some(p) => {
                list.copy_within(p + 1.., p);
                s[start] = NodeId(count as u32 - 1);
                true
            }
            None => false,
        }
    }

    /// Bytes used by the adjacency arrays.
    pub fn memory_bytes(&self) -> usize {
        (self.base.capacity() + self.upper.capacity()) * 4
            + self.upper_start.capacity() * std::mem::size_of::<usize>()
            + self.levels.capacity()
    }
}
