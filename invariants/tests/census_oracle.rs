//! The health census (I5, I3's count) and the live census judged by a naive
//! census written from their documented definitions alone: reachability by
//! breadth-first search, strongly connected components by mutual
//! reachability (a transitive closure), in-degrees by counting. It shares
//! no code with `census.rs` / `live.rs` (the flat `LayerGraph`, the
//! iterative Tarjan walk), so a wrong count there cannot judge itself.
//!
//! The graphs are small, random and well formed (so `check_all` under
//! `Expectations::structural()` passes and returns its census), with
//! tombstones, free slots, empty lists, nodes nobody links to, and entry
//! points that are tombstones: every field takes more than one value over
//! the seeds (asserted at the end, so a field pinned to a constant by a
//! wrong formula cannot pass on a degenerate sample).

use std::collections::{HashMap, HashSet, VecDeque};

use hnswlab::synthetic::Rng;
use hnswlab::{Layer, Metric, NodeId, Slot, Snapshot};
use hnswlab_invariants::{
    check_all, check_live_search, live_census, Expectations, Health, LayerHealth, LiveCensus, LiveLayer,
};

const SEEDS: u64 = 400;

/// A random well-formed graph of up to 12 ids and 3 levels.
fn random_graph(seed: u64) -> Snapshot {
    let mut rng = Rng::new(seed);
    let n = rng.below(13) as usize;
    let mut levels: Vec<Layer> = (0..n)
        .map(|_| {
            let r = rng.below(8);
            Layer(if r < 5 {
                0
            } else if r < 7 {
                1
            } else {
                2
            })
        })
        .collect();
    let slots: Vec<Slot> = (0..n)
        .map(|_| match rng.below(10) {
            0 | 1 => Slot::Deleted,
            2 => Slot::Free,
            _ => Slot::Live,
        })
        .collect();
    let present: Vec<usize> = (0..n).filter(|&i| slots[i] != Slot::Free).collect();
    let top = present.iter().map(|&i| levels[i]).max();
    // Sometimes a free slot is the highest id of all: the census still ends
    // at the top over present ids.
    if let (Some(&i), Some(t)) = (slots.iter().position(|&s| s == Slot::Free).as_ref(), top) {
        if rng.below(3) == 0 && t.0 < 2 {
            levels[i] = Layer(t.0 + 1);
        }
    }
    let (m, m0) = (3usize, 6usize);
    let mut lists: Vec<Vec<Vec<NodeId>>> = levels.iter().map(|l| vec![Vec::new(); l.index() + 1]).collect();
    for &a in &present {
        for (l, list) in lists[a].iter_mut().enumerate() {
            let cap = if l == 0 { m0 } else { m };
            let mut on_layer: Vec<usize> =
                present.iter().copied().filter(|&b| b != a && levels[b].index() >= l).collect();
            // A partial shuffle, then the first few: no duplicates.
            for k in 0..on_layer.len() {
                let j = k + rng.below((on_layer.len() - k) as u64) as usize;
                on_layer.swap(k, j);
            }
            let count = rng.below(cap.min(on_layer.len()) as u64 + 1) as usize;
            *list = on_layer[..count].iter().map(|&b| NodeId(b as u32)).collect();
        }
    }
    let entry = top.and_then(|t| {
        let on_top: Vec<usize> = present.iter().copied().filter(|&i| levels[i] == t).collect();
        on_top.get(rng.below(on_top.len() as u64) as usize).map(|&i| NodeId(i as u32))
    });
    let all_live = slots.iter().all(|&s| s == Slot::Live);
    Snapshot {
        dim: 1,
        metric: Metric::L2,
        m,
        m0,
        max_level: top.unwrap_or(Layer(0)),
        entry,
        vectors: (0..n).map(|i| i as f32).collect(),
        labels: (0..n as u64).collect(),
        ids: (0..n)
            .filter(|&i| slots[i] == Slot::Live)
            .map(|i| (i as u64, NodeId(i as u32)))
            .collect::<HashMap<_, _>>(),
        slots: if all_live { Vec::new() } else { slots },
        levels,
        lists,
    }
}

/// The census of `s` from the definitions, one function per quantity.
struct Naive<'a> {
    s: &'a Snapshot,
}

impl Naive<'_> {
    fn n(&self) -> usize {
        self.s.levels.len()
    }

    fn slot(&self, i: usize) -> Slot {
        self.s.slots.get(i).copied().unwrap_or(Slot::Live)
    }

    fn on(&self, i: usize, l: usize) -> bool {
        self.slot(i) != Slot::Free && self.s.levels[i].index() >= l
    }

    fn layer_nodes(&self, l: usize) -> Vec<usize> {
        (0..self.n()).filter(|&i| self.on(i, l)).collect()
    }

    /// The edges of layer `l` that pass I1.
    fn edges(&self, l: usize) -> HashSet<(usize, usize)> {
        let mut e = HashSet::new();
        for a in self.layer_nodes(l) {
            for b in &self.s.lists[a][l] {
                let b = b.index();
                if b < self.n() && b != a && self.on(b, l) {
                    e.insert((a, b));
                }
            }
        }
        e
    }

    fn reachable_from(&self, l: usize, from: usize) -> HashSet<usize> {
        let e = self.edges(l);
        let mut seen = HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(a) = queue.pop_front() {
            for &(x, b) in &e {
                if x == a && seen.insert(b) {
                    queue.push_back(b);
                }
            }
        }
        seen
    }

    fn entry_on(&self, l: usize) -> Option<usize> {
        self.s.entry.map(|e| e.index()).filter(|&e| e < self.n() && self.on(e, l))
    }

    fn unreachable(&self, l: usize) -> Vec<usize> {
        let reached = self.entry_on(l).map(|e| self.reachable_from(l, e)).unwrap_or_default();
        self.layer_nodes(l).into_iter().filter(|i| self.slot(*i) == Slot::Live && !reached.contains(i)).collect()
    }

    fn in_degree(&self, l: usize, i: usize) -> usize {
        self.edges(l).iter().filter(|&&(_, b)| b == i).count()
    }

    fn zero_in_degree(&self, l: usize) -> usize {
        let entry = self.entry_on(l);
        self.layer_nodes(l)
            .into_iter()
            .filter(|&i| self.slot(i) == Slot::Live && Some(i) != entry && self.in_degree(l, i) == 0)
            .count()
    }

    /// Components of mutual reachability: (count, largest).
    fn sccs(&self, l: usize) -> (usize, usize) {
        let nodes = self.layer_nodes(l);
        let reach: HashMap<usize, HashSet<usize>> = nodes.iter().map(|&a| (a, self.reachable_from(l, a))).collect();
        let mut done = HashSet::new();
        let (mut count, mut largest) = (0, 0);
        for &a in &nodes {
            if done.contains(&a) {
                continue;
            }
            let comp: Vec<usize> =
                nodes.iter().copied().filter(|b| reach[&a].contains(b) && reach[b].contains(&a)).collect();
            count += 1;
            largest = largest.max(comp.len());
            done.extend(comp);
        }
        (count, largest)
    }

    fn top(&self) -> Option<usize> {
        (0..self.n()).filter(|&i| self.slot(i) != Slot::Free).map(|i| self.s.levels[i].index()).max()
    }

    fn layer(&self, l: usize) -> LayerHealth {
        let nodes = self.layer_nodes(l);
        let k = nodes.len();
        let e = self.edges(l);
        let one_way = e.iter().filter(|&&(a, b)| !e.contains(&(b, a))).count();
        let degrees: Vec<usize> = nodes.iter().map(|&i| self.in_degree(l, i)).collect();
        let (scc_count, largest_scc) = self.sccs(l);
        LayerHealth {
            layer: l as u8,
            nodes: k,
            edges: e.len(),
            one_way,
            one_way_fraction: if e.is_empty() { 0.0 } else { one_way as f64 / e.len() as f64 },
            unreachable: self.unreachable(l).len(),
            zero_in_degree: self.zero_in_degree(l),
            in_degree_min: degrees.iter().copied().min().unwrap_or(0),
            in_degree_max: degrees.iter().copied().max().unwrap_or(0),
            in_degree_mean: if k == 0 { 0.0 } else { e.len() as f64 / k as f64 },
            empty_lists: if k >= 2 { nodes.iter().filter(|&&i| self.s.lists[i][l].is_empty()).count() } else { 0 },
            scc_count,
            largest_scc,
        }
    }

    fn health(&self) -> Health {
        let layers: Vec<LayerHealth> = self.top().map_or(Vec::new(), |t| (0..=t).map(|l| self.layer(l)).collect());
        let highest = self.s.levels.iter().map(|l| l.index()).max();
        let mut histogram = highest.map_or(Vec::new(), |h| vec![0; h + 1]);
        for l in &self.s.levels {
            histogram[l.index()] += 1;
        }
        let ever: HashSet<usize> = (0..layers.len()).flat_map(|l| self.unreachable(l)).collect();
        Health {
            nodes: self.n(),
            level_histogram: histogram,
            unreachable_total: ever.len(),
            zero_in_degree_total: layers.iter().map(|h| h.zero_in_degree).sum(),
            one_way_total: layers.iter().map(|h| h.one_way).sum(),
            layers,
            ..Health::default()
        }
    }

    fn live_layer(&self, l: usize) -> LiveLayer {
        let nodes = self.layer_nodes(l);
        let live = |i: usize| self.slot(i) == Slot::Live;
        let e: HashSet<(usize, usize)> = self.edges(l).into_iter().filter(|&(a, b)| live(a) && live(b)).collect();
        let one_way = e.iter().filter(|&&(a, b)| !e.contains(&(b, a))).count();
        let into_dead = nodes
            .iter()
            .filter(|&&a| live(a))
            .flat_map(|&a| self.s.lists[a][l].iter().map(move |b| (a, b.index())))
            .filter(|&(a, b)| b < self.n() && b != a && !live(b))
            .count();
        LiveLayer {
            layer: l as u8,
            live: nodes.iter().filter(|&&i| live(i)).count(),
            deleted: nodes.iter().filter(|&&i| self.slot(i) == Slot::Deleted).count(),
            unreachable: self.unreachable(l).len(),
            zero_in_degree: self.zero_in_degree(l),
            live_edges: e.len(),
            one_way,
            one_way_fraction: if e.is_empty() { 0.0 } else { one_way as f64 / e.len() as f64 },
            edges_into_dead: into_dead,
        }
    }

    /// The live search check's floor: the fewest live nodes that some
    /// non-free node reaches on layer 0 (itself included), 0 without nodes.
    fn reachable_floor(&self) -> usize {
        let live = |i: &usize| self.slot(*i) == Slot::Live;
        let nodes = self.layer_nodes(0);
        nodes.iter().map(|&a| self.reachable_from(0, a).iter().filter(|i| live(i)).count()).min().unwrap_or(0)
    }

    fn live_census(&self) -> LiveCensus {
        let count = |s: Slot| (0..self.n()).filter(|&i| self.slot(i) == s).count();
        LiveCensus {
            live: count(Slot::Live),
            deleted: count(Slot::Deleted),
            free: count(Slot::Free),
            layers: self.top().map_or(Vec::new(), |t| (0..=t).map(|l| self.live_layer(l)).collect()),
        }
    }
}

/// The values each census field took over the seeds.
#[derive(Default)]
struct Seen(HashMap<&'static str, HashSet<usize>>);

impl Seen {
    fn record(&mut self, fields: &[(&'static str, usize)]) {
        for &(field, value) in fields {
            self.0.entry(field).or_default().insert(value);
        }
    }

    fn assert_varied(&self) {
        for (field, values) in &self.0 {
            assert!(values.len() >= 3, "{field} took only {values:?} over {SEEDS} seeds: the sample is degenerate");
        }
    }
}

#[test]
fn the_census_is_the_naive_census_on_small_random_graphs() {
    let mut seen = Seen::default();
    for seed in 0..SEEDS {
        let s = random_graph(seed);
        let naive = Naive { s: &s }.health();
        let got = match check_all(&s, &Expectations::structural()) {
            Ok(h) => h,
            Err(v) => panic!("seed {seed}: a well-formed graph failed the structural checks: {v}"),
        };
        let got = Health { skipped: Vec::new(), ..got };
        assert_eq!(got, naive, "seed {seed}: census against the naive census of {s:#?}");
        for h in &naive.layers {
            seen.record(&[
                ("edges", h.edges),
                ("one_way", h.one_way),
                ("unreachable", h.unreachable),
                ("zero_in_degree", h.zero_in_degree),
                ("in_degree_min", h.in_degree_min),
                ("in_degree_max", h.in_degree_max),
                ("empty_lists", h.empty_lists),
                ("scc_count", h.scc_count),
                ("largest_scc", h.largest_scc),
            ]);
        }
        seen.record(&[("unreachable_total", naive.unreachable_total), ("layers", naive.layers.len())]);
    }
    seen.assert_varied();
}

#[test]
fn the_live_census_is_the_naive_live_census_on_small_random_graphs() {
    let mut seen = Seen::default();
    for seed in 0..SEEDS {
        let s = random_graph(seed);
        let naive = Naive { s: &s }.live_census();
        assert_eq!(live_census(&s), naive, "seed {seed}: live census against the naive one of {s:#?}");
        for l in &naive.layers {
            seen.record(&[
                ("live", l.live),
                ("deleted", l.deleted),
                ("unreachable", l.unreachable),
                ("zero_in_degree", l.zero_in_degree),
                ("live_edges", l.live_edges),
                ("one_way", l.one_way),
                ("edges_into_dead", l.edges_into_dead),
            ]);
        }
        seen.record(&[("free", naive.free)]);
    }
    seen.assert_varied();
}

/// `check_live_search`'s report: the queries it ran, the live nodes, and the
/// floor under which a result list counts as short.
#[test]
fn the_live_search_report_is_the_naive_one() {
    let mut floors = HashSet::new();
    for seed in 0..SEEDS {
        let s = random_graph(seed);
        let naive = Naive { s: &s };
        let queries = [0.5f32, 1.5, 2.5];
        // k = 0: no result is owed, so the report comes back whatever the graph.
        let r = check_live_search(&s, &queries, 0, |_, _| Ok(Vec::new()))
            .unwrap_or_else(|v| panic!("seed {seed}: nothing was returned, nothing can be wrong: {v}"));
        let live = (0..s.levels.len()).filter(|&i| naive.slot(i) == Slot::Live).count();
        assert_eq!((r.queries, r.live), (3, live), "seed {seed}");
        assert_eq!(r.reachable_floor, Some(naive.reachable_floor()), "seed {seed}: {s:#?}");
        assert!(r.count_checked, "seed {seed}");
        floors.insert(naive.reachable_floor());
    }
    assert!(floors.len() >= 3, "floors {floors:?}: the sample is degenerate");
}
