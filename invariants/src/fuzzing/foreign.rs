//! Fuzz bodies for the foreign index readers (`load_hnswlib`, `load_faiss`):
//! the input is the file itself. Whatever the bytes, a reader returns a typed
//! error or a graph that passes structural validation (labels carried twice
//! and non-finite components aside: the reader reports and keeps those), that
//! `check_all` finds sound in I1/I2, and that a search can run on — never a
//! panic, never an allocation the file's size does not back.

use hnswlab::foreign::{self, hnswlib, ForeignIndex};
use hnswlab::search::{knn, Scratch};
use hnswlab::{Defect, GraphView, Metric, NodeId};

use super::Ran;
use crate::{check_all, Expectations, Violation};

/// Inputs above this size return at once (libFuzzer's default is 4 KiB).
pub const MAX_FILE: usize = 1 << 20;

/// Checks on whatever a reader returned: one whole-graph check and a
/// search from each of the first four vectors of a graph that was read.
fn accept(read: Result<ForeignIndex, foreign::ReadError>) -> Ran {
    let Ok(idx) = read else { return Ran::default() };
    let mut ran = Ran { checks: 1, ..Ran::default() };
    let g = &idx.graph;
    let n = g.levels.len();
    assert_eq!(idx.deleted.len(), n, "one deleted flag per node");
    assert_eq!(g.vectors.len(), n * g.dim, "vectors hold n x dim floats");
    let structural: Vec<Defect> = hnswlab::validate::check(g)
        .into_iter()
        .filter(|d| !matches!(d, Defect::LabelMappedTwice { .. } | Defect::NonFiniteComponent { .. }))
        .collect();
    assert!(structural.is_empty(), "the reader's graph is not sound: {structural:?}\nfile defects: {:?}", idx.defects);
    let expect = Expectations {
        symmetric: false,
        ef_construction: 1,
        strict_findability: false,
        require_reachable: false,
        exact_queries: 0,
        exact_max_nodes: 0,
        level_law: None,
        level_law_min_nodes: 0,
        inserted: None,
    };
    if let Err(vs) = check_all(g, &expect) {
        // Labels carried twice and non-finite components are the reader's to
        // report (as file defects) and are kept; the rest must hold.
        let kept = |v: &&Violation| match v {
            Violation::LabelMismatch { .. } | Violation::NonFiniteVector { .. } => true,
            Violation::Omitted { kind, .. } => *kind == "LabelMismatch" || *kind == "NonFiniteVector",
            _ => false,
        };
        let hard: Vec<&Violation> = vs.0.iter().filter(|v| !kept(v)).collect();
        assert!(hard.is_empty(), "check_all on the reader's graph: {hard:?}");
    }
    if let Some(entry) = g.entry {
        let mut s = Scratch::new();
        for i in 0..n.min(4) {
            let q = GraphView::vector(g, NodeId(i as u32)).to_vec();
            let found = knn(g, entry, g.max_level, &q, 1, 10, &mut s);
            assert!(found.iter().all(|x| x.id.index() < n), "search returned an id out of range");
            ran.searches += 1;
        }
    }
    ran
}

/// `load_hnswlib`: the bytes as an hnswlib file (dimension from its layout, L2).
pub fn load_hnswlib(data: &[u8]) -> Ran {
    if data.len() > MAX_FILE {
        return Ran::default();
    }
    accept(hnswlib::read(data, &hnswlib::Options { dim: None, space: Metric::L2 }))
}

/// `load_faiss`: the bytes as a faiss `IndexHNSWFlat` file.
pub fn load_faiss(data: &[u8]) -> Ran {
    if data.len() > MAX_FILE {
        return Ran::default();
    }
    accept(foreign::faiss::read(data))
}
