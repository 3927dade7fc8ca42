//! `hnswlab compare`: hnswlab beside hnswlib and faiss on the same files in
//! one run, alternating and repeated, with ratios per round and their spread.
//!
//! | concept | file |
//! |---|---|
//! | comparison configs (TOML) | `config.rs` |
//! | entrants and the rotating order of a round | `plan.rs` |
//! | one measurement in a fresh process (hnswlab's worker, the Python runner) | `measure.rs` |
//! | QPS at a target recall, ratios, medians and spreads | `summary.rs` |
//! | CSV, JSON, `compare.md`, the stdout table | `output.rs` |
//! | charts | `charts.rs` |
//! | the command | `cmd/compare.rs` |

pub mod charts;
pub mod config;
pub mod measure;
pub mod output;
pub mod plan;
pub mod summary;
