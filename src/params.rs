//! Build parameters with a validating builder.
//!
//! Defaults follow Malkov & Yashunin: `m0 = 2m`, `mL = 1/ln m`, heuristic
//! neighbour selection (Alg. 4) and the paper's one-sided prune (Standard).

use crate::distance::Metric;
use crate::error::{Error, Result};

/// Neighbour selection algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Selection {
    /// Alg. 3, SELECT-NEIGHBORS-SIMPLE: the m nearest candidates.
    Simple,
    /// Alg. 4, SELECT-NEIGHBORS-HEURISTIC.
    Heuristic {
        /// Also consider the candidates' own neighbours (`extendCandidates`).
        extend_candidates: bool,
        /// Fill up with pruned candidates to m (`keepPrunedConnections`).
        keep_pruned: bool,
    },
}

impl Selection {
    /// The heuristic as hnswlib runs it: no extension, no refill.
    pub const HEURISTIC: Selection = Selection::Heuristic { extend_candidates: false, keep_pruned: false };

    /// Stable name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Simple => "simple",
            Selection::Heuristic { extend_candidates: false, keep_pruned: false } => "heuristic",
            Selection::Heuristic { extend_candidates: true, keep_pruned: false } => "heuristic+extend",
            Selection::Heuristic { extend_candidates: false, keep_pruned: true } => "heuristic+keep",
            Selection::Heuristic { extend_candidates: true, keep_pruned: true } => "heuristic+extend+keep",
        }
    }
}

/// What happens when a neighbour's list overflows after a back-link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PrunePolicy {
    /// Paper Alg. 1 lines 12-16 and hnswlib: the neighbour re-selects its own
    /// list only; the edges it drops may stay one-way.
    #[default]
    Standard,
    /// Every drop also removes the reverse edge, so the graph stays
    /// undirected. A node left with no edges on a layer is reconnected.
    Symmetric,
}

impl PrunePolicy {
    /// Stable name for reports and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            PrunePolicy::Standard => "standard",
            PrunePolicy::Symmetric => "symmetric",
        }
    }
}

impl std::str::FromStr for PrunePolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "standard" => Ok(PrunePolicy::Standard),
            "symmetric" => Ok(PrunePolicy::Symmetric),
            other => Err(format!("unknown prune policy `{other}` (expected standard or symmetric)")),
        }
    }
}

/// Validated build parameters. Construct with [`Params::builder`].
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub(crate) m: usize,
    pub(crate) m0: usize,
    pub(crate) ef_construction: usize,
    pub(crate) ml: f64,
    pub(crate) seed: u64,
    pub(crate) selection: Selection,
    pub(crate) prune: PrunePolicy,
    pub(crate) level_cap: u8,
    pub(crate) metric: Metric,
    pub(crate) verify_inserts: bool,
}

/// Largest m accepted: beyond this a list no longer fits a few cache lines and
/// the value is almost certainly a mistake.
pub const MAX_M: usize = 1024;
/// Largest ef_construction accepted.
pub const MAX_EF: usize = 1 << 20;
/// Largest level cap (levels are stored in a u8; 32 layers hold 2^32 nodes at m = 2).
pub const MAX_LEVEL_CAP: u8 = 32;

impl Params {
    /// A builder with the paper's defaults (m = 16).
    pub fn builder() -> ParamsBuilder {
        ParamsBuilder::default()
    }
    /// Max out-degree above layer 0 (`Mmax`).
    pub fn m(&self) -> usize {
        self.m
    }
    /// Max out-degree on layer 0 (`Mmax0`).
    pub fn m0(&self) -> usize {
        self.m0
    }
    /// `efConstruction`.
    pub fn ef_construction(&self) -> usize {
        self.ef_construction
    }
    /// Level normalisation factor `mL`.
    pub fn ml(&self) -> f64 {
        self.ml
    }
    /// Seed of the level function.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Neighbour selection algorithm.
    pub fn selection(&self) -> Selection {
        self.selection
    }
    /// Prune policy.
    pub fn prune(&self) -> PrunePolicy {
        self.prune
    }
    /// Highest level a node can draw.
    pub fn level_cap(&self) -> u8 {
        self.level_cap
    }
    /// Distance function.
    pub fn metric(&self) -> Metric {
        self.metric
    }
    /// Whether every insert is followed by the I4 self-search and repaired if it misses.
    pub fn verify_inserts(&self) -> bool {
        self.verify_inserts
    }
    /// Capacity of a list on `layer`: `Mmax0` on layer 0, `Mmax` above.
    #[inline]
    pub fn capacity(&self, layer: usize) -> usize {
        if layer == 0 {
            self.m0
        } else {
            self.m
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        Params::builder().build().expect("defaults are valid")
    }
}

/// Builder for [`Params`]; `build` validates every field.
#[derive(Clone, Debug)]
pub struct ParamsBuilder {
    m: usize,
    m0: Option<usize>,
    ef_construction: usize,
    ml: Option<f64>,
    seed: u64,
    selection: Selection,
    prune: PrunePolicy,
    level_cap: u8,
    metric: Metric,
    verify_inserts: bool,
}

impl Default for ParamsBuilder {
    fn default() -> Self {
        ParamsBuilder {
            m: 16,
            m0: None,
            ef_construction: 200,
            ml: None,
            seed: 0,
            selection: Selection::HEURISTIC,
            prune: PrunePolicy::Standard,
            level_cap: 16,
            metric: Metric::L2,
            verify_inserts: false,
        }
    }
}

impl ParamsBuilder {
    /// `M`: neighbours selected per insert and the list capacity above layer 0.
    pub fn m(mut self, m: usize) -> Self {
        self.m = m;
        self
    }
    /// `Mmax0`, the layer-0 capacity (default 2m).
    pub fn m0(mut self, m0: usize) -> Self {
        self.m0 = Some(m0);
        self
    }
    /// `efConstruction`, the beam width while inserting.
    pub fn ef_construction(mut self, ef: usize) -> Self {
        self.ef_construction = ef;
        self
    }
    /// `mL` (default 1/ln m).
    pub fn ml(mut self, ml: f64) -> Self {
        self.ml = Some(ml);
        self
    }
    /// Seed of the level function.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Neighbour selection algorithm.
    pub fn selection(mut self, selection: Selection) -> Self {
        self.selection = selection;
        self
    }
    /// Prune policy.
    pub fn prune(mut self, prune: PrunePolicy) -> Self {
        self.prune = prune;
        self
    }
    /// Highest level a node can draw.
    pub fn level_cap(mut self, cap: u8) -> Self {
        self.level_cap = cap;
        self
    }
    /// Distance function.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }

    /// After each insert, search for the new vector (k = 1, ef =
    /// efConstruction); if neither it nor an identical vector comes back, link
    /// the closest node found to it and search again (at most 3 times). Off by
    /// default: the paper's insert does not guarantee I4, and this costs one
    /// search per insert.
    pub fn verify_inserts(mut self, on: bool) -> Self {
        self.verify_inserts = on;
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<Params> {
        if self.m < 2 || self.m > MAX_M {
            return Err(Error::invalid("m", self.m, "must be in 2..=1024"));
        }
        let m0 = self.m0.unwrap_or(2 * self.m);
        if m0 < self.m || m0 > 4 * MAX_M {
            return Err(Error::invalid("m0", m0, "must be in m..=4096"));
        }
        if self.ef_construction == 0 || self.ef_construction > MAX_EF {
            return Err(Error::invalid("ef_construction", self.ef_construction, "must be in 1..=2^20"));
        }
        let ml = self.ml.unwrap_or(1.0 / (self.m as f64).ln());
        if !ml.is_finite() || ml <= 0.0 || ml > 10.0 {
            return Err(Error::invalid("ml", ml, "must be finite and in (0, 10]"));
        }
        if self.level_cap > MAX_LEVEL_CAP {
            return Err(Error::invalid("level_cap", self.level_cap, "must be at most 32"));
        }
        Ok(Params {
            m: self.m,
            m0,
            ef_construction: self.ef_construction,
            ml,
            seed: self.seed,
            selection: self.selection,
            prune: self.prune,
            level_cap: self.level_cap,
            metric: self.metric,
            verify_inserts: self.verify_inserts,
        })
    }
}
