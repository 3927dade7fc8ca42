//! `hnswlab build`: build an index with every insert checked, sweep search ef,
//! and census the finished graph.
//!
//! Order: parameters are validated before any data is generated; only the
//! `insert_traced` calls are timed (the per-insert checks are not); the
//! search sweep runs single-threaded with one reused `Scratch`, after an
//! untimed warm-up.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use clap::{Args, ValueEnum};
use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built, Commit, Strategy};
use hnswlab::{BuildStats, Params};
use hnswlab_invariants::searchable::take_self_misses;
use hnswlab_invariants::{check_all, check_insert, Expectations, Health, Violation, Violations};

use crate::data::{self, DataKind, Dataset, DatasetSpec, Origin, Source};
use crate::metrics::{self, Truth};
use crate::names::{threads_range, MetricArg, PruneArg, SelectionArg};
use crate::output::{DataReport, Files, ParamsReport, Report};
use crate::profile::ProfileReport;
use crate::progress;
use crate::sweep::sweep;

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

    /// Use --groundtruth even where a sample of its rows disagrees with brute
    /// force (the disagreement becomes a note instead of an error).
    #[arg(long, requires = "groundtruth")]
    pub trust_groundtruth: bool,

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

    /// Write the built index to FILE (hnswlab index format; atomic: a
    /// temporary file in FILE's folder, fsync, rename). Strategies that build
    /// several segments cannot be saved as one index.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

impl BuildArgs {
    /// The data set these flags describe: texmex files with `--base` and
    /// `--query`, else the `--data` generator with the default sizes for the
    /// ones not given. Loading it reports mistakes by flag ([`Origin::Flags`]).
    pub fn dataset(&self) -> DatasetSpec {
        let metric = self.metric.to_possible_value().map_or("l2".into(), |v| v.get_name().to_string());
        if self.base.is_none() && self.query.is_none() {
            let kind = self.data.unwrap_or(DataKind::Clustered);
            let n = self.n.unwrap_or(data::DEFAULT_N);
            let dim = self.dim.unwrap_or(data::DEFAULT_DIM);
            let queries = self.queries.unwrap_or(data::DEFAULT_QUERIES);
            return DatasetSpec { metric, ..DatasetSpec::synthetic(kind, n, dim, queries) };
        }
        let stem = self.base.as_deref().and_then(|b| b.file_stem()).and_then(|s| s.to_str());
        DatasetSpec {
            name: stem.unwrap_or("texmex").to_string(),
            kind: DataKind::Texmex,
            n: self.n,
            dim: self.dim,
            queries: self.queries,
            range: None,
            copies: None,
            base: self.base.clone(),
            query: self.query.clone(),
            groundtruth: self.groundtruth.clone(),
            trust_groundtruth: self.trust_groundtruth,
            file: None,
            metric,
            mutants: false,
            origin: Origin::Flags,
        }
    }
}

/// Violations kept for the report; later ones are only counted.
pub const MAX_VIOLATIONS: usize = 100;

/// Build parameters from the command line.
pub fn params(args: &BuildArgs) -> Result<Params> {
    Params::builder()
        .m(args.m)
        .ef_construction(args.ef_construction)
        .seed(args.seed)
        .selection(args.selection.into())
        .prune(args.prune.into())
        .metric(args.metric.into())
        .verify_inserts(args.verify_inserts)
        .build()
        .context("invalid build parameters")
}

/// Violations found so far: the first [`MAX_VIOLATIONS`] as text, and a
/// count; and the insert-time self-misses, which are census facts unless the
/// build promised I4 (see [`take_self_misses`]).
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) listed: Vec<String>,
    pub(crate) total: usize,
    pub(crate) self_misses: usize,
}

impl Found {
    pub(crate) fn add(&mut self, context: &str, vs: &Violations) {
        for v in &vs.0 {
            // The checker folds violations past its per-kind cap into one `Omitted`.
            self.total += match v {
                Violation::Omitted { omitted, .. } => *omitted,
                _ => 1,
            };
            if self.listed.len() < MAX_VIOLATIONS {
                self.listed.push(format!("{context}: {v}"));
            }
        }
    }
}

/// Run `hnswlab build`; `show_progress` draws bars on stderr.
pub fn run(args: &BuildArgs, command: Vec<String>, show_progress: bool) -> Result<Report> {
    let params = params(args)?;
    ensure!(!args.ef.is_empty(), "--ef needs at least one value");
    let strategy = registry::by_name(&args.strategy)
        .with_context(|| format!("unknown strategy `{}`; known: {}", args.strategy, registry::names().join(", ")))?;
    let mut notes = Vec::new();
    let ds = data::load(&args.dataset(), args.seed)?;
    let k = metrics::K.min(ds.n());
    if let Some(&ef) = args.ef.iter().find(|&&ef| ef < k) {
        anyhow::bail!("--ef {ef} is below k = {k}: search needs ef >= k");
    }
    let truth = metrics::truth(&ds, params.metric(), show_progress)?;
    notes.extend(truth.notes.iter().cloned());
    if !args.no_check_inserts && strategy.name() == "segment-parallel" && args.threads > 1 {
        notes.push("per-insert checks build the segments one after another: pass --no-check-inserts to time the parallel build".into());
    }
    for note in &notes {
        eprintln!("note: {note}");
    }

    let expect = Expectations { inserted: Some(ds.n()), ..Expectations::for_params(&params) };
    let mut found = Found::default();
    let threads = args.threads as usize;
    let check_inserts = !args.no_check_inserts;
    let (built, build_time) =
        build(&ds, &params, strategy.as_ref(), threads, &expect, &mut found, check_inserts, show_progress)?;
    if let Some(path) = &args.save {
        notes.push(save(&built, path)?);
    }
    let search = sweep(&built, &ds, &truth, &args.ef)?;
    let points: Vec<(usize, f64)> = search.iter().map(|p| (p.ef, p.recall_at_10)).collect();
    if let Some(flat) = metrics::flat_recall(&points) {
        found.total += 1;
        found.listed.push(flat);
    }
    for p in search.iter().filter(|p| p.wrong_count_queries > 0) {
        found.total += 1;
        found.listed.push(format!(
            "search: {} of {} queries at ef {} returned other than k = {} results",
            p.wrong_count_queries,
            ds.query_count(),
            p.ef,
            truth.k
        ));
    }
    let mut segment_health = Vec::new();
    let single = built.segments.len() == 1;
    let check_start = std::time::Instant::now();
    for (i, seg) in built.segments.iter().enumerate() {
        // Segments hold a part of the rows each: I8 is checked on the total below.
        let e = if single { expect.clone() } else { Expectations { inserted: None, ..expect.clone() } };
        match check_all(seg, &e) {
            Ok(h) => segment_health.push(h),
            Err(vs) => found.add(&format!("check_all (segment {i})"), &vs),
        }
    }
    let check_seconds = check_start.elapsed().as_secs_f64();
    if built.len() != ds.n() {
        found.total += 1;
        found.listed.push(format!("I8 counts: the build holds {} nodes for {} inserted vectors", built.len(), ds.n()));
    }
    let health: Option<Health> =
        (segment_health.len() == built.segments.len()).then(|| segment_health.first().cloned()).flatten();
    let mut stats = BuildStats::default();
    for seg in &built.segments {
        stats.merge(seg.stats());
    }

    let build_seconds = build_time.as_secs_f64();
    let profile = args.profile.then(|| {
        let per_query: Vec<(usize, f64)> = search.iter().map(|p| (p.ef, p.distances_per_query)).collect();
        ProfileReport::new(&stats.profile, ds.n(), build_seconds, &per_query)
    });
    Ok(Report {
        command,
        version: env!("CARGO_PKG_VERSION"),
        strategy: strategy.name(),
        threads: args.threads,
        params: ParamsReport::from(&params),
        data: data_report(&ds, &truth),
        build_seconds,
        vectors_per_second: ds.n() as f64 / build_seconds.max(1e-9),
        check_seconds,
        build_stats: stats,
        memory_bytes: built.memory_bytes(),
        search,
        health,
        segment_health: if single { Vec::new() } else { segment_health },
        insert_self_misses: check_inserts.then_some(found.self_misses),
        violations: found.listed,
        violations_total: found.total,
        notes,
        profile,
    })
}

/// `--save`: write the single graph of `built` to `path`; returns the note for the report.
fn save(built: &Built, path: &std::path::Path) -> Result<String> {
    let [index] = built.segments.as_slice() else {
        anyhow::bail!(
            "--save writes one index, and this build has {} segments (use a single-graph strategy)",
            built.segments.len()
        );
    };
    index.save(path).with_context(|| format!("saving the index to {}", path.display()))?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let note = format!("saved the index to {} ({bytes} bytes)", path.display());
    eprintln!("note: {note}");
    Ok(note)
}

/// Build with `strategy` (label = position). With `check_inserts`, the
/// per-insert checks run at every commit point the strategy reports, and the
/// time spent in them is subtracted from the build time.
#[allow(clippy::too_many_arguments)]
fn build(
    ds: &Dataset,
    params: &Params,
    strategy: &dyn Strategy,
    threads: usize,
    expect: &Expectations,
    found: &mut Found,
    check_inserts: bool,
    show_progress: bool,
) -> Result<(Built, Duration)> {
    let input = BuildInput { dim: ds.dim, params, data: &ds.base, threads };
    let bar = progress::bar(ds.n() as u64, "build", show_progress);
    let mut checking = Duration::ZERO;
    let start = Instant::now();
    let built = if check_inserts {
        let mut observe = |c: Commit<'_>| {
            let t0 = Instant::now();
            for t in c.traces {
                if let Err(mut vs) = check_insert(c.view, t, expect) {
                    found.self_misses += take_self_misses(&mut vs, expect);
                    if !vs.0.is_empty() {
                        found.add(&format!("insert {} (segment {})", t.node, c.segment), &vs);
                    }
                }
            }
            bar.inc(c.traces.len() as u64);
            checking += t0.elapsed();
        };
        strategy.build(&input, Some(&mut observe))
    } else {
        strategy.build(&input, None)
    };
    let elapsed = start.elapsed().saturating_sub(checking);
    bar.finish_and_clear();
    let built = built.with_context(|| format!("building with {}", strategy.name()))?;
    Ok((built, elapsed))
}

fn data_report(ds: &Dataset, truth: &Truth) -> DataReport {
    let files = match &ds.source {
        Source::Synthetic(_) => None,
        Source::Texmex { base, query, groundtruth } => Some(Files {
            base: base.display().to_string(),
            query: query.display().to_string(),
            groundtruth: groundtruth.as_ref().map(|p| p.display().to_string()),
        }),
    };
    DataReport {
        name: ds.name.clone(),
        n: ds.n(),
        dim: ds.dim,
        queries: ds.query_count(),
        files,
        ground_truth: truth.source.name(),
        k: truth.k,
    }
}

/// Print the listed violations (and how many were left out) to `err`.
pub fn print_violations(report: &Report, err: &mut impl Write) -> std::io::Result<()> {
    writeln!(err, "hnswlab: {} hard invariant violation(s):", report.violations_total)?;
    for v in &report.violations {
        writeln!(err, "  {v}")?;
    }
    let unlisted = report.violations_total - report.violations.len();
    if unlisted > 0 {
        writeln!(err, "  ... and {unlisted} more")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_mismatch() -> Violation {
        Violation::CountMismatch { len: 3, inserted: 4 }
    }

    #[test]
    fn found_counts_omitted_violations_and_caps_the_list() {
        let mut found = Found::default();
        found.add(
            "check_all",
            &Violations(vec![count_mismatch(), Violation::Omitted { kind: "CountMismatch", omitted: 7 }]),
        );
        assert_eq!(found.total, 8, "one listed + seven omitted");
        assert_eq!(found.listed.len(), 2);
        assert!(found.listed[0].starts_with("check_all: "), "{:?}", found.listed);
        for i in 0..2 * MAX_VIOLATIONS {
            found.add(&format!("insert {i}"), &Violations(vec![count_mismatch()]));
        }
        assert_eq!(found.listed.len(), MAX_VIOLATIONS);
        assert_eq!(found.total, 8 + 2 * MAX_VIOLATIONS);
    }

    /// `hnswlab build ARGS`' arguments.
    fn parse(args: &[&str]) -> BuildArgs {
        #[derive(clap::Parser)]
        struct Build {
            #[command(flatten)]
            args: BuildArgs,
        }
        let argv = std::iter::once("build").chain(args.iter().copied());
        <Build as clap::Parser>::try_parse_from(argv).expect("parses").args
    }

    #[test]
    fn invalid_params_fail_before_any_data_is_made() {
        let err = format!("{:#}", params(&parse(&["--ef-construction", "0"])).unwrap_err());
        assert!(err.contains("ef_construction"), "{err}");
    }

    #[test]
    fn build_flags_and_a_config_table_describe_the_same_data_set() {
        // Regression: `build` loads its data through the spec a config holds,
        // so the same keys give the same vectors (and file names starting
        // with `-` are files, never flags).
        let flags = parse(&["--data", "gaussian", "--n", "40", "--dim", "3", "--queries", "4", "--seed", "9"]);
        let table: DatasetSpec =
            toml::from_str("name = \"gaussian\"\nkind = \"gaussian\"\nn = 40\ndim = 3\nqueries = 4").unwrap();
        let (a, b) = (data::load(&flags.dataset(), flags.seed).unwrap(), data::load(&table, 9).unwrap());
        assert_eq!((a.name.as_str(), a.n(), a.dim, a.query_count()), ("gaussian", 40, 3, 4));
        assert_eq!((&a.base, &a.queries), (&b.base, &b.queries));
        assert_eq!(DatasetSpec { origin: Origin::Config, ..flags.dataset() }, table);

        let dir = tempfile::tempdir().unwrap();
        let (base, query) = (dir.path().join("-base.fvecs"), dir.path().join("-query.fvecs"));
        crate::texmex::write(&base, 2, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        crate::texmex::write(&query, 2, &[0.5f32, 0.5]).unwrap();
        let (b, q) = (base.to_str().unwrap(), query.to_str().unwrap());
        let flags = parse(&["--base", b, "--query", q, "--n", "2"]);
        let spec = flags.dataset();
        assert_eq!((spec.kind, spec.name.as_str(), spec.n, spec.queries), (DataKind::Texmex, "-base", Some(2), None));
        let a = data::load(&spec, flags.seed).unwrap();
        assert_eq!((a.base.as_slice(), a.queries.as_slice()), (&[1.0f32, 2.0, 3.0, 4.0][..], &[0.5f32, 0.5][..]));
        let e =
            format!("{:#}", data::load(&parse(&["--base", b, "--query", q, "--dim", "3"]).dataset(), 0).unwrap_err());
        assert!(e.contains("--dim 3 does not match"), "{e}");
    }
}
