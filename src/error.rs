//! Typed errors for everything a caller can get wrong.
//!
//! A public [`Error`] wraps an [`ErrorKind`] (the regex-automata shape): user
//! mistakes are values, never panics. A broken internal invariant is a bug
//! and panics (or trips a `debug_assert!`) instead.

use std::fmt;

/// What went wrong. Each variant carries the numbers needed to fix the call.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A parameter is out of its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParam {
        /// Parameter name as in [`crate::ParamsBuilder`].
        name: &'static str,
        /// The offending value, printed.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A vector's length differs from the index dimension.
    #[error("dimension mismatch: index has dim {expected}, vector has {got}")]
    DimensionMismatch {
        /// The index dimension.
        expected: usize,
        /// The vector's length.
        got: usize,
    },
    /// A coordinate is NaN or infinite.
    #[error("non-finite value {value} at coordinate {coordinate}")]
    NonFinite {
        /// Position of the bad coordinate.
        coordinate: usize,
        /// The value found.
        value: f32,
    },
    /// Every coordinate is finite, but the squared norm is so large that a
    /// distance to the vector could overflow f32.
    #[error("vector too large: squared norm {norm2:e} exceeds {max:e} (a distance to it could overflow f32)")]
    NormTooLarge {
        /// The squared norm, computed in f64.
        norm2: f64,
        /// The largest accepted squared norm.
        max: f64,
    },
    /// A vector with zero (or subnormal-only) norm under the cosine metric.
    #[error("zero vector: cosine distance is undefined for a vector of norm {norm}")]
    ZeroVector {
        /// The computed norm.
        norm: f32,
    },
    /// k = 0 asked of a k-NN search.
    #[error("k must be at least 1")]
    ZeroK,
    /// ef below k (Alg. 5 needs ef >= k).
    #[error("ef ({ef}) must be at least k ({k})")]
    EfLessThanK {
        /// The requested ef.
        ef: usize,
        /// The requested k.
        k: usize,
    },
    /// A search on an index with no nodes.
    #[error("the index is empty")]
    EmptyIndex,
    /// A label that is already in the index.
    #[error("label {label} is already in the index")]
    DuplicateLabel {
        /// The repeated label.
        label: u64,
    },
    /// A label that is not live in the index (never inserted, or deleted).
    #[error("label {label} is not in the index")]
    UnknownLabel {
        /// The label asked for.
        label: u64,
    },
    /// A graph offered for adoption is structurally broken (see [`crate::validate::check`]).
    #[error("invalid graph: {defect} ({count} defect(s) in all)")]
    InvalidGraph {
        /// The first defect found, printed.
        defect: String,
        /// How many defects were found.
        count: usize,
    },
    /// A graph built under one metric offered to an index with another.
    #[error("metric mismatch: params say {expected:?}, the graph was built with {got:?}")]
    MetricMismatch {
        /// The metric of the params.
        expected: crate::distance::Metric,
        /// The metric of the graph.
        got: crate::distance::Metric,
    },
    /// More nodes than u32 ids can hold.
    #[error("capacity exceeded: at most {max} nodes")]
    CapacityExceeded {
        /// The maximum number of nodes.
        max: u64,
    },
    /// An index file (or byte string) that is not a valid hnswlab index.
    #[error("index file: {section} at byte {offset}: {problem}")]
    CorruptFile {
        /// The part of the file that is wrong.
        section: crate::file::Section,
        /// Byte offset from the file's start of the wrong field; for a checksum
        /// mismatch, of the first byte the checksum covers.
        offset: u64,
        /// What is wrong there.
        problem: crate::file::FileProblem,
    },
    /// Reading or writing an index file failed.
    #[error("{op} {path}: {message}")]
    Io {
        /// What was being done (`read`, `write`, `rename`, ...).
        op: &'static str,
        /// The path involved.
        path: String,
        /// The OS error's kind.
        kind: std::io::ErrorKind,
        /// The OS error, printed.
        message: String,
    },
    /// A size whose product overflows `usize`, or exceeds a stated limit.
    #[error("`{what}` is too large: {requested} exceeds the limit of {max}")]
    TooLarge {
        /// What was sized (`n x dim`, `reserve`, ...).
        what: &'static str,
        /// The requested size (saturated at `u128::MAX` when it overflows).
        requested: u128,
        /// The limit.
        max: u128,
    },
    /// The allocator refused a request (reported by `try_reserve`).
    #[error("cannot allocate {bytes} bytes for {what}")]
    AllocationFailed {
        /// What the memory was for.
        what: &'static str,
        /// How many bytes were asked for.
        bytes: u128,
    },
}

/// The error type of every fallible hnswlab call.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// The kind of error, for matching.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn io(op: &'static str, path: &std::path::Path, e: &std::io::Error) -> Self {
        ErrorKind::Io { op, path: path.display().to_string(), kind: e.kind(), message: e.to_string() }.into()
    }

    pub(crate) fn invalid(name: &'static str, value: impl fmt::Display, reason: &'static str) -> Self {
        ErrorKind::InvalidParam { name, value: value.to_string(), reason }.into()
    }
}

/// `a * b` as a `usize`, or [`ErrorKind::TooLarge`] naming `what` when it overflows.
pub fn checked_product(what: &'static str, a: usize, b: usize) -> Result<usize> {
    a.checked_mul(b)
        .ok_or_else(|| ErrorKind::TooLarge { what, requested: a as u128 * b as u128, max: usize::MAX as u128 }.into())
}

/// An empty `Vec` with room for `n` elements, or [`ErrorKind::AllocationFailed`]
/// (overflow included) instead of an abort.
pub fn try_vec<T>(what: &'static str, n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    try_grow(what, &mut v, n)?;
    Ok(v)
}

/// `v.try_reserve(n)` with the refusal as [`ErrorKind::AllocationFailed`].
pub fn try_grow<T>(what: &'static str, v: &mut Vec<T>, n: usize) -> Result<()> {
    v.try_reserve(n).map_err(|_| {
        let bytes = n as u128 * std::mem::size_of::<T>() as u128;
        Error::from(ErrorKind::AllocationFailed { what, bytes })
    })
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for Error {}

/// Result alias for hnswlab calls.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_product_reports_the_product_it_could_not_hold() {
        assert_eq!(checked_product("rows", 3, 5).unwrap(), 15);
        assert_eq!(checked_product("rows", usize::MAX, 1).unwrap(), usize::MAX);
        let e = checked_product("rows", usize::MAX, 3).unwrap_err();
        match e.kind() {
            ErrorKind::TooLarge { what, requested, max } => {
                assert_eq!((*what, *requested, *max), ("rows", usize::MAX as u128 * 3, usize::MAX as u128));
            }
            k => panic!("expected TooLarge, got {k:?}"),
        }
    }
}
