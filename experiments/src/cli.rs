//! Command-line arguments (clap derive): one subcommand per experiment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hnswlab::{Metric, PrunePolicy, Selection};

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
    Mutants(MutantsArgs),
    /// Build an index, check every insert and the whole graph, and sweep search ef.
    Build(BuildArgs),
    /// Check an index file written by hnswlib or faiss: defects with byte offsets, census, self-search.
    Check(crate::cmd::check::CheckArgs),
    /// Run an experiment config and write reports/<name>/ (report.md, results.csv/json, charts).
    Report(crate::cmd::report::ReportArgs),
    /// Compare hnswlab with hnswlib and faiss on the same files in one run (rounds, rotating order, ratios).
    Compare(crate::cmd::compare::CompareArgs),
    /// hnswlab --prune standard against hnswlib on the same vectors, per data shape and seed; flags differences outside the seed spread.
    Fidelity(crate::cmd::fidelity::FidelityArgs),
    /// One measurement of `hnswlab compare` in this fresh process (internal).
    #[command(hide = true)]
    CompareWorker(crate::compare::measure::WorkerArgs),
}

/// Arguments of `hnswlab build`.
#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    /// Synthetic data set (default: clustered). Not allowed with --base.
    #[arg(long, value_enum, conflicts_with = "base")]
    pub data: Option<DataKind>,

    /// Base vectors from a texmex file (.fvecs or .bvecs); needs --query.
    #[arg(long, value_name = "FILE", requires = "query")]
    pub base: Option<PathBuf>,

    /// Query vectors from a texmex file (.fvecs or .bvecs); needs --base.
    #[arg(long, value_name = "FILE", requires = "base")]
    pub query: Option<PathBuf>,

    /// Ground-truth neighbour ids (.ivecs, one row per query, nearest first).
    /// Computed exactly by brute force when absent.
    #[arg(long, value_name = "FILE", requires = "base")]
    pub groundtruth: Option<PathBuf>,

    /// Number of base vectors [default: 20000 synthetic; all of --base, or the first N].
    #[arg(long)]
    pub n: Option<usize>,

    /// Dimension [default: 128 synthetic; texmex files carry their own, which must match if given].
    #[arg(long)]
    pub dim: Option<usize>,

    /// Number of queries [default: 1000 synthetic; all of --query, or the first N].
    #[arg(long)]
    pub queries: Option<usize>,

    /// Seed of the synthetic data and of the level function.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Distance function.
    #[arg(long, value_enum, default_value_t = MetricArg::L2)]
    pub metric: MetricArg,

    /// M: neighbours per insert and list capacity above layer 0 (layer 0 holds 2M).
    #[arg(long, default_value_t = 16)]
    pub m: usize,

    /// efConstruction: beam width while inserting.
    #[arg(long, default_value_t = 200)]
    pub ef_construction: usize,

    /// What an overflowing neighbour list does with the edges it drops.
    #[arg(long, value_enum, default_value_t = PruneArg::Standard)]
    pub prune: PruneArg,

    /// Neighbour selection: Alg. 3 (simple) or Alg. 4 (heuristic).
    #[arg(long, value_enum, default_value_t = SelectionArg::Heuristic)]
    pub selection: SelectionArg,

    /// Build threads, used by the parallel strategies (sequential and batched
    /// validate in parallel but link on one thread).
    #[arg(long, default_value_t = 1, value_parser = threads_range())]
    pub threads: u32,

    /// Insertion strategy or mutant: sequential, batched,
    /// batched-deterministic-parallel, segment-parallel, concurrent, or a
    /// mutant name (`hnswlab mutants` lists them all).
    #[arg(long, default_value = "sequential")]
    pub strategy: String,

    /// After each insert, search for the new vector and re-link it if it is
    /// not found: guarantees I4, at the cost of one search per insert.
    #[arg(long)]
    pub verify_inserts: bool,

    /// Skip the per-insert checks (I3 post-condition, I4). Checked builds of
    /// segment-parallel build one segment after another; this flag times the
    /// parallel build.
    #[arg(long)]
    pub no_check_inserts: bool,

    /// Search ef values to sweep (comma separated; each must be >= 10).
    #[arg(long, value_delimiter = ',', num_args = 1.., default_values_t = [10, 20, 40, 80, 160, 320])]
    pub ef: Vec<usize>,

    /// Print one JSON object on stdout instead of the human summary.
    #[arg(long)]
    pub json: bool,

    /// Report where insertion time went, per phase of Alg. 1 (descent, candidate
    /// search, neighbour selection, linking and pruning, allocation), with
    /// distance computations per insert and per query: a table, and a
    /// `profile` object in the JSON.
    #[arg(long)]
    pub profile: bool,
}

/// `--threads`: `1..=MAX_THREADS` ([`crate::limits::MAX_THREADS`]).
pub fn threads_range() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=crate::limits::MAX_THREADS as i64)
}

/// Built-in synthetic data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataKind {
    /// 100 Gaussian centres, each point = centre + 0.3 x N(0, I).
    Clustered,
    /// i.i.d. standard normal coordinates.
    Gaussian,
}

/// `--metric` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Squared Euclidean distance.
    L2,
    /// 1 - <a, b>.
    Ip,
    /// 1 - cos(a, b); vectors are normalised on the way in.
    Cosine,
}

impl From<MetricArg> for Metric {
    fn from(m: MetricArg) -> Metric {
        match m {
            MetricArg::L2 => Metric::L2,
            MetricArg::Ip => Metric::InnerProduct,
            MetricArg::Cosine => Metric::Cosine,
        }
    }
}

/// `--prune` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PruneArg {
    /// Paper Alg. 1 / hnswlib: the neighbour re-selects its own list; dropped edges may stay one-way.
    Standard,
    /// Every dropped edge also loses its reverse; stranded nodes are reconnected.
    Symmetric,
}

impl From<PruneArg> for PrunePolicy {
    fn from(p: PruneArg) -> PrunePolicy {
        match p {
            PruneArg::Standard => PrunePolicy::Standard,
            PruneArg::Symmetric => PrunePolicy::Symmetric,
        }
    }
}

/// `--selection` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SelectionArg {
    /// Alg. 3: the M nearest candidates.
    Simple,
    /// Alg. 4 as hnswlib runs it (no candidate extension, no refill).
    Heuristic,
}

impl From<SelectionArg> for Selection {
    fn from(s: SelectionArg) -> Selection {
        match s {
            SelectionArg::Simple => Selection::Simple,
            SelectionArg::Heuristic => Selection::HEURISTIC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

/// Arguments of `hnswlab mutants`.
#[derive(Debug, Clone, clap::Args)]
pub struct MutantsArgs {
    /// Seeds of the data shapes and level functions (comma separated).
    #[arg(long, value_delimiter = ',', num_args = 1.., default_values_t = [1u64, 2])]
    pub seeds: Vec<u64>,

    /// Build threads for the parallel strategies.
    #[arg(long, default_value_t = 2, value_parser = threads_range())]
    pub threads: u32,

    /// Print one JSON object on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}
