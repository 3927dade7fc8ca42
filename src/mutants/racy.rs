//! **racy-parallel**: parallel insertion whose back-link updates are
//! read-modify-writes without the lock held across them (F4, hnswlib
//! `updatePoint`). Every thread of a batch reads the neighbour lists, then
//! every thread writes `list it read + itself`: when two new nodes link back
//! to the same neighbour, the later write silently discards the earlier one.
//! The batch barrier forces that losing schedule every time, so the mutant is
//! deterministic; the loom models explore the same bug in the concurrent code.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::Result;
use crate::hooks::Hooks;
use crate::ids::{Layer, NodeId};
use crate::insert::{Cx, Edge, Plan};
use crate::lists::{ListStore, Local};
use crate::search::Adjacency;
use crate::strategy::deterministic_parallel::{build_batches, Batching, CommitMode};
use crate::strategy::{BuildInput, Built, Kind, Observer, Strategy};
use crate::BackLink;

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
        let hooks = StaleOverwrite::default();
        // Whole batches, copies included: every copy of a batch reads the same lists.
        let batching = Batching { max_batch: 1024, cut_at_repeats: false };
        Ok(Built::single(build_batches(input, batching, CommitMode::Auto, observer, &hooks)?))
    }
}

/// Each back-link of a batch writes `N(e) as the batch read it + q` over
/// whatever `N(e)` is now (nothing when that list was full).
#[derive(Default)]
struct StaleOverwrite {
    /// `N(e)` on each layer as the batch's plans read it.
    frozen: RefCell<HashMap<(NodeId, Layer), Vec<NodeId>>>,
}

impl<'a> Hooks<Local<'a>> for StaleOverwrite {
    const PARALLEL_COMMIT: bool = false;

    fn batch_planned(&self, store: &Local<'a>, plans: &[Plan]) {
        let mut frozen = self.frozen.borrow_mut();
        frozen.clear();
        for p in plans {
            for (l, sel) in &p.layers {
                for e in sel {
                    let mut list = Vec::new();
                    store.copy_neighbours(e.id, *l, &mut list);
                    frozen.insert((e.id, *l), list);
                }
            }
        }
    }

    fn link_back(&self, cx: &mut Cx<'_, Local<'a>, Self>, edge: Edge, _: &mut Vec<NodeId>) -> BackLink {
        let Edge { from: e, to: q, layer: lc } = edge;
        let frozen = self.frozen.borrow()[&(e, lc)].clone();
        if frozen.len() < cx.store.capacity(lc) && !frozen.contains(&q) {
            let mut list = frozen.clone();
            list.push(q);
            cx.store.set_neighbours(e, lc, &list);
        }
        BackLink { neighbour: e, len_before: frozen.len(), kept: cx.store.contains(e, lc, q) }
    }
}
