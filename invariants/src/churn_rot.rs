//! Churn rot (catalogue F15): rounds of deletes and reinserts must not leave
//! more live nodes unreachable than a fresh build of the same live set.
//!
//! hnswlib's `markDelete` + `replace_deleted` reuses a slot without
//! repairing the nodes that pointed to the old vector, and unreachable nodes
//! pile up round after round (Xiao et al., arXiv 2407.07871). The check runs
//! [`Churn`]: from `initial`, `rounds` rounds of "delete `fraction` of the
//! live labels, chosen uniformly by an [`Rng`] seeded with `seed`; insert as
//! many rows of `fresh` under new labels; `finish`", all through the
//! [`DeletePolicy`] under test. Then, with `u` the live nodes unreachable on
//! layer 0 from the entry point (the live census, [`crate::live_census`])
//! and `u*` the same count in a fresh sequential build of the live vectors
//! (id order, same parameters):
//!
//! `u / live <= u* / live + delta`   ([`Violation::ChurnRot`]).
//!
//! An operation that fails is [`Violation::ChurnFailed`].

use hnswlab::churn::DeletePolicy;
use hnswlab::synthetic::Rng;
use hnswlab::{GraphView, Hnsw, NodeId, Params, Slot};

use crate::live::live_census;
use crate::violation::{Collector, Violation, Violations};

/// One churn scenario.
#[derive(Clone, Copy, Debug)]
pub struct Churn<'a> {
    /// Vector length.
    pub dim: usize,
    /// Build parameters.
    pub params: &'a Params,
    /// The starting rows (labels `0..`).
    pub initial: &'a [f32],
    /// Rows inserted over the rounds, in order (at least `rounds x` the batch).
    pub fresh: &'a [f32],
    /// Rounds.
    pub rounds: usize,
    /// Fraction of the live labels deleted (and reinserted) per round.
    pub fraction: f64,
    /// Seed of the choice of deleted labels.
    pub seed: u64,
}

impl Churn<'_> {
    /// Labels deleted (and rows inserted) per round.
    pub fn batch(&self) -> usize {
        ((self.initial.len() / self.dim.max(1)) as f64 * self.fraction).round() as usize
    }
}

/// What [`check_churn_rot`] measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rot {
    /// Live nodes unreachable on layer 0 after each round.
    pub unreachable_per_round: Vec<usize>,
    /// Live nodes at the end.
    pub live: usize,
    /// Live nodes unreachable on layer 0 at the end.
    pub unreachable: usize,
    /// The same count in the fresh build.
    pub rebuild_unreachable: usize,
}

impl Rot {
    /// `unreachable / live`.
    pub fn fraction(&self) -> f64 {
        self.unreachable as f64 / self.live.max(1) as f64
    }
    /// `rebuild_unreachable / live`.
    pub fn rebuild_fraction(&self) -> f64 {
        self.rebuild_unreachable as f64 / self.live.max(1) as f64
    }
}

/// Run `churn` under `policy`; `Err((round, error))` if an operation fails.
/// Returns the index and the live layer-0 unreachable count after each round.
pub fn run_churn(policy: &dyn DeletePolicy, churn: &Churn<'_>) -> Result<(Hnsw, Vec<usize>), (usize, hnswlab::Error)> {
    let dim = churn.dim;
    let mut index = Hnsw::new(dim, churn.params.clone()).map_err(|e| (0, e))?;
    let mut live: Vec<u64> = Vec::new();
    for (i, v) in churn.initial.chunks_exact(dim).enumerate() {
        policy.insert(&mut index, i as u64, v).map_err(|e| (0, e))?;
        live.push(i as u64);
    }
    let mut next = live.len() as u64;
    let mut rng = Rng::new(churn.seed);
    let batch = churn.batch();
    let mut fresh = churn.fresh.chunks_exact(dim);
    let mut per_round = Vec::with_capacity(churn.rounds);
    for round in 0..churn.rounds {
        let mut labels = Vec::with_capacity(batch);
        for _ in 0..batch.min(live.len()) {
            labels.push(live.swap_remove(rng.below(live.len() as u64) as usize));
        }
        policy.delete(&mut index, &labels).map_err(|e| (round, e))?;
        for v in fresh.by_ref().take(labels.len()) {
            policy.insert(&mut index, next, v).map_err(|e| (round, e))?;
            live.push(next);
            next += 1;
        }
        policy.finish(&mut index).map_err(|e| (round, e))?;
        per_round.push(live_census(&index).unreachable(0));
    }
    Ok((index, per_round))
}

/// A fresh sequential build of the live vectors of `index` (id order, same
/// parameters): the reference a churned graph is measured against.
pub fn rebuild_live(index: &Hnsw) -> hnswlab::Result<Hnsw> {
    let mut fresh = Hnsw::new(index.dim(), index.params().clone())?;
    for id in (0..index.slots() as u32).map(NodeId).filter(|&id| index.slot(id) == Slot::Live) {
        fresh.insert(GraphView::label(index, id), GraphView::vector(index, id))?;
    }
    Ok(fresh)
}

/// Check F15 for `policy` on `churn` with tolerance `delta` (module doc).
pub fn check_churn_rot(policy: &dyn DeletePolicy, churn: &Churn<'_>, delta: f64) -> Result<Rot, Violations> {
    let mut out = Collector::new();
    let name = policy.name().to_string();
    let (index, per_round) = match run_churn(policy, churn) {
        Ok(x) => x,
        Err((round, e)) => {
            out.push(Violation::ChurnFailed { policy: name, round, error: e.to_string() });
            return out.finish(Rot::default());
        }
    };
    let census = live_census(&index);
    let rebuilt = match rebuild_live(&index) {
        Ok(r) => r,
        Err(e) => {
            out.push(Violation::ChurnFailed { policy: name, round: churn.rounds, error: e.to_string() });
            return out.finish(Rot::default());
        }
    };
    let rot = Rot {
        unreachable_per_round: per_round,
        live: census.live,
        unreachable: census.unreachable(0),
        rebuild_unreachable: live_census(&rebuilt).unreachable(0),
    };
    if rot.fraction() > rot.rebuild_fraction() + delta {
        out.push(Violation::ChurnRot {
            policy: name,
            rounds: churn.rounds,
            unreachable: rot.unreachable,
            live: rot.live,
            rebuild_unreachable: rot.rebuild_unreachable,
            delta,
        });
    }
    out.finish(rot)
}
