//! Every strategy and mutant by its stable name: the one place that knows
//! both the real strategies (`crate::strategy`) and the deliberate mutants
//! (`crate::mutants`), so neither imports the other.

use crate::strategy::{batched, concurrent, deterministic_parallel, segment_parallel, sequential, Strategy};

/// The real strategies, in report order.
pub fn strategies() -> Vec<Box<dyn Strategy>> {
    vec![
        Box::new(sequential::Sequential),
        Box::new(batched::Batched::default()),
        Box::new(deterministic_parallel::DeterministicParallel::default()),
        Box::new(segment_parallel::SegmentParallel),
        Box::new(concurrent::Concurrent),
    ]
}

/// Every strategy and every mutant.
pub fn all() -> Vec<Box<dyn Strategy>> {
    let mut v = strategies();
    v.extend(crate::mutants::mutants());
    v
}

/// Look a strategy or mutant up by name.
pub fn by_name(name: &str) -> Option<Box<dyn Strategy>> {
    all().into_iter().find(|s| s.name() == name)
}

/// Stable names of every strategy and mutant.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|s| s.name()).collect()
}
