//! `cargo fuzz run --sanitizer none exact`: a shim over
//! [`hnswlab_invariants::fuzzing::exact`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

use hnswlab_invariants::fuzzing::{exact, ExactInput};

libfuzzer_sys::fuzz_target!(|input: ExactInput| {
    exact(&input);
});
