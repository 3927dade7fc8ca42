//! `cargo fuzz run --sanitizer none config`: a shim over
//! [`hnswlab_experiments::fuzzing::config_text`] (replayed by
//! experiments/tests/fuzz_config.rs).
#![forbid(unsafe_code)]
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hnswlab_experiments::fuzzing::config_text(data));
