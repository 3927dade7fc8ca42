//! Fidelity to hnswlib: the same vectors, in the same order, built by
//! hnswlab's reference Alg. 1 under `--prune standard` (documented as
//! "paper/hnswlib") and by hnswlib (through `python_peers.py --mode graph`,
//! which saves the index and hands its graph back), over several seeds, and
//! compared metric by metric.
//!
//! Both graphs go through the same checker census (`check_all`; hnswlib's
//! saved index is read by `hnswlab::foreign::hnswlib`), so one-way fraction, in-degree 0, unreachable and mean
//! out-degree per layer mean exactly the same thing on both sides. Recall@10
//! uses the ε rule against one exact ground truth; the self-miss fraction is
//! the share of base vectors whose k = 1 search at ef = efConstruction returns
//! neither the vector nor an identical copy, after the build.
//!
//! A metric is flagged when the two libraries' seed means differ by more than
//! the larger of their seed-to-seed ranges (min to max), or than a floor for
//! metrics whose range can be zero (see [`floor`]): a difference the seeds
//! alone do not explain.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use hnswlab::synthetic::{self, Rng};
use hnswlab::{Hnsw, Metric, Params, PrunePolicy};
use hnswlab_invariants::{check_all, Expectations, Health};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Source};
use crate::metrics::{self, Truth};
use crate::report::python_peers::{self, Inputs};

/// The data shapes: where HNSW implementations differ is on ties, so most are
/// rich in exact or near ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ShapeKind {
    /// Uniform in [0, 1)^8.
    UniformLow,
    /// Uniform in [0, 1)^64.
    UniformHigh,
    /// 32-d, 50 Gaussian centres, spread 0.3.
    Clustered,
    /// Uniform 32-d with 10% of the rows as 20 vectors repeated, shuffled: clumps of
    /// copies larger than a list, where the order among equal distances decides who is kept.
    Duplicates,
    /// As `Duplicates`, each copy moved by uniform noise of 1e-4 per coordinate.
    NearDuplicates,
    /// Integer points in {0..5}^4: many copies and many equal distances.
    Lattice,
}

impl ShapeKind {
    /// Every shape, in report order.
    pub const ALL: [ShapeKind; 6] = [
        ShapeKind::UniformLow,
        ShapeKind::UniformHigh,
        ShapeKind::Clustered,
        ShapeKind::Duplicates,
        ShapeKind::NearDuplicates,
        ShapeKind::Lattice,
    ];

    /// Stable name for the CLI and reports.
    pub fn name(self) -> &'static str {
        match self {
            ShapeKind::UniformLow => "uniform-8d",
            ShapeKind::UniformHigh => "uniform-64d",
            ShapeKind::Clustered => "clustered-32d",
            ShapeKind::Duplicates => "duplicates-32d",
            ShapeKind::NearDuplicates => "near-duplicates-32d",
            ShapeKind::Lattice => "lattice-4d",
        }
    }

    /// The shape called `name`.
    pub fn by_name(name: &str) -> Result<ShapeKind> {
        ShapeKind::ALL.into_iter().find(|s| s.name() == name).with_context(|| {
            let known: Vec<&str> = ShapeKind::ALL.iter().map(|s| s.name()).collect();
            format!("unknown shape `{name}`; known: {}", known.join(", "))
        })
    }

    fn dim(self) -> usize {
        match self {
            ShapeKind::UniformLow => 8,
            ShapeKind::UniformHigh => 64,
            ShapeKind::Lattice => 4,
            _ => 32,
        }
    }

    /// `n` base rows and `queries` query rows, a pure function of the seed.
    pub fn generate(self, n: usize, queries: usize, seed: u64) -> Result<Dataset> {
        anyhow::ensure!(n >= 20 && queries >= 1, "a fidelity shape needs n >= 20 and queries >= 1");
        let dim = self.dim();
        n.checked_mul(dim).filter(|c| *c <= isize::MAX as usize / 8).context("n x dim does not fit in memory")?;
        let mut r = Rng::new(seed);
        let mut uniform = |rows: usize| -> Vec<f32> { (0..rows * dim).map(|_| r.uniform() as f32).collect() };
        let (base, queries) = match self {
            ShapeKind::UniformLow | ShapeKind::UniformHigh => (uniform(n), uniform(queries)),
            ShapeKind::Clustered => {
                (synthetic::clustered(n, dim, 50, 0.3, seed, 0), synthetic::clustered(queries, dim, 50, 0.3, seed, 1))
            }
            ShapeKind::Duplicates | ShapeKind::NearDuplicates => {
                let (clumps, copies) = (20, (n / 200).max(1));
                let distinct = n - clumps * copies;
                let mut base = uniform(distinct);
                let centres = uniform(clumps);
                let q = uniform(queries);
                let mut noise = Rng::new(seed ^ 0x05EE_D0FC_09E5);
                for c in centres.chunks_exact(dim) {
                    for _ in 0..copies {
                        match self {
                            ShapeKind::NearDuplicates => {
                                base.extend(c.iter().map(|&x| x + (1e-4 * noise.uniform()) as f32))
                            }
                            _ => base.extend_from_slice(c),
                        }
                    }
                }
                (shuffle(base, dim, seed), q)
            }
            ShapeKind::Lattice => {
                let mut point = |rows: usize| -> Vec<f32> { (0..rows * dim).map(|_| r.below(6) as f32).collect() };
                (point(n), point(queries))
            }
        };
        Ok(Dataset {
            name: self.name().into(),
            source: Source::Synthetic(crate::data::DataKind::Gaussian),
            dim,
            base,
            queries,
            ground_truth: None,
        })
    }
}

/// Rows of `data` in a seeded random order (Fisher–Yates).
fn shuffle(data: Vec<f32>, dim: usize, seed: u64) -> Vec<f32> {
    let n = data.len() / dim;
    let mut order: Vec<usize> = (0..n).collect();
    let mut r = Rng::new(seed ^ 0x0005_4FF1_E000);
    for i in (1..n).rev() {
        order.swap(i, r.below(i as u64 + 1) as usize);
    }
    order.iter().flat_map(|&i| data[i * dim..(i + 1) * dim].iter().copied()).collect()
}

/// Seeds of `hnswlab fidelity` and of a config's `[fidelity]` section when not given.
pub const DEFAULT_SEEDS: [u64; 3] = [1, 2, 3];
/// Base rows per shape when not given.
pub const DEFAULT_N: usize = 20_000;
/// Queries per shape when not given.
pub const DEFAULT_QUERIES: usize = 1_000;
/// M when not given.
pub const DEFAULT_M: usize = 16;
/// efConstruction when not given.
pub const DEFAULT_EF_CONSTRUCTION: usize = 200;
/// Search ef values for recall@10 when not given.
pub const DEFAULT_EF: [usize; 3] = [10, 50, 100];
/// Largest dimension of a shape (uniform-64d): the bound on `n x dim`.
const MAX_SHAPE_DIM: usize = 64;

/// What to compare: the flags of `hnswlab fidelity`, or the `[fidelity]`
/// section of a report config (every key optional, defaults as the flags):
///
/// ```toml
/// [fidelity]
/// shapes = ["duplicates-32d", "lattice-4d"]   # empty or absent: every shape
/// seeds = [1, 2, 3]
/// n = 20000
/// queries = 1000
/// m = 16
/// ef_construction = 200
/// ef = [10, 50, 100]
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Shape names ([`ShapeKind::name`]); empty means every shape.
    #[serde(default)]
    pub shapes: Vec<String>,
    /// Seeds of the data and of both level functions.
    #[serde(default = "default_seeds")]
    pub seeds: Vec<u64>,
    /// Base rows per shape.
    #[serde(default = "default_n")]
    pub n: usize,
    /// Queries per shape.
    #[serde(default = "default_queries")]
    pub queries: usize,
    /// M.
    #[serde(default = "default_m")]
    pub m: usize,
    /// efConstruction.
    #[serde(default = "default_ef_construction")]
    pub ef_construction: usize,
    /// Search ef values for recall@10 (each >= k).
    #[serde(default = "default_ef")]
    pub ef: Vec<usize>,
}

fn default_seeds() -> Vec<u64> {
    DEFAULT_SEEDS.to_vec()
}
fn default_n() -> usize {
    DEFAULT_N
}
fn default_queries() -> usize {
    DEFAULT_QUERIES
}
fn default_m() -> usize {
    DEFAULT_M
}
fn default_ef_construction() -> usize {
    DEFAULT_EF_CONSTRUCTION
}
fn default_ef() -> Vec<usize> {
    DEFAULT_EF.to_vec()
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            shapes: Vec::new(),
            seeds: default_seeds(),
            n: DEFAULT_N,
            queries: DEFAULT_QUERIES,
            m: DEFAULT_M,
            ef_construction: DEFAULT_EF_CONSTRUCTION,
            ef: default_ef(),
        }
    }
}

impl Spec {
    /// The shapes to run, in the order given (every shape when none is).
    pub fn shapes(&self) -> Result<Vec<ShapeKind>> {
        if self.shapes.is_empty() {
            return Ok(ShapeKind::ALL.to_vec());
        }
        self.shapes.iter().map(|s| ShapeKind::by_name(s)).collect()
    }

    /// Everything that can be checked before any data is made: known shapes,
    /// at least one seed, `n >= 20` and `queries >= 1` within the float limit
    /// at the largest shape dimension, every ef >= k, and build parameters
    /// the core accepts.
    pub fn validate(&self) -> Result<()> {
        self.shapes()?;
        anyhow::ensure!(!self.seeds.is_empty(), "fidelity seeds: list at least one seed");
        anyhow::ensure!(self.n >= 20, "fidelity n {} is below 20 (a shape has 20 clumps)", self.n);
        anyhow::ensure!(self.queries >= 1, "fidelity queries must be at least 1");
        crate::limits::floats("fidelity n x dim", self.n, MAX_SHAPE_DIM)?;
        crate::limits::floats("fidelity queries x dim", self.queries, MAX_SHAPE_DIM)?;
        anyhow::ensure!(!self.ef.is_empty(), "fidelity ef: list at least one value");
        if let Some(ef) = self.ef.iter().find(|&&ef| ef < metrics::K) {
            bail!("fidelity ef {ef} is below k = {}", metrics::K);
        }
        self.settings().params(0).map(|_| ())
    }

    /// The settings both libraries build with.
    pub fn settings(&self) -> Settings {
        Settings {
            m: self.m,
            ef_construction: self.ef_construction,
            efs: self.ef.clone(),
            n: self.n,
            queries: self.queries,
        }
    }
}

/// Build settings shared by both libraries.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// M.
    pub m: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// Search ef values for recall@10.
    pub efs: Vec<usize>,
    /// Base rows per shape.
    pub n: usize,
    /// Queries per shape.
    pub queries: usize,
}

impl Settings {
    /// hnswlab's build parameters for `seed`: Standard pruning, the heuristic.
    fn params(&self, seed: u64) -> Result<Params> {
        Params::builder()
            .m(self.m)
            .ef_construction(self.ef_construction)
            .seed(seed)
            .prune(PrunePolicy::Standard)
            .build()
            .context("fidelity build parameters")
    }
}

/// What one build measured: named metrics in a fixed order.
pub type Measures = Vec<(String, f64)>;

/// The named metrics of a census, recall points and self-miss count.
fn measures(h: &Health, recall: &[(usize, f64)], self_misses: usize) -> Measures {
    let mut out = Vec::new();
    let n = h.nodes.max(1) as f64;
    for l in h.layers.iter().take(2) {
        let nodes = l.nodes.max(1) as f64;
        out.push((format!("L{} one-way fraction", l.layer), l.one_way_fraction));
        out.push((format!("L{} in-degree 0 / nodes", l.layer), l.zero_in_degree as f64 / nodes));
        out.push((format!("L{} unreachable / nodes", l.layer), l.unreachable as f64 / nodes));
        out.push((format!("L{} mean out-degree", l.layer), l.edges as f64 / nodes));
    }
    for level in 1..=2 {
        let above: usize = h.level_histogram.iter().skip(level).sum();
        out.push((format!("level >= {level} / nodes"), above as f64 / n));
    }
    for &(ef, r) in recall {
        out.push((format!("recall@10 ef {ef}"), r));
    }
    out.push(("self-miss / nodes".into(), self_misses as f64 / n));
    out
}

/// The census expectations for both graphs: nothing beyond I1/I2 is hard, no
/// exactness or level-law test (the level functions differ by design).
fn soft(n: usize) -> Expectations {
    let standard = Params::default();
    Expectations { exact_queries: 0, level_law: None, inserted: Some(n), ..Expectations::for_params(&standard) }
}

/// Recall@10 per ef of a search `found(query, ef) -> rows`.
fn recall(
    ds: &Dataset,
    truth: &Truth,
    efs: &[usize],
    mut found: impl FnMut(&[f32], usize) -> Result<Vec<usize>>,
) -> Result<Vec<(usize, f64)>> {
    efs.iter()
        .map(|&ef| {
            let mut hits = 0;
            for (i, &kth) in truth.kth.iter().enumerate() {
                let q = ds.query(i);
                let rows = found(q, ef)?;
                hits +=
                    metrics::hits(ds, Metric::L2, q, rows.into_iter(), truth.k, kth).map_err(anyhow::Error::from)?;
            }
            Ok((ef, hits as f64 / (truth.kth.len() * truth.k) as f64))
        })
        .collect()
}

/// hnswlab, Standard, sequential, levels seeded with `seed`.
pub fn hnswlab_run(ds: &Dataset, truth: &Truth, s: &Settings, seed: u64) -> Result<Measures> {
    let mut index = Hnsw::new(ds.dim, s.params(seed)?)?;
    for i in 0..ds.n() {
        index.insert(i as u64, ds.vector(i))?;
    }
    let health = check_all(&index, &soft(ds.n())).map_err(|v| anyhow::anyhow!("hnswlab graph: {v}"))?;
    let r =
        recall(ds, truth, &s.efs, |q, ef| Ok(index.search(q, truth.k, ef)?.iter().map(|h| h.id.index()).collect()))?;
    let mut misses = 0;
    for i in 0..ds.n() {
        let top = index.search(ds.vector(i), 1, s.ef_construction)?;
        if top.first().is_none_or(|h| ds.vector(h.id.index()) != ds.vector(i)) {
            misses += 1;
        }
    }
    Ok(measures(&health, &r, misses))
}

/// hnswlib's numbers as `python_peers.py --mode graph` writes them (its graph
/// is the saved index file, read by [`hnswlab::foreign::hnswlib`]).
#[derive(Debug, Deserialize)]
struct PeerGraph {
    search: Vec<PeerPoint>,
    self_misses: usize,
}

#[derive(Debug, Deserialize)]
struct PeerPoint {
    ef: usize,
    recall_at_10: f64,
}

/// hnswlib through the Python peer runner; `Ok(None)` with a note when
/// Python, numpy or hnswlib are missing.
pub fn hnswlib_run(dir: &Path, ds: &Dataset, truth: &Truth, s: &Settings, seed: u64) -> Result<Option<Measures>> {
    let inputs = Inputs::write(dir, ds, truth)?;
    let json = dir.join("graph.json");
    let index = dir.join("hnswlib.bin");
    let python = crate::python::interpreter();
    let output = Command::new(&python)
        .args(inputs.args(truth.k, s.m, s.ef_construction))
        .args(["--mode", "graph", "--libs", "hnswlib", "--threads", "1", "--ef", &python_peers::join(&s.efs)])
        .args(["--seed", &seed.to_string(), "--json", &json.display().to_string()])
        .args(["--index", &index.display().to_string()])
        .output()
        .with_context(|| format!("cannot run {python}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if python_peers::skip_lines(&stderr).next().is_some() && !output.status.success() {
        for l in python_peers::skip_lines(&stderr) {
            eprintln!("note: hnswlib skipped: {l}");
        }
        return Ok(None);
    }
    if !output.status.success() {
        bail!("python_peers.py --mode graph failed ({}): {}", output.status, stderr.lines().last().unwrap_or(""));
    }
    let text = std::fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))?;
    let g: PeerGraph = serde_json::from_str(&text).context("hnswlib graph JSON")?;
    let bytes = std::fs::read(&index).with_context(|| format!("reading {}", index.display()))?;
    let opts = hnswlab::foreign::hnswlib::Options { dim: Some(ds.dim), space: Metric::L2 };
    let file = hnswlab::foreign::hnswlib::read(&bytes, &opts).context("reading hnswlib's saved index")?;
    anyhow::ensure!(file.defects.is_empty(), "hnswlib's saved index has defects: {:?}", file.defects);
    anyhow::ensure!(
        file.graph.levels.len() == ds.n(),
        "hnswlib saved {} nodes for {} rows",
        file.graph.levels.len(),
        ds.n()
    );
    let health = check_all(&file.graph, &soft(ds.n())).map_err(|v| anyhow::anyhow!("hnswlib graph: {v}"))?;
    let r: Vec<(usize, f64)> = g.search.iter().map(|p| (p.ef, p.recall_at_10)).collect();
    Ok(Some(measures(&health, &r, g.self_misses)))
}

/// Seed mean and range of one metric for one library.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Spread {
    /// Mean over seeds.
    pub mean: f64,
    /// Smallest seed value.
    pub min: f64,
    /// Largest seed value.
    pub max: f64,
}

impl Spread {
    /// Mean, min and max of `v` (non-empty).
    pub fn of(v: &[f64]) -> Spread {
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Spread { mean, min, max }
    }
    fn range(&self) -> f64 {
        self.max - self.min
    }
}

/// The smallest difference of means flagged for `metric` whatever the seed
/// ranges: 0.25 links for mean out-degree; for a fraction `p` over `count`
/// items (nodes of the layer, base rows, or queries for recall), three
/// standard errors of the difference of two binomial means,
/// `3 sqrt(2 p (1 - p) / count)`, and at least 0.005. With few seeds the
/// ranges understate sampling noise (the level draws, a hundred queries).
pub fn floor(metric: &str, p: f64, s: &Settings) -> f64 {
    if metric.contains("out-degree") {
        return 0.25;
    }
    let count = if metric.starts_with("recall") {
        s.queries
    } else if metric.starts_with("L1") {
        s.n / s.m.max(2)
    } else {
        s.n
    };
    let p = p.clamp(0.0, 1.0);
    (3.0 * (2.0 * p * (1.0 - p) / count.max(1) as f64).sqrt()).max(0.005)
}

/// One compared metric of one shape.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Shape name.
    pub shape: &'static str,
    /// Metric name.
    pub metric: String,
    /// hnswlib over seeds.
    pub hnswlib: Spread,
    /// hnswlab Standard over seeds.
    pub hnswlab: Spread,
    /// The means differ by more than both seed ranges and the floor.
    pub flagged: bool,
}

/// Compare per metric: `lib[seed]` and `lab[seed]` hold the same metric names in the same order.
pub fn compare(shape: &'static str, lib: &[Measures], lab: &[Measures], s: &Settings) -> Vec<Row> {
    let Some(first) = lab.first() else { return Vec::new() };
    first
        .iter()
        .enumerate()
        .filter_map(|(i, (name, _))| {
            let pick = |runs: &[Measures]| -> Vec<f64> {
                runs.iter().filter_map(|m| m.get(i).filter(|(n, _)| n == name).map(|(_, v)| *v)).collect()
            };
            let (a, b) = (pick(lib), pick(lab));
            if a.is_empty() || b.is_empty() {
                return None;
            }
            let (hnswlib, hnswlab) = (Spread::of(&a), Spread::of(&b));
            let p = (hnswlib.mean + hnswlab.mean) / 2.0;
            let allowed = hnswlib.range().max(hnswlab.range()).max(floor(name, p, s));
            let flagged = (hnswlib.mean - hnswlab.mean).abs() > allowed;
            Some(Row { shape, metric: name.clone(), hnswlib, hnswlab, flagged })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_pure_functions_of_the_seed_and_have_their_ties() {
        for shape in ShapeKind::ALL {
            let a = shape.generate(400, 10, 7).unwrap();
            let b = shape.generate(400, 10, 7).unwrap();
            assert_eq!((a.n(), a.query_count()), (400, 10), "{}", shape.name());
            assert!(a.base == b.base && a.queries == b.queries, "{}: not reproducible", shape.name());
            let distinct: std::collections::HashSet<Vec<u32>> =
                (0..a.n()).map(|i| a.vector(i).iter().map(|x| x.to_bits()).collect()).collect();
            let copies = a.n() - distinct.len();
            match shape {
                ShapeKind::Duplicates => assert_eq!(copies, 20 * 2 - 20, "20 clumps of 2 at n = 400"),
                ShapeKind::Lattice => assert!(copies > 0, "lattice without copies"),
                _ => assert_eq!(copies, 0, "{}: unexpected copies", shape.name()),
            }
        }
        assert!(ShapeKind::by_name("no-such").is_err());
        assert_eq!(ShapeKind::by_name("lattice-4d").unwrap(), ShapeKind::Lattice);
    }

    #[test]
    fn a_difference_outside_both_spreads_is_flagged() {
        let m = |v: f64| vec![("L0 one-way fraction".to_string(), v), ("L0 mean out-degree".to_string(), 20.0 + v)];
        let s = Settings { m: 16, ef_construction: 200, efs: vec![10], n: 20_000, queries: 1_000 };
        let lib = [m(0.120), m(0.122), m(0.121)];
        let close = [m(0.121), m(0.123), m(0.119)];
        let far = [m(0.170), m(0.172), m(0.171)];
        let rows = compare("s", &lib, &close, &s);
        assert!(rows.iter().all(|r| !r.flagged), "{rows:?}");
        let rows = compare("s", &lib, &far, &s);
        assert!(rows[0].flagged, "one-way 0.171 vs 0.121: {rows:?}");
        assert!(!rows[1].flagged, "out-degree differs by 0.05 < the 0.25 floor: {rows:?}");
        assert!((rows[0].hnswlib.mean - 0.121).abs() < 1e-12 && rows[0].hnswlab.max == 0.172);
        // The noise floor: 100 queries cannot tell recall 0.27 from 0.25; 20,000 rows can tell 0.121 from 0.171.
        let small = Settings { queries: 100, n: 4_000, m: 4, ..s.clone() };
        assert!(floor("recall@10 ef 10", 0.26, &small) > 0.02);
        assert!(floor("L0 one-way fraction", 0.146, &s) < 0.02);
        assert_eq!(floor("L0 in-degree 0 / nodes", 0.0, &s), 0.005);
    }
}
