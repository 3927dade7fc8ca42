//! hnswlab's own index file: save, load, and the checks a loaded file passes.
//!
//! A file holds everything needed to continue building: the params (m, m0,
//! efConstruction, mL, level cap, selection, prune, metric, seed,
//! verify_inserts), the dimension and count, labels, levels, entry point and
//! max level, every layer's lists, the stored vectors and (version 2) the
//! state of every slot: live, deleted or free (catalogue F22). Levels are a pure
//! function of (seed, id) ([`crate::level`]), so the seed is all the level
//! generator's state; inserts after a load continue exactly as they would
//! have without the save. Build counters ([`crate::BuildStats`]) are not
//! saved.
//!
//! | file | concept |
//! |---|---|
//! | [`format`](mod@format) | byte layout: header, section frames, payloads |
//! | [`checksum`] | CRC32C over the header and each frame |
//! | [`reader`] | bounded reads that name section and offset |
//! | [`encode`] / [`decode`] | index to bytes and back, validating |
//! | [`atomic`] | crash-safe replacement of the target file |
//! | [`problem`] | what can be wrong, for [`crate::ErrorKind::CorruptFile`] |

use std::path::Path;

use crate::error::{Error, Result};
use crate::index::Hnsw;

pub mod atomic;
pub mod checksum;
pub mod decode;
pub mod encode;
pub mod format;
pub mod problem;
pub mod reader;

pub use checksum::reseal;
pub use format::Section;
pub use problem::FileProblem;

impl Hnsw {
    /// The index as file bytes (format version 1, or 2 when some slot is
    /// deleted or free: see [`format`](mod@format)). Slot states survive:
    /// a deleted label stays deleted after a load, a free slot stays reusable.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode::encode(self)
    }

    /// An index from file bytes, validated before it is trusted: a typed
    /// [`crate::ErrorKind::CorruptFile`] naming the section and byte offset
    /// for any defect, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Hnsw> {
        decode::decode(bytes)
    }

    /// Write the index to `path` atomically (temporary file, fsync, rename, fsync folder).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        atomic::write_atomically(path.as_ref(), &self.to_bytes())
    }

    /// Read an index written by [`Hnsw::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Hnsw> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, &e))?;
        Hnsw::from_bytes(&bytes)
    }
}
