//! `hnswlab mutants`: the mutation matrix. Every strategy and every mutant is
//! built on the default shapes under every check (`hnswlab_invariants::matrix`);
//! real strategies must pass every column, every mutant must fail one.

use std::io::Write;

use anyhow::Result;
use hnswlab::registry;
use hnswlab_invariants::matrix::{self, Matrix, CHECKS};
use serde::Serialize;

use crate::names::threads_range;
use crate::progress;

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

/// Run the matrix; `show_progress` draws a bar on stderr.
pub fn run(args: &MutantsArgs, show_progress: bool) -> Matrix {
    let rows = registry::all();
    let shapes = matrix::default_shapes(0).len() * args.seeds.len();
    let bar = progress::bar((rows.len() * shapes) as u64, "mutants", show_progress);
    let m = matrix::run(&rows, &args.seeds, args.threads as usize, &mut |name, shape| {
        bar.set_message(format!("{name} {shape}"));
        bar.inc(1);
    });
    bar.finish_and_clear();
    m
}

#[derive(Serialize)]
struct JsonRow<'a> {
    name: &'a str,
    kind: &'a str,
    caught_by: &'a [String],
    first_violation: Option<&'a str>,
    recall_at_10: f64,
    vectors_per_second: f64,
    cells: &'a [(String, String)],
}

#[derive(Serialize)]
struct JsonMatrix<'a> {
    rows: Vec<JsonRow<'a>>,
    escaped: &'a [String],
    failing: &'a [String],
    threads: usize,
    seeds: &'a [u64],
    checks: &'a [&'a str],
}

/// The matrix as one JSON object: `{"rows": [{name, kind, caught_by,
/// first_violation, recall_at_10, vectors_per_second, cells}], "escaped": [...]}`.
pub fn print_json(m: &Matrix, out: &mut impl Write) -> Result<()> {
    let rows = m
        .rows
        .iter()
        .map(|r| JsonRow {
            name: &r.name,
            kind: &r.kind,
            caught_by: &r.caught_by,
            first_violation: r.first_violation.as_deref(),
            recall_at_10: r.recall_at_10,
            vectors_per_second: r.vectors_per_second,
            cells: &r.cells,
        })
        .collect();
    let j = JsonMatrix {
        rows,
        escaped: &m.escaped,
        failing: &m.failing,
        threads: m.threads,
        seeds: &m.seeds,
        checks: &CHECKS,
    };
    serde_json::to_writer(&mut *out, &j)?;
    writeln!(out)?;
    Ok(())
}

/// The matrix as a table: a cell is `ok` or `FAIL`; the first violation of each row follows.
pub fn print_table(m: &Matrix, out: &mut impl Write) -> Result<()> {
    write!(out, "{:<31} {:<8}", "row", "kind")?;
    for c in CHECKS {
        write!(out, " {c:>6}")?;
    }
    writeln!(out, " {:>9} {:>11}", "recall@10", "vectors/s")?;
    for r in &m.rows {
        write!(out, "{:<31} {:<8}", r.name, r.kind)?;
        for c in CHECKS {
            let pass = r.cells.iter().find(|(k, _)| k == c).is_none_or(|(_, v)| v == "pass");
            write!(out, " {:>6}", if pass { "ok" } else { "FAIL" })?;
        }
        writeln!(out, " {:>9.3} {:>11.0}", r.recall_at_10, r.vectors_per_second)?;
    }
    writeln!(out)?;
    for r in &m.rows {
        if let Some(v) = &r.first_violation {
            writeln!(out, "{}: {v}", r.name)?;
        }
    }
    writeln!(out)?;
    if m.ok() {
        writeln!(
            out,
            "every mutant was caught; every strategy passed every check (seeds {:?}, {} threads)",
            m.seeds, m.threads
        )?;
    } else {
        writeln!(out, "escaped mutants: {:?}; failing strategies: {:?}", m.escaped, m.failing)?;
    }
    Ok(())
}
