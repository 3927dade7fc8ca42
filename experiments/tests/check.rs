//! `hnswlab check` on index files written by hnswlib 0.8 and faiss.
//!
//! A fixture step builds small indexes through the Python interpreter
//! (`$HNSWLAB_PYTHON`, else `python3`) with `experiments/scripts/foreign_index.py`;
//! every test here prints a note and returns when hnswlib / faiss are missing.
//! The clean files must check healthy (exit 0); copies corrupted at chosen
//! byte offsets must give exactly the planted defect, with its offset (exit 3),
//! or a typed read error (exit 1). The census of the hnswlib file is compared
//! with a parse and a census written here, independently of the reader and of
//! the checker.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use hnswlab::foreign::{self, hnswlib, FileDefect, ReadError};
use hnswlab::{Layer, Metric, NodeId};
use serde_json::Value;

const N: usize = 300;
const DIM: usize = 8;
const M: usize = 8;
const SEED: u64 = 100;

/// The fixture directory, or `None` (with a printed note) when the Python
/// packages are missing.
fn fixture() -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/foreign_index.py");
        let python = hnswlab_experiments::python::interpreter();
        let args = [N.to_string(), DIM.to_string(), M.to_string(), SEED.to_string()];
        println!(
            "fixture: {python} foreign_index.py --n {} --dim {} --m {} --seed {}",
            args[0], args[1], args[2], args[3]
        );
        let out = Command::new(&python)
            .arg(&script)
            .arg(dir.path())
            .args(["--n", &args[0], "--dim", &args[1], "--m", &args[2], "--ef-construction", "100", "--seed", &args[3]])
            .output();
        match out {
            Ok(o) if o.status.success() => Some(dir),
            Ok(o) => {
                println!(
                    "note: skipping: the fixture script failed ({}): {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                println!("note: skipping: cannot run {python}: {e}");
                None
            }
        }
    })
    .as_ref()
    .map(|d| d.path())
}

macro_rules! fixture_or_skip {
    () => {
        match fixture() {
            Some(d) => d,
            None => {
                println!("note: hnswlib / faiss (Python) not available: test skipped");
                return;
            }
        }
    };
}

fn run(args: &[&str]) -> Output {
    eprintln!("running: hnswlab {}", args.join(" "));
    let out = Command::new(env!("CARGO_BIN_EXE_hnswlab")).args(args).output().expect("the hnswlab binary runs");
    eprintln!("stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn check_json(file: &Path, extra: &[&str], code: i32) -> Value {
    let f = file.to_str().expect("utf-8 path");
    let mut args = vec!["check", "--json", f];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.status.code(), Some(code), "exit code of `hnswlab {}`:\n{stdout}", args.join(" "));
    assert_eq!(stdout.lines().count(), 1, "--json prints one line:\n{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{stdout}"))
}

fn hnswlib_args() -> [&'static str; 4] {
    ["--format", "hnswlib", "--dim", "8"]
}

fn opts() -> hnswlib::Options {
    hnswlib::Options { dim: Some(DIM), space: Metric::L2 }
}

fn write_copy(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write corrupted copy");
    p
}

// ---- an independent parse of the hnswlib layout (FAILURES.md §3), for the test only ----

fn le64(b: &[u8], at: usize) -> usize {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// What the test knows about an hnswlib file, parsed on its own.
struct Parsed {
    n: usize,
    record: usize,
    max_m0: usize,
    max_m: usize,
    entry: usize,
    max_level: i32,
    levels: Vec<usize>,
    /// `lists[i][l]` with the file offset of the list's count field.
    lists: Vec<Vec<(usize, Vec<usize>)>>,
    /// Offset of each node's upper-layer size field.
    size_at: Vec<usize>,
    label_at: Vec<usize>,
}

fn parse(b: &[u8]) -> Parsed {
    let n = le64(b, 16);
    let record = le64(b, 24);
    let label_offset = le64(b, 32);
    let max_level = i32::from_le_bytes(b[48..52].try_into().unwrap());
    let entry = le32(b, 52) as usize;
    let (max_m, max_m0) = (le64(b, 56), le64(b, 64));
    let block = 4 * max_m + 4;
    let mut lists = Vec::new();
    let mut label_at = Vec::new();
    for i in 0..n {
        let at = 96 + i * record;
        let count = u16::from_le_bytes([b[at], b[at + 1]]) as usize;
        let l0 = (0..count).map(|j| le32(b, at + 4 + 4 * j) as usize).collect();
        lists.push(vec![(at, l0)]);
        label_at.push(at + label_offset);
    }
    let mut pos = 96 + n * record;
    let mut levels = Vec::new();
    let mut size_at = Vec::new();
    for list in lists.iter_mut() {
        size_at.push(pos);
        let size = le32(b, pos) as usize;
        pos += 4;
        levels.push(size / block);
        for l in 0..size / block {
            let at = pos + l * block;
            let count = u16::from_le_bytes([b[at], b[at + 1]]) as usize;
            list.push((at, (0..count).map(|j| le32(b, at + 4 + 4 * j) as usize).collect()));
        }
        pos += size;
    }
    assert_eq!(pos, b.len(), "the test's own parse ends exactly at the end of the file");
    Parsed { n, record, max_m0, max_m, entry, max_level, levels, lists, size_at, label_at }
}

/// Per layer: (nodes, edges, one-way edges, zero in-degree (entry excluded),
/// unreachable from the entry by BFS).
fn census(p: &Parsed) -> Vec<(usize, usize, usize, usize, usize)> {
    let top = *p.levels.iter().max().unwrap();
    (0..=top)
        .map(|l| {
            let on: Vec<usize> = (0..p.n).filter(|&i| p.levels[i] >= l).collect();
            let out = |i: usize| &p.lists[i][l].1;
            let mut in_deg = vec![0usize; p.n];
            let (mut edges, mut one_way) = (0, 0);
            for &a in &on {
                for &b in out(a) {
                    edges += 1;
                    in_deg[b] += 1;
                    if !out(b).contains(&a) {
                        one_way += 1;
                    }
                }
            }
            let zero_in = on.iter().filter(|&&a| a != p.entry && in_deg[a] == 0).count();
            let mut seen = vec![false; p.n];
            let mut queue = VecDeque::from([p.entry]);
            seen[p.entry] = true;
            while let Some(a) = queue.pop_front() {
                for &b in out(a) {
                    if !seen[b] {
                        seen[b] = true;
                        queue.push_back(b);
                    }
                }
            }
            let unreachable = on.iter().filter(|&&a| !seen[a]).count();
            (on.len(), edges, one_way, zero_in, unreachable)
        })
        .collect()
}

#[test]
fn clean_hnswlib_file_is_healthy_and_its_census_matches_an_independent_count() {
    let dir = fixture_or_skip!();
    let file = dir.join("hnswlib.bin");
    let bytes = std::fs::read(&file).unwrap();
    let p = parse(&bytes);
    assert_eq!(p.n, N);
    let r = check_json(&file, &hnswlib_args(), 0);
    assert_eq!(r["violations_total"], 0, "{r}");
    assert_eq!(r["nodes"], N);
    assert_eq!(r["deleted"], 0);
    assert_eq!(r["params"]["m"], M);
    assert_eq!(r["params"]["m0"], 2 * M);
    let want = census(&p);
    assert_eq!(p.max_level as usize, want.len() - 1, "the file's max level is its top layer");
    let layers = r["health"]["layers"].as_array().expect("health.layers");
    assert_eq!(layers.len(), want.len(), "{r}");
    for (l, (h, w)) in layers.iter().zip(&want).enumerate() {
        let got = (
            h["nodes"].as_u64().unwrap() as usize,
            h["edges"].as_u64().unwrap() as usize,
            h["one_way"].as_u64().unwrap() as usize,
            h["zero_in_degree"].as_u64().unwrap() as usize,
            h["unreachable"].as_u64().unwrap() as usize,
        );
        println!("layer {l}: (nodes, edges, one-way, zero-in, unreachable) = {got:?}");
        assert_eq!(got, *w, "layer {l}: census vs the test's own count");
        let frac = h["one_way_fraction"].as_f64().unwrap();
        assert!((frac - w.2 as f64 / w.1.max(1) as f64).abs() < 1e-12, "layer {l}: {frac}");
    }
    let hist: Vec<usize> = (0..want.len()).map(|l| p.levels.iter().filter(|&&x| x == l).count()).collect();
    let got_hist: Vec<usize> =
        r["health"]["level_histogram"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    assert_eq!(got_hist, hist);
    let ss = r["self_search"].as_array().expect("self_search");
    assert_eq!(ss.iter().map(|s| s["ef"].as_u64().unwrap()).collect::<Vec<_>>(), vec![10, 100]);
    assert!(ss.iter().all(|s| s["searched"] == N), "{r}");
    // Labels come from the file (the fixture adds 1000 to each id).
    let idx = hnswlib::read(&bytes, &opts()).expect("reads");
    assert_eq!(idx.graph.labels[7], 1007);
    assert_eq!(idx.graph.ids[&1007], NodeId(7));
}

/// Read a corrupted copy and return its defects (which must come with a graph).
fn defects_of(bytes: &[u8]) -> Vec<FileDefect> {
    let idx = hnswlib::read(bytes, &opts()).unwrap_or_else(|e| panic!("should stay readable: {e}"));
    // The reader's graph passes structural validation whatever the file held.
    let left: Vec<_> = hnswlab::validate::check(&idx.graph)
        .into_iter()
        .filter(|d| !matches!(d, hnswlab::Defect::LabelMappedTwice { .. }))
        .collect();
    assert!(left.is_empty(), "the sanitised graph has structural defects: {left:?}");
    idx.defects
}

/// A node whose layer-0 list is full, and one with level >= 1.
fn pick(p: &Parsed) -> (usize, usize) {
    let full = (0..p.n).find(|&i| p.lists[i][0].1.len() == p.max_m0).expect("a full layer-0 list");
    let upper = (0..p.n).find(|&i| p.levels[i] >= 1 && !p.lists[i][1].1.is_empty()).expect("a node on layer 1");
    (full, upper)
}

#[test]
fn each_hnswlib_corruption_gives_exactly_its_defect() {
    let dir = fixture_or_skip!();
    let clean = std::fs::read(dir.join("hnswlib.bin")).unwrap();
    let p = parse(&clean);
    let (full, upper) = pick(&p);
    let top = *p.levels.iter().max().unwrap();
    let low = (0..p.n).find(|&i| p.levels[i] == 0 && i != p.entry).unwrap();
    let slot = |i: usize, l: usize, j: usize| p.lists[i][l].0 + 4 + 4 * j;
    let n = p.n;
    type Plant = Box<dyn Fn(&mut Vec<u8>)>;
    let put32 = |at: usize, v: u32| -> Plant {
        Box::new(move |b: &mut Vec<u8>| b[at..at + 4].copy_from_slice(&v.to_le_bytes()))
    };
    let put8 = |at: usize, v: u8| -> Plant { Box::new(move |b: &mut Vec<u8>| b[at] = v) };
    let put16 = |at: usize, v: u16| -> Plant {
        Box::new(move |b: &mut Vec<u8>| b[at..at + 2].copy_from_slice(&v.to_le_bytes()))
    };
    let put64 = |at: usize, v: u64| -> Plant {
        Box::new(move |b: &mut Vec<u8>| b[at..at + 8].copy_from_slice(&v.to_le_bytes()))
    };
    let l0 = Layer(0);
    let a = NodeId(full as u32);
    let below_target = (0..n).find(|&i| p.levels[i] == 0 && !p.lists[upper][1].1.contains(&i)).unwrap();
    let second = p.lists[full][0].1[1];
    let dup_label = u64::from_le_bytes(clean[p.label_at[2]..p.label_at[2] + 8].try_into().unwrap());
    let cases: Vec<(&str, Plant, FileDefect)> = vec![
        (
            "link out of range",
            put32(slot(full, 0, 3), (n + 5) as u32),
            FileDefect::LinkOutOfRange {
                node: a,
                layer: l0,
                offset: slot(full, 0, 3) as u64,
                target: (n + 5) as i64,
                len: n,
            },
        ),
        (
            "self-link",
            put32(slot(full, 0, 0), full as u32),
            FileDefect::SelfLink { node: a, layer: l0, offset: slot(full, 0, 0) as u64 },
        ),
        (
            "duplicate link",
            put32(slot(full, 0, 0), second as u32),
            FileDefect::DuplicateLink {
                node: a,
                layer: l0,
                offset: slot(full, 0, 1) as u64,
                target: NodeId(second as u32),
            },
        ),
        (
            "link to a node below the layer",
            put32(slot(upper, 1, 0), below_target as u32),
            FileDefect::LinkBelowLevel {
                node: NodeId(upper as u32),
                layer: Layer(1),
                offset: slot(upper, 1, 0) as u64,
                target: NodeId(below_target as u32),
                target_level: l0,
            },
        ),
        (
            "count above capacity",
            put16(p.lists[full][0].0, (2 * M + 1) as u16),
            FileDefect::ListTooLong {
                node: a,
                layer: l0,
                offset: p.lists[full][0].0 as u64,
                count: (2 * M + 1) as u64,
                capacity: 2 * M,
            },
        ),
        (
            "entry point out of range",
            put32(52, (n + 3) as u32),
            FileDefect::EntryOutOfRange { offset: 52, entry: (n + 3) as i64, len: n },
        ),
        (
            "entry point not on the top level",
            put32(52, low as u32),
            FileDefect::EntryNotOnTop { offset: 52, entry: NodeId(low as u32), level: l0, top: Layer(top as u8) },
        ),
        (
            "max level matching no node",
            put32(48, (top + 1) as u32),
            FileDefect::MaxLevelMismatch { offset: 48, stored: (top + 1) as i64, top: Some(Layer(top as u8)) },
        ),
        (
            "label mapped twice",
            put64(p.label_at[5], dup_label),
            FileDefect::LabelMappedTwice {
                label: dup_label,
                first: NodeId(2),
                second: NodeId(5),
                offset: p.label_at[5] as u64,
            },
        ),
        (
            "max_elements below the count",
            put64(8, (n - 1) as u64),
            FileDefect::HeaderMismatch {
                field: "max_elements_",
                offset: 8,
                found: (n - 1) as i128,
                rule: format!("is below cur_element_count = {n}"),
            },
        ),
        (
            "flags byte",
            put8(96 + 4 * p.record + 2, 0x04),
            FileDefect::BadRecord {
                node: NodeId(4),
                offset: (96 + 4 * p.record + 2) as u64,
                found: 4,
                rule: "flags byte has bits other than DELETE_MARK (0x01)",
            },
        ),
    ];
    assert_eq!(p.max_m, M);
    for (name, plant, want) in cases {
        let mut b = clean.clone();
        plant(&mut b);
        let got = defects_of(&b);
        println!("{name}: {got:?}");
        assert_eq!(got, vec![want.clone()], "{name}: expected exactly one defect");
        // The binary reports it with its offset and exits 3, still printing the census.
        let f = write_copy(dir, &format!("corrupt-{}.bin", name.replace(' ', "-")), &b);
        let r = check_json(&f, &hnswlib_args(), 3);
        assert_eq!(r["defects"][0]["offset"], want.offset(), "{name}: {r}");
        assert_eq!(r["defects"][0]["kind"], want.kind(), "{name}: {r}");
        assert!(r["health"]["layers"].is_array(), "{name}: the census is still printed: {r}");
        assert_eq!(r["violations_total"], 1, "{name}: {r}");
    }
}

#[test]
fn truncated_trailing_and_deleted_hnswlib_files() {
    let dir = fixture_or_skip!();
    let clean = std::fs::read(dir.join("hnswlib.bin")).unwrap();
    let p = parse(&clean);
    let len = clean.len() as u64;

    let mut longer = clean.clone();
    longer.extend_from_slice(&[7; 5]);
    assert_eq!(defects_of(&longer), vec![FileDefect::TrailingBytes { offset: len, len: 5 }]);

    // Cut inside the last node's upper-layer part: its size field is read, its lists are not.
    let last = p.n - 1;
    let cut = (p.size_at[last] + 2) as u64;
    let got = defects_of(&clean[..cut as usize]);
    assert_eq!(
        got[0],
        FileDefect::Truncated { what: "link-list size", offset: p.size_at[last] as u64, needed: 4, len: cut },
        "{got:?}"
    );

    // A count claiming 2^40 records in this small file: an error with offsets, no allocation.
    let mut huge = clean.clone();
    huge[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let got = defects_of(&huge);
    let fit = (clean.len() - 96) / p.record;
    assert!(got.contains(&FileDefect::HeaderMismatch {
        field: "max_elements_",
        offset: 8,
        found: p.n as i128,
        rule: format!("is below cur_element_count = {}", 1u64 << 40),
    }));
    let at = (96 + fit * p.record) as u64;
    assert!(
        got.iter().any(|d| matches!(d, FileDefect::Truncated { what: "level-0 records", offset, .. } if *offset == at)),
        "{got:?}"
    );

    // A tombstone is counted, not a defect.
    let mut del = clean.clone();
    del[96 + 9 * p.record + 2] = hnswlib::DELETE_MARK;
    let f = write_copy(dir, "deleted.bin", &del);
    let r = check_json(&f, &hnswlib_args(), 0);
    assert_eq!(r["deleted"], 1, "{r}");
    assert_eq!(r["self_search"][0]["searched"], p.n - 1, "{r}");

    // Header too short, and layout fields that contradict each other: unreadable, exit 1.
    assert!(matches!(hnswlib::read(&clean[..50], &opts()), Err(ReadError::Truncated { offset: 0, needed: 96, .. })));
    let mut bad = clean.clone();
    bad[40..48].copy_from_slice(&12u64.to_le_bytes());
    let e = hnswlib::read(&bad, &opts()).unwrap_err();
    assert!(matches!(e, ReadError::Header { field: "offsetData_", offset: 40, found: 12, .. }), "{e:?}");
    let f = write_copy(dir, "bad-offset-data.bin", &bad);
    let r = check_json(&f, &hnswlib_args(), 1);
    assert!(r["error"].as_str().unwrap().contains("offsetData_"), "{r}");
    let e = hnswlib::read(&clean, &hnswlib::Options { dim: Some(DIM + 1), space: Metric::L2 }).unwrap_err();
    assert_eq!(e, ReadError::DimensionMismatch { file: DIM, given: DIM + 1, offset: 32 });
    // No --format on a file without magic: unreadable, with the hint.
    let out = run(&["check", dir.join("hnswlib.bin").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format hnswlib"));
}

// ---- faiss: offsets located by a separate walk over the file's length-prefixed arrays ----

/// (offset of the neighbors payload, offset of entry_point, n, offset of `levels` payload).
fn faiss_layout(b: &[u8]) -> (usize, usize, usize, usize) {
    assert_eq!(&b[..4], b"IHNf");
    let n = le64(b, 8);
    let mut pos = 4 + 4 + 8 + 8 + 8 + 1 + 4;
    let mut payload = Vec::new();
    for elem in [8, 4, 4, 8, 4] {
        let count = le64(b, pos);
        payload.push(pos + 8);
        pos += 8 + count * elem;
    }
    (payload[4], pos, n, payload[2])
}

#[test]
fn faiss_file_is_read_and_its_corruptions_are_located() {
    let dir = fixture_or_skip!();
    let file = dir.join("faiss.index");
    let clean = std::fs::read(&file).unwrap();
    let r = check_json(&file, &[], 0);
    assert_eq!(
        (r["format"].as_str(), r["nodes"].as_u64(), r["dim"].as_u64()),
        (Some("faiss"), Some(N as u64), Some(DIM as u64))
    );
    assert_eq!((r["params"]["m"].as_u64(), r["params"]["m0"].as_u64()), (Some(M as u64), Some(2 * M as u64)));
    let idx = foreign::faiss::read(&clean).expect("reads");
    assert!(idx.defects.is_empty(), "{:?}", idx.defects);
    let (nb, entry_at, n, _levels) = faiss_layout(&clean);
    assert_eq!(n, N);
    assert_eq!(le32(&clean, entry_at) as usize, idx.graph.entry.unwrap().index());

    // Node 0's first layer-0 slot (a link, since node 0 has neighbours) made out of range.
    let mut b = clean.clone();
    b[nb..nb + 4].copy_from_slice(&((n + 9) as i32).to_le_bytes());
    let got = foreign::faiss::read(&b).expect("readable").defects;
    assert_eq!(
        got,
        vec![FileDefect::LinkOutOfRange {
            node: NodeId(0),
            layer: Layer(0),
            offset: nb as u64,
            target: (n + 9) as i64,
            len: n
        }]
    );
    let r = check_json(&write_copy(dir, "faiss-link.index", &b), &[], 3);
    assert_eq!(r["defects"][0]["offset"], nb, "{r}");

    let mut b = clean.clone();
    b[entry_at..entry_at + 4].copy_from_slice(&(-7i32).to_le_bytes());
    assert_eq!(
        foreign::faiss::read(&b).unwrap().defects,
        vec![FileDefect::EntryOutOfRange { offset: entry_at as u64, entry: -7, len: n }]
    );

    let mut b = clean.clone();
    b[entry_at + 4..entry_at + 8].copy_from_slice(&9i32.to_le_bytes());
    let top = idx.graph.max_level;
    assert_eq!(
        foreign::faiss::read(&b).unwrap().defects,
        vec![FileDefect::MaxLevelMismatch { offset: entry_at as u64 + 4, stored: 9, top: Some(top) }]
    );

    let mut b = clean.clone();
    b.push(0);
    assert_eq!(
        foreign::faiss::read(&b).unwrap().defects,
        vec![FileDefect::TrailingBytes { offset: clean.len() as u64, len: 1 }]
    );

    // Unreadable: truncated, wrong magic, a count larger than the file.
    let e = foreign::faiss::read(&clean[..clean.len() - 3]).unwrap_err();
    assert!(matches!(e, ReadError::Header { field: "storage codes", .. } | ReadError::Truncated { .. }), "{e:?}");
    check_json(&write_copy(dir, "faiss-cut.index", &clean[..clean.len() - 3]), &["--format", "faiss"], 1);
    let mut b = clean.clone();
    b[8..16].copy_from_slice(&(1i64 << 40).to_le_bytes());
    assert!(matches!(foreign::faiss::read(&b), Err(ReadError::Header { field: "ntotal", offset: 8, .. })));
    let mut b = clean.clone();
    b[..4].copy_from_slice(b"IHNp");
    assert!(matches!(foreign::faiss::read(&b), Err(ReadError::Unsupported { offset: 0, .. })));
    b[..4].copy_from_slice(b"XXXX");
    assert!(matches!(foreign::faiss::read(&b), Err(ReadError::BadMagic { .. })));
}

#[test]
fn human_output_prints_census_and_defects() {
    let dir = fixture_or_skip!();
    let clean = std::fs::read(dir.join("hnswlib.bin")).unwrap();
    let mut b = clean.clone();
    b[52..56].copy_from_slice(&(N as u32 + 1).to_le_bytes());
    let f = write_copy(dir, "human.bin", &b);
    let out = run(&["check", f.to_str().unwrap(), "--format", "hnswlib", "--dim", "8", "--no-self-search"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("one-way") && text.contains("unreachable"), "census table printed:\n{text}");
    assert!(text.contains("@52: entry point 301 out of range (300 nodes)"), "{text}");
    assert!(!text.contains("self-search"), "--no-self-search: {text}");
}
