//! `hnswlab churn` at tiny size: the JSON holds every policy and round, the
//! live count stays n, round 0 is the same graph for every core policy, the
//! rebuild is whole, no policy returns short lists; hnswlib's rows are there
//! when `$HNSWLAB_PYTHON` names an interpreter with hnswlib (else a printed
//! note), and a missing interpreter is a note, never an error. `--out` and a
//! report config's `[churn]` section publish the tables, JSON and charts.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const CORE: [&str; 4] = ["tombstone", "replace", "consolidate", "rebuild"];
const SEED: &str = "7";

/// `hnswlab churn` on 500 x 8 clustered vectors, 3 rounds of 10 %, plus `extra`.
fn churn(extra: &[&str], env: Option<(&str, &str)>) -> Output {
    let mut args = vec!["churn", "--n", "500", "--dim", "8", "--queries", "50", "--rounds", "3", "--seed", SEED];
    args.extend_from_slice(extra);
    eprintln!("running: hnswlab {} (seed {SEED})", args.join(" "));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hnswlab"));
    cmd.args(&args);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("hnswlab runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "exit status; stdout:\n{}", String::from_utf8_lossy(&out.stdout));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn rows_of<'a>(v: &'a Value, policy: &str) -> Vec<&'a Value> {
    v["rows"].as_array().expect("rows").iter().filter(|r| r["policy"] == policy).collect()
}

#[test]
fn every_policy_and_round_is_reported_and_the_invariants_of_churn_hold() {
    let v = json(&churn(&["--json"], None));
    assert_eq!(v["rows"].as_array().map(Vec::len).unwrap_or(0) % 4, 0, "4 rounds per policy");
    for p in CORE {
        let mine = rows_of(&v, p);
        let rounds: Vec<u64> = mine.iter().map(|r| r["round"].as_u64().unwrap()).collect();
        assert_eq!(rounds, [0, 1, 2, 3], "{p}: rounds");
        for r in &mine {
            assert_eq!(r["live"], 500, "{p}: live count after round {}: {r}", r["round"]);
            assert_eq!(r["short_results"], 0, "{p} returned short lists: {r}");
            let recall = r["recall_at_10"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&recall), "{p}: {r}");
            assert!(r["qps"].as_f64().unwrap() > 0.0 && r["seconds"].as_f64().unwrap() > 0.0, "{p}: {r}");
            let one_way = r["one_way_fraction_l0"].as_f64().unwrap();
            assert!((0.0..1.0).contains(&one_way), "{p}: {r}");
        }
    }
    let key = |r: &Value| {
        ["live", "unreachable_l0", "unreachable_l1", "zero_in_degree_l0", "one_way_fraction_l0", "recall_at_10"]
            .map(|k| r[k].clone())
    };
    let first = key(rows_of(&v, "rebuild")[0]);
    for p in CORE {
        assert_eq!(key(rows_of(&v, p)[0]), first, "{p}: round 0 is the same initial build for every policy");
    }
    for r in rows_of(&v, "rebuild") {
        assert_eq!(r["unreachable_l0"].as_u64(), Some(0), "a fresh build leaves no live node unreachable: {r}");
        assert!(r["recall_at_10"].as_f64().unwrap() >= 0.95, "a fresh 500-vector build at ef 64: {r}");
    }
    for r in rows_of(&v, "consolidate") {
        assert!(r["recall_at_10"].as_f64().unwrap() >= 0.9, "consolidate: {r}");
        assert_eq!(r["edges_into_dead_l0"], 0, "an edge into a dead slot survived the consolidation: {r}");
    }
    let tombstone = rows_of(&v, "tombstone");
    assert!(
        tombstone[3]["edges_into_dead_l0"].as_u64().unwrap() > 0,
        "tombstones keep their in-edges: {}",
        tombstone[3]
    );
    let summary: Vec<&str> = v["summary"].as_array().unwrap().iter().map(|s| s["policy"].as_str().unwrap()).collect();
    for p in CORE {
        assert!(summary.contains(&p), "summary lacks {p}: {summary:?}");
    }
    match std::env::var("HNSWLAB_PYTHON") {
        Ok(python) if !python.is_empty() => {
            let lib = rows_of(&v, "hnswlib");
            assert_eq!(lib.len(), 4, "hnswlib rows with HNSWLAB_PYTHON={python}; notes: {}", v["notes"]);
            for r in lib {
                assert_eq!(r["live"], 500, "hnswlib's saved index, read back: {r}");
                assert!(r["recall_at_10"].as_f64().unwrap() >= 0.8, "hnswlib: {r}");
            }
        }
        _ => println!("note: HNSWLAB_PYTHON is not set; hnswlib rows not required (notes: {})", v["notes"]),
    }
}

#[test]
fn a_missing_python_is_a_note_and_updates_keep_the_live_count() {
    let out = churn(
        &["--json", "--policies", "replace,hnswlib", "--update-fraction", "0.05"],
        Some(("HNSWLAB_PYTHON", "/nonexistent/python")),
    );
    let v = json(&out);
    assert!(rows_of(&v, "hnswlib").is_empty(), "hnswlib rows without an interpreter");
    let notes = v["notes"].to_string();
    assert!(notes.contains("hnswlib skipped"), "no note on the skipped peer: {notes}");
    let replace = rows_of(&v, "replace");
    assert_eq!(replace.len(), 4);
    assert!(replace.iter().all(|r| r["live"] == 500 && r["short_results"] == 0), "{replace:?}");
    assert!(rows_of(&v, "tombstone").is_empty(), "only the policies asked for");
}

#[test]
fn bad_flags_are_refused_before_anything_runs() {
    for (flag, value, want) in
        [("--fraction", "1.5", "fraction"), ("--policies", "nope", "unknown churn policy"), ("--ef", "3", "ef 3")]
    {
        let out = churn(&[flag, value], None);
        assert_eq!(out.status.code(), Some(1), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{flag} {value}: {stderr}");
    }
}

fn assert_published(dir: &Path, markdown: &str) {
    for f in [
        markdown,
        "churn.json",
        "churn-unreachable.png",
        "churn-unreachable.svg",
        "churn-recall.png",
        "churn-recall.svg",
    ] {
        let len = std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 100, "{f}: {len} bytes in {}", dir.display());
    }
    let md = std::fs::read_to_string(dir.join(markdown)).unwrap();
    for p in ["tombstone", "consolidate"] {
        assert!(md.contains(&format!("### {p}")), "{markdown} has no table for {p}");
    }
}

#[test]
fn out_and_a_report_config_publish_tables_json_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("churn");
    let run = churn(&["--policies", "tombstone,consolidate,rebuild", "--out", out.to_str().unwrap()], None);
    assert_eq!(run.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&run.stdout).contains("| round | live |"), "human tables on stdout");
    assert_published(&out, "README.md");
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("**Command:**") && readme.contains("Load average"), "provenance: {readme}");

    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "name = \"c\"\n[churn]\nn = 300\ndim = 4\nqueries = 20\nrounds = 2\npolicies = [\"tombstone\", \"consolidate\", \"rebuild\"]\n",
    )
    .unwrap();
    let report = dir.path().join("report");
    let run = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
        .args(["report", "--config", config.to_str().unwrap(), "--out", report.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_published(&report, "churn.md");
    let results: Value = serde_json::from_str(&std::fs::read_to_string(report.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["churn"]["rows"].as_array().map(Vec::len), Some(3 * 3), "3 policies x rounds 0..=2");
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("## Churn") && md.contains("churn-recall.png"), "report.md lacks the churn section");
}
