//! Insertion strategies: ways to build an HNSW, each checked by the same
//! invariants. One file per strategy; names are stable (reports use them).
//!
//! A strategy builds from a flat data set (row `i` gets label `i`) and calls
//! an optional observer at each *commit point* — the moments at which its
//! graph is quiescent and its inserts are complete — with the graph so far
//! and the [`InsertTrace`]s of the inserts completed since the previous
//! commit. The per-insert checks (I3 post-condition, I4) run there.

use crate::error::{Error, ErrorKind, Result};
use crate::index::{Hnsw, Neighbour};
use crate::params::Params;
use crate::search::Scratch;
use crate::view::GraphView;
use crate::{InsertTrace, Layer, NodeId};

pub mod batched;
pub mod concurrent;
pub mod deterministic_parallel;
pub mod segment_parallel;
pub mod sequential;

/// A real strategy, or a deliberate mutant that must be caught.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Meant to be correct: must pass every check.
    Strategy,
    /// Reproduces a known bug: some check must fail.
    Mutant,
}

impl Kind {
    /// `"strategy"` or `"mutant"`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Strategy => "strategy",
            Kind::Mutant => "mutant",
        }
    }
}

/// A quiescent point of a build.
pub struct Commit<'a> {
    /// Which segment (0 unless the strategy builds several graphs).
    pub segment: usize,
    /// The committed graph of that segment.
    pub view: &'a dyn GraphView,
    /// Inserts completed since the previous commit, whose per-insert checks apply now.
    pub traces: &'a [InsertTrace],
    /// What the workers of a concurrent build saw right after each of their
    /// inserts, while the other workers kept inserting (empty for the
    /// strategies whose commits are quiescent).
    pub afterwards: &'a [Afterwards],
}

/// What a worker of an observed concurrent build read right after one of its
/// inserts returned, while the other workers kept inserting: the per-insert
/// post-conditions in their linearizable form.
#[derive(Clone, Debug, PartialEq)]
pub struct Afterwards {
    /// The insert's own trace.
    pub trace: InsertTrace,
    /// I4: the self-search the same worker issued after linking (Alg. 5,
    /// k = 1, ef = efConstruction; under `verify_inserts`, the repair's last
    /// search) found the new vector.
    pub found_self: bool,
    /// I3: every back-link of the trace whose list had room, re-read.
    pub back_links: Vec<Reread>,
}

/// One back-link `e -> q` re-read right after `q`'s insert returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reread {
    /// The layer.
    pub layer: Layer,
    /// The neighbour `e` whose list took `q`.
    pub neighbour: NodeId,
    /// `q` is in `N(e)` now.
    pub present: bool,
    /// Some write removed `q` from `N(e)` while the list was full (a
    /// re-selection or a `verify_inserts` eviction: the legal ways to drop it).
    pub dropped_from_full: bool,
}

/// Called at each commit point.
pub type Observer<'o> = &'o mut dyn FnMut(Commit<'_>);

/// What to build.
#[derive(Clone, Copy, Debug)]
pub struct BuildInput<'a> {
    /// Vector length.
    pub dim: usize,
    /// Build parameters.
    pub params: &'a Params,
    /// `n * dim` floats; row `i` is inserted with label `i`.
    pub data: &'a [f32],
    /// Worker threads, in `1..=MAX_THREADS`.
    pub threads: usize,
}

/// The most worker threads a build accepts: far beyond any machine this
/// runs on, well below the point where spawning them aborts.
pub const MAX_THREADS: usize = 1024;

impl BuildInput<'_> {
    /// Number of rows, once the input is valid: errors if `threads` is
    /// outside `1..=MAX_THREADS` or `data` is not a whole number of rows.
    /// Every strategy calls it before any work.
    pub fn rows(&self) -> Result<usize> {
        if self.threads == 0 || self.threads > MAX_THREADS {
            return Err(Error::invalid("threads", self.threads, "must be in 1..=1024 (strategy::MAX_THREADS)"));
        }
        if self.dim == 0 || !self.data.len().is_multiple_of(self.dim) {
            return Err(
                ErrorKind::DimensionMismatch { expected: self.dim, got: self.data.len() % self.dim.max(1) }.into()
            );
        }
        Ok(self.data.len() / self.dim)
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// The result of a build: one graph, or one per segment.
#[derive(Debug)]
pub struct Built {
    /// The graphs; search fans out over all of them.
    pub segments: Vec<Hnsw>,
}

impl Built {
    /// One graph.
    pub fn single(h: Hnsw) -> Self {
        Built { segments: vec![h] }
    }

    /// Total nodes.
    pub fn len(&self) -> usize {
        self.segments.iter().map(Hnsw::len).sum()
    }

    /// True when no node was built.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// k-NN over every segment, merged by (distance, label).
    pub fn search_with(&self, s: &mut Scratch, q: &[f32], k: usize, ef: usize) -> Result<Vec<Neighbour>> {
        if self.segments.len() == 1 {
            return self.segments[0].search_with(s, q, k, ef);
        }
        let mut all = Vec::with_capacity(k * self.segments.len());
        for seg in &self.segments {
            all.extend(seg.search_with(s, q, k, ef)?);
        }
        all.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.label.cmp(&b.label)));
        all.truncate(k);
        Ok(all)
    }

    /// Index bytes over all segments.
    pub fn memory_bytes(&self) -> usize {
        self.segments.iter().map(Hnsw::memory_bytes).sum()
    }
}

/// A way to build an HNSW.
pub trait Strategy: Send + Sync {
    /// Stable name (CLI and reports).
    fn name(&self) -> &'static str;
    /// Strategy or mutant.
    fn kind(&self) -> Kind {
        Kind::Strategy
    }
    /// One line on what it does.
    fn description(&self) -> &'static str;
    /// Build, calling `observer` at each commit point.
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built>;
}
