//! The mutation matrix: every strategy and every mutant built under every
//! check, on several small, low-dimensional, duplicate-rich data shapes
//! (where HNSW bugs show; recall on high-dimensional data hides them).
//!
//! A row passes a check when no build of it, on any shape and seed, produced
//! a violation of that check. Real strategies must pass every column; every
//! mutant must fail at least one. The per-insert checks (I3 post-condition,
//! I4) run at each commit point the strategy reports, and for the concurrent
//! build on what each worker read right after each of its inserts
//! ([`check_afterwards`]); `check_all` runs at
//! commits 1, 2, 4, 8, ..., every 64th, and after the build, per segment.
//! The `recall` column fails when recall@10 at ef 64 falls more than 0.05
//! below the sequential build's on the same shape, or below the shape's
//! absolute floor ([`recall_floor`], measured once): a bug in the core that
//! lowers sequential too passes the first test but not the second.

use std::collections::BTreeSet;
use std::time::Instant;

use hnswlab::strategy::{BuildInput, Built, Commit, Kind, Strategy};
use hnswlab::{oracle, synthetic, Params, Scratch};

use crate::{check_afterwards, check_all, check_insert, Expectations, Violations};

/// The columns, in order.
pub const CHECKS: [&str; 9] = ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "recall"];

/// ef used for the recall column.
pub const RECALL_EF: usize = 64;
/// Allowed recall drop below sequential before the recall column fails.
pub const RECALL_SLACK: f64 = 0.05;

/// A data set with the parameters to build it with.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Name in reports, including the seed.
    pub name: String,
    /// The shape's kind, without the seed (the key of [`recall_floor`]).
    pub kind: &'static str,
    /// Vector length.
    pub dim: usize,
    /// Base rows.
    pub data: Vec<f32>,
    /// Query rows.
    pub queries: Vec<f32>,
    /// Build parameters.
    pub params: Params,
}

impl Shape {
    fn new(name: &'static str, seed: u64, dim: usize, data: Vec<f32>, queries: Vec<f32>, m: usize, ef: usize) -> Self {
        let params = Params::builder()
            .m(m)
            .ef_construction(ef)
            .seed(seed)
            .verify_inserts(true)
            .build()
            .expect("valid matrix params");
        Shape { name: format!("{name}/seed{seed}"), kind: name, dim, data, queries, params }
    }

    /// Rows in the base set.
    pub fn rows(&self) -> usize {
        self.data.len() / self.dim
    }
}

/// The absolute recall@10 at [`RECALL_EF`] a correct build reaches on a
/// default shape of `kind`, whatever the code under test does: the minimum of
/// the sequential build over seeds 0..32, rounded down to 0.01, less 0.05
/// (the same slack the relative column allows). Derived by the ignored test
/// `derive_recall_floors` in `tests/mutation_matrix.rs`, which prints the
/// measured minima; 0 for an unknown kind.
pub fn recall_floor(kind: &str) -> f64 {
    match kind {
        // Derivation (`derive_recall_floors`, release, seeds 0..32, sequential,
        // ef 64), measured minimum / mean -> floor = min rounded down to 0.01,
        // less the 0.05 margin:
        //   lattice-2d     1.0000 / 1.0000 -> 0.95
        //   duplicates-4d  0.8600 / 0.9560 -> 0.81
        //   gaussian-8d    0.9960 / 0.9998 -> 0.94
        //   clustered-16d  1.0000 / 1.0000 -> 0.95
        "lattice-2d" => 0.95,
        "duplicates-4d" => 0.81,
        "gaussian-8d" => 0.94,
        "clustered-16d" => 0.95,
        _ => 0.0,
    }
}

/// The default shapes for one seed: a 2-d integer lattice (ties), 4-d
/// duplicates (12 copies of 50 vectors), 8-d Gaussian and 16-d clustered
/// (the last two large enough for the I7 level test).
pub fn default_shapes(seed: u64) -> Vec<Shape> {
    vec![
        Shape::new(
            "lattice-2d",
            seed,
            2,
            synthetic::lattice(600, 2, 6, seed),
            synthetic::lattice(50, 2, 6, seed + 1000),
            4,
            32,
        ),
        Shape::new(
            "duplicates-4d",
            seed,
            4,
            synthetic::duplicates(50, 12, 4, seed),
            synthetic::gaussian(50, 4, seed + 1000),
            4,
            32,
        ),
        Shape::new(
            "gaussian-8d",
            seed,
            8,
            synthetic::gaussian(1200, 8, seed),
            synthetic::gaussian(50, 8, seed + 1000),
            6,
            48,
        ),
        Shape::new(
            "clustered-16d",
            seed,
            16,
            synthetic::clustered(1200, 16, 20, 0.3, seed, 0),
            synthetic::clustered(50, 16, 20, 0.3, seed, 1),
            8,
            64,
        ),
    ]
}

/// A violation found while checking one build.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Found {
    /// Column: `"I1"`..`"I8"`, `"recall"` or `"build"` (the build returned an error).
    pub check: String,
    /// What happened, as a bug report.
    pub message: String,
}

/// One strategy on one shape.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Run {
    /// Shape name.
    pub shape: String,
    /// Violations in the order found.
    pub found: Vec<Found>,
    /// recall@10 at [`RECALL_EF`].
    pub recall_at_10: f64,
    /// Commit points observed.
    pub commits: usize,
}

fn record(found: &mut Vec<Found>, v: &Violations, context: &str) {
    for x in &v.0 {
        if x.invariant() == "-" {
            continue;
        }
        found.push(Found { check: x.invariant().to_string(), message: format!("{context}: {x}") });
    }
}

/// recall@10 of a built index over the shape's queries (a hit: distance <= the
/// 10th true distance, the ann-benchmarks rule).
pub fn recall_at_10(built: &Built, shape: &Shape, ef: usize) -> f64 {
    let mut s = Scratch::new();
    let (mut hits, mut total) = (0usize, 0usize);
    let metric = shape.params.metric();
    for q in shape.queries.chunks_exact(shape.dim) {
        let truth = oracle::exact_knn_flat(metric, &shape.data, shape.dim, q, 10)
            .expect("a shape's rows and queries share dim");
        let Some(kth) = truth.last().map(|t| t.dist) else { continue };
        total += truth.len();
        if let Ok(got) = built.search_with(&mut s, q, 10, ef.max(10)) {
            hits += got.iter().filter(|g| g.distance <= kth).count();
        }
    }
    if total == 0 {
        1.0
    } else {
        hits as f64 / total as f64
    }
}

/// Build `strategy` on `shape` under every check. `baseline` is the
/// sequential recall on the same shape (None skips the recall column).
pub fn check_build(strategy: &dyn Strategy, shape: &Shape, threads: usize, baseline: Option<f64>) -> Run {
    let mut found = Vec::new();
    let mut commits = 0usize;
    let mut inserted: Vec<usize> = Vec::new();
    let expect = Expectations::for_params(&shape.params);
    let input = BuildInput { dim: shape.dim, params: &shape.params, data: &shape.data, threads };
    let result = {
        let mut observe = |c: Commit<'_>| {
            commits += 1;
            if inserted.len() <= c.segment {
                inserted.resize(c.segment + 1, 0);
            }
            inserted[c.segment] += c.traces.len() + c.afterwards.len();
            for t in c.traces {
                if let Err(v) = check_insert(c.view, t, &expect) {
                    record(&mut found, &v, &format!("after inserting {}", t.node));
                }
            }
            for a in c.afterwards {
                if let Err(v) = check_afterwards(a, &expect) {
                    record(&mut found, &v, &format!("right after inserting {} (concurrent)", a.trace.node));
                }
            }
            if commits.is_power_of_two() || commits.is_multiple_of(64) {
                // A commit without records of its inserts cannot count them.
                let counted = (!c.traces.is_empty() || !c.afterwards.is_empty()).then_some(inserted[c.segment]);
                let e = Expectations { inserted: counted, ..expect.clone() };
                if let Err(v) = check_all(c.view, &e) {
                    record(&mut found, &v, &format!("at commit {commits}"));
                }
            }
        };
        strategy.build(&input, Some(&mut observe))
    };
    let built = match result {
        Ok(b) => b,
        Err(e) => {
            found.push(Found { check: "build".into(), message: format!("build failed: {e}") });
            return Run { shape: shape.name.clone(), found, recall_at_10: 0.0, commits };
        }
    };
    for (k, seg) in built.segments.iter().enumerate() {
        if let Err(v) = check_all(seg, &expect) {
            record(&mut found, &v, &format!("after the build (segment {k})"));
        }
    }
    if built.len() != shape.rows() {
        found.push(Found {
            check: "I8".into(),
            message: format!("I8 counts: the build holds {} nodes for {} inserted rows", built.len(), shape.rows()),
        });
    }
    let recall = recall_at_10(&built, shape, RECALL_EF);
    let floor = recall_floor(shape.kind);
    if recall < floor {
        found.push(Found {
            check: "recall".into(),
            message: format!(
                "recall: recall@10 at ef {RECALL_EF} is {recall:.3}, below the absolute floor {floor:.2} a \
                 correct build reaches on {} (see matrix::recall_floor)",
                shape.name
            ),
        });
    }
    if let Some(base) = baseline {
        if recall < base - RECALL_SLACK {
            found.push(Found {
                check: "recall".into(),
                message: format!(
                    "recall: recall@10 at ef {RECALL_EF} is {recall:.3}, sequential reaches {base:.3} on {}",
                    shape.name
                ),
            });
        }
    }
    Run { shape: shape.name.clone(), found, recall_at_10: recall, commits }
}

/// Vectors per second of an unchecked build.
pub fn throughput(strategy: &dyn Strategy, shape: &Shape, threads: usize) -> f64 {
    let input = BuildInput { dim: shape.dim, params: &shape.params, data: &shape.data, threads };
    let t = Instant::now();
    match strategy.build(&input, None) {
        Ok(b) => b.len() as f64 / t.elapsed().as_secs_f64().max(1e-9),
        Err(_) => 0.0,
    }
}

/// One row of the matrix.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// Strategy or mutant name.
    pub name: String,
    /// `"strategy"` or `"mutant"`.
    pub kind: String,
    /// Checks that found a violation, in column order.
    pub caught_by: Vec<String>,
    /// The first violation found, as a bug report.
    pub first_violation: Option<String>,
    /// Per column: `"pass"` or the first violation of that check.
    pub cells: Vec<(String, String)>,
    /// Mean recall@10 at ef 64 over the shapes.
    pub recall_at_10: f64,
    /// Unchecked build throughput on the largest shape.
    pub vectors_per_second: f64,
    /// The individual runs.
    pub runs: Vec<Run>,
}

/// The whole matrix.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Matrix {
    /// One row per strategy and mutant.
    pub rows: Vec<Row>,
    /// Mutants no check caught.
    pub escaped: Vec<String>,
    /// Real strategies that failed a check.
    pub failing: Vec<String>,
    /// Threads used.
    pub threads: usize,
    /// Seeds used.
    pub seeds: Vec<u64>,
}

impl Matrix {
    /// True when every mutant was caught and every strategy passed.
    pub fn ok(&self) -> bool {
        self.escaped.is_empty() && self.failing.is_empty()
    }
}

/// The shape with the most floats (rows x dim): where throughput is timed.
fn largest(shapes: &[Shape]) -> &Shape {
    shapes.iter().max_by_key(|s| s.rows() * s.dim).expect("shapes")
}

/// Run every strategy in `rows` on every default shape for every seed.
/// `progress` is called after each (row, shape) run.
pub fn run(rows: &[Box<dyn Strategy>], seeds: &[u64], threads: usize, progress: &mut dyn FnMut(&str, &str)) -> Matrix {
    let shapes: Vec<Shape> = seeds.iter().flat_map(|&s| default_shapes(s)).collect();
    let sequential = hnswlab::registry::by_name("sequential").expect("sequential exists");
    let baselines: Vec<f64> = shapes
        .iter()
        .map(|sh| {
            let input = BuildInput { dim: sh.dim, params: &sh.params, data: &sh.data, threads: 1 };
            sequential.build(&input, None).map(|b| recall_at_10(&b, sh, RECALL_EF)).unwrap_or(0.0)
        })
        .collect();
    let mut out = Vec::new();
    for strategy in rows {
        let mut runs = Vec::new();
        for (sh, &base) in shapes.iter().zip(&baselines) {
            runs.push(check_build(strategy.as_ref(), sh, threads, Some(base)));
            progress(strategy.name(), &sh.name);
        }
        let caught: BTreeSet<&str> = runs.iter().flat_map(|r| r.found.iter().map(|f| f.check.as_str())).collect();
        let mut columns: Vec<&str> = CHECKS.to_vec();
        columns.push("build");
        let cells = columns
            .iter()
            .filter(|c| **c != "build" || caught.contains("build"))
            .map(|c| {
                let first = runs.iter().flat_map(|r| r.found.iter()).find(|f| f.check == *c);
                (c.to_string(), first.map_or_else(|| "pass".to_string(), |f| f.message.clone()))
            })
            .collect();
        let caught_by: Vec<String> = columns.iter().filter(|c| caught.contains(*c)).map(|c| c.to_string()).collect();
        let first_violation = runs.iter().flat_map(|r| r.found.first()).next().map(|f| f.message.clone());
        let recall = runs.iter().map(|r| r.recall_at_10).sum::<f64>() / runs.len().max(1) as f64;
        let largest = largest(&shapes);
        out.push(Row {
            name: strategy.name().to_string(),
            kind: strategy.kind().name().to_string(),
            caught_by,
            first_violation,
            cells,
            recall_at_10: recall,
            vectors_per_second: throughput(strategy.as_ref(), largest, threads),
            runs,
        });
    }
    let escaped = out
        .iter()
        .filter(|r| r.kind == Kind::Mutant.name() && r.caught_by.is_empty())
        .map(|r| r.name.clone())
        .collect();
    let failing = out
        .iter()
        .filter(|r| r.kind == Kind::Strategy.name() && !r.caught_by.is_empty())
        .map(|r| r.name.clone())
        .collect();
    Matrix { rows: out, escaped, failing, threads, seeds: seeds.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix passes (the CLI's exit code) only when no mutant escaped
    /// and no real strategy failed: either list alone fails it.
    #[test]
    fn the_matrix_passes_only_with_no_escape_and_no_failure() {
        let m = |escaped: &[&str], failing: &[&str]| Matrix {
            rows: Vec::new(),
            escaped: escaped.iter().map(|s| s.to_string()).collect(),
            failing: failing.iter().map(|s| s.to_string()).collect(),
            threads: 1,
            seeds: vec![1],
        };
        assert!(m(&[], &[]).ok());
        assert!(!m(&["no-backlinks"], &[]).ok());
        assert!(!m(&[], &["sequential"]).ok());
        assert!(!m(&["no-backlinks"], &["sequential"]).ok());
    }

    /// Throughput is timed on the shape with the most floats, not the most
    /// rows or the widest rows.
    #[test]
    fn the_largest_shape_has_the_most_floats() {
        let shape = |name: &'static str, rows: usize, dim: usize| {
            Shape::new(name, 0, dim, vec![0.5; rows * dim], Vec::new(), 4, 8)
        };
        let shapes = [shape("long", 300, 2), shape("wide", 20, 40), shape("both", 60, 12)];
        assert_eq!(largest(&shapes).name, "wide/seed0");
        assert_eq!(largest(&default_shapes(3)).name, "clustered-16d/seed3");
    }
}
