//! `hnswlab compare`: QPS at a target recall off a sweep, the rotating order
//! of rounds, medians and spreads, ratios per round, and an end-to-end run on
//! tiny data without the Python libraries (CI has none).

use std::path::Path;
use std::process::Command;

use hnswlab_experiments::compare::config::CompareConfig;
use hnswlab_experiments::compare::measure::Measurement;
use hnswlab_experiments::compare::plan::{entrants, rotation, schedule, Entrant};
use hnswlab_experiments::compare::summary::{medians, qps_at_recall, ratios, spread, Point};

fn p(ef: usize, recall_at_10: f64, qps: f64) -> Point {
    Point { ef, recall_at_10, qps }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn qps_at_recall_interpolates_log_qps_between_the_bracketing_points() {
    // Out of ef order on purpose: the sweep is taken in ef order.
    let sweep = [p(40, 0.96, 1000.0), p(10, 0.80, 8000.0), p(20, 0.90, 4000.0), p(80, 0.99, 500.0)];
    // 0.95 lies 5/6 of the way from 0.90 (4000) to 0.96 (1000):
    // exp(ln 4000 + 5/6 (ln 1000 - ln 4000)) = 4000 * (1/4)^(5/6).
    let at = qps_at_recall(&sweep, 0.95).expect("reached");
    let expected = 4000.0 * 0.25f64.powf(5.0 / 6.0);
    assert!(close(at.qps, expected), "qps {} expected {expected}", at.qps);
    assert!(close(at.ef, 20.0 + 20.0 * 5.0 / 6.0), "ef {}", at.ef);
    assert!(!at.lower_bound);
    // A target met exactly at a sweep point gives that point's QPS.
    let exact = qps_at_recall(&sweep, 0.90).unwrap();
    assert!(close(exact.qps, 4000.0) && close(exact.ef, 20.0), "{exact:?}");
    // Halfway in recall is the geometric mean in QPS.
    let half = qps_at_recall(&[p(10, 0.5, 100.0), p(20, 0.7, 25.0)], 0.6).unwrap();
    assert!(close(half.qps, 50.0), "{half:?}");
}

#[test]
fn qps_at_recall_reports_not_reached_and_sweeps_that_start_above_the_target() {
    let low = [p(10, 0.5, 900.0), p(20, 0.8, 500.0), p(40, 0.949, 200.0)];
    assert_eq!(qps_at_recall(&low, 0.95), None, "0.949 does not reach 0.95");
    assert_eq!(qps_at_recall(&[], 0.95), None);
    let high = [p(10, 0.97, 900.0), p(20, 0.99, 500.0)];
    let at = qps_at_recall(&high, 0.95).unwrap();
    assert!(at.lower_bound && close(at.qps, 900.0), "{at:?}");
    // A dip after the first crossing does not matter: the first bracket counts.
    let bumpy = [p(10, 0.9, 400.0), p(20, 0.96, 200.0), p(40, 0.94, 150.0), p(80, 0.99, 100.0)];
    let at = qps_at_recall(&bumpy, 0.95).unwrap();
    assert!(at.ef > 10.0 && at.ef < 20.0, "{at:?}");
}

#[test]
fn the_order_rotates_by_one_each_round() {
    let items = ["hnswlab", "hnswlib", "faiss"];
    assert_eq!(rotation(&items, 0), ["hnswlab", "hnswlib", "faiss"]);
    assert_eq!(rotation(&items, 1), ["hnswlib", "faiss", "hnswlab"]);
    assert_eq!(rotation(&items, 2), ["faiss", "hnswlab", "hnswlib"]);
    assert_eq!(rotation(&items, 3), rotation(&items, 0));
    assert!(rotation::<u8>(&[], 5).is_empty());

    let c = CompareConfig::parse(include_str!("../configs/compare-quick.toml")).unwrap();
    let at2 = entrants(&c, 2);
    let labels: Vec<String> = at2.iter().map(Entrant::label).collect();
    assert_eq!(labels, ["hnswlab/concurrent", "hnswlab/batched-deterministic-parallel", "hnswlib", "faiss"]);
    let steps = schedule(&c);
    // 2 rounds x (3 entrants at 1 thread + 4 at 2 threads) on one data set.
    assert_eq!(steps.len(), 2 * (3 + 4));
    let order = |round: usize, threads: usize| -> Vec<String> {
        steps.iter().filter(|s| s.round == round && s.threads == threads).map(|s| s.entrant.label()).collect()
    };
    assert_eq!(order(0, 1), ["hnswlab/sequential", "hnswlib", "faiss"]);
    assert_eq!(order(1, 1), ["hnswlib", "faiss", "hnswlab/sequential"]);
    assert_eq!(order(1, 2), ["hnswlab/batched-deterministic-parallel", "hnswlib", "faiss", "hnswlab/concurrent"]);
    assert!(steps.iter().filter(|s| s.round == 1 && s.threads == 1).map(|s| s.position).eq(0..3));
    assert!(steps.windows(2).all(|w| w[0].round <= w[1].round), "rounds run one after another");
}

#[test]
fn spread_gives_the_median_and_the_range() {
    let s = spread(&[3.0, 1.0, 2.0]).unwrap();
    assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
    let even = spread(&[4.0, 1.0, 2.0, 10.0]).unwrap();
    assert_eq!((even.median, even.min, even.max, even.n), (3.0, 1.0, 10.0, 4));
    let skips_nan = spread(&[f64::NAN, 5.0]).unwrap();
    assert_eq!((skips_nan.median, skips_nan.n), (5.0, 1));
    assert_eq!(spread(&[]), None);
    assert_eq!(spread(&[f64::INFINITY]), None);
}

fn row(entrant: &Entrant, threads: usize, round: usize, vps: f64, sweep: &[Point]) -> Measurement {
    let mut m = Measurement {
        round,
        dataset: "d".into(),
        n: 1000,
        library: entrant.library.clone(),
        strategy: entrant.strategy.clone(),
        threads,
        rss_growth_bytes: Some(if entrant.is_hnswlab() { 100 } else { 150 }),
        memory_bytes: entrant.is_hnswlab().then_some(80),
        ..Default::default()
    };
    m.record(
        hnswlab_experiments::compare::measure::Measured {
            build_seconds: 1000.0 / vps,
            rss_growth_bytes: m.rss_growth_bytes,
            memory_bytes: m.memory_bytes,
            search: sweep.to_vec(),
        },
        0.95,
    );
    m
}

#[test]
fn ratios_divide_measurements_of_the_same_round() {
    let (ours, theirs) = (Entrant::hnswlab("sequential"), Entrant::library("hnswlib"));
    let sweep = |q: f64| vec![p(10, 0.9, 2.0 * q), p(20, 1.0, q)];
    let rows = vec![
        row(&ours, 1, 0, 200.0, &sweep(100.0)),
        row(&theirs, 1, 0, 100.0, &sweep(50.0)),
        row(&ours, 1, 1, 300.0, &sweep(100.0)),
        row(&theirs, 1, 1, 100.0, &sweep(100.0)),
        row(&ours, 1, 2, 100.0, &sweep(100.0)),
        // hnswlib never reaches 0.95 in round 2: no QPS ratio that round.
        row(&theirs, 1, 2, 100.0, &[p(10, 0.5, 10.0)]),
    ];
    let strategies = |_: usize| vec![ours.clone()];
    let rs = ratios(&rows, "d", &[1], &strategies, std::slice::from_ref(&theirs), 3, 0.95);
    let find = |metric: &str| rs.iter().find(|r| r.metric.starts_with(metric)).unwrap_or_else(|| panic!("{metric}"));
    let build = find("build vectors/s");
    assert_eq!(build.per_round, [Some(2.0), Some(3.0), Some(1.0)]);
    let s = build.spread.unwrap();
    assert_eq!((s.median, s.min, s.max, s.n), (2.0, 1.0, 3.0, 3));
    assert_eq!((build.numerator.as_str(), build.denominator.as_str()), ("hnswlab/sequential t1", "hnswlib t1"));
    let qps = find("QPS @ recall 0.95");
    assert_eq!(qps.per_round.len(), 3);
    assert!(close(qps.per_round[0].unwrap(), 2.0) && close(qps.per_round[1].unwrap(), 1.0), "{:?}", qps.per_round);
    assert_eq!(qps.per_round[2], None);
    let memory = find("memory: RSS growth");
    assert_eq!(memory.per_round, [Some(1.5); 3], "library ÷ hnswlab");
    assert_eq!(memory.denominator, "hnswlab/sequential t1");
    let m = medians(&rows);
    assert_eq!(m.len(), 2);
    assert_eq!((m[0].entrant.as_str(), m[0].reached_target, m[1].reached_target), ("hnswlab/sequential", 3, 2));
    assert_eq!(m[0].vectors_per_second.unwrap().median, 200.0);
}

const TINY: &str = r#"
name = "tiny-compare"
seed = 7
m = 8
ef_construction = 40
threads = [1, 2]
rounds = 1
ef = [10, 20, 40]
target_recall = 0.9
# hnswlib is listed but the interpreter does not exist: it must be skipped with a note.
libs = ["hnswlib"]
python = "/nonexistent/python3"

[strategies]
1 = ["sequential"]
2 = ["concurrent"]

[[datasets]]
name = "clustered-2k"
kind = "clustered"
n = 2000
dim = 16
queries = 100

[[datasets]]
name = "absent"
kind = "texmex"
base = "/nonexistent/base.fvecs"
query = "/nonexistent/query.fvecs"
"#;

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn compare_on_a_tiny_config_writes_every_file_without_python() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tiny.toml");
    std::fs::write(&config, TINY).unwrap();
    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_hnswlab"))
        .args(["compare", "--json", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "compare failed: {stderr}");

    // One row per measurement: sequential at 1 thread, concurrent at 2.
    let csv = lines(&out.join("compare.csv"));
    assert!(csv[0].starts_with("round,position,dataset,"), "{}", csv[0]);
    assert_eq!(csv.len(), 1 + 2, "{csv:#?}");
    let header: Vec<&str> = csv[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in &csv[1..] {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), header.len(), "{line}");
        assert_eq!((f[col("library")], f[col("dataset")], f[col("error")]), ("hnswlab", "clustered-2k", ""));
        let vps: f64 = f[col("vectors_per_second")].parse().unwrap();
        assert!(vps > 0.0, "{line}");
        let memory: u64 = f[col("memory_bytes")].parse().unwrap();
        assert!(memory > 2000 * 16 * 4, "the index holds at least the vectors: {memory}");
        let recall: f64 = f[col("max_recall")].parse().unwrap();
        assert!(recall >= 0.9, "recall {recall} at ef 40 on 2k points");
        assert!(!f[col("qps_at_target")].is_empty(), "target 0.9 not reached: {line}");
    }
    assert_eq!(lines(&out.join("compare-sweep.csv")).len(), 1 + 2 * 3, "one row per measurement and ef");

    // The summary on stdout, and the notes: hnswlib and the absent data set skipped.
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).expect("--json prints one object");
    let notes: Vec<&str> = summary["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.starts_with("hnswlib skipped") && n.contains("/nonexistent/python3")), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("absent: skipped")), "{notes:?}");
    // Without a library only hnswlab's own scaling ratio remains.
    let ratios = summary["ratios"].as_array().unwrap();
    assert_eq!(ratios.len(), 1, "{ratios:#?}");
    assert_eq!(ratios[0]["numerator"], "hnswlab/concurrent t2");
    assert_eq!(ratios[0]["denominator"], "hnswlab/sequential t1");
    assert!(ratios[0]["spread"]["median"].as_f64().is_some_and(|r| r > 0.0));
    assert_eq!(summary["medians"].as_array().unwrap().len(), 2);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["measurements"].as_array().unwrap().len(), 2);
    assert!(json["meta"]["commit"].is_string() && json["meta"]["machine"]["nproc"].as_u64() >= Some(1));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("cargo run --release -p hnswlab-experiments --bin hnswlab -- compare --json --config"), "{md}");
    assert!(md.contains("## Ratios") && md.contains("hnswlab/concurrent t2 ÷ hnswlab/sequential t1"), "{md}");
    for chart in ["build-throughput-clustered-2k", "recall-qps-clustered-2k"] {
        for ext in ["png", "svg"] {
            let f = out.join(format!("{chart}.{ext}"));
            let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
            assert!(len > 1000, "{} missing or empty ({len} bytes)", f.display());
        }
        assert!(md.contains(&format!("({chart}.png)")), "compare.md does not show {chart}");
    }
    let svg = std::fs::read_to_string(out.join("recall-qps-clustered-2k.svg")).unwrap();
    assert!(svg.contains("recall@10") && svg.contains("hnswlab/sequential"), "chart text missing");
}

#[test]
fn a_bad_compare_config_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, TINY.replace("2 = [\"concurrent\"]", "2 = [\"no-such-strategy\"]")).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(["compare", "--config"]).arg(&config).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("unknown strategy `no-such-strategy`"));
}
