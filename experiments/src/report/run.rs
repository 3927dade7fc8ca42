//! Run a config: for each data set, exact ground truth once; then every
//! (build parameters, strategy, threads, repetition) is built unobserved and
//! timed, censused by `check_all`, and searched over the ef sweep.
//!
//! Order of one run: reset the peak RSS; build (timed: wall time of
//! `Strategy::build` without an observer, so parallel strategies run in
//! parallel); `check_all` per segment (untimed); an untimed warm-up; then per
//! ef every query once, each timed on its own, on one thread with one reused
//! `Scratch`. Peak RSS is read last.

use std::time::Instant;

use anyhow::{Context, Result};
use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built, Kind, Strategy};
use hnswlab::{BuildStats, Params, Scratch};
use hnswlab_invariants::{check_all, Expectations, Violation};

use super::machine;
use super::results::{percentile, HealthSummary, RunKind, RunResult, SearchRow};
use crate::config::{run_id, BuildSpec, Config};
use crate::data::{self, Dataset, DatasetSpec};
use crate::metrics::{self, Truth};
use crate::progress;
use crate::sweep::WARM_UP;

/// What one run needs besides the strategy.
struct Setup<'a> {
    spec: &'a DatasetSpec,
    ds: &'a Dataset,
    truth: &'a Truth,
    build: &'a BuildSpec,
    params: &'a Params,
    efs: &'a [usize],
}

/// Every run of `config`, in config order (data set, build, strategy,
/// threads, repetition; then the mutants), and notes about the run.
pub fn run_all(config: &Config, show_progress: bool) -> Result<(Vec<RunResult>, Vec<String>)> {
    let names = config.strategy_names();
    let mutants: Vec<Box<dyn Strategy>> = if config.mutants {
        registry::all().into_iter().filter(|s| s.kind() == Kind::Mutant).collect()
    } else {
        vec![]
    };
    let max_threads = config.threads.iter().copied().max().unwrap_or(1);
    let per_data = config.builds.len() * names.len() * config.threads.len() * config.repetitions;
    let peers: Vec<&str> =
        if cfg!(feature = "peers") { config.peers.iter().map(String::as_str).collect() } else { vec![] };
    let peer_runs = peers.iter().map(|&p| if p == "hnsw_rs" { config.threads.len() } else { 1 }).sum::<usize>();
    let total: usize = config
        .datasets
        .iter()
        .map(|d| per_data + config.builds.len() * (peer_runs + if d.mutants { mutants.len() } else { 0 }))
        .sum();
    let mut notes = Vec::new();
    if !config.peers.is_empty() && peers.is_empty() {
        notes.push(format!(
            "peers {} skipped: this binary was built without the cargo feature `peers` (cargo run --release -p \
             hnswlab-experiments --features peers --bin hnswlab -- report ...)",
            config.peers.join(", ")
        ));
    }
    let mut out = Vec::new();
    let bar = progress::bar(total as u64, "runs", show_progress);
    for spec in &config.datasets {
        bar.set_message(format!("{} data", spec.name));
        let ds = data::load(spec, config.seed).with_context(|| format!("data set `{}`", spec.name))?;
        let metric = config.builds[0].params(&spec.metric, config.seed)?.metric();
        let truth = metrics::truth(&ds, metric, show_progress && ds.n() * ds.query_count() > 10_000_000)?;
        notes.extend(truth.notes.iter().map(|n| format!("{}: {n}", spec.name)));
        for build in &config.builds {
            let params = build.params(&spec.metric, config.seed)?;
            let setup = Setup { spec, ds: &ds, truth: &truth, build, params: &params, efs: &config.ef };
            for name in &names {
                let s = registry::by_name(name).expect("validated strategy name");
                for &threads in &config.threads {
                    for rep in 0..config.repetitions {
                        bar.set_message(format!("{} {name} t{threads}", spec.name));
                        out.push(measure(&setup, s.as_ref(), threads, rep));
                        bar.inc(1);
                    }
                }
            }
            for &peer in &peers {
                let thread_counts = if peer == "hnsw_rs" { config.threads.clone() } else { vec![max_threads] };
                for threads in thread_counts {
                    bar.set_message(format!("{} {peer} t{threads}", spec.name));
                    machine::reset_peak_rss();
                    let efs = if peer == "instant-distance" { config.rebuild_efs() } else { &config.ef[..] };
                    match run_peer(&Setup { efs, ..setup }, metric, config.seed, peer, threads) {
                        Ok(mut r) => {
                            r.peak_rss_bytes = machine::peak_rss_bytes();
                            out.push(r);
                        }
                        Err(e) => notes.push(format!("{}: {e:#}", spec.name)),
                    }
                    bar.inc(1);
                }
            }
            if !config.python_peers.is_empty() {
                bar.set_message(format!("{} python peers", spec.name));
                if metric == hnswlab::Metric::L2 {
                    let (runs, skipped) = super::python_peers::run(
                        &spec.name,
                        &ds,
                        &truth,
                        build,
                        &config.python_peers,
                        &config.threads,
                        &config.ef,
                        config.seed,
                    );
                    out.extend(runs);
                    notes.extend(skipped);
                } else {
                    notes.push(format!("{}: python peers need the l2 metric; skipped", spec.name));
                }
                bar.inc(1);
            }
            if spec.mutants {
                for m in &mutants {
                    bar.set_message(format!("{} {}", spec.name, m.name()));
                    out.push(measure(&setup, m.as_ref(), max_threads, 0));
                    bar.inc(1);
                }
            }
        }
    }
    bar.finish_and_clear();
    Ok((out, notes))
}

#[cfg(feature = "peers")]
fn run_peer(setup: &Setup<'_>, metric: hnswlab::Metric, seed: u64, peer: &str, threads: usize) -> Result<RunResult> {
    let s = super::peers::PeerSetup {
        spec: setup.spec,
        ds: setup.ds,
        truth: setup.truth,
        build: setup.build,
        metric,
        efs: setup.efs,
        seed,
    };
    super::peers::run(&s, peer, threads)
}

#[cfg(not(feature = "peers"))]
fn run_peer(_: &Setup<'_>, _: hnswlab::Metric, _: u64, peer: &str, _: usize) -> Result<RunResult> {
    anyhow::bail!("peer {peer}: built without the `peers` feature")
}

/// Build, census and search one configuration.
fn measure(setup: &Setup<'_>, strategy: &dyn Strategy, threads: usize, repetition: usize) -> RunResult {
    let Setup { spec, ds, build, params, .. } = *setup;
    machine::reset_peak_rss();
    let mut r = RunResult {
        run: run_id(&spec.name, strategy.name(), build, threads, repetition),
        dataset: spec.name.clone(),
        n: ds.n(),
        dim: ds.dim,
        queries: ds.query_count(),
        kind: RunKind::Hnswlab(strategy.kind()),
        strategy: strategy.name().to_string(),
        build: build.label(),
        m: build.m,
        ef_construction: build.ef_construction,
        prune: build.prune.clone(),
        selection: build.selection.clone(),
        threads,
        repetition,
        seed: params.seed(),
        ..Default::default()
    };
    let input = BuildInput { dim: ds.dim, params, data: &ds.base, threads };
    let start = Instant::now();
    let built = strategy.build(&input, None);
    let seconds = start.elapsed().as_secs_f64();
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            r.error = Some(format!("build failed: {e}"));
            return r;
        }
    };
    r.build_seconds = seconds;
    r.vectors_per_second = ds.n() as f64 / seconds.max(1e-9);
    r.memory_bytes = built.memory_bytes();
    let mut stats = BuildStats::default();
    for seg in &built.segments {
        stats.merge(seg.stats());
    }
    r.build_distances = stats.distances;
    r.profile = Some(stats.profile);
    census(&built, params, ds.n(), &mut r);
    match sweep(&built, setup) {
        Ok(points) => r.search = points,
        Err(e) => r.error = Some(format!("search failed: {e:#}")),
    }
    r.peak_rss_bytes = machine::peak_rss_bytes();
    r
}

/// `check_all` on every segment; the summed census when all pass.
fn census(built: &Built, params: &Params, n: usize, r: &mut RunResult) {
    let single = built.segments.len() == 1;
    let expect = Expectations { inserted: single.then_some(n), ..Expectations::for_params(params) };
    let mut healths = Vec::new();
    for (i, seg) in built.segments.iter().enumerate() {
        match check_all(seg, &expect) {
            Ok(h) => healths.push(h),
            Err(vs) => {
                for v in &vs.0 {
                    r.violations += match v {
                        Violation::Omitted { omitted, .. } => *omitted,
                        _ => 1,
                    };
                    if r.first_violation.is_none() {
                        r.first_violation = Some(format!("segment {i}: {v}"));
                    }
                }
            }
        }
    }
    if built.len() != n {
        r.violations += 1;
        r.first_violation.get_or_insert_with(|| format!("I8: {} nodes for {n} inserted vectors", built.len()));
    }
    if healths.len() == built.segments.len() {
        r.health = Some(HealthSummary::of(&healths));
    }
}

/// Per ef: recall@10, QPS and latency percentiles over every query, one thread.
fn sweep(index: &Built, setup: &Setup<'_>) -> Result<Vec<SearchRow>> {
    let (ds, truth) = (setup.ds, setup.truth);
    let mut scratch = Scratch::new();
    let queries = ds.query_count();
    let largest = setup.efs.iter().copied().max().unwrap_or(truth.k);
    for i in 0..queries.min(WARM_UP) {
        index.search_with(&mut scratch, ds.query(i), truth.k, largest)?;
    }
    let mut rows = Vec::with_capacity(setup.efs.len());
    let mut latencies = Vec::with_capacity(queries);
    for &ef in setup.efs {
        latencies.clear();
        let mut hits = 0usize;
        let distances_before = scratch.distances;
        let start = Instant::now();
        for (i, &kth) in truth.kth.iter().enumerate().take(queries) {
            let t0 = Instant::now();
            let found = index.search_with(&mut scratch, ds.query(i), truth.k, ef)?;
            latencies.push(t0.elapsed().as_secs_f64() * 1e6);
            // A short list (a mutant's disconnected graph) scores what came
            // back; the run's checks report the graph defect behind it.
            let rows = found.iter().map(|n| n.label as usize);
            hits += metrics::hits(ds, truth.metric, ds.query(i), rows, truth.k, kth).unwrap_or_else(|w| w.hits);
        }
        let seconds = start.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        rows.push(SearchRow {
            ef,
            recall_at_10: hits as f64 / (queries * truth.k) as f64,
            qps: queries as f64 / seconds.max(1e-9),
            latency_p50_us: percentile(&latencies, 50.0),
            latency_p95_us: percentile(&latencies, 95.0),
            latency_p99_us: percentile(&latencies, 99.0),
            distances_per_query: (scratch.distances - distances_before) as f64 / queries as f64,
        });
    }
    Ok(rows)
}
