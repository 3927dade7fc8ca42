#![cfg(loom)]
//! loom models of the concurrent strategy (`hnswlab::strategy::concurrent`),
//! checking its own code: every lock, atomic and thread there comes from
//! `hnswlab::sync`, which is loom under `--cfg loom`.
//!
//! Run with `.ci/loom` (or `RUSTFLAGS="--cfg loom" cargo test --release -p
//! hnswlab-invariants --test loom_models -- --nocapture --test-threads=1`);
//! without `--cfg loom` this file compiles to an empty test binary.
//!
//! Small by construction (STYLE.md, Concurrency): m = 2, at most 6 points,
//! 2-3 threads, forced levels, one-dimensional L2 points chosen so that no
//! two distances tie. After every join the FULL checker runs
//! (`check_all`, with `level_law = None` and `inserted = Some(n)`), and where
//! the model allows it the joined graph must equal one of the graphs that the
//! same inserts give serially, in some order. Deadlocks are loom's to report.
//! Each model prints how many interleavings loom explored and the time taken.
//!
//! | model | FAILURES.md |
//! |---|---|
//! | `first_insert` | F1 (empty-index branch), F6 |
//! | `entry_point_promotion` | F1, §1.3, F6 |
//! | `insert_while_searching` | F2, F3, §1.3 last bullet |
//! | `two_promotions_while_searching` (3 threads) | F1, F2, F3 |
//! | `same_full_list` | F4, F6 |
//! | `promotion_beside_plain_inserts` (3 threads) | F1, F4, F6 |
//! | `mutant_racy_back_links_is_caught` | F4 (must fail) |
//! | `mutant_unchecked_promotion_is_caught` | F1 (must fail) |
//! | `mutant_unlocked_reads_is_caught` | a search reading flat lists without the node lock (must fail) |
//! | `guarded_search_catches_a_read_above_a_level` | the searcher's guard (must fail) |
//! | `delete_entry_point_beside_insert_and_search` (3 threads) | F2, F14 beside inserts, F17 (deleted entry point stays traversable) |
//! | `mutant_filter_after_bound_is_caught` | F14: tombstones dropped after the result bound (must fail) |
//! | `mutant_unsynced_marks_is_caught` | hnswlib's unsynchronised read of the delete mark (must fail) |

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use hnswlab::mutants::concurrent::{self as mutant, ConcurrentMutant};
use hnswlab::search::{knn, Adjacency};
use hnswlab::strategy::concurrent::SharedIndex;
use hnswlab::sync::{model, thread, Arc, AtomicBool};
use hnswlab::{Layer, Metric, NodeId, Params, Scratch, Snapshot};
use hnswlab_invariants::{check_all, Expectations};

/// Panic message when a joined graph is none of the serial outcomes.
const NO_SERIAL_OUTCOME: &str = "the joined graph equals no serial outcome";

/// One scenario: the points, their forced levels, what is inserted before the
/// threads start (in order, on the model's main thread) and what each thread inserts.
#[derive(Clone, Debug)]
struct Scenario {
    params: Params,
    /// One-dimensional points, prepared as is (plain L2).
    points: Vec<f32>,
    levels: Vec<u8>,
    pre: Vec<u32>,
    /// `threads[t]` is inserted, in order, by thread `t`.
    threads: Vec<Vec<u32>>,
    mutant: ConcurrentMutant,
}

fn params() -> Params {
    // m0 = 2 (not the default 2m = 4) so that a layer-0 list fills with two
    // links and the models stay at <= 6 points.
    Params::builder().m(2).m0(2).ef_construction(4).seed(7).metric(Metric::L2).build().expect("valid params")
}

impl Scenario {
    fn new(points: &[f32], levels: &[u8], pre: &[u32], threads: &[&[u32]]) -> Self {
        assert_eq!(points.len(), levels.len());
        let inserted = pre.len() + threads.iter().map(|t| t.len()).sum::<usize>();
        assert_eq!(inserted, points.len(), "every point is inserted exactly once (I2 and I8 need it)");
        Scenario {
            params: params(),
            points: points.to_vec(),
            levels: levels.to_vec(),
            pre: pre.to_vec(),
            threads: threads.iter().map(|t| t.to_vec()).collect(),
            mutant: ConcurrentMutant::None,
        }
    }

    fn with_mutant(mut self, mutant: ConcurrentMutant) -> Self {
        self.mutant = mutant;
        self
    }

    /// A fresh index (loom objects: call inside a model) with `pre` inserted.
    fn index(&self) -> SharedIndex {
        let levels = self.levels.iter().map(|&l| Layer(l)).collect();
        let idx = SharedIndex::with_levels(self.params.clone(), 1, self.points.clone(), levels)
            .expect("a model has one level per point");
        let mut s = Scratch::new();
        for &q in &self.pre {
            mutant::insert(&idx, self.mutant, NodeId(q), &mut s);
        }
        idx
    }

    fn expectations(&self) -> Expectations {
        let mut e = Expectations::for_params(&self.params);
        e.level_law = None;
        e.inserted = Some(self.points.len());
        e
    }

    /// The graph after `pre` only (built in a one-iteration model).
    fn after_pre(&self) -> Snapshot {
        let sc = self.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let sink = out.clone();
        model(move || *sink.lock().unwrap() = Some(sc.index().snapshot()));
        let snap = out.lock().unwrap().take();
        snap.expect("the model ran")
    }

    /// The graphs the same inserts give on one thread, for every order of the
    /// threads' inserts that keeps each thread's own order (deduplicated).
    /// Built with the correct code, whatever the scenario's mutant.
    fn serial_outcomes(&self) -> Vec<Snapshot> {
        let mut orders = Vec::new();
        interleavings(&self.threads, &mut vec![0; self.threads.len()], &mut Vec::new(), &mut orders);
        let correct = Scenario { mutant: ConcurrentMutant::None, ..self.clone() };
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Snapshot>::new()));
        let sink = out.clone();
        // loom's Mutex only exists inside a model: one single-threaded iteration.
        model(move || {
            let mut snaps: Vec<Snapshot> = Vec::new();
            for order in &orders {
                let idx = correct.index();
                let mut s = Scratch::new();
                for &q in order {
                    idx.insert(NodeId(q), &mut s);
                }
                let snap = idx.snapshot();
                check_all(&snap, &correct.expectations()).unwrap_or_else(|v| panic!("serial order {order:?}:\n{v}"));
                if !snaps.contains(&snap) {
                    snaps.push(snap);
                }
            }
            *sink.lock().unwrap() = snaps;
        });
        let snaps = out.lock().unwrap().clone();
        assert!(!snaps.is_empty());
        snaps
    }
}

/// Every merge of the threads' insert sequences.
fn interleavings(threads: &[Vec<u32>], pos: &mut Vec<usize>, cur: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    if pos.iter().zip(threads).all(|(&p, t)| p == t.len()) {
        out.push(cur.clone());
        return;
    }
    for t in 0..threads.len() {
        if pos[t] < threads[t].len() {
            cur.push(threads[t][pos[t]]);
            pos[t] += 1;
            interleavings(threads, pos, cur, out);
            pos[t] -= 1;
            cur.pop();
        }
    }
}

/// Counts iterations of one model and prints the count and the time when
/// dropped, also when a model panics (a mutant caught, or a real failure:
/// the test result says which).
struct Report {
    name: &'static str,
    iterations: std::sync::Arc<AtomicUsize>,
    start: Instant,
}

impl Report {
    fn new(name: &'static str) -> Self {
        Report { name, iterations: std::sync::Arc::new(AtomicUsize::new(0)), start: Instant::now() }
    }
}

impl Drop for Report {
    fn drop(&mut self) {
        let n = self.iterations.load(Ordering::SeqCst);
        let secs = self.start.elapsed().as_secs_f64();
        let bound = std::env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| "unbounded".into());
        let outcome = if std::thread::panicking() { "panicked after" } else { "explored" };
        println!("loom model {}: {outcome} {n} interleavings in {secs:.2} s (LOOM_MAX_PREEMPTIONS={bound})", self.name);
    }
}

/// The checks every joined graph must pass.
fn check_joined(sc: &Scenario, idx: &SharedIndex, serial: &[Snapshot]) -> Snapshot {
    let top = idx.top();
    let ep = top.entry.expect("a non-empty index has an entry point");
    assert!(idx.level(ep) >= top.max_level, "inconsistent pair after join: {top:?}, level(ep) = {:?}", idx.level(ep));
    let snap = idx.snapshot();
    // I8 counts live labels: every point inserted, less the deletes the model made.
    let mut expect = sc.expectations();
    expect.inserted = Some(sc.points.len() - idx.deleted_count());
    check_all(&snap, &expect).unwrap_or_else(|v| panic!("{v}"));
    if !serial.is_empty() && !serial.contains(&snap) {
        panic!(
            "{NO_SERIAL_OUTCOME} (a lost update?): lists {:?}, top {top:?}; serial outcomes: {:?}",
            snap.lists,
            serial.iter().map(|s| (&s.lists, s.entry, s.max_level)).collect::<Vec<_>>()
        );
    }
    snap
}

/// One thread per entry of `threads`, each inserting its node ids in order
/// with `bug` planted.
fn spawn_inserters(idx: &Arc<SharedIndex>, threads: &[Vec<u32>], bug: ConcurrentMutant) -> Vec<thread::JoinHandle<()>> {
    threads
        .iter()
        .map(|ids| {
            let idx = Arc::clone(idx);
            let ids = ids.clone();
            thread::spawn(move || {
                let mut s = Scratch::new();
                for q in ids {
                    mutant::insert(&idx, bug, NodeId(q), &mut s);
                }
            })
        })
        .collect()
}

/// Run `sc` under loom: pre-insert, one loom thread per `sc.threads` entry,
/// join, then `check_joined`. With `compare_serial`, the joined graph must be
/// one of the serial outcomes.
fn run_inserts(name: &'static str, sc: Scenario, compare_serial: bool) {
    let serial = if compare_serial { sc.serial_outcomes() } else { Vec::new() };
    let report = Report::new(name);
    let iterations = report.iterations.clone();
    model(move || {
        iterations.fetch_add(1, Ordering::SeqCst);
        let idx = Arc::new(sc.index());
        let handles = spawn_inserters(&idx, &sc.threads, sc.mutant);
        for h in handles {
            h.join().expect("insert thread panicked");
        }
        check_joined(&sc, &idx, &serial);
    });
    drop(report);
}

/// Two threads insert into an empty index: exactly one becomes the first
/// entry point (the `entry == None` branch runs once), the other links to it.
fn first_insert() -> Scenario {
    Scenario::new(&[0.0, 1.0], &[0, 1], &[], &[&[0], &[1]])
}

/// A level-0 node, then two threads insert nodes of levels 1 and 2, both
/// above the max level when they start: whichever order, the entry point
/// must end at the level-2 node (I2).
fn entry_point_promotion(mutant: ConcurrentMutant) -> Scenario {
    Scenario::new(&[0.0, 2.0, -3.0], &[0, 1, 2], &[0], &[&[1], &[2]]).with_mutant(mutant)
}

/// X = 0 with neighbours L = -5 and R = 4 (its layer-0 list is full, m0 = 2),
/// then a = 1 and b = -1.2 concurrently. The geometry makes each new node's
/// selection independent of the other's progress (a selects {X, R}, b
/// selects {X, L}; each prunes the other, being closer to X than to it), so
/// the only shared write is the re-selection of X's full list. Both serial
/// orders give X = [a, b]; a lost update leaves [a, L] or [b, R].
fn same_full_list(mutant: ConcurrentMutant) -> Scenario {
    //                         X    L     R    a     b
    Scenario::new(&[0.0, -5.0, 4.0, 1.0, -1.2], &[0; 5], &[0, 1, 2], &[&[3], &[4]]).with_mutant(mutant)
}

#[test]
fn first_insert_has_one_entry_point() {
    run_inserts("first_insert", first_insert(), true);
}

#[test]
fn entry_point_promotion_ends_at_the_top_level() {
    run_inserts("entry_point_promotion", entry_point_promotion(ConcurrentMutant::None), true);
}

/// The premise of `same_full_list`: X's layer-0 list is full ([L, R]) before
/// the threads start, and both serial orders end with X = [a, b], so each
/// insert re-selected X's full list.
fn assert_same_full_list_premise(sc: &Scenario) {
    let x = |snap: &Snapshot| snap.lists[0][0].clone();
    assert_eq!(x(&sc.after_pre()), [NodeId(1), NodeId(2)], "X's list is [L, R], full at m0 = 2");
    for snap in sc.serial_outcomes() {
        assert_eq!(x(&snap), [NodeId(3), NodeId(4)], "serially X ends [a, b]");
    }
}

#[test]
fn same_full_list_loses_no_update() {
    let sc = same_full_list(ConcurrentMutant::None);
    assert_same_full_list_premise(&sc);
    run_inserts("same_full_list", sc, true);
}

/// Three threads: one promotes itself (holding `top` while it takes node
/// locks, the only nesting) while two level-0 inserts take node locks
/// only. No serial comparison (concurrent plans may see each other half
/// linked, which is allowed); the full checker and loom's deadlock detection.
#[test]
fn promotion_beside_plain_inserts() {
    //                              X    a    b     c
    let sc = Scenario::new(&[0.0, 1.0, -1.2, 2.5], &[0, 0, 0, 1], &[0], &[&[1], &[2], &[3]]);
    run_inserts("promotion_beside_plain_inserts", sc, false);
}

/// Search through `SharedIndex`, but fail if a list above a node's level is read.
struct Guarded<'a>(&'a SharedIndex);

impl Adjacency for Guarded<'_> {
    fn metric(&self) -> Metric {
        Adjacency::metric(&self.0)
    }
    fn len(&self) -> usize {
        Adjacency::len(&self.0)
    }
    fn vector(&self, id: NodeId) -> &[f32] {
        Adjacency::vector(&self.0, id)
    }
    fn copy_neighbours(&self, id: NodeId, layer: Layer, out: &mut Vec<NodeId>) {
        assert!(
            layer <= self.0.level(id),
            "searcher read node {id}'s list on layer {layer}, above its level {}",
            self.0.level(id)
        );
        self.0.copy_neighbours(id, layer, out);
    }
}

/// What a searcher running beside inserts checks: the pair it reads is
/// consistent (`level(entry) >= max_level`), no list above a node's level is
/// read (through [`Guarded`], then the public `search`, with `bug` planted
/// in its reads), and the results are
/// `k`, sorted, distinct and in range.
fn search_beside_inserts(idx: &SharedIndex, query: f32, k: usize, bug: ConcurrentMutant) {
    let mut s = Scratch::new();
    let query = [query];
    let top = idx.top();
    let ep = top.entry.expect("pre-inserted nodes: an entry point exists");
    assert!(
        idx.level(ep) >= top.max_level,
        "searcher saw an inconsistent pair: entry {ep} of level {} with max level {}",
        idx.level(ep),
        top.max_level
    );
    let guarded = knn(&Guarded(idx), ep, top.max_level, &query, k, 4, &mut s);
    let public = mutant::search(idx, bug, &query, k, 4, &mut s).expect("a valid query");
    for hits in [&guarded, &public] {
        assert_eq!(hits.len(), k, "k of the pre-inserted nodes at least: {hits:?}");
        assert!(hits.windows(2).all(|w| w[0] < w[1]), "sorted, distinct: {hits:?}");
        assert!(hits.iter().all(|h| h.id.index() < idx.capacity()), "ids in range: {hits:?}");
    }
}

/// Pre-insert `sc.pre`, then one thread per `sc.threads` entry inserts while
/// one more thread searches `query`; after join, `check_joined`.
fn run_with_searcher(name: &'static str, sc: Scenario, query: f32, compare_serial: bool) {
    let serial = if compare_serial { sc.serial_outcomes() } else { Vec::new() };
    let k = sc.pre.len().min(2);
    let report = Report::new(name);
    let iterations = report.iterations.clone();
    model(move || {
        iterations.fetch_add(1, Ordering::SeqCst);
        let idx = Arc::new(sc.index());
        let mut handles = spawn_inserters(&idx, &sc.threads, sc.mutant);
        let searcher = Arc::clone(&idx);
        let bug = sc.mutant;
        handles.push(thread::spawn(move || search_beside_inserts(&searcher, query, k, bug)));
        for h in handles {
            h.join().expect("a thread panicked");
        }
        check_joined(&sc, &idx, &serial);
    });
    drop(report);
}

/// One thread inserts a node that raises the max level from 0 to 2 while
/// another reads `top()` and searches (F2, F3).
#[test]
fn insert_while_searching() {
    //                              0    1    new
    let sc = Scenario::new(&[0.0, 3.0, 1.0], &[0, 0, 2], &[0, 1], &[&[2]]);
    run_with_searcher("insert_while_searching", sc, 2.0, true);
}

/// Two promotions in a row (levels 1 and 2 over a level-0 index) while a
/// third thread searches: whatever pair it reads is consistent. No serial
/// comparison (the level-1 insert may plan beside the level-2 one).
#[test]
fn two_promotions_while_searching() {
    //                              0    1     new1  new2
    let sc = Scenario::new(&[0.0, 3.0, 1.0, -2.0], &[0, 0, 1, 2], &[0, 1], &[&[2], &[3]]);
    run_with_searcher("two_promotions_while_searching", sc, 2.0, false);
}

/// The guard has teeth: a search started from a pair that is not consistent
/// (entry of level 0, max level 2) reads a list above the entry's level.
#[test]
#[should_panic(expected = "above its level")]
fn guarded_search_catches_a_read_above_a_level() {
    let sc = Scenario::new(&[0.0, 3.0], &[0, 0], &[0, 1], &[]);
    model(move || {
        let idx = sc.index();
        knn(&Guarded(&idx), NodeId(0), Layer(2), &[2.0], 1, 4, &mut Scratch::new());
    });
}

/// F4: a back-link that computes X's new list from a copy and writes it later
/// loses the other insert's re-selection (X ends [a, L] or [b, R]); the
/// expected message is `NO_SERIAL_OUTCOME`.
#[test]
#[should_panic(expected = "the joined graph equals no serial outcome")]
fn mutant_racy_back_links_is_caught() {
    let sc = same_full_list(ConcurrentMutant::RacyBackLinks);
    assert_same_full_list_premise(&sc);
    run_inserts("mutant_racy_back_links", sc, true);
}

/// A searcher that reads the flat neighbour lists without the node's lock
/// races the inserter's back-link into the same list: loom's `UnsafeCell`
/// tracking (the lists' slots come from `hnswlab::sync::UnsafeCell`)
/// reports it, which is what proves the lock discipline is checked at all.
#[test]
#[should_panic(expected = "Causality violation")]
fn mutant_unlocked_reads_is_caught() {
    let sc = Scenario::new(&[0.0, 3.0, 1.0], &[0, 0, 2], &[0, 1], &[&[2]]).with_mutant(ConcurrentMutant::UnlockedReads);
    run_with_searcher("mutant_unlocked_reads", sc, 2.0, true);
}

/// F1: promotion compared against the max level read at the start, without
/// `top`: the level-1 node can overwrite the level-2 node's promotion, and the
/// checker reports I2 (stored max level 1, highest node level 2); every I2
/// message of `hnswlab_invariants::Violation` starts with "I2 entry point".
#[test]
#[should_panic(expected = "I2 entry point")]
fn mutant_unchecked_promotion_is_caught() {
    run_inserts("mutant_unchecked_promotion", entry_point_promotion(ConcurrentMutant::UncheckedPromotion), true);
}

/// Panic message of a search beside a delete that returns too few hits.
const SHORT_RESULT: &str = "a search beside the delete returned fewer than k hits";
/// Panic message of a search that returns a node deleted before it began.
const RETURNED_DELETED: &str = "a search returned a node whose delete returned before it began";

/// X = 0 (level 1: the entry point) and R = 3 are inserted before the
/// threads start; then one thread deletes X, one inserts a = 1 (level 0: it
/// descends through X on layer 1 and links on layer 0 with X a candidate),
/// and one searches for 0.2 (nearest to X) with k = ef = 1. X stays the
/// entry point throughout: a tombstone is walked, never returned.
fn deleted_entry_point(mutant: ConcurrentMutant) -> Scenario {
    //                         X    R    a
    Scenario::new(&[0.0, 3.0, 1.0], &[1, 0, 0], &[0, 1], &[&[2]]).with_mutant(mutant)
}

/// Pre-insert `sc.pre`, then at once: the inserters of `sc.threads`, a
/// deleter of the entry point's label that raises `done` after its delete
/// returned, and a searcher that reads `done` before it searches `query`
/// (k = ef = 1) with `sc.mutant`'s bug planted in its reads. The searcher
/// must get one hit (R is linked to X before the threads start), and not X
/// if `done` was raised before it began. After join: the full checker over
/// the graph with X a tombstone, X's label unmapped, and a search of every
/// live node that never returns X.
fn run_delete_insert_search(name: &'static str, sc: Scenario, query: f32) {
    let report = Report::new(name);
    let iterations = report.iterations.clone();
    model(move || {
        iterations.fetch_add(1, Ordering::SeqCst);
        let idx = Arc::new(sc.index());
        let entry = idx.top().entry.expect("pre-inserted nodes: an entry point");
        let label = idx.label(entry);
        let done = Arc::new(AtomicBool::new(false));
        let mut handles = spawn_inserters(&idx, &sc.threads, sc.mutant);
        let (deleter, raised) = (Arc::clone(&idx), Arc::clone(&done));
        handles.push(thread::spawn(move || {
            assert_eq!(deleter.delete(label).expect("a live label"), entry);
            raised.store(true, hnswlab::sync::Ordering::Release);
        }));
        let (searcher, seen, bug) = (Arc::clone(&idx), Arc::clone(&done), sc.mutant);
        handles.push(thread::spawn(move || {
            let before = seen.load(hnswlab::sync::Ordering::Acquire);
            let hits = mutant::search(&searcher, bug, &[query], 1, 1, &mut Scratch::new()).expect("a valid query");
            assert_eq!(hits.len(), 1, "{SHORT_RESULT}: {hits:?} (delete returned first: {before})");
            if before {
                assert!(hits.iter().all(|h| h.id != entry), "{RETURNED_DELETED}: {entry} in {hits:?}");
            }
        }));
        for h in handles {
            h.join().expect("a thread panicked");
        }
        let snap = check_joined(&sc, &idx, &[]);
        assert_eq!(snap.entry, Some(entry), "a delete leaves the entry point where it is");
        assert!(idx.is_deleted(entry) && idx.id_of(label).is_none(), "the deleted label is unmapped");
        let live = sc.points.len() - 1;
        let hits = idx.search(&[query], live, live, &mut Scratch::new()).expect("a valid query");
        assert_eq!(hits.len(), live, "every live node is found: {hits:?}");
        assert!(hits.iter().all(|h| h.id != entry), "{RETURNED_DELETED}: {entry} in {hits:?} after join");
    });
    drop(report);
}

/// Delete ∥ insert ∥ search, the deleted node being the entry point: the
/// search never returns it once its delete returned, returns k hits, and
/// every thread terminates (loom reports a deadlock or a livelock).
#[test]
fn delete_entry_point_beside_insert_and_search() {
    run_delete_insert_search("delete_entry_point", deleted_entry_point(ConcurrentMutant::None), 0.2);
}

/// F14 beside inserts: a search that bounds its results at k before it drops
/// tombstones returns nothing when the nearest node (X) is the deleted one.
#[test]
#[should_panic(expected = "a search beside the delete returned fewer than k hits")]
fn mutant_filter_after_bound_is_caught() {
    run_delete_insert_search("mutant_filter_after_bound", deleted_entry_point(ConcurrentMutant::FilterAfterBound), 0.2);
}

/// A search that reads the delete marks without synchronisation (hnswlib's
/// `isMarkedDeleted` beside `markDelete`) races the deleter's write: loom's
/// atomic tracking reports it.
#[test]
#[should_panic(expected = "Causality violation")]
fn mutant_unsynced_marks_is_caught() {
    run_delete_insert_search("mutant_unsynced_marks", deleted_entry_point(ConcurrentMutant::UnsyncedMarks), 0.2);
}
