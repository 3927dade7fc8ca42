//! The mutation matrix as a test: every real strategy passes every check on
//! every shape, and every mutant is caught by at least one check.

use hnswlab::strategy;
use hnswlab_invariants::matrix::{run, CHECKS};

#[test]
fn every_mutant_is_caught_and_every_strategy_passes() {
    let seeds = [1u64, 2];
    println!("seeds {seeds:?}, 2 threads");
    let m = run(&strategy::all(), &seeds, 2, &mut |_, _| {});
    for r in &m.rows {
        println!(
            "{:<32} {:<8} recall {:.3}  caught by {:?}\n    {}",
            r.name,
            r.kind,
            r.recall_at_10,
            r.caught_by,
            r.first_violation.as_deref().unwrap_or("-")
        );
    }
    assert!(m.failing.is_empty(), "real strategies failed a check: {:?}", m.failing);
    assert!(m.escaped.is_empty(), "mutants escaped every check: {:?}", m.escaped);
    assert_eq!(m.rows.len(), strategy::all().len());
    for r in &m.rows {
        assert_eq!(r.cells.iter().filter(|(c, _)| CHECKS.contains(&c.as_str())).count(), CHECKS.len(), "{}", r.name);
    }
}
