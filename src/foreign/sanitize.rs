//! From what a reader parsed to a graph that can be trusted: every link,
//! the entry point, the stored maximum level and the labels are checked
//! (links in range, on a layer the target has, no self-links or repeats; an
//! entry point on the top level; labels mapped once), each
//! defect is recorded with its byte offset, and the graph keeps only what
//! passed.

use std::collections::HashMap;

use super::defect::FileDefect;
use crate::distance::Metric;
use crate::ids::{Layer, NodeId};
use crate::tombstones::Slot;
use crate::view::Snapshot;

/// One list as stored: its targets (signed, since faiss ids are) with the
/// offset of each slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct RawList {
    pub targets: Vec<(i64, u64)>,
}

/// Everything a reader parsed, before any cross-record check.
#[derive(Clone, Debug, Default)]
pub(crate) struct Raw {
    pub dim: usize,
    pub metric: Metric,
    pub m: usize,
    pub m0: usize,
    pub levels: Vec<Layer>,
    /// `lists[id][layer]` for layers `0..=level(id)`.
    pub lists: Vec<Vec<RawList>>,
    pub vectors: Vec<f32>,
    /// Offset of each node's vector (for non-finite reports).
    pub vector_offsets: Vec<u64>,
    pub labels: Vec<u64>,
    /// Offset of each node's label (`None`: the format has no labels).
    pub label_offsets: Vec<Option<u64>>,
    pub deleted: Vec<bool>,
    /// The stored entry point and its offset.
    pub entry: (i64, u64),
    /// The stored maximum level and its offset.
    pub max_level: (i64, u64),
}

/// Check `raw` across records and build the sanitised graph; defects are
/// appended to `out`.
pub(crate) fn finish(raw: Raw, out: &mut Vec<FileDefect>) -> Snapshot {
    let n = raw.levels.len();
    let levels = &raw.levels;
    let mut lists = Vec::with_capacity(n);
    let mut seen: Vec<u32> = Vec::new();
    for (i, node_lists) in raw.lists.iter().enumerate() {
        let node = NodeId(i as u32);
        let mut clean_lists = Vec::with_capacity(node_lists.len());
        for (l, list) in node_lists.iter().enumerate() {
            let layer = Layer(l as u8);
            let mut clean = Vec::with_capacity(list.targets.len());
            seen.clear();
            for &(t, offset) in &list.targets {
                if t < 0 || t as u64 >= n as u64 {
                    out.push(FileDefect::LinkOutOfRange { node, layer, offset, target: t, len: n });
                    continue;
                }
                let target = NodeId(t as u32);
                if target == node {
                    out.push(FileDefect::SelfLink { node, layer, offset });
                } else if seen.contains(&target.0) {
                    out.push(FileDefect::DuplicateLink { node, layer, offset, target });
                } else if levels[target.index()] < layer {
                    let target_level = levels[target.index()];
                    out.push(FileDefect::LinkBelowLevel { node, layer, offset, target, target_level });
                } else {
                    seen.push(target.0);
                    clean.push(target);
                }
            }
            clean_lists.push(clean);
        }
        lists.push(clean_lists);
    }

    let top = levels.iter().copied().max();
    let first_on_top = top.and_then(|t| levels.iter().position(|&l| l == t)).map(|i| NodeId(i as u32));
    let (entry_raw, entry_off) = raw.entry;
    let entry = match top {
        None => None,
        Some(top) => {
            if entry_raw < 0 || entry_raw as u64 >= n as u64 {
                out.push(FileDefect::EntryOutOfRange { offset: entry_off, entry: entry_raw, len: n });
                first_on_top
            } else {
                let e = NodeId(entry_raw as u32);
                let level = levels[e.index()];
                if level != top {
                    out.push(FileDefect::EntryNotOnTop { offset: entry_off, entry: e, level, top });
                    first_on_top
                } else {
                    Some(e)
                }
            }
        }
    };
    let (stored, max_off) = raw.max_level;
    let matches = match top {
        Some(t) => stored == i64::from(t.0),
        // An empty index stores -1 (hnswlib and faiss alike).
        None => stored == -1,
    };
    if !matches {
        out.push(FileDefect::MaxLevelMismatch { offset: max_off, stored, top });
    }

    let mut owner: HashMap<u64, NodeId> = HashMap::with_capacity(n);
    let mut ids = HashMap::with_capacity(n);
    for (i, &label) in raw.labels.iter().enumerate() {
        let second = NodeId(i as u32);
        if raw.deleted[i] {
            continue;
        }
        // A later id wins, as in hnswlib's `label_lookup_`; deleted ids are not looked up.
        ids.insert(label, second);
        if let Some(&first) = owner.get(&label) {
            let offset = raw.label_offsets[i].unwrap_or(0);
            out.push(FileDefect::LabelMappedTwice { label, first, second, offset });
        } else {
            owner.insert(label, second);
        }
    }
    if raw.dim > 0 {
        for (i, v) in raw.vectors.chunks_exact(raw.dim).enumerate() {
            if let Some(coordinate) = v.iter().position(|x| !x.is_finite()) {
                let offset = raw.vector_offsets[i] + 4 * coordinate as u64;
                out.push(FileDefect::NonFinite { node: NodeId(i as u32), offset, coordinate });
            }
        }
    }

    let slots = if raw.deleted.iter().any(|&d| d) {
        raw.deleted.iter().map(|&d| if d { Slot::Deleted } else { Slot::Live }).collect()
    } else {
        Vec::new()
    };
    Snapshot {
        dim: raw.dim,
        metric: raw.metric,
        m: raw.m,
        m0: raw.m0,
        max_level: top.unwrap_or(Layer(0)),
        levels: raw.levels,
        lists,
        entry,
        vectors: raw.vectors,
        labels: raw.labels,
        ids,
        slots,
    }
}
