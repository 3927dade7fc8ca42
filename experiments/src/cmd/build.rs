//! `hnswlab build`: build an index with every insert checked, sweep search ef,
//! and census the finished graph.
//!
//! Order: parameters are validated before any data is generated; only the
//! `insert_traced` calls are timed (the per-insert checks are not); the
//! search sweep runs single-threaded with one reused `Scratch`, after an
//! untimed warm-up.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built, Commit, Strategy};
use hnswlab::{BuildStats, Params, Scratch};
use hnswlab_invariants::searchable::take_self_misses;
use hnswlab_invariants::{check_all, check_insert, Expectations, Health, Violation, Violations};

use crate::cli::BuildArgs;
use crate::data::{self, Dataset, Source};
use crate::metrics::{self, Truth};
use crate::output::{DataReport, Files, ParamsReport, Report, SearchPoint};
use crate::profile::ProfileReport;
use crate::progress;

/// Violations kept for the report; later ones are only counted.
pub const MAX_VIOLATIONS: usize = 100;

/// Queries searched, untimed, before the sweep.
pub const WARM_UP: usize = 100;

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
    let ds = data::load(args)?;
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

/// For each ef: recall@k and single-thread QPS over the whole query set.
fn sweep(index: &Built, ds: &Dataset, truth: &Truth, efs: &[usize]) -> Result<Vec<SearchPoint>> {
    let mut scratch = Scratch::new();
    let queries = ds.query_count();
    // One untimed pass over (up to) WARM_UP queries, so the first ef's QPS
    // does not pay for cold caches and the scratch's first allocations.
    let largest = efs.iter().copied().max().unwrap_or(truth.k);
    for i in 0..queries.min(WARM_UP) {
        index.search_with(&mut scratch, ds.query(i), truth.k, largest)?;
    }
    efs.iter().map(|&ef| pass(index, &mut scratch, ds, truth, ef)).collect()
}

/// One timed pass over every query of `ds` at `ef` on this thread: recall@k by
/// the ε rule, QPS over the whole pass, and distance computations per query.
pub fn pass(index: &Built, scratch: &mut Scratch, ds: &Dataset, truth: &Truth, ef: usize) -> Result<SearchPoint> {
    let queries = ds.query_count();
    // Hits are counted inline (a few comparisons per query) so each result
    // list is freed at once: keeping them all would time the allocator.
    let mut hits = 0usize;
    let mut wrong_count = 0usize;
    let distances_before = scratch.distances;
    let start = Instant::now();
    for (i, &kth) in truth.kth.iter().enumerate().take(queries) {
        let found = index.search_with(scratch, ds.query(i), truth.k, ef)?;
        match metrics::hits(ds, truth.metric, ds.query(i), found.iter().map(|n| n.label as usize), truth.k, kth) {
            Ok(h) => hits += h,
            Err(wrong) => {
                hits += wrong.hits;
                wrong_count += 1;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    Ok(SearchPoint {
        ef,
        recall_at_10: hits as f64 / (queries * truth.k) as f64,
        qps: queries as f64 / seconds.max(1e-9),
        distances_per_query: (scratch.distances - distances_before) as f64 / queries as f64,
        wrong_count_queries: wrong_count,
    })
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

    #[test]
    fn invalid_params_fail_before_any_data_is_made() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["hnswlab", "build", "--ef-construction", "0"]).expect("parses");
        let crate::cli::Command::Build(args) = cli.command else { panic!("expected build") };
        let err = format!("{:#}", params(&args).unwrap_err());
        assert!(err.contains("ef_construction"), "{err}");
    }
}
