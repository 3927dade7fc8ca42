//! The `load_data` fuzz body: the texmex readers ([`crate::texmex`]) and the
//! ann-benchmarks HDF5 loader ([`crate::hdf5`]) on arbitrary files.
//!
//! Input: byte 0 picks the [`Format`] (`% 4`); bytes 1 and 2 are row limits
//! (0: none, `b`: the first `b - 1` rows; texmex reads byte 1, HDF5 byte 1
//! for `train` and byte 2 for `test`); the rest is the file. It is written
//! into a fresh private temporary directory and read through the same
//! path-based entry point the CLI uses.
//!
//! What must hold, never a panic:
//! - texmex: `Ok` is exactly the file's leading records — each a header equal
//!   to the one positive dimension and its components, bit for bit — and the
//!   whole file unless the limit stopped the read first (never a silently
//!   shortened set); fvecs components are finite. `Err` names the file, and
//!   its kind describes the bytes: a `BadDimension` or
//!   `InconsistentDimension` header is the `i32` at the reported offset, a
//!   `Truncated` record runs to the end of the file, a `NonFinite` value is
//!   the component at the reported place.
//! - HDF5: `Ok` is a non-empty `train` and `test` of one dimension within the
//!   limits, every component finite, and a ground truth (when kept) of one
//!   row of `k >= 1` distinct in-range ids per query. `Err` names the file.

use std::path::Path;

use crate::texmex::{self, Component, TexmexErrorKind, Vecs};

/// Files above this size return at once.
pub const MAX_FILE: usize = 1 << 16;

/// The file format an input is read as (byte 0 `% 4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.fvecs`: `f32` components.
    Fvecs = 0,
    /// `.ivecs`: `i32` components.
    Ivecs = 1,
    /// `.bvecs`: `u8` components.
    Bvecs = 2,
    /// ann-benchmarks HDF5 (`train`, `test`, `neighbors`).
    Hdf5 = 3,
}

impl Format {
    fn of(byte: u8) -> Format {
        [Format::Fvecs, Format::Ivecs, Format::Bvecs, Format::Hdf5][usize::from(byte % 4)]
    }

    fn file_name(self) -> &'static str {
        ["data.fvecs", "data.ivecs", "data.bvecs", "data.hdf5"][self as usize]
    }
}

/// A limit byte: 0 is none, `b` the first `b - 1` rows.
fn limit(byte: u8) -> Option<usize> {
    byte.checked_sub(1).map(usize::from)
}

/// The body.
pub fn load_data(data: &[u8]) {
    let [format, a, b, file @ ..] = data else { return };
    if file.len() > MAX_FILE {
        return;
    }
    let dir = tempfile::tempdir().expect("a scratch directory");
    let format = Format::of(*format);
    let path = dir.path().join(format.file_name());
    std::fs::write(&path, file).expect("writing the input file");
    match format {
        Format::Fvecs => texmex_file::<f32>(&path, file, limit(*a)),
        Format::Ivecs => texmex_file::<i32>(&path, file, limit(*a)),
        Format::Bvecs => texmex_file::<u8>(&path, file, limit(*a)),
        Format::Hdf5 => hdf5_file(&path, limit(*a), limit(*b)),
    }
}

/// The little-endian `i32` at `offset` of `bytes`.
fn header(bytes: &[u8], offset: u64) -> i32 {
    let at = usize::try_from(offset).expect("an offset inside a small file");
    let b: [u8; 4] = bytes[at..at + 4].try_into().expect("four header bytes");
    i32::from_le_bytes(b)
}

fn texmex_file<T: Component + PartialEq + std::fmt::Debug>(path: &Path, bytes: &[u8], limit: Option<usize>) {
    let cap = limit.unwrap_or(usize::MAX);
    let err = match texmex::read::<T>(path, limit) {
        Ok(v) => return texmex_accepted(&v, bytes, cap),
        Err(e) => e,
    };
    assert_eq!(err.path(), path, "the error names another file: {err}");
    assert!(err.to_string().contains(&path.display().to_string()), "the message omits the file: {err}");
    // Records are strided by record 0's dimension (every kind below past record 0 implies it was valid).
    let stride = |record: usize| {
        let dim = if record == 0 { 0 } else { header(bytes, 0) as u64 };
        record as u64 * (4 + dim * T::SIZE as u64)
    };
    match *err.kind() {
        TexmexErrorKind::Empty => assert!(bytes.is_empty() || cap == 0, "{} bytes called empty", bytes.len()),
        TexmexErrorKind::BadDimension { record, offset, dim } => {
            assert!(dim <= 0 && record < cap, "{err}");
            assert_eq!((offset, header(bytes, offset)), (stride(record), dim), "{err}");
        }
        TexmexErrorKind::InconsistentDimension { record, offset, expected, got } => {
            assert!(record >= 1 && record < cap && expected != got, "{err}");
            assert_eq!(offset, stride(record), "{err}");
            assert_eq!((header(bytes, 0) as usize, header(bytes, offset) as usize), (expected, got), "{err}");
        }
        TexmexErrorKind::Truncated { record, offset, needed, available } => {
            assert!(record < cap && needed > available, "{err}");
            assert_eq!((offset, offset + available), (stride(record), bytes.len() as u64), "{err}");
        }
        TexmexErrorKind::NonFinite { record, coordinate, value } => {
            let dim = header(bytes, 0) as usize;
            assert!(T::SIZE == 4 && record < cap && coordinate < dim && !value.is_finite(), "{err}");
            let at = (stride(record) + 4) as usize + 4 * coordinate;
            assert_eq!(f32::decode(&bytes[at..at + 4]).to_bits(), value.to_bits(), "{err}");
        }
        // Io: a file just written opens; TooLarge: a file under MAX_FILE bytes
        // holds far fewer than limits::MAX_FLOATS components.
        _ => panic!("unexpected error on a {}-byte file: {err}", bytes.len()),
    }
}

fn texmex_accepted<T: Component + PartialEq + std::fmt::Debug>(v: &Vecs<T>, bytes: &[u8], cap: usize) {
    let dim = v.dim;
    assert!(dim >= 1 && !v.is_empty() && v.data.len().is_multiple_of(dim), "shape: dim {dim}, {} values", v.data.len());
    let records = v.len();
    assert!(records <= cap, "{records} records past the limit {cap}");
    let stride = 4 + dim * T::SIZE;
    let read = records * stride;
    assert!(read <= bytes.len(), "{records} records of {stride} bytes from a {}-byte file", bytes.len());
    assert!(
        records == cap || read == bytes.len(),
        "{} trailing bytes dropped after {records} records",
        bytes.len() - read
    );
    for (r, record) in bytes[..read].chunks_exact(stride).enumerate() {
        assert_eq!(header(record, 0), dim as i32, "record {r}: header");
        for (c, (x, raw)) in v.row(r).iter().zip(record[4..].chunks_exact(T::SIZE)).enumerate() {
            assert_eq!(*x, T::decode(raw), "record {r}, component {c}");
            assert!(x.forbidden().is_none(), "record {r}, component {c}: {x:?} accepted");
        }
    }
}

#[cfg(feature = "hdf5")]
fn hdf5_file(path: &Path, n: Option<usize>, queries: Option<usize>) {
    let ds = match crate::hdf5::load(path, n, queries) {
        Ok(ds) => ds,
        Err(e) => {
            let text = format!("{e:#}");
            assert!(text.contains(&path.display().to_string()), "the message omits the file: {text}");
            return;
        }
    };
    let dim = ds.dim;
    assert!(dim >= 1, "dim 0 accepted");
    assert!(!ds.base.is_empty() && ds.base.len().is_multiple_of(dim), "base: {} values of dim {dim}", ds.base.len());
    assert!(!ds.queries.is_empty() && ds.queries.len().is_multiple_of(dim), "queries: {} values", ds.queries.len());
    assert!(ds.n() <= n.unwrap_or(usize::MAX) && ds.query_count() <= queries.unwrap_or(usize::MAX), "limits");
    if let Some(x) = ds.base.iter().chain(&ds.queries).find(|x| !x.is_finite()) {
        panic!("a non-finite component {x} accepted");
    }
    if let Some(gt) = &ds.ground_truth {
        assert!(gt.k >= 1 && gt.ids.len() == gt.k * ds.query_count(), "ground truth: {} ids, k {}", gt.ids.len(), gt.k);
        for q in 0..ds.query_count() {
            let row = gt.row(q);
            assert!(row.iter().all(|&id| (id as usize) < ds.n()), "query {q}: an id past {} rows", ds.n());
            let distinct: std::collections::BTreeSet<_> = row.iter().collect();
            assert_eq!(distinct.len(), row.len(), "query {q}: an id twice");
        }
    }
}

#[cfg(not(feature = "hdf5"))]
fn hdf5_file(_: &Path, _: Option<usize>, _: Option<usize>) {}

/// Valid small files for the seed corpus, by name, each with its three
/// leading bytes: the texmex formats (with and without a limit) and HDF5
/// files with and without `neighbors`, f64 and chunked-deflate `train`.
pub fn load_data_seeds() -> Vec<(String, Vec<u8>)> {
    let gaussian = hnswlab::synthetic::gaussian(12, 3, 7);
    let mut seeds = Vec::new();
    let mut texmex = |name: &str, format: Format, limit: u8, file: Vec<u8>| {
        let mut input = vec![format as u8, limit, 0];
        input.extend(file);
        seeds.push((format!("seed-{name}"), input));
    };
    texmex("fvecs", Format::Fvecs, 0, encode(3, &gaussian));
    texmex("fvecs-first-5", Format::Fvecs, 6, encode(3, &gaussian));
    texmex("ivecs", Format::Ivecs, 0, encode(4, &[0i32, 5, -1, i32::MAX, 7, 3, 2, 1]));
    texmex("bvecs", Format::Bvecs, 0, encode(5, &(0u8..=254).collect::<Vec<_>>()[..250]));
    #[cfg(feature = "hdf5")]
    for (name, file) in hdf5_seeds() {
        let mut input = vec![Format::Hdf5 as u8, 0, 0];
        input.extend(file);
        seeds.push((format!("seed-{name}"), input));
    }
    seeds
}

/// The texmex encoding of `data` at `dim`, as [`texmex::write`] writes it.
fn encode<T: Component>(dim: usize, data: &[T]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("seed");
    texmex::write(&path, dim, data).expect("writing a seed");
    std::fs::read(&path).expect("reading a seed back")
}

#[cfg(feature = "hdf5")]
fn hdf5_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use hdf5_pure::FileBuilder;
    let (dim, n, q, k) = (4u64, 16usize, 3usize, 5usize);
    let train = hnswlab::synthetic::gaussian(n, dim as usize, 1);
    let test = hnswlab::synthetic::gaussian(q, dim as usize, 2);
    let neighbors: Vec<i32> = (0..q * k).map(|i| ((i / k) * 3 + i % k) as i32).collect();
    let wide: Vec<f64> = train.iter().map(|&x| f64::from(x)).collect();
    let finish = |b: FileBuilder| b.finish().expect("an HDF5 seed");
    let mut with_neighbors = FileBuilder::new();
    with_neighbors.create_dataset("train").with_f32_data(&train).with_shape(&[n as u64, dim]);
    with_neighbors.create_dataset("test").with_f32_data(&test).with_shape(&[q as u64, dim]);
    with_neighbors.create_dataset("neighbors").with_i32_data(&neighbors).with_shape(&[q as u64, k as u64]);
    let mut plain = FileBuilder::new();
    plain.create_dataset("train").with_f64_data(&wide).with_shape(&[n as u64, dim]);
    plain.create_dataset("test").with_f32_data(&test).with_shape(&[q as u64, dim]);
    let mut chunked = FileBuilder::new();
    chunked
        .create_dataset("train")
        .with_f32_data(&train)
        .with_shape(&[n as u64, dim])
        .with_chunks(&[4, dim])
        .with_deflate(6);
    chunked
        .create_dataset("test")
        .with_f32_data(&test)
        .with_shape(&[q as u64, dim])
        .with_chunks(&[2, dim])
        .with_shuffle();
    vec![
        ("hdf5-neighbors", finish(with_neighbors)),
        ("hdf5-f64-train", finish(plain)),
        ("hdf5-chunked-deflate", finish(chunked)),
    ]
}
