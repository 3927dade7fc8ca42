//! `cargo fuzz run --sanitizer none load_hnswlib`: a shim over
//! [`hnswlab_invariants::fuzzing::load_hnswlib`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hnswlab_invariants::fuzzing::load_hnswlib(data);
});
