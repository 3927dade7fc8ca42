//! **racy-parallel**: parallel insertion whose back-link updates are
//! read-modify-writes without the lock held across them (F4, hnswlib
//! `updatePoint`). Every thread of a batch reads the neighbour lists, then
//! every thread writes `list it read + itself`: when two new nodes link back
//! to the same neighbour, the later write silently discards the earlier one.
//! The batch barrier forces that losing schedule every time, so the mutant is
//! deterministic; the loom models explore the same bug in the concurrent code.

use crate::error::Result;
use crate::strategy::deterministic_parallel::{build_batches, CommitMode};
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};

pub(super) struct RacyParallel;

impl Strategy for RacyParallel {
    fn name(&self) -> &'static str {
        "racy-parallel"
    }
    fn kind(&self) -> Kind {
        Kind::Mutant
    }
    fn description(&self) -> &'static str {
        "back-links written from stale reads: lost updates"
    }
    fn build(&self, input: &BuildInput<'_>, observer: Option<Observer<'_>>) -> Result<Built> {
        Ok(Built::single(build_batches(input, 1024, CommitMode::StaleOverwrite, observer)?))
    }
}
