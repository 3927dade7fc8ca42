//! Which slots of an index hold a live vector: hnswlib's delete marks, plus
//! the free slots a delete consolidation leaves behind.
//!
//! Invariant: `dead` is the number of slots that are not [`Slot::Live`], and
//! `reusable` holds exactly those slots, so the lowest one is reused first
//! (hnswlib takes an arbitrary one from an unordered set; the lowest keeps
//! the index a function of its seed and operations).

use std::collections::BTreeSet;

use crate::error::{try_grow, Result};
use crate::ids::NodeId;
use crate::search::Admit;

/// The state of one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Holds a vector that searches return.
    Live,
    /// A tombstone: its lists stay and searches walk through it, but never
    /// return it; its label is free.
    Deleted,
    /// Consolidated away: no lists, no edge points to it; reusable as a new node.
    Free,
}

/// Per-id state, and the non-live ids in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tombstones {
    state: Vec<Slot>,
    reusable: BTreeSet<NodeId>,
}

impl Tombstones {
    /// Reserve room for `n` more ids.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        try_grow("slot states", &mut self.state, n)
    }

    /// Record a new live id (the next one).
    pub fn push_live(&mut self) {
        self.state.push(Slot::Live);
    }

    /// State of `id`.
    #[inline]
    pub fn slot(&self, id: NodeId) -> Slot {
        self.state[id.index()]
    }

    /// True unless `id` is live.
    #[inline]
    pub fn is_dead(&self, id: NodeId) -> bool {
        self.state[id.index()] != Slot::Live
    }

    /// Number of ids that are not live.
    #[inline]
    pub fn dead(&self) -> usize {
        self.reusable.len()
    }

    /// Set the state of `id`, keeping the reusable set in step.
    pub fn set(&mut self, id: NodeId, to: Slot) {
        self.state[id.index()] = to;
        if to == Slot::Live {
            self.reusable.remove(&id);
        } else {
            self.reusable.insert(id);
        }
    }

    /// The lowest non-live id: the slot a replacing insert reuses.
    pub fn first_reusable(&self) -> Option<NodeId> {
        self.reusable.first().copied()
    }

    /// The ids that are not live, ascending.
    pub fn dead_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.reusable.iter().copied()
    }

    /// Approximate bytes used.
    pub fn memory_bytes(&self) -> usize {
        self.state.capacity() + self.reusable.len() * 2 * std::mem::size_of::<NodeId>()
    }
}

impl Admit for Tombstones {
    const ALL: bool = false;
    #[inline]
    fn admits(&self, id: NodeId) -> bool {
        !self.is_dead(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reusable_set_follows_the_states() {
        let mut t = Tombstones::default();
        for _ in 0..5 {
            t.push_live();
        }
        t.set(NodeId(3), Slot::Deleted);
        t.set(NodeId(1), Slot::Deleted);
        assert_eq!((t.dead(), t.first_reusable()), (2, Some(NodeId(1))));
        t.set(NodeId(1), Slot::Free);
        assert_eq!(t.dead_ids().collect::<Vec<_>>(), [NodeId(1), NodeId(3)]);
        t.set(NodeId(1), Slot::Live);
        assert_eq!((t.dead(), t.first_reusable()), (1, Some(NodeId(3))));
        assert!(t.admits(NodeId(1)) && !t.admits(NodeId(3)));
    }
}
