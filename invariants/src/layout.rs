//! The per-node facts every check reads: levels, slot states, the highest
//! level, and the nodes of each layer. Computed once, in one pass over the ids.
//!
//! With deletes ([`Slot`]), "the nodes of layer `l`" are the ids that are not
//! free (live nodes and tombstones: a search walks through both) with level
//! `>= l`; a free slot is on no layer. Without deletes every id is live and
//! nothing below differs from an insert-only graph.

use hnswlab::{GraphView, Layer, NodeId, Slot};

/// Levels and layer membership of a graph.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Number of nodes.
    pub n: usize,
    /// `levels[id]`, copied from the view.
    pub levels: Vec<Layer>,
    /// Highest level of any id, free slots included (0 for an empty graph).
    pub highest: Layer,
    /// Highest level of a node that is not free (0 when there is none): the
    /// level the entry point must have (I2).
    pub top: Layer,
    /// Lowest non-free id whose level is `top` (`None` when every id is free).
    pub top_node: Option<NodeId>,
    /// `slots[id]`, copied from the view; empty when every id is live.
    slots: Vec<Slot>,
    /// Number of live ids.
    pub live: usize,
    /// Number of ids that are not free (live ids and tombstones).
    pub present: usize,
    /// `histogram[l]` = nodes whose level is exactly `l`, for `l` in `0..=highest`.
    pub histogram: Vec<usize>,
    /// `upper[l - 1]` = non-free ids with level `>= l`, ascending, for `l` in
    /// `1..=highest`.
    upper: Vec<Vec<u32>>,
    /// The non-free ids, ascending, when some id is free; otherwise layer 0
    /// holds every id and is not materialised.
    ground: Option<Vec<u32>>,
}

impl Layout {
    pub(crate) fn of<V: GraphView + ?Sized>(view: &V) -> Self {
        let n = view.len();
        let levels: Vec<Layer> = (0..n).map(|i| view.level(NodeId(i as u32))).collect();
        let mut slots: Vec<Slot> = (0..n).map(|i| view.slot(NodeId(i as u32))).collect();
        let free = |i: usize| slots.get(i) == Some(&Slot::Free);
        let highest = levels.iter().copied().max().unwrap_or(Layer(0));
        let mut top = Layer(0);
        let mut top_node = None;
        for (i, &l) in levels.iter().enumerate() {
            if !free(i) && (top_node.is_none() || l > top) {
                top = l;
                top_node = Some(NodeId(i as u32));
            }
        }
        let mut histogram = vec![0usize; highest.index() + 1];
        let mut upper: Vec<Vec<u32>> = vec![Vec::new(); highest.index()];
        for (i, &l) in levels.iter().enumerate() {
            histogram[l.index()] += 1;
            if free(i) {
                continue;
            }
            for layer in upper.iter_mut().take(l.index()) {
                layer.push(i as u32);
            }
        }
        let live = slots.iter().filter(|&&s| s == Slot::Live).count();
        let present = n - slots.iter().filter(|&&s| s == Slot::Free).count();
        let ground = (present < n).then(|| (0..n as u32).filter(|&i| !free(i as usize)).collect());
        if live == n {
            slots = Vec::new();
        }
        Layout { n, levels, highest, top, top_node, slots, live, present, histogram, upper, ground }
    }

    /// State of `id` (which must be `< n`).
    #[inline]
    pub(crate) fn slot(&self, id: NodeId) -> Slot {
        self.slots.get(id.index()).copied().unwrap_or(Slot::Live)
    }

    /// True if `id < n` is live.
    #[inline]
    pub(crate) fn is_live(&self, id: NodeId) -> bool {
        self.slot(id) == Slot::Live
    }

    /// True if some id is a tombstone or a free slot.
    #[inline]
    pub(crate) fn any_dead(&self) -> bool {
        self.live < self.n
    }

    /// Level of `id` (which must be `< n`).
    #[inline]
    pub(crate) fn level(&self, id: NodeId) -> Layer {
        self.levels[id.index()]
    }

    /// True if `id` is a node of layer `layer` (not free, level `>= layer`).
    #[inline]
    pub(crate) fn on_layer(&self, id: NodeId, layer: Layer) -> bool {
        self.levels.get(id.index()).is_some_and(|&l| l >= layer) && self.slot(id) != Slot::Free
    }

    /// The nodes of `layer`, ascending, as raw ids.
    pub(crate) fn nodes(&self, layer: Layer) -> LayerNodes<'_> {
        if layer.0 == 0 {
            self.ground.as_deref().map_or(LayerNodes::All(self.n), LayerNodes::Some)
        } else {
            LayerNodes::Some(self.upper.get(layer.index() - 1).map_or(&[], |v| v))
        }
    }
}

/// The nodes of one layer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LayerNodes<'a> {
    /// Every id `0..n` (layer 0).
    All(usize),
    /// These ids.
    Some(&'a [u32]),
}

impl LayerNodes<'_> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        let (range, list) = match self {
            LayerNodes::All(n) => (0..*n, None),
            LayerNodes::Some(s) => (0..s.len(), Some(*s)),
        };
        range.map(move |i| NodeId(list.map_or(i as u32, |s| s[i])))
    }
}
