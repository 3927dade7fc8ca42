//! # hnswlab-invariants
//!
//! Whole-graph checks over a read-only [`hnswlab::GraphView`].
//! (Crate docs stating I1-I8 exactly as implemented: to be written with the checks.)

pub mod expect;
pub mod health;
pub mod violation;

pub use expect::Expectations;
pub use health::{Health, LayerHealth};
pub use violation::{Violation, Violations};

use hnswlab::{GraphView, InsertTrace};

/// Run every whole-graph check (I1, I2, I3, I5, I6, I7, I8) and return the
/// health census, or every violation found.
pub fn check_all<V: GraphView + ?Sized>(view: &V, expect: &Expectations) -> Result<Health, Violations> {
    let _ = (view, expect);
    todo!("I1-I8")
}

/// The per-insert checks, run right after the insert that produced `trace`:
/// the I3 insert post-condition and I4 searchability.
pub fn check_insert<V: GraphView + ?Sized>(view: &V, trace: &InsertTrace, expect: &Expectations) -> Result<(), Violations> {
    let _ = (view, trace, expect);
    todo!("I3 post-condition, I4")
}
