//! Reader and writer for the texmex vector formats (`.fvecs`, `.ivecs`, `.bvecs`).
//!
//! Each record is a little-endian `i32` dimension `d` followed by `d`
//! components: `f32` (fvecs), `i32` (ivecs) or `u8` (bvecs). Every record of a
//! file must have the same `d`.
//!
//! Invariant: a file is accepted only if it parses into whole records of one
//! positive dimension (and, for fvecs, finite components). Anything else is a
//! [`TexmexError`] naming the file, the record and its byte offset — never a
//! panic, never a silently shortened data set.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Vectors of one dimension, stored back to back.
#[derive(Clone, Debug, PartialEq)]
pub struct Vecs<T> {
    /// Components per vector.
    pub dim: usize,
    /// `len() * dim` components.
    pub data: Vec<T>,
}

impl<T> Vecs<T> {
    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// True when there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Vector `i`.
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// Why a texmex file was rejected.
#[derive(Debug)]
#[non_exhaustive]
pub enum TexmexErrorKind {
    /// The file could not be opened or read.
    Io(io::Error),
    /// The file holds no records.
    Empty,
    /// A record's dimension header is zero or negative.
    BadDimension {
        /// Record number (0-based).
        record: usize,
        /// Byte offset of the record.
        offset: u64,
        /// The header value.
        dim: i32,
    },
    /// A record's dimension differs from the first record's.
    InconsistentDimension {
        /// Record number (0-based).
        record: usize,
        /// Byte offset of the record.
        offset: u64,
        /// Dimension of record 0.
        expected: usize,
        /// Dimension of this record.
        got: usize,
    },
    /// The file ends inside a record (its header or its components).
    Truncated {
        /// Record number (0-based).
        record: usize,
        /// Byte offset of the record.
        offset: u64,
        /// Bytes the record needs from `offset`.
        needed: u64,
        /// Bytes left in the file from `offset`.
        available: u64,
    },
    /// The records to read hold more components than
    /// [`crate::limits::MAX_FLOATS`], or the allocator refused them.
    TooLarge {
        /// Records that would be read.
        records: u64,
        /// Components per record.
        dim: usize,
        /// The most components accepted.
        max: usize,
    },
    /// An fvecs component is NaN or infinite.
    NonFinite {
        /// Record number (0-based).
        record: usize,
        /// Component index within the record.
        coordinate: usize,
        /// The value found.
        value: f32,
    },
}

/// A texmex file that could not be loaded: the path and what is wrong with it.
#[derive(Debug)]
pub struct TexmexError {
    path: PathBuf,
    kind: TexmexErrorKind,
}

impl TexmexError {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is wrong, for matching.
    pub fn kind(&self) -> &TexmexErrorKind {
        &self.kind
    }
}

impl fmt::Display for TexmexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path.display();
        match &self.kind {
            TexmexErrorKind::Io(e) => write!(f, "{p}: {e}"),
            TexmexErrorKind::Empty => write!(f, "{p}: the file holds no vectors"),
            TexmexErrorKind::BadDimension { record, offset, dim } => write!(
                f,
                "{p}: record {record} (byte {offset}) has dimension {dim}; \
                 dimensions must be positive (corrupt file, or not a texmex file?)"
            ),
            TexmexErrorKind::InconsistentDimension { record, offset, expected, got } => write!(
                f,
                "{p}: record {record} (byte {offset}) has dimension {got}, \
                 but record 0 has {expected}"
            ),
            TexmexErrorKind::Truncated { record, offset, needed, available } => write!(
                f,
                "{p}: truncated: record {record} (byte {offset}) needs {needed} bytes \
                 but only {available} remain"
            ),
            TexmexErrorKind::TooLarge { records, dim, max } => write!(
                f,
                "{p}: {records} records of dimension {dim} exceed the limit of {max} components \
                 (pass a smaller --n or --queries)"
            ),
            TexmexErrorKind::NonFinite { record, coordinate, value } => {
                write!(f, "{p}: record {record} has non-finite value {value} at component {coordinate}")
            }
        }
    }
}

/// No `source`: the I/O error's message is already part of `Display`, and
/// an error chain printed with `{:#}` would repeat it.
impl std::error::Error for TexmexError {}

/// A component type of a texmex format.
pub trait Component: Copy {
    /// Bytes per component.
    const SIZE: usize;
    /// Decode one little-endian component (`bytes.len() == SIZE`).
    fn decode(bytes: &[u8]) -> Self;
    /// Append the little-endian encoding.
    fn encode(self, out: &mut Vec<u8>);
    /// A value the format forbids (non-finite floats), as a float to report.
    fn forbidden(self) -> Option<f32> {
        None
    }
}

impl Component for f32 {
    const SIZE: usize = 4;
    fn decode(b: &[u8]) -> Self {
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn forbidden(self) -> Option<f32> {
        (!self.is_finite()).then_some(self)
    }
}

impl Component for i32 {
    const SIZE: usize = 4;
    fn decode(b: &[u8]) -> Self {
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
    fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Component for u8 {
    const SIZE: usize = 1;
    fn decode(b: &[u8]) -> Self {
        b[0]
    }
    fn encode(self, out: &mut Vec<u8>) {
        out.push(self);
    }
}

/// Read an `.fvecs` file; `limit` keeps only the first records.
pub fn read_fvecs(path: &Path, limit: Option<usize>) -> Result<Vecs<f32>, TexmexError> {
    read(path, limit)
}

/// Read an `.ivecs` file; `limit` keeps only the first records.
pub fn read_ivecs(path: &Path, limit: Option<usize>) -> Result<Vecs<i32>, TexmexError> {
    read(path, limit)
}

/// Read a `.bvecs` file; `limit` keeps only the first records.
pub fn read_bvecs(path: &Path, limit: Option<usize>) -> Result<Vecs<u8>, TexmexError> {
    read(path, limit)
}

/// Read records of component type `T` from `path`, at most `limit` of them.
pub fn read<T: Component>(path: &Path, limit: Option<usize>) -> Result<Vecs<T>, TexmexError> {
    let fail = |kind| TexmexError { path: path.to_path_buf(), kind };
    let file = File::open(path).map_err(|e| fail(TexmexErrorKind::Io(e)))?;
    let file_len = file.metadata().map_err(|e| fail(TexmexErrorKind::Io(e)))?.len();
    let mut reader = BufReader::new(file);
    let limit = limit.unwrap_or(usize::MAX);
    let mut data = Vec::new();
    let mut dim = 0usize;
    let mut offset = 0u64;
    let mut record = 0usize;
    let mut buf = Vec::new();
    while record < limit && offset < file_len {
        let available = file_len - offset;
        if available < 4 {
            return Err(fail(TexmexErrorKind::Truncated { record, offset, needed: 4, available }));
        }
        let mut header = [0u8; 4];
        reader.read_exact(&mut header).map_err(|e| fail(TexmexErrorKind::Io(e)))?;
        let d = i32::from_le_bytes(header);
        if d <= 0 {
            return Err(fail(TexmexErrorKind::BadDimension { record, offset, dim: d }));
        }
        let d = d as usize;
        if record == 0 {
            dim = d;
            // Every record has this size, so the file's length bounds the records:
            // refuse (or reserve) the whole read before any component is decoded.
            let records = (file_len / (4 + d as u64 * T::SIZE as u64)).min(limit as u64);
            let too_large = || fail(TexmexErrorKind::TooLarge { records, dim: d, max: crate::limits::MAX_FLOATS });
            let components = usize::try_from(records).ok().and_then(|r| r.checked_mul(d));
            match components {
                Some(c) if c <= crate::limits::MAX_FLOATS => data.try_reserve(c).map_err(|_| too_large())?,
                _ => return Err(too_large()),
            }
        } else if d != dim {
            return Err(fail(TexmexErrorKind::InconsistentDimension { record, offset, expected: dim, got: d }));
        }
        let needed = 4 + (d as u64) * T::SIZE as u64;
        if needed > available {
            return Err(fail(TexmexErrorKind::Truncated { record, offset, needed, available }));
        }
        buf.resize(d * T::SIZE, 0);
        reader.read_exact(&mut buf).map_err(|e| fail(TexmexErrorKind::Io(e)))?;
        for (coordinate, bytes) in buf.chunks_exact(T::SIZE).enumerate() {
            let x = T::decode(bytes);
            if let Some(value) = x.forbidden() {
                return Err(fail(TexmexErrorKind::NonFinite { record, coordinate, value }));
            }
            data.push(x);
        }
        offset += needed;
        record += 1;
    }
    if record == 0 {
        return Err(fail(TexmexErrorKind::Empty));
    }
    Ok(Vecs { dim, data })
}

/// Write `data` (`dim` components per vector) in texmex format:
/// `.fvecs` for `f32`, `.ivecs` for `i32`, `.bvecs` for `u8`.
pub fn write<T: Component>(path: &Path, dim: usize, data: &[T]) -> io::Result<()> {
    assert!(
        dim > 0 && dim <= i32::MAX as usize && data.len().is_multiple_of(dim),
        "write: {} components do not split into vectors of dim {dim}",
        data.len()
    );
    let mut out = BufWriter::new(File::create(path)?);
    let mut record = Vec::with_capacity(4 + dim * T::SIZE);
    for v in data.chunks_exact(dim) {
        record.clear();
        record.extend_from_slice(&(dim as i32).to_le_bytes());
        for &x in v {
            x.encode(&mut record);
        }
        out.write_all(&record)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.fvecs");
        std::fs::write(&path, bytes).expect("write");
        (dir, path)
    }

    fn record_f32(dim: i32, xs: &[f32]) -> Vec<u8> {
        let mut out = dim.to_le_bytes().to_vec();
        for x in xs {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    #[test]
    fn fvecs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.fvecs");
        let data = [1.0f32, 2.0, 3.0, -4.0, 5.5, 6.25];
        write(&path, 3, &data).unwrap();
        let got = read_fvecs(&path, None).unwrap();
        assert_eq!(got, Vecs { dim: 3, data: data.to_vec() });
        assert_eq!(got.len(), 2);
        assert_eq!(got.row(1), &[-4.0, 5.5, 6.25]);
        let first = read_fvecs(&path, Some(1)).unwrap();
        assert_eq!(first.data, vec![1.0, 2.0, 3.0]);
    }

    #[test]
    fn ivecs_and_bvecs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ip = dir.path().join("g.ivecs");
        write(&ip, 2, &[7i32, 0, 1, 2]).unwrap();
        assert_eq!(read_ivecs(&ip, None).unwrap().data, vec![7, 0, 1, 2]);
        let bp = dir.path().join("b.bvecs");
        write(&bp, 4, &[0u8, 1, 254, 255]).unwrap();
        let b = read_bvecs(&bp, None).unwrap();
        assert_eq!((b.dim, b.data), (4, vec![0, 1, 254, 255]));
        assert_eq!(std::fs::metadata(&bp).unwrap().len(), 8);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.fvecs");
        let err = read_fvecs(&path, None).unwrap_err();
        assert!(matches!(err.kind(), TexmexErrorKind::Io(_)), "{err:?}");
        assert!(err.to_string().contains("nope.fvecs"), "{err}");
        // Through anyhow's chain the OS message appears once.
        let chained = format!("{:#}", anyhow::Error::from(err).context("data set `x`"));
        let os = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
        assert_eq!(chained.matches("No such file").count(), 1, "{chained} ({os})");
    }

    #[test]
    fn a_file_whose_length_implies_too_many_components_is_refused_before_reading() {
        // Sparse files: the first record's header sets dim, the length sets the
        // record count; nothing past the header is ever read or allocated.
        let dir = tempfile::tempdir().unwrap();
        let max = crate::limits::MAX_FLOATS as u64;
        for (dim, records) in [(1u64, max + 1), (128, max / 128 + 1), (1 << 20, max / (1 << 20) + 7)] {
            let path = dir.path().join(format!("big-{dim}.fvecs"));
            let f = File::create(&path).unwrap();
            let mut header = (dim as i32).to_le_bytes().to_vec();
            header.resize(4 + dim as usize * 4, 0);
            (&f).write_all(&header).unwrap();
            f.set_len(records * (4 + 4 * dim)).unwrap();
            let err = read_fvecs(&path, None).unwrap_err();
            assert!(matches!(err.kind(), TexmexErrorKind::TooLarge { .. }), "dim {dim}: {err:?}");
            assert!(err.to_string().contains(&format!("{records} records")), "{err}");
            // A limit that fits reads the first record instead.
            let few = read_fvecs(&path, Some(1)).unwrap();
            assert_eq!((few.dim, few.len()), (dim as usize, 1));
        }
    }

    #[test]
    fn empty_file_is_rejected() {
        let (_d, path) = file_with(&[]);
        let err = read_fvecs(&path, None).unwrap_err();
        assert!(matches!(err.kind(), TexmexErrorKind::Empty), "{err:?}");
    }

    #[test]
    fn zero_and_negative_dimensions_are_rejected() {
        for dim in [0i32, -3] {
            let (_d, path) = file_with(&record_f32(dim, &[1.0, 2.0]));
            let err = read_fvecs(&path, None).unwrap_err();
            match err.kind() {
                TexmexErrorKind::BadDimension { record: 0, offset: 0, dim: got } => assert_eq!(*got, dim),
                other => panic!("dim {dim}: expected BadDimension, got {other:?}"),
            }
            assert!(err.to_string().contains("must be positive"), "{err}");
        }
    }

    #[test]
    fn inconsistent_dimensions_are_rejected_with_the_record() {
        let mut bytes = record_f32(2, &[1.0, 2.0]);
        bytes.extend(record_f32(3, &[1.0, 2.0, 3.0]));
        let (_d, path) = file_with(&bytes);
        let err = read_fvecs(&path, None).unwrap_err();
        match err.kind() {
            TexmexErrorKind::InconsistentDimension { record: 1, offset: 12, expected: 2, got: 3 } => {}
            other => panic!("expected InconsistentDimension at record 1, got {other:?}"),
        }
        assert!(err.to_string().contains("record 1 (byte 12)"), "{err}");
    }

    #[test]
    fn short_record_is_truncated_not_dropped() {
        let mut bytes = record_f32(2, &[1.0, 2.0]);
        bytes.extend(record_f32(2, &[3.0])); // header says 2, only one component follows
        let (_d, path) = file_with(&bytes);
        let err = read_fvecs(&path, None).unwrap_err();
        match err.kind() {
            TexmexErrorKind::Truncated { record: 1, offset: 12, needed: 12, available: 8 } => {}
            other => panic!("expected Truncated at record 1, got {other:?}"),
        }
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn partial_header_is_truncated() {
        let mut bytes = record_f32(1, &[1.0]);
        bytes.extend([2u8, 0]);
        let (_d, path) = file_with(&bytes);
        let err = read_fvecs(&path, None).unwrap_err();
        assert!(matches!(err.kind(), TexmexErrorKind::Truncated { record: 1, needed: 4, available: 2, .. }), "{err:?}");
    }

    #[test]
    fn huge_dimension_header_does_not_allocate_it() {
        // A corrupt header claiming 2^31 - 1 components is reported, not allocated.
        let (_d, path) = file_with(&record_f32(i32::MAX, &[1.0]));
        let err = read_fvecs(&path, None).unwrap_err();
        assert!(matches!(err.kind(), TexmexErrorKind::Truncated { record: 0, .. }), "{err:?}");
    }

    #[test]
    fn non_finite_fvecs_component_is_rejected() {
        let (_d, path) = file_with(&record_f32(3, &[1.0, f32::NAN, 2.0]));
        let err = read_fvecs(&path, None).unwrap_err();
        assert!(matches!(err.kind(), TexmexErrorKind::NonFinite { record: 0, coordinate: 1, .. }), "{err:?}");
    }

    #[test]
    fn limit_stops_before_a_later_corrupt_record() {
        let mut bytes = record_f32(2, &[1.0, 2.0]);
        bytes.extend(record_f32(-1, &[]));
        let (_d, path) = file_with(&bytes);
        assert_eq!(read_fvecs(&path, Some(1)).unwrap().len(), 1);
        assert!(read_fvecs(&path, None).is_err());
    }
}
