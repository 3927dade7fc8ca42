//! `hnswlab convert --from hnswlib FILE --dim D [--space ..] --to OUT`: an
//! hnswlib 0.8 index as an hnswlab index file, so it can be searched,
//! censused and reported on with hnswlab's tools.
//!
//! The graph is taken exactly as hnswlib left it (levels, lists, entry
//! point, vectors, labels) through `Hnsw::from_view`, under params read from
//! the file (M, maxM0, efConstruction, mL) and the given space. A file with
//! any defect (see `hnswlab check`) or with deleted records (hnswlab has no
//! tombstones) is refused. The written file is loaded back and compared with
//! the graph before the command reports success.

use std::path::PathBuf;

use anyhow::{bail, ensure, Context, Result};
use clap::{Args, ValueEnum};
use hnswlab::foreign::hnswlib;
use hnswlab::{Hnsw, Params, Snapshot};

use crate::names::MetricArg;

/// `--from` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FromArg {
    /// hnswlib 0.8 `saveIndex`.
    Hnswlib,
}

/// Arguments of `hnswlab convert`.
#[derive(Debug, Clone, Args)]
pub struct ConvertArgs {
    /// The source file's format.
    #[arg(long, value_enum)]
    pub from: FromArg,
    /// The source index file.
    pub file: PathBuf,
    /// Vector dimension (checked against the record layout).
    #[arg(long)]
    pub dim: usize,
    /// The space the hnswlib index was built in.
    #[arg(long, value_enum, default_value_t = MetricArg::L2)]
    pub space: MetricArg,
    /// The hnswlab index file to write (atomically).
    #[arg(long, value_name = "OUT")]
    pub to: PathBuf,
}

/// What `convert` wrote.
#[derive(Debug, Clone)]
pub struct Converted {
    /// Nodes written.
    pub nodes: usize,
    /// The output file.
    pub to: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Run `hnswlab convert`.
pub fn run(args: &ConvertArgs) -> Result<Converted> {
    let FromArg::Hnswlib = args.from;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let opts = hnswlib::Options { dim: Some(args.dim), space: args.space.into() };
    let idx = hnswlib::read(&bytes, &opts).with_context(|| format!("reading {} as hnswlib", args.file.display()))?;
    if let Some(first) = idx.defects.first() {
        bail!(
            "{} has {} defect(s), the first: {first}; run `hnswlab check` for all of them",
            args.file.display(),
            idx.defects.len()
        );
    }
    let deleted = idx.deleted_count();
    ensure!(deleted == 0, "{} holds {deleted} deleted record(s); hnswlab has no tombstones", args.file.display());
    let g = &idx.graph;
    let top = g.levels.iter().map(|l| l.0).max().unwrap_or(0);
    let mut params = Params::builder()
        .m(idx.params.m)
        .m0(idx.params.m0)
        .ef_construction(idx.params.ef_construction.max(1))
        .metric(args.space.into());
    if let Some(ml) = idx.params.ml {
        params = params.ml(ml);
    }
    let defaults = Params::builder().build().context("default params")?;
    let params =
        params.level_cap(defaults.level_cap().max(top)).build().context("params read from the hnswlib file")?;
    let index = Hnsw::from_view(g, params).context("adopting the hnswlib graph")?;
    index.save(&args.to).with_context(|| format!("writing {}", args.to.display()))?;
    let back = Hnsw::load(&args.to).with_context(|| format!("reading back {}", args.to.display()))?;
    ensure!(Snapshot::of(&back) == *g, "{} does not read back as the hnswlib graph", args.to.display());
    let written = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    Ok(Converted { nodes: g.levels.len(), to: args.to.clone(), bytes: written })
}
