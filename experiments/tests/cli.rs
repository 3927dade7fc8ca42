//! End-to-end tests of the `hnswlab` binary on tiny data.
//!
//! Every run is deterministic (seeded); each test prints the command it ran.

use std::path::Path;
use std::process::{Command, Output};

use hnswlab::oracle::exact_knn_flat;
use hnswlab::synthetic;
use hnswlab::Metric;
use hnswlab_experiments::texmex;
use serde_json::Value;

const TINY: &[&str] = &["--n", "500", "--dim", "8", "--queries", "50"];

fn run(args: &[&str]) -> Output {
    eprintln!("running: hnswlab {}", args.join(" "));
    let out = Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(args).output().expect("the hnswlab binary runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn run_json(args: &[&str]) -> Value {
    let mut all = vec!["build", "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(0), "expected exit 0 from `hnswlab {}`", all.join(" "));
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    assert_eq!(stdout.lines().count(), 1, "--json prints one line:\n{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{stdout}"))
}

fn recall_at(report: &Value, ef: u64) -> f64 {
    report["search"]
        .as_array()
        .expect("search is a list")
        .iter()
        .find(|p| p["ef"] == ef)
        .unwrap_or_else(|| panic!("no search point at ef {ef}"))["recall_at_10"]
        .as_f64()
        .expect("recall is a number")
}

/// The fields every report must carry, with sane values.
fn assert_report_shape(r: &Value) {
    for key in [
        "vectors_per_second",
        "build_seconds",
        "search",
        "health",
        "violations",
        "params",
        "data",
        "build_stats",
        "memory_bytes",
        "threads",
        "strategy",
    ] {
        assert!(r.get(key).is_some(), "missing `{key}` in {r}");
    }
    for key in ["m", "m0", "ef_construction", "prune", "selection", "seed", "metric"] {
        assert!(r["params"].get(key).is_some(), "missing params.{key}");
    }
    for key in ["name", "n", "dim", "queries"] {
        assert!(r["data"].get(key).is_some(), "missing data.{key}");
    }
    assert_eq!(r["strategy"], "sequential");
    assert!(r["vectors_per_second"].as_f64().unwrap() > 0.0);
    assert!(r["build_seconds"].as_f64().unwrap() > 0.0);
    assert!(r["memory_bytes"].as_u64().unwrap() > 0);
    let search = r["search"].as_array().unwrap();
    assert!(!search.is_empty());
    for p in search {
        let recall = p["recall_at_10"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&recall), "recall {recall} out of [0, 1]");
        assert!(p["qps"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(r["violations"].as_array().map(Vec::len), Some(0), "violations: {}", r["violations"]);
    assert!(r["health"].is_object(), "health is null: {}", r["health"]);
}

#[test]
fn build_clustered_standard_json() {
    let r = run_json(TINY);
    assert_report_shape(&r);
    assert_eq!(r["params"]["prune"], "standard");
    assert_eq!(r["params"]["m"], 16);
    assert_eq!(r["params"]["m0"], 32);
    assert_eq!(r["data"]["name"], "clustered");
    assert_eq!(r["data"]["n"], 500);
    assert_eq!(r["data"]["queries"], 50);
    assert_eq!(r["health"]["nodes"], 500);
    let recall = recall_at(&r, 320);
    assert!(recall >= 0.95, "recall@10 at ef 320 = {recall}, expected >= 0.95");
}

#[test]
fn build_clustered_symmetric_json() {
    let mut args = TINY.to_vec();
    args.extend(["--prune", "symmetric", "--seed", "7"]);
    let r = run_json(&args);
    assert_report_shape(&r);
    assert_eq!(r["params"]["prune"], "symmetric");
    assert_eq!(r["params"]["seed"], 7);
    assert!(r["build_stats"]["symmetric_drops"].is_u64());
    let recall = recall_at(&r, 320);
    assert!(recall >= 0.95, "recall@10 at ef 320 = {recall}, expected >= 0.95");
}

#[test]
fn gaussian_cosine_simple_with_custom_ef_and_threads() {
    let mut args = TINY.to_vec();
    args.extend([
        "--data",
        "gaussian",
        "--metric",
        "cosine",
        "--selection",
        "simple",
        "--ef",
        "10,320",
        "--threads",
        "2",
    ]);
    let r = run_json(&args);
    assert_report_shape(&r);
    assert_eq!(r["data"]["name"], "gaussian");
    assert_eq!(r["params"]["metric"], "cosine");
    assert_eq!(r["params"]["selection"], "simple");
    assert_eq!(r["threads"], 2);
    assert_eq!(r["search"].as_array().unwrap().len(), 2);
    assert_eq!(r["strategy"], "sequential", "the default strategy");
}

#[test]
fn human_output_has_the_summary_tables() {
    let mut args = vec!["build"];
    args.extend_from_slice(TINY);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for want in ["recall@10", "one-way", "unreachable", "invariants: all hard invariants hold"] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
}

#[test]
fn m_below_two_is_rejected_with_a_clear_message() {
    let out = run(&["build", "--m", "1", "--n", "10", "--dim", "2"]);
    assert_eq!(out.status.code(), Some(1), "expected exit 1");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`m` = 1") && err.contains("2..=1024"), "unclear message: {err}");
    assert!(out.stdout.is_empty(), "no report on error");
}

#[test]
fn usage_errors_exit_2() {
    for args in
        [&["build", "--prune", "lazy"][..], &["build", "--base", "only-base.fvecs"][..], &["build", "--n", "-5"][..]]
    {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "`hnswlab {}`", args.join(" "));
    }
}

#[test]
fn ef_below_k_is_rejected() {
    let out = run(&["build", "--n", "50", "--dim", "2", "--ef", "5"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ef 5 is below k = 10"));
}

/// Write a clustered set and its exact ground truth as texmex files.
fn write_texmex(dir: &Path, n: usize, dim: usize, queries: usize) {
    let base = synthetic::clustered(n, dim, 10, 0.3, 11, 0);
    let qs = synthetic::clustered(queries, dim, 10, 0.3, 11, 1);
    let gt: Vec<i32> = qs
        .chunks_exact(dim)
        .flat_map(|q| exact_knn_flat(Metric::L2, &base, dim, q, 20).expect("valid shapes"))
        .map(|s| s.id.0 as i32)
        .collect();
    texmex::write(&dir.join("base.fvecs"), dim, &base).unwrap();
    texmex::write(&dir.join("query.fvecs"), dim, &qs).unwrap();
    texmex::write(&dir.join("gt.ivecs"), 20, &gt).unwrap();
}

#[test]
fn texmex_round_trip_with_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    write_texmex(dir.path(), 400, 6, 30);
    let p = |f: &str| dir.path().join(f).display().to_string();
    let (base, query, gt) = (p("base.fvecs"), p("query.fvecs"), p("gt.ivecs"));
    let r = run_json(&["--base", &base, "--query", &query, "--groundtruth", &gt]);
    assert_report_shape(&r);
    assert_eq!(r["data"]["name"], "base");
    assert_eq!(r["data"]["n"], 400);
    assert_eq!(r["data"]["dim"], 6);
    assert_eq!(r["data"]["queries"], 30);
    assert_eq!(r["data"]["ground_truth"], "file");
    assert_eq!(r["notes"].as_array().map(Vec::len), Some(0), "{}", r["notes"]);
    let recall = recall_at(&r, 320);
    assert!(recall >= 0.95, "recall@10 at ef 320 = {recall}");

    // The same files without --groundtruth give the same recall (exact truth).
    let exact = run_json(&["--base", &base, "--query", &query]);
    assert_eq!(exact["data"]["ground_truth"], "exact");
    assert_eq!(recall_at(&exact, 320), recall);

    // --n and --queries take prefixes of the files.
    let sub = run_json(&["--base", &base, "--query", &query, "--n", "100", "--queries", "5"]);
    assert_eq!((sub["data"]["n"].as_u64(), sub["data"]["queries"].as_u64()), (Some(100), Some(5)));
}

#[test]
fn corrupt_texmex_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_texmex(dir.path(), 50, 4, 5);
    let base = dir.path().join("base.fvecs");
    let bytes = std::fs::read(&base).unwrap();
    std::fs::write(&base, &bytes[..bytes.len() - 3]).unwrap();
    let query = dir.path().join("query.fvecs");
    let out = run(&["build", "--base", base.to_str().unwrap(), "--query", query.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("base.fvecs") && err.contains("truncated") && err.contains("record 49"),
        "unclear message: {err}"
    );

    let wrong_dim =
        run(&["build", "--base", query.to_str().unwrap(), "--query", query.to_str().unwrap(), "--dim", "5"]);
    assert_eq!(wrong_dim.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_dim.stderr).contains("--dim 5 does not match"));
}

#[test]
fn mutants_matrix_catches_every_mutant_and_passes_every_strategy() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(["mutants", "--seeds", "3", "--json"]).output().expect("runs");
    assert!(out.status.success(), "exit {:?}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), hnswlab::registry::all().len());
    for r in rows {
        for field in ["name", "kind", "caught_by", "first_violation", "recall_at_10", "vectors_per_second"] {
            assert!(r.get(field).is_some(), "row lacks {field}: {r}");
        }
        let caught = r["caught_by"].as_array().expect("list");
        match r["kind"].as_str() {
            Some("mutant") => assert!(!caught.is_empty(), "mutant escaped: {r}"),
            Some("strategy") => assert!(caught.is_empty(), "strategy failed: {r}"),
            other => panic!("bad kind {other:?}"),
        }
    }
    assert_eq!(v["escaped"].as_array().map(Vec::len), Some(0));
}

#[test]
fn build_with_a_mutant_exits_3_with_the_violation() {
    let out = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
        .args(["build", "--n", "300", "--dim", "4", "--queries", "20", "--strategy", "one-way-edges", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let first = v["violations"][0].as_str().expect("a violation");
    assert!(first.contains("I3"), "{first}");
}

#[test]
fn every_strategy_builds_through_the_cli() {
    for s in hnswlab::registry::strategies() {
        let out = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
            .args([
                "build",
                "--n",
                "600",
                "--dim",
                "8",
                "--queries",
                "30",
                "--threads",
                "2",
                "--json",
                "--strategy",
                s.name(),
            ])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}: {}", s.name(), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["strategy"].as_str(), Some(s.name()));
        assert_eq!(v["violations_total"].as_u64(), Some(0), "{}: {}", s.name(), v["violations"]);
    }
}

#[test]
fn unknown_strategy_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
        .args(["build", "--n", "50", "--strategy", "nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown strategy `nope`") && err.contains("batched-deterministic-parallel"), "{err}");
}

/// I4's contract: without `--verify-inserts` a self-miss is counted, not a
/// violation (exit 0); with it the build repairs every miss. At m 3 and
/// efConstruction 2 the paper's insert leaves a few 2-d Gaussian points
/// unable to find themselves.
#[test]
fn self_misses_are_a_census_unless_verify_inserts_promised_them() {
    let args = [
        "--data",
        "gaussian",
        "--n",
        "500",
        "--dim",
        "2",
        "--queries",
        "20",
        "--m",
        "3",
        "--ef-construction",
        "2",
        "--seed",
        "1",
        "--ef",
        "10",
    ];
    let r = run_json(&args);
    let misses = r["insert_self_misses"].as_u64().expect("insert_self_misses is a count");
    assert!(misses >= 1, "some insert misses itself: {r}");
    assert_eq!(r["violations"].as_array().map(Vec::len), Some(0), "{r}");
    let mut verified = args.to_vec();
    verified.push("--verify-inserts");
    let r = run_json(&verified);
    assert_eq!(r["insert_self_misses"].as_u64(), Some(0), "--verify-inserts repairs every miss: {r}");
    assert!(r["build_stats"]["findability_repairs"].as_u64().unwrap_or(0) >= 1, "{r}");
}
