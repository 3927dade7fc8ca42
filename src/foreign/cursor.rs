//! A bounded little-endian reader over a byte slice: every read checks the
//! bytes left first, so no length read from a file is trusted before it is
//! compared with the file's size.

use super::error::ReadError;

/// A position in a byte slice.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at offset 0 of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    /// Current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left after the current offset.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes, or `Truncated` naming `what`.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ReadError> {
        if n > self.remaining() {
            return Err(ReadError::Truncated {
                what,
                offset: self.pos as u64,
                needed: n as u64,
                len: self.data.len() as u64,
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ReadError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    /// A little-endian u8.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, ReadError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A little-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, ReadError> {
        self.array(what).map(u16::from_le_bytes)
    }

    /// A little-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, ReadError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// A little-endian i32.
    pub fn i32(&mut self, what: &'static str) -> Result<i32, ReadError> {
        self.array(what).map(i32::from_le_bytes)
    }

    /// A little-endian u64.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, ReadError> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// A little-endian i64.
    pub fn i64(&mut self, what: &'static str) -> Result<i64, ReadError> {
        self.array(what).map(i64::from_le_bytes)
    }

    /// A little-endian f64.
    pub fn f64(&mut self, what: &'static str) -> Result<f64, ReadError> {
        self.array(what).map(f64::from_le_bytes)
    }

    /// A faiss-style length-prefixed vector: a u64 element count, then
    /// `count * elem` bytes. The count is checked against the bytes left
    /// before anything is returned. Yields (offset of the count, payload).
    pub fn sized(&mut self, elem: usize, what: &'static str) -> Result<(usize, &'a [u8]), ReadError> {
        let at = self.pos;
        let count = self.u64(what)?;
        let bytes = usize::try_from(count).ok().and_then(|c| c.checked_mul(elem));
        match bytes {
            Some(b) if b <= self.remaining() => Ok((at, self.take(b, what)?)),
            _ => Err(ReadError::Header {
                field: what,
                offset: at as u64,
                found: i128::from(count),
                rule: format!("needs {count} x {elem} bytes, {} are left", self.remaining()),
            }),
        }
    }
}

/// `bytes` as little-endian u32 words (`bytes.len()` a multiple of 4).
pub fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// `bytes` as little-endian f32 words (`bytes.len()` a multiple of 4).
pub fn f32s(bytes: &[u8]) -> impl Iterator<Item = f32> + '_ {
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_end_with_the_offset() {
        let mut c = Cursor::new(&[1, 0, 0, 0, 9]);
        assert_eq!(c.u32("a"), Ok(1));
        let e = c.u32("b").unwrap_err();
        assert_eq!(e, ReadError::Truncated { what: "b", offset: 4, needed: 4, len: 5 });
        assert_eq!(c.u8("c"), Ok(9));
    }

    #[test]
    fn a_huge_count_is_an_error_not_an_allocation() {
        let mut bytes = (1u64 << 40).to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 16]);
        let e = Cursor::new(&bytes).sized(4, "v").unwrap_err();
        assert!(matches!(e, ReadError::Header { field: "v", offset: 0, .. }), "{e:?}");
        let mut ok = 2u64.to_le_bytes().to_vec();
        ok.extend_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0]);
        let (at, p) = Cursor::new(&ok).sized(4, "v").unwrap();
        assert_eq!((at, u32s(p).collect::<Vec<_>>()), (0, vec![1, 2]));
    }
}
