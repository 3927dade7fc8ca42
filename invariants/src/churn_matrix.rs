//! The churn mutation matrix: every delete policy and every churn mutant
//! ([`hnswlab::churn::policies`], [`hnswlab::mutants::churn::policies`])
//! run through rounds of deletes, inserts and updates on small,
//! low-dimensional, duplicate-rich data, under every deletion-aware check.
//!
//! Per seed, two shapes:
//! - `lattice-3d`: 300 points of a 3-d integer lattice (coordinates
//!   `-3..=3`: ties and duplicates), m 4, efC 32. Rounds of: delete a batch
//!   (the first batch holds the entry point's label, so a consolidation must
//!   choose a new one), insert as many new lattice points, update a few
//!   live labels, `finish`. After every delete and every round:
//!   [`check_all`] (I1, I2, I3 census, I5 census, I6 over the live set, I8
//!   with the live count), [`check_live_search`] with the policy's own
//!   search at `ef = k = 5` ([`hnswlab::mutants::churn::search`]), and,
//!   for a policy that consolidates, [`check_consolidated`] and
//!   [`check_bridged`] (against the graph before the batch) after each delete.
//! - `gaussian-3d`: [`ROT_ROWS`] Gaussian points, m 4, efC 32, [`ROT_ROUNDS`]
//!   rounds of [`ROT_FRACTION`] churn, judged by [`check_churn_rot`] with
//!   tolerance [`ROT_DELTA`] (F15).
//!
//! A row passes a column when no run of it produced a violation of that
//! check; reference policies must pass every column, every mutant must fail
//! at least one.

use std::collections::{BTreeSet, HashMap};

use hnswlab::churn::DeletePolicy;
use hnswlab::mutants::churn as mutants;
use hnswlab::synthetic::{self, Rng};
use hnswlab::{GraphView, Hnsw, Params, Snapshot};

use crate::matrix::Found;
use crate::violation::{Violation, Violations, BRIDGED, CHURN_ROT, CONSOLIDATED, LIVE_SEARCH};
use crate::{check_all, check_bridged, check_churn_rot, check_consolidated, check_live_search, Churn, Expectations};

/// The columns, in order (`"op"`: an operation returned an error).
pub const CHURN_CHECKS: [&str; 10] =
    ["I1", "I2", "I5", "I6", "I8", CONSOLIDATED, BRIDGED, LIVE_SEARCH, CHURN_ROT, "op"];

/// Policies held to [`check_consolidated`] and [`check_bridged`] after each
/// delete batch: the reference consolidation and the mutants that deviate
/// from it.
pub const CONSOLIDATING: [&str; 4] =
    ["consolidate", "cached-entry-point", "consolidate-layer-0-only", "consolidate-without-bridges"];

/// Rows of the churn-rot shape.
pub const ROT_ROWS: usize = 400;
/// Rounds of the churn-rot shape.
pub const ROT_ROUNDS: usize = 10;
/// Fraction deleted and reinserted per round on the churn-rot shape.
pub const ROT_FRACTION: f64 = 0.2;
/// Tolerance of the churn-rot check on the unreachable live fraction (see
/// `tests/mutation_matrix.rs`, `churn_rot_separates_replace_from_replace_without_repair`,
/// for the calibration).
pub const ROT_DELTA: f64 = 0.02;

/// k (and ef) of the live-search column.
pub const SEARCH_K: usize = 5;

const DIM: usize = 3;
const LATTICE_ROWS: usize = 300;
const LATTICE_ROUNDS: usize = 4;
const LATTICE_BATCH: usize = 60;
const UPDATES: usize = 10;

fn params(seed: u64) -> Params {
    Params::builder().m(4).ef_construction(32).seed(seed).build().expect("valid churn matrix params")
}

/// The churn-rot scenario of `seed`: data, parameters and rounds.
pub struct RotShape {
    /// Build parameters.
    pub params: Params,
    /// Starting rows.
    pub initial: Vec<f32>,
    /// Rows inserted over the rounds.
    pub fresh: Vec<f32>,
    /// Seed of the deletes.
    pub seed: u64,
}

impl RotShape {
    /// The default scenario for `seed`.
    pub fn new(seed: u64) -> Self {
        let fresh_rows = ((ROT_ROWS as f64 * ROT_FRACTION).round() as usize) * ROT_ROUNDS;
        RotShape {
            params: params(seed),
            initial: synthetic::gaussian(ROT_ROWS, DIM, seed),
            fresh: synthetic::gaussian(fresh_rows, DIM, seed + 1_000),
            seed,
        }
    }

    /// The scenario as a [`Churn`].
    pub fn churn(&self) -> Churn<'_> {
        Churn {
            dim: DIM,
            params: &self.params,
            initial: &self.initial,
            fresh: &self.fresh,
            rounds: ROT_ROUNDS,
            fraction: ROT_FRACTION,
            seed: self.seed,
        }
    }
}

fn record(found: &mut Vec<Found>, v: &Violations, context: &str) {
    for x in v.0.iter().filter(|x| x.invariant() != "-") {
        found.push(Found { check: x.invariant().to_string(), message: format!("{context}: {x}") });
    }
}

/// Every check of the lattice shape on the index now; `live` is the model's
/// label count.
fn check_now(policy: &dyn DeletePolicy, h: &Hnsw, live: usize, queries: &[f32], ctx: &str, found: &mut Vec<Found>) {
    let mut e = Expectations::for_params(h.params());
    e.inserted = Some(live);
    e.level_law = None;
    if let Err(v) = check_all(h, &e) {
        record(found, &v, ctx);
    }
    let search = |q: &[f32], k: usize| mutants::search(policy, h, q, k, k);
    if let Err(v) = check_live_search(h, queries, SEARCH_K, search) {
        record(found, &v, ctx);
    }
}

fn op<T>(r: hnswlab::Result<T>, ctx: &str, found: &mut Vec<Found>) -> Option<T> {
    r.map_err(|e| found.push(Found { check: "op".into(), message: format!("{ctx}: {e}") })).ok()
}

/// The labels one lattice round deletes: `first` (the entry point's, in the
/// first round, so every policy meets a deleted entry point), then live
/// labels drawn by `rng` until [`LATTICE_BATCH`] or every label is taken.
fn delete_batch(mut live: Vec<u64>, first: Option<u64>, rng: &mut Rng) -> Vec<u64> {
    live.sort_unstable();
    let mut batch = Vec::new();
    if let Some(l) = first {
        live.retain(|&x| x != l);
        batch.push(l);
    }
    while batch.len() < LATTICE_BATCH && !live.is_empty() {
        batch.push(live.swap_remove(rng.below(live.len() as u64) as usize));
    }
    batch
}

/// Run `policy` through the lattice churn of `seed`; every violation found.
pub fn lattice_run(policy: &dyn DeletePolicy, seed: u64) -> Vec<Found> {
    let mut found = Vec::new();
    let name = policy.name();
    let Some(mut h) = op(Hnsw::new(DIM, params(seed)), "new", &mut found) else { return found };
    let mut model: HashMap<u64, Vec<f32>> = HashMap::new();
    for (i, v) in synthetic::lattice(LATTICE_ROWS, DIM, 3, seed).chunks_exact(DIM).enumerate() {
        if op(policy.insert(&mut h, i as u64, v), "initial insert", &mut found).is_none() {
            return found;
        }
        model.insert(i as u64, v.to_vec());
    }
    let queries = synthetic::lattice(40, DIM, 3, seed + 2_000);
    let fresh = synthetic::lattice(LATTICE_ROUNDS * LATTICE_BATCH, DIM, 3, seed + 1_000);
    let mut fresh = fresh.chunks_exact(DIM);
    let mut rng = Rng::new(seed);
    let mut next = LATTICE_ROWS as u64;
    for round in 0..LATTICE_ROUNDS {
        let first = if round == 0 { h.entry_point().map(|ep| GraphView::label(&h, ep)) } else { None };
        let batch = delete_batch(model.keys().copied().collect(), first, &mut rng);
        let ctx = format!("{name} seed {seed} round {round}, after deleting {} labels", batch.len());
        let before = CONSOLIDATING.contains(&name).then(|| Snapshot::of(&h));
        if op(policy.delete(&mut h, &batch), &ctx, &mut found).is_none() {
            return found;
        }
        for l in &batch {
            model.remove(l);
        }
        check_now(policy, &h, model.len(), &queries, &ctx, &mut found);
        if let Some(before) = before {
            if let Err(v) = check_consolidated(&h) {
                record(&mut found, &v, &ctx);
            }
            if let Err(v) = check_bridged(&before, &h) {
                record(&mut found, &v, &ctx);
            }
        }
        for v in fresh.by_ref().take(batch.len()) {
            if op(policy.insert(&mut h, next, v), &format!("{ctx}: insert {next}"), &mut found).is_none() {
                return found;
            }
            model.insert(next, v.to_vec());
            next += 1;
        }
        // The scenario replaces every deleted label: a round that ran out of
        // fresh rows would test a shrinking index instead.
        assert_eq!(model.len(), LATTICE_ROWS, "{ctx}: the lattice scenario ran out of fresh rows");
        let mut live: Vec<u64> = model.keys().copied().collect();
        live.sort_unstable();
        for _ in 0..UPDATES.min(live.len()) {
            let label = live[rng.below(live.len() as u64) as usize];
            let v: Vec<f32> = (0..DIM).map(|_| rng.below(7) as f32 - 3.0).collect();
            if op(policy.update(&mut h, label, &v), &format!("{ctx}: update {label}"), &mut found).is_none() {
                return found;
            }
            model.insert(label, v);
        }
        if op(policy.finish(&mut h), &format!("{ctx}: finish"), &mut found).is_none() {
            return found;
        }
        let ctx = format!("{name} seed {seed} after round {round}");
        check_now(policy, &h, model.len(), &queries, &ctx, &mut found);
        for (l, v) in &model {
            let ok = h.id_of(*l).is_some_and(|id| GraphView::vector(&h, id) == v.as_slice());
            if !ok {
                found.push(Found { check: "I8".into(), message: format!("{ctx}: label {l} lost or moved") });
            }
        }
    }
    found
}

/// Run `policy` through the churn-rot shape of `seed`.
pub fn rot_run(policy: &dyn DeletePolicy, seed: u64) -> (Vec<Found>, Option<crate::Rot>) {
    let shape = RotShape::new(seed);
    let mut found = Vec::new();
    match check_churn_rot(policy, &shape.churn(), ROT_DELTA) {
        Ok(rot) => (found, Some(rot)),
        Err(v) => {
            record(&mut found, &v, &format!("{} seed {seed}", policy.name()));
            let rot = v.0.iter().find_map(|x| match x {
                Violation::ChurnRot { unreachable, live, rebuild_unreachable, .. } => Some(crate::Rot {
                    unreachable_per_round: Vec::new(),
                    live: *live,
                    unreachable: *unreachable,
                    rebuild_unreachable: *rebuild_unreachable,
                }),
                _ => None,
            });
            (found, rot)
        }
    }
}

/// One row of the churn matrix.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChurnRow {
    /// Policy or mutant name.
    pub name: String,
    /// `"policy"` or `"mutant"`.
    pub kind: String,
    /// Checks that found a violation, in column order.
    pub caught_by: Vec<String>,
    /// Per column: `"pass"` or the first violation of that check.
    pub cells: Vec<(String, String)>,
    /// Per seed, the churn-rot shape's unreachable live fraction after churn
    /// and in the fresh build (`None` when an operation failed).
    pub rot: Vec<(u64, Option<(f64, f64)>)>,
}

/// The churn matrix.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChurnMatrix {
    /// Reference policies first, then the mutants.
    pub rows: Vec<ChurnRow>,
    /// Mutants no check caught.
    pub escaped: Vec<String>,
    /// Reference policies that failed a check.
    pub failing: Vec<String>,
    /// Seeds used.
    pub seeds: Vec<u64>,
}

impl ChurnMatrix {
    /// True when every mutant was caught and every policy passed.
    pub fn ok(&self) -> bool {
        self.escaped.is_empty() && self.failing.is_empty()
    }
}

/// Run every delete policy and churn mutant for every seed.
pub fn run_churn_matrix(seeds: &[u64]) -> ChurnMatrix {
    let mut rows = Vec::new();
    let all = hnswlab::churn::policies().into_iter().map(|p| (p, "policy"));
    for (policy, kind) in all.chain(mutants::policies().into_iter().map(|p| (p, "mutant"))) {
        let mut found = Vec::new();
        let mut rot = Vec::new();
        for &seed in seeds {
            found.extend(lattice_run(policy.as_ref(), seed));
            let (f, r) = rot_run(policy.as_ref(), seed);
            found.extend(f);
            rot.push((seed, r.map(|r| (r.fraction(), r.rebuild_fraction()))));
        }
        let caught: BTreeSet<&str> = found.iter().map(|f| f.check.as_str()).collect();
        let cells = CHURN_CHECKS
            .iter()
            .map(|c| {
                let first = found.iter().find(|f| f.check == *c);
                (c.to_string(), first.map_or_else(|| "pass".to_string(), |f| f.message.clone()))
            })
            .collect();
        let mut caught_by: Vec<String> =
            CHURN_CHECKS.iter().filter(|c| caught.contains(*c)).map(|c| c.to_string()).collect();
        caught_by.extend(caught.iter().filter(|c| !CHURN_CHECKS.contains(c)).map(|c| c.to_string()));
        rows.push(ChurnRow { name: policy.name().to_string(), kind: kind.to_string(), caught_by, cells, rot });
    }
    let escaped =
        rows.iter().filter(|r| r.kind == "mutant" && r.caught_by.is_empty()).map(|r| r.name.clone()).collect();
    let failing =
        rows.iter().filter(|r| r.kind == "policy" && !r.caught_by.is_empty()).map(|r| r.name.clone()).collect();
    ChurnMatrix { rows, escaped, failing, seeds: seeds.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The churn matrix passes (the CLI's exit code) only when no mutant
    /// escaped and no reference policy failed: either list alone fails it.
    #[test]
    fn the_churn_matrix_passes_only_with_no_escape_and_no_failure() {
        let m = |escaped: &[&str], failing: &[&str]| ChurnMatrix {
            rows: Vec::new(),
            escaped: escaped.iter().map(|s| s.to_string()).collect(),
            failing: failing.iter().map(|s| s.to_string()).collect(),
            seeds: vec![1],
        };
        assert!(m(&[], &[]).ok());
        assert!(!m(&["no-repair"], &[]).ok());
        assert!(!m(&[], &["consolidate"]).ok());
    }

    /// A round deletes its batch of distinct live labels, the entry point's
    /// first when asked, or every label when fewer are live.
    #[test]
    fn a_round_deletes_a_full_batch_of_distinct_live_labels() {
        let mut rng = Rng::new(4);
        let live: Vec<u64> = (100..400).collect();
        let batch = delete_batch(live.clone(), Some(250), &mut rng);
        assert_eq!((batch.len(), batch[0]), (LATTICE_BATCH, 250));
        let mut sorted = batch.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), LATTICE_BATCH, "distinct");
        assert!(batch.iter().all(|l| live.contains(l)));
        assert_eq!(delete_batch(live.clone(), None, &mut rng).len(), LATTICE_BATCH);
        let few: Vec<u64> = (0..10).collect();
        let mut all = delete_batch(few.clone(), None, &mut rng);
        all.sort_unstable();
        assert_eq!(all, few);
    }
}
