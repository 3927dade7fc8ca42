//! End-to-end: `hnswlab report` on a tiny config writes the CSV, the JSON
//! sidecar, report.md and every chart as PNG and SVG.

use std::path::Path;
use std::process::Command;

const TINY: &str = r#"
name = "tiny"
description = "test"
seed = 7
mutants = true
threads = [1, 2]
repetitions = 1
ef = [10, 20, 40]
fixed_ef = 20

[[builds]]
m = 6
ef_construction = 32

[[datasets]]
name = "clustered-small"
kind = "clustered"
n = 800
dim = 8
queries = 50

[[datasets]]
name = "lattice-small"
kind = "lattice"
n = 400
dim = 2
range = 5
queries = 40
mutants = true
"#;

fn hnswlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hnswlab"))
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("results.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").split(',').map(String::from).collect();
    // No field of this run holds a comma, so a plain split is exact.
    let rows = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn report_on_a_tiny_config_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, TINY).unwrap();
    let out = dir.path().join("out");
    let run = hnswlab().arg("report").arg("--config").arg(&config).arg("--out").arg(&out).output().unwrap();
    assert!(run.status.success(), "report failed: {}", String::from_utf8_lossy(&run.stderr));

    // CSV: one row per (run, ef); 5 strategies x 2 thread counts on 2 data sets, plus 9 mutants on one.
    let (header, rows) = csv_rows(&out.join("results.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let strategies = hnswlab::registry::strategies().len();
    let mutants = hnswlab::registry::all().len() - strategies;
    let runs = strategies * 2 * 2 + mutants;
    assert_eq!(rows.len(), runs * 3, "rows: expected {runs} runs x 3 ef");
    for row in &rows {
        assert_eq!(row.len(), header.len(), "ragged row {row:?}");
        let recall: f64 = row[col("recall_at_10")].parse().expect("recall is a number");
        assert!((0.0..=1.0).contains(&recall), "recall {recall}");
        let qps: f64 = row[col("qps")].parse().unwrap();
        assert!(qps > 0.0);
        let (p50, p99): (f64, f64) =
            (row[col("latency_p50_us")].parse().unwrap(), row[col("latency_p99_us")].parse().unwrap());
        assert!(p50 <= p99, "p50 {p50} > p99 {p99}");
        assert!(row[col("run")].starts_with(&format!("{}/{}/", row[col("dataset")], row[col("strategy")])));
        if row[col("kind")] == "strategy" {
            assert_eq!(row[col("violations")], "0", "a real strategy broke an invariant: {row:?}");
            assert!(!row[col("one_way_fraction")].is_empty(), "no census for {row:?}");
            let best: f64 = row[col("recall_at_10")].parse().unwrap();
            if row[col("ef")] == "40" {
                assert!(best >= 0.9, "{}: recall {best} at ef 40", row[col("run")]);
            }
            let search: f64 = row[col("search_seconds")].parse().expect("a profiled build");
            let per_insert: f64 = row[col("distances_per_insert")].parse().unwrap();
            let build: f64 = row[col("build_distances")].parse().unwrap();
            let n: f64 = row[col("n")].parse().unwrap();
            assert!(search > 0.0, "no candidate-search time in {row:?}");
            assert!((per_insert - build / n).abs() <= 1e-6 * build, "profile distances {per_insert} x {n} != {build}");
        }
    }
    assert!(rows.iter().any(|r| r[col("kind")] == "mutant"), "no mutant rows");

    // JSON sidecar: provenance and the runs.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let meta = &json["meta"];
    assert!(meta["commit"].as_str().is_some_and(|c| !c.is_empty()), "{meta}");
    assert_eq!(meta["seed"], 7);
    assert!(meta["machine"]["nproc"].as_u64().is_some_and(|n| n >= 1));
    assert!(meta["machine"]["cpu_model"].is_string());
    assert!(meta["rustc"].is_string());
    assert!(meta["command"].as_str().unwrap().contains("report --config"));
    assert_eq!(json["runs"].as_array().unwrap().len(), runs);
    assert!(json["metrics"].as_array().unwrap().iter().any(|m| m["key"] == "qps" && m["better"] == "higher"));

    // Charts: five per data set, PNG and SVG, non-empty; report.md names them.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains(meta["commit"].as_str().unwrap()) && md.contains("report --config"));
    assert!(md.contains("## Insertion profile") && md.contains("distances per insert"), "no profile table");
    for ds in ["clustered-small", "lattice-small"] {
        for chart in ["recall-qps", "build-threads", "build-vs-recall", "health", "profile"] {
            for ext in ["png", "svg"] {
                let f = out.join(format!("{chart}-{ds}.{ext}"));
                let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                assert!(len > 1000, "{} missing or empty ({len} bytes)", f.display());
            }
            assert!(md.contains(&format!("({chart}-{ds}.png)")), "report.md does not show {chart}-{ds}");
        }
    }
    let svg = std::fs::read_to_string(out.join("recall-qps-lattice-small.svg")).unwrap();
    assert!(svg.contains("recall@10") && svg.contains("sequential"), "chart text missing from the SVG");
}

#[test]
fn a_bad_config_fails_with_a_message_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, TINY.replace("fixed_ef = 20", "fixed_ef = 30")).unwrap();
    let out = dir.path().join("out");
    let run = hnswlab().arg("report").arg("--config").arg(&config).arg("--out").arg(&out).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("fixed_ef"), "{err}");
    assert!(!out.exists(), "output folder created for an invalid config");
}

#[test]
fn a_config_path_beginning_with_a_dash_is_a_path() {
    // `-x.toml` relative to the working directory, given as the value of
    // `--config` (separately and with `=`): the file is read and its own
    // mistake reported (exit 1), never a usage error about a flag `-x` (exit 2).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("-x.toml"), TINY.replace("fixed_ef = 20", "fixed_ef = 30")).unwrap();
    let cases: [&[&str]; 4] = [
        &["report", "--config", "-x.toml", "--out", "-out"],
        &["report", "--config=-x.toml"],
        &["compare", "--config", "-x.toml", "--out", "-out"],
        &["compare", "--config=-x.toml"],
    ];
    for args in cases {
        let run = hnswlab().args(args).current_dir(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("config -x.toml"), "{args:?}: the error does not name the file: {stderr}");
        let report = args[0] == "report";
        let want = if report { "fixed_ef 30 is not one of ef" } else { "invalid comparison config" };
        assert!(stderr.contains(want), "{args:?}: the file's content was not what failed: {stderr}");
        assert!(!dir.path().join("-out").exists(), "{args:?}: a rejected config published a folder");
    }
}
