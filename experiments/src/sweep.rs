//! The search sweep of `hnswlab build` and `hnswlab compare`: per ef, one
//! timed single-thread pass over the query set giving recall@k by the ε
//! rule, QPS and distance computations per query.

use std::time::Instant;

use anyhow::Result;
use hnswlab::strategy::Built;
use hnswlab::Scratch;

use crate::data::Dataset;
use crate::metrics::{self, Truth};
use crate::output::SearchPoint;

/// Queries searched, untimed, before a sweep.
pub const WARM_UP: usize = 100;

/// For each ef: recall@k and single-thread QPS over the whole query set.
pub fn sweep(index: &Built, ds: &Dataset, truth: &Truth, efs: &[usize]) -> Result<Vec<SearchPoint>> {
    let mut scratch = Scratch::new();
    let queries = ds.query_count();
    // One untimed pass over (up to) WARM_UP queries, so the first ef's QPS
    // does not pay for cold caches and the scratch's first allocations.
    let largest = efs.iter().copied().max().unwrap_or(truth.k);
    for i in 0..queries.min(WARM_UP) {
        index.search_with(&mut scratch, ds.query(i), truth.k, largest)?;
    }
    efs.iter().map(|&ef| pass(index, &mut scratch, ds, truth, ef)).collect()
}

/// One timed pass over every query of `ds` at `ef` on this thread: recall@k by
/// the ε rule, QPS over the whole pass, and distance computations per query.
pub fn pass(index: &Built, scratch: &mut Scratch, ds: &Dataset, truth: &Truth, ef: usize) -> Result<SearchPoint> {
    let queries = ds.query_count();
    // Hits are counted inline (a few comparisons per query) so each result
    // list is freed at once: keeping them all would time the allocator.
    let mut hits = 0usize;
    let mut wrong_count = 0usize;
    let distances_before = scratch.distances;
    let start = Instant::now();
    for (i, &kth) in truth.kth.iter().enumerate().take(queries) {
        let found = index.search_with(scratch, ds.query(i), truth.k, ef)?;
        match metrics::hits(ds, truth.metric, ds.query(i), found.iter().map(|n| n.label as usize), truth.k, kth) {
            Ok(h) => hits += h,
            Err(wrong) => {
                hits += wrong.hits;
                wrong_count += 1;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(SearchPoint {
        ef,
        recall_at_10: hits as f64 / (queries * truth.k) as f64,
        qps: queries as f64 / seconds.max(1e-9),
        distances_per_query: (scratch.distances - distances_before) as f64 / queries as f64,
        wrong_count_queries: wrong_count,
    })
}
