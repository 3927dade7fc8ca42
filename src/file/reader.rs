//! A bounded little-endian reader over one section's payload.
//!
//! Invariant: every read checks the bytes it needs against the bytes left
//! in the section before it touches them, and every error names the section
//! and the absolute byte offset of the field being read.

use super::format::Section;
use super::problem::FileProblem;
use crate::error::{Error, ErrorKind};

/// The typed error for `problem` at `offset` in `section`.
pub fn corrupt(section: Section, offset: usize, problem: FileProblem) -> Error {
    ErrorKind::CorruptFile { section, offset: offset as u64, problem }.into()
}

/// Reads the payload `data[pos..end]` of `section`.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    section: Section,
}

impl<'a> Reader<'a> {
    /// A reader over `data[start..end]`; the caller has checked `start <= end <= data.len()`.
    pub fn new(data: &'a [u8], start: usize, end: usize, section: Section) -> Self {
        debug_assert!(start <= end && end <= data.len());
        Reader { data, pos: start, end, section }
    }

    /// Absolute offset of the next byte.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left in the payload.
    pub fn left(&self) -> usize {
        self.end - self.pos
    }

    /// The section read.
    pub fn section(&self) -> Section {
        self.section
    }

    /// An error at the current position.
    pub fn error_here(&self, problem: FileProblem) -> Error {
        corrupt(self.section, self.pos, problem)
    }

    /// The next `n` bytes, or a `Truncated` error if fewer are left.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.left() {
            return Err(self.error_here(FileProblem::Truncated { needed: n as u64, available: self.left() as u64 }));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.array::<1>()?[0])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, Error> {
        self.array().map(u32::from_le_bytes)
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, Error> {
        self.array().map(u64::from_le_bytes)
    }

    /// A little-endian `f32`.
    pub fn f32(&mut self) -> Result<f32, Error> {
        self.array().map(f32::from_le_bytes)
    }

    /// `n` bytes that must be zero (reserved fields).
    pub fn zeros(&mut self, n: usize, field: &'static str) -> Result<(), Error> {
        let at = self.pos;
        let bytes = self.take(n)?;
        if let Some(i) = bytes.iter().position(|&b| b != 0) {
            let problem = FileProblem::BadValue { field, value: bytes[i].to_string(), reason: "reserved, must be 0" };
            return Err(corrupt(self.section, at + i, problem));
        }
        Ok(())
    }

    /// Error unless the whole payload was read.
    pub fn finish(&self) -> Result<(), Error> {
        if self.left() != 0 {
            return Err(self.error_here(FileProblem::TrailingBytes { len: self.left() as u64 }));
        }
        Ok(())
    }
}
