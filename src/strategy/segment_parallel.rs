//! **segment-parallel**: the rows split into S contiguous segments (S = the
//! thread count), an independent index built per segment in parallel, and
//! search fanning out to every segment and merging the top k.
//!
//! Invariant: each segment is a complete HNSW of its rows, so every check
//! holds per segment; what the split costs is measured as recall and
//! per-query work, not hidden.
//!
//! Profile: each segment profiles its own inserts; merged over segments
//! (`BuildStats::merge`), the phase times are CPU time summed over threads.

use super::sequential::{insert_all, insert_row, reserve};
use super::{BuildInput, Built, Commit, Observer, Strategy};
use crate::error::Result;
use crate::index::Hnsw;

/// Independent graphs over contiguous segments.
#[derive(Clone, Copy, Debug, Default)]
pub struct SegmentParallel;

fn segment_bounds(n: usize, s: usize) -> Vec<(usize, usize)> {
    let per = n.div_ceil(s.max(1)).max(1);
    (0..n).step_by(per).map(|a| (a, (a + per).min(n))).collect()
}

fn build_segment(input: &BuildInput<'_>, a: usize, b: usize, observer: Option<Observer<'_>>) -> Result<Hnsw> {
    let mut h = Hnsw::new(input.dim, input.params.clone())?;
    reserve(&mut h, b - a)?;
    let mut observer = observer;
    for i in a..b {
        let trace = insert_row(&mut h, i as u64, input.row(i))?;
        if let Some(o) = observer.as_deref_mut() {
            o(Commit { segment: 0, view: &h, traces: std::slice::from_ref(&trace), afterwards: &[] });
        }
    }
    Ok(h)
}

impl Strategy for SegmentParallel {
    fn name(&self) -> &'static str {
        "segment-parallel"
    }
    fn description(&self) -> &'static str {
        "one independent graph per thread over contiguous segments; search fans out"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        let n = input.rows()?;
        let bounds = segment_bounds(n, input.threads);
        if bounds.len() <= 1 {
            let h = Hnsw::new(input.dim, input.params.clone())?;
            return Ok(Built::single(insert_all(h, input, observer)?));
        }
        let segments = if let Some(o) = observer {
            // Checked builds run segment by segment so each commit is observed in order.
            let mut out = Vec::new();
            for (k, &(a, b)) in bounds.iter().enumerate() {
                let mut tagged = |c: Commit<'_>| o(Commit { segment: k, ..c });
                out.push(build_segment(input, a, b, Some(&mut tagged))?);
            }
            out
        } else {
            std::thread::scope(|sc| {
                let handles: Vec<_> =
                    bounds.iter().map(|&(a, b)| sc.spawn(move || build_segment(input, a, b, None))).collect();
                handles.into_iter().map(|h| h.join().expect("segment builder panicked")).collect::<Result<Vec<_>>>()
            })?
        };
        Ok(Built { segments })
    }
}
