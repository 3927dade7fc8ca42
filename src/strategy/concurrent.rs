//! **concurrent**: many threads insert into one [`SharedIndex`] with
//! per-node locks and a guarded entry-point promotion, the way hnswlib and
//! faiss scale (the lock discipline is stated in `crate::shared`). Each
//! insert runs the one insert engine; only the storage differs.
//!
//! No quiescent point exists between concurrent inserts, so the per-insert
//! checks cannot read a committed graph: in an observed build each worker
//! reads what they need right after each of its own inserts, while the
//! others keep inserting ([`Afterwards`](super::Afterwards)), and the observer gets those
//! records with the joined graph.
//!
//! Profile: each thread counts and profiles its own inserts; the build sums
//! them, so phase times are CPU time summed over threads. Preparing the rows
//! and copying the joined graph into the result index are allocation.

use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::distance::prepare;
use crate::error::Result;
use crate::hooks::{Hooks, Reference};
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

/// Build `input` with `threads` workers inserting into one [`SharedIndex`],
/// each with its own `hooks()` (the strategy's are the reference's). With an
/// observer, each worker also reads, right after each of its inserts, what
/// the per-insert checks need ([`Afterwards`](super::Afterwards)), and the observer gets them
/// all with the joined graph.
pub(crate) fn build_with<H, F>(input: &BuildInput<'_>, observer: Option<Observer<'_>>, hooks: F) -> Result<Built>
where
    H: for<'a> Hooks<&'a SharedIndex>,
    F: Fn() -> H + Send + Sync + 'static,
{
    SharedIndex::check_params(input.params)?;
    let mut alloc = Profile::default();
    let mut lap = Lap::start(0);
    let prepared = prepare_all(input)?;
    let index = SharedIndex::new(input.params.clone(), input.dim, prepared)?;
    let observed = observer.is_some();
    let shared = Arc::new(if observed { index.observed() } else { index });
    lap.charge(&mut alloc, Phase::Alloc, 0);
    let hooks = Arc::new(hooks);
    let workers: Vec<_> = (0..input.threads.max(1))
        .map(|_| {
            let (sh, make) = (Arc::clone(&shared), Arc::clone(&hooks));
            thread::spawn(move || {
                let hooks = make();
                let mut s = Scratch::new();
                let mut stats = BuildStats::default();
                let mut seen = Vec::new();
                while let Some(q) = sh.claim() {
                    let failures = stats.findability_failures;
                    let trace = sh.insert_with(q, &mut s, &mut stats, &hooks);
                    if observed {
                        let found = if sh.params().verify_inserts() {
                            stats.findability_failures == failures
                        } else {
                            sh.finds_itself(q, &mut s)
                        };
                        seen.push(sh.afterwards(trace, found));
                    }
                }
                hooks.worker_done(&&*sh, sh.params(), &mut s);
                (stats, seen)
            })
        })
        .collect();
    let mut stats = BuildStats::default();
    let mut afterwards = Vec::new();
    for w in workers {
        let (st, seen) = w.join().expect("insert worker panicked");
        stats.merge(&st);
        afterwards.extend(seen);
    }
    afterwards.sort_by_key(|a| a.trace.node);
    let mut lap = Lap::start(0);
    let shared = Arc::try_unwrap(shared).expect("every worker has been joined");
    let mut h = shared.into_hnsw()?;
    lap.charge(&mut alloc, Phase::Alloc, 0);
    stats.profile.merge(&alloc);
    h.stats = stats;
    if let Some(o) = observer {
        o(Commit { segment: 0, view: &h, traces: &[], afterwards: &afterwards });
    }
    Ok(Built::single(h))
}

impl Strategy for Concurrent {
    fn name(&self) -> &'static str {
        "concurrent"
    }
    fn description(&self) -> &'static str {
        "threads insert into one index with per-node locks"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        build_with(input, observer, || Reference)
    }
}
