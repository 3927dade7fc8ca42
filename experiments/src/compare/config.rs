//! Comparison configs (TOML, `experiments/configs/compare*.toml`).
//!
//! ```toml
//! name = "compare"           # default output folder: reports/<name>
//! seed = 42                  # synthetic data and hnswlab's level function
//! m = 16                     # equal for every library
//! ef_construction = 200
//! threads = [1, 2]           # build threads; search always runs on one
//! rounds = 3                 # every entrant is measured once per round
//! search_passes = 5          # timed passes over the queries per ef; QPS is the best
//! ef = [10, 20, 40, 80]      # search sweep, each >= k = 10
//! target_recall = 0.95       # QPS is read off the sweep at this recall@10
//! libs = ["hnswlib", "faiss"]  # [] measures hnswlab alone
//! python = "python3"         # interpreter for the libraries (default: $HNSWLAB_PYTHON, else python3)
//!
//! [strategies]               # hnswlab strategies per thread count
//! 1 = ["sequential"]
//! 2 = ["concurrent", "batched-deterministic-parallel"]
//!
//! [[datasets]]               # the data set kinds of `hnswlab report` (metric l2)
//! name = "clustered-100k"
//! kind = "clustered"
//! n = 100000
//! dim = 128
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{ensure, Context, Result};
use hnswlab::registry;
use serde::{Deserialize, Serialize};

use crate::config::{check_name_threads_ef, load_toml, parse_toml, BuildSpec, PYTHON_PEERS};
use crate::data::{DataKind, DatasetSpec};

/// The built-in default config (`experiments/configs/compare.toml`).
pub const DEFAULT: &str = include_str!("../../configs/compare.toml");

/// The built-in smoke config (`experiments/configs/compare-quick.toml`).
pub const QUICK: &str = include_str!("../../configs/compare-quick.toml");

/// A whole comparison.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CompareConfig {
    /// Name; the default output folder is `reports/<name>`.
    pub name: String,
    /// One line on what the comparison is for.
    #[serde(default)]
    pub description: String,
    /// Seed of the synthetic data sets and of hnswlab's (and hnswlib's) level function.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// M, for every library (layer 0 holds 2M everywhere).
    pub m: usize,
    /// efConstruction, for every library.
    pub ef_construction: usize,
    /// Build thread counts.
    pub threads: Vec<usize>,
    /// Rounds: each entrant is built and swept once per round
    /// (`1..=`[`crate::limits::MAX_ROUNDS`]).
    #[serde(default = "default_rounds")]
    pub rounds: usize,
    /// Search ef sweep.
    pub ef: Vec<usize>,
    /// Timed passes over all queries per ef (`1..=`[`crate::limits::MAX_PASSES`],
    /// after one untimed warm-up); QPS is the best pass, so a pass slowed by another process on the
    /// shared machine does not count (ann-benchmarks' `run_count`).
    #[serde(default = "default_passes")]
    pub search_passes: usize,
    /// QPS is interpolated on the sweep at this recall@10.
    #[serde(default = "default_target")]
    pub target_recall: f64,
    /// Python libraries (`hnswlib`, `faiss`); empty measures hnswlab alone.
    #[serde(default)]
    pub libs: Vec<String>,
    /// The Python interpreter.
    #[serde(default = "default_python")]
    pub python: String,
    /// hnswlab strategies per build thread count (keys are thread counts).
    pub strategies: BTreeMap<String, Vec<String>>,
    /// Data sets (metric l2: the Python runner measures squared L2).
    pub datasets: Vec<DatasetSpec>,
}

fn default_seed() -> u64 {
    42
}

fn default_rounds() -> usize {
    3
}

fn default_passes() -> usize {
    5
}

fn default_target() -> f64 {
    0.95
}

fn default_python() -> String {
    crate::python::interpreter()
}

impl CompareConfig {
    /// Parse TOML text and validate it.
    pub fn parse(text: &str) -> Result<CompareConfig> {
        parse_toml(text, "invalid comparison config", CompareConfig::validate)
    }

    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<CompareConfig> {
        load_toml(path, CompareConfig::parse)
    }

    /// The build parameters every library gets: hnswlib's pruning and heuristic.
    pub fn build(&self) -> BuildSpec {
        BuildSpec {
            m: self.m,
            ef_construction: self.ef_construction,
            prune: "standard".into(),
            selection: "heuristic".into(),
            verify_inserts: false,
        }
    }

    /// The hnswlab strategies at `threads` build threads.
    pub fn strategies_at(&self, threads: usize) -> &[String] {
        self.strategies.get(&threads.to_string()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Check everything that can be checked before any data is made.
    pub fn validate(&self) -> Result<()> {
        check_name_threads_ef(&self.name, &self.threads, &self.ef)?;
        crate::limits::count("rounds", self.rounds, crate::limits::MAX_ROUNDS)?;
        crate::limits::count("search_passes", self.search_passes, crate::limits::MAX_PASSES)?;
        ensure!(self.target_recall > 0.0 && self.target_recall <= 1.0, "target_recall must be in (0, 1]");
        self.build().params("l2", self.seed)?;
        for key in self.strategies.keys() {
            let t: usize = key.parse().with_context(|| format!("strategies: key `{key}` is not a thread count"))?;
            ensure!(self.threads.contains(&t), "strategies: thread count {t} is not in threads {:?}", self.threads);
        }
        for &t in &self.threads {
            ensure!(!self.strategies_at(t).is_empty(), "strategies: list at least one strategy for {t} thread(s)");
            for name in self.strategies_at(t) {
                ensure!(
                    registry::by_name(name).is_some(),
                    "unknown strategy `{name}`; known: {}",
                    registry::names().join(", ")
                );
            }
        }
        for lib in &self.libs {
            ensure!(
                PYTHON_PEERS.contains(&lib.as_str()),
                "unknown library `{lib}`; known: {}",
                PYTHON_PEERS.join(", ")
            );
        }
        ensure!(!self.datasets.is_empty(), "list at least one [[datasets]]");
        let mut names = std::collections::BTreeSet::new();
        for d in &self.datasets {
            ensure!(names.insert(d.name.as_str()), "data set name `{}` is used twice", d.name);
            d.validate().with_context(|| format!("data set `{}`", d.name.escape_debug()))?;
            ensure!(d.metric == "l2", "data set `{}`: the comparison measures l2 only", d.name);
        }
        Ok(())
    }
}

/// The files a data set reads, when some are absent: such a set is skipped
/// with a note (e.g. MNIST before `experiments/scripts/fetch_mnist.sh`).
pub fn missing_files(spec: &DatasetSpec) -> Vec<String> {
    let files = match spec.kind {
        DataKind::Texmex => vec![&spec.base, &spec.query, &spec.groundtruth],
        DataKind::Hdf5 => vec![&spec.file],
        _ => vec![],
    };
    files.into_iter().flatten().filter(|p| !p.exists()).map(|p| p.display().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_configs_are_valid() {
        let full = CompareConfig::parse(DEFAULT).unwrap();
        assert_eq!((full.m, full.ef_construction, full.rounds), (16, 200, 3));
        assert_eq!(full.strategies_at(1), ["sequential"]);
        assert_eq!(full.strategies_at(2), ["concurrent", "batched-deterministic-parallel"]);
        assert_eq!(full.libs, ["hnswlib", "faiss"]);
        let quick = CompareConfig::parse(QUICK).unwrap();
        assert_eq!((quick.rounds, quick.datasets[0].n), (2, Some(10_000)));
        let fast = CompareConfig::parse(include_str!("../../configs/compare-fast.toml")).unwrap();
        assert_eq!((fast.m, fast.ef_construction, fast.search_passes), (16, 64, 5));
        assert_eq!(full.search_passes, 5, "the default when a config does not say");
    }

    #[test]
    fn mistakes_are_reported() {
        let bad = |from: &str, to: &str| {
            let text = QUICK.replace(from, to);
            assert_ne!(text, QUICK, "`{from}` not in the quick config");
            format!("{:#}", CompareConfig::parse(&text).unwrap_err())
        };
        assert!(bad("2 = [\"concurrent\"", "3 = [\"concurrent\"").contains("not in threads"));
        assert!(bad("\"concurrent\"", "\"no-such\"").contains("unknown strategy"));
        assert!(bad("libs = [\"hnswlib\"", "libs = [\"annoy\"").contains("unknown library"));
        assert!(bad("rounds = 2", "rounds = 0").contains("rounds"));
        assert!(bad("rounds = 2", "rounds = 2\nsearch_passes = 0").contains("search_passes"));
        assert!(bad("ef = [10,", "ef = [5,").contains("below k"));
        assert!(bad("kind = \"clustered\"", "kind = \"clustered\"\nmetric = \"ip\"").contains("l2 only"));
    }

    #[test]
    fn rounds_and_search_passes_are_bounded_on_both_sides() {
        // (key, its limit, the quick config's line for it at `value`)
        type Line = fn(usize) -> String;
        let keys: [(&str, usize, Line); 2] = [
            ("rounds", crate::limits::MAX_ROUNDS, |v| format!("rounds = {v}")),
            ("search_passes", crate::limits::MAX_PASSES, |v| format!("rounds = 2\nsearch_passes = {v}")),
        ];
        for (key, max, line) in keys {
            for (value, ok) in [(0, false), (1, true), (max, true), (max + 1, false), (1 << 40, false)] {
                let text = QUICK.replace("rounds = 2", &line(value));
                match CompareConfig::parse(&text) {
                    Ok(c) => {
                        assert!(ok, "{key} {value} accepted");
                        assert_eq!(if key == "rounds" { c.rounds } else { c.search_passes }, value);
                    }
                    Err(e) => {
                        assert!(!ok, "{key} {value} refused: {e:#}");
                        assert!(format!("{e:#}").contains(&format!("{key} {value}: must be in 1..={max}")), "{e:#}");
                    }
                }
            }
        }
    }

    #[test]
    fn absent_texmex_files_are_listed() {
        let c = CompareConfig::parse(DEFAULT).unwrap();
        let mut mnist = c.datasets.iter().find(|d| d.name == "mnist").unwrap().clone();
        mnist.base = Some("/nonexistent/base.fvecs".into());
        assert!(missing_files(&mnist).contains(&"/nonexistent/base.fvecs".to_string()));
        assert!(missing_files(&c.datasets[0]).is_empty(), "synthetic sets read no files");
    }
}
