//! `cargo fuzz run --sanitizer none params`: a shim over
//! [`hnswlab_invariants::fuzzing::params`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

use hnswlab_invariants::fuzzing::{params, ParamsFuzzInput};

libfuzzer_sys::fuzz_target!(|input: ParamsFuzzInput| {
    params(&input);
});
