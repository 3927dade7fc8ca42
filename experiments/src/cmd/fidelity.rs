//! `hnswlab fidelity`: hnswlab `--prune standard` against hnswlib on the same
//! vectors in the same order, per data shape and seed ([`crate::fidelity`]):
//! a table per shape, `fidelity.md` / `fidelity.json` and a chart
//! (`fidelity.png` / `.svg`) in `--out`. Exits 3 when a metric is flagged.
//! A report config's `[fidelity]` section runs the same comparison
//! ([`run`]) and publishes the same files with the report.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use clap::Args;
use plotters::prelude::*;
use serde::Serialize;

use crate::fidelity::{
    compare, hnswlab_run, hnswlib_run, Measures, Row, Settings, Spec, Spread, DEFAULT_EF, DEFAULT_EF_CONSTRUCTION,
    DEFAULT_M, DEFAULT_N, DEFAULT_QUERIES, DEFAULT_SEEDS,
};
use crate::metrics;
use crate::publish::{write_atomic, Staging};
use crate::report::charts::{colour, register_font, render, FONT, SIZE};
use crate::report::machine;
use crate::report::markdown::stamp;
use crate::report::results::Meta;

/// Arguments of `hnswlab fidelity`.
#[derive(Debug, Clone, Args)]
pub struct FidelityArgs {
    /// Shapes (comma separated): uniform-8d, uniform-64d, clustered-32d,
    /// duplicates-32d, near-duplicates-32d, lattice-4d [default: all].
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub shapes: Vec<String>,
    /// Seeds of the data and of both level functions (comma separated).
    #[arg(long, value_delimiter = ',', num_args = 1.., default_values_t = DEFAULT_SEEDS)]
    pub seeds: Vec<u64>,
    /// Base vectors per shape.
    #[arg(long, default_value_t = DEFAULT_N)]
    pub n: usize,
    /// Queries per shape.
    #[arg(long, default_value_t = DEFAULT_QUERIES)]
    pub queries: usize,
    /// M.
    #[arg(long, default_value_t = DEFAULT_M)]
    pub m: usize,
    /// efConstruction.
    #[arg(long, default_value_t = DEFAULT_EF_CONSTRUCTION)]
    pub ef_construction: usize,
    /// Search ef values for recall@10 (comma separated, each >= 10).
    #[arg(long, value_delimiter = ',', num_args = 1.., default_values_t = DEFAULT_EF)]
    pub ef: Vec<usize>,
    /// Output folder (created if missing; replaced whole when the run is done).
    #[arg(long, default_value = "reports/fidelity")]
    pub out: PathBuf,
}

impl FidelityArgs {
    /// The comparison the flags ask for.
    pub fn spec(&self) -> Spec {
        Spec {
            shapes: self.shapes.clone(),
            seeds: self.seeds.clone(),
            n: self.n,
            queries: self.queries,
            m: self.m,
            ef_construction: self.ef_construction,
            ef: self.ef.clone(),
        }
    }
}

/// What a run found.
#[derive(Clone, Debug, Serialize)]
pub struct Fidelity {
    /// Build settings.
    pub settings: Settings,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Every compared metric of every shape with hnswlib available.
    pub rows: Vec<Row>,
    /// Shapes or libraries skipped, and why.
    pub notes: Vec<String>,
}

impl Fidelity {
    /// True if some metric is flagged.
    pub fn flagged(&self) -> bool {
        self.rows.iter().any(|r| r.flagged)
    }

    /// `shape: metric` of every flagged row.
    pub fn flagged_rows(&self) -> Vec<String> {
        self.rows.iter().filter(|r| r.flagged).map(|r| format!("{}: {}", r.shape, r.metric)).collect()
    }
}

/// Run every shape x seed of `spec` with both libraries.
pub fn run(spec: &Spec) -> Result<Fidelity> {
    spec.validate()?;
    let shapes = spec.shapes()?;
    let settings = spec.settings();
    let scratch = tempfile::Builder::new().prefix("hnswlab-fidelity-").tempdir()?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    'shapes: for shape in shapes {
        let (mut lib, mut lab): (Vec<Measures>, Vec<Measures>) = (Vec::new(), Vec::new());
        for &seed in &spec.seeds {
            eprintln!("fidelity: {} seed {seed}", shape.name());
            let ds = shape.generate(spec.n, spec.queries, seed)?;
            let truth = metrics::truth(&ds, hnswlab::Metric::L2, false)?;
            lab.push(hnswlab_run(&ds, &truth, &settings, seed)?);
            match hnswlib_run(scratch.path(), &ds, &truth, &settings, seed)? {
                Some(m) => lib.push(m),
                None => {
                    notes.push(format!("{}: hnswlib is not available, nothing compared", shape.name()));
                    break 'shapes;
                }
            }
        }
        rows.extend(compare(shape.name(), &lib, &lab, &settings));
    }
    Ok(Fidelity { settings, seeds: spec.seeds.clone(), rows, notes })
}

/// `hnswlab fidelity`: run `args`, write the files into a staging folder
/// beside `--out` and publish it whole ([`Staging`]); the command, commit,
/// machine and compiler head `fidelity.md`.
pub fn run_cli(args: &FidelityArgs, command: &[String]) -> Result<Fidelity> {
    let staging = Staging::begin(&args.out)?;
    let (date, machine) = (machine::now_utc(), machine::Machine::this());
    let start = std::time::Instant::now();
    let f = run(&args.spec())?;
    // The seed is not printed: the run's seeds head the tables.
    let seed = args.seeds.first().copied().unwrap_or_default();
    let meta = Meta::of_command("fidelity", seed, command, date, machine, start.elapsed().as_secs_f64());
    let mut header = format!("# Fidelity to hnswlib\n\n- **Command:** `{}`\n", meta.command);
    stamp(&mut header, &meta);
    write_files(&f, &header, staging.path())?;
    staging.commit()?;
    Ok(f)
}

fn cell(s: &Spread) -> String {
    format!("{:.4} [{:.4}–{:.4}]", s.mean, s.min, s.max)
}

/// One markdown table per shape: metric, hnswlib, hnswlab (seed mean [min–max]), flag.
pub fn print_tables(f: &Fidelity, out: &mut impl Write) -> std::io::Result<()> {
    let s = &f.settings;
    writeln!(
        out,
        "hnswlab --prune standard vs hnswlib: n {}, M {}, efConstruction {}, seeds {:?}; mean [min–max] over seeds",
        s.n, s.m, s.ef_construction, f.seeds
    )?;
    let mut shape = "";
    for r in &f.rows {
        if r.shape != shape {
            shape = r.shape;
            writeln!(out, "\n### {shape}\n\n| metric | hnswlib | hnswlab | |\n|---|---|---|---|")?;
        }
        let flag = if r.flagged { "**FLAGGED**" } else { "" };
        writeln!(out, "| {} | {} | {} | {flag} |", r.metric, cell(&r.hnswlib), cell(&r.hnswlab))?;
    }
    for n in &f.notes {
        writeln!(out, "\nnote: {n}")?;
    }
    let flagged = f.flagged_rows();
    writeln!(out, "\nflagged: {}", if flagged.is_empty() { "none".into() } else { flagged.join("; ") })
}

/// Write `fidelity.md` (`header`, then the tables), `fidelity.json` and the
/// chart into `dir`, each file atomically.
pub fn write_files(f: &Fidelity, header: &str, dir: &Path) -> Result<()> {
    let mut md = header.as_bytes().to_vec();
    if !header.is_empty() {
        md.push(b'\n');
    }
    print_tables(f, &mut md)?;
    write_atomic(&dir.join("fidelity.md"), &md)?;
    let mut json = serde_json::to_vec_pretty(f)?;
    json.push(b'\n');
    write_atomic(&dir.join("fidelity.json"), &json)?;
    if !f.rows.is_empty() {
        register_font()?;
        render!(dir, "fidelity", |root| chart(&root, f));
    }
    Ok(())
}

/// The metrics the chart shows, one panel each.
fn panels(f: &Fidelity) -> Vec<String> {
    let ef = f.settings.efs.get(f.settings.efs.len() / 2).copied().unwrap_or(10);
    ["L0 one-way fraction", "L0 in-degree 0 / nodes", &format!("recall@10 ef {ef}"), "self-miss / nodes"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Metric by shape, hnswlib and hnswlab side by side, seed range as error bars.
fn chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    f: &Fidelity,
) -> crate::report::charts::DrawResult<DB> {
    root.fill(&WHITE)?;
    let title = format!(
        "hnswlab --prune standard vs hnswlib (M {}, efC {}, n {}, {} seeds; bars: mean, whiskers: min–max)",
        f.settings.m,
        f.settings.ef_construction,
        f.settings.n,
        f.seeds.len()
    );
    let body = root.margin(10, 0, 0, 0).titled(&title, (FONT, 22))?;
    let areas = body.split_evenly((2, 2));
    let mut shapes: Vec<&str> = Vec::new();
    for r in &f.rows {
        if !shapes.contains(&r.shape) {
            shapes.push(r.shape);
        }
    }
    let k = shapes.len();
    for (area, metric) in areas.iter().zip(panels(f)) {
        let rows: Vec<&Row> = f.rows.iter().filter(|r| r.metric == metric).collect();
        let top = rows.iter().map(|r| r.hnswlib.max.max(r.hnswlab.max)).fold(0.0, f64::max);
        let y_max = if top > 0.0 { top * 1.2 } else { 0.01 };
        let names: Vec<String> = shapes.iter().map(|s| s.to_string()).collect();
        let mut c = ChartBuilder::on(area)
            .margin(12)
            .caption(&metric, (FONT, 18))
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(k as f64 - 0.5), 0.0..y_max)?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(k.max(2))
            .x_label_formatter(&move |v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                    names[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_desc(metric.as_str())
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()?;
        for (j, lib) in ["hnswlib", "hnswlab"].iter().enumerate() {
            let col = colour(j);
            let dx = if j == 0 { -0.18 } else { 0.18 };
            let series: Vec<(f64, Spread)> = rows
                .iter()
                .filter_map(|r| {
                    let x = shapes.iter().position(|s| *s == r.shape)? as f64 + dx;
                    Some((x, if j == 0 { r.hnswlib } else { r.hnswlab }))
                })
                .collect();
            c.draw_series(
                series.iter().map(|(x, s)| Rectangle::new([(x - 0.15, 0.0), (x + 0.15, s.mean)], col.filled())),
            )?
            .label(*lib)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], col.filled()));
            c.draw_series(
                series.iter().map(|(x, s)| PathElement::new(vec![(*x, s.min), (*x, s.max)], BLACK.stroke_width(2))),
            )?;
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .draw()?;
    }
    Ok(())
}
