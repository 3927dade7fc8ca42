//! `hnswlab compare`: hnswlab, hnswlib and faiss on the same files in one run,
//! alternating and repeated; writes `reports/<name>/{compare.md, compare.csv,
//! compare-sweep.csv, compare.json, *.png, *.svg}` and prints the ratio table.
//!
//! Order: every data set is made (or read) and its exact ground truth
//! computed once, and written as files; then round by round, data set by data
//! set, thread count by thread count, each entrant is measured in a fresh
//! process (see `compare/measure.rs`) in an order rotated by one each round.
//! A library that cannot run here (no python3, numpy or package) is skipped
//! with a note from then on; hnswlab is always measured.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::report::command_line;
use crate::compare::config::{missing_files, CompareConfig, DEFAULT, QUICK};
use crate::compare::measure::{self, Job, Measurement, Outcome};
use crate::compare::output::{self, Comparison, Summary};
use crate::compare::plan::{self, Entrant};
use crate::compare::{charts, summary};
use crate::metrics;
use crate::progress;
use crate::publish::{self, Staging};
use crate::report::charts::Chart;
use crate::report::machine;
use crate::report::python_peers::Inputs;
use crate::report::results::Meta;

/// Arguments of `hnswlab compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Comparison config (TOML). Default: the built-in experiments/configs/compare.toml.
    /// A path may begin with `-`.
    #[arg(long, value_name = "FILE", conflicts_with = "quick", allow_hyphen_values = true)]
    pub config: Option<PathBuf>,

    /// Run the built-in smoke config (experiments/configs/compare-quick.toml: clustered 10k, 2 rounds).
    #[arg(long)]
    pub quick: bool,

    /// Output folder [default: reports/<config name>]. A path may begin with `-`.
    #[arg(long, value_name = "DIR", allow_hyphen_values = true)]
    pub out: Option<PathBuf>,

    /// Rounds, overriding the config's (1..=MAX_ROUNDS, crate::limits).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=crate::limits::MAX_ROUNDS as i64))]
    pub rounds: Option<u32>,

    /// Print the summary (ratios, medians, notes) as one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// What `compare` wrote.
#[derive(Debug)]
pub struct Written {
    /// The output folder.
    pub dir: PathBuf,
    /// Everything measured and derived.
    pub comparison: Comparison,
    /// The charts.
    pub charts: Vec<Chart>,
}

/// A data set ready to measure: its files and sizes.
struct Prepared {
    name: String,
    inputs: Inputs,
    n: usize,
    dim: usize,
    queries: usize,
    k: usize,
}

/// The config `args` select.
pub fn config(args: &CompareArgs) -> Result<CompareConfig> {
    let mut c = match (&args.config, args.quick) {
        (Some(path), _) => CompareConfig::load(path)?,
        (None, true) => CompareConfig::parse(QUICK)?,
        (None, false) => CompareConfig::parse(DEFAULT)?,
    };
    if let Some(r) = args.rounds {
        c.rounds = r as usize;
    }
    c.validate()?;
    Ok(c)
}

/// Run the comparison `args` select and write its files; `command` is recorded.
pub fn run(args: &CompareArgs, command: &[String], show_progress: bool) -> Result<Written> {
    let config = config(args)?;
    let dir = args.out.clone().unwrap_or_else(|| Path::new("reports").join(&config.name));
    // Checked (and the staging folder made) before the run, published whole after it.
    let staging = Staging::begin(&dir)?;
    let date = machine::now_utc();
    let machine = machine::Machine::this();
    let start = Instant::now();
    // A private directory (mode 0700, unpredictable name), removed when dropped:
    // a folder or symlink someone planted under the system temp directory is never used.
    let scratch =
        tempfile::Builder::new().prefix("hnswlab-compare-").tempdir().context("creating a scratch directory")?;
    publish::remove_on_interrupt(scratch.path());
    let result = measure_all(&config, scratch.path(), show_progress);
    publish::forget(scratch.path());
    drop(scratch);
    let (measurements, prepared, unavailable, mut notes) = result?;
    let libs: Vec<Entrant> =
        config.libs.iter().filter(|l| !unavailable.contains_key(*l)).map(|l| Entrant::library(l)).collect();
    let strategies = |t: usize| config.strategies_at(t).iter().map(|s| Entrant::hnswlab(s)).collect::<Vec<_>>();
    let mut ratios = Vec::new();
    for p in &prepared {
        let (rounds, target) = (config.rounds, config.target_recall);
        ratios.extend(summary::ratios(&measurements, &p.name, &config.threads, &strategies, &libs, rounds, target));
    }
    for m in measurements.iter().filter(|m| m.error.is_none() && m.qps_at_target.is_none()) {
        notes.push(format!(
            "{} {} t{} round {}: never reaches recall {} (best {:.4} at ef {:?})",
            m.dataset,
            m.entrant().label(),
            m.threads,
            m.round,
            config.target_recall,
            m.max_recall,
            config.ef.iter().max()
        ));
    }
    let medians = summary::medians(&measurements);
    let words: Vec<String> = command.iter().skip(1).cloned().collect();
    let meta = Meta {
        name: config.name.clone(),
        seed: config.seed,
        date,
        commit: machine::commit(),
        dirty: machine::dirty(),
        machine,
        rustc: machine::rustc(),
        optimised: !cfg!(debug_assertions),
        command: command_line(command),
        duration_seconds: start.elapsed().as_secs_f64(),
        // Each measurement is a process of its own: its RSS is its own.
        peak_rss_per_run: true,
        notes,
    };
    let regenerate = format!("cargo run --release -p hnswlab-experiments --bin hnswlab -- {}", words.join(" "));
    let comparison = Comparison { meta, regenerate, config: config.clone(), measurements, ratios, medians };
    output::write_files(&comparison, staging.path())?;
    let charts = charts::draw_all(&comparison.medians, staging.path(), config.target_recall, config.rounds)?;
    publish::write_atomic(&staging.path().join("compare.md"), output::markdown(&comparison, &charts).as_bytes())?;
    let dir = staging.commit()?;
    Ok(Written { dir, comparison, charts })
}

type Measured = (Vec<Measurement>, Vec<Prepared>, BTreeMap<String, String>, Vec<String>);

/// Prepare every data set, then run the schedule.
fn measure_all(config: &CompareConfig, scratch: &Path, show_progress: bool) -> Result<Measured> {
    let mut notes = Vec::new();
    let mut prepared: Vec<Option<Prepared>> = Vec::new();
    for spec in &config.datasets {
        let missing = missing_files(spec);
        if !missing.is_empty() {
            notes.push(format!(
                "{}: skipped, missing {} (MNIST: run experiments/scripts/fetch_mnist.sh)",
                spec.name,
                missing.join(", ")
            ));
            prepared.push(None);
            continue;
        }
        let ds = crate::data::load(spec, config.seed).with_context(|| format!("data set `{}`", spec.name))?;
        let truth = metrics::truth(&ds, hnswlab::Metric::L2, show_progress)?;
        notes.extend(truth.notes.iter().map(|n| format!("{}: {n}", spec.name)));
        let inputs = Inputs::write(&scratch.join(&spec.name), &ds, &truth)?;
        let (n, dim, queries, k) = (ds.n(), ds.dim, ds.query_count(), truth.k);
        prepared.push(Some(Prepared { name: spec.name.clone(), inputs, n, dim, queries, k }));
    }
    let build = config.build();
    let steps = plan::schedule(config);
    let bar = progress::bar(steps.len() as u64, "compare", show_progress);
    let mut unavailable: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    for step in steps {
        bar.inc(1);
        let Some(p) = &prepared[step.dataset] else { continue };
        if unavailable.contains_key(&step.entrant.library) {
            continue;
        }
        bar.set_message(format!("r{} {} t{}", step.round, step.entrant.label(), step.threads));
        let job = Job {
            inputs: &p.inputs,
            k: p.k,
            build: &build,
            seed: config.seed,
            efs: &config.ef,
            passes: config.search_passes,
            python: &config.python,
            dir: scratch,
        };
        let mut m = Measurement {
            round: step.round,
            position: step.position,
            dataset: p.name.clone(),
            n: p.n,
            dim: p.dim,
            queries: p.queries,
            library: step.entrant.library.clone(),
            strategy: step.entrant.strategy.clone(),
            threads: step.threads,
            build_seconds: f64::NAN,
            vectors_per_second: f64::NAN,
            max_recall: f64::NAN,
            ..Default::default()
        };
        match measure::run(&job, &step.entrant, step.threads) {
            Ok(Outcome::Measured(x)) => m.record(x, config.target_recall),
            Ok(Outcome::Unavailable(why)) => {
                notes.push(format!("{} skipped: {why}", step.entrant.library));
                unavailable.insert(step.entrant.library.clone(), why);
                continue;
            }
            Err(e) => {
                let e = format!("{e:#}");
                notes.push(format!("{} {} t{} round {}: {e}", p.name, step.entrant.label(), step.threads, step.round));
                m.error = Some(e);
            }
        }
        rows.push(m);
    }
    bar.finish_and_clear();
    Ok((rows, prepared.into_iter().flatten().collect(), unavailable, notes))
}

/// Print the ratio table (or with `json`, the summary JSON) to `out`.
pub fn print(w: &Written, json: bool, out: &mut impl Write) -> Result<()> {
    let c = &w.comparison;
    if json {
        let s =
            Summary { dir: w.dir.display().to_string(), ratios: &c.ratios, medians: &c.medians, notes: &c.meta.notes };
        serde_json::to_writer(&mut *out, &s)?;
        writeln!(out)?;
        return Ok(());
    }
    for n in &c.meta.notes {
        writeln!(out, "note: {n}")?;
    }
    write!(out, "{}", output::ratio_table(&c.ratios))?;
    writeln!(out, "wrote {}", w.dir.join("compare.md").display())?;
    Ok(())
}
