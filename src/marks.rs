//! Delete marks of the concurrent index ([`crate::strategy::concurrent::SharedIndex`]):
//! one atomic flag per node, set by a delete and read by searches that run
//! beside inserts and other deletes. hnswlib keeps the same mark as a plain
//! byte in the node's header, which `markDelete` writes while `searchKnn`
//! reads it unsynchronised (a data race); here it is an atomic from
//! `crate::sync`, so the loom models check it.
//!
//! Invariant: a mark only goes from clear to set (there is no undelete). It
//! is set with a sequentially consistent read-modify-write and read with
//! acquire ordering, so a delete that returned before a search began
//! (happens-before the search's first read) is seen by every read that
//! search makes: the search never returns that node.

use crate::ids::NodeId;
use crate::search::Admit;
use crate::sync::{AtomicBool, Ordering};

/// One delete mark per node.
#[derive(Debug)]
pub(crate) struct Marks {
    flags: Vec<AtomicBool>,
}

impl Marks {
    /// `n` clear marks.
    pub(crate) fn new(n: usize) -> Self {
        Marks { flags: (0..n).map(|_| AtomicBool::new(false)).collect() }
    }

    /// Set the mark of `id`; false if it was set already. The swap is one
    /// atomic step, so of two deletes of one node exactly one succeeds.
    pub(crate) fn mark(&self, id: NodeId) -> bool {
        !self.flags[id.index()].swap(true, Ordering::SeqCst)
    }

    /// True if `id` is deleted (acquire: sees every delete that happened before).
    #[inline]
    pub(crate) fn is_marked(&self, id: NodeId) -> bool {
        self.flags[id.index()].load(Ordering::Acquire)
    }

    /// The mark of `id` read without any synchronisation: the planted race of
    /// a loom mutant (loom reports it when it races the delete's write).
    /// Under loom only: anywhere else it would be a data race, not a test.
    #[cfg(loom)]
    pub(crate) fn read_unsynchronised(&self, id: NodeId) -> bool {
        // SAFETY: not safe: the planted race, under loom only, which reports it.
        unsafe { self.flags[id.index()].unsync_load() }
    }

    /// Number of marked nodes (a scan: call when no thread deletes).
    pub(crate) fn count(&self) -> usize {
        self.flags.iter().filter(|f| f.load(Ordering::Acquire)).count()
    }
}

/// A search admits exactly the nodes whose mark is clear.
impl Admit for Marks {
    const ALL: bool = false;
    #[inline]
    fn admits(&self, id: NodeId) -> bool {
        !self.is_marked(id)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_set_once_and_admits_follow_it() {
        let m = Marks::new(3);
        assert!(m.admits(NodeId(1)));
        assert!(m.mark(NodeId(1)), "the first delete succeeds");
        assert!(!m.mark(NodeId(1)), "the second delete of the same node fails");
        assert!(!m.admits(NodeId(1)) && m.admits(NodeId(0)) && m.admits(NodeId(2)));
        assert_eq!(m.count(), 1);
    }
}
