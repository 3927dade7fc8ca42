//! `cargo fuzz run --sanitizer none strategies_agree`: a shim over
//! [`hnswlab_invariants::fuzzing::strategies_agree`] (replayed by invariants/tests/fuzz_replay.rs).
#![forbid(unsafe_code)]
#![no_main]

use hnswlab_invariants::fuzzing::{strategies_agree, AgreeInput};

libfuzzer_sys::fuzz_target!(|input: AgreeInput| {
    strategies_agree(&input);
});
