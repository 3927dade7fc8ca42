//! The names the command line and the configs give the core's parameters
//! (`--metric ip`, `prune = "symmetric"`), and the range of thread counts
//! both accept: one spelling for every way in.

use clap::ValueEnum;
use hnswlab::{Metric, PrunePolicy, Selection};

/// `--threads`: `1..=MAX_THREADS` ([`crate::limits::MAX_THREADS`]).
pub fn threads_range() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=crate::limits::MAX_THREADS as i64)
}

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Squared Euclidean distance.
    L2,
    /// 1 - <a, b>.
    Ip,
    /// 1 - cos(a, b); vectors are normalised on the way in.
    Cosine,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Metric {
        match m {
            MetricArg::L2 => Metric::L2,
            MetricArg::Ip => Metric::InnerProduct,
            MetricArg::Cosine => Metric::Cosine,
        }
    }
}

/// `--prune` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PruneArg {
    /// Paper Alg. 1 / hnswlib: the neighbour re-selects its own list; dropped edges may stay one-way.
    Standard,
    /// Every dropped edge also loses its reverse; stranded nodes are reconnected.
    Symmetric,
}

impl From<PruneArg> for PrunePolicy {
    fn from(p: PruneArg) -> PrunePolicy {
        match p {
            PruneArg::Standard => PrunePolicy::Standard,
            PruneArg::Symmetric => PrunePolicy::Symmetric,
        }
    }
}

/// `--selection` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelectionArg {
    /// Alg. 3: the M nearest candidates.
    Simple,
    /// Alg. 4 as hnswlib runs it (no candidate extension, no refill).
    Heuristic,
}

impl From<SelectionArg> for Selection {
    fn from(s: SelectionArg) -> Selection {
        match s {
            SelectionArg::Simple => Selection::Simple,
            SelectionArg::Heuristic => Selection::HEURISTIC,
        }
    }
}
