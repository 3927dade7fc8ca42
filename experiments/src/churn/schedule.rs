//! The churn schedule: what every policy and hnswlib are asked to do, round
//! by round, decided once from the spec and its seed so all of them see the
//! same live set in every round.
//!
//! Round 0 is the initial build: labels `0..n`, the data set's base vectors
//! (generator stream [`BASE_STREAM`]); queries come from [`QUERY_STREAM`]. Round
//! `r >= 1` deletes `round(fraction x live)` live labels drawn without
//! replacement, inserts as many new labels (the next unused ones: a label is
//! never reused) with vectors from the same generator on stream `2r`, then
//! updates `round(update_fraction x live)` live labels drawn again, with new
//! vectors from stream `2r + 1`. Every draw comes from one generator seeded
//! from the spec's seed.

use anyhow::{bail, Result};
use hnswlab::level::splitmix64;
use hnswlab::synthetic::{self, Rng};

use super::Spec;
use crate::data::{
    self, DataKind, Dataset, DatasetSpec, BASE_STREAM, CLUSTERED_CENTRES, CLUSTERED_SPREAD, QUERY_STREAM,
};

/// Seed offset of the generator that draws the labels to delete and update.
const CHOICE_STREAM: u64 = 0xC4_0012;

/// One round after the initial build.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    /// Live labels to delete, in the order drawn.
    pub delete: Vec<u64>,
    /// New labels, ascending.
    pub insert_labels: Vec<u64>,
    /// Their vectors, `dim` floats each.
    pub insert: Vec<f32>,
    /// Live labels (after the inserts) whose vectors change.
    pub update_labels: Vec<u64>,
    /// Their new vectors.
    pub update: Vec<f32>,
}

impl Round {
    /// The inserted labels with their vectors.
    pub fn inserted(&self, dim: usize) -> impl Iterator<Item = (u64, &[f32])> {
        self.insert_labels.iter().copied().zip(self.insert.chunks_exact(dim))
    }

    /// The updated labels with their new vectors.
    pub fn updated(&self, dim: usize) -> impl Iterator<Item = (u64, &[f32])> {
        self.update_labels.iter().copied().zip(self.update.chunks_exact(dim))
    }
}

/// The initial data set (base vectors = labels `0..n`, and the queries) and the rounds.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Initial vectors and queries.
    pub initial: Dataset,
    /// Rounds `1..=R`.
    pub rounds: Vec<Round>,
}

impl Schedule {
    /// The schedule `spec` describes (validated by the caller).
    pub fn make(spec: &Spec) -> Result<Schedule> {
        let initial = data::load(&DatasetSpec::synthetic(spec.data, spec.n, spec.dim, spec.queries), spec.seed)?;
        let mut rng = Rng::new(splitmix64(spec.seed) ^ CHOICE_STREAM);
        let mut live: Vec<u64> = (0..spec.n as u64).collect();
        let mut next = spec.n as u64;
        let mut rounds = Vec::with_capacity(spec.rounds);
        for r in 1..=spec.rounds as u64 {
            let deletes = share(spec.fraction, live.len());
            draw(&mut live, deletes, &mut rng);
            let delete: Vec<u64> = live.drain(..deletes).collect();
            let insert_labels: Vec<u64> = (next..next + deletes as u64).collect();
            next += deletes as u64;
            live.extend(&insert_labels);
            let insert = fresh(spec.data, deletes, spec.dim, spec.seed, 2 * r)?;
            let updates = share(spec.update_fraction, live.len());
            draw(&mut live, updates, &mut rng);
            let update_labels = live[..updates].to_vec();
            let update = fresh(spec.data, updates, spec.dim, spec.seed, 2 * r + 1)?;
            rounds.push(Round { delete, insert_labels, insert, update_labels, update });
        }
        Ok(Schedule { initial, rounds })
    }

    /// Every label the schedule ever uses is below this.
    pub fn labels(&self) -> u64 {
        self.initial.n() as u64 + self.rounds.iter().map(|r| r.insert_labels.len() as u64).sum::<u64>()
    }
}

/// `round(fraction x count)`, at most `count`.
pub fn share(fraction: f64, count: usize) -> usize {
    ((fraction * count as f64).round() as usize).min(count)
}

/// Move `k` labels drawn uniformly without replacement to the front of `v`
/// (a partial Fisher–Yates shuffle).
fn draw(v: &mut [u64], k: usize, rng: &mut Rng) {
    for i in 0..k.min(v.len()) {
        let j = i + rng.below((v.len() - i) as u64) as usize;
        v.swap(i, j);
    }
}

/// `count` new vectors of the data set's generator on `stream` (>= 2: the
/// base set is stream 0, the queries stream 1). Clustered streams share the
/// centres; gaussian streams are seeded as its queries are.
fn fresh(kind: DataKind, count: usize, dim: usize, seed: u64, stream: u64) -> Result<Vec<f32>> {
    debug_assert!(stream > QUERY_STREAM, "streams {BASE_STREAM} and {QUERY_STREAM} are the base and query sets");
    Ok(match kind {
        DataKind::Clustered => synthetic::try_clustered(count, dim, CLUSTERED_CENTRES, CLUSTERED_SPREAD, seed, stream)?,
        DataKind::Gaussian => synthetic::try_gaussian(count, dim, splitmix64(seed) ^ stream)?,
        other => bail!("churn data: {} has no new streams (use clustered or gaussian)", other.name()),
    })
}

/// The live labels and their current vectors, as the schedule leaves them
/// after each round (the model every index is judged against).
#[derive(Clone, Debug)]
pub struct Live {
    dim: usize,
    /// Current vector per label (`labels() x dim`; a dead label keeps its last vector).
    vectors: Vec<f32>,
    /// Per label: live now.
    alive: Vec<bool>,
}

impl Live {
    /// The state after round 0.
    pub fn initial(s: &Schedule) -> Result<Live> {
        let dim = s.initial.dim;
        let total = s.labels() as usize;
        let mut vectors =
            crate::limits::try_vec("churn vectors", crate::limits::floats("churn labels x dim", total, dim)?)?;
        vectors.extend_from_slice(&s.initial.base);
        vectors.resize(total * dim, 0.0);
        let mut alive = vec![false; total];
        alive[..s.initial.n()].fill(true);
        Ok(Live { dim, vectors, alive })
    }

    /// Apply `round`: deletes, inserts, updates.
    pub fn apply(&mut self, round: &Round) {
        for &l in &round.delete {
            self.alive[l as usize] = false;
        }
        for (l, v) in round.inserted(self.dim).chain(round.updated(self.dim)) {
            self.alive[l as usize] = true;
            let at = l as usize * self.dim;
            self.vectors[at..at + self.dim].copy_from_slice(v);
        }
    }

    /// Number of live labels.
    pub fn count(&self) -> usize {
        self.alive.iter().filter(|&&a| a).count()
    }

    /// The live set as a data set (rows in ascending label order, with
    /// `queries`), and per label its row (`u32::MAX` when dead).
    pub fn dataset(&self, queries: &Dataset) -> (Dataset, Vec<u32>) {
        let mut rows = vec![u32::MAX; self.alive.len()];
        let mut base = Vec::with_capacity(self.count() * self.dim);
        for (row, (l, _)) in self.alive.iter().enumerate().filter(|(_, &a)| a).enumerate() {
            rows[l] = row as u32;
            base.extend_from_slice(&self.vectors[l * self.dim..(l + 1) * self.dim]);
        }
        let ds = Dataset { base, ground_truth: None, ..queries.clone() };
        (ds, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(update_fraction: f64) -> Spec {
        Spec { n: 200, dim: 4, queries: 5, rounds: 6, fraction: 0.1, update_fraction, ..Spec::default() }
    }

    #[test]
    fn every_round_replaces_a_fraction_of_distinct_live_labels_with_new_ones() {
        let s = spec(0.05);
        println!("seed {}", s.seed);
        let schedule = Schedule::make(&s).unwrap();
        let mut live: std::collections::BTreeSet<u64> = (0..200).collect();
        let mut next = 200;
        for (r, round) in schedule.rounds.iter().enumerate() {
            assert_eq!(round.delete.len(), 20, "round {}", r + 1);
            let distinct: std::collections::BTreeSet<u64> = round.delete.iter().copied().collect();
            assert_eq!(distinct.len(), 20, "round {}: a label deleted twice", r + 1);
            assert!(distinct.is_subset(&live), "round {}: a dead label deleted", r + 1);
            live.retain(|l| !distinct.contains(l));
            assert_eq!(round.insert_labels, (next..next + 20).collect::<Vec<_>>(), "round {}", r + 1);
            next += 20;
            live.extend(&round.insert_labels);
            assert_eq!((round.insert.len(), round.update_labels.len(), round.update.len()), (80, 10, 40));
            assert!(round.update_labels.iter().all(|l| live.contains(l)), "round {}: a dead label updated", r + 1);
        }
        assert_eq!(schedule.labels(), next);
        // Inserted vectors are new draws, not copies of the base set or of each other's rounds.
        assert_ne!(schedule.rounds[0].insert, schedule.rounds[1].insert);
        assert_ne!(&schedule.rounds[0].insert[..], &schedule.initial.base[..80]);
    }

    #[test]
    fn the_model_follows_the_schedule_and_is_reproducible() {
        let s = spec(0.1);
        let (a, b) = (Schedule::make(&s).unwrap(), Schedule::make(&s).unwrap());
        assert_eq!(a.rounds, b.rounds, "seed {}: not reproducible", s.seed);
        let mut live = Live::initial(&a).unwrap();
        for round in &a.rounds {
            live.apply(round);
            assert_eq!(live.count(), 200);
        }
        let (ds, rows) = live.dataset(&a.initial);
        assert_eq!((ds.n(), ds.query_count()), (200, 5));
        let last = a.rounds.last().unwrap();
        for (l, v) in last.updated(4) {
            assert_eq!(ds.vector(rows[l as usize] as usize), v, "label {l} does not hold its update");
        }
        assert!(last.delete.iter().all(|&l| rows[l as usize] == u32::MAX), "a deleted label has a row");
        let other = Schedule::make(&Spec { seed: s.seed + 1, ..s }).unwrap();
        assert_ne!(other.rounds[0].delete, a.rounds[0].delete, "the seed does not change the draws");
    }
}
