//! The census of an hnswlib index beside hnswlab's on the same vectors.
//!
//! ```sh
//! cargo run --release -p hnswlab-experiments --example foreign_side_by_side -- HNSWLIB.bin DIM M EFC SEED
//! ```
//!
//! Reads the hnswlib 0.8 file (L2), builds hnswlab (sequential, Standard
//! prune, Alg. 4 heuristic) over its vectors in the file's id order with
//! its labels, and prints one markdown table: per index the one-way
//! fraction on layers 0 and 1, zero-in-degree and unreachable totals, and
//! the self-miss counts at ef 10 and 100 (`hnswlab check`'s census code).

use anyhow::{bail, Context, Result};
use hnswlab::foreign::hnswlib;
use hnswlab::{GraphView, Hnsw, Metric, NodeId, Params, Snapshot};
use hnswlab_experiments::cmd::check::{census, expectations, Census, SELF_SEARCH_EF};
use hnswlab_invariants::Expectations;

fn row(name: &str, c: &Census) -> Result<String> {
    let h = c.health.as_ref().with_context(|| format!("{name}: check_all found violations: {:?}", c.violations))?;
    let one_way = |l: usize| h.layers.get(l).map_or(f64::NAN, |x| 100.0 * x.one_way_fraction);
    let miss = |i: usize| c.self_search.get(i).map_or((0, 0), |s| (s.misses, s.searched));
    let ((m10, n10), (m100, _)) = (miss(0), miss(1));
    Ok(format!(
        "| {name} | {:.2} % | {:.2} % | {} | {} | {m10} ({:.2} %) | {m100} ({:.2} %) | {n10} |",
        one_way(0),
        one_way(1),
        h.zero_in_degree_total,
        h.unreachable_total,
        100.0 * m10 as f64 / n10.max(1) as f64,
        100.0 * m100 as f64 / n10.max(1) as f64,
    ))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 {
        bail!("usage: foreign_side_by_side HNSWLIB.bin DIM M EFC SEED");
    }
    let num = |i: usize| args[i].parse::<u64>().with_context(|| format!("argument {} must be a number", i + 1));
    let (dim, m, efc, seed) = (num(1)? as usize, num(2)? as usize, num(3)? as usize, num(4)?);
    let bytes = std::fs::read(&args[0]).with_context(|| format!("reading {}", args[0]))?;
    let foreign = hnswlib::read(&bytes, &hnswlib::Options { dim: Some(dim), space: Metric::L2 })?;
    if !foreign.defects.is_empty() {
        bail!("the hnswlib file has defects: {:?}", foreign.defects);
    }
    let theirs = census(&foreign.graph, &foreign.deleted, &expectations(&foreign), &SELF_SEARCH_EF);

    let params = Params::builder().m(m).ef_construction(efc).seed(seed).build()?;
    let mut index = Hnsw::new(dim, params.clone())?;
    let g = &foreign.graph;
    for i in 0..g.levels.len() {
        let id = NodeId(i as u32);
        index.insert(g.label(id), GraphView::vector(g, id))?;
    }
    let ours = Snapshot::of(&index);
    let expect = Expectations { level_law: None, exact_queries: 0, ..Expectations::for_params(&params) };
    let mine = census(&ours, &vec![false; ours.levels.len()], &expect, &SELF_SEARCH_EF);

    println!("n = {}, dim = {dim}, M = {m}, efC = {efc}, seed = {seed}", g.levels.len());
    println!();
    println!("| index | one-way L0 | one-way L1 | zero in-degree | unreachable | self-miss ef 10 | self-miss ef 100 | searched |");
    println!("|---|---|---|---|---|---|---|---|");
    println!("{}", row("hnswlib 0.8", &theirs)?);
    println!("{}", row("hnswlab", &mine)?);
    Ok(())
}
