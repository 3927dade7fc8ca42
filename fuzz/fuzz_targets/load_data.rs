//! `cargo fuzz run --sanitizer none load_data`: a shim over
//! [`hnswlab_experiments::fuzzing::load_data`] (replayed by
//! experiments/tests/fuzz_config.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hnswlab_experiments::fuzzing::load_data(data));
