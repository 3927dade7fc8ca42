//! Small `hnswlab fidelity` runs against hnswlib (skipped with a note when
//! Python, numpy or hnswlib are missing): the duplicates shape with more
//! copies per clump than 2M + 2, where an oldest-first order among equal
//! distances would strand every later copy, must not be flagged; and the
//! committed `fidelity-quick.toml` report config publishes the comparison
//! with its report.

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

/// The committed `fidelity-quick.toml` report config: `hnswlab report` runs
/// the comparison and publishes its tables and chart with the report.
#[test]
fn a_report_config_with_a_fidelity_section_publishes_the_comparison() {
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/fidelity-quick.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fidelity-quick");
    eprintln!("running: hnswlab report --config {} --out {}", config.display(), out.display());
    let run = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
        .arg("report")
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "report failed:\n{stderr}");
    let report = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(report.contains("## Fidelity to hnswlib"), "{report}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).expect("results.json")).unwrap();
    let fidelity: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fidelity.json")).expect("fidelity.json")).unwrap();
    assert_eq!(results["fidelity"], fidelity, "results.json and fidelity.json disagree");
    let rows = fidelity["rows"].as_array().expect("rows");
    if rows.is_empty() {
        println!("note: skipped, hnswlib not available: {}", fidelity["notes"]);
        assert!(report.contains("hnswlib is not available"), "the skip is not in report.md:\n{report}");
        return;
    }
    for shape in ["duplicates-32d", "lattice-4d"] {
        let here: Vec<&Value> = rows.iter().filter(|r| r["shape"] == shape).collect();
        assert_eq!(here.len(), 13, "{shape}: 4 metrics x 2 layers, 2 level shares, 2 recalls, self-miss");
        assert!(report.contains(&format!("### {shape}")), "no table for {shape} in report.md");
        for r in &here {
            for lib in ["hnswlib", "hnswlab"] {
                let (lo, mean, hi) = (
                    r[lib]["min"].as_f64().unwrap(),
                    r[lib]["mean"].as_f64().unwrap(),
                    r[lib]["max"].as_f64().unwrap(),
                );
                assert!(lo <= mean && mean <= hi, "{shape} {lib}: {r}");
            }
        }
    }
    let stranded = rows
        .iter()
        .find(|r| r["shape"] == "duplicates-32d" && r["metric"] == "L0 in-degree 0 / nodes")
        .expect("in-degree row");
    assert_eq!(stranded["flagged"], false, "copies stranded unlike hnswlib: {stranded}");
    for f in ["fidelity.md", "fidelity.png", "fidelity.svg", "results.csv"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(report.contains("(fidelity.png)"), "the chart is not linked from report.md");
}
