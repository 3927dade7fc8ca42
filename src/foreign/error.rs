//! Why a foreign file could not be read at all.

/// The file cannot be interpreted: nothing in it can be trusted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file ends before a part that everything after it depends on.
    #[error("truncated: {what} needs {needed} bytes at offset {offset}, the file has {len}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Where it starts.
        offset: u64,
        /// Bytes it needs.
        needed: u64,
        /// File length.
        len: u64,
    },
    /// The file does not start with the format's magic number.
    #[error("bad magic {found:02x?} at offset 0: expected {expected:?}")]
    BadMagic {
        /// The first bytes found.
        found: Vec<u8>,
        /// The magic expected.
        expected: &'static str,
    },
    /// A header field contradicts another one, so records cannot be laid out.
    #[error("header field `{field}` at offset {offset} is {found}, {rule}")]
    Header {
        /// The field.
        field: &'static str,
        /// Its byte offset.
        offset: u64,
        /// The value read.
        found: i128,
        /// The rule it breaks.
        rule: String,
    },
    /// A dimension given by the caller contradicts the file.
    #[error("dimension mismatch: the file's records hold {file} floats per vector (field at offset {offset}), --dim says {given}")]
    DimensionMismatch {
        /// Dimension implied by the file.
        file: usize,
        /// Dimension given.
        given: usize,
        /// Offset of the field that implies it.
        offset: u64,
    },
    /// A valid file of a kind this reader does not handle.
    #[error("unsupported at offset {offset}: {what}")]
    Unsupported {
        /// Where the unsupported part is.
        offset: u64,
        /// What it is.
        what: String,
    },
}
