//! A small `hnswlab fidelity` run against hnswlib (skipped with a note when
//! Python, numpy or hnswlib are missing): the duplicates shape with more
//! copies per clump than 2M + 2, where an oldest-first order among equal
//! distances would strand every later copy, must not be flagged.

use std::process::Command;

use serde_json::Value;

#[test]
fn duplicates_shape_is_within_hnswlib_seed_spread() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fidelity");
    let args = [
        "fidelity",
        "--shapes",
        "duplicates-32d",
        "--seeds",
        "1,2",
        "--n",
        "4000",
        "--queries",
        "100",
        "--m",
        "4",
        "--ef-construction",
        "100",
        "--ef",
        "10,50",
    ];
    eprintln!("running: hnswlab {} --out {}", args.join(" "), out.display());
    let run = Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(args).arg("--out").arg(&out).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    eprintln!("stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&run.stderr));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fidelity.json")).expect("fidelity.json")).unwrap();
    if report["rows"].as_array().is_some_and(Vec::is_empty) {
        println!("note: skipped, hnswlib not available: {}", report["notes"]);
        return;
    }
    assert_eq!(run.status.code(), Some(0), "a metric was flagged:\n{stdout}");
    let rows = report["rows"].as_array().unwrap();
    let zero_in = rows.iter().find(|r| r["metric"] == "L0 in-degree 0 / nodes").expect("in-degree row");
    assert_eq!(zero_in["flagged"], false, "{zero_in}");
    for f in ["fidelity.md", "fidelity.png", "fidelity.svg"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}
