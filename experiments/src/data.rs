//! Data sets: the built-in synthetic generators and texmex files.
//!
//! Every synthetic set is a pure function of (kind, n, dim, queries, seed):
//! base and queries come from the same generator, queries on another stream.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Result};
use hnswlab::level::splitmix64;
use hnswlab::synthetic;

use crate::cli::{BuildArgs, DataKind};
use crate::{limits, texmex};

/// Default number of base vectors of a synthetic set.
pub const DEFAULT_N: usize = 20_000;
/// Default dimension of a synthetic set.
pub const DEFAULT_DIM: usize = 128;
/// Default number of queries of a synthetic set.
pub const DEFAULT_QUERIES: usize = 1_000;
/// Centres of the clustered set.
pub const CLUSTERED_CENTRES: usize = 100;
/// Spread (standard deviation) of each cluster around its centre.
pub const CLUSTERED_SPREAD: f32 = 0.3;
/// Stream of `synthetic::clustered` that the base set is drawn from.
pub const BASE_STREAM: u64 = 0;
/// Stream (clustered) or seed offset (gaussian) of the query set.
pub const QUERY_STREAM: u64 = 1;

/// Where a data set came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A built-in generator.
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
}

impl GroundTruth {
    /// The ids of query `i`.
    pub fn row(&self, i: usize) -> &[u32] {
        &self.ids[i * self.k..(i + 1) * self.k]
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

/// The data set `args` describe.
pub fn load(args: &BuildArgs) -> Result<Dataset> {
    match (&args.base, &args.query) {
        (Some(base), Some(query)) => load_texmex(args, base, query),
        (None, None) => synthetic_set(
            args.data.unwrap_or(DataKind::Clustered),
            args.n.unwrap_or(DEFAULT_N),
            args.dim.unwrap_or(DEFAULT_DIM),
            args.queries.unwrap_or(DEFAULT_QUERIES),
            args.seed,
        ),
        _ => bail!("--base and --query go together"),
    }
}

/// A synthetic set of `n` base vectors and `queries` queries.
pub fn synthetic_set(kind: DataKind, n: usize, dim: usize, queries: usize, seed: u64) -> Result<Dataset> {
    ensure!(n >= 1, "--n must be at least 1");
    ensure!(dim >= 1, "--dim must be at least 1");
    ensure!(queries >= 1, "--queries must be at least 1");
    ensure!(dim <= hnswlab::index::MAX_DIM, "--dim {dim} exceeds the largest dimension {}", hnswlab::index::MAX_DIM);
    limits::floats("--n x --dim", n, dim)?;
    limits::floats("--queries x --dim", queries, dim)?;
    let (name, base, qs) = match kind {
        DataKind::Clustered => (
            "clustered",
            synthetic::try_clustered(n, dim, CLUSTERED_CENTRES, CLUSTERED_SPREAD, seed, BASE_STREAM)?,
            synthetic::try_clustered(queries, dim, CLUSTERED_CENTRES, CLUSTERED_SPREAD, seed, QUERY_STREAM)?,
        ),
        DataKind::Gaussian => (
            "gaussian",
            synthetic::try_gaussian(n, dim, seed)?,
            synthetic::try_gaussian(queries, dim, splitmix64(seed) ^ QUERY_STREAM)?,
        ),
    };
    Ok(Dataset { name: name.to_string(), source: Source::Synthetic(kind), dim, base, queries: qs, ground_truth: None })
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Read base or query vectors as f32, choosing the format by extension.
fn read_vectors(path: &Path, limit: Option<usize>, what: &str) -> Result<texmex::Vecs<f32>> {
    Ok(match extension(path).as_str() {
        "fvecs" => texmex::read_fvecs(path, limit)?,
        "bvecs" => {
            let b = texmex::read_bvecs(path, limit)?;
            texmex::Vecs { dim: b.dim, data: b.data.into_iter().map(f32::from).collect() }
        }
        other => bail!("{what} file {}: unknown extension `.{other}` (expected .fvecs or .bvecs)", path.display()),
    })
}

fn load_texmex(args: &BuildArgs, base_path: &Path, query_path: &Path) -> Result<Dataset> {
    if args.n == Some(0) || args.queries == Some(0) {
        bail!("--n and --queries must be at least 1");
    }
    let base = read_vectors(base_path, args.n, "--base")?;
    let queries = read_vectors(query_path, args.queries, "--query")?;
    if let Some(dim) = args.dim {
        ensure!(dim == base.dim, "--dim {dim} does not match {} (dimension {})", base_path.display(), base.dim);
    }
    ensure!(
        queries.dim == base.dim,
        "query dimension {} ({}) differs from base dimension {} ({})",
        queries.dim,
        query_path.display(),
        base.dim,
        base_path.display()
    );
    let ground_truth = match &args.groundtruth {
        None => None,
        Some(path) => Some(load_ground_truth(path, queries.len(), base.len(), args.n.is_some())?),
    };
    let name = base_path.file_stem().and_then(|s| s.to_str()).unwrap_or("texmex").to_string();
    Ok(Dataset {
        name,
        source: Source::Texmex {
            base: base_path.to_path_buf(),
            query: query_path.to_path_buf(),
            groundtruth: args.groundtruth.clone(),
        },
        dim: base.dim,
        base: base.data,
        queries: queries.data,
        ground_truth,
    })
}

/// Read an `.ivecs` ground truth for `queries` queries over `n` base vectors.
fn load_ground_truth(path: &Path, queries: usize, n: usize, limited: bool) -> Result<GroundTruth> {
    ensure!(extension(path) == "ivecs", "--groundtruth {}: expected an .ivecs file", path.display());
    let rows = texmex::read_ivecs(path, Some(queries))?;
    ensure!(rows.len() == queries, "{}: {} ground-truth rows for {queries} queries", path.display(), rows.len());
    let mut ids = Vec::with_capacity(rows.data.len());
    for (i, &id) in rows.data.iter().enumerate() {
        let (q, col) = (i / rows.dim, i % rows.dim);
        if id < 0 || id as usize >= n {
            let hint = if limited && id >= 0 {
                " (--n loaded fewer base vectors than the ground truth refers to; \
                 drop --groundtruth to compute it exactly for the subset)"
            } else {
                ""
            };
            bail!("{}: query {q}, neighbour {col} is id {id}, outside the {n} base vectors{hint}", path.display());
        }
        ids.push(id as u32);
    }
    Ok(GroundTruth { k: rows.dim, ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_sets_are_deterministic_and_sized() {
        for kind in [DataKind::Clustered, DataKind::Gaussian] {
            let a = synthetic_set(kind, 50, 4, 7, 9).unwrap();
            let b = synthetic_set(kind, 50, 4, 7, 9).unwrap();
            assert_eq!((a.n(), a.dim, a.query_count()), (50, 4, 7));
            assert_eq!(a.base, b.base, "{kind:?} base not reproducible");
            assert_eq!(a.queries, b.queries);
            assert_ne!(&a.base[..4], &a.queries[..4], "{kind:?}: queries equal base");
            let c = synthetic_set(kind, 50, 4, 7, 10).unwrap();
            assert_ne!(a.base, c.base, "{kind:?}: seed ignored");
        }
    }

    #[test]
    fn zero_and_absurd_sizes_are_rejected_naming_the_flag() {
        let big = limits::MAX_FLOATS;
        // (n, dim, queries, the flag the error names)
        let cases: &[(usize, usize, usize, &str)] = &[
            (0, 4, 1, "--n"),
            (1, 0, 1, "--dim"),
            (1, 4, 0, "--queries"),
            (1, 65_537, 1, "--dim"),
            (usize::MAX, 4, 1, "--n x --dim"),
            (big / 4 + 1, 4, 1, "--n x --dim"),
            (1, 4, usize::MAX, "--queries x --dim"),
            (1, 128, 1_000_000_000, "--queries x --dim"),
            // 2^62 x 4 wraps to 0 in unchecked arithmetic.
            (1, 4, 1 << 62, "--queries x --dim"),
            (1, 1, usize::MAX, "--queries x --dim"),
        ];
        for kind in [DataKind::Clustered, DataKind::Gaussian] {
            for &(n, dim, queries, flag) in cases {
                let e = synthetic_set(kind, n, dim, queries, 0).unwrap_err().to_string();
                assert!(e.contains(flag), "{kind:?} n {n} dim {dim} queries {queries}: {e}");
            }
        }
    }

    #[test]
    fn ground_truth_ids_out_of_range_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gt.ivecs");
        texmex::write(&path, 2, &[0i32, 5]).unwrap();
        let err = load_ground_truth(&path, 1, 5, true).unwrap_err().to_string();
        assert!(err.contains("id 5") && err.contains("--n"), "{err}");
        texmex::write(&path, 2, &[0i32, -1]).unwrap();
        assert!(load_ground_truth(&path, 1, 5, false).is_err());
        texmex::write(&path, 2, &[0i32, 1]).unwrap();
        assert!(load_ground_truth(&path, 2, 5, false).is_err(), "too few rows");
        let gt = load_ground_truth(&path, 1, 5, false).unwrap();
        assert_eq!(gt.row(0), &[0, 1]);
    }
}
