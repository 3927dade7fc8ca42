//! One module per subcommand.

pub mod build;
pub mod check;
pub mod compare;
pub mod fidelity;
pub mod mutants;
pub mod report;
