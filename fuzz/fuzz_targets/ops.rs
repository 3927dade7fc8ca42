//! `cargo fuzz run --sanitizer none ops`: a shim over
//! [`hnswlab_invariants::fuzzing::ops`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

use hnswlab_invariants::fuzzing::{ops, OpsInput};

libfuzzer_sys::fuzz_target!(|input: OpsInput| {
    ops(&input);
});
