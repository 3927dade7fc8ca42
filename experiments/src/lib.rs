//! # hnswlab-experiments
//!
//! The `hnswlab` command line: data sets (synthetic and texmex), exact ground
//! truth, recall with the ann-benchmarks ε rule, and the `build` experiment,
//! which runs every insert and the finished graph through
//! `hnswlab-invariants`.
//!
//! | concept | file |
//! |---|---|
//! | command-line arguments: the subcommands | `cli.rs` |
//! | the names of parameter values (`--metric ip`, `prune = "symmetric"`) | `names.rs` |
//! | data sets: the spec, loading it, the vectors | `data/` |
//! | fvecs / ivecs / bvecs | `texmex.rs` |
//! | ann-benchmarks HDF5 (feature `hdf5`) | `hdf5.rs` |
//! | ground truth, recall, metric registry | `metrics.rs` |
//! | the sizes the CLI accepts (threads, passes, floats per set) | `limits.rs` |
//! | `hnswlab build` | `cmd/build.rs` |
//! | the search sweep: recall, QPS, distances per query at each ef | `sweep.rs` |
//! | report (JSON and human) | `output.rs` |
//! | `hnswlab build --profile`: insertion time and distances per phase | `profile.rs` |
//! | progress bars | `progress.rs` |
//! | publishing an output folder whole (staging, atomic swap, Ctrl-C) | `publish.rs` |
//! | the Python interpreter for peers (`$HNSWLAB_PYTHON`) | `python.rs` |
//! | experiment configs (TOML) | `config.rs` |
//! | `hnswlab report`: runs, results, charts, report.md | `cmd/report.rs`, `report/` |
//! | `hnswlab compare`: beside hnswlib and faiss, ratios per round | `cmd/compare.rs`, `compare/` |
//! | `hnswlab churn`: delete policies and hnswlib under churn, round by round | `cmd/churn.rs`, `churn/` |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod churn;
pub mod cli;
pub mod cmd;
pub mod compare;
pub mod config;
pub mod data;
pub mod fidelity;
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "hdf5")]
pub mod hdf5;
pub mod limits;
pub mod metrics;
pub mod names;
pub mod output;
pub mod profile;
pub mod progress;
pub mod publish;
pub mod python;
pub mod report;
pub mod sweep;
pub mod texmex;
