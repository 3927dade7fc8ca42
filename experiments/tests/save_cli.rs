//! `hnswlab build --save FILE`: the file loads as the index the build made.

use std::path::Path;
use std::process::Command;

use hnswlab::{synthetic, GraphView, Hnsw, NodeId, Params};
use hnswlab_experiments::texmex;
use hnswlab_invariants::{check_all, Expectations};

const N: usize = 300;
const DIM: usize = 5;

fn write_base(dir: &Path) -> Vec<f32> {
    let base = synthetic::clustered(N, DIM, 10, 0.3, 13, 0);
    let qs = synthetic::clustered(20, DIM, 10, 0.3, 13, 1);
    texmex::write(&dir.join("base.fvecs"), DIM, &base).unwrap();
    texmex::write(&dir.join("query.fvecs"), DIM, &qs).unwrap();
    base
}

fn build(dir: &Path, extra: &[&str]) -> std::process::Output {
    let p = |f: &str| dir.join(f).display().to_string();
    let mut args = vec!["build".to_string(), "--base".into(), p("base.fvecs"), "--query".into(), p("query.fvecs")];
    args.extend(["--m", "6", "--ef-construction", "40", "--seed", "9", "--json"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    eprintln!("running: hnswlab {}", args.join(" "));
    Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(&args).output().expect("the hnswlab binary runs")
}

#[test]
fn build_save_writes_the_index_it_built() {
    let dir = tempfile::tempdir().unwrap();
    let base = write_base(dir.path());
    let file = dir.path().join("out.hnswlab");
    let out = build(dir.path(), &["--save", &file.display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let notes = report["notes"].to_string();
    assert!(notes.contains("saved the index to"), "{notes}");

    let loaded = Hnsw::load(&file).expect("load the saved file");
    assert_eq!(loaded.len(), N);
    assert_eq!((loaded.params().m(), loaded.params().ef_construction(), loaded.params().seed()), (6, 40, 9));
    for (row, v) in base.chunks_exact(DIM).enumerate() {
        let id = loaded.id_of(row as u64).unwrap_or_else(|| panic!("label {row} missing"));
        assert_eq!(loaded.vector(id), v, "row {row}");
    }
    let e = Expectations { inserted: Some(N), ..Expectations::for_params(loaded.params()) };
    if let Err(v) = check_all(&loaded, &e) {
        panic!("the saved index fails the checker:\n{v}");
    }

    // The library's own sequential build of the same rows gives the same bytes.
    let p = Params::builder().m(6).ef_construction(40).seed(9).build().unwrap();
    let mut h = Hnsw::new(DIM, p).unwrap();
    for (row, v) in base.chunks_exact(DIM).enumerate() {
        h.insert(row as u64, v).unwrap();
    }
    assert_eq!(h.label(NodeId(0)), 0);
    assert!(std::fs::read(&file).unwrap() == h.to_bytes(), "the CLI's file differs from the library's build");
}

#[test]
fn save_of_a_segmented_build_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_base(dir.path());
    let file = dir.path().join("seg.hnswlab");
    let out =
        build(dir.path(), &["--strategy", "segment-parallel", "--threads", "2", "--save", &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--save writes one index"), "{stderr}");
    assert!(!file.exists());
}
