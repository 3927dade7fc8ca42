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

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use hnswlab::mutants::concurrent::{self as mutant, ConcurrentMutant};
use hnswlab::search::Scratch;
use hnswlab::strategy::concurrent::SharedIndex;
use hnswlab::{synthetic, GraphView, InsertTrace, Layer, NodeId, Params, Slot, Snapshot};
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

/// Deletes beside inserts and searches, with real threads: two inserters
/// claim rows, one thread deletes every third label (the entry point first)
/// and records each delete once it returned, one thread searches stored
/// vectors. No search may return a label whose delete was recorded before
/// the search began; after join the full checker passes over the graph with
/// its tombstones, every deleted label is unmapped, and searches with ef = n
/// return only live labels, as many as asked for.
fn deletes_beside_inserts(seed: u64, bug: ConcurrentMutant) -> Vec<String> {
    let (params, data) = case(seed);
    let (dim, n) = (2, data.len() / 2);
    let idx = Arc::new(SharedIndex::new(params.clone(), dim, data.clone()).expect("whole rows of dim"));
    let data = Arc::new(data);
    let mut s = Scratch::new();
    for _ in 0..n / 4 {
        let q = idx.claim().expect("rows left");
        idx.insert(q, &mut s);
    }
    let entry = idx.top().entry.expect("pre-inserted rows: an entry point");
    let mut doomed: Vec<u64> = (0..n as u64).filter(|l| l % 3 == seed % 3 && *l != idx.label(entry)).collect();
    doomed.insert(0, idx.label(entry));
    let deleted = Arc::new(Mutex::new(HashSet::<u64>::new()));
    let start = Arc::new(Barrier::new(4));
    let mut workers: Vec<thread::JoinHandle<Vec<String>>> = Vec::new();
    for _ in 0..2 {
        let (idx, start) = (Arc::clone(&idx), Arc::clone(&start));
        workers.push(thread::spawn(move || {
            let mut s = Scratch::new();
            start.wait();
            while let Some(q) = idx.claim() {
                idx.insert(q, &mut s);
            }
            Vec::new()
        }));
    }
    {
        let (idx, start, deleted, doomed) =
            (Arc::clone(&idx), Arc::clone(&start), Arc::clone(&deleted), doomed.clone());
        workers.push(thread::spawn(move || {
            let mut out = Vec::new();
            start.wait();
            for label in doomed {
                if let Err(e) = idx.delete(label) {
                    out.push(format!("delete of live label {label}: {e}"));
                }
                deleted.lock().expect("not poisoned").insert(label);
                if idx.delete(label).is_ok() {
                    out.push(format!("label {label} deleted twice"));
                }
            }
            out
        }));
    }
    {
        let (idx, start, deleted, data) =
            (Arc::clone(&idx), Arc::clone(&start), Arc::clone(&deleted), Arc::clone(&data));
        workers.push(thread::spawn(move || {
            let mut out = Vec::new();
            let mut s = Scratch::new();
            let mut rng = synthetic::Rng::new(seed);
            start.wait();
            for _ in 0..200 {
                let before = deleted.lock().expect("not poisoned").clone();
                let row = rng.below(n as u64) as usize;
                let hits =
                    mutant::search(&idx, bug, &data[row * dim..(row + 1) * dim], 4, 16, &mut s).expect("a valid query");
                if let Some(h) = hits.iter().find(|h| before.contains(&idx.label(h.id))) {
                    out.push(format!("search for row {row} returned {}, deleted before it began", h.id));
                }
                if !hits.windows(2).all(|w| w[0] < w[1]) {
                    out.push(format!("search for row {row}: hits not sorted and distinct: {hits:?}"));
                }
            }
            out
        }));
    }
    let mut out: Vec<String> = workers.into_iter().flat_map(|w| w.join().expect("a thread panicked")).collect();
    let snap = idx.snapshot();
    if let Err(v) =
        check_all(&snap, &Expectations { inserted: Some(n - doomed.len()), ..Expectations::for_params(&params) })
    {
        out.push(format!("check_all: {v}"));
    }
    if idx.deleted_count() != doomed.len() || snap.slots.iter().filter(|s| **s != Slot::Live).count() != doomed.len() {
        out.push(format!(
            "{} deleted, {} in the snapshot, {} deletes",
            idx.deleted_count(),
            snap.ids.len(),
            doomed.len()
        ));
    }
    // A delete never moves the entry point; only an insert of a higher level does.
    let raised = snap.levels.iter().any(|&l| l > idx.level(entry));
    if !raised && snap.entry != Some(entry) {
        out.push(format!("the entry point moved from {entry} to {:?} without a higher level", snap.entry));
    }
    for &label in &doomed {
        if idx.id_of(label).is_some() || snap.id_of(label).is_some() {
            out.push(format!("deleted label {label} still maps to a node"));
        }
    }
    let k = 4.min(n - doomed.len());
    for row in 0..n {
        let hits = mutant::search(&idx, bug, &data[row * dim..(row + 1) * dim], k, n, &mut s).expect("a valid query");
        if hits.len() != k || hits.iter().any(|h| idx.is_deleted(h.id)) {
            out.push(format!("search for row {row} with ef = n: {hits:?}, want {k} live hits"));
        }
    }
    out
}

#[test]
fn deletes_beside_inserts_and_searches_keep_every_invariant() {
    for seed in 0..200u64 {
        let found = deletes_beside_inserts(seed, ConcurrentMutant::None);
        assert!(found.is_empty(), "seed {seed}:\n{}", found.join("\n"));
    }
    println!("seeds 0..200: deletes beside inserts and searches, clean");
}

/// The check has teeth: a search that drops tombstones after bounding its
/// results at k (F14) returns short lists once the deletes are in.
#[test]
fn deletes_beside_inserts_catch_filtering_after_the_bound() {
    for seed in 0..60u64 {
        let found = deletes_beside_inserts(seed, ConcurrentMutant::FilterAfterBound);
        if !found.is_empty() {
            println!("caught at seed {seed}: {}", found[0]);
            return;
        }
    }
    panic!("FilterAfterBound escaped 60 builds with deletes");
}
