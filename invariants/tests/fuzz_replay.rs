//! The fuzz targets in an ordinary `cargo test` (stable, no cargo-fuzz).
//!
//! - `replay_*`: every file in `fuzz/regressions/<target>/` (the committed
//!   seed corpus and every crasher) through the same body and the same
//!   decoding as libFuzzer (`Unstructured::new(bytes)` + `arbitrary_take_rest`).
//! - `random_bytes_*`: a proptest feeding random byte strings to each body.
//! - `*_bug_NN`: each crasher, pasted from `cargo fuzz fmt`, as a named test
//!   with a one-line `// postmortem:`; `#[ignore]` while the bug is open.
//!
//! A new crasher: copy `fuzz/artifacts/<target>/crash-*` into
//! `fuzz/regressions/<target>/`, print it with
//! `cargo fuzz fmt --sanitizer none <target> <file>`, paste it into a named
//! test below.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use hnswlab_invariants::fuzzing::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// Regression files that still fail, each with the named test that tracks it.
/// A file listed here is skipped by `replay_*`; remove it when its bug is fixed.
const KNOWN_FAILING: &[(&str, &str)] = &[];

fn regression_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions").join(target)
}

fn body(target: &str) -> Body {
    TARGETS.iter().find(|(name, _)| *name == target).map(|(_, f)| *f).expect("known target")
}

/// Replay every committed input of `target`; what the bodies checked, summed.
fn replay(target: &str) -> Ran {
    let dir = regression_dir(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no regression inputs", dir.display());
    let run = body(target);
    let mut failed = Vec::new();
    let mut ran = Ran::default();
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if KNOWN_FAILING.iter().any(|(file, _)| *file == name) {
            continue;
        }
        let data = fs::read(f).expect("read regression");
        match catch_unwind(AssertUnwindSafe(|| run(&data))) {
            Ok(r) => ran += r,
            Err(_) => {
                let input = reproducer(target, &data).unwrap_or_else(|| "(does not decode)".into());
                failed.push(format!("{}\n{input}", f.display()));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: {} of {} regressions fail:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
    eprintln!("{target}: replayed {} regression inputs: {ran:?}", files.len());
    ran
}

// Each structured body's committed inputs exercise every count it keeps:
// a body that silently skips its inputs would pass them all.

#[test]
fn replay_ops() {
    let ran = replay("ops");
    assert!(ran.inserts > 0 && ran.searches > 0 && ran.checks > ran.inserts, "{ran:?}");
}

#[test]
fn replay_strategies_agree() {
    let ran = replay("strategies_agree");
    assert!(ran.builds > 0, "{ran:?}");
}

#[test]
fn replay_exact() {
    let ran = replay("exact");
    assert!(ran.inserts > 0 && ran.searches > 0 && ran.checks > 0, "{ran:?}");
}

#[test]
fn replay_params() {
    let ran = replay("params");
    assert!(ran.inserts > 0 && ran.searches > 0 && ran.checks > 0, "{ran:?}");
}

#[test]
fn replay_load_hnswlab() {
    let ran = replay("load_hnswlab");
    assert!(ran.checks > 0 && ran.searches > 0, "{ran:?}");
}

/// The committed `load_hnswlab` seeds are the generator's current output
/// (regenerate with the command in README.md, "Index files"), and each is a
/// file that loads.
#[test]
fn load_hnswlab_seeds_are_current_and_load() {
    for (name, bytes) in load_hnswlab_seeds() {
        let committed = fs::read(regression_dir("load_hnswlab").join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(committed == bytes, "{name}: committed seed differs from the generator's output");
        let h = hnswlab::Hnsw::from_bytes(&bytes[1..]).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
        // The body checks the graph once and searches from its first 8 slots.
        let searches = if h.is_empty() { 0 } else { hnswlab::GraphView::len(&h).min(8) };
        assert_eq!(load_hnswlab(&bytes), Ran { checks: 1, searches, ..Ran::default() }, "{name}");
        let mut big = bytes.clone();
        big.resize(1 + MAX_FILE_BYTES + 1, 0);
        assert_eq!(load_hnswlab(&big), Ran::default(), "{name}: a file past the bound is skipped");
    }
    assert_eq!(load_hnswlab(&[]), Ran::default());
}

/// The `load_hnswlab` mode byte: odd reseals the file first, so an edit
/// behind a checksum reaches the checks; even loads the bytes as they are,
/// and the checksum refuses the edit.
#[test]
fn an_odd_mode_byte_reseals_the_file_and_an_even_one_does_not() {
    let p = hnswlab::Params::builder().m(3).ef_construction(8).build().unwrap();
    let mut h = hnswlab::Hnsw::new(2, p).unwrap();
    for (i, v) in hnswlab::synthetic::gaussian(12, 2, 9).chunks(2).enumerate() {
        h.insert(0xABCD_EF01_0000 + i as u64, v).unwrap();
    }
    let mut seed = vec![0u8];
    seed.extend_from_slice(&h.to_bytes());
    // Give node 0 a label nobody has: the file stays valid once resealed.
    let label = 0xABCD_EF01_0000u64.to_le_bytes();
    let at = (1..seed.len() - 8).find(|&i| seed[i..i + 8] == label).expect("the label");
    let mut edited = seed.clone();
    edited[at..at + 8].copy_from_slice(&(u64::MAX - 1).to_le_bytes());
    for mode in [1u8, 3, 255] {
        edited[0] = mode;
        assert_eq!(load_hnswlab(&edited).checks, 1, "mode {mode}: resealed and loaded");
    }
    for mode in [0u8, 2, 254] {
        edited[0] = mode;
        assert_eq!(load_hnswlab(&edited), Ran::default(), "mode {mode}: the checksum refuses the edit");
    }
}

#[test]
fn replay_load_hnswlib() {
    let ran = replay("load_hnswlib");
    assert!(ran.checks > 0 && ran.searches > 0, "{ran:?}");
}

#[test]
fn replay_load_faiss() {
    let ran = replay("load_faiss");
    assert!(ran.checks > 0 && ran.searches > 0, "{ran:?}");
}

/// A file the reader reads is checked once and searched from its first four
/// vectors; one past the size bound is skipped.
#[test]
fn the_foreign_bodies_check_what_they_read_up_to_their_bound() {
    for (target, body) in [("load_hnswlib", load_hnswlib as Body), ("load_faiss", load_faiss)] {
        let mut any = false;
        for e in fs::read_dir(regression_dir(target)).unwrap() {
            let data = fs::read(e.unwrap().path()).unwrap();
            let ran = body(&data);
            assert!(ran == Ran::default() || ran.checks == 1 && ran.searches <= 4, "{target}: {ran:?}");
            any |= ran.searches > 0;
            // Zeros after the file are trailing bytes: read (at the bound)
            // with a defect, or skipped (past it).
            let mut big = data.clone();
            big.resize(MAX_FILE, 0);
            assert_eq!(body(&big), ran, "{target}: a file at the bound");
            big.push(0);
            assert_eq!(body(&big), Ran::default(), "{target}");
        }
        assert!(any, "{target}: no committed file was searched");
    }
}

/// One bit flipped per byte (bit `offset % 8`) of every valid seed file of
/// `target` (files written by hnswlib / faiss) through its body: each is a
/// typed error or a sound graph.
fn bit_flips(target: &str) {
    let seeds: Vec<PathBuf> = fs::read_dir(regression_dir(target))
        .expect("regressions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("seed-")))
        .collect();
    assert!(!seeds.is_empty(), "{target}: no seed files");
    let run = body(target);
    for seed in &seeds {
        let clean = fs::read(seed).expect("read seed");
        for at in 0..clean.len() {
            let mut b = clean.clone();
            b[at] ^= 1 << (at % 8);
            if catch_unwind(AssertUnwindSafe(|| run(&b))).is_err() {
                panic!("{target}: {} with bit {} of byte {at} flipped", seed.display(), at % 8);
            }
        }
        eprintln!("{target}: {} single-bit flips of {}", clean.len(), seed.display());
    }
}

#[test]
fn bit_flips_load_hnswlib() {
    bit_flips("load_hnswlib");
}

#[test]
fn bit_flips_load_faiss() {
    bit_flips("load_faiss");
}

#[test]
fn bit_flips_load_hnswlab() {
    bit_flips("load_hnswlab");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_bytes_ops(data in vec(any::<u8>(), 0..2048)) {
        body("ops")(&data);
    }

    #[test]
    fn random_bytes_strategies_agree(data in vec(any::<u8>(), 0..1024)) {
        body("strategies_agree")(&data);
    }

    #[test]
    fn random_bytes_exact(data in vec(any::<u8>(), 0..1024)) {
        body("exact")(&data);
    }

    #[test]
    fn random_bytes_load_hnswlib(data in vec(any::<u8>(), 0..2048)) {
        body("load_hnswlib")(&data);
    }

    #[test]
    fn random_bytes_load_faiss(data in vec(any::<u8>(), 0..2048)) {
        body("load_faiss")(&data);
    }

    #[test]
    fn random_bytes_params(data in vec(any::<u8>(), 0..256)) {
        body("params")(&data);
    }

    /// A seed file with a few bytes overwritten, raw or resealed.
    #[test]
    fn edited_seeds_load_hnswlab(which in 0usize..9, edits in vec((any::<usize>(), any::<u8>()), 1..8), mode in any::<u8>()) {
        let seeds = load_hnswlab_seeds();
        let mut data = seeds[which % seeds.len()].1.clone();
        data[0] = mode;
        for &(at, v) in &edits {
            let at = 1 + at % (data.len() - 1);
            data[at] = v;
        }
        body("load_hnswlab")(&data);
    }
}

// ---------------------------------------------------------------------------
// Crashers, one named test each (pasted from `cargo fuzz fmt`).
// ---------------------------------------------------------------------------

/// fuzz/regressions/params/crash-c322385ed76a4098a3dbff707e2d5392f70f030c
fn params_bug_01_input() -> ParamsFuzzInput {
    ParamsFuzzInput {
        m: 3,
        m0: None,
        ef_construction: 138,
        ml_bits: None,
        level_cap: None,
        seed: 67553994410557467,
        selection: Heuristic { extend_candidates: true, keep_pruned: true },
        prune: Symmetric,
        metric: L2,
        dim: 2315,
        inserts: 53,
        k: 136,
        ef: 68443,
        verify_inserts: false,
        pattern: List(vec![Int(11), Int(0)]),
    }
}

#[test]
fn params_bug_01_decodes_as_pasted() {
    let data = fs::read(regression_dir("params").join("crash-c322385ed76a4098a3dbff707e2d5392f70f030c")).unwrap();
    assert_eq!(decode::<ParamsFuzzInput>(&data), Some(params_bug_01_input()));
}

/// The `ops` body runs up to [`MAX_OPS`] ops and dimension [`MAX_FUZZ_DIM`]
/// and skips anything larger, on both sides of each bound.
#[test]
fn ops_inputs_are_oversized_just_above_each_bound() {
    let dir = regression_dir("ops");
    let mut files: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let data = fs::read(&files[0]).unwrap();
    let base = decode::<OpsInput>(&data).expect("the first committed ops seed decodes");
    let with = |ops: usize, dim: usize| OpsInput { dim: dim as u8, ops: List(vec![Op::Check; ops]), ..base.clone() };
    assert!(!with(MAX_OPS, MAX_FUZZ_DIM).oversized(), "{MAX_OPS} ops at dim {MAX_FUZZ_DIM} must run");
    assert!(!with(0, 1).oversized());
    assert!(with(MAX_OPS + 1, 1).oversized(), "{} ops must be skipped", MAX_OPS + 1);
    assert!(with(1, MAX_FUZZ_DIM + 1).oversized(), "dim {} must be skipped", MAX_FUZZ_DIM + 1);
}

/// `floats` keeps every coordinate, in order, bit for bit (NaN's payload and
/// the sign of zero included): the `ops` body's raw inserts and searches and
/// the `params` body's pattern go through it.
#[test]
fn floats_keeps_each_coordinate_in_order() {
    let coords = [Int(-3), Frac(32), NegZero, Inf, Subnormal(0x8000_0001), Bits(0x7fc0_0001)];
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let want: Vec<u32> = coords.iter().map(|c| c.value().to_bits()).collect();
    assert_eq!(bits(&floats(&coords)), want);
    assert_eq!(floats(&[Int(-3), Frac(32), Huge(2)]), [-3.0, 0.5, 2e18]);
    assert_eq!(floats(&[]), Vec::<f32>::new());
    assert_eq!(NegZero.value().to_bits(), 0x8000_0000, "-0.0 keeps its sign bit");
}

/// The committed faiss seeds are IndexHNSWFlat files that read with their
/// nodes (the other faiss tests feed the reader broken bytes only).
#[test]
fn the_committed_faiss_seeds_read_with_their_nodes() {
    let mut read = 0;
    for e in fs::read_dir(regression_dir("load_faiss")).unwrap() {
        let path = e.unwrap().path();
        let data = fs::read(&path).unwrap();
        match hnswlab::foreign::faiss::read(&data) {
            Ok(idx) if !idx.graph.levels.is_empty() => {
                // faiss gives layer 0 2M slots and every other layer M.
                assert_eq!(2 * idx.graph.m, idx.graph.m0, "{}: M against layer 0's slots", path.display());
                read += 1;
            }
            other => println!("{}: {:?}", path.display(), other.map(|i| i.defects)),
        }
    }
    assert!(read > 0, "no committed faiss seed reads with nodes");
}

/// The `params` body inserts `inserts % 9` points: every count 0..=8 is
/// reachable, and the crashers above replay with the counts they need (8 for
/// bug 01, whose one-way edge appeared at the 8th insert; 8 for bug 02).
#[test]
fn params_insert_count_is_inserts_mod_nine() {
    let with = |inserts: u8| ParamsFuzzInput { inserts, ..params_bug_01_input() };
    for (inserts, expected) in [(0u8, 0usize), (1, 1), (8, 8), (9, 0), (17, 8), (53, 8), (255, 3)] {
        assert_eq!(with(inserts).insert_count(), expected, "inserts = {inserts}");
    }
    assert_eq!(params_bug_01_input().insert_count(), 8, "bug 01 needs 8 inserts");
    assert_eq!(params_bug_02_input().insert_count(), MAX_PARAMS_INSERTS, "bug 02 needs 8 inserts");
}

#[test]
fn params_bug_01_symmetric_extend_one_way_edge() {
    // postmortem: a link_back that re-selects a full list with extend_candidates may keep an extended candidate z that was never in the list and add e -> z with no z -> e (Symmetric only unlinks the dropped ones); the body must pass: under Symmetric the re-selection does not extend.
    params(&params_bug_01_input());
}

/// The same bug at dim 8, without the fuzz body: 8 points `1 + i e_i`, m = 3.
#[test]
fn params_bug_01_direct() {
    use hnswlab::{Hnsw, Params, PrunePolicy, Selection};
    use hnswlab_invariants::{check_all, Expectations};
    // postmortem: the failure was #0 -> #5 on layer 1 without a reverse after the 8th insert; check_all must pass.
    let p = Params::builder()
        .m(3)
        .ef_construction(138)
        .seed(67553994410557467)
        .selection(Selection::Heuristic { extend_candidates: true, keep_pruned: true })
        .prune(PrunePolicy::Symmetric)
        .build()
        .unwrap();
    let mut h = Hnsw::new(8, p.clone()).unwrap();
    for i in 0..8 {
        let mut v = vec![1.0f32; 8];
        v[i] += i as f32;
        h.insert(i as u64, &v).unwrap();
        let e = Expectations { level_law: None, ..Expectations::for_params(&p) };
        if let Err(x) = check_all(&h, &e) {
            panic!("after inserting row {i}:\n{x}");
        }
    }
}

/// fuzz/regressions/params/crash-37361ff5155a75fdaa6851d7199d3dd94752dbb3
fn params_bug_02_input() -> ParamsFuzzInput {
    ParamsFuzzInput {
        m: 10,
        m0: None,
        ef_construction: 327680,
        ml_bits: None,
        level_cap: None,
        seed: 0,
        selection: Simple,
        prune: Standard,
        metric: L2,
        dim: 16,
        inserts: 8,
        k: 35184372088832,
        ef: 66710299624865792,
        verify_inserts: false,
        pattern: List(vec![Int(0)]),
    }
}

#[test]
fn params_bug_02_decodes_as_pasted() {
    let data = fs::read(regression_dir("params").join("crash-37361ff5155a75fdaa6851d7199d3dd94752dbb3")).unwrap();
    assert_eq!(decode::<ParamsFuzzInput>(&data), Some(params_bug_02_input()));
}

#[test]
fn params_bug_02_huge_ef_aborts() {
    // postmortem: Hnsw::search checks ef >= k but sets no upper bound, so a knn doing Vec::with_capacity(ef) aborts at ef = 6.7e16 ("memory allocation of 533682396998926336 bytes failed"); knn allocates at most min(ef, n).
    params(&params_bug_02_input());
}

#[test]
fn params_bug_02_direct() {
    use hnswlab::{Hnsw, Params};
    // postmortem: as params_bug_02_huge_ef_aborts, at the overflow end: ef = usize::MAX must search (knn allocates at most min(ef, n)), not panic with "capacity overflow".
    let mut h = Hnsw::new(2, Params::builder().m(4).build().unwrap()).unwrap();
    h.insert(0, &[0.0, 1.0]).unwrap();
    let found = h.search(&[0.0, 1.0], 1, usize::MAX).unwrap();
    assert_eq!(found.len(), 1);
}

/// fuzz/regressions/strategies_agree/crash-348cfcf89bea03b047ec6aa01c176f32c609a36b
fn strategies_agree_bug_03_input() -> AgreeInput {
    AgreeInput {
        params: ParamsInput {
            m: 2,
            m0: Some(247),
            ef_construction: 45,
            ml: None,
            level_cap: None,
            seed: 15060276778487644160,
            selection: Simple,
            prune: Symmetric,
            metric: L2,
            verify_inserts: false,
        },
        dim: 16,
        threads: 16,
        batch: 16,
        max_batch: 0,
        defect: None,
        points: List(vec![
            List(vec![]),
            List(vec![]),
            List(vec![]),
            List(vec![-46]),
            List(vec![0, 45]),
            List(vec![]),
            List(vec![]),
        ]),
    }
}

#[test]
fn strategies_agree_bug_03_decodes_as_pasted() {
    let data =
        fs::read(regression_dir("strategies_agree").join("crash-348cfcf89bea03b047ec6aa01c176f32c609a36b")).unwrap();
    assert_eq!(decode::<AgreeInput>(&data), Some(strategies_agree_bug_03_input()));
}

#[test]
fn strategies_agree_bug_03_repair_links_unconnected_node() {
    // postmortem: batched allocates all 7 rows, then connects them in order; a Symmetric repair during #4's insert that scans 0..graph.len() links #3 <-> #5 before #5 is connected, and #5's own insert then overwrites its list: #3 -> #5 is one-way, and the graph differs from sequential. The repair's layer scan considers connected nodes only.
    strategies_agree(&strategies_agree_bug_03_input());
}

/// fuzz/regressions/params/crash-5bbd1985362d91cf2ef307929378d4ce92896caf
/// (not a core bug: a false alarm of the fuzz body).
#[test]
fn params_bug_04_verify_inserts_gave_up() {
    let data = fs::read(regression_dir("params").join("crash-5bbd1985362d91cf2ef307929378d4ce92896caf")).unwrap();
    let input = decode::<ParamsFuzzInput>(&data).unwrap();
    assert_eq!(
        (input.m, input.ef_construction, input.prune, input.metric, input.verify_inserts, input.dim),
        (3, 1, Symmetric, Cosine, true, 12030)
    );
    // postmortem: with verify_inserts, ef_construction = 1, Symmetric and 12030-d near-duplicates, insert 7 stays unfindable after 3 repair rounds and findability_failures goes 0 -> 1; that is verify_inserts' documented post-condition, so the body tolerates an I4 miss exactly when findability_failures grew.
    params(&input);
}

/// fuzz/regressions/exact/crash-f361ede5635dcd39bc57eefab5f333bae85f06ba
/// (not a core bug: the same false alarm as `params_bug_04`).
#[test]
fn exact_bug_05_verify_inserts_gave_up() {
    let data = fs::read(regression_dir("exact").join("crash-f361ede5635dcd39bc57eefab5f333bae85f06ba")).unwrap();
    let input = decode::<ExactInput>(&data).unwrap();
    assert!(input.params.verify_inserts, "{input:?}");
    // postmortem: inner product, 2-d; row 30 [61, 0] stays unfindable (its self-distance is -3720, the search returns #0) after verify_inserts' 3 repair rounds, which count it in findability_failures: tolerated, as in params_bug_04.
    exact(&input);
}

/// The same rows and params through `strategies_agree`: its I4 budget
/// (misses seen at the commits, against the builds' findability_failures)
/// is spent and balanced, so the body passes; a miss counted the wrong way
/// would fail it.
#[test]
fn strategies_agree_balances_an_i4_miss_verify_inserts_counted() {
    let data = fs::read(regression_dir("exact").join("crash-f361ede5635dcd39bc57eefab5f333bae85f06ba")).unwrap();
    let exact_input = decode::<ExactInput>(&data).unwrap();
    let input = AgreeInput {
        params: exact_input.params.clone(),
        dim: exact_input.dim,
        threads: 0,
        batch: 1,
        max_batch: 1,
        defect: None,
        points: exact_input.points.clone(),
    };
    let params = input.params.build().expect("the regression's params are valid");
    let dim = usize::from(input.dim);
    let rows: Vec<f32> = input.points.0.iter().flat_map(|p| fit(&p.0, dim)).collect();
    let seq = hnswlab::registry::by_name("sequential").unwrap();
    let built =
        seq.build(&hnswlab::strategy::BuildInput { dim, params: &params, data: &rows, threads: 1 }, None).unwrap();
    let stats = built.segments[0].stats();
    assert!(stats.findability_failures > 0, "the rows still defeat verify_inserts' repair");
    // A failure is an insert still missed after three repair rounds, each counted.
    assert!(stats.findability_repairs >= 3 * stats.findability_failures, "{stats:?}");
    assert!(strategies_agree(&input).builds > 0);
}

/// fuzz/regressions/load_hnswlab/crash-3b5b0c9b02136c031e99001a1fc8c90824e6bb39
/// (not a core bug: the fuzz body asked too much of a file's graph).
#[test]
fn load_hnswlab_bug_06_disconnected_file_graph() {
    let data = fs::read(regression_dir("load_hnswlab").join("crash-3b5b0c9b02136c031e99001a1fc8c90824e6bb39")).unwrap();
    let mut file = data[1..].to_vec();
    if data[0] & 1 == 1 {
        hnswlab::file::reseal(&mut file);
    }
    let h = hnswlab::Hnsw::from_bytes(&file).expect("a structurally valid file");
    // postmortem: an edited (resealed) seed whose layer-0 lists leave node #5 unreachable loads fine (a file need not be connected), and k = 3 from #5 returns 1 hit; the body accepts 1..=k, not exactly k.
    let q = hnswlab::GraphView::vector(&h, hnswlab::NodeId(5)).to_vec();
    let found = h.search(&q, 3, 16).unwrap();
    assert!((1..=3).contains(&found.len()), "{found:?}");
    load_hnswlab(&data);
}

/// fuzz/regressions/load_hnswlib/crash-55336fc371b9c48b4d79e882569988a64e51b3b8
// postmortem: a file with 25 nodes sharing labels made check_all fold the
// LabelMismatch violations past the per-kind cap into one `Omitted`, which
// the body did not recognise as a label report; the reader was right.
#[test]
fn load_hnswlib_bug_01_labels_past_the_report_cap() {
    let data = fs::read(regression_dir("load_hnswlib").join("crash-55336fc371b9c48b4d79e882569988a64e51b3b8")).unwrap();
    let idx = hnswlab::foreign::hnswlib::read(
        &data,
        &hnswlab::foreign::hnswlib::Options { dim: None, space: hnswlab::Metric::L2 },
    )
    .expect("readable");
    let twice = idx.defects.iter().filter(|d| d.kind() == "LabelMappedTwice").count();
    assert!(twice > hnswlab_invariants::violation::REPORT_CAP, "{twice} labels carried twice");
    load_hnswlib(&data);
}

/// fuzz/regressions/load_hnswlib/crash-310d3af670f08eb1fb6cfbfe7ac8b38f6f9fa31d
// postmortem: a file with a NaN component: the reader reports it as a file
// defect and keeps the vector (as documented); check_all reports the
// non-finite vector as I1, which the body must not count as the reader's
// failure. The body treats NonFiniteVector like LabelMismatch.
#[test]
fn load_hnswlib_bug_02_nan_component_is_a_reported_defect() {
    let data = fs::read(regression_dir("load_hnswlib").join("crash-310d3af670f08eb1fb6cfbfe7ac8b38f6f9fa31d")).unwrap();
    let idx = hnswlab::foreign::hnswlib::read(
        &data,
        &hnswlab::foreign::hnswlib::Options { dim: None, space: hnswlab::Metric::L2 },
    )
    .expect("readable");
    assert!(idx.defects.iter().any(|d| d.kind() == "NonFinite"), "{:?}", idx.defects);
    load_hnswlib(&data);
}
