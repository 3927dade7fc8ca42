//! The byte layout of an hnswlab index file (format versions 1 and 2).
//!
//! All integers and floats are little-endian. A file is a fixed header and
//! then a fixed sequence of framed sections:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"HNSWLAB\0"` |
//! | 8 | 4 | format version (`1` or `2`) |
//! | 12 | 4 | endianness marker `0x0A0B0C0D` (reads as `0x0D0C0B0A` on a byte-swapped file) |
//! | 16 | 4 | number of sections |
//! | 20 | 4 | reserved, zero |
//! | 24 | 8 | total file length in bytes |
//! | 32 | 4 | CRC32C of bytes `0..32` |
//!
//! Each section is a frame: `kind: u32`, `reserved: u32` (zero),
//! `len: u64`, then `len` payload bytes, then a CRC32C of the frame header
//! and the payload. Sections appear once each, in this order: params,
//! shape, slots (version 2 only), labels, levels, entry, one lists section
//! per layer `0..=top` (none for an empty index), vectors. Payloads are
//! described on [`Section`]'s variants.
//!
//! Version 1 has no slots section: every node is live. Version 2 adds it and
//! is written exactly when some slot is deleted or free, so the encoding of
//! an index stays canonical (an index without deletes writes the same bytes
//! as before version 2 existed, and a version-2 file whose slots are all live
//! is rejected as non-canonical).

use std::fmt;

/// First 8 bytes of every hnswlab index file.
pub const MAGIC: [u8; 8] = *b"HNSWLAB\0";
/// The newest format version this crate writes and reads.
pub const VERSION: u32 = 2;
/// The version of a file without a slots section (every node live).
pub const VERSION_ALL_LIVE: u32 = 1;
/// Written little-endian; any other value names a byte-swapped or foreign file.
pub const ENDIAN_MARK: u32 = 0x0A0B_0C0D;
/// Bytes of the file header, its checksum included.
pub const HEADER_LEN: usize = 36;
/// Bytes of a section's frame header (kind, reserved, len).
pub const FRAME_HEADER_LEN: usize = 16;
/// Bytes of a section's trailing checksum.
pub const FRAME_CRC_LEN: usize = 4;
/// Bytes of the params payload.
pub const PARAMS_LEN: usize = 36;
/// Bytes of the shape payload.
pub const SHAPE_LEN: usize = 16;
/// Bytes of the entry payload.
pub const ENTRY_LEN: usize = 12;
/// Bytes before the lists of a lists payload (layer, reserved).
pub const LISTS_PREFIX_LEN: usize = 4;

/// A part of the file, as named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// The fixed header.
    Header,
    /// Kind 1, 36 bytes: `m: u32`, `m0: u32`, `ef_construction: u32`,
    /// `level_cap: u8`, `metric: u8` (0 l2, 1 ip, 2 cosine), `selection: u8`
    /// (0 simple, 1 heuristic), `extend_candidates: u8`, `keep_pruned: u8`,
    /// `prune: u8` (0 standard, 1 symmetric), `verify_inserts: u8`, a zero
    /// byte, `ml: f64`, `seed: u64`.
    Params,
    /// Kind 2, 16 bytes: `dim: u32`, reserved `u32`, `count: u64`.
    Shape,
    /// Kind 8 (version 2 only): `count` slot states, `u8` each, in id
    /// order: 0 live, 1 deleted (a tombstone: keeps its lists, never
    /// returned, its label unmapped), 2 free (no lists, no link points to it).
    /// At least one is not live. Labels must be distinct among live slots
    /// only; the entry point and the top level are taken over the slots that
    /// are not free.
    Slots,
    /// Kind 3: `count` labels, `u64` each, in id order.
    Labels,
    /// Kind 4: `count` levels, `u8` each, in id order.
    Levels,
    /// Kind 5, 12 bytes: `has_entry: u8` (0 or 1), 3 zero bytes,
    /// `entry: u32`, `max_level: u8`, 3 zero bytes.
    Entry,
    /// Kind 6: `layer: u8`, 3 zero bytes, then for every node whose level is
    /// at least `layer`, in id order, `len: u32` and `len` target ids (`u32`).
    Lists(u8),
    /// Kind 7: `count * dim` floats (`f32`), the stored (for cosine:
    /// normalised) vectors in id order.
    Vectors,
    /// Whatever follows the last section.
    Trailer,
}

impl Section {
    /// The kind number written in the frame (0 for the header and trailer, which have no frame).
    pub fn kind(self) -> u32 {
        match self {
            Section::Header | Section::Trailer => 0,
            Section::Params => 1,
            Section::Shape => 2,
            Section::Labels => 3,
            Section::Levels => 4,
            Section::Entry => 5,
            Section::Lists(_) => 6,
            Section::Vectors => 7,
            Section::Slots => 8,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::Header => f.write_str("header"),
            Section::Params => f.write_str("params"),
            Section::Shape => f.write_str("shape"),
            Section::Slots => f.write_str("slots"),
            Section::Labels => f.write_str("labels"),
            Section::Levels => f.write_str("levels"),
            Section::Entry => f.write_str("entry"),
            Section::Lists(l) => write!(f, "lists L{l}"),
            Section::Vectors => f.write_str("vectors"),
            Section::Trailer => f.write_str("trailer"),
        }
    }
}
