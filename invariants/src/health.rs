//! The health census: what the checker measured, pass or fail.

/// Per-layer measurements.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LayerHealth {
    /// Layer number.
    pub layer: u8,
    /// Nodes on this layer (level >= layer).
    pub nodes: usize,
    /// Directed edges on this layer that pass I1 (target exists, is not the
    /// source, and is on the layer).
    pub edges: usize,
    /// Edges `a -> b` with no `b -> a`.
    pub one_way: usize,
    /// `one_way / edges` (0 when there are no edges).
    pub one_way_fraction: f64,
    /// Nodes on the layer not reachable from the entry point over the layer's out-edges.
    pub unreachable: usize,
    /// Nodes on the layer with no in-edge (the entry point excluded).
    pub zero_in_degree: usize,
    /// Smallest in-degree.
    pub in_degree_min: usize,
    /// Largest in-degree (hubness).
    pub in_degree_max: usize,
    /// Mean in-degree (= mean out-degree).
    pub in_degree_mean: f64,
    /// Nodes with an empty out-list although the layer has other nodes.
    pub empty_lists: usize,
    /// Strongly connected components of the layer (over valid edges).
    pub scc_count: usize,
    /// Nodes in the largest strongly connected component.
    pub largest_scc: usize,
}

/// Whole-graph census, returned by `check_all` when no hard invariant fails.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Health {
    /// Number of nodes.
    pub nodes: usize,
    /// Per layer, layer 0 first.
    pub layers: Vec<LayerHealth>,
    /// Nodes per level (`level_histogram[l]` = nodes whose level is exactly l).
    pub level_histogram: Vec<usize>,
    /// Total nodes unreachable on some layer they belong to.
    pub unreachable_total: usize,
    /// Total (node, layer) pairs with in-degree 0, entry point excluded.
    pub zero_in_degree_total: usize,
    /// Queries run by the I6 exactness check (0 if skipped).
    pub exact_queries_run: usize,
    /// Queries run by I6's layer-0 form (any size; 0 if skipped).
    pub exact_layer0_queries_run: usize,
    /// Directed edges `a -> b` with no `b -> a`, summed over layers.
    pub one_way_total: usize,
    /// Checks that did not run, each with the reason (e.g. I6 above `exact_max_nodes`).
    pub skipped: Vec<String>,
}
