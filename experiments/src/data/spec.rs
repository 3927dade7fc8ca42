//! What a data set is, before any of it is made: [`DatasetSpec`], the one
//! description that `hnswlab build` makes from its flags and `report` and
//! `compare` read from their configs' `[[datasets]]`, all loaded by
//! [`super::load`].

use std::path::PathBuf;

use anyhow::{bail, ensure, Result};
use clap::ValueEnum;
use serde::{Deserialize, Serialize};

use crate::limits;
use crate::names::MetricArg;

/// Base vectors of a synthetic set when `hnswlab build` is not told.
pub const DEFAULT_N: usize = 20_000;
/// Dimension of a synthetic set when `hnswlab build` is not told.
pub const DEFAULT_DIM: usize = 128;
/// Queries of a synthetic set when neither the flags nor the config say.
pub const DEFAULT_QUERIES: usize = 1_000;

/// Longest name accepted for a report or data set (a folder or file name part).
pub const MAX_NAME: usize = 100;

/// What kind of data a [`DatasetSpec`] describes. `hnswlab build --data`
/// offers the generators that need no more than n, dim and queries; files
/// come in through `--base` and `--query`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DataKind {
    /// 100 Gaussian centres, each point = centre + 0.3 x N(0, I); needs n, dim.
    Clustered,
    /// i.i.d. standard normal coordinates; needs n, dim.
    Gaussian,
    /// Integer lattice points in `-range..=range` per coordinate (ties and
    /// duplicates); needs n, dim, range.
    #[value(skip)]
    Lattice,
    /// `copies` copies of `n / copies` Gaussian vectors, shuffled; needs n, dim, copies.
    #[value(skip)]
    Duplicates,
    /// texmex `.fvecs`/`.bvecs` files: base, query, optional groundtruth (`.ivecs`).
    #[value(skip)]
    Texmex,
    /// An ann-benchmarks HDF5 file (`train`, `test`, `neighbors`); needs the `hdf5` feature.
    #[value(skip)]
    Hdf5,
}

impl DataKind {
    /// The name in configs and reports (`clustered`, `texmex`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DataKind::Clustered => "clustered",
            DataKind::Gaussian => "gaussian",
            DataKind::Lattice => "lattice",
            DataKind::Duplicates => "duplicates",
            DataKind::Texmex => "texmex",
            DataKind::Hdf5 => "hdf5",
        }
    }
}

/// Where a spec came from, which decides how its errors name its keys and
/// whether its name must be a path component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    /// A config's `[[datasets]]` table: keys are `n`, `dim`, ...; the name is
    /// part of result paths, so it must be one safe path component.
    #[default]
    Config,
    /// `hnswlab build`'s flags: keys are `--n`, `--dim`, ...; the name (a
    /// generator's, or the base file's stem) is only shown.
    Flags,
}

impl Origin {
    /// `key` as this origin spells it: `n` or `--n`.
    pub fn key(self, key: &str) -> String {
        match self {
            Origin::Config => key.to_string(),
            Origin::Flags => format!("--{key}"),
        }
    }
}

/// One data set.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// Name in reports and result paths.
    pub name: String,
    /// Generator or file format.
    pub kind: DataKind,
    /// Base vectors (synthetic), or the first n of the file.
    pub n: Option<usize>,
    /// Dimension (synthetic); for files, the dimension they must have, if given.
    pub dim: Option<usize>,
    /// Queries (synthetic: default [`DEFAULT_QUERIES`]), or the first `queries` of the file.
    pub queries: Option<usize>,
    /// Lattice: coordinates in `-range..=range`.
    pub range: Option<i32>,
    /// Duplicates: copies of each distinct vector.
    pub copies: Option<usize>,
    /// Texmex base file (relative paths: from the working directory).
    pub base: Option<PathBuf>,
    /// Texmex query file.
    pub query: Option<PathBuf>,
    /// Texmex ground-truth file (`.ivecs`); computed exactly when absent.
    pub groundtruth: Option<PathBuf>,
    /// Use the file's ground truth (texmex `groundtruth`, HDF5 `neighbors`)
    /// even where a sample of its rows disagrees with brute force: a note, not an error.
    #[serde(default)]
    pub trust_groundtruth: bool,
    /// HDF5 file.
    pub file: Option<PathBuf>,
    /// `l2`, `ip` or `cosine`.
    #[serde(default = "l2")]
    pub metric: String,
    /// Build the mutants on this data set too (when the config's `mutants` is on).
    #[serde(default)]
    pub mutants: bool,
    /// Where the spec came from (never serialised: a config's spec is [`Origin::Config`]).
    #[serde(skip)]
    pub origin: Origin,
}

fn l2() -> String {
    "l2".into()
}

/// `name` is safe as one path component: 1 to [`MAX_NAME`] letters, digits,
/// `-`, `_` or `.`, not starting with `.` (so never `.`, `..` or hidden), and
/// therefore never a separator, an absolute path or a parent reference.
pub fn check_component(what: &str, name: &str) -> Result<()> {
    ensure!(
        !name.is_empty()
            && name.len() <= MAX_NAME
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
        "{what} `{}`: use 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`, not starting with `.`",
        name.escape_debug()
    );
    Ok(())
}

impl DatasetSpec {
    /// A synthetic set of `kind` named after it, as `hnswlab build` makes one
    /// (metric l2, [`Origin::Flags`]).
    pub fn synthetic(kind: DataKind, n: usize, dim: usize, queries: usize) -> DatasetSpec {
        DatasetSpec {
            name: kind.name().to_string(),
            kind,
            n: Some(n),
            dim: Some(dim),
            queries: Some(queries),
            range: None,
            copies: None,
            base: None,
            query: None,
            groundtruth: None,
            trust_groundtruth: false,
            file: None,
            metric: l2(),
            mutants: false,
            origin: Origin::Flags,
        }
    }

    /// Everything about one data set that can be checked before any data is
    /// made: a config's name is safe as a path component; the keys its kind
    /// needs are there; sizes are within [`crate::limits`]; generator
    /// parameters give a non-empty set; the metric is known. Errors name the
    /// keys as the spec's [`Origin`] spells them.
    pub fn validate(&self) -> Result<()> {
        let key = |k: &str| self.origin.key(k);
        if self.origin == Origin::Config {
            check_component("name", &self.name)?;
        }
        let kind = self.kind.name();
        let need = |v: Option<usize>, what: &str| -> Result<usize> {
            match v {
                Some(v) if v >= 1 => Ok(v),
                _ => bail!("kind {kind} needs `{}` >= 1", key(what)),
            }
        };
        for (v, what) in [(self.n, "n"), (self.dim, "dim"), (self.queries, "queries")] {
            ensure!(v != Some(0), "`{}` must be at least 1", key(what));
        }
        let synthetic = |n: usize, dim: usize| -> Result<()> {
            let max = hnswlab::index::MAX_DIM;
            ensure!(dim <= max, "{} {dim} exceeds the largest dimension {max}", key("dim"));
            limits::floats(&format!("{} x {}", key("n"), key("dim")), n, dim)?;
            let queries = self.queries.unwrap_or(DEFAULT_QUERIES);
            limits::floats(&format!("{} x {}", key("queries"), key("dim")), queries, dim)?;
            Ok(())
        };
        match self.kind {
            DataKind::Clustered | DataKind::Gaussian => synthetic(need(self.n, "n")?, need(self.dim, "dim")?)?,
            DataKind::Lattice => {
                synthetic(need(self.n, "n")?, need(self.dim, "dim")?)?;
                let max = hnswlab::synthetic::MAX_LATTICE_RANGE;
                ensure!(
                    self.range.is_some_and(|r| (1..=max).contains(&r)),
                    "kind lattice needs `{}` in 1..={max}, got {:?}",
                    key("range"),
                    self.range
                );
            }
            DataKind::Duplicates => {
                let n = need(self.n, "n")?;
                synthetic(n, need(self.dim, "dim")?)?;
                let copies = need(self.copies, "copies")?;
                ensure!(n >= copies, "n ({n}) must be at least copies ({copies}): the set would be empty");
            }
            DataKind::Texmex => {
                ensure!(
                    self.base.is_some() && self.query.is_some(),
                    "kind texmex needs `{}` and `{}`",
                    key("base"),
                    key("query")
                );
            }
            DataKind::Hdf5 => ensure!(self.file.is_some(), "kind hdf5 needs `{}`", key("file")),
        }
        MetricArg::from_str(&self.metric, true)
            .map_err(|_| anyhow::anyhow!("metric `{}`: expected l2, ip or cosine", self.metric))?;
        Ok(())
    }
}

/// A small valid config spec of `kind` (60 x 3, 5 queries), for tests.
#[cfg(test)]
pub(crate) fn example_spec(kind: DataKind) -> DatasetSpec {
    DatasetSpec {
        name: "t".into(),
        range: Some(2),
        copies: Some(6),
        base: Some("b.fvecs".into()),
        query: Some("q.fvecs".into()),
        file: Some("f.hdf5".into()),
        origin: Origin::Config,
        ..DatasetSpec::synthetic(kind, 60, 3, 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use example_spec as spec;

    #[test]
    fn a_spec_survives_a_toml_round_trip_and_a_config_spec_stays_a_config_spec() {
        // Regression: `hnswlab build` and the configs share this type, so every
        // kind's spec (and the build's own, whose origin is not serialised)
        // must read back as the same spec, now of origin Config.
        #[derive(Serialize, Deserialize)]
        struct Table {
            datasets: Vec<DatasetSpec>,
        }
        let kinds = [DataKind::Clustered, DataKind::Gaussian, DataKind::Lattice, DataKind::Duplicates];
        let mut specs: Vec<DatasetSpec> =
            kinds.iter().chain(&[DataKind::Texmex, DataKind::Hdf5]).map(|&k| spec(k)).collect();
        specs[4].groundtruth = Some("-gt.ivecs".into());
        specs[4].trust_groundtruth = true;
        specs[1].metric = "cosine".into();
        specs[0].mutants = true;
        let flags = DatasetSpec::synthetic(DataKind::Gaussian, 50, 4, 7);
        let text =
            toml::to_string(&Table { datasets: specs.iter().cloned().chain([flags.clone()]).collect() }).unwrap();
        let back: Table = toml::from_str(&text).unwrap();
        assert_eq!(&back.datasets[..specs.len()], &specs[..], "{text}");
        assert_eq!(back.datasets[specs.len()], DatasetSpec { origin: Origin::Config, ..flags }, "{text}");
        assert!(!text.contains("origin"), "{text}");
        for s in &back.datasets {
            s.validate().unwrap_or_else(|e| panic!("{s:?}: {e:#}"));
        }
    }

    #[test]
    fn names_that_are_not_one_safe_path_component_are_rejected() {
        let bad = [
            "", ".", "..", "../x", "../../x", "a/b", "a\\b", "/abs", "/", ".hidden", "x\0y", "a b", "ä", "x:y", "~",
            "-\n", "a/../b",
        ];
        let long = "x".repeat(MAX_NAME + 1);
        for name in bad.iter().copied().chain([long.as_str()]) {
            let mut s = spec(DataKind::Gaussian);
            s.name = name.into();
            let e = format!("{:#}", s.validate().unwrap_err());
            assert!(e.contains("name"), "{name:?}: {e}");
            assert!(check_component("name", name).is_err(), "{name:?}");
        }
        for name in ["a", "x..y", "sift-1M", "A_b.c", "9", &"x".repeat(MAX_NAME)] {
            assert!(check_component("name", name).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn data_sets_that_would_be_empty_or_too_large_are_rejected_before_any_data_is_made() {
        use DataKind::*;
        // (kind, edit, text the error must contain)
        type Edit = fn(&mut DatasetSpec);
        let cases: &[(DataKind, Edit, &str)] = &[
            (Duplicates, |s| s.copies = Some(0), "copies"),
            (Duplicates, |s| s.copies = None, "copies"),
            (Duplicates, |s| s.copies = Some(61), "copies"),
            (Duplicates, |s| s.copies = Some(usize::MAX), "copies"),
            (Lattice, |s| s.range = Some(-3), "range"),
            (Lattice, |s| s.range = Some(0), "range"),
            (Lattice, |s| s.range = Some(i32::MAX), "range"),
            (Lattice, |s| s.range = Some(i32::MIN), "range"),
            (Lattice, |s| s.n = Some(usize::MAX), "n x dim"),
            (Lattice, |s| s.n = Some(usize::MAX / 3 + 1), "n x dim"),
            (Gaussian, |s| s.n = Some(crate::limits::MAX_FLOATS), "n x dim"),
            (Clustered, |s| s.queries = Some(usize::MAX), "queries x dim"),
            (Clustered, |s| s.queries = Some(1 << 62), "queries x dim"),
            (Clustered, |s| s.queries = Some(0), "queries"),
            (Clustered, |s| s.dim = Some(0), "dim"),
            (Clustered, |s| s.dim = Some(1 << 20), "dim"),
            (Gaussian, |s| s.n = Some(0), "`n`"),
            (Gaussian, |s| s.metric = "hamming".into(), "metric"),
            (Texmex, |s| s.base = None, "base"),
            (Hdf5, |s| s.file = None, "file"),
        ];
        for (kind, edit, want) in cases {
            let mut s = spec(*kind);
            assert!(s.validate().is_ok(), "{kind:?} before the edit");
            edit(&mut s);
            let e = format!("{:#}", s.validate().unwrap_err());
            assert!(e.contains(want), "{kind:?} {s:?}: {e}");
        }
    }
}
