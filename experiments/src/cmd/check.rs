//! `hnswlab check FILE`: read an index file written by hnswlib 0.8, faiss
//! (`IndexHNSWFlat`) or hnswlab itself (`Hnsw::save`), report every defect the file has with its byte
//! offset, and print the same census as `hnswlab build` over the graph the
//! reader kept (`hnswlab::foreign`: the file minus its defects), plus a
//! self-search census: the stored vectors whose k = 1 search at ef 10 and
//! ef 100 does not return a distance-0 hit.
//!
//! Exit codes: 0 healthy, 3 defects or violations found, 1 unreadable.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use hnswlab::foreign::{self, FileParams, ForeignIndex, Format};
use hnswlab::search::{knn, Scratch};
use hnswlab::{GraphView, Hnsw, NodeId, Snapshot};
use hnswlab_invariants::{check_all, Expectations, Health};
use serde::Serialize;

use crate::cmd::build::Found;
use crate::names::MetricArg;
use crate::output::print_health;

/// Beam widths of the self-search census.
pub const SELF_SEARCH_EF: [usize; 2] = [10, 100];

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// hnswlab's own index file.
    Hnswlab,
    /// hnswlib 0.8 `saveIndex` (needs `--dim` unless the record size is trusted, and `--space`).
    Hnswlib,
    /// faiss `IndexHNSWFlat` (`write_index`).
    Faiss,
}

/// Arguments of `hnswlab check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The index file.
    pub file: PathBuf,
    /// The file's format [default: from the magic number; hnswlib files have none].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Vector dimension (hnswlib: checked against the record layout; taken from it when absent).
    #[arg(long)]
    pub dim: Option<usize>,
    /// The space an hnswlib index was built in (not stored in the file).
    #[arg(long, value_enum, default_value_t = MetricArg::L2)]
    pub space: MetricArg,
    /// Print one JSON object on stdout instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Skip the self-search census.
    #[arg(long)]
    pub no_self_search: bool,
}

/// Self-search census at one ef.
#[derive(Clone, Debug, Serialize)]
pub struct SelfMiss {
    /// Beam width.
    pub ef: usize,
    /// Live nodes searched.
    pub searched: usize,
    /// Searches whose top hit is neither the stored vector (bit for bit) nor as close.
    pub misses: usize,
    /// `misses / searched`.
    pub miss_fraction: f64,
}

/// One file defect, as reported.
#[derive(Clone, Debug, Serialize)]
pub struct DefectReport {
    /// The defect's kind (`FileDefect` variant name).
    pub kind: &'static str,
    /// Byte offset in the file.
    pub offset: u64,
    /// The defect, printed.
    pub message: String,
}

/// The parameters a file records.
#[derive(Clone, Debug, Serialize)]
pub struct FileParamsReport {
    /// M.
    pub m: usize,
    /// Layer-0 capacity.
    pub m0: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// mL, when stored.
    pub ml: Option<f64>,
    /// Capacity at save time, when stored.
    pub max_elements: Option<usize>,
}

impl From<&FileParams> for FileParamsReport {
    fn from(p: &FileParams) -> Self {
        FileParamsReport {
            m: p.m,
            m0: p.m0,
            ef_construction: p.ef_construction,
            ml: p.ml,
            max_elements: p.max_elements,
        }
    }
}

/// Everything `hnswlab check` found. `--json` prints exactly this object;
/// `health`, `violations` and `violations_total` mean what they mean in
/// `hnswlab build`'s report.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The command line.
    pub command: Vec<String>,
    /// Crate version of the CLI.
    pub version: &'static str,
    /// The file checked.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its format.
    pub format: &'static str,
    /// Vector dimension.
    pub dim: usize,
    /// Distance function.
    pub metric: &'static str,
    /// Parameters the file records.
    pub params: FileParamsReport,
    /// Nodes read (records the file holds, tombstones included).
    pub nodes: usize,
    /// Nodes marked deleted.
    pub deleted: usize,
    /// The checker's census of the graph the reader kept, or null when
    /// `check_all` found violations in it.
    pub health: Option<Health>,
    /// Self-search census per ef (empty with `--no-self-search`).
    pub self_search: Vec<SelfMiss>,
    /// File defects with their offsets.
    pub defects: Vec<DefectReport>,
    /// File defects and checker violations (first 100), printed.
    pub violations: Vec<String>,
    /// Number of defects and violations, including those not listed.
    pub violations_total: usize,
    /// Wall time of `check_all`.
    pub check_seconds: f64,
    /// Remarks about the run.
    pub notes: Vec<String>,
}

/// How `check` ended.
#[derive(Debug)]
pub enum Outcome {
    /// The file was read; the report says what was found.
    Checked(Box<CheckReport>),
    /// The file could not be read.
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        error: String,
    },
}

/// hnswlab's own index file, through `Hnsw::from_bytes`: its decoder
/// validates every section (checksums, counts, links, levels, labels) and
/// refuses a corrupt file with a typed error naming section and offset, so
/// a file it accepts has no defects to list.
fn read_hnswlab(bytes: &[u8]) -> Result<ForeignIndex> {
    let h = Hnsw::from_bytes(bytes).context("reading an hnswlab index file")?;
    let graph = Snapshot::of(&h);
    let p = h.params();
    let params =
        FileParams { m: p.m(), m0: p.m0(), ef_construction: p.ef_construction(), ml: Some(p.ml()), max_elements: None };
    // Tombstones and free slots (a version-2 file) count as deleted, as hnswlib's delete marks do.
    let deleted = (0..graph.levels.len()).map(|i| graph.is_deleted(NodeId(i as u32))).collect();
    Ok(ForeignIndex { format: Format::Hnswlab, graph, deleted, params, defects: Vec::new() })
}

fn read(args: &CheckArgs, bytes: &[u8]) -> Result<ForeignIndex> {
    let format = match args.format {
        Some(f) => f,
        None => match Format::sniff(bytes) {
            Some(Format::Faiss) => FormatArg::Faiss,
            Some(Format::Hnswlib) => FormatArg::Hnswlib,
            Some(Format::Hnswlab) => FormatArg::Hnswlab,
            None => bail!("no known magic number: pass --format (hnswlib files have none: --format hnswlib --dim D)"),
        },
    };
    let idx = match format {
        FormatArg::Hnswlab => read_hnswlab(bytes)?,
        // The hnswlib reader checks --dim against the record layout itself.
        FormatArg::Hnswlib => {
            let opts = foreign::hnswlib::Options { dim: args.dim, space: args.space.into() };
            return Ok(foreign::hnswlib::read(bytes, &opts)?);
        }
        FormatArg::Faiss => foreign::faiss::read(bytes)?,
    };
    if let Some(d) = args.dim.filter(|&d| d != idx.graph.dim) {
        bail!("dimension mismatch: the file holds {}-d vectors, --dim says {d}", idx.graph.dim);
    }
    Ok(idx)
}

/// The expectations for a graph nobody here built: structure (I1, I2) and
/// labels are hard, the census (I3, I5) is reported, exactness (I6) runs on
/// small graphs, the level law (I7) is not assumed.
pub fn expectations(idx: &ForeignIndex) -> Expectations {
    Expectations {
        symmetric: false,
        ef_construction: idx.params.ef_construction.max(1),
        strict_findability: false,
        require_reachable: false,
        exact_queries: 16,
        exact_max_nodes: 2_000,
        level_law: None,
        level_law_min_nodes: 1_000,
        inserted: None,
    }
}

/// The graph with labels replaced by ids: labels are the reader's to check
/// (a label carried twice is a file defect), the census is about the graph.
pub fn census_view(g: &Snapshot) -> Snapshot {
    let n = g.levels.len();
    Snapshot {
        labels: (0..n as u64).collect(),
        ids: (0..n as u64).filter(|&i| !g.is_deleted(NodeId(i as u32))).map(|i| (i, NodeId(i as u32))).collect(),
        ..g.clone()
    }
}

/// Self-search census: for every live node, search its stored vector with
/// k = 1 at each ef; a miss is a top hit that is neither bitwise the same
/// vector nor as close as the vector is to itself.
pub fn self_search(g: &Snapshot, deleted: &[bool], efs: &[usize]) -> Vec<SelfMiss> {
    let Some(entry) = g.entry else { return Vec::new() };
    let metric = GraphView::metric(g);
    let mut scratch = Scratch::new();
    efs.iter()
        .map(|&ef| {
            let mut searched = 0;
            let mut misses = 0;
            for i in 0..g.levels.len() {
                if deleted.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let v = GraphView::vector(g, NodeId(i as u32));
                searched += 1;
                let top = knn(g, entry, g.max_level, v, 1, ef.max(1), &mut scratch);
                let hit = top.first().is_some_and(|s| {
                    let w = GraphView::vector(g, s.id);
                    let same = w.len() == v.len() && w.iter().zip(v).all(|(a, b)| a.to_bits() == b.to_bits());
                    same || s.dist <= metric.distance(v, v)
                });
                misses += usize::from(!hit);
            }
            SelfMiss { ef, searched, misses, miss_fraction: misses as f64 / searched.max(1) as f64 }
        })
        .collect()
}

/// Run `hnswlab check`.
pub fn run(args: &CheckArgs, command: Vec<String>) -> Outcome {
    let file = args.file.display().to_string();
    let unreadable = |e: anyhow::Error| Outcome::Unreadable { file: file.clone(), error: format!("{e:#}") };
    let bytes = match std::fs::read(&args.file).with_context(|| format!("reading {file}")) {
        Ok(b) => b,
        Err(e) => return unreadable(e),
    };
    let idx = match read(args, &bytes) {
        Ok(i) => i,
        Err(e) => return unreadable(e),
    };
    Outcome::Checked(Box::new(report(args, command, &args.file, bytes.len() as u64, &idx)))
}

/// What the checker and the self-search found on one graph.
#[derive(Clone, Debug)]
pub struct Census {
    /// `check_all`'s census, or `None` when it found violations.
    pub health: Option<Health>,
    /// Violations `check_all` found (listed and counted like `hnswlab build`'s).
    pub violations: Vec<String>,
    /// Their number, including those not listed.
    pub violations_total: usize,
    /// Self-search census per ef (empty when not asked for).
    pub self_search: Vec<SelfMiss>,
    /// Wall time of `check_all`.
    pub check_seconds: f64,
}

/// Census `g` (labels set aside, see [`census_view`]) with `expect`, and
/// self-search its live nodes at `efs`.
pub fn census(g: &Snapshot, deleted: &[bool], expect: &Expectations, efs: &[usize]) -> Census {
    let view = census_view(g);
    let mut found = Found::default();
    let start = Instant::now();
    let health = match check_all(&view, expect) {
        Ok(h) => Some(h),
        Err(vs) => {
            found.add("check_all", &vs);
            None
        }
    };
    let check_seconds = start.elapsed().as_secs_f64();
    let self_search = self_search(&view, deleted, efs);
    Census { health, violations: found.listed, violations_total: found.total, self_search, check_seconds }
}

fn report(args: &CheckArgs, command: Vec<String>, path: &Path, bytes: u64, idx: &ForeignIndex) -> CheckReport {
    let mut notes = Vec::new();
    let efs: &[usize] = if args.no_self_search { &[] } else { &SELF_SEARCH_EF };
    let c = census(&idx.graph, &idx.deleted, &expectations(idx), efs);
    let mut violations: Vec<String> = idx.defects.iter().map(|d| format!("file {d}")).collect();
    violations.extend(c.violations);
    violations.truncate(crate::cmd::build::MAX_VIOLATIONS);
    if idx.format == Format::Hnswlib && args.dim.is_none() {
        notes.push(format!("--dim not given: {} taken from the record layout", idx.graph.dim));
    }
    if !idx.defects.is_empty() {
        notes.push("the census is of the graph without the file's defects (lists clamped, bad links dropped)".into());
    }
    CheckReport {
        command,
        version: env!("CARGO_PKG_VERSION"),
        file: path.display().to_string(),
        bytes,
        format: idx.format.name(),
        dim: idx.graph.dim,
        metric: GraphView::metric(&idx.graph).name(),
        params: FileParamsReport::from(&idx.params),
        nodes: idx.graph.levels.len(),
        deleted: idx.deleted_count(),
        health: c.health,
        self_search: c.self_search,
        defects: idx
            .defects
            .iter()
            .map(|d| DefectReport { kind: d.kind(), offset: d.offset(), message: d.to_string() })
            .collect(),
        violations,
        violations_total: idx.defects.len() + c.violations_total,
        check_seconds: c.check_seconds,
        notes,
    }
}

/// Print the JSON object and a newline.
pub fn print_json(r: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, r)?;
    writeln!(out)
}

/// Print the human summary: file, census, self-search, then every violation.
pub fn print_human(r: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let p = &r.params;
    writeln!(out, "file     {} ({} bytes, {})", r.file, r.bytes, r.format)?;
    writeln!(
        out,
        "graph    nodes={} deleted={} dim={} metric={} m={} m0={} ef_construction={}",
        r.nodes, r.deleted, r.dim, r.metric, p.m, p.m0, p.ef_construction
    )?;
    match &r.health {
        Some(h) => print_health(h, out)?,
        None => writeln!(out, "health   unavailable: check_all found violations")?,
    }
    for s in &r.self_search {
        writeln!(
            out,
            "self-search ef={:<4} {} of {} stored vectors miss themselves ({:.3}%)",
            s.ef,
            s.misses,
            s.searched,
            100.0 * s.miss_fraction
        )?;
    }
    if r.violations_total == 0 {
        writeln!(out, "invariants: no defects, all hard invariants hold")?;
    } else {
        writeln!(out, "invariants: {} DEFECT(S) / VIOLATION(S):", r.violations_total)?;
        for v in &r.violations {
            writeln!(out, "  {v}")?;
        }
        let unlisted = r.violations_total - r.violations.len();
        if unlisted > 0 {
            writeln!(out, "  ... and {unlisted} more")?;
        }
    }
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}
