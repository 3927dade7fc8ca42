//! Data sets: a [`DatasetSpec`] says what one is, [`load`] makes it (the
//! built-in generators, texmex and ann-benchmarks HDF5 files), and a
//! [`Dataset`] holds the vectors and any ground truth that came with them.
//!
//! Every synthetic set is a pure function of its spec and a seed: base and
//! queries come from the same generator, queries on another stream.

use std::path::PathBuf;

use anyhow::{bail, ensure, Result};

use crate::limits;

mod load;
mod spec;

pub use load::load;
#[cfg(test)]
pub(crate) use spec::example_spec;
pub use spec::{check_component, DataKind, DatasetSpec, Origin, DEFAULT_DIM, DEFAULT_N, DEFAULT_QUERIES, MAX_NAME};

/// Centres of the clustered set.
pub const CLUSTERED_CENTRES: usize = 100;
/// Spread (standard deviation) of each cluster around its centre.
pub const CLUSTERED_SPREAD: f32 = 0.3;
/// Stream of `synthetic::clustered` that the base set is drawn from.
pub const BASE_STREAM: u64 = 0;
/// Stream (clustered) or seed offset (gaussian, lattice, duplicates) of the query set.
pub const QUERY_STREAM: u64 = 1;

/// Where a data set came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A built-in generator of this kind.
    Synthetic(DataKind),
    /// texmex files.
    Texmex {
        /// Base vectors.
        base: PathBuf,
        /// Query vectors.
        query: PathBuf,
        /// Ground-truth ids, if given.
        groundtruth: Option<PathBuf>,
    },
}

/// Ground-truth neighbour ids: `k` per query, nearest first.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundTruth {
    /// Ids per query.
    pub k: usize,
    /// `queries * k` base-vector ids.
    pub ids: Vec<u32>,
    /// The user vouched for the file (`--trust-groundtruth`): a disagreement
    /// with brute force is a note in the report, not an error.
    pub trusted: bool,
}

impl GroundTruth {
    /// The ids of query `i`.
    pub fn row(&self, i: usize) -> &[u32] {
        &self.ids[i * self.k..(i + 1) * self.k]
    }

    /// Ids from a file (`what` names it), checked: `k >= 1`, exactly one row
    /// per query, every id in `0..n` and none twice within a row. The error
    /// names the row and column.
    pub fn checked(what: &str, k: usize, ids: Vec<i64>, queries: usize, n: usize, hint: &str) -> Result<GroundTruth> {
        ensure!(k >= 1, "{what}: rows hold no neighbour ids");
        ensure!(ids.len().is_multiple_of(k), "{what}: {} ids do not split into rows of {k}", ids.len());
        let rows = ids.len() / k;
        ensure!(rows == queries, "{what}: {rows} ground-truth rows for {queries} queries (one row per query)");
        let mut seen = std::collections::HashSet::with_capacity(k);
        let mut out = limits::try_vec("ground-truth ids", ids.len())?;
        for (q, row) in ids.chunks_exact(k).enumerate() {
            seen.clear();
            for (col, &id) in row.iter().enumerate() {
                if id < 0 || id as u64 >= n as u64 {
                    let hint = if id >= 0 { hint } else { "" };
                    bail!("{what}: query {q}, neighbour {col} is id {id}, outside the {n} base vectors{hint}");
                }
                ensure!(
                    seen.insert(id),
                    "{what}: query {q} lists id {id} twice (neighbour {col}); a row names k distinct base vectors"
                );
                out.push(id as u32);
            }
        }
        Ok(GroundTruth { k, ids: out, trusted: false })
    }
}

/// Base vectors, queries and (optionally) their ground truth.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Short name for reports: `clustered`, `gaussian`, or the base file's stem.
    pub name: String,
    /// Where it came from.
    pub source: Source,
    /// Components per vector.
    pub dim: usize,
    /// `n * dim` base components.
    pub base: Vec<f32>,
    /// `queries * dim` query components.
    pub queries: Vec<f32>,
    /// Ground truth from a file; `None` means compute it exactly.
    pub ground_truth: Option<GroundTruth>,
}

impl Dataset {
    /// Number of base vectors.
    pub fn n(&self) -> usize {
        self.base.len() / self.dim
    }

    /// Number of queries.
    pub fn query_count(&self) -> usize {
        self.queries.len() / self.dim
    }

    /// Base vector `i`.
    pub fn vector(&self, i: usize) -> &[f32] {
        &self.base[i * self.dim..(i + 1) * self.dim]
    }

    /// Query `i`.
    pub fn query(&self, i: usize) -> &[f32] {
        &self.queries[i * self.dim..(i + 1) * self.dim]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ground_truth_rows_are_checked_cell_by_cell() {
        // (k, ids, queries, n, text the error must contain); None = accepted.
        type Case<'a> = (usize, &'a [i64], usize, usize, Option<&'a str>);
        let cases: &[Case] = &[
            (2, &[0, 1, 2, 3], 2, 5, None),
            (2, &[0, 1, 2, 3, 4, 0], 2, 5, Some("3 ground-truth rows for 2 queries")),
            (2, &[0, 1], 2, 5, Some("1 ground-truth rows for 2 queries")),
            (2, &[0, 1, 2], 2, 5, Some("do not split")),
            (0, &[], 0, 5, Some("no neighbour ids")),
            (3, &[0, 0, 1], 1, 5, Some("query 0 lists id 0 twice (neighbour 1)")),
            (3, &[1, 2, 3, 4, 2, 2], 2, 5, Some("query 1 lists id 2 twice (neighbour 2)")),
            (2, &[0, 5], 1, 5, Some("query 0, neighbour 1 is id 5")),
            (2, &[-1, 0], 1, 5, Some("query 0, neighbour 0 is id -1")),
            (2, &[0, i64::from(i32::MAX)], 1, 5, Some("is id 2147483647")),
            (2, &[0, i64::from(i32::MIN)], 1, 5, Some("is id -2147483648")),
        ];
        for &(k, ids, queries, n, want) in cases {
            match (GroundTruth::checked("gt", k, ids.to_vec(), queries, n, ""), want) {
                (Ok(gt), None) => assert_eq!(gt.ids.len(), ids.len()),
                (Err(e), Some(w)) => assert!(e.to_string().contains(w), "{ids:?}: {e}"),
                (got, _) => panic!("{ids:?} (k {k}, {queries} queries, n {n}): {got:?}, expected {want:?}"),
            }
        }
        // Every row of a random table of in-range ids that repeats one id is refused.
        let mut r = hnswlab::synthetic::Rng::new(3);
        println!("seed 3");
        for case in 0..200 {
            let k = 2 + r.below(8) as usize;
            let mut row: Vec<i64> = (0..k as i64).map(|i| i * 3).collect();
            let (a, b) = (r.below(k as u64) as usize, r.below(k as u64) as usize);
            if a == b {
                continue;
            }
            row[b] = row[a];
            let e = GroundTruth::checked("gt", k, row.clone(), 1, 100, "").unwrap_err().to_string();
            assert!(e.contains("twice"), "case {case}: {row:?}: {e}");
        }
    }
}
