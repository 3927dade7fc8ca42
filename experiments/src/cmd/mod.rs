//! One module per subcommand.

pub mod build;
pub mod mutants;
pub mod report;
