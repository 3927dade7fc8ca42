//! `hnswlab churn`: the churn experiment ([`crate::churn`]): per delete policy
//! and hnswlib, a table of the live census, recall@10 and cost per round; with
//! `--json` one object `{"rows": [...], "summary": [...], "spec": {...},
//! "notes": [...]}`; with `--out DIR`, `README.md` (provenance, machine load,
//! the tables), `churn.json` and the charts (`churn-unreachable`,
//! `churn-recall`), published whole. A report config's `[churn]` section
//! runs the same experiment and publishes `churn.md` beside `report.md`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::churn::{self, Churn, Spec};
use crate::data::DataKind;
use crate::publish::{write_atomic, Staging};
use crate::report::machine;
use crate::report::markdown::stamp;
use crate::report::results::Meta;

/// Arguments of `hnswlab churn`.
#[derive(Debug, Clone, Args)]
pub struct ChurnArgs {
    /// Generator of every vector (initial, inserted, updated) and of the queries.
    #[arg(long, value_enum, default_value = "clustered")]
    pub data: DataKind,
    /// Initial vectors (the live count every round).
    #[arg(long, default_value_t = churn::DEFAULT_N)]
    pub n: usize,
    /// Dimension.
    #[arg(long, default_value_t = churn::DEFAULT_DIM)]
    pub dim: usize,
    /// Queries.
    #[arg(long, default_value_t = churn::DEFAULT_QUERIES)]
    pub queries: usize,
    /// M.
    #[arg(long, default_value_t = churn::DEFAULT_M)]
    pub m: usize,
    /// efConstruction.
    #[arg(long, default_value_t = churn::DEFAULT_EF_CONSTRUCTION)]
    pub ef_construction: usize,
    /// Rounds after the initial build.
    #[arg(long, default_value_t = churn::DEFAULT_ROUNDS)]
    pub rounds: usize,
    /// Share of the live labels deleted per round (as many new vectors are inserted).
    #[arg(long, default_value_t = churn::DEFAULT_FRACTION)]
    pub fraction: f64,
    /// Share of the live labels updated per round (new vectors for existing labels).
    #[arg(long, default_value_t = 0.0)]
    pub update_fraction: f64,
    /// Search ef of recall@10 (fixed).
    #[arg(long, default_value_t = churn::DEFAULT_EF)]
    pub ef: usize,
    /// Seed of the data, the draws and the level functions (hnswlib's too).
    #[arg(long, default_value_t = churn::DEFAULT_SEED)]
    pub seed: u64,
    /// Policies (comma separated): tombstone, replace, consolidate, rebuild, hnswlib [default: all].
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub policies: Vec<String>,
    /// Print one JSON object instead of the tables.
    #[arg(long)]
    pub json: bool,
    /// Also write README.md, churn.json and the charts into this folder (replaced whole when done).
    #[arg(long, value_name = "DIR", allow_hyphen_values = true)]
    pub out: Option<PathBuf>,
}

impl ChurnArgs {
    /// The run the flags ask for.
    pub fn spec(&self) -> Spec {
        Spec {
            data: self.data,
            n: self.n,
            dim: self.dim,
            queries: self.queries,
            m: self.m,
            ef_construction: self.ef_construction,
            rounds: self.rounds,
            fraction: self.fraction,
            update_fraction: self.update_fraction,
            ef: self.ef,
            seed: self.seed,
            policies: self.policies.clone(),
        }
    }
}

/// `hnswlab churn`: run the flags' spec; with `--out`, publish the files.
pub fn run_cli(args: &ChurnArgs, command: &[String], show_progress: bool) -> Result<Churn> {
    let spec = args.spec();
    spec.validate()?;
    let staging = args.out.as_deref().map(Staging::begin).transpose()?;
    let (date, machine) = (machine::now_utc(), machine::Machine::this());
    let start = Instant::now();
    let c = churn::run(&spec, show_progress)?;
    if let Some(staging) = staging {
        let meta = Meta::of_command("churn", spec.seed, command, date, machine, start.elapsed().as_secs_f64());
        let mut header =
            format!("# Churn: deletes, inserts and updates, round by round\n\n- **Command:** `{}`\n", meta.command);
        stamp(&mut header, &meta);
        if let Some(load) = load_average() {
            header.push_str(&format!("- **Load average at the end** (1, 5, 15 min, as `uptime` prints it): {load}\n"));
        }
        write_files(&c, &header, staging.path(), "README.md")?;
        staging.commit()?;
    }
    Ok(c)
}

/// The 1-, 5- and 15-minute load averages of /proc/loadavg.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let parts: Vec<&str> = text.split_whitespace().take(3).collect();
    (parts.len() == 3).then(|| parts.join(", "))
}

/// `markdown` (`header`, what was run, the summary and the tables, the
/// charts), `churn.json` and the charts, each written atomically into `dir`.
pub fn write_files(c: &Churn, header: &str, dir: &Path, markdown: &str) -> Result<()> {
    let charts = churn::charts::draw_all(c, dir)?;
    let mut md = header.as_bytes().to_vec();
    md.push(b'\n');
    print_tables(c, &mut md)?;
    for chart in &charts {
        writeln!(
            md,
            "\n### {}\n\n{}\n\n![{}]({}.png)\n\n[SVG]({}.svg)",
            chart.title, chart.caption, chart.title, chart.stem, chart.stem
        )?;
    }
    write_atomic(&dir.join(markdown), &md)?;
    let mut json = serde_json::to_vec_pretty(c)?;
    json.push(b'\n');
    write_atomic(&dir.join("churn.json"), &json)
}

/// Print `c` as one JSON object.
pub fn print_json(c: &Churn, out: &mut impl Write) -> Result<()> {
    serde_json::to_writer(&mut *out, c)?;
    writeln!(out)?;
    Ok(())
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "—".into(), f)
}

/// The run, the summary beside the rebuild, then one Markdown table per policy.
pub fn print_tables(c: &Churn, out: &mut impl Write) -> std::io::Result<()> {
    let s = &c.spec;
    writeln!(
        out,
        "Churn: {} x {} {} (seed {}), M {}, efConstruction {}; {} rounds, each deleting {:.1} % of the live labels \
         and inserting as many new vectors, updating {:.1} %; recall@10 at ef {} over {} queries against the exact \
         ground truth over the live set; one thread.",
        s.n,
        s.dim,
        s.data.name(),
        s.seed,
        s.m,
        s.ef_construction,
        s.rounds,
        s.fraction * 100.0,
        s.update_fraction * 100.0,
        s.ef,
        s.queries
    )?;
    writeln!(out, "\n## After round {}, beside the fresh rebuild\n", s.rounds)?;
    writeln!(out, "| policy | unreachable L0 / live | recall@10 | − rebuild | s / round | × rebuild |")?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    for r in &c.summary {
        writeln!(
            out,
            "| {} | {:.4} % | {:.4} | {} | {:.3} | {} |",
            r.policy,
            r.unreachable_l0_fraction * 100.0,
            r.recall_at_10,
            opt(r.recall_gap_to_rebuild, |g| format!("{g:+.4}")),
            r.mean_round_seconds,
            opt(r.cost_vs_rebuild, |x| format!("{x:.2}")),
        )?;
    }
    for p in c.policies() {
        writeln!(out, "\n### {p}\n")?;
        writeln!(out, "| round | live | unreachable L0 | unreachable L1 | in-degree 0 L0 | one-way L0 | degree L0 | into dead L0 | recall@10 | QPS | seconds |")?;
        writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        for r in c.rows_of(p) {
            let short = if r.short_results > 0 { format!(" ({} short)", r.short_results) } else { String::new() };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.4} | {:.2} | {} | {:.4}{short} | {:.0} | {:.3} |",
                r.round,
                r.live,
                r.unreachable_l0,
                r.unreachable_l1,
                r.zero_in_degree_l0,
                r.one_way_fraction_l0,
                r.mean_live_degree_l0,
                r.edges_into_dead_l0,
                r.recall_at_10,
                r.qps,
                r.seconds
            )?;
        }
    }
    for n in &c.notes {
        writeln!(out, "\nnote: {n}")?;
    }
    Ok(())
}
