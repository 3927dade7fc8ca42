//! `cargo fuzz run --sanitizer none load_faiss`: a shim over
//! [`hnswlab_invariants::fuzzing::load_faiss`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hnswlab_invariants::fuzzing::load_faiss(data);
});
