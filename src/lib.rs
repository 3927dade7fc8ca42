//! # hnswlab
//!
//! A reference HNSW (Malkov & Yashunin, "Efficient and robust approximate
//! nearest neighbor search using Hierarchical Navigable Small World graphs",
//! TPAMI 2018) built to be checked: deterministic from a seed, with the paper's
//! algorithms named where they are implemented, and a read-only [`GraphView`]
//! that `hnswlab-invariants` checks.
//!
//! | paper | here |
//! |---|---|
//! | Alg. 1 INSERT | [`Hnsw::insert`], `insert.rs` |
//! | Alg. 2 SEARCH-LAYER | [`search::search_layer`] |
//! | Alg. 3 SELECT-NEIGHBORS-SIMPLE | [`select::select_simple`] |
//! | Alg. 4 SELECT-NEIGHBORS-HEURISTIC | [`select::select_heuristic`] |
//! | Alg. 5 K-NN-SEARCH | [`Hnsw::search`], [`search::knn`] |
//! | level `floor(-ln(u) mL)` | [`level::level`] |
//! | hnswlib `markDelete` (tombstones; searches walk them, never return them) | [`Hnsw::delete`], [`search::knn_admitting`] |
//! | hnswlib `updatePoint` / `replace_deleted` | [`Hnsw::update`], [`Hnsw::insert_replacing`] |
//! | FreshDiskANN delete consolidation, per layer | [`Hnsw::consolidate`] |
//! | delete policies (tombstone, replace, consolidate, rebuild) | [`churn`] |
//! | where Alg. 1's time goes, per phase | [`profile::Profile`] in [`BuildStats`] |
//!
//! ```
//! use hnswlab::{Hnsw, Params};
//! let mut index = Hnsw::new(2, Params::builder().m(4).seed(7).build()?)?;
//! for (label, v) in [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]].iter().enumerate() {
//!     index.insert(label as u64, v)?;
//! }
//! let hits = index.search(&[0.9, 0.1], 1, 10)?;
//! assert_eq!(hits[0].label, 1);
//! # Ok::<(), hnswlab::Error>(())
//! ```

#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod churn;
mod consolidate;
pub mod distance;
pub mod error;
pub mod file;
pub mod foreign;
mod graph;
mod hooks;
mod hugepage;
pub mod ids;
pub mod index;
mod insert;
mod layout;
pub mod level;
mod lists;
mod marks;
pub mod mutants;
pub mod oracle;
pub mod params;
mod prefetch;
pub mod profile;
pub mod reference;
pub mod registry;
pub mod search;
pub mod select;
mod shared;
mod store;
pub mod strategy;
pub mod sync;
pub mod synthetic;
mod tombstones;
mod update;
pub mod validate;
pub mod view;
mod visited;

pub use consolidate::Consolidated;
pub use distance::Metric;
pub use error::{Error, ErrorKind, Result};
pub use ids::{Layer, NodeId};
pub use index::{Hnsw, Neighbour};
pub use insert::{BackLink, BuildStats, InsertTrace, LayerTrace};
pub use params::{Params, ParamsBuilder, PrunePolicy, Selection};
pub use profile::{Phase, Profile};
pub use search::{Scored, Scratch};
pub use tombstones::Slot;
pub use validate::{check, Defect};
pub use view::{GraphView, Snapshot};
