//! What can be wrong with an index file, located by section and byte offset
//! in [`crate::ErrorKind::CorruptFile`].

use crate::validate::Defect;

/// One reason an index file is rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FileProblem {
    /// Fewer bytes are left than the field or section needs.
    #[error("truncated: needs {needed} bytes, {available} left")]
    Truncated {
        /// Bytes the field or section needs.
        needed: u64,
        /// Bytes left in the file (or section).
        available: u64,
    },
    /// The file does not start with the hnswlab magic.
    #[error("not an hnswlab index file (magic {found:02x?})")]
    BadMagic {
        /// The first bytes found.
        found: Vec<u8>,
    },
    /// A format version this build cannot read.
    #[error("format version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// The version read here.
        supported: u32,
    },
    /// The endianness marker is not the little-endian one.
    #[error("endianness marker {found:#010x}: the file is not little-endian hnswlab")]
    ForeignEndianness {
        /// The marker found.
        found: u32,
    },
    /// A stored checksum does not match the bytes it covers.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// Checksum in the file.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
    /// A length or count disagrees with what the rest of the file implies.
    #[error("{what} is {got}, expected {expected}")]
    SizeMismatch {
        /// The length or count.
        what: &'static str,
        /// The value the rest of the file implies.
        expected: u64,
        /// The value found.
        got: u64,
    },
    /// A section of another kind where this one must be.
    #[error("section kind {found} where kind {expected} must be")]
    UnexpectedSection {
        /// Kind required here.
        expected: u32,
        /// Kind found.
        found: u32,
    },
    /// A field holds a value outside its range.
    #[error("field `{field}` = {value}: {reason}")]
    BadValue {
        /// The field.
        field: &'static str,
        /// Its value, printed.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The decoded graph breaks a structural invariant.
    #[error("{0}")]
    Graph(Defect),
    /// Bytes after the last section.
    #[error("{len} bytes after the last section")]
    TrailingBytes {
        /// How many.
        len: u64,
    },
}
