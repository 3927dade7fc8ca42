//! I5 reachability census: in-degrees, reachability from the entry point,
//! empty lists and strongly connected components, per layer.
//!
//! For each layer `l` in `0..=highest level`, over the edges `a -> b` of
//! `N_l(a)` that pass I1 (`b < len`, `b != a`, `level(b) >= l`) among the
//! layer's nodes (`level >= l`):
//! - *unreachable*: nodes not reachable from the entry point over out-edges
//!   (the walk starts only if the entry point is a valid id on the layer;
//!   otherwise every node of the layer counts as unreachable, and I2 reports
//!   why);
//! - *zero in-degree*: nodes other than the entry point with no in-edge;
//! - *empty lists*: nodes with an empty list while the layer has >= 2 nodes;
//! - in-degree min / max / mean, and the strongly connected components
//!   (iterative Tarjan: no recursion, so a million-node path is fine).
//!
//! Always reported in [`crate::Health`]; unreachable and zero-in-degree
//! nodes are hard violations only under `Expectations::require_reachable`.
//!
//! With deletes the layer's nodes are its non-free ids (a free slot is on no
//! layer, and an edge into one is not an edge here: I1 reports it); the walk
//! passes through tombstones, as a search does, and *unreachable* and *zero
//! in-degree* count live nodes only: the definitions of the live census
//! ([`crate::live`]), which measures on this same `LayerGraph`. Without
//! deletes every node is live and nothing differs.
//!
//! Cost: each layer is first copied, in one sequential pass over the view,
//! into a flat compressed-sparse-row `LayerGraph` of its valid edges (local
//! ids `0..k` for the layer's `k` nodes). Every later pass (in-degree, Tarjan's
//! walk, the I3 one-way count) reads that flat array, so a random edge
//! costs one cache miss rather than one per level of the view's own storage.
//! Linear in nodes + links per layer.

use hnswlab::{GraphView, Layer, NodeId};

use crate::health::LayerHealth;
use crate::layout::Layout;
use crate::violation::{Collector, Violation};

const UNSEEN: u32 = u32::MAX;

/// The valid edges of one layer in compressed sparse rows, over local ids.
#[derive(Debug)]
pub(crate) struct LayerGraph {
    /// The layer.
    pub layer: Layer,
    /// Local id -> node id (ascending).
    pub nodes: Vec<u32>,
    /// `targets[offsets[i]..offsets[i + 1]]` are the local out-neighbours of `i`.
    offsets: Vec<usize>,
    targets: Vec<u32>,
    /// The entry point's local id, if it is a valid id on this layer.
    pub entry: Option<u32>,
    /// Nodes whose list (as the view reports it) is empty, when the layer has >= 2 nodes.
    pub empty_lists: usize,
    /// `dead[i]`: local node `i` is a tombstone; empty when every node is live.
    dead: Vec<bool>,
}

impl LayerGraph {
    /// Copy the valid edges of `layer`. `local_of` (length `n`) is scratch:
    /// it maps node ids of this layer to local ids.
    pub(crate) fn build<V: GraphView + ?Sized>(
        view: &V,
        layout: &Layout,
        layer: Layer,
        entry: Option<NodeId>,
        local_of: &mut [u32],
    ) -> Self {
        let nodes: Vec<u32> = layout.nodes(layer).iter().map(|a| a.0).collect();
        for (i, &a) in nodes.iter().enumerate() {
            local_of[a as usize] = i as u32;
        }
        let mut offsets = Vec::with_capacity(nodes.len() + 1);
        let mut targets = Vec::new();
        let mut empty_lists = 0;
        offsets.push(0);
        for &a in &nodes {
            let a = NodeId(a);
            let list = view.neighbours(a, layer);
            if list.is_empty() && nodes.len() >= 2 {
                empty_lists += 1;
            }
            for &b in list {
                if b != a && layout.on_layer(b, layer) {
                    targets.push(local_of[b.index()]);
                }
            }
            offsets.push(targets.len());
        }
        let entry = entry.filter(|&e| layout.on_layer(e, layer)).map(|e| local_of[e.index()]);
        let dead =
            if layout.any_dead() { nodes.iter().map(|&a| !layout.is_live(NodeId(a))).collect() } else { Vec::new() };
        LayerGraph { layer, nodes, offsets, targets, entry, empty_lists, dead }
    }

    /// True if local node `i` is live (not a tombstone).
    #[inline]
    pub(crate) fn is_live(&self, i: usize) -> bool {
        !self.dead.get(i).copied().unwrap_or(false)
    }

    /// In-degree of every local node over the layer's valid edges.
    pub(crate) fn in_degrees(&self) -> Vec<u32> {
        let mut in_degree = vec![0u32; self.len()];
        for &j in &self.targets {
            in_degree[j as usize] += 1;
        }
        in_degree
    }

    /// Number of nodes on the layer.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Number of valid edges.
    pub(crate) fn edges(&self) -> usize {
        self.targets.len()
    }

    /// Local out-neighbours of local node `i`.
    #[inline]
    pub(crate) fn out(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The node id of local node `i`.
    #[inline]
    pub(crate) fn global(&self, i: usize) -> NodeId {
        NodeId(self.nodes[i])
    }
}

/// Strongly connected components of one layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Components {
    pub count: usize,
    pub largest: usize,
}

/// Measure one layer: every field of [`LayerHealth`] except `edges`,
/// `one_way` and `one_way_fraction` (the I3 count fills those).
/// `ever_unreachable` (length `n`) collects nodes unreachable on some layer.
pub(crate) fn measure(
    g: &LayerGraph,
    require_reachable: bool,
    ever_unreachable: &mut [bool],
    out: &mut Collector,
) -> LayerHealth {
    let k = g.len();
    let mut h = LayerHealth { layer: g.layer.0, nodes: k, empty_lists: g.empty_lists, ..LayerHealth::default() };
    let in_degree = g.in_degrees();
    // Tarjan's first tree, rooted at the entry point, is its reachable set.
    let (c, reached) = walk(g);
    let entry_global = g.entry.map(|e| g.global(e as usize));
    let mut min = usize::MAX;
    let mut max = 0usize;
    for i in 0..k {
        let d = in_degree[i] as usize;
        min = min.min(d);
        max = max.max(d);
        let node = g.global(i);
        if !g.is_live(i) {
            continue;
        }
        if !reached[i] {
            h.unreachable += 1;
            ever_unreachable[node.index()] = true;
            if require_reachable {
                out.push(Violation::Unreachable { node, layer: g.layer, entry: entry_global });
            }
        }
        if d == 0 && g.entry != Some(i as u32) {
            h.zero_in_degree += 1;
            if require_reachable {
                out.push(Violation::ZeroInDegree { node, layer: g.layer });
            }
        }
    }
    h.in_degree_min = if k == 0 { 0 } else { min };
    h.in_degree_max = max;
    h.in_degree_mean = if k == 0 { 0.0 } else { g.edges() as f64 / k as f64 };
    h.scc_count = c.count;
    h.largest_scc = c.largest;
    h
}

/// Tarjan's strongly connected components of `g`.
#[cfg(test)]
pub(crate) fn components(g: &LayerGraph) -> Components {
    walk(g).0
}

/// Tarjan's strongly connected components of `g`, with an explicit call
/// stack of `(node, next position in its list)` instead of recursion, and
/// the nodes reachable from the entry point: the first depth-first tree is
/// rooted at the entry point, so the nodes it numbers are exactly those
/// reachable from it (`reached[i]`; all false without an entry point).
pub(crate) fn walk(g: &LayerGraph) -> (Components, Vec<bool>) {
    let mut t = Tarjan::new(g.len());
    let mut c = Components::default();
    if let Some(e) = g.entry {
        t.tree(g, e, &mut c);
    }
    let first_tree = t.next;
    for root in 0..g.len() as u32 {
        if t.index[root as usize] == UNSEEN {
            t.tree(g, root, &mut c);
        }
    }
    let reached = t.index.iter().map(|&x| x < first_tree).collect();
    (c, reached)
}

/// Tarjan's state over local ids.
struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    call: Vec<(u32, u32)>,
    next: u32,
}

impl Tarjan {
    fn new(k: usize) -> Self {
        Tarjan {
            index: vec![UNSEEN; k],
            low: vec![0; k],
            on_stack: vec![false; k],
            stack: Vec::new(),
            call: Vec::new(),
            next: 0,
        }
    }

    /// One depth-first tree from `root` (unnumbered), counting the
    /// components it closes into `c`.
    fn tree(&mut self, g: &LayerGraph, root: u32, c: &mut Components) {
        self.open(root);
        while let Some(&(v, pos)) = self.call.last() {
            let list = g.out(v as usize);
            let mut i = pos as usize;
            let mut child = None;
            while i < list.len() {
                let w = list[i] as usize;
                i += 1;
                if self.index[w] == UNSEEN {
                    child = Some(w as u32);
                    break;
                }
                if self.on_stack[w] {
                    self.low[v as usize] = self.low[v as usize].min(self.index[w]);
                }
            }
            if let Some(top) = self.call.last_mut() {
                top.1 = i as u32;
            }
            if let Some(w) = child {
                self.open(w);
                continue;
            }
            self.call.pop();
            if self.low[v as usize] == self.index[v as usize] {
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
                self.low[p as usize] = self.low[p as usize].min(self.low[v as usize]);
            }
        }
    }

    fn open(&mut self, v: u32) {
        self.index[v as usize] = self.next;
        self.low[v as usize] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v as usize] = true;
        self.call.push((v, 0));
    }
}
#[cfg(test)]
mod tests {
    use hnswlab::synthetic::Rng;
    use hnswlab::{Layer, NodeId, PrunePolicy, Snapshot};

    use super::{components, measure, Components, LayerGraph};
    use crate::layout::Layout;
    use crate::testutil::{assert_kinds, assert_pass, fabricate, fixture};
    use crate::violation::{Collector, Violation};
    use crate::{check_all, Expectations};

    /// A fixture whose clean graph has every node reachable on every layer
    /// (so require_reachable passes before the defect is planted).
    fn reachable_fixture() -> (Snapshot, Expectations) {
        for seed in 0..50u64 {
            let (s, mut e) = fixture(PrunePolicy::Standard, seed);
            e.require_reachable = true;
            if check_all(&s, &e).is_ok() {
                println!("reachable fixture: seed {seed}");
                return (s, e);
            }
        }
        panic!("no seed in 0..50 gives a fully reachable fixture");
    }

    /// A level-0 node that is not the entry point.
    fn plain_node(s: &Snapshot) -> NodeId {
        (0..s.levels.len())
            .map(|i| NodeId(i as u32))
            .find(|&a| Some(a) != s.entry && s.levels[a.index()].0 == 0)
            .expect("a level-0 node")
    }

    #[test]
    fn zero_in_degree_node_is_reported() {
        let (mut s, e) = reachable_fixture();
        let x = plain_node(&s);
        for list in s.lists.iter_mut() {
            list[0].retain(|&b| b != x);
        }
        let v = assert_kinds(check_all(&s, &e), &["Unreachable", "ZeroInDegree"]);
        assert!(v.0.contains(&Violation::ZeroInDegree { node: x, layer: Layer(0) }), "{v}");
        assert!(v.0.contains(&Violation::Unreachable { node: x, layer: Layer(0), entry: s.entry }), "{v}");
        // Soft by default: counted in the census, not a failure.
        let soft = Expectations { require_reachable: false, ..e };
        let h = assert_pass(check_all(&s, &soft), "soft reachability");
        assert!(h.layers[0].zero_in_degree >= 1 && h.layers[0].unreachable >= 1, "{:?}", h.layers[0]);
        assert_eq!(h.layers[0].in_degree_min, 0);
        assert!(h.zero_in_degree_total >= 1 && h.unreachable_total >= 1);
    }

    #[test]
    fn unreachable_pair_with_in_edges_is_reported() {
        // x <-> y linked to each other only: both have in-degree 1, neither is reachable.
        let (mut s, e) = reachable_fixture();
        let x = plain_node(&s);
        let y = s.lists[x.index()][0]
            .iter()
            .copied()
            .find(|&b| Some(b) != s.entry && s.levels[b.index()].0 == 0)
            .expect("x has a level-0 neighbour that is not the entry point");
        for (a, lists) in s.lists.iter_mut().enumerate() {
            if a != x.index() && a != y.index() {
                lists[0].retain(|&b| b != x && b != y);
            }
        }
        if !s.lists[y.index()][0].contains(&x) {
            if s.lists[y.index()][0].len() == s.m0 {
                s.lists[y.index()][0].pop();
            }
            s.lists[y.index()][0].push(x);
        }
        let v = assert_kinds(check_all(&s, &e), &["Unreachable"]);
        for node in [x, y] {
            assert!(v.0.contains(&Violation::Unreachable { node, layer: Layer(0), entry: s.entry }), "{v}");
        }
    }

    /// The slow, obviously correct reference: reachability sets by BFS from
    /// every node; SCCs are the classes of mutual reachability.
    fn slow(s: &Snapshot, layer: Layer, entry: Option<NodeId>) -> (Components, usize) {
        let n = s.levels.len();
        let on: Vec<usize> = (0..n).filter(|&i| s.levels[i] >= layer).collect();
        let reach = |from: usize| {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            seen[from] = true;
            while let Some(a) = stack.pop() {
                for &b in s.lists[a].get(layer.index()).map_or(&[][..], |l| l) {
                    let b = b.index();
                    if b < n && b != a && s.levels[b] >= layer && !seen[b] {
                        seen[b] = true;
                        stack.push(b);
                    }
                }
            }
            seen
        };
        let all: Vec<Vec<bool>> = (0..n).map(reach).collect();
        let mut class = vec![usize::MAX; n];
        let mut c = Components::default();
        for &a in &on {
            if class[a] != usize::MAX {
                continue;
            }
            let members: Vec<usize> = on.iter().copied().filter(|&b| all[a][b] && all[b][a]).collect();
            for &b in &members {
                class[b] = a;
            }
            c.count += 1;
            c.largest = c.largest.max(members.len());
        }
        let unreachable = match entry.filter(|e| s.levels[e.index()] >= layer) {
            Some(e) => on.iter().filter(|&&b| !all[e.index()][b]).count(),
            None => on.len(),
        };
        (c, unreachable)
    }

    #[test]
    fn tarjan_and_bfs_match_the_slow_reference_on_random_graphs() {
        let mut rng = Rng::new(2024);
        for case in 0..300 {
            let n = 1 + rng.below(30) as usize;
            let levels: Vec<Layer> = (0..n).map(|_| Layer(rng.below(3) as u8)).collect();
            let mut s = fabricate(&levels);
            s.m0 = 64;
            s.m = 64;
            for (a, level) in levels.iter().enumerate() {
                for l in 0..=level.index() {
                    let deg = rng.below(4) as usize;
                    // Targets may be self, missing ids or below the layer: the census must skip them.
                    s.lists[a][l] = (0..deg).map(|_| NodeId(rng.below(n as u64 + 2) as u32)).collect();
                }
            }
            let layout = Layout::of(&s);
            let mut local_of = vec![0; n];
            let mut ever = vec![false; n];
            let mut out = Collector::new();
            for l in 0..=layout.highest.0 {
                let layer = Layer(l);
                let g = LayerGraph::build(&s, &layout, layer, s.entry, &mut local_of);
                let h = measure(&g, false, &mut ever, &mut out);
                let (want, unreachable) = slow(&s, layer, s.entry);
                assert_eq!(
                    (h.scc_count, h.largest_scc, h.unreachable),
                    (want.count, want.largest, unreachable),
                    "case {case} layer {l}: {:?}",
                    s.lists
                );
            }
        }
    }

    #[test]
    fn long_paths_do_not_recurse() {
        let n = 300_000;
        let mut s = fabricate(&vec![Layer(0); n]);
        for a in 0..n - 1 {
            s.lists[a][0] = vec![NodeId(a as u32 + 1)];
        }
        let layout = Layout::of(&s);
        let mut local_of = vec![0; n];
        let c = components(&LayerGraph::build(&s, &layout, Layer(0), s.entry, &mut local_of));
        assert_eq!(c, Components { count: n, largest: 1 }, "a path is n singleton components");
        s.lists[n - 1][0] = vec![NodeId(0)];
        let c = components(&LayerGraph::build(&s, &layout, Layer(0), s.entry, &mut local_of));
        assert_eq!(c, Components { count: 1, largest: n }, "a cycle is one component");
    }
}
