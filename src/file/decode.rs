//! Reading format versions 1 and 2 (layout in [`super::format`]): validate, then trust.
//!
//! Invariants:
//! - Bound before allocating: every count and length read from the file is
//!   checked, with checked arithmetic, against the bytes actually left before
//!   anything sized by it is allocated. The shape section's count must leave
//!   room for the smallest possible encoding of that many nodes, so a header
//!   claiming 2^31 nodes in a 1 KB file fails at once.
//! - Checksums before contents: a section's fields are read only after its
//!   CRC32C matched, so a flipped bit is reported as the checksum of the
//!   section that holds it.
//! - Every structural rule of [`crate::validate::check`] is checked while
//!   decoding, where the byte offset of the bad field is known; the result
//!   then goes through [`Hnsw::from_view`], the same validation any adopted
//!   graph gets. With a slots section (version 2) that includes the rules of
//!   a living index: labels distinct among live slots only, a free slot has
//!   no links and no link points to it, and the entry point and top level
//!   are those of the slots that are not free.

use std::collections::HashMap;

use super::checksum::{crc, HEADER_CRC_AT};
use super::format::{
    Section, ENDIAN_MARK, ENTRY_LEN, FRAME_CRC_LEN, FRAME_HEADER_LEN, HEADER_LEN, LISTS_PREFIX_LEN, MAGIC, PARAMS_LEN,
    SHAPE_LEN, VERSION, VERSION_ALL_LIVE,
};
use super::problem::FileProblem;
use super::reader::{corrupt, Reader};
use crate::distance::Metric;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::{Layer, NodeId};
use crate::index::{Hnsw, MAX_DIM, MAX_NODES};
use crate::params::{Params, PrunePolicy, Selection};
use crate::tombstones::Slot;
use crate::validate::Defect;
use crate::view::Snapshot;

/// Smallest encoding of one node: label, level, layer-0 list length, no floats.
const MIN_NODE_BYTES: u64 = 8 + 1 + 4;

/// Decode and validate an index file.
pub fn decode(data: &[u8]) -> Result<Hnsw> {
    let (version, sections) = header(data)?;
    let mut at = HEADER_LEN;
    let mut read = 0u32;
    let mut next = |at: &mut usize, s: Section| -> Result<Reader<'_>> {
        let (r, end) = section(data, *at, s)?;
        *at = end;
        read += 1;
        Ok(r)
    };

    let params = params(next(&mut at, Section::Params)?)?;
    let (dim, n) = shape(next(&mut at, Section::Shape)?, data.len())?;
    let slots = if version == VERSION_ALL_LIVE { Vec::new() } else { slots(next(&mut at, Section::Slots)?, n)? };
    let slot = |i: usize| slots.get(i).copied().unwrap_or(Slot::Live);
    let (labels, ids) = labels(next(&mut at, Section::Labels)?, n, slot)?;
    let levels = levels(next(&mut at, Section::Levels)?, n, params.level_cap())?;
    // Every slot has lists up to its level (a free slot's are empty); the
    // entry point is on the top level of the slots that are not free.
    let lists_top = levels.iter().copied().max();
    let top = levels.iter().enumerate().filter(|&(i, _)| slot(i) != Slot::Free).map(|(_, &l)| l).max();
    let (entry, max_level) = entry(next(&mut at, Section::Entry)?, &levels, &slots, top)?;
    let mut lists: Vec<Vec<Vec<NodeId>>> = levels.iter().map(|l| Vec::with_capacity(l.index() + 1)).collect();
    if let Some(lists_top) = lists_top {
        let mut seen = vec![0u32; n];
        let nodes = Nodes { levels: &levels, slots: &slots };
        for l in 0..=lists_top.0 {
            lists_layer(next(&mut at, Section::Lists(l))?, l, nodes, &params, &mut seen, &mut lists)?;
        }
    }
    let vectors = vectors(next(&mut at, Section::Vectors)?, n, dim, params.metric())?;
    if at != data.len() {
        return Err(corrupt(Section::Trailer, at, FileProblem::TrailingBytes { len: (data.len() - at) as u64 }));
    }
    if read != sections {
        let problem =
            FileProblem::SizeMismatch { what: "section count", expected: u64::from(read), got: sections.into() };
        return Err(corrupt(Section::Header, 16, problem));
    }
    let snapshot = Snapshot {
        dim,
        metric: params.metric(),
        m: params.m(),
        m0: params.m0(),
        levels,
        lists,
        entry,
        max_level,
        vectors,
        labels,
        ids,
        slots,
    };
    Hnsw::from_view(&snapshot, params)
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Check the header; returns the format version and the number of sections it announces.
fn header(data: &[u8]) -> Result<(u32, u32)> {
    let head = &data[..data.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] {
        return Err(corrupt(Section::Header, 0, FileProblem::BadMagic { found: head.to_vec() }));
    }
    if data.len() < HEADER_LEN {
        let problem = FileProblem::Truncated { needed: HEADER_LEN as u64, available: data.len() as u64 };
        return Err(corrupt(Section::Header, data.len(), problem));
    }
    let stored = le32(data, HEADER_CRC_AT);
    let computed = crc(&data[..HEADER_CRC_AT]);
    if stored != computed {
        return Err(corrupt(Section::Header, 0, FileProblem::Checksum { stored, computed }));
    }
    let version = le32(data, 8);
    if version != VERSION && version != VERSION_ALL_LIVE {
        return Err(corrupt(
            Section::Header,
            8,
            FileProblem::UnsupportedVersion { found: version, supported: VERSION },
        ));
    }
    let mark = le32(data, 12);
    if mark != ENDIAN_MARK {
        return Err(corrupt(Section::Header, 12, FileProblem::ForeignEndianness { found: mark }));
    }
    let reserved = le32(data, 20);
    if reserved != 0 {
        let problem = FileProblem::BadValue { field: "reserved", value: reserved.to_string(), reason: "must be 0" };
        return Err(corrupt(Section::Header, 20, problem));
    }
    let file_len = u64::from_le_bytes(data[24..32].try_into().expect("8 bytes"));
    let len = data.len() as u64;
    if file_len > len {
        return Err(corrupt(Section::Header, 24, FileProblem::Truncated { needed: file_len, available: len }));
    }
    if file_len < len {
        return Err(corrupt(Section::Trailer, file_len as usize, FileProblem::TrailingBytes { len: len - file_len }));
    }
    Ok((version, le32(data, 16)))
}

/// Check the frame of the section at `at` (bounds, checksum, kind); returns
/// a reader over its payload and the offset just past it.
fn section(data: &[u8], at: usize, expected: Section) -> Result<(Reader<'_>, usize)> {
    let available = (data.len() - at) as u64;
    if available < FRAME_HEADER_LEN as u64 {
        let problem = FileProblem::Truncated { needed: FRAME_HEADER_LEN as u64, available };
        return Err(corrupt(expected, at, problem));
    }
    let len = u64::from_le_bytes(data[at + 8..at + 16].try_into().expect("8 bytes"));
    let needed = len.checked_add((FRAME_HEADER_LEN + FRAME_CRC_LEN) as u64);
    match needed {
        Some(needed) if needed <= available => {}
        _ => {
            let problem = FileProblem::Truncated { needed: needed.unwrap_or(u64::MAX), available };
            return Err(corrupt(expected, at + 8, problem));
        }
    }
    // In bounds: len + 20 <= available <= usize::MAX.
    let payload_end = at + FRAME_HEADER_LEN + len as usize;
    let stored = le32(data, payload_end);
    let computed = crc(&data[at..payload_end]);
    if stored != computed {
        return Err(corrupt(expected, at, FileProblem::Checksum { stored, computed }));
    }
    let kind = le32(data, at);
    if kind != expected.kind() {
        return Err(corrupt(expected, at, FileProblem::UnexpectedSection { expected: expected.kind(), found: kind }));
    }
    let mut r = Reader::new(data, at + 4, payload_end, expected);
    r.zeros(4, "frame reserved")?;
    let payload = Reader::new(data, at + FRAME_HEADER_LEN, payload_end, expected);
    Ok((payload, payload_end + FRAME_CRC_LEN))
}

/// Error unless the payload is exactly `expected` bytes.
fn exact_len(r: &Reader<'_>, expected: u64) -> Result<()> {
    let got = r.left() as u64;
    if got != expected {
        let problem = FileProblem::SizeMismatch { what: "payload length", expected, got };
        return Err(corrupt(r.section(), r.pos() - FRAME_HEADER_LEN + 8, problem));
    }
    Ok(())
}

fn bad(r: &Reader<'_>, at: usize, field: &'static str, value: impl ToString, reason: &'static str) -> Error {
    corrupt(r.section(), at, FileProblem::BadValue { field, value: value.to_string(), reason })
}

fn graph(section: Section, at: usize, defect: Defect) -> Error {
    corrupt(section, at, FileProblem::Graph(defect))
}

fn params(mut r: Reader<'_>) -> Result<Params> {
    exact_len(&r, PARAMS_LEN as u64)?;
    let start = r.pos();
    let m = r.u32()?;
    let m0 = r.u32()?;
    let ef = r.u32()?;
    let level_cap = r.u8()?;
    let metric = match r.u8()? {
        0 => Metric::L2,
        1 => Metric::InnerProduct,
        2 => Metric::Cosine,
        x => return Err(bad(&r, r.pos() - 1, "metric", x, "must be 0 (l2), 1 (ip) or 2 (cosine)")),
    };
    let flag = |r: &mut Reader<'_>, field: &'static str| -> Result<bool> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            x => Err(bad(r, r.pos() - 1, field, x, "must be 0 or 1")),
        }
    };
    let heuristic = flag(&mut r, "selection")?;
    let extend_candidates = flag(&mut r, "extend_candidates")?;
    let keep_pruned = flag(&mut r, "keep_pruned")?;
    let selection = if heuristic {
        Selection::Heuristic { extend_candidates, keep_pruned }
    } else if extend_candidates || keep_pruned {
        return Err(bad(&r, r.pos() - 2, "extend_candidates", 1, "only meaningful for the heuristic"));
    } else {
        Selection::Simple
    };
    let prune = if flag(&mut r, "prune")? { PrunePolicy::Symmetric } else { PrunePolicy::Standard };
    let verify_inserts = flag(&mut r, "verify_inserts")?;
    r.zeros(1, "params reserved")?;
    let ml = f64::from_bits(r.u64()?);
    let seed = r.u64()?;
    r.finish()?;
    let built = Params::builder()
        .m(m as usize)
        .m0(m0 as usize)
        .ef_construction(ef as usize)
        .ml(ml)
        .seed(seed)
        .selection(selection)
        .prune(prune)
        .level_cap(level_cap)
        .metric(metric)
        .verify_inserts(verify_inserts)
        .build();
    built.map_err(|e| match e.kind() {
        ErrorKind::InvalidParam { name, value, reason } => {
            let at = start
                + match *name {
                    "m" => 0,
                    "m0" => 4,
                    "ef_construction" => 8,
                    "level_cap" => 12,
                    _ => 20, // ml
                };
            corrupt(Section::Params, at, FileProblem::BadValue { field: name, value: value.clone(), reason })
        }
        _ => e,
    })
}

/// `(dim, count)`, with the count bounded by the bytes left in the file.
fn shape(mut r: Reader<'_>, file_len: usize) -> Result<(usize, usize)> {
    exact_len(&r, SHAPE_LEN as u64)?;
    let dim = r.u32()? as usize;
    if dim == 0 || dim > MAX_DIM {
        return Err(bad(&r, r.pos() - 4, "dim", dim, "must be in 1..=65536"));
    }
    r.zeros(4, "shape reserved")?;
    let count_at = r.pos();
    let count = r.u64()?;
    r.finish()?;
    if count > MAX_NODES {
        return Err(bad(&r, count_at, "count", count, "more nodes than u32 ids can hold"));
    }
    let per_node = MIN_NODE_BYTES + 4 * dim as u64;
    let needed = count.saturating_mul(per_node);
    let available = (file_len - r.pos()) as u64;
    if needed > available {
        return Err(corrupt(Section::Shape, count_at, FileProblem::Truncated { needed, available }));
    }
    Ok((dim, count as usize))
}

/// The slot states of a version-2 file: one byte each, at least one not live.
fn slots(mut r: Reader<'_>, n: usize) -> Result<Vec<Slot>> {
    exact_len(&r, n as u64)?;
    let start = r.pos();
    let bytes = r.take(n)?; // n is bounded by the shape section's check
    let mut out = Vec::with_capacity(n);
    for (i, &b) in bytes.iter().enumerate() {
        out.push(match b {
            0 => Slot::Live,
            1 => Slot::Deleted,
            2 => Slot::Free,
            x => return Err(bad(&r, start + i, "slot", x, "must be 0 (live), 1 (deleted) or 2 (free)")),
        });
    }
    if out.iter().all(|&s| s == Slot::Live) {
        return Err(bad(&r, start, "slots", "all live", "an index without deletes is written as version 1"));
    }
    Ok(out)
}

type LabelMap = HashMap<u64, NodeId>;

/// Labels of every slot, and the map of the live ones (a dead slot keeps its
/// old label, which a live slot may carry again).
fn labels(mut r: Reader<'_>, n: usize, slot: impl Fn(usize) -> Slot) -> Result<(Vec<u64>, LabelMap)> {
    exact_len(&r, n as u64 * 8)?;
    let mut labels = Vec::with_capacity(n);
    let mut ids = HashMap::with_capacity(n);
    for i in 0..n as u32 {
        let at = r.pos();
        let label = r.u64()?;
        labels.push(label);
        if slot(i as usize) != Slot::Live {
            continue;
        }
        if let Some(&first) = ids.get(&label) {
            return Err(graph(Section::Labels, at, Defect::LabelMappedTwice { label, first, second: NodeId(i) }));
        }
        ids.insert(label, NodeId(i));
    }
    r.finish()?;
    Ok((labels, ids))
}

fn levels(mut r: Reader<'_>, n: usize, cap: u8) -> Result<Vec<Layer>> {
    exact_len(&r, n as u64)?;
    let bytes = r.take(n)?;
    if let Some(i) = bytes.iter().position(|&l| l > cap) {
        return Err(bad(&r, r.pos() - n + i, "level", bytes[i], "above the params' level cap"));
    }
    Ok(bytes.iter().map(|&l| Layer(l)).collect())
}

/// The entry point and max level; `top` is the highest level of a slot that is not free.
fn entry(mut r: Reader<'_>, levels: &[Layer], slots: &[Slot], top: Option<Layer>) -> Result<(Option<NodeId>, Layer)> {
    exact_len(&r, ENTRY_LEN as u64)?;
    let start = r.pos();
    let flag = r.u8()?;
    if flag > 1 {
        return Err(bad(&r, start, "has_entry", flag, "must be 0 or 1"));
    }
    r.zeros(3, "entry reserved")?;
    let entry = NodeId(r.u32()?);
    let max_level = Layer(r.u8()?);
    r.zeros(3, "entry reserved")?;
    r.finish()?;
    let len = levels.len();
    match (top, flag == 1) {
        (None, true) => Err(graph(Section::Entry, start, Defect::EntryPointInEmptyGraph { entry })),
        (None, false) if entry.0 != 0 || max_level.0 != 0 => {
            Err(bad(&r, start + 4, "entry", entry.0, "must be 0 in an empty index"))
        }
        (None, false) => Ok((None, Layer(0))),
        (Some(_), false) => Err(graph(Section::Entry, start, Defect::MissingEntryPoint { len })),
        (Some(_), true) if entry.index() >= len => {
            Err(graph(Section::Entry, start + 4, Defect::EntryPointOutOfRange { entry, len }))
        }
        (Some(_), true) if slots.get(entry.index()) == Some(&Slot::Free) => {
            Err(graph(Section::Entry, start + 4, Defect::EntryPointFree { entry }))
        }
        (Some(top), true) if levels[entry.index()] != top => {
            let level = levels[entry.index()];
            Err(graph(Section::Entry, start + 4, Defect::EntryPointNotOnTop { entry, level, top }))
        }
        (Some(top), true) if max_level != top => {
            Err(graph(Section::Entry, start + 8, Defect::MaxLevelMismatch { stored: max_level, top }))
        }
        (Some(_), true) => Ok((Some(entry), max_level)),
    }
}

/// Per-node facts the lists are checked against: levels, and slot states
/// (empty: every slot live).
#[derive(Clone, Copy)]
struct Nodes<'a> {
    levels: &'a [Layer],
    slots: &'a [Slot],
}

impl Nodes<'_> {
    fn free(&self, id: NodeId) -> bool {
        self.slots.get(id.index()) == Some(&Slot::Free)
    }
}

/// The lists of every node on layer `l`; `seen` is per-list duplicate
/// bookkeeping (`seen[t] == owner + 1` once `t` is in owner's list).
fn lists_layer(
    mut r: Reader<'_>,
    l: u8,
    nodes: Nodes<'_>,
    params: &Params,
    seen: &mut [u32],
    lists: &mut [Vec<Vec<NodeId>>],
) -> Result<()> {
    let section = r.section();
    let layer = Layer(l);
    let at = r.pos();
    let stored = r.u8()?;
    if stored != l {
        return Err(bad(&r, at, "layer", stored, "lists sections must come in layer order"));
    }
    r.zeros(LISTS_PREFIX_LEN - 1, "lists reserved")?;
    seen.fill(0);
    let levels = nodes.levels;
    let len = levels.len();
    let capacity = params.capacity(l.into());
    for (i, &level) in levels.iter().enumerate() {
        if level < layer {
            continue;
        }
        let node = NodeId(i as u32);
        let list_at = r.pos();
        let count = r.u32()? as usize;
        if count > capacity {
            return Err(graph(section, list_at, Defect::ListTooLong { node, layer, len: count, capacity }));
        }
        if count > 0 && nodes.free(node) {
            return Err(graph(section, list_at, Defect::FreeSlotWithLinks { node, layer }));
        }
        // Bounded: count <= capacity <= 4096, and `take` checks the bytes.
        let mut list = Vec::with_capacity(count);
        for _ in 0..count {
            let target_at = r.pos();
            let target = NodeId(r.u32()?);
            let defect = if target.index() >= len {
                Some(Defect::LinkOutOfRange { node, layer, target, len })
            } else if target == node {
                Some(Defect::SelfLink { node, layer })
            } else if seen[target.index()] == node.0 + 1 {
                Some(Defect::DuplicateLink { node, layer, target })
            } else if levels[target.index()] < layer {
                Some(Defect::LinkBelowLevel { node, layer, target, target_level: levels[target.index()] })
            } else if nodes.free(target) {
                Some(Defect::LinkToFreeSlot { node, layer, target })
            } else {
                None
            };
            if let Some(defect) = defect {
                return Err(graph(section, target_at, defect));
            }
            seen[target.index()] = node.0 + 1;
            list.push(target);
        }
        lists[i].push(list);
    }
    r.finish()
}

fn vectors(mut r: Reader<'_>, n: usize, dim: usize, metric: Metric) -> Result<Vec<f32>> {
    let floats = n as u64 * dim as u64; // both bounded by the shape section's check
    exact_len(&r, floats * 4)?;
    let mut out = Vec::with_capacity(floats as usize);
    for i in 0..n as u32 {
        let row_at = r.pos();
        let mut norm2 = 0f64;
        for coordinate in 0..dim {
            let at = r.pos();
            let value = r.f32()?;
            if !value.is_finite() {
                return Err(graph(
                    Section::Vectors,
                    at,
                    Defect::NonFiniteComponent { node: NodeId(i), coordinate, value },
                ));
            }
            norm2 += f64::from(value) * f64::from(value);
            out.push(value);
        }
        // The bounds `distance::prepare` puts on every stored vector.
        if norm2 > f64::from(f32::MAX) / 4.0 {
            return Err(bad(&r, row_at, "vector norm", norm2, "squared norm above f32::MAX / 4"));
        }
        if metric == Metric::Cosine && (norm2.sqrt() - 1.0).abs() > 1e-3 {
            return Err(bad(&r, row_at, "vector norm", norm2.sqrt(), "cosine vectors are stored normalised"));
        }
    }
    r.finish()?;
    Ok(out)
}
