//! **concurrent**: many threads insert into one [`SharedIndex`] with
//! per-node locks and a guarded entry-point promotion, the way hnswlib and
//! faiss scale (the lock discipline is stated in `crate::shared`). Each
//! insert runs the one insert engine; only the storage differs.
//!
//! Profile: each thread counts and profiles its own inserts; the build sums
//! them, so phase times are CPU time summed over threads. Preparing the rows
//! and copying the joined graph into the result index are allocation.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::distance::prepare;
use crate::error::Result;
use crate::insert::BuildStats;
use crate::profile::{Lap, Phase, Profile};
use crate::search::Scratch;
use crate::sync::{thread, Arc};

pub use crate::shared::{SharedIndex, Top};

/// Many threads, one index.
#[derive(Clone, Copy, Debug, Default)]
pub struct Concurrent;

/// Validate and prepare every row.
pub(crate) fn prepare_all(input: &BuildInput<'_>) -> Result<Vec<f32>> {
    let n = input.rows()?;
    let mut out = Vec::with_capacity(input.data.len());
    for i in 0..n {
        out.extend(prepare(input.params.metric(), input.dim, input.row(i))?);
    }
    Ok(out)
}

impl Strategy for Concurrent {
    fn name(&self) -> &'static str {
        "concurrent"
    }
    fn description(&self) -> &'static str {
        "threads insert into one index with per-node locks"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        SharedIndex::check_params(input.params)?;
        let mut alloc = Profile::default();
        let mut lap = Lap::start(0);
        let prepared = prepare_all(input)?;
        let shared = Arc::new(SharedIndex::new(input.params.clone(), input.dim, prepared)?);
        lap.charge(&mut alloc, Phase::Alloc, 0);
        let workers: Vec<_> = (0..input.threads.max(1))
            .map(|_| {
                let sh = Arc::clone(&shared);
                thread::spawn(move || {
                    let mut s = Scratch::new();
                    let mut stats = BuildStats::default();
                    while let Some(q) = sh.claim() {
                        sh.insert_counted(q, &mut s, &mut stats);
                    }
                    stats
                })
            })
            .collect();
        let mut stats = BuildStats::default();
        for w in workers {
            stats.merge(&w.join().expect("insert worker panicked"));
        }
        let mut lap = Lap::start(0);
        let shared = Arc::try_unwrap(shared).expect("every worker has been joined");
        let mut h = shared.into_hnsw()?;
        lap.charge(&mut alloc, Phase::Alloc, 0);
        stats.profile.merge(&alloc);
        h.stats = stats;
        if let Some(o) = observer {
            o(Commit { segment: 0, view: &h, traces: &[] });
        }
        Ok(Built::single(h))
    }
}
