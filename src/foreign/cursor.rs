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

    /// Every width reads its own bytes little-endian and advances by them.
    #[test]
    fn each_read_is_little_endian_and_advances_by_its_width() {
        let mut b = vec![0xAB];
        b.extend_from_slice(&0x1234u16.to_le_bytes());
        b.extend_from_slice(&0xDEAD_BEEFu32.to_le_bytes());
        b.extend_from_slice(&(-7i32).to_le_bytes());
        b.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
        b.extend_from_slice(&(-9i64).to_le_bytes());
        b.extend_from_slice(&2.5f64.to_le_bytes());
        let mut c = Cursor::new(&b);
        assert_eq!((c.pos(), c.remaining()), (0, 35));
        assert_eq!(c.u8("a"), Ok(0xAB));
        assert_eq!(c.u16("b"), Ok(0x1234));
        assert_eq!(c.pos(), 3);
        assert_eq!(c.u32("c"), Ok(0xDEAD_BEEF));
        assert_eq!(c.i32("d"), Ok(-7));
        assert_eq!(c.u64("e"), Ok(0x0102_0304_0506_0708));
        assert_eq!(c.i64("f"), Ok(-9));
        assert_eq!(c.pos(), 27);
        assert_eq!(c.f64("g"), Ok(2.5));
        assert_eq!((c.pos(), c.remaining()), (35, 0));
        assert_eq!(c.u8("h"), Err(ReadError::Truncated { what: "h", offset: 35, needed: 1, len: 35 }));
        let words = [1.5f32.to_bits(), 7].map(u32::to_le_bytes).concat();
        assert_eq!(u32s(&words).collect::<Vec<_>>(), [1.5f32.to_bits(), 7]);
        assert_eq!(f32s(&words[..4]).collect::<Vec<_>>(), [1.5]);
    }

    /// A length-prefixed vector fits exactly or is refused, at the offset of
    /// its count; a failed read leaves nothing half taken.
    #[test]
    fn a_sized_vector_fits_exactly_or_is_refused_at_its_count() {
        let with = |count: u64, payload: usize| {
            let mut b = vec![0xEE; 3];
            b.extend_from_slice(&count.to_le_bytes());
            b.extend(std::iter::repeat_n(7u8, payload));
            b
        };
        let b = with(3, 12);
        let mut c = Cursor::new(&b);
        c.take(3, "pad").unwrap();
        assert_eq!(c.sized(4, "v"), Ok((3, &b[11..23])));
        assert_eq!(c.remaining(), 0);
        let b = with(3, 11);
        let mut c = Cursor::new(&b);
        c.take(3, "pad").unwrap();
        let rule = "needs 3 x 4 bytes, 11 are left".to_string();
        assert_eq!(c.sized(4, "v"), Err(ReadError::Header { field: "v", offset: 3, found: 3, rule }));
        let b = with(u64::MAX, 8);
        let mut c = Cursor::new(&b);
        c.take(3, "pad").unwrap();
        assert!(matches!(c.sized(2, "v"), Err(ReadError::Header { offset: 3, .. })), "overflowing count");
        assert_eq!(Cursor::new(&with(0, 0)[3..]).sized(8, "v"), Ok((0, &[][..])));
    }
}
