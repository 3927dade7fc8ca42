//! CRC32C (Castagnoli) over the header and over each section frame.
//!
//! A section's checksum covers its frame header (kind, reserved, length) and
//! its payload, so a flipped bit in any of them is caught by the section
//! that holds it.

use super::format::{FRAME_CRC_LEN, FRAME_HEADER_LEN, HEADER_LEN};

/// CRC32C of `bytes`.
#[inline]
pub fn crc(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// The stored header checksum's offset.
pub const HEADER_CRC_AT: usize = HEADER_LEN - 4;

/// Recompute every checksum of an (edited) file in place, walking the frames
/// as far as their lengths stay inside `bytes`, and set the header's file
/// length to `bytes.len()`. A test and fuzzing tool: it lets a deliberately
/// corrupted value reach the checks behind the checksums. Returns the number
/// of sections resealed.
pub fn reseal(bytes: &mut [u8]) -> usize {
    if bytes.len() < HEADER_LEN {
        return 0;
    }
    let len = bytes.len() as u64;
    bytes[24..32].copy_from_slice(&len.to_le_bytes());
    let c = crc(&bytes[..HEADER_CRC_AT]);
    bytes[HEADER_CRC_AT..HEADER_LEN].copy_from_slice(&c.to_le_bytes());
    let mut at = HEADER_LEN;
    let mut sealed = 0;
    while let Some(frame_end) = frame_end(bytes, at) {
        let c = crc(&bytes[at..frame_end - FRAME_CRC_LEN]);
        bytes[frame_end - FRAME_CRC_LEN..frame_end].copy_from_slice(&c.to_le_bytes());
        at = frame_end;
        sealed += 1;
    }
    sealed
}

/// End of the frame starting at `at`, if its header and claimed length fit in `bytes`.
fn frame_end(bytes: &[u8], at: usize) -> Option<usize> {
    let header = bytes.get(at..at.checked_add(FRAME_HEADER_LEN)?)?;
    let len = u64::from_le_bytes(header[8..16].try_into().ok()?);
    let end = (at as u64).checked_add(FRAME_HEADER_LEN as u64)?.checked_add(len)?.checked_add(FRAME_CRC_LEN as u64)?;
    (end <= bytes.len() as u64).then_some(end as usize)
}
