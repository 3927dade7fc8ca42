//! The per-node facts every check reads: levels, the highest level, and the
//! nodes of each layer. Computed once, in one pass over the ids.

use hnswlab::{GraphView, Layer, NodeId};

/// Levels and layer membership of a graph.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Number of nodes.
    pub n: usize,
    /// `levels[id]`, copied from the view.
    pub levels: Vec<Layer>,
    /// Highest level of any node (0 for an empty graph).
    pub highest: Layer,
    /// Lowest id whose level is `highest` (`None` for an empty graph).
    pub highest_node: Option<NodeId>,
    /// `histogram[l]` = nodes whose level is exactly `l`, for `l` in `0..=highest`.
    pub histogram: Vec<usize>,
    /// `upper[l - 1]` = ids with level `>= l`, ascending, for `l` in `1..=highest`.
    /// Layer 0 holds every id and is not materialised.
    upper: Vec<Vec<u32>>,
}

impl Layout {
    pub(crate) fn of<V: GraphView + ?Sized>(view: &V) -> Self {
        let n = view.len();
        let levels: Vec<Layer> = (0..n).map(|i| view.level(NodeId(i as u32))).collect();
        let mut highest = Layer(0);
        let mut highest_node = None;
        for (i, &l) in levels.iter().enumerate() {
            if highest_node.is_none() || l > highest {
                highest = l;
                highest_node = Some(NodeId(i as u32));
            }
        }
        let mut histogram = vec![0usize; highest.index() + 1];
        let mut upper: Vec<Vec<u32>> = vec![Vec::new(); highest.index()];
        for (i, &l) in levels.iter().enumerate() {
            histogram[l.index()] += 1;
            for layer in upper.iter_mut().take(l.index()) {
                layer.push(i as u32);
            }
        }
        Layout { n, levels, highest, highest_node, histogram, upper }
    }

    /// Level of `id` (which must be `< n`).
    #[inline]
    pub(crate) fn level(&self, id: NodeId) -> Layer {
        self.levels[id.index()]
    }

    /// True if `id` is a node of layer `layer`.
    #[inline]
    pub(crate) fn on_layer(&self, id: NodeId, layer: Layer) -> bool {
        self.levels.get(id.index()).is_some_and(|&l| l >= layer)
    }

    /// The nodes of `layer`, ascending, as raw ids.
    pub(crate) fn nodes(&self, layer: Layer) -> LayerNodes<'_> {
        if layer.0 == 0 {
            LayerNodes::All(self.n)
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
