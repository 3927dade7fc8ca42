//! Reader for hnswlib 0.8 `saveIndex` files (the layout `saveIndex` and
//! `loadIndex` in hnswlib's `hnswalg.h`, commit c1b9b79, write and read): a 96-byte header of native little-endian 64-bit fields, then
//! `cur_element_count` level-0 records of `size_data_per_element_` bytes
//! (u16 link count, flags byte with DELETE_MARK = 0x01, a zero byte,
//! `maxM0_` u32 link slots, the vector, a u64 label), then per record a u32
//! byte size and `level` upper-layer blocks of `maxM_ * 4 + 4` bytes each
//! (u16 count, two unused bytes, `maxM_` u32 slots).
//!
//! The file stores neither the dimension nor the space: the dimension is
//! `(label_offset_ - offsetData_) / 4` and is checked against the caller's
//! when one is given; the space is the caller's.
//!
//! Fatal ([`ReadError`]): a header shorter than 96 bytes, and header fields
//! that contradict the record layout (`offsetData_ != maxM0_ * 4 + 4`,
//! `label_offset_ <= offsetData_`, a vector size that is not whole floats,
//! `size_data_per_element_ != label_offset_ + 8`, a dimension other than the
//! caller's). Everything else is a [`FileDefect`] and the graph is read:
//! records past the end of a truncated file are left out (nodes whose upper
//! lists are missing get level 0), counts above capacity are clamped.

use super::cursor::{f32s, u32s, Cursor};
use super::defect::FileDefect;
use super::error::ReadError;
use super::sanitize::{self, Raw, RawList};
use super::{FileParams, ForeignIndex, Format};
use crate::distance::Metric;
use crate::ids::{Layer, NodeId};

/// Bytes of the header.
pub const HEADER_LEN: usize = 96;
/// `DELETE_MARK` in a record's flags byte.
pub const DELETE_MARK: u8 = 0x01;

/// Byte offsets of the header fields, in `saveIndex`'s write order.
pub mod offsets {
    /// `offsetLevel0_` (u64, always 0).
    pub const OFFSET_LEVEL0: u64 = 0;
    /// `max_elements_` (u64).
    pub const MAX_ELEMENTS: u64 = 8;
    /// `cur_element_count` (u64).
    pub const COUNT: u64 = 16;
    /// `size_data_per_element_` (u64).
    pub const SIZE_DATA_PER_ELEMENT: u64 = 24;
    /// `label_offset_` (u64).
    pub const LABEL_OFFSET: u64 = 32;
    /// `offsetData_` (u64).
    pub const OFFSET_DATA: u64 = 40;
    /// `maxlevel_` (i32).
    pub const MAX_LEVEL: u64 = 48;
    /// `enterpoint_node_` (u32).
    pub const ENTRY_POINT: u64 = 52;
    /// `maxM_` (u64).
    pub const MAX_M: u64 = 56;
    /// `maxM0_` (u64).
    pub const MAX_M0: u64 = 64;
    /// `M_` (u64).
    pub const M: u64 = 72;
    /// `mult_` (f64).
    pub const MULT: u64 = 80;
    /// `ef_construction_` (u64).
    pub const EF_CONSTRUCTION: u64 = 88;
}

/// What the file does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The vector dimension, checked against the file's record layout; `None` takes the file's.
    pub dim: Option<usize>,
    /// The space the index was built in (`cosine` files hold normalised vectors).
    pub space: Metric,
}

/// The header, as stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Header {
    /// `offsetLevel0_`.
    pub offset_level0: u64,
    /// `max_elements_`.
    pub max_elements: u64,
    /// `cur_element_count`.
    pub count: u64,
    /// `size_data_per_element_`.
    pub size_data_per_element: u64,
    /// `label_offset_`.
    pub label_offset: u64,
    /// `offsetData_`.
    pub offset_data: u64,
    /// `maxlevel_`.
    pub max_level: i32,
    /// `enterpoint_node_`.
    pub entry_point: u32,
    /// `maxM_`.
    pub max_m: u64,
    /// `maxM0_`.
    pub max_m0: u64,
    /// `M_`.
    pub m: u64,
    /// `mult_`.
    pub mult: f64,
    /// `ef_construction_`.
    pub ef_construction: u64,
}

impl Header {
    /// Read the 96-byte header.
    pub fn read(bytes: &[u8]) -> Result<Header, ReadError> {
        let mut c = Cursor::new(bytes);
        if bytes.len() < HEADER_LEN {
            c.take(HEADER_LEN, "header")?;
        }
        Ok(Header {
            offset_level0: c.u64("offsetLevel0_")?,
            max_elements: c.u64("max_elements_")?,
            count: c.u64("cur_element_count")?,
            size_data_per_element: c.u64("size_data_per_element_")?,
            label_offset: c.u64("label_offset_")?,
            offset_data: c.u64("offsetData_")?,
            max_level: c.i32("maxlevel_")?,
            entry_point: c.u32("enterpoint_node_")?,
            max_m: c.u64("maxM_")?,
            max_m0: c.u64("maxM0_")?,
            m: c.u64("M_")?,
            mult: c.f64("mult_")?,
            ef_construction: c.u64("ef_construction_")?,
        })
    }
}

/// The record layout the header implies, once its fields agree.
#[derive(Clone, Copy, Debug)]
struct Layout {
    record: usize,
    offset_data: usize,
    label_offset: usize,
    dim: usize,
    max_m0: usize,
    max_m: usize,
    /// `size_links_per_element_ = maxM_ * 4 + 4`.
    block: usize,
}

fn header_error(field: &'static str, offset: u64, found: u64, rule: impl Into<String>) -> ReadError {
    ReadError::Header { field, offset, found: i128::from(found), rule: rule.into() }
}

fn layout(h: &Header, dim: Option<usize>) -> Result<Layout, ReadError> {
    use offsets as o;
    let slots = |m: u64| m.checked_mul(4).and_then(|b| b.checked_add(4)).and_then(|b| usize::try_from(b).ok());
    let links0 =
        slots(h.max_m0).ok_or_else(|| header_error("maxM0_", o::MAX_M0, h.max_m0, "too large for a record"))?;
    let block = slots(h.max_m).ok_or_else(|| header_error("maxM_", o::MAX_M, h.max_m, "too large for a link block"))?;
    if h.offset_data != links0 as u64 {
        return Err(header_error(
            "offsetData_",
            o::OFFSET_DATA,
            h.offset_data,
            format!("must be maxM0_ * 4 + 4 = {links0}"),
        ));
    }
    if h.label_offset <= h.offset_data {
        let rule = format!("must exceed offsetData_ = {}", h.offset_data);
        return Err(header_error("label_offset_", o::LABEL_OFFSET, h.label_offset, rule));
    }
    let data_size = h.label_offset - h.offset_data;
    if !data_size.is_multiple_of(4) {
        let rule = format!("leaves {data_size} vector bytes after offsetData_, not whole f32s");
        return Err(header_error("label_offset_", o::LABEL_OFFSET, h.label_offset, rule));
    }
    let record = h.label_offset.checked_add(8).filter(|&r| r == h.size_data_per_element);
    let Some(record) = record.and_then(|r| usize::try_from(r).ok()) else {
        let rule = format!("must be label_offset_ + 8 = {}", h.label_offset.saturating_add(8));
        return Err(header_error("size_data_per_element_", o::SIZE_DATA_PER_ELEMENT, h.size_data_per_element, rule));
    };
    let file_dim = (data_size / 4) as usize;
    if let Some(given) = dim {
        if given != file_dim {
            return Err(ReadError::DimensionMismatch { file: file_dim, given, offset: o::LABEL_OFFSET });
        }
    }
    Ok(Layout {
        record,
        offset_data: links0,
        label_offset: h.label_offset as usize,
        dim: file_dim,
        max_m0: h.max_m0 as usize,
        max_m: h.max_m as usize,
        block,
    })
}

/// Header fields that disagree with each other but do not change the layout.
fn header_defects(h: &Header, out: &mut Vec<FileDefect>) {
    use offsets as o;
    let mut mismatch = |field, offset, found: u64, rule: String| {
        out.push(FileDefect::HeaderMismatch { field, offset, found: i128::from(found), rule })
    };
    if h.offset_level0 != 0 {
        mismatch("offsetLevel0_", o::OFFSET_LEVEL0, h.offset_level0, "must be 0".into());
    }
    if h.max_elements < h.count {
        mismatch("max_elements_", o::MAX_ELEMENTS, h.max_elements, format!("is below cur_element_count = {}", h.count));
    }
    if h.max_m0 != h.max_m.saturating_mul(2) {
        mismatch("maxM0_", o::MAX_M0, h.max_m0, format!("must be 2 * maxM_ = {}", h.max_m.saturating_mul(2)));
    }
    if h.m != h.max_m {
        mismatch("M_", o::M, h.m, format!("must equal maxM_ = {}", h.max_m));
    }
    if h.m >= 2 {
        let expected = 1.0 / (h.m as f64).ln();
        let close = (h.mult - expected).abs() <= 1e-9 * expected;
        if !close {
            out.push(FileDefect::HeaderMismatch {
                field: "mult_",
                offset: o::MULT,
                found: i128::from(h.mult.to_bits()),
                rule: format!("is {} (as f64 bits), must be 1 / ln(M_) = {expected}", h.mult),
            });
        }
    }
}

/// Read an hnswlib 0.8 index file.
pub fn read(bytes: &[u8], opts: &Options) -> Result<ForeignIndex, ReadError> {
    let h = Header::read(bytes)?;
    let lay = layout(&h, opts.dim)?;
    let mut defects = Vec::new();
    header_defects(&h, &mut defects);
    let len = bytes.len() as u64;

    // Level-0 block: only whole records that are in the file.
    let fit = (bytes.len() - HEADER_LEN) / lay.record;
    let n = usize::try_from(h.count).map_or(fit, |c| c.min(fit));
    let n = n.min(u32::MAX as usize);
    let block_end = (HEADER_LEN as u64).saturating_add(h.count.saturating_mul(lay.record as u64));
    let level0_complete = n as u64 == h.count;
    if !level0_complete {
        let offset = (HEADER_LEN + n * lay.record) as u64;
        defects.push(FileDefect::Truncated { what: "level-0 records", offset, needed: block_end - offset, len });
    }

    let mut raw = Raw {
        dim: lay.dim,
        metric: opts.space,
        m: lay.max_m,
        m0: lay.max_m0,
        levels: vec![Layer(0); n],
        lists: Vec::with_capacity(n),
        vectors: Vec::with_capacity(n * lay.dim),
        vector_offsets: Vec::with_capacity(n),
        labels: Vec::with_capacity(n),
        label_offsets: Vec::with_capacity(n),
        deleted: Vec::with_capacity(n),
        entry: (i64::from(h.entry_point), offsets::ENTRY_POINT),
        max_level: (i64::from(h.max_level), offsets::MAX_LEVEL),
    };
    if n == 0 && h.entry_point == u32::MAX {
        raw.entry.0 = -1;
    }
    for i in 0..n {
        let base = HEADER_LEN + i * lay.record;
        let rec = &bytes[base..base + lay.record];
        let node = NodeId(i as u32);
        let count = u16::from_le_bytes([rec[0], rec[1]]) as usize;
        let flags = rec[2];
        if flags & !DELETE_MARK != 0 {
            let rule = "flags byte has bits other than DELETE_MARK (0x01)";
            defects.push(FileDefect::BadRecord { node, offset: (base + 2) as u64, found: u64::from(flags), rule });
        }
        if rec[3] != 0 {
            let rule = "the byte after the flags must be 0";
            defects.push(FileDefect::BadRecord { node, offset: (base + 3) as u64, found: u64::from(rec[3]), rule });
        }
        raw.deleted.push(flags & DELETE_MARK != 0);
        let list = list_at(rec, base, count, lay.max_m0, node, Layer(0), &mut defects);
        raw.lists.push(vec![list]);
        raw.vectors.extend(f32s(&rec[lay.offset_data..lay.label_offset]));
        raw.vector_offsets.push((base + lay.offset_data) as u64);
        let label = &rec[lay.label_offset..lay.label_offset + 8];
        raw.labels.push(u64::from_le_bytes(label.try_into().expect("8 bytes")));
        raw.label_offsets.push(Some((base + lay.label_offset) as u64));
    }

    if level0_complete {
        let mut c = Cursor::new(bytes);
        c.take(block_end as usize, "level-0 records")?;
        upper_lists(&mut c, &lay, &mut raw, &mut defects);
        if c.remaining() > 0 && !matches!(defects.last(), Some(FileDefect::Truncated { .. })) {
            defects.push(FileDefect::TrailingBytes { offset: c.pos() as u64, len: c.remaining() as u64 });
        }
    }

    let deleted = raw.deleted.clone();
    let graph = sanitize::finish(raw, &mut defects);
    let params = FileParams {
        m: h.m as usize,
        m0: lay.max_m0,
        ef_construction: h.ef_construction as usize,
        ml: Some(h.mult),
        max_elements: usize::try_from(h.max_elements).ok(),
    };
    Ok(ForeignIndex { format: Format::Hnswlib, graph, deleted, params, defects })
}

/// The list whose u16 count is at `block[0..2]` and whose slots start at
/// `block[4..]` (`at` is the block's file offset), clamped to `capacity`.
fn list_at(
    block: &[u8],
    at: usize,
    count: usize,
    capacity: usize,
    node: NodeId,
    layer: Layer,
    defects: &mut Vec<FileDefect>,
) -> RawList {
    if count > capacity {
        defects.push(FileDefect::ListTooLong { node, layer, offset: at as u64, count: count as u64, capacity });
    }
    let k = count.min(capacity);
    let targets =
        u32s(&block[4..4 + 4 * k]).enumerate().map(|(j, t)| (i64::from(t), (at + 4 + 4 * j) as u64)).collect();
    RawList { targets }
}

/// The upper-layer section: per node a u32 byte size and its blocks.
/// Stops at the first truncation (later nodes keep level 0).
fn upper_lists(c: &mut Cursor<'_>, lay: &Layout, raw: &mut Raw, defects: &mut Vec<FileDefect>) {
    let n = raw.levels.len();
    for i in 0..n {
        let node = NodeId(i as u32);
        let size_at = c.pos();
        let size = match c.u32("link-list size") {
            Ok(s) => s as usize,
            Err(e) => return defects.push(truncated(e)),
        };
        if !size.is_multiple_of(lay.block) {
            let rule = "link-list size is not a whole number of maxM_ * 4 + 4 byte blocks";
            defects.push(FileDefect::BadRecord { node, offset: size_at as u64, found: size as u64, rule });
        }
        let data_at = c.pos();
        let data = match c.take(size, "upper-layer link lists") {
            Ok(d) => d,
            Err(e) => return defects.push(truncated(e)),
        };
        let level = size / lay.block;
        if level > usize::from(u8::MAX) {
            let rule = "level above 255 (a layer number is a u8): upper lists ignored";
            defects.push(FileDefect::BadRecord { node, offset: size_at as u64, found: level as u64, rule });
            continue;
        }
        raw.levels[i] = Layer(level as u8);
        for l in 1..=level {
            let b = &data[(l - 1) * lay.block..l * lay.block];
            let count = u16::from_le_bytes([b[0], b[1]]) as usize;
            let at = data_at + (l - 1) * lay.block;
            raw.lists[i].push(list_at(b, at, count, lay.max_m, node, Layer(l as u8), defects));
        }
    }
}

fn truncated(e: ReadError) -> FileDefect {
    match e {
        ReadError::Truncated { what, offset, needed, len } => FileDefect::Truncated { what, offset, needed, len },
        other => unreachable!("a cursor read fails only by truncation: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny hnswlib file written by hand from the layout (M = 2, dim = 2):
    /// nodes 0 (level 1), 1 and 2 (level 0), entry 0, labels 10, 11, 12.
    fn tiny() -> Vec<u8> {
        let (m, m0, dim) = (2u64, 4u64, 2u64);
        let offset_data = m0 * 4 + 4;
        let label_offset = offset_data + 4 * dim;
        let record = label_offset + 8;
        let mut b = Vec::new();
        for x in [0, 3, 3, record, label_offset, offset_data] {
            b.extend_from_slice(&u64::to_le_bytes(x));
        }
        b.extend_from_slice(&1i32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        for x in [m, m0, m] {
            b.extend_from_slice(&u64::to_le_bytes(x));
        }
        b.extend_from_slice(&(1.0 / 2f64.ln()).to_le_bytes());
        b.extend_from_slice(&10u64.to_le_bytes());
        let l0: [&[u32]; 3] = [&[1, 2], &[0], &[0, 1]];
        for (i, list) in l0.iter().enumerate() {
            b.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for j in 0..m0 as usize {
                b.extend_from_slice(&list.get(j).copied().unwrap_or(0).to_le_bytes());
            }
            for x in [i as f32, 1.0] {
                b.extend_from_slice(&x.to_le_bytes());
            }
            b.extend_from_slice(&(10 + i as u64).to_le_bytes());
        }
        let block = (m * 4 + 4) as u32;
        b.extend_from_slice(&block.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        for _ in 1..3 {
            b.extend_from_slice(&0u32.to_le_bytes());
        }
        b
    }

    #[test]
    fn a_hand_written_file_reads_back_exactly() {
        let idx = read(&tiny(), &Options { dim: Some(2), space: Metric::L2 }).expect("reads");
        assert!(idx.defects.is_empty(), "{:?}", idx.defects);
        let g = &idx.graph;
        assert_eq!(g.levels, vec![Layer(1), Layer(0), Layer(0)]);
        assert_eq!(g.lists[0], vec![vec![NodeId(1), NodeId(2)], vec![]]);
        assert_eq!(g.lists[2], vec![vec![NodeId(0), NodeId(1)]]);
        assert_eq!((g.entry, g.max_level, g.m, g.m0), (Some(NodeId(0)), Layer(1), 2, 4));
        assert_eq!(g.vectors, vec![0.0, 1.0, 1.0, 1.0, 2.0, 1.0]);
        assert_eq!(g.labels, vec![10, 11, 12]);
        assert_eq!(idx.params.ef_construction, 10);
        assert!(crate::validate::check(g).is_empty());
    }

    /// Node 0 raised to level 2, its layer-2 list claiming 3 entries (M = 2):
    /// the defect names layer 2 and the offset of that list's own block, one
    /// block after layer 1's.
    #[test]
    fn an_upper_list_defect_names_the_offset_of_its_own_block() {
        let clean = tiny();
        let block = 2 * 4 + 4;
        let upper = clean.len() - (4 + block + 4 + 4);
        let mut b = clean[..upper].to_vec();
        b.extend_from_slice(&(2 * block as u32).to_le_bytes());
        b.extend_from_slice(&[0; 12]);
        for x in [3u32, 1, 2, 0, 0] {
            b.extend_from_slice(&x.to_le_bytes());
        }
        let idx = read(&b, &Options { dim: Some(2), space: Metric::L2 }).expect("reads");
        let layer2 = (upper + 4 + block) as u64;
        let found = idx.defects.iter().any(|d| {
            matches!(d, FileDefect::ListTooLong { node: NodeId(0), layer: Layer(2), offset, count: 3, capacity: 2 }
                if *offset == layer2)
        });
        assert!(found, "expected ListTooLong on L2 at byte {layer2}: {:?}", idx.defects);
        assert_eq!(idx.graph.levels[0], Layer(2));
    }

    #[test]
    fn every_prefix_and_every_flipped_byte_reads_or_fails_typed() {
        let clean = tiny();
        let opts = Options { dim: None, space: Metric::L2 };
        for cut in 0..clean.len() {
            match read(&clean[..cut], &opts) {
                Ok(idx) => assert!(
                    idx.defects.iter().any(|d| d.kind() == "Truncated"),
                    "cut at {cut}: a shortened file must say so: {:?}",
                    idx.defects
                ),
                Err(e) => assert!(cut < HEADER_LEN, "cut at {cut}: only a short header is unreadable: {e}"),
            }
        }
        for at in 0..clean.len() {
            for bit in 0..8 {
                let mut b = clean.clone();
                b[at] ^= 1 << bit;
                if let Ok(idx) = read(&b, &opts) {
                    let left: Vec<_> = crate::validate::check(&idx.graph)
                        .into_iter()
                        .filter(|d| {
                            !matches!(
                                d,
                                crate::Defect::LabelMappedTwice { .. } | crate::Defect::NonFiniteComponent { .. }
                            )
                        })
                        .collect();
                    assert!(left.is_empty(), "byte {at} bit {bit}: {left:?}");
                }
            }
        }
    }

    fn put(b: &mut [u8], at: u64, x: &[u8]) {
        b[at as usize..at as usize + x.len()].copy_from_slice(x);
    }

    /// `tiny()` with header field `at` set to `x`.
    fn with_u64(at: u64, x: u64) -> Vec<u8> {
        let mut b = tiny();
        put(&mut b, at, &x.to_le_bytes());
        b
    }

    const L2: Options = Options { dim: None, space: Metric::L2 };

    fn header_error_of(b: &[u8], opts: &Options) -> (&'static str, u64, i128) {
        match read(b, opts) {
            Err(ReadError::Header { field, offset, found, .. }) => (field, offset, found),
            other => panic!("expected a header error, got {other:?}"),
        }
    }

    /// `tiny()`'s layout: maxM0_ = 4 so offsetData_ = 20, dim 2 so
    /// label_offset_ = 28 and records of 36 bytes.
    #[test]
    fn the_layout_fields_must_agree_on_both_sides_of_each_rule() {
        use offsets as o;
        assert_eq!(header_error_of(&with_u64(o::OFFSET_DATA, 24), &L2), ("offsetData_", o::OFFSET_DATA, 24));
        assert_eq!(header_error_of(&with_u64(o::LABEL_OFFSET, 20), &L2), ("label_offset_", o::LABEL_OFFSET, 20));
        assert_eq!(header_error_of(&with_u64(o::LABEL_OFFSET, 19), &L2), ("label_offset_", o::LABEL_OFFSET, 19));
        assert_eq!(header_error_of(&with_u64(o::LABEL_OFFSET, 22), &L2), ("label_offset_", o::LABEL_OFFSET, 22));
        // A one-float vector is a layout of its own, if the record size follows.
        let mut b = with_u64(o::LABEL_OFFSET, 24);
        assert_eq!(header_error_of(&b, &L2), ("size_data_per_element_", o::SIZE_DATA_PER_ELEMENT, 36));
        put(&mut b, o::SIZE_DATA_PER_ELEMENT, &32u64.to_le_bytes());
        assert_eq!(read(&b, &L2).map(|i| i.graph.dim), Ok(1));
        for size in [35, 37] {
            let e = header_error_of(&with_u64(o::SIZE_DATA_PER_ELEMENT, size), &L2);
            assert_eq!(e, ("size_data_per_element_", o::SIZE_DATA_PER_ELEMENT, size.into()));
        }
        let e = read(&tiny(), &Options { dim: Some(3), space: Metric::L2 }).unwrap_err();
        assert_eq!(e, ReadError::DimensionMismatch { file: 2, given: 3, offset: o::LABEL_OFFSET });
        let e = header_error_of(&with_u64(o::MAX_M0, u64::MAX / 2), &L2);
        assert_eq!(e, ("maxM0_", o::MAX_M0, i128::from(u64::MAX / 2)));
        assert_eq!(
            header_error_of(&with_u64(o::MAX_M, u64::MAX / 4), &L2),
            ("maxM_", o::MAX_M, i128::from(u64::MAX / 4))
        );
        assert!(matches!(read(&tiny()[..HEADER_LEN - 1], &L2), Err(ReadError::Truncated { .. })));
    }

    fn mismatches(b: &[u8]) -> Vec<(&'static str, u64)> {
        let idx = read(b, &L2).expect("reads");
        idx.defects
            .iter()
            .map(|d| match d {
                FileDefect::HeaderMismatch { field, offset, .. } => (*field, *offset),
                other => panic!("expected header mismatches only, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn header_fields_that_disagree_are_located_defects() {
        use offsets as o;
        assert_eq!(mismatches(&with_u64(o::OFFSET_LEVEL0, 1)), [("offsetLevel0_", o::OFFSET_LEVEL0)]);
        assert_eq!(mismatches(&with_u64(o::MAX_ELEMENTS, 3)), []);
        assert_eq!(mismatches(&with_u64(o::MAX_ELEMENTS, 2)), [("max_elements_", o::MAX_ELEMENTS)]);
        // M_ = 3 disagrees with maxM_ = 2, and mult_ = 1 / ln 2 with 1 / ln 3.
        assert_eq!(mismatches(&with_u64(o::M, 3)), [("M_", o::M), ("mult_", o::MULT)]);
        let mult = |x: f64| {
            let mut b = tiny();
            put(&mut b, o::MULT, &x.to_le_bytes());
            mismatches(&b)
        };
        let exact = 1.0 / 2f64.ln();
        // The tolerance is relative, 1e-9 of 1 / ln M_: inside at 0.7e-9 on
        // either side, outside at 1.3e-9 (1 / ln 2 > 1, so an absolute 1e-9
        // or a tolerance divided by the value would move the band).
        for rel in [1e-10, 7e-10, -7e-10] {
            assert_eq!(mult(exact * (1.0 + rel)), [], "{rel}");
        }
        for rel in [1.3e-9, -1.3e-9, 1e-8, -1e-8] {
            assert_eq!(mult(exact * (1.0 + rel)), [("mult_", o::MULT)], "{rel}");
        }
        // M_ below 2 has no mult_ to compare with.
        let mut b = with_u64(o::M, 1);
        put(&mut b, o::MULT, &7.0f64.to_le_bytes());
        assert_eq!(mismatches(&b), [("M_", o::M)]);
        let idx = read(&tiny(), &L2).unwrap();
        assert_eq!(idx.params, FileParams { m: 2, m0: 4, ef_construction: 10, ml: Some(exact), max_elements: Some(3) });
    }

    /// Records at 96, 132, 168 (36 bytes each); the upper section at 204.
    #[test]
    fn record_defects_name_their_node_and_byte() {
        let at = |node: u64| HEADER_LEN as u64 + 36 * node;
        let mut b = tiny();
        b[at(1) as usize + 2] = DELETE_MARK | 0x04;
        b[at(2) as usize + 3] = 7;
        let idx = read(&b, &L2).unwrap();
        let want = vec![
            FileDefect::BadRecord {
                node: NodeId(1),
                offset: at(1) + 2,
                found: 5,
                rule: "flags byte has bits other than DELETE_MARK (0x01)",
            },
            FileDefect::BadRecord {
                node: NodeId(2),
                offset: at(2) + 3,
                found: 7,
                rule: "the byte after the flags must be 0",
            },
        ];
        assert_eq!(idx.defects, want);
        assert_eq!(idx.deleted, [false, true, false]);
        assert_eq!(idx.deleted_count(), 1);
        assert_eq!(idx.graph.labels, [10, 11, 12]);
        // A non-finite component is located at its own float: node 2's
        // vector starts at offsetData_ = 20 in its record.
        let mut b = tiny();
        let nan_at = at(2) as usize + 20 + 4;
        b[nan_at..nan_at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let idx = read(&b, &L2).unwrap();
        let want = FileDefect::NonFinite { node: NodeId(2), offset: nan_at as u64, coordinate: 1 };
        assert_eq!(idx.defects, [want]);
        // A count above the file's records: those present are read.
        let b = with_u64(offsets::COUNT, 4);
        let idx = read(&b, &L2).unwrap();
        let len = b.len() as u64;
        let missing = FileDefect::Truncated { what: "level-0 records", offset: at(3), needed: 36, len };
        assert!(idx.defects.contains(&missing), "{:?}", idx.defects);
        assert_eq!(idx.graph.levels.len(), 3);
        // Bytes after the last upper list.
        let mut b = tiny();
        let end = b.len() as u64;
        b.extend_from_slice(&[9; 5]);
        assert_eq!(read(&b, &L2).unwrap().defects, [FileDefect::TrailingBytes { offset: end, len: 5 }]);
        // A link-list size that is not whole blocks (12 bytes each).
        let mut b = tiny();
        let size_at = at(3) as usize;
        b[size_at..size_at + 4].copy_from_slice(&13u32.to_le_bytes());
        b.insert(size_at + 4 + 12, 0);
        let idx = read(&b, &L2).unwrap();
        let rule = "link-list size is not a whole number of maxM_ * 4 + 4 byte blocks";
        assert_eq!(idx.defects, [FileDefect::BadRecord { node: NodeId(0), offset: at(3), found: 13, rule }]);
    }
}
