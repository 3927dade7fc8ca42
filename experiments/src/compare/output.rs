//! What `hnswlab compare` writes: `compare.csv` (one row per measurement),
//! `compare-sweep.csv` (one row per measurement and ef), `compare.json`
//! (provenance, config, measurements, ratios, medians), `compare.md`, and
//! the ratio table on stdout.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::config::CompareConfig;
use super::measure::Measurement;
use super::summary::{Median, Ratio, Spread};
use crate::report::charts::{si, Chart};
use crate::report::markdown::stamp;
use crate::report::results::Meta;

/// Everything in `compare.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Provenance (`command` as run; `notes`: skipped data sets or libraries, failed measurements).
    pub meta: Meta,
    /// The cargo command that regenerates this comparison.
    pub regenerate: String,
    /// The config that ran.
    pub config: CompareConfig,
    /// Every measurement, in run order.
    pub measurements: Vec<Measurement>,
    /// Every ratio, per round and summarised.
    pub ratios: Vec<Ratio>,
    /// Each entrant's medians.
    pub medians: Vec<Median>,
}

/// The `--json` summary on stdout.
#[derive(Serialize)]
pub struct Summary<'a> {
    /// The output folder.
    pub dir: String,
    /// Ratios.
    pub ratios: &'a [Ratio],
    /// Medians.
    pub medians: &'a [Median],
    /// Notes.
    pub notes: &'a [String],
}

/// `compare.csv` columns, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "round",
    "position",
    "dataset",
    "n",
    "dim",
    "queries",
    "library",
    "strategy",
    "threads",
    "build_seconds",
    "vectors_per_second",
    "rss_growth_bytes",
    "memory_bytes",
    "qps_at_target",
    "ef_at_target",
    "target_at_lowest_ef",
    "max_recall",
    "error",
];

fn cell<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// One CSV line per measurement (no field holds a comma: errors have theirs replaced).
pub fn write_csv(rows: &[Measurement], out: &mut impl Write) -> Result<()> {
    writeln!(out, "{}", CSV_COLUMNS.join(","))?;
    for m in rows {
        let cells = [
            m.round.to_string(),
            m.position.to_string(),
            m.dataset.clone(),
            m.n.to_string(),
            m.dim.to_string(),
            m.queries.to_string(),
            m.library.clone(),
            m.strategy.clone(),
            m.threads.to_string(),
            cell(finite(m.build_seconds).filter(|_| m.error.is_none())),
            cell(finite(m.vectors_per_second).filter(|_| m.error.is_none())),
            cell(m.rss_growth_bytes),
            cell(m.memory_bytes),
            cell(m.qps_at_target),
            cell(m.ef_at_target),
            m.target_at_lowest_ef.to_string(),
            cell(finite(m.max_recall).filter(|_| m.error.is_none())),
            m.error.as_deref().unwrap_or("").replace([',', '\n', '"'], ";"),
        ];
        debug_assert_eq!(cells.len(), CSV_COLUMNS.len());
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// One CSV line per (measurement, ef).
pub fn write_sweep_csv(rows: &[Measurement], out: &mut impl Write) -> Result<()> {
    writeln!(out, "round,dataset,library,strategy,threads,ef,recall_at_10,qps")?;
    for m in rows {
        for p in &m.search {
            let (r, d, l, s, t) = (m.round, &m.dataset, &m.library, &m.strategy, m.threads);
            writeln!(out, "{r},{d},{l},{s},{t},{},{},{}", p.ef, p.recall_at_10, p.qps)?;
        }
    }
    Ok(())
}

/// Write the CSVs and the JSON into `dir`.
pub fn write_files(c: &Comparison, dir: &Path) -> Result<()> {
    let write = |name: &str, f: &dyn Fn(&mut Vec<u8>) -> Result<()>| -> Result<()> {
        let mut buf = Vec::new();
        f(&mut buf)?;
        crate::publish::write_atomic(&dir.join(name), &buf)
    };
    write("compare.csv", &|b| write_csv(&c.measurements, b))?;
    write("compare-sweep.csv", &|b| write_sweep_csv(&c.measurements, b))?;
    write("compare.json", &|b| {
        serde_json::to_writer_pretty(&mut *b, c)?;
        b.push(b'\n');
        Ok(())
    })
}

/// `1.23 [1.10–1.31] (3)`, or `—` without values.
pub fn spread_text(s: Option<&Spread>, f: impl Fn(f64) -> String) -> String {
    match s {
        Some(s) if s.n > 1 => format!("{} [{}–{}] ({})", f(s.median), f(s.min), f(s.max), s.n),
        Some(s) => format!("{} (1)", f(s.median)),
        None => "—".into(),
    }
}

fn ratio(v: f64) -> String {
    format!("{v:.2}")
}

fn mib(v: f64) -> String {
    format!("{:.1}", v / (1024.0 * 1024.0))
}

/// The ratio table's columns.
const RATIO_HEADER: [&str; 5] =
    ["data set", "ratio", "numerator ÷ denominator", "median [min–max] (rounds)", "reading"];

/// The ratio table's cells, one row per ratio.
fn ratio_rows(ratios: &[Ratio]) -> Vec<Vec<String>> {
    ratios
        .iter()
        .map(|r| {
            vec![
                r.dataset.clone(),
                r.metric.clone(),
                format!("{} ÷ {}", r.numerator, r.denominator),
                spread_text(r.spread.as_ref(), ratio),
                r.reading.clone(),
            ]
        })
        .collect()
}

/// The ratio table as aligned text (stdout).
pub fn ratio_table(ratios: &[Ratio]) -> String {
    let rows = ratio_rows(ratios);
    let mut widths = RATIO_HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let line = |s: &mut String, cells: &[&str]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, &w)| format!("{c:<w$}")).collect();
        let _ = writeln!(s, "{}", padded.join("  ").trim_end());
    };
    line(&mut s, &RATIO_HEADER);
    for row in &rows {
        line(&mut s, &row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    s
}

/// A Markdown table; `align` has one letter per column, `l` or `r`.
fn md_table(w: &mut String, header: &[&str], align: &str, rows: &[Vec<String>]) {
    let rule: Vec<&str> = align.chars().map(|a| if a == 'r' { "---:" } else { "---" }).collect();
    for cells in [header.to_vec(), rule] {
        let _ = writeln!(w, "| {} |", cells.join(" | "));
    }
    for row in rows {
        let _ = writeln!(w, "| {} |", row.join(" | "));
    }
}

/// `compare.md`.
pub fn markdown(c: &Comparison, charts: &[Chart]) -> String {
    let (meta, config) = (&c.meta, &c.config);
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# hnswlab compare: {}\n", config.name);
    if !config.description.is_empty() {
        let _ = writeln!(w, "{}\n", config.description);
    }
    let _ = writeln!(w, "- **Regenerate:** `{}`", c.regenerate);
    stamp(w, meta);
    let _ = writeln!(
        w,
        "- **Parameters:** M = {}, efConstruction = {} for every library (hnswlab: standard pruning, heuristic \
         selection, as hnswlib); build threads {:?}; {} round(s); search ef {:?}; seed {}",
        config.m, config.ef_construction, config.threads, config.rounds, config.ef, config.seed
    );
    let _ = writeln!(
        w,
        "- **Protocol:** each round measures, per data set and thread count, every entrant one after another in an \
         order rotated by one each round; each measurement is a fresh process (hnswlab's `compare-worker`, or \
         `python_peers.py --mode batch`) that reads the same files, builds once (timed), records its resident-set \
         growth across the build, then per ef runs one untimed warm-up and {} timed pass(es) over all queries on \
         one thread, keeping the fastest (hnswlib: one `knn_query(queries, k, num_threads=1)` call per pass; faiss: \
         one `search` call with one OpenMP thread; hnswlab: every query in turn). Recall@10 counts a result within ε of the 10th true distance. QPS \
         at recall {} is interpolated on the sweep (log QPS linear in recall between the two ef points that bracket \
         it). Each ratio divides two measurements of the same round; the tables give its median, [min–max] and \
         the number of rounds.",
        config.search_passes, config.target_recall
    );
    let _ = writeln!(
        w,
        "- **Files:** `compare.csv` (one row per measurement), `compare-sweep.csv` (one row per measurement and ef), \
         `compare.json` (everything, with the ratios per round)\n"
    );
    for n in &meta.notes {
        let _ = writeln!(w, "> note: {n}\n");
    }
    let _ = writeln!(w, "## Ratios\n");
    md_table(w, &RATIO_HEADER, "lllrl", &ratio_rows(&c.ratios));
    let _ = writeln!(w, "\n## Medians\n");
    let _ = writeln!(
        w,
        "Median [min–max] (rounds) per entrant. \"reached\" counts the rounds whose sweep reaches recall {}; a \
         ratio of QPS needs both sides to reach it.\n",
        config.target_recall
    );
    let qps_header = format!("QPS @ recall {}", config.target_recall);
    let header = ["data set", "entrant", "threads", "vectors/s", &qps_header, "reached"];
    let header = [&header[..], &["RSS growth MiB", "index MiB", "max recall@10"]].concat();
    let rows: Vec<Vec<String>> = c
        .medians
        .iter()
        .map(|m| {
            vec![
                m.dataset.clone(),
                m.entrant.clone(),
                m.threads.to_string(),
                spread_text(m.vectors_per_second.as_ref(), si),
                spread_text(m.qps_at_target.as_ref(), si),
                format!("{}/{}", m.reached_target, m.rounds),
                spread_text(m.rss_growth_bytes.as_ref(), mib),
                spread_text(m.memory_bytes.as_ref(), mib),
                format!("{:.4}", m.max_recall),
            ]
        })
        .collect();
    md_table(w, &header, "llrrrrrrr", &rows);
    let lower: Vec<String> = c
        .measurements
        .iter()
        .filter(|m| m.target_at_lowest_ef)
        .map(|m| format!("{} {} t{} round {}", m.dataset, m.entrant().label(), m.threads, m.round))
        .collect();
    if !lower.is_empty() {
        let _ = writeln!(
            w,
            "\nThe sweep's smallest ef already reaches recall {} for {}: those QPS values are lower bounds.",
            config.target_recall,
            lower.join(", ")
        );
    }
    let _ = writeln!(w, "\n## Charts\n");
    for ch in charts {
        let _ = writeln!(
            w,
            "### {}\n\n{}\n\n![{}]({}.png)\n\n[SVG]({}.svg)\n",
            ch.title, ch.caption, ch.title, ch.stem, ch.stem
        );
    }
    s
}
