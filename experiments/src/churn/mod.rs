//! The churn experiment (`hnswlab churn`, a report config's `[churn]`
//! section): how an index's graph decays, or does not, under deletes,
//! inserts and updates, per delete policy ([`hnswlab::churn`]) and for
//! hnswlib's `mark_deleted` / `replace_deleted`.
//!
//! Start from `n` vectors; then `rounds` rounds of: delete `fraction` of the
//! live labels at random, insert as many new vectors from the same generator
//! on a new stream, update `update_fraction` of the live labels
//! ([`schedule`]). Every policy and hnswlib run the same schedule. After the
//! initial build (round 0) and after each round, every index is censused by
//! the same deletion-aware census ([`hnswlab_invariants::live_census`]: unreachable
//! live nodes on layers 0 and 1 with deleted nodes traversable, live nodes
//! with in-degree 0 on layer 0, the one-way share of layer-0 edges between
//! live nodes), and every query is run once at the fixed ef: recall@10 by the
//! ε rule against the exact ground truth over the live set ([`judge`]), and
//! queries per second. `seconds` is the wall time of the round's operations
//! on one thread (the initial build in round 0; `rebuild`'s rebuild included).
//!
//! ```toml
//! [churn]                  # every key optional; defaults as `hnswlab churn`
//! data = "clustered"       # or "gaussian"
//! n = 10000
//! dim = 128
//! queries = 1000
//! m = 8
//! ef_construction = 64
//! rounds = 20
//! fraction = 0.1
//! update_fraction = 0.0
//! ef = 64
//! seed = 42
//! policies = []            # empty: tombstone, replace, consolidate, rebuild and hnswlib
//! ```

pub mod charts;
pub mod hnswlib;
pub mod judge;
pub mod schedule;

use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use hnswlab::churn::DeletePolicy;
use hnswlab::{Hnsw, Params, PrunePolicy};
use hnswlab_invariants::{live_census, LiveCensus};
use serde::{Deserialize, Serialize};

use crate::data::DataKind;
use crate::metrics;
use judge::Judge;
use schedule::{Live, Schedule};

/// The name of hnswlib's row in the results.
pub const HNSWLIB: &str = "hnswlib";
/// The policy the others are measured against.
pub const REFERENCE: &str = "rebuild";

/// Base vectors when not given.
pub const DEFAULT_N: usize = 10_000;
/// Dimension when not given.
pub const DEFAULT_DIM: usize = 128;
/// Queries when not given.
pub const DEFAULT_QUERIES: usize = 1_000;
/// M when not given.
pub const DEFAULT_M: usize = 8;
/// efConstruction when not given.
pub const DEFAULT_EF_CONSTRUCTION: usize = 64;
/// Rounds when not given.
pub const DEFAULT_ROUNDS: usize = 20;
/// Share of the live labels deleted (and as many inserted) per round when not given.
pub const DEFAULT_FRACTION: f64 = 0.1;
/// Search ef of recall@10 when not given.
pub const DEFAULT_EF: usize = 64;
/// Seed when not given.
pub const DEFAULT_SEED: u64 = 42;
/// Most rounds accepted.
pub const MAX_ROUNDS: usize = 10_000;

/// What to run: the flags of `hnswlab churn` or a config's `[churn]` section.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Spec {
    /// Generator of the initial, inserted and updated vectors and the queries.
    pub data: DataKind,
    /// Initial (and live) vectors.
    pub n: usize,
    /// Dimension.
    pub dim: usize,
    /// Queries.
    pub queries: usize,
    /// M.
    pub m: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// Rounds after the initial build.
    pub rounds: usize,
    /// Share of the live labels deleted per round (as many new ones are inserted).
    pub fraction: f64,
    /// Share of the live labels updated per round, after the inserts.
    pub update_fraction: f64,
    /// Search ef of recall@10 (>= 10).
    pub ef: usize,
    /// Seed of the data, the draws and the level functions.
    pub seed: u64,
    /// Policies ([`hnswlab::churn::names`]) and `hnswlib`, in report order; empty: all of them.
    pub policies: Vec<String>,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            data: DataKind::Clustered,
            n: DEFAULT_N,
            dim: DEFAULT_DIM,
            queries: DEFAULT_QUERIES,
            m: DEFAULT_M,
            ef_construction: DEFAULT_EF_CONSTRUCTION,
            rounds: DEFAULT_ROUNDS,
            fraction: DEFAULT_FRACTION,
            update_fraction: 0.0,
            ef: DEFAULT_EF,
            seed: DEFAULT_SEED,
            policies: Vec::new(),
        }
    }
}

impl Spec {
    /// The policies to run, in order: those listed, or every core policy then hnswlib.
    pub fn policy_names(&self) -> Vec<String> {
        if self.policies.is_empty() {
            let mut all: Vec<String> = hnswlab::churn::names().into_iter().map(String::from).collect();
            all.push(HNSWLIB.into());
            return all;
        }
        self.policies.clone()
    }

    /// Everything that can be checked before any data is made.
    pub fn validate(&self) -> Result<()> {
        ensure!(
            matches!(self.data, DataKind::Clustered | DataKind::Gaussian),
            "churn data `{}`: use clustered or gaussian (their generators have new streams for inserts)",
            self.data.name()
        );
        ensure!(self.n >= metrics::K, "churn n {} is below k = {}", self.n, metrics::K);
        ensure!(self.queries >= 1, "churn queries must be at least 1");
        crate::limits::count("churn rounds", self.rounds, MAX_ROUNDS)?;
        for (what, f) in [("fraction", self.fraction), ("update_fraction", self.update_fraction)] {
            ensure!((0.0..=1.0).contains(&f), "churn {what} {f} is not in [0, 1]");
        }
        ensure!(self.ef >= metrics::K, "churn ef {} is below k = {}", self.ef, metrics::K);
        let inserted = schedule::share(self.fraction, self.n).checked_mul(self.rounds);
        let labels = inserted.and_then(|i| i.checked_add(self.n)).filter(|&l| l <= i32::MAX as usize);
        let labels = labels.context("churn n + rounds x inserts exceeds 2^31 - 1 labels")?;
        crate::limits::floats("churn labels x dim", labels, self.dim)?;
        crate::limits::floats("churn queries x dim", self.queries, self.dim)?;
        let mut seen = Vec::new();
        for p in self.policy_names() {
            if p != HNSWLIB && hnswlab::churn::by_name(&p).is_none() {
                bail!("unknown churn policy `{p}`; known: {}, {HNSWLIB}", hnswlab::churn::names().join(", "));
            }
            ensure!(!seen.contains(&p), "churn policy `{p}` listed twice");
            seen.push(p);
        }
        self.params().map(|_| ())
    }

    /// hnswlab's build parameters: hnswlib's pruning (Standard, the heuristic).
    pub fn params(&self) -> Result<Params> {
        Params::builder()
            .m(self.m)
            .ef_construction(self.ef_construction)
            .seed(self.seed)
            .prune(PrunePolicy::Standard)
            .build()
            .context("churn build parameters")
    }
}

/// One policy after one round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// `tombstone`, `replace`, `consolidate`, `rebuild` or `hnswlib`.
    pub policy: String,
    /// 0 = after the initial build.
    pub round: usize,
    /// Live labels in the index.
    pub live: usize,
    /// Live nodes on layer 0 unreachable from the entry point.
    pub unreachable_l0: usize,
    /// Live nodes on layer 1 unreachable from the entry point.
    pub unreachable_l1: usize,
    /// Live nodes other than the entry point without a layer-0 in-edge.
    pub zero_in_degree_l0: usize,
    /// One-way share of the layer-0 edges between live nodes.
    pub one_way_fraction_l0: f64,
    /// Layer-0 edges between live nodes per live node (a list thinned by
    /// repairs shows here before it shows in recall).
    pub mean_live_degree_l0: f64,
    /// Layer-0 edges from live nodes into tombstones or free slots (0 after a consolidation).
    pub edges_into_dead_l0: usize,
    /// Recall@10 at the fixed ef against the exact ground truth over the live set.
    pub recall_at_10: f64,
    /// Queries per second at the fixed ef, one thread.
    pub qps: f64,
    /// Seconds of the round's operations, one thread (round 0: the build).
    pub seconds: f64,
    /// Queries whose result list did not hold exactly k labels.
    pub short_results: usize,
}

impl Row {
    fn new(policy: &str, round: usize, c: &LiveCensus, recall: judge::Recall, qps: f64, seconds: f64) -> Row {
        Row {
            policy: policy.into(),
            round,
            live: c.live,
            unreachable_l0: c.unreachable(0),
            unreachable_l1: c.unreachable(1),
            zero_in_degree_l0: c.layers.first().map_or(0, |l| l.zero_in_degree),
            one_way_fraction_l0: c.layers.first().map_or(0.0, |l| l.one_way_fraction),
            mean_live_degree_l0: c.layers.first().map_or(0.0, |l| l.live_edges as f64 / l.live.max(1) as f64),
            edges_into_dead_l0: c.layers.first().map_or(0, |l| l.edges_into_dead),
            recall_at_10: recall.recall,
            qps,
            seconds,
            short_results: recall.short_results,
        }
    }
}

/// One policy over the whole run, against the reference after the last round.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Policy.
    pub policy: String,
    /// Unreachable live layer-0 nodes / live nodes after the last round.
    pub unreachable_l0_fraction: f64,
    /// Recall@10 after the last round.
    pub recall_at_10: f64,
    /// `recall_at_10` minus the reference's (`None` without a reference).
    pub recall_gap_to_rebuild: Option<f64>,
    /// Mean seconds per round over rounds 1..=R.
    pub mean_round_seconds: f64,
    /// `mean_round_seconds` / the reference's.
    pub cost_vs_rebuild: Option<f64>,
}

/// What a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Churn {
    /// One row per policy and round, policy by policy.
    pub rows: Vec<Row>,
    /// Per policy, after the last round.
    pub summary: Vec<Summary>,
    /// What was run.
    pub spec: Spec,
    /// Policies skipped and why; anything else worth knowing.
    pub notes: Vec<String>,
}

impl Churn {
    /// The policies present, in row order.
    pub fn policies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.policy.as_str()) {
                out.push(&r.policy);
            }
        }
        out
    }

    /// The rows of `policy`, by round.
    pub fn rows_of<'a>(&'a self, policy: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows.iter().filter(move |r| r.policy == policy)
    }
}

/// Run `spec`: hnswlib first (its own process, so it never shares the CPU
/// with hnswlab's rounds), then the core policies round by round in lockstep
/// against one ground truth per round.
pub fn run(spec: &Spec, show_progress: bool) -> Result<Churn> {
    spec.validate()?;
    let names = spec.policy_names();
    let schedule = Schedule::make(spec)?;
    let k = metrics::K.min(spec.n);
    let mut notes = Vec::new();
    let peer = if names.iter().any(|n| n == HNSWLIB) {
        eprintln!("churn: hnswlib, {} rounds", spec.rounds);
        hnswlib::run(spec, &schedule, k, &mut notes)?
    } else {
        None
    };
    let policies: Vec<Box<dyn DeletePolicy>> =
        names.iter().filter(|n| *n != HNSWLIB).filter_map(|n| hnswlab::churn::by_name(n)).collect();
    let params = spec.params()?;
    let (dim, n) = (spec.dim, spec.n);
    let start = Instant::now();
    let mut built = Hnsw::new(dim, params.clone())?;
    for i in 0..n {
        built.insert(i as u64, schedule.initial.vector(i))?;
    }
    let build_seconds = start.elapsed().as_secs_f64();
    let mut indexes: Vec<Hnsw> = Vec::with_capacity(policies.len());
    for _ in 1..policies.len() {
        indexes.push(Hnsw::from_view(&built, params.clone())?);
    }
    if !policies.is_empty() {
        indexes.push(built);
    }
    let mut live = Live::initial(&schedule)?;
    let mut rows: Vec<Row> = Vec::new();
    let bar = crate::progress::bar(((spec.rounds + 1) * (policies.len() + 1)) as u64, "churn", show_progress);
    for round in 0..=spec.rounds {
        let mut seconds = vec![build_seconds; policies.len()];
        if round > 0 {
            let ops = &schedule.rounds[round - 1];
            live.apply(ops);
            for ((p, index), s) in policies.iter().zip(&mut indexes).zip(&mut seconds) {
                *s = apply(p.as_ref(), index, ops, dim).with_context(|| format!("{} round {round}", p.name()))?;
                bar.inc(1);
            }
        }
        let judge = Judge::of(&live, &schedule.initial, false)?;
        for ((p, index), s) in policies.iter().zip(&indexes).zip(&seconds) {
            let (recall, qps) = judge.search(p.as_ref(), index, spec.ef)?;
            rows.push(Row::new(p.name(), round, &live_census(index), recall, qps, *s));
        }
        if let Some(pr) = peer.as_ref().and_then(|p| p.get(round)) {
            let recall = judge.recall(pr.found.iter().cloned());
            rows.push(Row::new(HNSWLIB, round, &pr.census, recall, pr.qps, pr.seconds));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let order = |p: &str| names.iter().position(|n| n == p).unwrap_or(usize::MAX);
    rows.sort_by_key(|r| (order(&r.policy), r.round));
    let summary = summarise(&rows, spec.rounds);
    Ok(Churn { rows, summary, spec: spec.clone(), notes })
}

/// One round of `ops` through `policy`: the deletes as one batch, the
/// inserts, the updates, then the policy's end of round. Returns its seconds.
fn apply(policy: &dyn DeletePolicy, index: &mut Hnsw, ops: &schedule::Round, dim: usize) -> Result<f64> {
    let start = Instant::now();
    policy.delete(index, &ops.delete)?;
    for (label, v) in ops.inserted(dim) {
        policy.insert(index, label, v)?;
    }
    for (label, v) in ops.updated(dim) {
        policy.update(index, label, v)?;
    }
    policy.finish(index)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Each policy's last round beside the reference's.
fn summarise(rows: &[Row], rounds: usize) -> Vec<Summary> {
    let last = |p: &str| rows.iter().find(|r| r.policy == p && r.round == rounds);
    let mean_seconds = |p: &str| {
        let s: Vec<f64> = rows.iter().filter(|r| r.policy == p && r.round > 0).map(|r| r.seconds).collect();
        s.iter().sum::<f64>() / s.len().max(1) as f64
    };
    let reference = last(REFERENCE).map(|r| (r.recall_at_10, mean_seconds(REFERENCE)));
    let mut out: Vec<Summary> = Vec::new();
    for r in rows.iter().filter(|r| r.round == rounds) {
        let mean = mean_seconds(&r.policy);
        out.push(Summary {
            policy: r.policy.clone(),
            unreachable_l0_fraction: r.unreachable_l0 as f64 / r.live.max(1) as f64,
            recall_at_10: r.recall_at_10,
            recall_gap_to_rebuild: reference.map(|(recall, _)| r.recall_at_10 - recall),
            mean_round_seconds: mean,
            cost_vs_rebuild: reference.filter(|(_, s)| *s > 0.0).map(|(_, s)| mean / s),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_refuses_what_cannot_run() {
        assert!(Spec::default().validate().is_ok());
        let bad: [(Spec, &str); 8] = [
            (Spec { data: DataKind::Lattice, ..Spec::default() }, "clustered or gaussian"),
            (Spec { n: 9, ..Spec::default() }, "below k"),
            (Spec { fraction: 1.5, ..Spec::default() }, "fraction 1.5"),
            (Spec { update_fraction: -0.1, ..Spec::default() }, "update_fraction"),
            (Spec { ef: 5, ..Spec::default() }, "ef 5"),
            (Spec { policies: vec!["nope".into()], ..Spec::default() }, "unknown churn policy `nope`"),
            (Spec { policies: vec![HNSWLIB.into(), HNSWLIB.into()], ..Spec::default() }, "twice"),
            (Spec { n: 2_000_000_000, rounds: 9, fraction: 0.5, ..Spec::default() }, "2^31"),
        ];
        for (spec, want) in bad {
            let e = format!("{:#}", spec.validate().unwrap_err());
            assert!(e.contains(want), "{spec:?}: {e}");
        }
    }

    #[test]
    fn the_summary_compares_the_last_round_with_the_reference() {
        let row = |policy: &str, round, unreachable_l0, recall_at_10, seconds| Row {
            policy: policy.into(),
            round,
            live: 100,
            unreachable_l0,
            unreachable_l1: 0,
            zero_in_degree_l0: 0,
            one_way_fraction_l0: 0.0,
            mean_live_degree_l0: 8.0,
            edges_into_dead_l0: 0,
            recall_at_10,
            qps: 1.0,
            seconds,
            short_results: 0,
        };
        let rows = [
            row("rebuild", 0, 0, 0.9, 9.0),
            row("rebuild", 1, 0, 0.9, 4.0),
            row("rebuild", 2, 0, 0.92, 6.0),
            row("replace", 1, 3, 0.8, 1.0),
            row("replace", 2, 7, 0.7, 2.0),
        ];
        let s = summarise(&rows, 2);
        assert_eq!(s.len(), 2);
        let replace = &s[1];
        assert_eq!(replace.policy, "replace");
        assert!((replace.unreachable_l0_fraction - 0.07).abs() < 1e-12);
        assert!((replace.recall_gap_to_rebuild.unwrap() + 0.22).abs() < 1e-12);
        assert!((replace.mean_round_seconds - 1.5).abs() < 1e-12, "round 0 (the build) is not a round's cost");
        assert!((replace.cost_vs_rebuild.unwrap() - 0.3).abs() < 1e-12);
        assert!(summarise(&rows[3..], 2)[0].recall_gap_to_rebuild.is_none(), "no reference, no gap");
    }
}
