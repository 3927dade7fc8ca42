//! Making the data set a [`DatasetSpec`] describes: the generators of
//! `hnswlab::synthetic` (deterministic from the seed), texmex files and
//! ann-benchmarks HDF5 files. The spec's paths are used as paths, never
//! parsed as arguments, so a file named `-x.fvecs` is a file.

use std::path::Path;

use anyhow::{bail, ensure, Result};
use hnswlab::level::splitmix64;
use hnswlab::synthetic;

use super::spec::{DataKind, DatasetSpec, DEFAULT_QUERIES};
use super::{Dataset, GroundTruth, Source, BASE_STREAM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, QUERY_STREAM};
use crate::texmex;

/// Make or read the data set `spec` describes with `seed`: validated first
/// ([`DatasetSpec::validate`]), named `spec.name`, and an error if it ends up
/// empty. Errors name the spec's keys as its [`Origin`] spells them.
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Dataset> {
    spec.validate()?;
    let queries = spec.queries.unwrap_or(DEFAULT_QUERIES);
    let (n, dim) = (spec.n.unwrap_or(0), spec.dim.unwrap_or(0));
    let query_seed = splitmix64(seed) ^ QUERY_STREAM;
    let synthetic = |base: Vec<f32>, queries: Vec<f32>| Dataset {
        name: spec.name.clone(),
        source: Source::Synthetic(spec.kind),
        dim,
        base,
        queries,
        ground_truth: None,
    };
    let mut ds = match spec.kind {
        DataKind::Clustered => synthetic(
            synthetic::try_clustered(n, dim, CLUSTERED_CENTRES, CLUSTERED_SPREAD, seed, BASE_STREAM)?,
            synthetic::try_clustered(queries, dim, CLUSTERED_CENTRES, CLUSTERED_SPREAD, seed, QUERY_STREAM)?,
        ),
        DataKind::Gaussian => {
            synthetic(synthetic::try_gaussian(n, dim, seed)?, synthetic::try_gaussian(queries, dim, query_seed)?)
        }
        DataKind::Lattice => {
            let range = spec.range.unwrap_or(1);
            synthetic(
                synthetic::try_lattice(n, dim, range, seed)?,
                synthetic::try_lattice(queries, dim, range, query_seed)?,
            )
        }
        DataKind::Duplicates => {
            let copies = spec.copies.unwrap_or(1);
            synthetic(
                synthetic::try_duplicates(n / copies.max(1), copies, dim, seed)?,
                synthetic::try_gaussian(queries, dim, query_seed)?,
            )
        }
        DataKind::Texmex => load_texmex(spec)?,
        DataKind::Hdf5 => load_hdf5(spec)?,
    };
    ds.name = spec.name.clone();
    if let Some(gt) = &mut ds.ground_truth {
        gt.trusted = spec.trust_groundtruth;
    }
    ensure!(
        ds.n() >= 1 && ds.query_count() >= 1,
        "data set `{}` is empty: {} base vectors, {} queries",
        spec.name,
        ds.n(),
        ds.query_count()
    );
    Ok(ds)
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

/// texmex files: the first `n` base vectors and `queries` queries (all when
/// absent), of dimension `dim` if given, with the ground truth if named.
fn load_texmex(spec: &DatasetSpec) -> Result<Dataset> {
    let (Some(base_path), Some(query_path)) = (&spec.base, &spec.query) else {
        bail!("kind texmex needs base and query")
    };
    let key = |k: &str| spec.origin.key(k);
    let base = read_vectors(base_path, spec.n, &key("base"))?;
    let queries = read_vectors(query_path, spec.queries, &key("query"))?;
    if let Some(dim) = spec.dim {
        ensure!(
            dim == base.dim,
            "{} {dim} does not match {} (dimension {})",
            key("dim"),
            base_path.display(),
            base.dim
        );
    }
    ensure!(
        queries.dim == base.dim,
        "query dimension {} ({}) differs from base dimension {} ({})",
        queries.dim,
        query_path.display(),
        base.dim,
        base_path.display()
    );
    let ground_truth = match &spec.groundtruth {
        None => None,
        Some(path) => Some(load_ground_truth(path, queries.len(), base.len(), spec)?),
    };
    Ok(Dataset {
        name: spec.name.clone(),
        source: Source::Texmex {
            base: base_path.clone(),
            query: query_path.clone(),
            groundtruth: spec.groundtruth.clone(),
        },
        dim: base.dim,
        base: base.data,
        queries: queries.data,
        ground_truth,
    })
}

/// Read an `.ivecs` ground truth for `queries` queries over `n` base
/// vectors ([`GroundTruth::checked`]). Where `spec.queries` took the first
/// queries, the file may hold more rows (the first `queries` are used);
/// otherwise it must hold exactly one per query.
fn load_ground_truth(path: &Path, queries: usize, n: usize, spec: &DatasetSpec) -> Result<GroundTruth> {
    let key = |k: &str| spec.origin.key(k);
    ensure!(extension(path) == "ivecs", "{} {}: expected an .ivecs file", key("groundtruth"), path.display());
    let limited_queries = spec.queries.is_some();
    let mut rows = texmex::read_ivecs(path, limited_queries.then_some(queries))?;
    if !limited_queries {
        ensure!(
            rows.len() == queries,
            "{}: {} ground-truth rows for {queries} queries (one row per query)",
            path.display(),
            rows.len()
        );
    }
    rows.data.truncate(queries.saturating_mul(rows.dim));
    let hint = if spec.n.is_some() {
        format!(
            " ({} loaded fewer base vectors than the ground truth refers to; \
             drop {} to compute it exactly for the subset)",
            key("n"),
            key("groundtruth")
        )
    } else {
        String::new()
    };
    let ids = rows.data.iter().map(|&id| i64::from(id)).collect();
    GroundTruth::checked(&path.display().to_string(), rows.dim, ids, queries, n, &hint)
}

#[cfg(feature = "hdf5")]
fn load_hdf5(spec: &DatasetSpec) -> Result<Dataset> {
    let Some(path) = &spec.file else { bail!("kind hdf5 needs file") };
    crate::hdf5::load(path, spec.n, spec.queries)
}

#[cfg(not(feature = "hdf5"))]
fn load_hdf5(spec: &DatasetSpec) -> Result<Dataset> {
    bail!(
        "data set `{}` is an HDF5 file: rebuild with `--features hdf5` (cargo run --release -p hnswlab-experiments \
         --features hdf5 --bin hnswlab -- report ...)",
        spec.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{example_spec as spec, Origin};
    use crate::limits;

    #[test]
    fn synthetic_kinds_are_sized_deterministic_and_named() {
        for kind in [DataKind::Clustered, DataKind::Gaussian, DataKind::Lattice, DataKind::Duplicates] {
            let a = load(&spec(kind), 7).unwrap();
            assert_eq!((a.name.as_str(), a.n(), a.dim, a.query_count()), ("t", 60, 3, 5), "{kind:?}");
            assert_eq!(a.source, Source::Synthetic(kind));
            assert_eq!(a.base, load(&spec(kind), 7).unwrap().base, "{kind:?} not reproducible");
            assert_ne!(a.base, load(&spec(kind), 8).unwrap().base, "{kind:?} ignores the seed");
            assert_ne!(&a.base[..3], &a.queries[..3], "{kind:?}: queries equal base");
        }
        let lattice = load(&spec(DataKind::Lattice), 7).unwrap();
        assert!(lattice.base.iter().all(|&x| x.fract() == 0.0 && x.abs() <= 2.0));
        let dups = load(&spec(DataKind::Duplicates), 7).unwrap();
        let distinct: std::collections::BTreeSet<Vec<u32>> =
            dups.base.chunks(3).map(|v| v.iter().map(|x| x.to_bits()).collect()).collect();
        assert_eq!(distinct.len(), 10, "60 vectors = 10 distinct x 6 copies");
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
                let e = load(&DatasetSpec::synthetic(kind, n, dim, queries), 0).unwrap_err().to_string();
                assert!(e.contains(flag), "{kind:?} n {n} dim {dim} queries {queries}: {e}");
                let config = DatasetSpec { origin: Origin::Config, ..DatasetSpec::synthetic(kind, n, dim, queries) };
                let e = load(&config, 0).unwrap_err().to_string();
                assert!(e.contains(&flag.replace("--", "")) && !e.contains("--"), "config spec: {e}");
            }
        }
    }

    #[test]
    fn ground_truth_ids_out_of_range_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gt.ivecs");
        let limited = DatasetSpec { n: Some(5), ..DatasetSpec::synthetic(DataKind::Texmex, 5, 2, 1) };
        let whole = DatasetSpec { n: None, queries: None, ..limited.clone() };
        texmex::write(&path, 2, &[0i32, 5]).unwrap();
        let err = load_ground_truth(&path, 1, 5, &limited).unwrap_err().to_string();
        assert!(err.contains("id 5") && err.contains("--n"), "{err}");
        texmex::write(&path, 2, &[0i32, -1]).unwrap();
        assert!(load_ground_truth(&path, 1, 5, &whole).is_err());
        texmex::write(&path, 2, &[0i32, 1]).unwrap();
        assert!(load_ground_truth(&path, 2, 5, &whole).is_err(), "too few rows");
        let gt = load_ground_truth(&path, 1, 5, &whole).unwrap();
        assert_eq!(gt.row(0), &[0, 1]);
    }

    #[test]
    fn missing_texmex_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(DataKind::Texmex);
        s.base = Some(dir.path().join("absent-b.fvecs"));
        s.query = Some(dir.path().join("absent-q.fvecs"));
        assert!(format!("{:#}", load(&s, 1).unwrap_err()).contains("absent-b.fvecs"));
    }
}
