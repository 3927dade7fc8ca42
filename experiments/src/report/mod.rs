//! `hnswlab report`: config → runs → results (CSV + JSON) → charts → `report.md`,
//! after ann-benchmarks.
//!
//! | concept | file |
//! |---|---|
//! | running a config | `run.rs` |
//! | results, CSV/JSON, Pareto frontier | `results.rs` |
//! | commit, machine, peak RSS | `machine.rs` |
//! | charts (plotters) | `charts.rs` |
//! | hnsw_rs and instant-distance (feature `peers`) | `peers.rs` |
//! | hnswlib and faiss through Python | `python_peers.rs`, `experiments/scripts/python_peers.py` |
//! | `report.md` | `markdown.rs` |

pub mod charts;
pub mod machine;
pub mod markdown;
#[cfg(feature = "peers")]
pub mod peers;
pub mod python_peers;
pub mod results;
pub mod run;
