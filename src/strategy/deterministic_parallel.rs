//! **batched-deterministic-parallel**: per batch, the forward links of every
//! new node are planned in parallel against a frozen snapshot of the graph
//! (Alg. 1 lines 1-10 via `insert::plan`), then committed — own lists,
//! reverse edges, shrinking — in id order, the deterministic parallel build
//! known from faiss and ParlayANN.
//!
//! Invariants:
//! - The graph is a function of (data, params, batch schedule) only, never of
//!   the thread count: plans read only the frozen graph, and commits run in a
//!   fixed order. Reverse edges for one destination are applied in id order,
//!   exactly as grouping them by destination and merging would.
//! - Batches grow by prefix doubling (1, 1, 2, 4, ... up to `max_batch`), so a
//!   batch is never larger than the graph it is planned against.
//! - A node whose level exceeds the current maximum is inserted sequentially
//!   before its batch is planned, so upper layers stay connected.
//! - New nodes in one batch do not see each other while planning: that is the
//!   recall cost this strategy trades for parallelism.
//!
//! Profile: planning (descent, search, selection) is timed per plan on the
//! worker threads, so with several threads those phases are CPU time summed
//! over threads; each batch's commit section (commits in id order, the
//! back-link bookkeeping, `verify_inserts`) is one [`Phase::Link`] interval
//! on the calling thread.

use std::collections::HashMap;

use super::batched::allocate_batch;
use super::sequential::reserve;
use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::error::Result;
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::insert::{commit_untimed, ensure_findable, mark_evicted, plan, refresh_kept, Mutation, Parts};
use crate::profile::{Lap, Phase};
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

/// Plan `ids` in parallel against the frozen `h`, then commit them in id
/// order after the batch's earlier `traces`. With `stale_overwrite`, each
/// back-link instead writes `frozen N(e) + q` over whatever is there — the
/// lost-update bug of the racy-parallel mutant; the reference passes `false`.
pub(crate) fn plan_and_commit(
    h: &mut Hnsw,
    ids: &[NodeId],
    scratches: &mut [Scratch],
    stale_overwrite: bool,
    mut traces: Vec<InsertTrace>,
) -> Vec<InsertTrace> {
    let top = h.graph.entry().map(|e| (e, h.graph.max_level()));
    let plans = {
        let parts = Parts { graph: &h.graph, vectors: &h.vectors, metric: h.params.metric() };
        let params = &h.params;
        map_chunks(ids, scratches, |&q, s| {
            let d0 = s.distances;
            let p = plan(&parts, top, params, s, q, parts.vectors.get(q), parts.graph.level(q), Mutation::None);
            (p, s.distances - d0)
        })
    };
    let mut lap = Lap::start(h.scratch.distances);
    let d_commits = h.scratch.distances;
    let frozen: HashMap<(NodeId, Layer), Vec<NodeId>> = if stale_overwrite {
        plans
            .iter()
            .flat_map(|(p, _)| p.layers.iter().flat_map(|(l, sel)| sel.iter().map(move |e| (e.id, *l))))
            .map(|(e, l)| ((e, l), h.graph.neighbours(e, l).to_vec()))
            .collect()
    } else {
        HashMap::new()
    };
    // Back-links of this batch per (destination, layer): (trace, layer, back-link) indices.
    let mut earlier: Earlier = HashMap::new();
    for ti in 0..traces.len() {
        note_back_links(h, &mut traces, &mut earlier, ti);
    }
    for (p, d) in plans {
        h.stats.distances += d;
        h.stats.profile.merge(&p.profile);
        if stale_overwrite {
            for (l, sel) in &p.layers {
                for e in sel {
                    let mut list = frozen[&(e.id, *l)].clone();
                    if list.len() < h.graph.capacity(*l) && !list.contains(&p.q) {
                        list.push(p.q);
                        h.graph.set_neighbours(e.id, *l, &list);
                    }
                }
            }
        }
        let mode = if stale_overwrite { Mutation::OneWayEdges } else { Mutation::None };
        let mut trace = commit_untimed(&mut h.graph, &h.vectors, &h.params, &mut h.scratch, &mut h.stats, &p, mode);
        if stale_overwrite {
            for lt in &mut trace.layers {
                for b in &mut lt.back_links {
                    b.len_before = frozen[&(b.neighbour, lt.layer)].len();
                }
            }
        }
        traces.push(trace);
        let ti = traces.len() - 1;
        note_back_links(h, &mut traces, &mut earlier, ti);
    }
    h.stats.distances += h.scratch.distances - d_commits;
    lap.charge(&mut h.stats.profile, Phase::Link, h.scratch.distances);
    traces
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

/// Build with planning in parallel and commits in a fixed order; shared by
/// the strategy and the racy-parallel mutant.
pub(crate) fn build_batches(
    input: &BuildInput<'_>,
    max_batch: usize,
    stale_overwrite: bool,
    mut observer: Option<Observer<'_>>,
) -> Result<Hnsw> {
    let n = input.rows()?;
    let mut h = Hnsw::new(input.dim, input.params.clone())?;
    reserve(&mut h, n);
    let mut scratches: Vec<Scratch> = (0..input.threads.max(1)).map(|_| Scratch::new()).collect();
    for (start, end) in schedule(n, max_batch) {
        allocate_batch(&mut h, input, start, end)?;
        // Within a batch, verify_inserts runs once, at the end (the commit point).
        let verify = std::mem::replace(&mut h.params.verify_inserts, false);
        let mut traces = Vec::new();
        let mut rest = Vec::new();
        for i in start..end {
            let q = NodeId(i as u32);
            if h.graph.entry().is_none() || h.graph.level(q) > h.graph.max_level() {
                traces.push(h.connect(q));
            } else {
                rest.push(q);
            }
        }
        let mut traces = plan_and_commit(&mut h, &rest, &mut scratches, stale_overwrite, traces);
        h.params.verify_inserts = verify;
        let mut lap = Lap::start(h.scratch.distances);
        let d_verify = h.scratch.distances;
        if verify {
            // A repair may evict an edge another new node relied on: repeat until a pass repairs nothing.
            let (mut evicted, mut protected) = (Vec::new(), Vec::new());
            for _ in 0..32 {
                let before = h.stats.findability_repairs;
                for t in &traces {
                    evicted.extend(ensure_findable(
                        &mut h.graph,
                        &h.vectors,
                        &h.params,
                        &mut h.scratch,
                        &mut h.stats,
                        t.node,
                        &mut protected,
                    ));
                }
                if h.stats.findability_repairs == before {
                    break;
                }
            }
            for t in &mut traces {
                mark_evicted(&h.graph, t, &evicted);
            }
        }
        // The traces say what holds at the commit point.
        for t in &mut traces {
            refresh_kept(&h.graph, t);
        }
        h.stats.distances += h.scratch.distances - d_verify;
        lap.charge(&mut h.stats.profile, Phase::Link, h.scratch.distances);
        if let Some(o) = observer.as_deref_mut() {
            o(Commit { segment: 0, view: &h, traces: &traces });
        }
    }
    Ok(h)
}

impl Strategy for DeterministicParallel {
    fn name(&self) -> &'static str {
        "batched-deterministic-parallel"
    }
    fn description(&self) -> &'static str {
        "per batch: plan forward links in parallel on a frozen graph, commit in id order"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        Ok(Built::single(build_batches(input, self.max_batch, false, observer)?))
    }
}
