//! I5 reachability census: in-degrees, reachability from the entry point,
//! empty lists and strongly connected components, per layer.
//!
//! For each layer `l` in `0..=highest level`, over the edges `a -> b` of
//! `N_l(a)` that pass I1 (`b < len`, `b != a`, `level(b) >= l`) among the
//! layer's nodes (`level >= l`):
//! - *unreachable*: nodes not reached by a BFS from the entry point (the BFS
//!   starts only if the entry point is a valid id on the layer; otherwise every
//!   node of the layer counts as unreachable, and I2 reports why);
//! - *zero in-degree*: nodes other than the entry point with no in-edge;
//! - *empty lists*: nodes with an empty list while the layer has >= 2 nodes;
//! - in-degree min / max / mean, and the strongly connected components
//!   (iterative Tarjan: no recursion, so a million-node path is fine).
//!
//! Always reported in [`crate::Health`]; unreachable and zero-in-degree
//! nodes are hard violations only under `Expectations::require_reachable`.
//!
//! Cost: linear in nodes + links per layer; flat `u32`/`bool` arrays sized
//! once for the whole graph and reset only for the layer's nodes.

use hnswlab::{GraphView, Layer, NodeId};

use crate::health::LayerHealth;
use crate::layout::Layout;
use crate::violation::{Collector, Violation};

const UNSEEN: u32 = u32::MAX;

/// Work arrays reused across layers.
#[derive(Debug)]
pub(crate) struct Census {
    in_degree: Vec<u32>,
    reached: Vec<bool>,
    queue: Vec<u32>,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    call: Vec<(u32, u32)>,
    /// Nodes unreachable on at least one of their layers.
    pub ever_unreachable: Vec<bool>,
}

/// Strongly connected components of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Components {
    pub count: usize,
    pub largest: usize,
}

#[inline]
fn valid(layout: &Layout, a: NodeId, b: NodeId, layer: Layer) -> bool {
    b != a && layout.on_layer(b, layer)
}

impl Census {
    pub(crate) fn new(n: usize) -> Self {
        Census {
            in_degree: vec![0; n],
            reached: vec![false; n],
            queue: Vec::new(),
            index: vec![UNSEEN; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            call: Vec::new(),
            ever_unreachable: vec![false; n],
        }
    }

    /// Measure `layer`. `entry` is the entry point if it is a valid id.
    /// Fills every field of the result except `edges`, `one_way` and
    /// `one_way_fraction`.
    pub(crate) fn layer<V: GraphView + ?Sized>(
        &mut self,
        view: &V,
        layout: &Layout,
        layer: Layer,
        entry: Option<NodeId>,
        require_reachable: bool,
        out: &mut Collector,
    ) -> LayerHealth {
        let nodes = layout.nodes(layer);
        let mut h = LayerHealth { layer: layer.0, nodes: nodes.len(), ..LayerHealth::default() };
        for a in nodes.iter() {
            self.in_degree[a.index()] = 0;
            self.reached[a.index()] = false;
        }
        let mut in_edges = 0usize;
        for a in nodes.iter() {
            let list = view.neighbours(a, layer);
            if list.is_empty() && nodes.len() >= 2 {
                h.empty_lists += 1;
            }
            for &b in list {
                if valid(layout, a, b, layer) {
                    self.in_degree[b.index()] += 1;
                    in_edges += 1;
                }
            }
        }
        let start = entry.filter(|&e| layout.on_layer(e, layer));
        self.queue.clear();
        if let Some(e) = start {
            self.reached[e.index()] = true;
            self.queue.push(e.0);
        }
        let mut head = 0;
        while let Some(&a) = self.queue.get(head) {
            head += 1;
            let a = NodeId(a);
            for &b in view.neighbours(a, layer) {
                if valid(layout, a, b, layer) && !self.reached[b.index()] {
                    self.reached[b.index()] = true;
                    self.queue.push(b.0);
                }
            }
        }
        let mut min = usize::MAX;
        let mut max = 0usize;
        for a in nodes.iter() {
            let d = self.in_degree[a.index()] as usize;
            min = min.min(d);
            max = max.max(d);
            if !self.reached[a.index()] {
                h.unreachable += 1;
                self.ever_unreachable[a.index()] = true;
                if require_reachable {
                    out.push(Violation::Unreachable { node: a, layer, entry: start });
                }
            }
            if d == 0 && Some(a) != entry {
                h.zero_in_degree += 1;
                if require_reachable {
                    out.push(Violation::ZeroInDegree { node: a, layer });
                }
            }
        }
        h.in_degree_min = if nodes.is_empty() { 0 } else { min };
        h.in_degree_max = max;
        h.in_degree_mean = if nodes.is_empty() { 0.0 } else { in_edges as f64 / nodes.len() as f64 };
        let c = self.components(view, layout, layer);
        h.scc_count = c.count;
        h.largest_scc = c.largest;
        h
    }

    /// Tarjan's strongly connected components over the valid edges of
    /// `layer`, with an explicit call stack of `(node, next list position)`.
    pub(crate) fn components<V: GraphView + ?Sized>(&mut self, view: &V, layout: &Layout, layer: Layer) -> Components {
        let nodes = layout.nodes(layer);
        for a in nodes.iter() {
            self.index[a.index()] = UNSEEN;
            self.on_stack[a.index()] = false;
        }
        self.stack.clear();
        self.call.clear();
        let mut next = 0u32;
        let mut c = Components::default();
        for root in nodes.iter() {
            if self.index[root.index()] != UNSEEN {
                continue;
            }
            self.open(root, &mut next);
            while let Some(&(v, pos)) = self.call.last() {
                let a = NodeId(v);
                let list = view.neighbours(a, layer);
                let mut i = pos as usize;
                let mut child = None;
                while i < list.len() {
                    let w = list[i];
                    i += 1;
                    if !valid(layout, a, w, layer) {
                        continue;
                    }
                    if self.index[w.index()] == UNSEEN {
                        child = Some(w);
                        break;
                    }
                    if self.on_stack[w.index()] {
                        self.low[a.index()] = self.low[a.index()].min(self.index[w.index()]);
                    }
                }
                if let Some(top) = self.call.last_mut() {
                    top.1 = i as u32;
                }
                if let Some(w) = child {
                    self.open(w, &mut next);
                    continue;
                }
                self.call.pop();
                if self.low[a.index()] == self.index[a.index()] {
                    let mut size = 0;
                    while let Some(x) = self.stack.pop() {
                        self.on_stack[x as usize] = false;
                        size += 1;
                        if x == v {
                            break;
                        }
                    }
                    c.count += 1;
                    c.largest = c.largest.max(size);
                }
                if let Some(&(p, _)) = self.call.last() {
                    let p = p as usize;
                    self.low[p] = self.low[p].min(self.low[a.index()]);
                }
            }
        }
        c
    }

    fn open(&mut self, a: NodeId, next: &mut u32) {
        self.index[a.index()] = *next;
        self.low[a.index()] = *next;
        *next += 1;
        self.stack.push(a.0);
        self.on_stack[a.index()] = true;
        self.call.push((a.0, 0));
    }
}
