//! Command-line arguments (clap derive): one subcommand per experiment, each
//! with its arguments defined beside the code that runs it (`cmd/`).

use clap::{Parser, Subcommand};

use crate::cmd;

/// hnswlab: build, measure and check HNSW indexes.
#[derive(Debug, Parser)]
#[command(name = "hnswlab", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every strategy and mutant under every check and print the mutation matrix.
    Mutants(cmd::mutants::MutantsArgs),
    /// Build an index, check every insert and the whole graph, and sweep search ef.
    Build(cmd::build::BuildArgs),
    /// Check an index file written by hnswlib or faiss: defects with byte offsets, census, self-search.
    Check(cmd::check::CheckArgs),
    /// Convert an hnswlib index file into an hnswlab index file (same graph, labels and vectors).
    Convert(cmd::convert::ConvertArgs),
    /// Run an experiment config and write reports/<name>/ (report.md, results.csv/json, charts).
    Report(cmd::report::ReportArgs),
    /// Compare hnswlab with hnswlib and faiss on the same files in one run (rounds, rotating order, ratios).
    Compare(cmd::compare::CompareArgs),
    /// hnswlab --prune standard against hnswlib on the same vectors, per data shape and seed; flags differences outside the seed spread.
    Fidelity(cmd::fidelity::FidelityArgs),
    /// Deletes, inserts and updates round by round, per delete policy and hnswlib: live census, recall@10, cost.
    Churn(cmd::churn::ChurnArgs),
    /// One measurement of `hnswlab compare` in this fresh process (internal).
    #[command(hide = true)]
    CompareWorker(crate::compare::measure::WorkerArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{MetricArg, PruneArg, SelectionArg};
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_documented_main_job() {
        let cli = Cli::try_parse_from(["hnswlab", "build"]).expect("parses");
        let Command::Build(a) = cli.command else { panic!("expected build") };
        assert_eq!((a.m, a.ef_construction, a.seed, a.threads), (16, 200, 42, 1));
        assert_eq!(a.ef, vec![10, 20, 40, 80, 160, 320]);
        assert_eq!(a.prune, PruneArg::Standard);
        assert_eq!(a.selection, SelectionArg::Heuristic);
        assert_eq!(a.metric, MetricArg::L2);
        assert!(a.data.is_none() && a.base.is_none());
    }

    #[test]
    fn ef_list_and_texmex_arguments_parse() {
        let cli = Cli::try_parse_from(["hnswlab", "build", "--ef", "10,50", "--base", "b.fvecs", "--query", "q.fvecs"])
            .expect("parses");
        let Command::Build(a) = cli.command else { panic!("expected build") };
        assert_eq!(a.ef, vec![10, 50]);
        assert_eq!(a.base.as_deref(), Some(std::path::Path::new("b.fvecs")));
    }

    #[test]
    fn base_without_query_and_data_with_base_are_rejected() {
        assert!(Cli::try_parse_from(["hnswlab", "build", "--base", "b.fvecs"]).is_err());
        assert!(Cli::try_parse_from([
            "hnswlab", "build", "--data", "gaussian", "--base", "b.fvecs", "--query", "q.fvecs"
        ])
        .is_err());
        for threads in ["0", "1025", "100000", "4294967296", "18446744073709551615", "-1"] {
            for cmd in ["build", "mutants"] {
                let e = Cli::try_parse_from(["hnswlab", cmd, "--threads", threads]).unwrap_err();
                let text = e.to_string();
                assert!(text.contains("--threads") || text.contains(threads), "{cmd} --threads {threads}: {e}");
            }
        }
        assert!(Cli::try_parse_from(["hnswlab", "build", "--threads", "1024"]).is_ok());
    }
}
