//! Data sets of a config: the synthetic generators of `hnswlab::synthetic`
//! (deterministic from the config seed), texmex files and ann-benchmarks HDF5
//! files.

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use hnswlab::level::splitmix64;
use hnswlab::synthetic;

use crate::cli::{Cli, Command, DataKind};
use crate::config::{DataSpecKind, DatasetSpec};
use crate::data::{self, Dataset, Source};

pub use crate::config::DEFAULT_QUERIES;

/// Seed of a synthetic set's queries, distinct from the base set's.
fn query_seed(seed: u64) -> u64 {
    splitmix64(seed) ^ data::QUERY_STREAM
}

/// Make or load the data set `spec` describes: validated first
/// ([`DatasetSpec::validate`]), and an error if it ends up empty.
pub fn load(spec: &DatasetSpec, seed: u64) -> Result<Dataset> {
    spec.validate().with_context(|| format!("data set `{}`", spec.name.escape_debug()))?;
    let queries = spec.queries.unwrap_or(DEFAULT_QUERIES);
    let (n, dim) = (spec.n.unwrap_or(0), spec.dim.unwrap_or(0));
    let mut ds = match spec.kind {
        DataSpecKind::Clustered => data::synthetic_set(DataKind::Clustered, n, dim, queries, seed)?,
        DataSpecKind::Gaussian => data::synthetic_set(DataKind::Gaussian, n, dim, queries, seed)?,
        DataSpecKind::Lattice => {
            let range = spec.range.unwrap_or(1);
            synthetic_dataset(
                spec,
                dim,
                synthetic::try_lattice(n, dim, range, seed)?,
                synthetic::try_lattice(queries, dim, range, query_seed(seed))?,
            )
        }
        DataSpecKind::Duplicates => {
            let copies = spec.copies.unwrap_or(1);
            synthetic_dataset(
                spec,
                dim,
                synthetic::try_duplicates(n / copies.max(1), copies, dim, seed)?,
                synthetic::try_gaussian(queries, dim, query_seed(seed))?,
            )
        }
        DataSpecKind::Texmex => load_texmex(spec)?,
        DataSpecKind::Hdf5 => load_hdf5(spec)?,
    };
    ds.name = spec.name.clone();
    ensure!(
        ds.n() >= 1 && ds.query_count() >= 1,
        "data set `{}` is empty: {} base vectors, {} queries",
        spec.name,
        ds.n(),
        ds.query_count()
    );
    Ok(ds)
}

fn synthetic_dataset(spec: &DatasetSpec, dim: usize, base: Vec<f32>, queries: Vec<f32>) -> Dataset {
    // `source` only feeds `hnswlab build`'s report; the report keeps the spec.
    Dataset {
        name: spec.name.clone(),
        source: Source::Synthetic(DataKind::Gaussian),
        dim,
        base,
        queries,
        ground_truth: None,
    }
}

/// texmex files through `hnswlab build`'s own loader (same checks and
/// messages). The paths are set as values, never re-parsed as arguments, so
/// a file named `-x.fvecs` is a file.
fn load_texmex(spec: &DatasetSpec) -> Result<Dataset> {
    let (Some(base), Some(query)) = (&spec.base, &spec.query) else { bail!("texmex needs base and query") };
    let cli = Cli::try_parse_from(["hnswlab", "build"]).context("default build arguments")?;
    let Command::Build(mut args) = cli.command else { unreachable!("parsed a build command") };
    args.data = None;
    args.base = Some(base.clone());
    args.query = Some(query.clone());
    args.groundtruth = spec.groundtruth.clone();
    args.n = spec.n;
    args.queries = spec.queries;
    data::load(&args).with_context(|| format!("data set `{}`", spec.name))
}

#[cfg(feature = "hdf5")]
fn load_hdf5(spec: &DatasetSpec) -> Result<Dataset> {
    let Some(path) = &spec.file else { bail!("hdf5 needs file") };
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

    use crate::config::example_spec as spec;

    #[test]
    fn synthetic_kinds_are_sized_deterministic_and_named() {
        for kind in [DataSpecKind::Clustered, DataSpecKind::Gaussian, DataSpecKind::Lattice, DataSpecKind::Duplicates] {
            let a = load(&spec(kind), 7).unwrap();
            assert_eq!((a.name.as_str(), a.n(), a.dim, a.query_count()), ("t", 60, 3, 5), "{kind:?}");
            assert_eq!(a.base, load(&spec(kind), 7).unwrap().base, "{kind:?} not reproducible");
            assert_ne!(a.base, load(&spec(kind), 8).unwrap().base, "{kind:?} ignores the seed");
        }
        let lattice = load(&spec(DataSpecKind::Lattice), 7).unwrap();
        assert!(lattice.base.iter().all(|&x| x.fract() == 0.0 && x.abs() <= 2.0));
        let dups = load(&spec(DataSpecKind::Duplicates), 7).unwrap();
        let distinct: std::collections::BTreeSet<Vec<u32>> =
            dups.base.chunks(3).map(|v| v.iter().map(|x| x.to_bits()).collect()).collect();
        assert_eq!(distinct.len(), 10, "60 vectors = 10 distinct x 6 copies");
    }

    #[test]
    fn missing_texmex_files_are_reported() {
        let mut s = spec(DataSpecKind::Texmex);
        s.base = Some("/nonexistent/b.fvecs".into());
        s.query = Some("/nonexistent/q.fvecs".into());
        assert!(format!("{:#}", load(&s, 1).unwrap_err()).contains("/nonexistent/b.fvecs"));
    }
}
