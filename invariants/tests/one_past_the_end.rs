//! Ids one past the last node, wherever a checker reads an id: the entry
//! point, a list entry, an insert trace, a search result. Each guard
//! `id < n` is tested here from outside (the boundary tests elsewhere hold
//! ids inside the graph), so a guard that lets `n` through fails instead of
//! indexing past the end or calling the id valid.

use hnswlab::{synthetic, Hnsw, InsertTrace, NodeId, Params, Snapshot};
use hnswlab_invariants::{check_all, check_insert, check_live_search, live_census, Expectations, Violation};

const N: usize = 30;

fn index() -> (Hnsw, InsertTrace) {
    let p = Params::builder().m(3).ef_construction(16).seed(6).build().unwrap();
    let mut h = Hnsw::new(2, p).unwrap();
    let rows = synthetic::gaussian(N, 2, 6);
    for (i, v) in rows.chunks(2).take(N - 1).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    let t = h.insert_traced(N as u64 - 1, &rows[2 * (N - 1)..]).unwrap();
    (h, t)
}

fn kinds(r: Result<(), hnswlab_invariants::Violations>) -> Vec<&'static str> {
    r.err().map_or(Vec::new(), |v| v.0.iter().map(Violation::kind).collect())
}

fn expect() -> Expectations {
    Expectations { inserted: None, ..Expectations::structural() }
}

#[test]
fn an_entry_point_or_link_one_past_the_end_is_out_of_range() {
    let (h, _) = index();
    let s = Snapshot::of(&h);
    let past = NodeId(N as u32);
    let mut t = s.clone();
    t.entry = Some(past);
    let v = check_all(&t, &expect()).unwrap_err();
    assert!(v.0.contains(&Violation::EntryOutOfRange { entry: past, len: N }), "{v}");
    let mut t = s.clone();
    t.lists[4][0].push(past);
    let v = check_all(&t, &expect()).unwrap_err();
    assert!(v.0.iter().any(|x| matches!(x, Violation::LinkOutOfRange { target, .. } if *target == past)), "{v}");
    // The report: one line per violation, each naming its invariant and ids.
    let text = v.to_string();
    assert_eq!(text.lines().count(), v.0.len(), "{text}");
    let line = format!("I1 structure: node #4 on L0 links to #{N}, but the graph has only {N} nodes");
    assert!(text.lines().any(|l| l.starts_with(&line)), "{text}");
    // The live census ignores both: no walk from an entry that is not a node,
    // and no edge to a slot that does not exist.
    let mut t = s.clone();
    t.entry = Some(past);
    let c = live_census(&t);
    assert_eq!(c.layers[0].unreachable, N);
    let mut t = s.clone();
    t.lists[4][0].push(past);
    assert_eq!(live_census(&t), live_census(&s));
}

#[test]
fn a_trace_naming_an_id_one_past_the_end_is_out_of_range() {
    let (h, trace) = index();
    let s = Snapshot::of(&h);
    let e = Expectations { ef_construction: 16, ..expect() };
    assert_eq!(kinds(check_insert(&s, &trace, &e)), Vec::<&str>::new());
    let past = NodeId(N as u32);
    let mut t = trace.clone();
    t.node = past;
    // On the index itself, whose accessors index past the end: the checks
    // must not read the node they were told is out of range.
    assert_eq!(kinds(check_insert(&h, &t, &e)), ["TraceOutOfRange"]);
    assert_eq!(kinds(check_insert(&s, &t, &e)), ["TraceOutOfRange"]);
    let mut t = trace.clone();
    t.layers[0].back_links[0].neighbour = past;
    assert!(kinds(check_insert(&s, &t, &e)).contains(&"TraceOutOfRange"));
    let mut u = s.clone();
    u.entry = Some(past);
    assert_eq!(kinds(check_insert(&u, &trace, &e)), ["EntryOutOfRange"]);
}

#[test]
fn a_search_result_one_past_the_end_is_returned_dead() {
    let (h, _) = index();
    let q = [0.0f32, 0.0];
    let ok = check_live_search(&h, &q, 3, |q, k| h.search(q, k, 16));
    assert!(ok.is_ok(), "{:?}", ok.err());
    let past = |q: &[f32], k: usize| {
        let mut r = h.search(q, k, 16)?;
        r[2].id = NodeId(N as u32);
        Ok(r)
    };
    let v = check_live_search(&h, &q, 3, past).unwrap_err();
    assert!(v.0.iter().any(|x| matches!(x, Violation::ReturnedDead { id, .. } if id.0 == N as u32)), "{v}");
    // A search that fails while nodes live is a violation; with none live it
    // has nothing to find, and its error is no violation.
    let fail = |_: &[f32], _: usize| Err(hnswlab::ErrorKind::EmptyIndex.into());
    let v = check_live_search(&h, &q, 3, fail).unwrap_err();
    assert_eq!(v.0.iter().map(Violation::kind).collect::<Vec<_>>(), ["SearchFailed"]);
    let mut dead = Snapshot::of(&h);
    dead.slots = vec![hnswlab::Slot::Deleted; N];
    dead.ids.clear();
    assert!(check_live_search(&dead, &q, 3, fail).is_ok());
}
