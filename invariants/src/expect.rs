//! What a caller expects of a graph: which checks are hard failures.

use hnswlab::{Params, PrunePolicy};

/// Which invariants are hard, and the numbers the checks need.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectations {
    /// I3 hard form: every edge has its reverse (the Symmetric policy).
    pub symmetric: bool,
    /// I4: the ef used for the per-insert self-search (efConstruction).
    pub ef_construction: usize,
    /// I4 without its precondition: every new node must find itself, even one
    /// left with no in-edge. Set when the build guarantees it (`verify_inserts`).
    pub strict_findability: bool,
    /// I5 as a hard failure: every node reachable from the entry point on every layer it is on, in-degree >= 1.
    pub require_reachable: bool,
    /// I6: how many stored vectors to use as queries for the exactness check (0 = skip).
    pub exact_queries: usize,
    /// I6 runs only when the graph has at most this many nodes (it costs O(queries x n)).
    pub exact_max_nodes: usize,
    /// I7: the level law to test, `(mL, level cap)`; `None` skips it.
    /// [`Expectations::for_params`] takes mL from M by the paper's formula
    /// ([`documented_ml`]), not from the params' own mL, so a wrong mL in the
    /// params is a violation; a build with a deliberately custom mL sets this
    /// field itself.
    pub level_law: Option<(f64, u8)>,
    /// I7 runs only from this many nodes on (a statistical test needs a sample).
    pub level_law_min_nodes: usize,
    /// I8: the number of vectors the caller inserted.
    pub inserted: Option<usize>,
}

/// The paper's level normalisation for list size `m` (Malkov & Yashunin §4.1,
/// "a good choice is mL = 1/ln(M)"), computed here independently of
/// [`Params::ml`] so that I7 judges the params rather than trusting them.
pub fn documented_ml(m: usize) -> f64 {
    1.0 / (m as f64).ln()
}

impl Expectations {
    /// The expectations that follow from build parameters, with I5 soft and
    /// I6/I7 at their defaults. I7's mL is [`documented_ml`] of `p.m()`: the
    /// oracle does not come from the object it judges.
    pub fn for_params(p: &Params) -> Self {
        Expectations {
            symmetric: p.prune() == PrunePolicy::Symmetric,
            ef_construction: p.ef_construction(),
            strict_findability: p.verify_inserts(),
            require_reachable: false,
            exact_queries: 16,
            exact_max_nodes: 2_000,
            level_law: Some((documented_ml(p.m()), p.level_cap())),
            level_law_min_nodes: 1_000,
            inserted: None,
        }
    }
}
