//! Readers for index files written by other HNSW libraries: hnswlib 0.8's
//! `saveIndex` and faiss's `IndexHNSWFlat` (`write_index`).
//!
//! A reader validates before it trusts: every count and length is checked
//! against the bytes left in the file, with checked arithmetic, before
//! anything is allocated. What it returns is split in two:
//!
//! - [`ReadError`]: the file cannot be interpreted at all (too short for its
//!   header, wrong magic, header fields that contradict the record layout).
//! - [`ForeignIndex`]: a graph, plus every [`FileDefect`] found on the way,
//!   each located by byte offset (and node/layer where it has one). The graph
//!   is the file with its defects taken out: lists clamped to their layer's
//!   capacity, links that are out of range, self-links, duplicates or below
//!   the target's level dropped, a bad entry point replaced by the first node
//!   of the top level, the stored maximum level replaced by the highest node
//!   level. So it passes [`crate::validate::check`] except for labels carried
//!   twice and non-finite vector components, which are reported but kept,
//!   and can be censused and searched even when the file is broken.

pub mod cursor;
pub mod defect;
pub mod error;
pub mod faiss;
pub mod hnswlib;
mod sanitize;

pub use defect::FileDefect;
pub use error::ReadError;

use crate::view::Snapshot;

/// An index file format: the two this module reads, and hnswlab's own
/// (read by [`crate::Hnsw::from_bytes`]), so one sniff names each of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// hnswlab's own index file ([`crate::file`], magic `HNSWLAB\0`).
    Hnswlab,
    /// hnswlib 0.8 `saveIndex` (no magic; dimension and space not stored).
    Hnswlib,
    /// faiss `IndexHNSWFlat` (`write_index`, fourcc `IHNf`).
    Faiss,
}

impl Format {
    /// Lower-case name, as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Hnswlab => "hnswlab",
            Format::Hnswlib => "hnswlib",
            Format::Faiss => "faiss",
        }
    }

    /// The format named by a file's first bytes, when it has a magic number
    /// (hnswlib files have none).
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&crate::file::format::MAGIC) {
            Some(Format::Hnswlab)
        } else {
            bytes.starts_with(faiss::MAGIC).then_some(Format::Faiss)
        }
    }
}

/// Build parameters a file records (those it does not are `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileParams {
    /// M, as stored (hnswlib `M_`; faiss: the layer-1 capacity).
    pub m: usize,
    /// Layer-0 capacity (hnswlib `maxM0_`; faiss `nb_neighbors(0)`).
    pub m0: usize,
    /// efConstruction.
    pub ef_construction: usize,
    /// mL, the level multiplier (hnswlib `mult_`), when stored.
    pub ml: Option<f64>,
    /// The capacity the index was created with (hnswlib `max_elements_`).
    pub max_elements: Option<usize>,
}

/// A foreign index file, read and sanitised.
#[derive(Clone, Debug)]
pub struct ForeignIndex {
    /// The file's format.
    pub format: Format,
    /// The graph with every defect taken out (see the module docs).
    pub graph: Snapshot,
    /// Per node: marked deleted in the file (hnswlib tombstones; faiss has none).
    pub deleted: Vec<bool>,
    /// Parameters the file records.
    pub params: FileParams,
    /// Every defect found, in file order.
    pub defects: Vec<FileDefect>,
}

impl ForeignIndex {
    /// Number of nodes marked deleted.
    pub fn deleted_count(&self) -> usize {
        self.deleted.iter().filter(|&&d| d).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A magic number names its format, anywhere it starts a file, and
    /// nothing else does (hnswlib files have no magic): an hnswlab file, a
    /// faiss `IHNf` file, their magics alone; not an empty file, a prefix
    /// of a magic, or the bytes of an hnswlib header.
    #[test]
    fn a_magic_number_names_its_format_and_nothing_else_does() {
        let p = crate::Params::builder().m(2).build().unwrap();
        let hnswlab_file = crate::Hnsw::new(2, p).unwrap().to_bytes();
        assert_eq!(Format::sniff(&hnswlab_file), Some(Format::Hnswlab));
        assert_eq!(Format::sniff(&crate::file::format::MAGIC), Some(Format::Hnswlab));
        assert_eq!(Format::sniff(b"IHNf\x02\0\0\0"), Some(Format::Faiss));
        for other in [&b""[..], b"IHN", b"HNSWLAB", &[0u8; 96], b"IxF2...."] {
            assert_eq!(Format::sniff(other), None, "{other:?}");
        }
        let names: Vec<&str> = [Format::Hnswlab, Format::Hnswlib, Format::Faiss].iter().map(|f| f.name()).collect();
        assert_eq!(names, ["hnswlab", "hnswlib", "faiss"]);
    }
}
