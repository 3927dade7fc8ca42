//! **batched-deterministic-parallel**: per batch, the forward links of every
//! new node are planned in parallel against a frozen snapshot of the graph
//! (Alg. 1 lines 1-10 via `insert::plan`), then committed — own lists,
//! reverse edges, shrinking (lines 11-19) — with exactly the result of
//! committing them in id order, the deterministic parallel build known from
//! faiss and ParlayANN.
//!
//! Invariants:
//! - The graph is a function of (data, params, batch schedule) only, never of
//!   the thread count: plans read only the frozen graph, and the commit equals
//!   committing the plans one by one in id order. Reverse edges for one
//!   destination are applied in id order, exactly as grouping them by
//!   destination and merging would — which is what the parallel commit does
//!   (`commit_parallel`, under the Standard policy without extended
//!   candidates); the Symmetric policy, extended candidates and hooks that
//!   replace the back-link (the racy-parallel mutant) commit serially.
//! - Batches grow by prefix doubling (1, 1, 2, 4, ... up to `max_batch`), so a
//!   batch is never larger than the graph it is planned against; a batch also
//!   ends before a row that repeats one of its earlier rows exactly (copies
//!   must see each other, see `before_repeat`).
//! - A node whose level exceeds the current maximum is inserted sequentially
//!   before its batch is planned, so upper layers stay connected.
//! - New nodes in one batch do not see each other while planning: that is the
//!   recall cost this strategy trades for parallelism. So no plan selects a
//!   new node of its batch as a neighbour.
//!
//! Profile: planning (descent, search, selection) is timed per plan on the
//! worker threads, so with several threads those phases are CPU time summed
//! over threads. Each batch's commit section (the commits, `verify_inserts`,
//! and, when an observer takes the traces, their bookkeeping) is
//! [`Phase::Link`]: its serial parts timed on the calling thread, the
//! parallel folding of back-links per worker and summed (CPU time too).

use std::collections::HashMap;
use std::ops::Range;

use super::batched::allocate_batch;
use super::sequential::reserve;
use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::error::Result;
use crate::hooks::{Hooks, Reference};
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::insert::{
    commit, ensure_findable, link_back_is_local, link_back_list, mark_evicted, plan, refresh_kept, BackLink, Edge,
    LayerTrace, Plan,
};
use crate::lists::{promotes, ListStore, Local, Parts};
use crate::params::Params;
use crate::profile::{Lap, Phase, Profile};
use crate::search::Scratch;
use crate::sync::map_chunks;
use crate::InsertTrace;

/// Back-links of one batch per (destination, layer): (trace, layer, back-link) indices.
type Earlier = HashMap<(NodeId, Layer), Vec<(usize, usize, usize)>>;

/// Deterministic parallel build.
#[derive(Clone, Copy, Debug)]
pub struct DeterministicParallel {
    /// Largest batch.
    pub max_batch: usize,
}

impl Default for DeterministicParallel {
    fn default() -> Self {
        DeterministicParallel { max_batch: 1024 }
    }
}

/// Batch boundaries `[(start, end)]` by prefix doubling up to `max_batch`.
pub fn schedule(n: usize, max_batch: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let size = start.clamp(1, max_batch.max(1));
        let end = (start + size).min(n);
        out.push((start, end));
        start = end;
    }
    out
}

/// How [`plan_and_commit`] commits a batch's plans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CommitMode {
    /// In parallel ([`commit_parallel`]) where that is exact, serially
    /// otherwise: the strategy.
    Auto,
    /// Always serially, [`commit`] on each plan in id order: the
    /// reference the parallel commit reproduces.
    #[cfg_attr(not(test), expect(dead_code, reason = "only the tests compare the two commits"))]
    Serial,
}

/// Plan `ids` (ascending, unlinked) in parallel against the frozen `h`, then
/// commit them, with the result of committing them one by one in id order;
/// their traces are appended to the batch's earlier `traces`, as each commit
/// left them (before the batch's bookkeeping, [`note_back_links`]).
pub(crate) fn plan_and_commit<H>(
    h: &mut Hnsw,
    ids: &[NodeId],
    scratches: &mut [Scratch],
    mode: CommitMode,
    mut traces: Vec<InsertTrace>,
    hooks: &H,
) -> Vec<InsertTrace>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let top = h.graph.entry().map(|e| (e, h.graph.max_level()));
    let plans = {
        let parts = Parts::new(&h.graph, &h.vectors, h.params.metric());
        let params = &h.params;
        map_chunks(ids, scratches, |&q, s| {
            let d0 = s.distances;
            let p = plan(&parts, top, params, s, q, parts.graph().level(q));
            (p, s.distances - d0)
        })
    };
    let mut lap = Lap::start(h.scratch.distances);
    let d_commits = h.scratch.distances;
    let plans: Vec<Plan> = plans
        .into_iter()
        .map(|(p, d)| {
            h.stats.distances += d;
            h.stats.profile.merge(&p.profile);
            p
        })
        .collect();
    let parallel = H::PARALLEL_COMMIT && link_back_is_local(&h.params) && !h.params.verify_inserts;
    if mode == CommitMode::Auto && parallel {
        traces.extend(commit_parallel(h, &plans, ids, scratches, &mut lap));
    } else {
        traces.extend(commit_serial(h, &plans, hooks));
    }
    h.stats.distances += h.scratch.distances - d_commits;
    lap.charge(&mut h.stats.profile, Phase::Link, h.scratch.distances);
    traces
}

/// Commit `plans` one by one in id order ([`commit`], Alg. 1 lines 11-19),
/// each promoting itself if it is above the max level at its commit.
fn commit_serial<H>(h: &mut Hnsw, plans: &[Plan], hooks: &H) -> Vec<InsertTrace>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let mut cx = h.cx(hooks);
    hooks.batch_planned(&cx.store, plans);
    plans
        .iter()
        .map(|p| {
            let promote = promotes(cx.store.top(), p.level);
            commit(&mut cx, p, promote)
        })
        .collect()
}

/// One back-link of a batch: `e -> q` on `layer`, the `seq`-th in the order
/// the serial commit applies them (plan, then layer top first, then
/// selection order). `key` packs (e, layer), so sorting by (key, seq) groups
/// the back-links by destination in plan order.
#[derive(Clone, Copy, Debug)]
struct Job {
    key: u64,
    seq: u32,
    q: NodeId,
}

impl Job {
    fn new(e: NodeId, layer: Layer, seq: usize, q: NodeId) -> Job {
        let seq = u32::try_from(seq).expect("fewer than 2^32 back-links in a batch");
        Job { key: u64::from(e.0) << 8 | u64::from(layer.0), seq, q }
    }
    fn e(self) -> NodeId {
        NodeId((self.key >> 8) as u32)
    }
    fn layer(self) -> Layer {
        Layer(self.key as u8)
    }
}

/// What one worker's folds give, for its groups in order: the final lists,
/// back to back in `lists` (group `i` ends at `ends[i]`), and per back-link
/// `len_before` and whether `q` was kept right after.
struct Folded {
    lists: Vec<NodeId>,
    ends: Vec<usize>,
    outcomes: Vec<(usize, bool)>,
    reselections: u64,
    profile: Profile,
}

/// Alg. 1 lines 11-16 (the links both ways and the shrinking of overflowing
/// lists; with lines 18-19, the promotion, which a node planned against the
/// frozen graph never needs) for a whole batch, with the back-links folded in
/// parallel: leaves the graph, and returns the traces, exactly as
/// [`commit`] on each plan in id order (what [`commit_serial`] does).
///
/// Exact when [`link_back_is_local`] (Standard policy, no extended candidates
/// in re-selection) and `verify_inserts` is off (the batch runs it after the
/// commit), because then:
/// - no plan selects a node of `rest`: those were unreachable in the frozen
///   graph the plans searched. So every destination `(e, lc)` of a back-link
///   is an old node, and no new node's own list is a destination;
/// - `N(e)` on `lc` changes only by the back-links addressed to it, and its
///   re-selection (lines 13-16, [`crate::insert::reselect`]) reads only that
///   list and the vectors.
///
/// Invariant: after the serial commit of the plans up to `i`, `N(e)` on `lc`
/// is its list before the batch folded with [`link_back_list`] over the
/// back-links to `(e, lc)` of those plans, in plan order. So the lists are
/// folded independently, each on one worker thread:
/// 1. set every new node's own lists (line 11, forward half) and promotion, in id order;
/// 2. group the back-links by (destination, layer), keeping plan order;
/// 3. fold each group on the workers (`map_chunks`, their own scratches),
///    recording `len_before` and kept-right-after per back-link, counting
///    re-selections and distances;
/// 4. write the final lists and assemble the traces (layers top first,
///    back-links in selection order, as `commit` produces them).
///
/// Profile: steps 1, 2 and 4 are charged to [`Phase::Link`] through `lap` on
/// the calling thread; step 3 is timed per worker and added up (CPU time),
/// like planning.
fn commit_parallel(
    h: &mut Hnsw,
    plans: &[Plan],
    rest: &[NodeId],
    scratches: &mut [Scratch],
    lap: &mut Lap,
) -> Vec<InsertTrace> {
    debug_assert!(rest.is_sorted(), "rest is in id order");
    let mut promoted = Vec::with_capacity(plans.len());
    let mut jobs = Vec::new();
    for p in plans {
        let promote = promotes(h.graph.entry().map(|e| (e, h.graph.max_level())), p.level);
        for (lc, selected) in &p.layers {
            h.graph.set_neighbours(p.q, *lc, &crate::insert::ids(selected));
            for e in selected {
                assert!(rest.binary_search(&e.id).is_err(), "{} selected {}, new in the same batch", p.q, e.id);
                jobs.push(Job::new(e.id, *lc, jobs.len(), p.q));
            }
        }
        if promote {
            h.graph.set_entry(p.q, p.level);
        }
        promoted.push(promote);
    }
    jobs.sort_unstable_by_key(|j| (j.key, j.seq));
    let mut groups: Vec<Range<usize>> = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if jobs[g.start].key == j.key => g.end = i + 1,
            _ => groups.push(i..i + 1),
        }
    }
    // Round-robin over groups in id order: old nodes (low ids) have fuller
    // lists and re-select more, so contiguous runs would load one worker more.
    let workers = scratches.len().clamp(1, groups.len().max(1));
    let shares: Vec<Vec<Range<usize>>> =
        (0..workers).map(|w| groups.iter().skip(w).step_by(workers).cloned().collect()).collect();
    lap.charge(&mut h.stats.profile, Phase::Link, h.scratch.distances);
    let folded = {
        let parts = Parts::new(&h.graph, &h.vectors, h.params.metric());
        let params = &h.params;
        let jobs = &jobs;
        map_chunks(&shares, scratches, |share, s| fold(&parts, params, s, jobs, share))
    };
    *lap = Lap::start(h.scratch.distances);
    let mut outcomes = vec![(0, false); jobs.len()];
    for (share, f) in shares.iter().zip(folded) {
        h.stats.profile.merge(&f.profile);
        h.stats.distances += f.profile.link_distances;
        h.stats.reselections += f.reselections;
        let mut from = 0;
        for (g, &to) in share.iter().zip(&f.ends) {
            let j = jobs[g.start];
            h.graph.set_neighbours(j.e(), j.layer(), &f.lists[from..to]);
            from = to;
        }
        for (j, &o) in share.iter().flat_map(|g| &jobs[g.clone()]).zip(&f.outcomes) {
            outcomes[j.seq as usize] = o;
        }
    }
    let mut outcomes = outcomes.into_iter();
    plans
        .iter()
        .zip(promoted)
        .map(|(p, promoted)| {
            let layers = p
                .layers
                .iter()
                .map(|(lc, selected)| {
                    let back_links = selected
                        .iter()
                        .zip(outcomes.by_ref())
                        .map(|(e, (len_before, kept))| BackLink { neighbour: e.id, len_before, kept })
                        .collect();
                    LayerTrace { layer: *lc, selected: crate::insert::ids(selected), back_links }
                })
                .collect();
            InsertTrace { node: p.q, level: p.level, layers, promoted }
        })
        .collect()
}

/// Step 3 of [`commit_parallel`] on one worker: fold each group's
/// back-links, in plan order, into a copy of its destination's list with
/// [`link_back_list`]. Reads the graph only for those lists' initial state.
fn fold(parts: &Parts<'_>, params: &Params, s: &mut Scratch, jobs: &[Job], groups: &[Range<usize>]) -> Folded {
    let mut lap = Lap::start(s.distances);
    let mut out = Folded {
        lists: Vec::new(),
        ends: Vec::with_capacity(groups.len()),
        outcomes: Vec::with_capacity(groups.iter().map(Range::len).sum()),
        reselections: 0,
        profile: Profile::default(),
    };
    let mut list = Vec::new();
    for g in groups {
        let (e, layer) = (jobs[g.start].e(), jobs[g.start].layer());
        let cap = parts.graph().capacity(layer);
        list.clear();
        list.extend_from_slice(parts.graph().neighbours(e, layer));
        for j in &jobs[g.clone()] {
            let len_before = list.len();
            let edge = Edge { from: e, to: j.q, layer };
            let reselected = link_back_list(parts, params, s, &mut list, cap, edge, false).is_some();
            out.reselections += u64::from(reselected);
            out.outcomes.push((len_before, list.contains(&j.q)));
        }
        out.lists.extend_from_slice(&list);
        out.ends.push(out.lists.len());
    }
    lap.charge(&mut out.profile, Phase::Link, s.distances);
    out
}

/// Record the back-links of `traces[ti]`; where one of them re-selected a full
/// list, the back-links that list took earlier in this batch may have been
/// dropped legally, so their `len_before` becomes the capacity.
fn note_back_links(h: &Hnsw, traces: &mut [InsertTrace], earlier: &mut Earlier, ti: usize) {
    for li in 0..traces[ti].layers.len() {
        let layer = traces[ti].layers[li].layer;
        let cap = h.graph.capacity(layer);
        for bi in 0..traces[ti].layers[li].back_links.len() {
            let b = &traces[ti].layers[li].back_links[bi];
            let key = (b.neighbour, layer);
            if b.len_before >= cap {
                for &(t, l, k) in earlier.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                    traces[t].layers[l].back_links[k].len_before = cap;
                }
            }
            earlier.entry(key).or_default().push((ti, li, bi));
        }
    }
}

/// Link the allocated nodes `start..end` of one batch, `verify_inserts` off:
/// those above the current maximum level one by one (so upper layers stay
/// connected), then the rest by [`plan_and_commit`]. Returns their traces:
/// those linked one by one first, then the rest, each in id order.
fn link_batch<H>(
    h: &mut Hnsw,
    range: Range<usize>,
    scratches: &mut [Scratch],
    mode: CommitMode,
    hooks: &H,
) -> Vec<InsertTrace>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let verify = std::mem::replace(&mut h.params.verify_inserts, false);
    let mut traces = Vec::new();
    let mut rest = Vec::new();
    for i in range {
        let q = NodeId(i as u32);
        if promotes(h.graph.entry().map(|e| (e, h.graph.max_level())), h.graph.level(q)) {
            traces.push(h.connect(q));
        } else {
            rest.push(q);
        }
    }
    let traces = plan_and_commit(h, &rest, scratches, mode, traces, hooks);
    h.params.verify_inserts = verify;
    traces
}

/// How [`build_batches`] cuts the rows into batches.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Batching {
    /// Largest batch (prefix doubling up to it).
    pub max_batch: usize,
    /// End a batch before a row that repeats one of its rows ([`before_repeat`]).
    pub cut_at_repeats: bool,
}

/// Build with planning in parallel and commits equal to committing in a fixed
/// order; shared by the strategy and the racy-parallel mutant (its hooks).
pub(crate) fn build_batches<H>(
    input: &BuildInput<'_>,
    batching: Batching,
    mode: CommitMode,
    mut observer: Option<Observer<'_>>,
    hooks: &H,
) -> Result<Hnsw>
where
    H: for<'a> Hooks<Local<'a>>,
{
    let n = input.rows()?;
    let mut h = Hnsw::new(input.dim, input.params.clone())?;
    reserve(&mut h, n)?;
    let mut scratches: Vec<Scratch> = (0..input.threads.max(1)).map(|_| Scratch::new()).collect();
    let mut start = 0;
    while start < n {
        let end = (start + start.clamp(1, batching.max_batch.max(1))).min(n);
        let end = if batching.cut_at_repeats { before_repeat(input, start, end) } else { end };
        allocate_batch(&mut h, input, start, end)?;
        // Within a batch, verify_inserts runs once, at the end (the commit point).
        let mut traces = link_batch(&mut h, start..end, &mut scratches, mode, hooks);
        let mut lap = Lap::start(h.scratch.distances);
        let d_verify = h.scratch.distances;
        // The traces are only for the observer: without one, skip their
        // bookkeeping (it reads a list per back-link, serially).
        let observed = observer.is_some();
        if observed {
            // Back-links of this batch per (destination, layer): (trace, layer, back-link) indices.
            let mut earlier: Earlier = HashMap::new();
            for ti in 0..traces.len() {
                note_back_links(&h, &mut traces, &mut earlier, ti);
            }
        }
        if h.params.verify_inserts {
            // A repair may evict an edge another new node relied on: repeat until a pass repairs nothing.
            let (mut evicted, mut protected) = (Vec::new(), Vec::new());
            let mut cx = h.cx(&Reference);
            for _ in 0..32 {
                let before = cx.stats.findability_repairs;
                for t in &traces {
                    evicted.extend(ensure_findable(&mut cx, t.node, &mut protected));
                }
                if cx.stats.findability_repairs == before {
                    break;
                }
            }
            if observed {
                let store = Local::writable(&mut h.graph, &h.vectors, h.params.metric);
                for t in &mut traces {
                    mark_evicted(&store, t, &evicted);
                }
            }
        }
        if observed {
            // The traces say what holds at the commit point.
            let store = Local::writable(&mut h.graph, &h.vectors, h.params.metric);
            for t in &mut traces {
                refresh_kept(&store, t);
            }
        }
        h.stats.distances += h.scratch.distances - d_verify;
        lap.charge(&mut h.stats.profile, Phase::Link, h.scratch.distances);
        if let Some(o) = observer.as_deref_mut() {
            o(Commit { segment: 0, view: &h, traces: &traces, afterwards: &[] });
        }
        start = end;
    }
    Ok(h)
}

/// The end of the batch `start..end`, moved forward to the first row that
/// repeats an earlier row of the batch bit for bit (at least one row stays).
///
/// Copies in one batch would plan without seeing each other; under the
/// Standard policy's newest-first tie order (hnswlib's) they then all select
/// the same older copies, whose re-selections keep only the batch's last
/// copies and strand the rest. Cutting the batch there makes copies see
/// each other as the sequential build does; the cut depends on the data and
/// the schedule only, so the build stays deterministic.
fn before_repeat(input: &BuildInput<'_>, start: usize, end: usize) -> usize {
    let mut seen = std::collections::HashSet::with_capacity(end - start);
    for i in start..end {
        let bits: Vec<u32> = input.row(i).iter().map(|x| x.to_bits()).collect();
        // The first row always enters the empty set, so a cut keeps at least one row.
        if !seen.insert(bits) {
            return i;
        }
    }
    end
}

impl Strategy for DeterministicParallel {
    fn name(&self) -> &'static str {
        "batched-deterministic-parallel"
    }
    fn description(&self) -> &'static str {
        "per batch: plan forward links in parallel on a frozen graph, commit in id order"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        Ok(Built::single(build_batches(
            input,
            Batching { max_batch: self.max_batch, cut_at_repeats: true },
            CommitMode::Auto,
            observer,
            &Reference,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::Metric;
    use crate::insert::BuildStats;
    use crate::params::{PrunePolicy, Selection};
    use crate::{synthetic, Snapshot};

    /// `before_repeat` ends a batch at the first row that repeats an earlier
    /// row of the same batch bit for bit, and nowhere else: rows before
    /// `start` do not count, and `-0.0` is not `0.0`.
    #[test]
    fn a_batch_ends_at_its_first_exact_repeat_only() {
        let rows: [[f32; 2]; 8] =
            [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0], [-0.0, 1.0], [5.0, 6.0], [3.0, 4.0], [1.0, 2.0], [7.0, 8.0]];
        let data = rows.concat();
        let params = Params::builder().m(2).build().unwrap();
        let input = BuildInput { dim: 2, params: &params, data: &data, threads: 1 };
        assert_eq!(before_repeat(&input, 0, 5), 5, "no repeat among the first five rows");
        assert_eq!(before_repeat(&input, 0, 8), 5, "row 5 repeats row 1");
        assert_eq!(before_repeat(&input, 2, 8), 8, "row 1 is before the batch, row 0 likewise");
        assert_eq!(before_repeat(&input, 1, 8), 5, "row 5 repeats row 1");
        assert_eq!(before_repeat(&input, 6, 7), 7, "a batch of one row keeps it");
        assert_eq!(before_repeat(&input, 4, 4), 4, "an empty batch stays empty");
    }

    /// (name, params, dim, data): tie-rich, low-dimensional shapes and small m
    /// first (duplicate vectors in 2-d, a 3-d integer lattice), where full
    /// lists re-select often and one old node takes several back-links per batch.
    fn configs(verify: bool) -> Vec<(String, Params, usize, Vec<f32>)> {
        let selections = [
            Selection::HEURISTIC,
            Selection::Simple,
            Selection::Heuristic { extend_candidates: false, keep_pruned: true },
        ];
        let mut out = Vec::new();
        for (i, &seed) in [3u64, 17, 1234].iter().enumerate() {
            let shapes = [
                ("duplicates 2-d", 2, synthetic::duplicates(60, 6, 2, seed)),
                ("lattice 3-d", 3, synthetic::lattice(700, 3, 2, seed)),
                ("clustered 8-d", 8, synthetic::clustered(1200, 8, 12, 0.3, seed, 0)),
            ];
            for (k, (shape, dim, data)) in shapes.into_iter().enumerate() {
                let m = [2, 3, 6][(i + k) % 3];
                let selection = selections[(i + 2 * k) % 3];
                // The lattice holds the zero vector: never under cosine.
                let metric = if k == 1 { Metric::L2 } else { [Metric::L2, Metric::Cosine, Metric::InnerProduct][i] };
                let params = Params::builder()
                    .m(m)
                    .ef_construction(20)
                    .seed(seed)
                    .selection(selection)
                    .metric(metric)
                    .verify_inserts(verify)
                    .build()
                    .unwrap();
                let name = format!("{shape} seed {seed} m {m} {} {}", selection.name(), metric.name());
                out.push((name, params, dim, data));
            }
        }
        out
    }

    /// The counters of a build, without its times.
    fn counters(s: &BuildStats) -> (BuildStats, [u64; 4]) {
        let mut c = s.clone();
        c.repair_nanos = 0;
        c.profile = Profile::default();
        (c, [Phase::Descent, Phase::Search, Phase::Select, Phase::Link].map(|p| s.profile.distances(p)))
    }

    /// Back-links of `traces` to a list that was full, on a destination that
    /// also took another back-link of the same batch: where the order of a
    /// destination's back-links matters.
    fn contended(traces: &[InsertTrace], cap: impl Fn(Layer) -> usize) -> usize {
        let mut per: HashMap<(NodeId, Layer), (usize, bool)> = HashMap::new();
        for lt in traces.iter().flat_map(|t| &t.layers) {
            for b in &lt.back_links {
                let e = per.entry((b.neighbour, lt.layer)).or_default();
                e.0 += 1;
                e.1 |= b.len_before >= cap(lt.layer);
            }
        }
        per.values().filter(|&&(n, full)| n >= 2 && full).count()
    }

    #[test]
    fn parallel_commit_equals_serial_commit_batch_by_batch() {
        for (name, params, dim, data) in configs(false) {
            assert!(link_back_is_local(&params), "{name}: the parallel commit would not run");
            for max_batch in [16, 1024] {
                for threads in [1, 2, 3] {
                    let what = format!("{name} max_batch {max_batch} threads {threads}");
                    let input = BuildInput { dim, params: &params, data: &data, threads };
                    let n = input.rows().unwrap();
                    let (mut serial, mut parallel) =
                        (Hnsw::new(dim, params.clone()).unwrap(), Hnsw::new(dim, params.clone()).unwrap());
                    let mut one = vec![Scratch::new()];
                    let mut many: Vec<Scratch> = (0..threads).map(|_| Scratch::new()).collect();
                    let mut hot = 0;
                    for (start, end) in schedule(n, max_batch) {
                        allocate_batch(&mut serial, &input, start, end).unwrap();
                        allocate_batch(&mut parallel, &input, start, end).unwrap();
                        let a = link_batch(&mut serial, start..end, &mut one, CommitMode::Serial, &Reference);
                        let b = link_batch(&mut parallel, start..end, &mut many, CommitMode::Auto, &Reference);
                        assert_eq!(a, b, "{what}: traces of batch {start}..{end} differ");
                        // Not `Graph ==`: that also compares the dead slots past each list's count.
                        let (x, y) = (Snapshot::of(&serial).to_bytes(), Snapshot::of(&parallel).to_bytes());
                        assert!(x == y, "{what}: graphs differ after batch {start}..{end}");
                        hot += contended(&a, |l| serial.graph.capacity(l));
                    }
                    let (a, b) = (serial.stats(), parallel.stats());
                    assert_eq!(counters(a), counters(b), "{what}: build counters differ");
                    assert_eq!(b.profile.total_distances(), b.distances, "{what}: profile distances {:?}", b.profile);
                    assert!(b.profile.link_nanos > 0, "{what}: no link time charged");
                    // Else the comparison could not see a wrong order of back-links.
                    assert!(a.reselections > 0 && hot > 0, "{what}: {} reselections, {hot} contended", a.reselections);
                }
            }
        }
    }

    #[test]
    fn parallel_commit_builds_the_serial_graph_and_traces() {
        for verify in [false, true] {
            for (name, params, dim, data) in configs(verify) {
                let build = |mode: CommitMode, threads: usize| {
                    let input = BuildInput { dim, params: &params, data: &data, threads };
                    let mut traces = Vec::new();
                    let mut observe = |c: Commit<'_>| traces.extend_from_slice(c.traces);
                    let h = build_batches(
                        &input,
                        Batching { max_batch: 1024, cut_at_repeats: true },
                        mode,
                        Some(&mut observe),
                        &Reference,
                    )
                    .unwrap();
                    (Snapshot::of(&h).to_bytes(), traces, counters(h.stats()))
                };
                let serial = build(CommitMode::Serial, 1);
                for threads in [1, 2, 3] {
                    let what = format!("{name} verify {verify} threads {threads}");
                    let parallel = build(CommitMode::Auto, threads);
                    assert!(serial.0 == parallel.0, "{what}: snapshots differ");
                    assert_eq!(serial.1, parallel.1, "{what}: traces differ");
                    assert_eq!(serial.2, parallel.2, "{what}: build counters differ");
                }
            }
        }
    }

    #[test]
    fn back_links_are_local_only_under_standard_without_extended_candidates() {
        let with = |prune, selection| Params::builder().prune(prune).selection(selection).build().unwrap();
        let extend = Selection::Heuristic { extend_candidates: true, keep_pruned: false };
        assert!(link_back_is_local(&with(PrunePolicy::Standard, Selection::HEURISTIC)));
        assert!(link_back_is_local(&with(PrunePolicy::Standard, Selection::Simple)));
        assert!(!link_back_is_local(&with(PrunePolicy::Standard, extend)));
        assert!(!link_back_is_local(&with(PrunePolicy::Symmetric, Selection::HEURISTIC)));
        assert!(!link_back_is_local(&with(PrunePolicy::Symmetric, Selection::Simple)));
    }
}
