//! One module per subcommand.

pub mod build;
pub mod check;
pub mod churn;
pub mod compare;
pub mod convert;
pub mod fidelity;
pub mod mutants;
pub mod report;
