//! Neighbour lists in the flat block layout of [`crate::layout`], plus each
//! node's level and the entry point: the single-threaded storage of the
//! reference index.
//!
//! Invariant (checked by `debug_assert!` where links are written, the way
//! hnswlib guards its writes): no self-link, no duplicate, `count <= capacity`,
//! and a link on layer `l` only targets a node whose level is `>= l`.

use crate::error::{try_grow, Result};
use crate::ids::{Layer, NodeId};
use crate::layout::Blocks;

/// Adjacency of every node on every layer, plus the entry point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    /// The lists; slot 0 of each block is the count (stored as a `NodeId`).
    blocks: Blocks<NodeId>,
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
            blocks: Blocks::new(m, m0),
            levels: Vec::new(),
            layer_sizes: Vec::new(),
            entry: None,
            max_level: Layer(0),
        }
    }

    /// Reserve room for `n` more nodes on layer 0: sizes in checked
    /// arithmetic, an allocation the allocator refuses is an error, not an abort.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        self.blocks.reserve(n)?;
        try_grow("levels", &mut self.levels, n)
    }

    /// Number of nodes.
    #[inline]
    pub fn len(&self) -> usize {
        self.levels.len()
    }

    /// Capacity of a list on `layer`.
    #[inline]
    pub fn capacity(&self, layer: Layer) -> usize {
        self.blocks.capacity(layer)
    }

    /// Append a node of the given level with empty lists; it is not linked and
    /// not the entry point until the caller says so.
    pub fn add_node(&mut self, level: Layer) -> NodeId {
        let id = NodeId(u32::try_from(self.levels.len()).expect("caller checks capacity"));
        self.blocks.push_node(level, || NodeId(0));
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

    /// Remove the entry point (no node is live).
    pub fn clear_entry(&mut self) {
        self.entry = None;
        self.max_level = Layer(0);
    }

    /// Empty every list of `id` (a consolidated slot).
    pub fn clear_lists(&mut self, id: NodeId) {
        for l in 0..=self.level(id).0 {
            self.block_mut(id, Layer(l))[0] = NodeId(0);
        }
    }

    /// The neighbours of `id` on `layer`. Panics if `layer > level(id)`.
    #[inline]
    pub fn neighbours(&self, id: NodeId, layer: Layer) -> &[NodeId] {
        // Every node is on layer 0: skip the level load on the hot layer.
        assert!(layer.0 == 0 || layer <= self.level(id), "{id} (level {}) has no list on {layer}", self.level(id));
        let block = self.blocks.block(id, layer);
        &block[1..1 + block[0].0 as usize]
    }

    /// Start loading the list of `id` on `layer` (count and first ids) into cache.
    #[inline]
    pub fn prefetch_neighbours(&self, id: NodeId, layer: Layer) {
        if layer.0 == 0 || layer <= self.level(id) {
            crate::prefetch::prefetch(self.blocks.block(id, layer), 3);
        }
    }

    /// `id`'s block on `layer`, writable (`layer <= level(id)`).
    #[inline]
    fn block_mut(&mut self, id: NodeId, layer: Layer) -> &mut [NodeId] {
        debug_assert!(layer <= self.level(id), "{id} has no list on {layer}");
        self.blocks.block_mut(id, layer)
    }

    fn debug_check_link(&self, id: NodeId, layer: Layer, to: NodeId) {
        debug_assert_ne!(id, to, "self-link {id} on {layer}");
        debug_assert!(to.index() < self.len(), "link {id} -> {to} on {layer}: no such node");
        debug_assert!(self.level(to) >= layer, "link {id} -> {to} on {layer}: target level {}", self.level(to));
    }

    /// Replace the list of `id` on `layer`.
    pub fn set_neighbours(&mut self, id: NodeId, layer: Layer, list: &[NodeId]) {
        let cap = self.capacity(layer);
        assert!(list.len() <= cap, "list of {id} on {layer}: {} > capacity {cap}", list.len());
        if cfg!(debug_assertions) {
            for (i, &to) in list.iter().enumerate() {
                self.debug_check_link(id, layer, to);
                debug_assert!(!list[..i].contains(&to), "duplicate link {id} -> {to} on {layer}");
            }
        }
        let block = self.block_mut(id, layer);
        block[0] = NodeId(list.len() as u32);
        block[1..1 + list.len()].copy_from_slice(list);
    }

    /// Bytes used by the adjacency arrays.
    pub fn memory_bytes(&self) -> usize {
        self.blocks.memory_bytes() + self.levels.capacity()
    }
}
