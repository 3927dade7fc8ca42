//! Reader for faiss `IndexHNSWFlat` files (`faiss.write_index`; faiss
//! `impl/index_write.cpp` `write_index_header` / `write_HNSW`, read back by
//! `index_read.cpp` `read_HNSW` + `validate_HNSW`). All fields little-endian:
//!
//! ```text
//! "IHNf"                       fourcc
//! i32 d, i64 ntotal, i64 dummy, i64 dummy, u8 is_trained, i32 metric_type
//! [f32 metric_arg]             only when metric_type > 1 (not read here)
//! vec<f64> assign_probas       every vec<T> is a u64 count, then the elements
//! vec<i32> cum_nneighbor_per_level   cum[0] = 0; layer l holds cum[l+1] - cum[l] slots
//! vec<i32> levels              per node: its level + 1
//! vec<u64> offsets             offsets[i+1] = offsets[i] + cum[levels[i]]
//! vec<i32> neighbors           node i, layer l: slots offsets[i] + cum[l] .. offsets[i] + cum[l+1];
//!                              a list ends at its first -1
//! i32 entry_point, i32 max_level, i32 efConstruction, i32 efSearch, i32 upper_beam
//! storage: "IxF2" (L2) | "IxFI" (inner product) | "IxFl", the same index header,
//!          vec<f32> codes (the count is the number of floats) = ntotal * d floats
//! ```
//!
//! Fatal ([`ReadError`]): wrong magic, another HNSW variant, a truncated
//! file, and the tables that lay the lists out contradicting each other
//! (`validate_HNSW`'s rules, plus storage `d` / `ntotal` / code count).
//! Link, entry point and max-level defects are [`FileDefect`]s.

use super::cursor::{f32s, u32s, Cursor};
use super::defect::FileDefect;
use super::error::ReadError;
use super::sanitize::{self, Raw, RawList};
use super::{FileParams, ForeignIndex, Format};
use crate::distance::Metric;
use crate::ids::{Layer, NodeId};

/// The fourcc of `IndexHNSWFlat`.
pub const MAGIC: &[u8] = b"IHNf";

/// Other faiss HNSW fourccs: recognised, not read.
const OTHER_HNSW: [&[u8]; 7] = [b"IHNp", b"IHNs", b"IHN2", b"IHNc", b"IHc2", b"IHfP", b"IH00"];

/// faiss's bound on `d` (`read_index_header`).
const MAX_DIM: i32 = 1 << 20;

/// A faiss index header (`write_index_header`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct IndexHeader {
    d: usize,
    ntotal: usize,
    metric: Metric,
    /// Offsets of `d`, `ntotal` and `metric_type`.
    at: (u64, u64, u64),
}

fn header_error(field: &'static str, offset: usize, found: i128, rule: impl Into<String>) -> ReadError {
    ReadError::Header { field, offset: offset as u64, found, rule: rule.into() }
}

fn index_header(c: &mut Cursor<'_>) -> Result<IndexHeader, ReadError> {
    let d_at = c.pos();
    let d = c.i32("d")?;
    if !(1..=MAX_DIM).contains(&d) {
        return Err(header_error("d", d_at, d.into(), format!("must be in 1..={MAX_DIM}")));
    }
    let n_at = c.pos();
    let ntotal = c.i64("ntotal")?;
    let ntotal = usize::try_from(ntotal)
        .ok()
        .filter(|&n| n <= u32::MAX as usize)
        .ok_or_else(|| header_error("ntotal", n_at, ntotal.into(), "must be in 0..2^32"))?;
    c.i64("dummy")?;
    c.i64("dummy")?;
    c.u8("is_trained")?;
    let m_at = c.pos();
    let metric = match c.i32("metric_type")? {
        0 => Metric::InnerProduct,
        1 => Metric::L2,
        other => {
            let what = format!("metric_type {other} (only METRIC_INNER_PRODUCT = 0 and METRIC_L2 = 1 are read)");
            return Err(ReadError::Unsupported { offset: m_at as u64, what });
        }
    };
    Ok(IndexHeader { d: d as usize, ntotal, metric, at: (d_at as u64, n_at as u64, m_at as u64) })
}

fn i32s(bytes: &[u8]) -> Vec<i32> {
    u32s(bytes).map(|x| x as i32).collect()
}

/// Read a faiss `IndexHNSWFlat` file.
pub fn read(bytes: &[u8]) -> Result<ForeignIndex, ReadError> {
    let mut c = Cursor::new(bytes);
    let magic = c.take(4, "fourcc")?;
    if OTHER_HNSW.contains(&magic) {
        let what = format!("faiss index {:?}: only IndexHNSWFlat (IHNf) is read", String::from_utf8_lossy(magic));
        return Err(ReadError::Unsupported { offset: 0, what });
    }
    if magic != MAGIC {
        return Err(ReadError::BadMagic { found: magic.to_vec(), expected: "IHNf" });
    }
    let head = index_header(&mut c)?;
    let n = head.ntotal;
    let mut defects = Vec::new();

    c.sized(8, "assign_probas")?;
    let (cum_at, cum) = c.sized(4, "cum_nneighbor_per_level")?;
    let cum = i32s(cum);
    let (levels_at, levels) = c.sized(4, "levels")?;
    let levels = i32s(levels);
    let (offsets_at, offsets) = c.sized(8, "offsets")?;
    let offsets: Vec<u64> =
        offsets.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))).collect();
    let (nb_at, nb) = c.sized(4, "neighbors")?;
    let neighbors = i32s(nb);
    let nb_data = nb_at + 8;

    if cum.len() < 2 || cum.len() > 257 || cum[0] != 0 || cum.windows(2).any(|w| w[1] < w[0]) {
        let rule = "must start at 0, be non-decreasing and have 2..=257 entries";
        return Err(header_error("cum_nneighbor_per_level", cum_at, cum.len() as i128, rule));
    }
    if levels.len() != n {
        return Err(header_error("levels", levels_at, levels.len() as i128, format!("count must be ntotal = {n}")));
    }
    if offsets.len() != n + 1 || offsets[0] != 0 {
        let rule = format!("count must be ntotal + 1 = {}, starting at 0", n + 1);
        return Err(header_error("offsets", offsets_at, offsets.len() as i128, rule));
    }
    let m0 = (cum[1] - cum[0]) as usize;
    let m = if cum.len() > 2 { (cum[2] - cum[1]) as usize } else { m0 / 2 };
    for l in 2..cum.len() - 1 {
        let cap = (cum[l + 1] - cum[l]) as usize;
        if cap != m {
            let rule = format!("layer {l} holds {cap} slots, layer 1 holds {m}: capacities differ above layer 0");
            defects.push(FileDefect::HeaderMismatch {
                field: "cum_nneighbor_per_level",
                offset: (cum_at + 8 + 4 * (l + 1)) as u64,
                found: cap as i128,
                rule,
            });
            break;
        }
    }

    let mut raw = Raw {
        dim: head.d,
        metric: head.metric,
        m,
        m0,
        levels: Vec::with_capacity(n),
        lists: Vec::with_capacity(n),
        deleted: vec![false; n],
        labels: (0..n as u64).collect(),
        label_offsets: vec![None; n],
        ..Raw::default()
    };
    for (i, &lv) in levels.iter().enumerate() {
        let node = NodeId(i as u32);
        let at = levels_at + 8 + 4 * i;
        if lv < 0 || lv as usize >= cum.len() {
            let rule = format!("must be in 0..{}", cum.len());
            return Err(header_error("levels", at, lv.into(), rule));
        }
        let start = offsets[i];
        let expected = start.checked_add(cum[lv as usize] as u64);
        if expected != Some(offsets[i + 1]) || offsets[i + 1] > neighbors.len() as u64 {
            let rule = format!(
                "must be offsets[{i}] + cum_nneighbor_per_level[{lv}] = {} and at most neighbors' count {}",
                expected.unwrap_or(u64::MAX),
                neighbors.len()
            );
            return Err(header_error("offsets", offsets_at + 8 + 8 * (i + 1), offsets[i + 1].into(), rule));
        }
        if lv == 0 {
            let rule = "levels entry 0: the node has no layer at all (faiss writes level + 1 >= 1)";
            defects.push(FileDefect::BadRecord { node, offset: at as u64, found: 0, rule });
        }
        let level = (lv.max(1) - 1) as usize;
        raw.levels.push(Layer(level as u8));
        let mut lists = Vec::with_capacity(level + 1);
        for l in 0..=level {
            let mut list = RawList::default();
            if lv > 0 {
                let (b, e) = (start as usize + cum[l] as usize, start as usize + cum[l + 1] as usize);
                for (j, &t) in neighbors[b..e].iter().enumerate() {
                    if t == -1 {
                        break;
                    }
                    list.targets.push((i64::from(t), (nb_data + 4 * (b + j)) as u64));
                }
            }
            lists.push(list);
        }
        raw.lists.push(lists);
    }

    let entry_at = c.pos();
    raw.entry = (i64::from(c.i32("entry_point")?), entry_at as u64);
    let max_at = c.pos();
    raw.max_level = (i64::from(c.i32("max_level")?), max_at as u64);
    let ef_construction = c.i32("efConstruction")?;
    c.i32("efSearch")?;
    c.i32("upper_beam")?;

    let storage_at = c.pos();
    let fourcc = c.take(4, "storage fourcc")?;
    if ![&b"IxF2"[..], b"IxFI", b"IxFl"].contains(&fourcc) {
        let what = format!("storage {:?}: only IndexFlat storage is read", String::from_utf8_lossy(fourcc));
        return Err(ReadError::Unsupported { offset: storage_at as u64, what });
    }
    let store = index_header(&mut c)?;
    if store.d != head.d {
        return Err(header_error("storage d", store.at.0 as usize, store.d as i128, format!("must be d = {}", head.d)));
    }
    if store.ntotal != n {
        let rule = format!("must be ntotal = {n}");
        return Err(header_error("storage ntotal", store.at.1 as usize, store.ntotal as i128, rule));
    }
    if store.metric != head.metric {
        defects.push(FileDefect::HeaderMismatch {
            field: "storage metric_type",
            offset: store.at.2,
            found: i128::from(store.metric == Metric::L2),
            rule: format!("differs from the index's ({})", head.metric.name()),
        });
    }
    let (codes_at, codes) = c.sized(4, "storage codes")?;
    let want = n.saturating_mul(head.d);
    if codes.len() / 4 != want {
        let rule = format!("must be ntotal * d = {want} floats");
        return Err(header_error("storage codes", codes_at, (codes.len() / 4) as i128, rule));
    }
    raw.vectors = f32s(codes).collect();
    raw.vector_offsets = (0..n).map(|i| (codes_at + 8 + 4 * head.d * i) as u64).collect();
    if c.remaining() > 0 {
        defects.push(FileDefect::TrailingBytes { offset: c.pos() as u64, len: c.remaining() as u64 });
    }

    let graph = sanitize::finish(raw, &mut defects);
    let params = FileParams { m, m0, ef_construction: ef_construction.max(0) as usize, ml: None, max_elements: None };
    Ok(ForeignIndex { format: Format::Faiss, graph, deleted: vec![false; n], params, defects })
}
