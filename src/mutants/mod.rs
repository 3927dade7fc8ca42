//! Deliberate mutants: strategies that reproduce documented ways HNSW builds
//! go wrong (F-numbers are the project's failure catalogue). They are never
//! the default; each exists so a check can prove it catches the bug. Each is
//! a set of hooks the one insert engine runs (`crate::hooks`); the
//! reference path carries none of them.
//!
//! | mutant | reproduces |
//! |---|---|
//! | `skip-navigation` | "simplified insertion": no descent, no beam search |
//! | `racy-parallel` | F4: list updates computed from stale reads, lost on write |
//! | `deferred-connectivity` | nodes added first, linked later: not searchable after insert |
//! | `one-way-edges` | the reverse connection forgotten |
//! | `stale-entry-point` | F1: the entry point is never promoted |
//! | `early-promotion` | F1 (muninndb#471): entry point promoted before it is linked |
//! | `wrong-layer-backlink` | F9 (hnswlib-rs#37): back-link written on the wrong layer |
//! | `flat-levels` | F5/F10: level RNG re-seeded per insert, every node the same level |
//! | `no-truncation` | F28 (iris-mpc#1220): overflowing lists never shrunk |
//! | `churn::*` | F14-F17: delete policies that go wrong (see [`churn`]) |
//! | `concurrent-deferred-back-links` | an insert that returns before its back-links exist (write-behind linking): visible only to per-insert checks of the concurrent build |

mod alg1;
pub mod churn;
pub mod concurrent;
mod deferred;
mod no_truncation;
mod racy;

use crate::strategy::Strategy;

/// Every mutant, in report order.
pub fn mutants() -> Vec<Box<dyn Strategy>> {
    let mut v: Vec<Box<dyn Strategy>> = alg1::all();
    v.push(Box::new(racy::RacyParallel));
    v.push(Box::new(deferred::DeferredConnectivity));
    v.push(Box::new(no_truncation::NoTruncation));
    v.push(Box::new(concurrent::DeferredBackLinks));
    v
}
