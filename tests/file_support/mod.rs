//! Shared fixtures of the `file_*` tests: small seeded indexes and an
//! independent walker over the file layout (written from the format table in
//! `src/file/format.rs`, not with the crate's decoder).

#![allow(dead_code)]

use hnswlab::{synthetic, ErrorKind, Hnsw, Metric, Params, PrunePolicy, Selection};

/// An index of `n` gaussian `dim`-d vectors, labels `1000 + 7 i`.
pub fn built(n: usize, dim: usize, metric: Metric, prune: PrunePolicy, seed: u64) -> Hnsw {
    let p = Params::builder()
        .m(4)
        .ef_construction(24)
        .seed(seed)
        .metric(metric)
        .prune(prune)
        .selection(Selection::Heuristic { extend_candidates: false, keep_pruned: true })
        .build()
        .expect("params");
    let mut h = Hnsw::new(dim, p).expect("index");
    for (i, v) in synthetic::gaussian(n, dim, seed).chunks_exact(dim).enumerate() {
        h.insert(1000 + 7 * i as u64, v).expect("insert");
    }
    h
}

/// One section frame of a file: kind and byte ranges.
#[derive(Clone, Debug)]
pub struct Span {
    pub kind: u32,
    /// First byte of the frame.
    pub start: usize,
    /// First payload byte.
    pub payload: usize,
    /// One past the frame's checksum.
    pub end: usize,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The frames of a well-formed file, after the 36-byte header.
pub fn spans(bytes: &[u8]) -> Vec<Span> {
    let mut at = 36;
    let mut out = Vec::new();
    while at < bytes.len() {
        let len = le64(bytes, at + 8) as usize;
        out.push(Span { kind: le32(bytes, at), start: at, payload: at + 16, end: at + 16 + len + 4 });
        at += 16 + len + 4;
    }
    assert_eq!(at, bytes.len(), "frames tile the file");
    assert_eq!(le32(bytes, 16) as usize, out.len(), "header section count");
    out
}

/// The frame of `kind` (the first one, for lists).
pub fn span(bytes: &[u8], kind: u32) -> Span {
    spans(bytes).into_iter().find(|s| s.kind == kind).unwrap_or_else(|| panic!("no section of kind {kind}"))
}

/// The section name the decoder should report for a defect at byte `at`.
pub fn section_name_at(bytes: &[u8], at: usize) -> String {
    if at < 36 {
        return "header".into();
    }
    let s = spans(bytes).into_iter().find(|s| s.start <= at && at < s.end).expect("byte inside a frame");
    match s.kind {
        1 => "params".into(),
        2 => "shape".into(),
        3 => "labels".into(),
        4 => "levels".into(),
        5 => "entry".into(),
        6 => format!("lists L{}", bytes[s.payload]),
        7 => "vectors".into(),
        8 => "slots".into(),
        k => panic!("unknown kind {k}"),
    }
}

/// Overwrite `bytes[at..]` with `value`.
pub fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

/// Flip one seeded bit of every byte of `bytes` (a valid file) in turn: each
/// flip must be a typed `CorruptFile` error naming the section that holds the
/// byte, at an offset no later than the byte.
pub fn every_flip_is_typed_in_its_section(bytes: &[u8], seed: u64) {
    let mut rng = synthetic::Rng::new(seed);
    for at in 0..bytes.len() {
        let bit = rng.below(8) as u8;
        let mut b = bytes.to_vec();
        b[at] ^= 1 << bit;
        match Hnsw::from_bytes(&b).map_err(|e| e.kind().clone()) {
            Err(ErrorKind::CorruptFile { section, offset, problem }) => {
                assert_eq!(
                    section.to_string(),
                    section_name_at(bytes, at),
                    "flip of bit {bit} at byte {at}: {problem}"
                );
                assert!(offset <= at as u64, "flip at byte {at} reported at {offset}: {problem}");
            }
            Err(other) => panic!("flip of bit {bit} at byte {at}: expected CorruptFile, got {other:?}"),
            Ok(_) => panic!("flip of bit {bit} at byte {at}: the corrupted file loaded"),
        }
    }
}
