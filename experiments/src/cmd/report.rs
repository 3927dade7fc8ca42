//! `hnswlab report`: run an experiment config and write
//! `reports/<name>/{report.md, results.csv, results.json, *.png, *.svg}`,
//! plus `fidelity.{md,json,png,svg}` when the config has a `[fidelity]` section
//! and `churn.{md,json}` with the `churn-*` charts when it has a `[churn]` one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::cmd::fidelity;
use crate::config::Config;
use crate::metrics::REGISTRY;
use crate::publish::{write_atomic, Staging};
use crate::report::results::{self, Meta, Results, RunKind};
use crate::report::{charts, machine, markdown, run};

/// Arguments of `hnswlab report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Experiment config (TOML, see experiments/configs/). Default: the built-in
    /// quick config (experiments/configs/quick.toml). A path may begin with `-`.
    #[arg(long, value_name = "FILE", allow_hyphen_values = true)]
    pub config: Option<PathBuf>,

    /// Output folder [default: reports/<config name>]. A path may begin with `-`.
    #[arg(long, value_name = "DIR", allow_hyphen_values = true)]
    pub out: Option<PathBuf>,
}

/// What `report` wrote.
#[derive(Debug)]
pub struct Written {
    /// The output folder.
    pub dir: PathBuf,
    /// Everything measured.
    pub results: Results,
    /// The chart files' stems.
    pub charts: Vec<charts::Chart>,
}

/// Run `args`' config and write the report; `command` is recorded in it.
pub fn run(args: &ReportArgs, command: &[String], show_progress: bool) -> Result<Written> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::quick(),
    };
    let dir = args.out.clone().unwrap_or_else(|| Path::new("reports").join(&config.name));
    // Checked (and the staging folder made) before the run, published whole after it.
    let staging = Staging::begin(&dir)?;
    let date = machine::now_utc();
    let machine = machine::Machine::this();
    let start = Instant::now();
    let (runs, mut notes) = run::run_all(&config, show_progress)?;
    let fidelity = config.fidelity.as_ref().map(fidelity::run).transpose()?;
    if let Some(f) = &fidelity {
        notes.extend(f.notes.iter().map(|n| format!("fidelity: {n}")));
        let flagged = f.flagged_rows();
        if !flagged.is_empty() {
            notes.push(format!("fidelity: differs from hnswlib beyond the seed spread on {}", flagged.join("; ")));
        }
    }
    let churn = config.churn.as_ref().map(|c| crate::churn::run(c, show_progress)).transpose()?;
    if let Some(c) = &churn {
        notes.extend(c.notes.iter().map(|n| format!("churn: {n}")));
    }
    let duration_seconds = start.elapsed().as_secs_f64();
    let peak_rss_per_run = machine::reset_peak_rss();
    if !peak_rss_per_run {
        notes.push("peak RSS could not be reset per run: it is the process's peak so far".into());
    }
    for r in runs.iter().filter(|r| r.kind != RunKind::MUTANT) {
        if r.violations > 0 || r.error.is_some() {
            notes.push(format!(
                "{}: {} violation(s) {}",
                r.run,
                r.violations,
                r.error.as_deref().or(r.first_violation.as_deref()).unwrap_or("")
            ));
        }
    }
    let meta = Meta {
        name: config.name.clone(),
        date,
        commit: machine::commit(),
        dirty: machine::dirty(),
        seed: config.seed,
        machine,
        rustc: machine::rustc(),
        optimised: !cfg!(debug_assertions),
        command: command_line(command),
        duration_seconds,
        peak_rss_per_run,
        notes,
    };
    let metrics = REGISTRY.iter().map(Into::into).collect();
    let results = Results { meta, config: config.clone(), metrics, runs, fidelity, churn };
    results::write_files(&results, staging.path())?;
    let charts = charts::draw_all(&results.runs, staging.path(), config.fixed_ef)?;
    if let Some(f) = &results.fidelity {
        fidelity::write_files(f, "", staging.path())?;
    }
    if let Some(c) = &results.churn {
        crate::cmd::churn::write_files(c, "# Churn\n", staging.path(), "churn.md")?;
    }
    let md = markdown::render(&results, &charts);
    write_atomic(&staging.path().join("report.md"), md.as_bytes())?;
    let dir = staging.commit()?;
    Ok(Written { dir, results, charts })
}

/// The command line as recorded: the program as its file name (`hnswlab`), not
/// the path it was run from.
pub fn command_line(command: &[String]) -> String {
    let mut words: Vec<String> = command.to_vec();
    if let Some(first) = words.first_mut() {
        if let Some(name) = Path::new(first.as_str()).file_name().and_then(|n| n.to_str()) {
            *first = name.to_string();
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_recorded_by_name() {
        let argv: Vec<String> = ["build/out/release/hnswlab", "report", "--out", "x"].map(String::from).to_vec();
        assert_eq!(command_line(&argv), "hnswlab report --out x");
        assert_eq!(command_line(&[]), "");
    }
}
