//! A std-thread burn-in of the concurrent strategy: many seeds, 2-4 real
//! threads, small duplicate-rich inputs, and after each join the full
//! `check_all` plus a lost-update check from the inserts' own traces.
//!
//! The lost-update check: a back-link that met a list below capacity appends
//! (nothing is removed), so when no back-link into `(e, layer)` ever met a
//! full list, the joined list of `e` on `layer` must hold every node that
//! linked back into it. F4 (a back-link written from a stale read, hnswlib's
//! `updatePoint` race) breaks exactly this. loom explores the interleavings
//! exhaustively on a handful of points; this catches the same bug with real
//! threads in `cargo test`, as a lost back-link in a real build would show.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;

use hnswlab::mutants::concurrent::{self as mutant, ConcurrentMutant};
use hnswlab::search::Scratch;
use hnswlab::strategy::concurrent::SharedIndex;
use hnswlab::{synthetic, GraphView, InsertTrace, Layer, NodeId, Params, Snapshot};
use hnswlab_invariants::{check_all, Expectations};

/// One concurrent build: every thread claims rows and inserts them; returns
/// the joined snapshot and every insert's trace.
fn build(
    params: &Params,
    data: &[f32],
    dim: usize,
    threads: usize,
    mutant: ConcurrentMutant,
) -> (Snapshot, Vec<InsertTrace>) {
    let idx = Arc::new(SharedIndex::new(params.clone(), dim, data.to_vec()).expect("whole rows of dim"));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let idx = Arc::clone(&idx);
            thread::spawn(move || {
                let mut s = Scratch::new();
                let mut traces = Vec::new();
                while let Some(q) = idx.claim() {
                    traces.push(mutant::insert(&idx, mutant, q, &mut s));
                }
                traces
            })
        })
        .collect();
    let traces = workers.into_iter().flat_map(|w| w.join().expect("insert thread panicked")).collect();
    (idx.snapshot(), traces)
}

/// Back-links into lists that never overflowed, missing from the joined graph:
/// `(e, layer, q)` for each `q -> e` back-link lost.
fn lost_appends(snap: &Snapshot, traces: &[InsertTrace], params: &Params) -> Vec<(NodeId, Layer, NodeId)> {
    let mut into: HashMap<(NodeId, Layer), (bool, Vec<NodeId>)> = HashMap::new();
    for t in traces {
        for lt in &t.layers {
            for b in &lt.back_links {
                let entry = into.entry((b.neighbour, lt.layer)).or_default();
                entry.0 |= b.len_before >= params.capacity(lt.layer.index());
                entry.1.push(t.node);
            }
        }
    }
    let mut lost = Vec::new();
    for ((e, layer), (overflowed, linked)) in into {
        if overflowed {
            continue;
        }
        let list = snap.neighbours(e, layer);
        lost.extend(linked.into_iter().filter(|q| !list.contains(q)).map(|q| (e, layer, q)));
    }
    lost.sort();
    lost
}

/// The data of one burn-in case: a 2-d lattice (ties and exact duplicates).
fn case(seed: u64) -> (Params, Vec<f32>) {
    let m = 2 + (seed % 3) as usize;
    let params = Params::builder().m(m).ef_construction(8).seed(seed).build().expect("valid params");
    (params, synthetic::lattice(48, 2, 5, seed))
}

/// Build one case and list what is wrong with the joined graph.
fn problems(seed: u64, threads: usize, mutant: ConcurrentMutant) -> Vec<String> {
    let (params, data) = case(seed);
    let (snap, traces) = build(&params, &data, 2, threads, mutant);
    let mut out = Vec::new();
    if let Err(v) =
        check_all(&snap, &Expectations { inserted: Some(data.len() / 2), ..Expectations::for_params(&params) })
    {
        out.push(format!("check_all: {v}"));
    }
    if traces.len() != data.len() / 2 {
        out.push(format!("{} traces for {} rows", traces.len(), data.len() / 2));
    }
    for (e, layer, q) in lost_appends(&snap, &traces, &params) {
        out.push(format!(
            "lost update: back-link {q} -> {e} on layer {layer} is gone, and {e}'s list never overflowed"
        ));
    }
    out
}

#[test]
fn concurrent_builds_pass_every_check_over_many_seeds_and_thread_counts() {
    for seed in 0..150u64 {
        for threads in 2..=4 {
            let found = problems(seed, threads, ConcurrentMutant::None);
            assert!(found.is_empty(), "seed {seed}, {threads} threads:\n{}", found.join("\n"));
        }
    }
    println!("seeds 0..150 x threads 2..=4: clean");
}

/// The burn-in has teeth: the F4 mutant (stale-read back-links) is caught
/// by the lost-update check with real threads, within the seed budget.
#[test]
fn the_burn_in_catches_lost_back_links() {
    for seed in 0..2_000u64 {
        let found = problems(seed, 4, ConcurrentMutant::RacyBackLinks);
        if !found.is_empty() {
            println!("caught at seed {seed}: {}", found[0]);
            return;
        }
    }
    panic!("RacyBackLinks escaped 2,000 four-thread builds");
}
