//! `hnswlab build --profile`: the table, the JSON `profile` object, and no
//! change to the output without the flag.

use std::process::{Command, Output};

use serde_json::Value;

const TINY: &[&str] = &["build", "--n", "600", "--dim", "8", "--queries", "40", "--ef", "10,40"];

fn run(extra: &[&str]) -> Output {
    let args: Vec<&str> = TINY.iter().chain(extra).copied().collect();
    eprintln!("running: hnswlab {}", args.join(" "));
    let out = Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(&args).output().expect("the hnswlab binary runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "expected exit 0 from `hnswlab {}`", args.join(" "));
    out
}

fn json(extra: &[&str]) -> Value {
    let out = run(&[&["--json"], extra].concat());
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn json_profile_has_every_phase_and_the_distance_rates() {
    for strategy in ["sequential", "batched-deterministic-parallel", "concurrent"] {
        let r = json(&["--profile", "--strategy", strategy, "--threads", "2"]);
        let p = &r["profile"];
        assert!(p.is_object(), "{strategy}: no profile object in {r}");
        let mut distances = 0;
        let mut share = 0.0;
        for phase in ["descent", "search", "select", "link", "alloc"] {
            let s = p[phase]["seconds"].as_f64().unwrap_or_else(|| panic!("{strategy}: {phase}.seconds in {p}"));
            assert!(s >= 0.0, "{strategy}: {phase} took {s} s");
            distances += p[phase]["distances"].as_u64().unwrap_or_else(|| panic!("{strategy}: {phase}.distances"));
            share += p[phase]["share"].as_f64().unwrap();
        }
        assert!((share - 1.0).abs() < 1e-9, "{strategy}: shares sum to {share}");
        let build = r["build_stats"]["distances"].as_u64().unwrap();
        assert_eq!(distances, build, "{strategy}: phase distances vs build_stats.distances");
        let per_insert = p["distances_per_insert"].as_f64().unwrap();
        assert!((per_insert - build as f64 / 600.0).abs() < 1e-6, "{strategy}: {per_insert} per insert");
        let per_query: Vec<(u64, f64)> = p["distances_per_query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| (q["ef"].as_u64().unwrap(), q["distances_per_query"].as_f64().unwrap()))
            .collect();
        let swept: Vec<(u64, f64)> = r["search"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| (q["ef"].as_u64().unwrap(), q["distances_per_query"].as_f64().unwrap()))
            .collect();
        assert_eq!(per_query, swept, "{strategy}: distances per query differ from the sweep");
        assert!(per_query[1].1 > per_query[0].1, "{strategy}: ef 40 should cost more than ef 10: {per_query:?}");
    }
}

#[test]
fn without_the_flag_there_is_no_profile() {
    let r = json(&[]);
    assert!(r.get("profile").is_none(), "profile printed without --profile: {}", r["profile"]);
    assert!(r["build_stats"].get("profile").is_none(), "build_stats grew a profile: {}", r["build_stats"]);
    let text = String::from_utf8(run(&[]).stdout).unwrap();
    assert!(!text.contains("profile"), "human output mentions the profile:\n{text}");
}

#[test]
fn human_table_has_a_row_per_phase() {
    let text = String::from_utf8(run(&["--profile"]).stdout).unwrap();
    println!("{text}");
    for phase in ["descent", "search", "select", "link", "alloc", "total"] {
        assert!(text.lines().any(|l| l.starts_with(phase)), "no `{phase}` row:\n{text}");
    }
    assert!(text.contains("distances per query: ef 10 "), "{text}");
}
