//! Corrupt index files: every flipped bit, every truncation, every planted
//! structural defect is a typed `CorruptFile` error naming the section (and,
//! for planted values, the exact byte), never a panic or a wrong index.

mod file_support;

use file_support::{built, every_flip_is_typed_in_its_section, put, section_name_at, span, spans};
use hnswlab::file::{reseal, FileProblem, Section};
use hnswlab::{synthetic, Defect, Error, ErrorKind, Hnsw, Layer, Metric, NodeId, Params, PrunePolicy, Selection};
use proptest::prelude::*;

/// (section, offset, problem) of a `CorruptFile` error; panics on any other error.
fn located(e: &Error) -> (Section, u64, FileProblem) {
    match e.kind() {
        ErrorKind::CorruptFile { section, offset, problem } => (*section, *offset, problem.clone()),
        other => panic!("expected CorruptFile, got {other:?}"),
    }
}

fn load_err(bytes: &[u8]) -> (Section, u64, FileProblem) {
    match Hnsw::from_bytes(bytes) {
        Ok(_) => panic!("a corrupted file loaded"),
        Err(e) => located(&e),
    }
}

/// Edit a valid file, reseal its checksums, and return the error.
fn planted(h: &Hnsw, edit: impl FnOnce(&mut Vec<u8>)) -> (Section, u64, FileProblem) {
    let mut bytes = h.to_bytes();
    edit(&mut bytes);
    reseal(&mut bytes);
    load_err(&bytes)
}

fn small() -> Hnsw {
    built(60, 3, Metric::L2, PrunePolicy::Standard, 23)
}

#[test]
fn every_flipped_byte_is_a_typed_error_in_its_section() {
    let seed = 23;
    println!("seed {seed}");
    let h = small();
    let bytes = h.to_bytes();
    assert!(spans(&bytes).iter().filter(|s| s.kind == 6).count() >= 2, "the fixture has an upper layer");
    every_flip_is_typed_in_its_section(&bytes, seed);
}

#[test]
fn flips_in_a_bigger_file_are_typed_errors() {
    let seed = 29;
    println!("seed {seed}");
    let h = built(3000, 16, Metric::Cosine, PrunePolicy::Symmetric, seed);
    let bytes = h.to_bytes();
    let mut rng = synthetic::Rng::new(seed);
    for _ in 0..2000 {
        let at = rng.below(bytes.len() as u64) as usize;
        let bit = rng.below(8) as u8;
        let mut b = bytes.clone();
        b[at] ^= 1 << bit;
        let (section, _, problem) = load_err(&b);
        assert_eq!(section.to_string(), section_name_at(&bytes, at), "flip of bit {bit} at byte {at}: {problem}");
    }
}

#[test]
fn every_truncation_is_a_typed_error() {
    let bytes = small().to_bytes();
    for len in 0..bytes.len() {
        let (_, _, problem) = load_err(&bytes[..len]);
        if len >= 36 {
            assert_eq!(
                problem,
                FileProblem::Truncated { needed: bytes.len() as u64, available: len as u64 },
                "truncated to {len}"
            );
        }
    }
    // Truncated and then resealed, so the header agrees: caught at the section that is cut.
    for len in (36..bytes.len()).step_by(7) {
        let mut b = bytes[..len].to_vec();
        reseal(&mut b);
        let (section, _, problem) = load_err(&b);
        assert!(matches!(problem, FileProblem::Truncated { .. }), "resealed cut at {len}: {section}: {problem}");
    }
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut b = small().to_bytes();
    let len = b.len();
    b.extend_from_slice(&[0; 5]);
    assert_eq!(load_err(&b), (Section::Trailer, len as u64, FileProblem::TrailingBytes { len: 5 }));
    reseal(&mut b);
    assert_eq!(load_err(&b), (Section::Trailer, len as u64, FileProblem::TrailingBytes { len: 5 }));
}

#[test]
fn a_huge_count_in_a_tiny_file_fails_at_once() {
    let h = small();
    let shape = span(&h.to_bytes(), 2);
    let count_at = shape.payload + 8;
    let (section, offset, problem) = planted(&h, |b| put(b, count_at, &(1u64 << 40).to_le_bytes()));
    assert_eq!((section, offset), (Section::Shape, count_at as u64));
    assert!(matches!(problem, FileProblem::BadValue { field: "count", .. }), "{problem}");
    // The id bound is exact: MAX_NODES passes it (and is then bounded by the
    // bytes left), one more does not.
    let max = hnswlab::index::MAX_NODES;
    let (_, _, problem) = planted(&h, |b| put(b, count_at, &(max + 1).to_le_bytes()));
    assert!(matches!(problem, FileProblem::BadValue { field: "count", .. }), "{problem}");
    let (_, _, problem) = planted(&h, |b| put(b, count_at, &max.to_le_bytes()));
    assert!(matches!(problem, FileProblem::Truncated { .. }), "{problem}");
    // Within u32 ids but far beyond the file: bounded by the bytes left.
    let (section, offset, problem) = planted(&h, |b| put(b, count_at, &(1u64 << 31).to_le_bytes()));
    assert_eq!((section, offset), (Section::Shape, count_at as u64));
    assert!(matches!(problem, FileProblem::Truncated { needed, .. } if needed > 1 << 33), "{problem}");
    // The bound is exact: each node needs at least a label (8), a level (1),
    // a layer-0 count (4) and its floats (4 x dim = 12).
    let per_node = 8 + 1 + 4 + 4 * 3;
    let FileProblem::Truncated { needed, available } = problem else { unreachable!() };
    assert_eq!(needed, (1u64 << 31) * per_node, "{problem}");
    let fits = available / per_node;
    let (section, _, problem) = planted(&h, |b| put(b, count_at, &fits.to_le_bytes()));
    assert_ne!(section, Section::Shape, "{fits} nodes fit in {available} bytes: {problem}");
    let (section, offset, problem) = planted(&h, |b| put(b, count_at, &(fits + 1).to_le_bytes()));
    assert_eq!((section, offset), (Section::Shape, count_at as u64));
    assert_eq!(problem, FileProblem::Truncated { needed: (fits + 1) * per_node, available });
}

#[test]
fn a_nan_vector_is_rejected_with_its_offset() {
    let h = small();
    let vectors = span(&h.to_bytes(), 7);
    let at = vectors.payload + 4 * (3 * 5 + 2); // node 5, coordinate 2
    let (section, offset, problem) = planted(&h, |b| put(b, at, &f32::NAN.to_le_bytes()));
    assert_eq!((section, offset), (Section::Vectors, at as u64));
    assert!(
        matches!(problem, FileProblem::Graph(Defect::NonFiniteComponent { node: NodeId(5), coordinate: 2, .. })),
        "{problem}"
    );
    let (_, _, problem) = planted(&h, |b| put(b, at, &f32::INFINITY.to_le_bytes()));
    assert!(matches!(problem, FileProblem::Graph(Defect::NonFiniteComponent { .. })), "{problem}");
    let (_, _, problem) = planted(&h, |b| put(b, at, &1e30f32.to_le_bytes()));
    assert!(matches!(problem, FileProblem::BadValue { field: "vector norm", .. }), "{problem}");
}

/// Offset of `node`'s list on layer 0 in the file (walked independently of the decoder).
fn list0_at(bytes: &[u8], node: usize) -> usize {
    let l0 = span(bytes, 6);
    let mut at = l0.payload + 4;
    for _ in 0..node {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + 4 * len;
    }
    at
}

#[test]
fn planted_link_defects_name_the_link() {
    let h = small();
    let bytes = h.to_bytes();
    let node = 7;
    let at = list0_at(&bytes, node);
    let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    assert!(len >= 2, "node {node} has two links");
    let first = at + 4;
    let second = at + 8;
    let n = h.len();
    let link = |b: &mut Vec<u8>, where_: usize, to: u32| put(b, where_, &to.to_le_bytes());
    let (section, offset, problem) = planted(&h, |b| link(b, first, n as u32));
    assert_eq!((section, offset), (Section::Lists(0), first as u64));
    let want = Defect::LinkOutOfRange { node: NodeId(7), layer: Layer(0), target: NodeId(n as u32), len: n };
    assert_eq!(problem, FileProblem::Graph(want));
    let (_, offset, problem) = planted(&h, |b| link(b, first, node as u32));
    assert_eq!(
        (offset, problem),
        (first as u64, FileProblem::Graph(Defect::SelfLink { node: NodeId(7), layer: Layer(0) }))
    );
    let target = u32::from_le_bytes(bytes[first..first + 4].try_into().unwrap());
    let (_, offset, problem) = planted(&h, |b| link(b, second, target));
    let want = Defect::DuplicateLink { node: NodeId(7), layer: Layer(0), target: NodeId(target) };
    assert_eq!((offset, problem), (second as u64, FileProblem::Graph(want)));
}

#[test]
fn planted_list_length_above_capacity_is_caught_before_reading_it() {
    let h = small();
    let at = list0_at(&h.to_bytes(), 3);
    let (section, offset, problem) = planted(&h, |b| put(b, at, &9999u32.to_le_bytes()));
    assert_eq!((section, offset), (Section::Lists(0), at as u64));
    let want = Defect::ListTooLong { node: NodeId(3), layer: Layer(0), len: 9999, capacity: 8 };
    assert_eq!(problem, FileProblem::Graph(want));
}

#[test]
fn planted_entry_labels_and_levels_defects() {
    let h = small();
    let bytes = h.to_bytes();
    let entry = span(&bytes, 5);
    let n = h.len() as u32;
    let (section, offset, problem) = planted(&h, |b| put(b, entry.payload + 4, &n.to_le_bytes()));
    assert_eq!((section, offset), (Section::Entry, entry.payload as u64 + 4));
    assert_eq!(problem, FileProblem::Graph(Defect::EntryPointOutOfRange { entry: NodeId(n), len: n as usize }));
    let (_, _, problem) = planted(&h, |b| b[entry.payload] = 0);
    assert_eq!(problem, FileProblem::Graph(Defect::MissingEntryPoint { len: n as usize }));
    let (_, _, problem) = planted(&h, |b| b[entry.payload + 8] += 1);
    assert!(matches!(problem, FileProblem::Graph(Defect::MaxLevelMismatch { .. })), "{problem}");

    let labels = span(&bytes, 3);
    let first = bytes[labels.payload..labels.payload + 8].to_vec();
    let (section, offset, problem) = planted(&h, |b| put(b, labels.payload + 8 * 4, &first));
    assert_eq!((section, offset), (Section::Labels, labels.payload as u64 + 32));
    assert_eq!(
        problem,
        FileProblem::Graph(Defect::LabelMappedTwice { label: 1000, first: NodeId(0), second: NodeId(4) })
    );

    let levels = span(&bytes, 4);
    let (section, offset, problem) = planted(&h, |b| b[levels.payload + 2] = 200);
    assert_eq!((section, offset), (Section::Levels, levels.payload as u64 + 2));
    assert!(matches!(problem, FileProblem::BadValue { field: "level", .. }), "{problem}");
}

#[test]
fn header_defects_are_named() {
    let h = small();
    let (_, offset, problem) = planted(&h, |b| b[0] = b'X');
    assert_eq!(offset, 0);
    assert!(matches!(problem, FileProblem::BadMagic { .. }), "{problem}");
    let (_, offset, problem) = planted(&h, |b| put(b, 8, &3u32.to_le_bytes()));
    assert_eq!((offset, problem), (8, FileProblem::UnsupportedVersion { found: 3, supported: 2 }));
    // A version-1 file relabelled 2 lacks the slots section version 2 requires.
    let (section, _, problem) = planted(&h, |b| put(b, 8, &2u32.to_le_bytes()));
    assert_eq!((section, problem), (Section::Slots, FileProblem::UnexpectedSection { expected: 8, found: 3 }));
    let (_, offset, problem) = planted(&h, |b| put(b, 12, &0x0A0B_0C0Du32.to_be_bytes()));
    assert_eq!((offset, problem), (12, FileProblem::ForeignEndianness { found: 0x0D0C_0B0A }));
    let (_, offset, problem) = planted(&h, |b| put(b, 16, &99u32.to_le_bytes()));
    assert!(offset == 16 && matches!(problem, FileProblem::SizeMismatch { what: "section count", .. }), "{problem}");
    let params = span(&h.to_bytes(), 1);
    let (section, offset, problem) = planted(&h, |b| put(b, params.payload, &1u32.to_le_bytes()));
    assert_eq!((section, offset), (Section::Params, params.payload as u64));
    assert!(matches!(problem, FileProblem::BadValue { field: "m", .. }), "{problem}");
    let (_, _, problem) = planted(&h, |b| b[params.payload + 13] = 3);
    assert!(matches!(problem, FileProblem::BadValue { field: "metric", .. }), "{problem}");
}

#[test]
fn a_metric_swapped_to_cosine_needs_normalised_vectors() {
    let h = small();
    let params = span(&h.to_bytes(), 1);
    let (section, _, problem) = planted(&h, |b| b[params.payload + 13] = 2);
    assert_eq!(section, Section::Vectors);
    assert!(matches!(problem, FileProblem::BadValue { field: "vector norm", .. }), "{problem}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random bytes after a valid header prefix, resealed or not: an error or
    /// an index, never a panic.
    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600), seal in any::<bool>()) {
        let mut b = small().to_bytes()[..52].to_vec();
        b.extend_from_slice(&tail);
        if seal {
            reseal(&mut b);
        }
        let _ = Hnsw::from_bytes(&b);
        let _ = Hnsw::from_bytes(&tail);
    }

    /// Random edits of a valid file with the checksums recomputed: every
    /// edit is either a typed error or a graph that passes validation.
    #[test]
    fn resealed_edits_are_errors_or_valid(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let h = small();
        let mut b = h.to_bytes();
        for &(at, v) in &edits {
            let at = 36 + at % (b.len() - 36);
            b[at] = v;
        }
        reseal(&mut b);
        match Hnsw::from_bytes(&b) {
            Ok(g) => prop_assert_eq!(hnswlab::check(&g), Vec::<Defect>::new()),
            Err(e) => { located(&e); }
        }
    }
}

/// `reseal` on a valid file changes nothing and seals every section; on a
/// file cut inside a section it seals the whole sections before the cut;
/// below a header it does nothing.
#[test]
fn reseal_seals_exactly_the_whole_sections() {
    let bytes = small().to_bytes();
    let sections = spans(&bytes);
    assert!(sections.len() >= 7, "{}", sections.len());
    let mut b = bytes.clone();
    assert_eq!(reseal(&mut b), sections.len());
    assert!(b == bytes, "resealing a valid file changed it");
    let cut = sections[3].end + 5;
    let mut b = bytes[..cut].to_vec();
    assert_eq!(reseal(&mut b), 4);
    let mut short = bytes[..20].to_vec();
    assert_eq!(reseal(&mut short), 0);
    assert!(short[..] == bytes[..20]);
}

/// The norm bound `distance::MAX_NORM2` (f32::MAX / 4 = 2^126 - 2^102) is
/// inclusive, at insert and at load alike. 2^24 - 1 = 4095² + 90² + 9² + 3², so
/// the vector 2^51 · (4095, 90, 9, 3) has a squared norm of exactly the bound,
/// summed without rounding in f64; moving its last coordinate to 4 · 2^51 puts
/// it 7 · 2^102 above. (Four coordinates are the fewest: 2^24 - 1 is 7 mod 8,
/// so no three squares sum to it.)
#[test]
fn the_norm_bound_is_inclusive_at_insert_and_at_load() {
    let scale = 2f32.powi(51);
    let at_bound: Vec<f32> = [4095.0, 90.0, 9.0, 3.0].iter().map(|a| a * scale).collect();
    let norm2: f64 = at_bound.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    assert_eq!(norm2, hnswlab::distance::MAX_NORM2, "the fixture sits exactly on the bound");
    let mut above = at_bound.clone();
    above[3] = 4.0 * scale;

    let mut h = built(40, 4, Metric::L2, PrunePolicy::Standard, 29);
    h.insert(7, &at_bound).expect("a vector exactly at the bound inserts");
    let e = h.insert(8, &above).expect_err("a vector above the bound is rejected");
    assert!(matches!(e.kind(), ErrorKind::NormTooLarge { .. }), "{e}");

    let loaded = Hnsw::from_bytes(&h.to_bytes()).expect("a file holding a vector at the bound loads");
    assert_eq!(loaded.to_bytes(), h.to_bytes());

    // The same file with that vector moved just above the bound is rejected at its row.
    let node = 40; // ids are dense: the 41st insert
    let vectors = span(&h.to_bytes(), 7);
    let row = vectors.payload + 4 * 4 * node;
    let (section, offset, problem) = planted(&h, |b| put(b, row + 12, &above[3].to_le_bytes()));
    assert_eq!((section, offset), (Section::Vectors, row as u64));
    assert!(matches!(problem, FileProblem::BadValue { field: "vector norm", .. }), "{problem}");
}

/// Rules that read two fields, each field planted alone: a simple-selection
/// file with `extend_candidates` or `keep_pruned` set (reported at the
/// `extend_candidates` byte), and an empty index whose entry section names
/// an entry or a max level (reported at the entry field).
#[test]
fn two_field_rules_fire_on_each_field_alone() {
    let p = Params::builder().m(3).ef_construction(8).selection(Selection::Simple).seed(5).build().unwrap();
    let mut h = Hnsw::new(2, p).unwrap();
    for (i, v) in synthetic::gaussian(10, 2, 5).chunks_exact(2).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    let params = span(&h.to_bytes(), 1);
    for flag in [15, 16] {
        let (section, offset, problem) = planted(&h, |b| b[params.payload + flag] = 1);
        assert_eq!((section, offset), (Section::Params, (params.payload + 15) as u64), "flag byte {flag}");
        assert!(matches!(problem, FileProblem::BadValue { field: "extend_candidates", .. }), "{problem}");
    }

    let empty = Hnsw::new(2, Params::builder().m(3).build().unwrap()).unwrap();
    let loaded = Hnsw::from_bytes(&empty.to_bytes()).expect("an empty index loads");
    assert!(loaded.is_empty());
    let entry = span(&empty.to_bytes(), 5);
    for field in [4, 8] {
        let (section, offset, problem) = planted(&empty, |b| b[entry.payload + field] = 1);
        assert_eq!((section, offset), (Section::Entry, (entry.payload + 4) as u64), "entry byte {field}");
        assert!(matches!(problem, FileProblem::BadValue { field: "entry", .. }), "{problem}");
    }
}

/// The dimension bound of the shape section on both sides: files of
/// dimension 1 and `MAX_DIM` load (one with a node), 0 and `MAX_DIM + 1`
/// are rejected at the dim field.
#[test]
fn the_file_dimension_is_bounded_on_both_sides() {
    let max = hnswlab::index::MAX_DIM;
    for dim in [1, max] {
        let mut h = Hnsw::new(dim, Params::builder().m(2).build().unwrap()).unwrap();
        h.insert(4, &vec![0.5; dim]).unwrap();
        let loaded = Hnsw::from_bytes(&h.to_bytes()).unwrap_or_else(|e| panic!("dim {dim}: {e}"));
        assert_eq!(loaded.to_bytes(), h.to_bytes());
    }
    let h = Hnsw::new(3, Params::builder().m(2).build().unwrap()).unwrap();
    let shape = span(&h.to_bytes(), 2);
    for dim in [0u32, max as u32 + 1, u32::MAX] {
        let (section, offset, problem) = planted(&h, |b| put(b, shape.payload, &dim.to_le_bytes()));
        assert_eq!((section, offset), (Section::Shape, shape.payload as u64), "dim {dim}");
        assert!(matches!(problem, FileProblem::BadValue { field: "dim", .. }), "dim {dim}: {problem}");
    }
}
