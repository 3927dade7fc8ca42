//! Fuzz bodies over the CLI's input parsers and data-file loaders, shared by
//! `fuzz/` (cargo fuzz) and `experiments/tests/fuzz_config.rs` (plain
//! `cargo test`, which replays every committed regression). Hidden: not an
//! API.
//!
//! | body | fuzz target | input |
//! |---|---|---|
//! | [`config_text`] | `config` | an experiment or comparison config (TOML) |
//! | [`load_data`] | `load_data` | a texmex (`.fvecs`/`.ivecs`/`.bvecs`) or ann-benchmarks HDF5 file |

mod config;
mod data_files;

pub use config::{config_text, MAX_INPUT};
pub use data_files::{load_data, load_data_seeds, Format, MAX_FILE};
