//! **batched**: validation, allocation and vector copying for a whole batch
//! (validation in parallel), then each node inserted with the full descent
//! from the entry point, in order.
//!
//! Invariant: the graph is byte-identical to `sequential` for the same seed
//! and order — allocation does not change any level (levels depend on the
//! id only) and an allocated node is unreachable until it is connected.

use super::sequential::reserve;
use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::distance::prepare;
use crate::error::Result;
use crate::index::Hnsw;
use crate::profile::{Lap, Phase};
use crate::sync::map_chunks;
use crate::view::PrefixView;

/// Batched allocation, sequential linking.
#[derive(Clone, Copy, Debug)]
pub struct Batched {
    /// Rows per batch.
    pub batch: usize,
}

impl Default for Batched {
    fn default() -> Self {
        Batched { batch: 1024 }
    }
}

/// Validate rows `start..end` on `threads` threads and allocate them in `h`
/// (in id order); returns the first error by row. Its wall time is
/// [`Phase::Alloc`] in `h`'s profile.
pub(crate) fn allocate_batch(h: &mut Hnsw, input: &BuildInput<'_>, start: usize, end: usize) -> Result<()> {
    let mut lap = Lap::start(0);
    let rows: Vec<usize> = (start..end).collect();
    let mut units = vec![(); input.threads.max(1)];
    let metric = input.params.metric();
    let prepared = map_chunks(&rows, &mut units, |&i, _| prepare(metric, input.dim, input.row(i)));
    let allocated = rows.iter().zip(prepared).try_for_each(|(i, p)| h.allocate_prepared(*i as u64, &p?).map(drop));
    lap.charge(&mut h.stats.profile, Phase::Alloc, 0);
    allocated
}

impl Strategy for Batched {
    fn name(&self) -> &'static str {
        "batched"
    }
    fn description(&self) -> &'static str {
        "batch allocation and copying, then full-descent inserts in order"
    }
    fn build(&self, input: &BuildInput<'_>, mut observer: Option<Observer<'_>>) -> Result<Built> {
        let n = input.rows()?;
        let mut h = Hnsw::new(input.dim, input.params.clone())?;
        reserve(&mut h, n)?;
        let mut start = 0;
        while start < n {
            let end = (start + self.batch.max(1)).min(n);
            allocate_batch(&mut h, input, start, end)?;
            for i in start..end {
                let trace = h.connect(crate::NodeId(i as u32));
                if let Some(o) = observer.as_deref_mut() {
                    o(Commit {
                        segment: 0,
                        view: &PrefixView::new(&h, i + 1),
                        traces: std::slice::from_ref(&trace),
                        afterwards: &[],
                    });
                }
            }
            start = end;
        }
        Ok(Built::single(h))
    }
}
