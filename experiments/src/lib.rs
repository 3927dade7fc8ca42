//! # hnswlab-experiments
//!
//! The `hnswlab` command line: data sets (synthetic and texmex), exact ground
//! truth, recall with the ann-benchmarks ε rule, and the `build` experiment,
//! which runs every insert and the finished graph through
//! `hnswlab-invariants`.
//!
//! | concept | file |
//! |---|---|
//! | command-line arguments | `cli.rs` |
//! | synthetic and file data sets | `data.rs` |
//! | fvecs / ivecs / bvecs | `texmex.rs` |
//! | ground truth, recall, metric registry | `metrics.rs` |
//! | `hnswlab build` | `cmd/build.rs` |
//! | report (JSON and human) | `output.rs` |
//! | progress bars | `progress.rs` |

#![warn(missing_docs)]

pub mod cli;
pub mod cmd;
pub mod data;
pub mod metrics;
pub mod output;
pub mod progress;
pub mod texmex;
