//! `Health::skipped`: a check that did not run says why, exactly once, and a
//! check that ran is not listed. Each condition of `check_all`'s I6 and I7
//! guards on both sides of its bound; a guard turned the wrong way would
//! otherwise report a pass for a check that never ran.

use hnswlab::{synthetic, Hnsw, Params, Snapshot};
use hnswlab_invariants::{check_all, documented_ml, Expectations, Health};

const N: usize = 60;

fn graph() -> Snapshot {
    let p = Params::builder().m(4).ef_construction(32).seed(5).build().unwrap();
    let mut h = Hnsw::new(3, p).unwrap();
    for (i, v) in synthetic::gaussian(N, 3, 5).chunks(3).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    Snapshot::of(&h)
}

fn expect() -> Expectations {
    Expectations { exact_queries: 3, exact_max_nodes: 1000, ..Expectations::structural() }
}

fn health(s: &Snapshot, e: &Expectations) -> Health {
    check_all(s, e).unwrap_or_else(|v| panic!("{v}"))
}

const NO_LAW: &str = "I7: no level law given";

#[test]
fn i6_runs_and_says_nothing_when_nothing_blocks_it() {
    let h = health(&graph(), &expect());
    assert_eq!(h.skipped, [NO_LAW]);
    assert_eq!((h.exact_queries_run, h.exact_layer0_queries_run), (3, 3));
    let h = health(&graph(), &Expectations { exact_queries: 9, ..expect() });
    assert_eq!((h.exact_queries_run, h.exact_layer0_queries_run), (9, 4), "the layer-0 form runs at most 4");
}

#[test]
fn i6_is_skipped_without_queries_and_on_an_empty_graph() {
    let h = health(&graph(), &Expectations { exact_queries: 0, ..expect() });
    assert_eq!(h.skipped, ["I6: exact_queries = 0", NO_LAW]);
    assert_eq!((h.exact_queries_run, h.exact_layer0_queries_run), (0, 0));
    let empty = Snapshot::of(&Hnsw::new(3, Params::builder().m(4).build().unwrap()).unwrap());
    let h = health(&empty, &expect());
    assert_eq!(h.skipped, ["I6: the graph is empty", NO_LAW]);
    assert_eq!((h.exact_queries_run, h.exact_layer0_queries_run), (0, 0));
}

/// The exhaustive form is bounded by `exact_max_nodes` (inclusive); the
/// layer-0 form runs at any size.
#[test]
fn i6_stops_above_exact_max_nodes_and_its_layer_0_form_does_not() {
    let h = health(&graph(), &Expectations { exact_max_nodes: N, ..expect() });
    assert_eq!(h.skipped, [NO_LAW]);
    assert_eq!(h.exact_queries_run, 3);
    let h = health(&graph(), &Expectations { exact_max_nodes: N - 1, ..expect() });
    assert_eq!(h.skipped, [format!("I6: {N} nodes > exact_max_nodes = {}", N - 1).as_str(), NO_LAW]);
    assert_eq!((h.exact_queries_run, h.exact_layer0_queries_run), (0, 3));
}

#[test]
fn i6_needs_a_live_node_and_one_strongly_connected_layer_0() {
    let mut s = graph();
    s.slots = vec![hnswlab::Slot::Deleted; N];
    s.ids.clear();
    let h = health(&s, &expect());
    assert_eq!(h.skipped, ["I6: no node is live", NO_LAW]);
    assert_eq!(h.exact_queries_run, 0);
    // Cut every link into node 7 on layer 0: two components at least.
    let mut s = graph();
    for list in &mut s.lists {
        list[0].retain(|b| b.0 != 7);
    }
    let h = health(&s, &expect());
    let sccs = h.layers[0].scc_count;
    assert!(sccs >= 2);
    assert_eq!(h.skipped, [format!("I6: layer 0 has {sccs} strongly connected components, not 1").as_str(), NO_LAW]);
    assert_eq!(h.exact_queries_run, 0);
}

/// I7 needs a law and at least `level_law_min_nodes` nodes (inclusive).
#[test]
fn i7_runs_from_its_minimum_size() {
    let law = Some((documented_ml(4), 16));
    let h = health(&graph(), &Expectations { level_law: law, level_law_min_nodes: N, ..expect() });
    assert!(!h.skipped.iter().any(|r| r.starts_with("I7")), "{:?}", h.skipped);
    let h = health(&graph(), &Expectations { level_law: law, level_law_min_nodes: N + 1, ..expect() });
    assert_eq!(h.skipped, [format!("I7: {N} nodes < level_law_min_nodes = {}", N + 1)]);
}
