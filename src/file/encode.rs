//! Writing an index (layout in [`super::format`]): version 1 when every slot
//! is live, version 2 (with the slots section) when some slot is deleted or free.
//!
//! Invariant: the encoding is a pure function of the index's graph, vectors,
//! labels, slot states and params, written in id order over every slot
//! (live, deleted and free), so save -> load -> save is byte-identical.

use super::checksum::crc;
use super::format::{Section, ENDIAN_MARK, HEADER_LEN, MAGIC, VERSION, VERSION_ALL_LIVE};
use crate::distance::Metric;
use crate::ids::{Layer, NodeId};
use crate::index::Hnsw;
use crate::params::{PrunePolicy, Selection};
use crate::tombstones::Slot;
use crate::view::GraphView;

/// The file bytes of `h`.
pub fn encode(h: &Hnsw) -> Vec<u8> {
    // Every slot, not only the live ones (`Hnsw::len`): ids are positions.
    let n = h.slots();
    let top = (0..n as u32).map(|i| h.level(NodeId(i))).max();
    let list_sections = top.map_or(0, |t| t.index() + 1);
    let with_slots = h.deleted_count() > 0;
    let (version, fixed) = if with_slots { (VERSION, 7) } else { (VERSION_ALL_LIVE, 6) };
    let mut out = Vec::with_capacity(HEADER_LEN + 64 * 8 + n * (14 + 4 * h.dim() + 4 * h.m0()));
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&ENDIAN_MARK.to_le_bytes());
    out.extend_from_slice(&((fixed + list_sections) as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // file length, patched below
    out.extend_from_slice(&0u32.to_le_bytes()); // header checksum, patched below

    let mut payload = Vec::new();
    params(h, &mut payload);
    frame(&mut out, Section::Params, &payload);

    payload.clear();
    payload.extend_from_slice(&(h.dim() as u32).to_le_bytes());
    payload.extend_from_slice(&0u32.to_le_bytes());
    payload.extend_from_slice(&(n as u64).to_le_bytes());
    frame(&mut out, Section::Shape, &payload);

    if with_slots {
        payload.clear();
        payload.extend((0..n as u32).map(|i| slot_byte(h.slot(NodeId(i)))));
        frame(&mut out, Section::Slots, &payload);
    }

    payload.clear();
    for i in 0..n as u32 {
        payload.extend_from_slice(&h.label(NodeId(i)).to_le_bytes());
    }
    frame(&mut out, Section::Labels, &payload);

    payload.clear();
    payload.extend((0..n as u32).map(|i| h.level(NodeId(i)).0));
    frame(&mut out, Section::Levels, &payload);

    payload.clear();
    let entry = h.entry_point();
    payload.extend_from_slice(&[u8::from(entry.is_some()), 0, 0, 0]);
    payload.extend_from_slice(&entry.map_or(0, |e| e.0).to_le_bytes());
    payload.extend_from_slice(&[if entry.is_some() { h.max_level().0 } else { 0 }, 0, 0, 0]);
    frame(&mut out, Section::Entry, &payload);

    for l in 0..list_sections as u8 {
        payload.clear();
        payload.extend_from_slice(&[l, 0, 0, 0]);
        for i in 0..n as u32 {
            let id = NodeId(i);
            if h.level(id).0 >= l {
                let list = h.neighbours(id, Layer(l));
                payload.extend_from_slice(&(list.len() as u32).to_le_bytes());
                for t in list {
                    payload.extend_from_slice(&t.0.to_le_bytes());
                }
            }
        }
        frame(&mut out, Section::Lists(l), &payload);
    }

    payload.clear();
    for i in 0..n as u32 {
        for x in h.vector(NodeId(i)) {
            payload.extend_from_slice(&x.to_le_bytes());
        }
    }
    frame(&mut out, Section::Vectors, &payload);

    let len = out.len() as u64;
    out[24..32].copy_from_slice(&len.to_le_bytes());
    let c = crc(&out[..HEADER_LEN - 4]);
    out[HEADER_LEN - 4..HEADER_LEN].copy_from_slice(&c.to_le_bytes());
    out
}

/// A slot state as its byte in the slots section.
pub(super) fn slot_byte(slot: Slot) -> u8 {
    match slot {
        Slot::Live => 0,
        Slot::Deleted => 1,
        Slot::Free => 2,
    }
}

/// The params payload.
fn params(h: &Hnsw, out: &mut Vec<u8>) {
    let p = h.params();
    out.extend_from_slice(&(p.m() as u32).to_le_bytes());
    out.extend_from_slice(&(p.m0() as u32).to_le_bytes());
    out.extend_from_slice(&(p.ef_construction() as u32).to_le_bytes());
    let metric = match p.metric() {
        Metric::L2 => 0,
        Metric::InnerProduct => 1,
        Metric::Cosine => 2,
    };
    let (selection, extend, keep) = match p.selection() {
        Selection::Simple => (0, false, false),
        Selection::Heuristic { extend_candidates, keep_pruned } => (1, extend_candidates, keep_pruned),
    };
    let prune = match p.prune() {
        PrunePolicy::Standard => 0,
        PrunePolicy::Symmetric => 1,
    };
    out.extend_from_slice(&[
        p.level_cap(),
        metric,
        selection,
        u8::from(extend),
        u8::from(keep),
        prune,
        u8::from(p.verify_inserts()),
        0,
    ]);
    out.extend_from_slice(&p.ml().to_bits().to_le_bytes());
    out.extend_from_slice(&p.seed().to_le_bytes());
}

/// Frame one section: kind, reserved, length, payload, then the CRC32C of all of them.
fn frame(out: &mut Vec<u8>, section: Section, payload: &[u8]) {
    let start = out.len();
    out.extend_from_slice(&section.kind().to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let c = crc(&out[start..]);
    out.extend_from_slice(&c.to_le_bytes());
}
