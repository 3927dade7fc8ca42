//! Experiment configs (TOML, `experiments/configs/`): data sets x strategies x
//! build parameters x search ef sweep x build threads x repetitions.
//!
//! ```toml
//! name = "quick"            # default output folder: reports/<name>
//! seed = 42                 # data sets and level function
//! strategies = []           # empty: every real strategy
//! mutants = true            # also build every mutant on data sets marked `mutants = true`
//! peers = []                # "hnsw_rs", "instant-distance" (cargo feature `peers`)
//! python_peers = []         # "hnswlib", "faiss" (python3 with numpy and the packages)
//! threads = [1, 2]
//! repetitions = 1
//! ef = [10, 20, 40, 80, 160, 320]
//! fixed_ef = 80             # ef of the build-throughput-vs-recall chart
//!
//! [[builds]]
//! m = 16
//! ef_construction = 100
//! prune = "standard"        # or "symmetric"
//! selection = "heuristic"   # or "simple"
//!
//! [[datasets]]
//! name = "clustered-20k"
//! kind = "clustered"        # clustered | gaussian | lattice | duplicates | texmex | hdf5
//! n = 20000
//! dim = 64
//! queries = 1000
//!
//! [fidelity]                # optional: hnswlab Standard vs hnswlib, as `hnswlab fidelity`
//! shapes = ["duplicates-32d"]
//! seeds = [1, 2, 3]
//!
//! [churn]                   # optional: delete policies and hnswlib under churn, as `hnswlab churn`
//! rounds = 20
//! fraction = 0.1
//! ```
//!
//! A config may hold only a `[fidelity]` and/or `[churn]` section (no `[[datasets]]`): then
//! `threads`, `ef`, `fixed_ef` and `[[builds]]` may be left out.
//!
//! The result path of a run derives from its parameters ([`run_id`]).

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use clap::ValueEnum;
use hnswlab::registry;
use hnswlab::{Params, PrunePolicy, Selection};
use serde::{Deserialize, Serialize};

use crate::data::{check_component, DatasetSpec};
use crate::names::{MetricArg, PruneArg, SelectionArg};

/// Peers a config may list (built only with the cargo feature `peers`).
pub const PEERS: [&str; 2] = ["hnsw_rs", "instant-distance"];

/// Libraries `experiments/scripts/python_peers.py` knows (config key `python_peers`,
/// and `libs` of a comparison config).
pub const PYTHON_PEERS: [&str; 2] = ["hnswlib", "faiss"];

/// The config `hnswlab report` runs without `--config`.
pub const QUICK: &str = include_str!("../configs/quick.toml");

/// A whole experiment.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Report name; the default output folder is `reports/<name>`.
    pub name: String,
    /// One line on what the experiment is for (shown in the report).
    #[serde(default)]
    pub description: String,
    /// Seed of the synthetic data sets and of the level function.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Strategy names (`hnswlab::registry::names()`); empty means every real strategy.
    #[serde(default)]
    pub strategies: Vec<String>,
    /// Also build every mutant (once, at the largest thread count) on the data
    /// sets marked `mutants = true`.
    #[serde(default)]
    pub mutants: bool,
    /// Other HNSW libraries to measure on the same data ([`PEERS`]); they
    /// need the cargo feature `peers` and are skipped with a note without it.
    #[serde(default)]
    pub peers: Vec<String>,
    /// Python libraries to measure through `experiments/scripts/python_peers.py`
    /// (`hnswlib`, `faiss`); skipped with a note when Python or a package is missing.
    #[serde(default)]
    pub python_peers: Vec<String>,
    /// ef values for peers that fix ef at build time and so are rebuilt per
    /// ef (instant-distance); default: `ef`. Must include `fixed_ef`.
    #[serde(default)]
    pub peers_rebuild_ef: Vec<usize>,
    /// Build thread counts.
    #[serde(default = "one_thread")]
    pub threads: Vec<usize>,
    /// Times each (data set, build, strategy, threads) is built and measured
    /// (`1..=`[`crate::limits::MAX_REPETITIONS`]).
    #[serde(default = "one")]
    pub repetitions: usize,
    /// Search ef values to sweep (each >= 10).
    #[serde(default = "default_ef")]
    pub ef: Vec<usize>,
    /// The ef of the build-throughput-vs-recall chart and of the summary table; must be in `ef`.
    #[serde(default = "default_fixed_ef")]
    pub fixed_ef: usize,
    /// Build parameter sets (at least one when there are data sets).
    #[serde(default)]
    pub builds: Vec<BuildSpec>,
    /// Data sets.
    #[serde(default)]
    pub datasets: Vec<DatasetSpec>,
    /// The fidelity comparison with hnswlib (`hnswlab fidelity`), run after
    /// the data sets; its tables and chart are published with the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fidelity: Option<crate::fidelity::Spec>,
    /// The churn experiment (`hnswlab churn`), run last; its tables, JSON and
    /// charts are published with the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<crate::churn::Spec>,
}

fn one_thread() -> Vec<usize> {
    vec![1]
}

fn default_ef() -> Vec<usize> {
    vec![10, 20, 40, 80, 160, 320]
}

fn default_fixed_ef() -> usize {
    80
}

fn default_seed() -> u64 {
    42
}

fn one() -> usize {
    1
}

/// One set of build parameters.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    /// M.
    pub m: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// `standard` or `symmetric`.
    #[serde(default = "standard")]
    pub prune: String,
    /// `heuristic` or `simple`.
    #[serde(default = "heuristic")]
    pub selection: String,
    /// Search each new vector after its insert and re-link it if missing.
    #[serde(default)]
    pub verify_inserts: bool,
}

fn standard() -> String {
    "standard".into()
}

fn heuristic() -> String {
    "heuristic".into()
}

impl BuildSpec {
    /// `m16-efc100-standard-heuristic` (plus `-verify` when set).
    pub fn label(&self) -> String {
        let verify = if self.verify_inserts { "-verify" } else { "" };
        format!("m{}-efc{}-{}-{}{verify}", self.m, self.ef_construction, self.prune, self.selection)
    }

    /// The core's parameters for this spec, `metric` and `seed`.
    pub fn params(&self, metric: &str, seed: u64) -> Result<Params> {
        let prune: PrunePolicy = PruneArg::from_str(&self.prune, true)
            .map_err(|_| anyhow::anyhow!("prune `{}`: expected standard or symmetric", self.prune))?
            .into();
        let selection: Selection = SelectionArg::from_str(&self.selection, true)
            .map_err(|_| anyhow::anyhow!("selection `{}`: expected heuristic or simple", self.selection))?
            .into();
        let metric = MetricArg::from_str(metric, true)
            .map_err(|_| anyhow::anyhow!("metric `{metric}`: expected l2, ip or cosine"))?;
        Params::builder()
            .m(self.m)
            .ef_construction(self.ef_construction)
            .seed(seed)
            .prune(prune)
            .selection(selection)
            .metric(metric.into())
            .verify_inserts(self.verify_inserts)
            .build()
            .with_context(|| format!("build parameters {}", self.label()))
    }
}

impl Config {
    /// Parse a config from TOML text and validate it.
    pub fn parse(text: &str) -> Result<Config> {
        parse_toml(text, "invalid experiment config", Config::validate)
    }

    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config> {
        load_toml(path, Config::parse)
    }

    /// The built-in quick config.
    pub fn quick() -> Config {
        Config::parse(QUICK).expect("the built-in quick config is valid")
    }

    /// The ef values instant-distance is rebuilt for.
    pub fn rebuild_efs(&self) -> &[usize] {
        if self.peers_rebuild_ef.is_empty() {
            &self.ef
        } else {
            &self.peers_rebuild_ef
        }
    }

    /// The strategies to run: the listed names, or every real strategy.
    pub fn strategy_names(&self) -> Vec<&str> {
        if self.strategies.is_empty() {
            registry::strategies().iter().map(|s| s.name()).collect()
        } else {
            self.strategies.iter().map(String::as_str).collect()
        }
    }

    /// Check everything that can be checked before any data is made.
    pub fn validate(&self) -> Result<()> {
        check_name_threads_ef(&self.name, &self.threads, &self.ef)?;
        crate::limits::count("repetitions", self.repetitions, crate::limits::MAX_REPETITIONS)?;
        ensure!(self.ef.contains(&self.fixed_ef), "fixed_ef {} is not one of ef {:?}", self.fixed_ef, self.ef);
        ensure!(
            !self.datasets.is_empty() || self.fidelity.is_some() || self.churn.is_some(),
            "list at least one [[datasets]], a [fidelity] or a [churn] section"
        );
        ensure!(self.datasets.is_empty() || !self.builds.is_empty(), "list at least one [[builds]]");
        if let Some(f) = &self.fidelity {
            f.validate().context("[fidelity]")?;
        }
        if let Some(c) = &self.churn {
            c.validate().context("[churn]")?;
        }
        for name in self.strategy_names() {
            ensure!(
                registry::by_name(name).is_some(),
                "unknown strategy `{name}`; known: {}",
                registry::names().join(", ")
            );
        }
        if !self.peers_rebuild_ef.is_empty() {
            ensure!(
                self.peers_rebuild_ef.contains(&self.fixed_ef)
                    && self.peers_rebuild_ef.iter().all(|&e| e >= crate::metrics::K),
                "peers_rebuild_ef {:?} must include fixed_ef {} and be >= k",
                self.peers_rebuild_ef,
                self.fixed_ef
            );
        }
        for p in &self.python_peers {
            ensure!(
                PYTHON_PEERS.contains(&p.as_str()),
                "unknown python peer `{p}`; known: {}",
                PYTHON_PEERS.join(", ")
            );
        }
        for p in &self.peers {
            ensure!(PEERS.contains(&p.as_str()), "unknown peer `{p}`; known: {}", PEERS.join(", "));
        }
        for b in &self.builds {
            b.params("l2", self.seed)?;
        }
        let mut names = std::collections::BTreeSet::new();
        for d in &self.datasets {
            ensure!(names.insert(d.name.as_str()), "data set name `{}` is used twice", d.name);
            d.validate().with_context(|| format!("data set `{}`", d.name))?;
            self.builds[0].params(&d.metric, self.seed).with_context(|| format!("data set `{}`", d.name))?;
        }
        Ok(())
    }
}

/// The checks every config shares: a name fit for a folder, thread counts
/// in `1..=MAX_THREADS`, and a non-empty search sweep with every ef >= k.
pub fn check_name_threads_ef(name: &str, threads: &[usize], ef: &[usize]) -> Result<()> {
    check_component("name", name)?;
    let max = crate::limits::MAX_THREADS;
    ensure!(
        !threads.is_empty() && threads.iter().all(|&t| (1..=max).contains(&t)),
        "threads {threads:?}: list counts in 1..={max}"
    );
    ensure!(!ef.is_empty(), "ef: list at least one value");
    if let Some(ef) = ef.iter().find(|&&ef| ef < crate::metrics::K) {
        bail!("ef {ef} is below k = {}", crate::metrics::K);
    }
    Ok(())
}

/// A `T` from TOML `text` (`what` names it in the error), checked by `validate`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
    validate: impl Fn(&T) -> Result<()>,
) -> Result<T> {
    let c: T = toml::from_str(text).context(what)?;
    validate(&c)?;
    Ok(c)
}

/// `parse` applied to the text of the file at `path`; errors name the file.
pub fn load_toml<T>(path: &Path, parse: impl Fn(&str) -> Result<T>) -> Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse(&text).with_context(|| format!("config {}", path.display()))
}

/// The result path of one run, derived from its parameters:
/// `<dataset>/<strategy>/<build label>/t<threads>/r<repetition>`.
pub fn run_id(dataset: &str, strategy: &str, build: &BuildSpec, threads: usize, repetition: usize) -> String {
    format!("{dataset}/{strategy}/{}/t{threads}/r{repetition}", build.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataKind;

    #[test]
    fn the_quick_config_is_valid_and_runs_every_strategy() {
        let c = Config::quick();
        assert_eq!(c.name, "quick");
        assert_eq!(c.strategy_names(), registry::strategies().iter().map(|s| s.name()).collect::<Vec<_>>());
        assert_eq!(c.threads, vec![1, 2]);
        assert!(c.datasets.iter().any(|d| d.mutants), "no data set builds the mutants");
    }

    #[test]
    fn the_full_config_parses() {
        let text = include_str!("../configs/full.toml");
        let c: Config = toml::from_str(text).expect("full.toml parses");
        assert!(c.datasets.iter().any(|d| d.kind == DataKind::Texmex));
    }

    #[test]
    fn a_config_may_be_a_fidelity_section_alone_and_its_mistakes_are_reported() {
        for (file, text) in [
            ("fidelity.toml", include_str!("../configs/fidelity.toml")),
            ("fidelity-quick.toml", include_str!("../configs/fidelity-quick.toml")),
        ] {
            let c = Config::parse(text).unwrap_or_else(|e| panic!("{file}: {e:#}"));
            assert!(c.datasets.is_empty() && c.builds.is_empty(), "{file}");
            let f = c.fidelity.as_ref().expect("a [fidelity] section");
            assert!(!f.shapes().unwrap().is_empty() && !f.seeds.is_empty(), "{file}");
        }
        let full = Config::parse(include_str!("../configs/fidelity.toml")).unwrap().fidelity.unwrap();
        assert_eq!(full.shapes().unwrap(), crate::fidelity::ShapeKind::ALL.to_vec(), "empty shapes: every shape");
        assert!(format!("{:#}", Config::parse("name = \"x\"").unwrap_err()).contains("[fidelity]"));
        let section = |body: &str| format!("name = \"x\"\n[fidelity]\n{body}");
        assert!(Config::parse(&section("")).is_ok(), "every key has a default");
        // (section body, text the error must contain)
        let cases = [
            ("shapes = [\"no-such\"]", "unknown shape"),
            ("seeds = []", "seed"),
            ("n = 19", "below 20"),
            ("queries = 0", "queries"),
            ("n = 100000000000", "n x dim"),
            ("queries = 18446744073709551615", "queries x dim"),
            ("ef = [5]", "below k"),
            ("ef = []", "ef"),
            ("m = 0", "fidelity build parameters"),
            ("bogus = 1", "bogus"),
        ];
        for (body, want) in cases {
            let e = format!("{:#}", Config::parse(&section(body)).unwrap_err());
            assert!(e.contains(want), "{body}: {e}");
        }
        let with_data = "name = \"x\"\n[[datasets]]\nname = \"g\"\nkind = \"gaussian\"\nn = 10\ndim = 2\n";
        assert!(format!("{:#}", Config::parse(with_data).unwrap_err()).contains("[[builds]]"));
    }

    #[test]
    fn the_churn_configs_parse_and_the_default_one_is_the_default_run() {
        let c = Config::parse(include_str!("../configs/churn.toml")).unwrap();
        assert!(c.datasets.is_empty() && c.fidelity.is_none());
        assert_eq!(c.churn, Some(crate::churn::Spec::default()), "churn.toml is `hnswlab churn` with its defaults");
        let large = Config::parse(include_str!("../configs/churn-large.toml")).unwrap().churn.unwrap();
        assert!(large.n > c.churn.unwrap().n && large.update_fraction > 0.0);
        let section = |body: &str| format!("name = \"x\"\n[churn]\n{body}");
        assert!(Config::parse(&section("")).is_ok(), "every key has a default");
        for (body, want) in
            [("fraction = 2.0", "fraction 2"), ("data = \"lattice\"", "clustered or gaussian"), ("bogus = 1", "bogus")]
        {
            let e = format!("{:#}", Config::parse(&section(body)).unwrap_err());
            assert!(e.contains(want) && (want == "bogus" || e.contains("[churn]")), "{body}: {e}");
        }
    }

    #[test]
    fn mistakes_are_reported_before_any_data_is_made() {
        let base = Config::quick();
        let text = toml::to_string(&base).unwrap();
        assert!(Config::parse(&text).is_ok(), "round trip");
        let bad = text.replace("fixed_ef = 80", "fixed_ef = 81");
        assert!(format!("{:#}", Config::parse(&bad).unwrap_err()).contains("fixed_ef"));
        let mut c = base.clone();
        c.strategies = vec!["no-such".into()];
        assert!(c.validate().unwrap_err().to_string().contains("unknown strategy"));
        let mut c = base.clone();
        c.peers = vec!["faiss-gpu".into()];
        assert!(c.validate().unwrap_err().to_string().contains("unknown peer"));
        let mut c = base.clone();
        c.builds[0].prune = "sideways".into();
        assert!(format!("{:#}", c.validate().unwrap_err()).contains("prune"));
        let mut c = base.clone();
        c.datasets[0].n = None;
        assert!(format!("{:#}", c.validate().unwrap_err()).contains("`n`"));
        assert!(Config::parse("name = \"x\"\nbogus = 1").is_err(), "unknown keys are rejected");
    }

    #[test]
    fn repetitions_are_bounded_on_both_sides() {
        let max = crate::limits::MAX_REPETITIONS;
        for (repetitions, ok) in [(0, false), (1, true), (max, true), (max + 1, false), (1 << 40, false)] {
            let text = QUICK.replace("repetitions = 3", &format!("repetitions = {repetitions}"));
            assert_ne!(text, QUICK, "`repetitions = 3` not in the quick config");
            match Config::parse(&text) {
                Ok(c) => assert!(ok && c.repetitions == repetitions, "repetitions {repetitions} accepted"),
                Err(e) => {
                    assert!(!ok, "repetitions {repetitions} refused: {e:#}");
                    assert!(format!("{e:#}").contains(&format!("repetitions {repetitions}: must be in 1..={max}")));
                }
            }
        }
    }

    #[test]
    fn run_ids_derive_from_the_parameters() {
        let b = BuildSpec {
            m: 8,
            ef_construction: 50,
            prune: "symmetric".into(),
            selection: "heuristic".into(),
            verify_inserts: false,
        };
        assert_eq!(run_id("lattice", "concurrent", &b, 2, 0), "lattice/concurrent/m8-efc50-symmetric-heuristic/t2/r0");
    }
}
