//! Who is measured when: the entrants at each thread count, and the order of
//! a round, which rotates from round to round so that drift in the machine's
//! load hits every entrant alike.

use serde::{Deserialize, Serialize};

use super::config::CompareConfig;

/// The library name of hnswlab's own entrants.
pub const HNSWLAB: &str = "hnswlab";

/// One thing measured: hnswlab with a strategy, or a Python library.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
pub struct Entrant {
    /// `hnswlab`, `hnswlib` or `faiss`.
    pub library: String,
    /// hnswlab's strategy; a library's own name otherwise.
    pub strategy: String,
}

impl Entrant {
    /// hnswlab building with `strategy`.
    pub fn hnswlab(strategy: &str) -> Entrant {
        Entrant { library: HNSWLAB.into(), strategy: strategy.into() }
    }

    /// A Python library.
    pub fn library(name: &str) -> Entrant {
        Entrant { library: name.into(), strategy: name.into() }
    }

    /// True for hnswlab's own entrants.
    pub fn is_hnswlab(&self) -> bool {
        self.library == HNSWLAB
    }

    /// `hnswlab/sequential`, `hnswlib`.
    pub fn label(&self) -> String {
        if self.is_hnswlab() {
            format!("{HNSWLAB}/{}", self.strategy)
        } else {
            self.library.clone()
        }
    }
}

/// `items` rotated left by `round`: round 0 keeps the order, round 1 starts
/// with the second item and ends with the first, and so on.
pub fn rotation<T: Clone>(items: &[T], round: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut v = items.to_vec();
    v.rotate_left(round % items.len());
    v
}

/// The entrants at `threads` build threads, in round-0 order: hnswlab's
/// strategies for that count, then the libraries.
pub fn entrants(config: &CompareConfig, threads: usize) -> Vec<Entrant> {
    let mut v: Vec<Entrant> = config.strategies_at(threads).iter().map(|s| Entrant::hnswlab(s)).collect();
    v.extend(config.libs.iter().map(|l| Entrant::library(l)));
    v
}

/// One measurement of the schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Round, from 0.
    pub round: usize,
    /// Index into the config's data sets.
    pub dataset: usize,
    /// Build threads.
    pub threads: usize,
    /// Place in this (round, data set, threads) group's order, from 0.
    pub position: usize,
    /// What is measured.
    pub entrant: Entrant,
}

/// Every measurement in run order: round, then data set, then thread count,
/// then the entrants in that round's rotation.
pub fn schedule(config: &CompareConfig) -> Vec<Step> {
    let mut steps = Vec::new();
    for round in 0..config.rounds {
        for dataset in 0..config.datasets.len() {
            for &threads in &config.threads {
                for (position, entrant) in rotation(&entrants(config, threads), round).into_iter().enumerate() {
                    steps.push(Step { round, dataset, threads, position, entrant });
                }
            }
        }
    }
    steps
}
