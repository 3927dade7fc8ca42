//! What a churn round measures on any index: recall@10 at a fixed ef against
//! the exact ground truth over the live set, queries per second, and the live
//! census ([`hnswlab_invariants::live_census`]).

use std::time::Instant;

use anyhow::Result;
use hnswlab::churn::DeletePolicy;
use hnswlab::{Hnsw, Metric};

use super::schedule::Live;
use crate::data::Dataset;
use crate::metrics::{self, Truth};

/// The live set of one round with its exact ground truth: every index is
/// judged against this, hnswlab's policies and hnswlib alike.
#[derive(Clone, Debug)]
pub struct Judge {
    /// The live vectors (ascending label order) and the queries.
    ds: Dataset,
    /// Row of each label in `ds` (`u32::MAX`: not live).
    rows: Vec<u32>,
    /// k-th true distance per query over the live set (reference kernel, f64).
    truth: Truth,
}

/// Recall of one index in one round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recall {
    /// Hits over `queries x k` by the ε rule (a dead label is a miss).
    pub recall: f64,
    /// Queries whose result list did not hold exactly k labels.
    pub short_results: usize,
}

impl Judge {
    /// The live set `live` and its ground truth for the queries of `queries`.
    pub fn of(live: &Live, queries: &Dataset, show_progress: bool) -> Result<Judge> {
        let (ds, rows) = live.dataset(queries);
        let truth = metrics::truth(&ds, Metric::L2, show_progress)?;
        Ok(Judge { ds, rows, truth })
    }

    /// k of recall@k (10, or the live count if smaller).
    pub fn k(&self) -> usize {
        self.truth.k
    }

    /// Recall of `found[query]` (labels, nearest first; negative = no result).
    pub fn recall<I: IntoIterator<Item = i64>>(&self, found: impl IntoIterator<Item = I>) -> Recall {
        let k = self.truth.k;
        let (mut hits, mut short_results) = (0, 0);
        for (i, labels) in found.into_iter().enumerate() {
            let q = self.ds.query(i);
            let rows: Vec<usize> = labels
                .into_iter()
                .filter(|&l| l >= 0)
                .map(|l| self.rows.get(l as usize).map_or(usize::MAX, |&r| r as usize))
                .collect();
            match metrics::hits(&self.ds, Metric::L2, q, rows.into_iter(), k, self.truth.kth[i]) {
                Ok(h) => hits += h,
                Err(e) => {
                    hits += e.hits;
                    short_results += 1;
                }
            }
        }
        let recall = hits as f64 / (self.truth.kth.len() * k).max(1) as f64;
        Recall { recall, short_results }
    }

    /// Search `policy`'s `index` with every query at `ef` (one thread, timed
    /// without the judging; through [`hnswlab::mutants::churn::search`], so a
    /// mutant policy answers with its own search): recall and queries per second.
    pub fn search(&self, policy: &dyn DeletePolicy, index: &Hnsw, ef: usize) -> Result<(Recall, f64)> {
        let k = self.truth.k;
        let mut found = Vec::with_capacity(self.ds.query_count());
        let start = Instant::now();
        for i in 0..self.ds.query_count() {
            let hits = hnswlab::mutants::churn::search(policy, index, self.ds.query(i), k, ef.max(k))?;
            found.push(hits.into_iter().map(|h| i64::try_from(h.label).unwrap_or(-1)).collect::<Vec<_>>());
        }
        let qps = self.ds.query_count() as f64 / start.elapsed().as_secs_f64().max(1e-9);
        Ok((self.recall(found), qps))
    }
}
