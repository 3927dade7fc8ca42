//! Vectors in one contiguous buffer, and the bijective label map.

use std::collections::HashMap;

use crate::error::{checked_product, try_grow, ErrorKind, Result};
use crate::ids::NodeId;

/// One 64-byte cache line of floats: the unit of [`Vectors`]' storage, so the
/// buffer starts on a cache-line boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, align(64))]
struct Line([f32; LINE]);

/// Floats per cache line.
const LINE: usize = 16;

/// All vectors of an index, back to back in id order, in cache-line-aligned
/// storage.
///
/// Invariant: row `id` starts at float `id * stride`, where `stride` is `dim`
/// rounded up to a whole number of cache lines (or, below one line, to a power
/// of two dividing it), so every row starts on its own aligned boundary and no
/// row of up to 16 floats straddles two lines. The padding floats are zero and
/// never read: [`Vectors::get`] returns exactly `dim` floats.
#[derive(Clone, Debug, PartialEq)]
pub struct Vectors {
    dim: usize,
    stride: usize,
    len: usize,
    lines: Vec<Line>,
}

impl Vectors {
    /// An empty store for vectors of length `dim`.
    pub fn new(dim: usize) -> Self {
        let stride = if dim >= LINE { dim.div_ceil(LINE) * LINE } else { dim.max(1).next_power_of_two() };
        Vectors { dim, stride, len: 0, lines: Vec::new() }
    }
    /// Lines needed for `rows` rows.
    fn lines_for(&self, rows: usize) -> usize {
        (rows * self.stride).div_ceil(LINE)
    }
    /// Reserve room for `n` more vectors: sizes in checked arithmetic, an
    /// allocation the allocator refuses is an error, not an abort.
    pub fn reserve(&mut self, n: usize) -> Result<()> {
        let rows = self.len.checked_add(n).ok_or(ErrorKind::TooLarge {
            what: "vector reserve (rows)",
            requested: self.len as u128 + n as u128,
            max: usize::MAX as u128,
        })?;
        let floats = checked_product("vector reserve (rows x stride)", rows, self.stride)?;
        let need = floats.div_ceil(LINE);
        let more = need.saturating_sub(self.lines.len());
        try_grow("vectors", &mut self.lines, more)?;
        crate::hugepage::advise(&self.lines);
        Ok(())
    }
    /// Vector length.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Every float of the buffer, padding included.
    #[inline]
    fn floats(&self) -> &[f32] {
        // `Line` is `repr(C)` over `[f32; LINE]` with no padding (`Pod`), so
        // `lines` is `lines.len() * LINE` aligned f32s.
        bytemuck::cast_slice(&self.lines)
    }
    /// Append a (prepared) vector; its id is the previous length.
    pub fn push(&mut self, v: &[f32]) {
        assert_eq!(v.len(), self.dim, "caller validates dimensions");
        let need = self.lines_for(self.len + 1);
        let capacity = self.lines.capacity();
        self.lines.resize(need, Line::default());
        if self.lines.capacity() != capacity {
            crate::hugepage::advise(&self.lines);
        }
        let start = self.len * self.stride;
        // As in `floats`; the `need` lines hold row `len` whole.
        let floats: &mut [f32] = bytemuck::cast_slice_mut(&mut self.lines);
        floats[start..start + self.dim].copy_from_slice(v);
        self.len += 1;
    }
    /// Overwrite the (prepared) vector of an existing `id`.
    pub fn set(&mut self, id: NodeId, v: &[f32]) {
        assert!(v.len() == self.dim && id.index() < self.len, "caller validates dimensions and ids");
        let s = id.index() * self.stride;
        let floats: &mut [f32] = bytemuck::cast_slice_mut(&mut self.lines);
        floats[s..s + self.dim].copy_from_slice(v);
    }
    /// The vector of `id`.
    #[inline]
    pub fn get(&self, id: NodeId) -> &[f32] {
        let s = id.index() * self.stride;
        &self.floats()[s..s + self.dim]
    }
    /// Bytes used.
    pub fn memory_bytes(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Line>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_aligned_and_round_trip() {
        for dim in [1, 2, 3, 5, 8, 13, 16, 17, 100, 128, 784] {
            let mut v = Vectors::new(dim);
            let rows: Vec<Vec<f32>> = (0..37).map(|r| (0..dim).map(|c| (r * 1000 + c) as f32).collect()).collect();
            for r in &rows {
                v.push(r);
            }
            assert_eq!(v.len, rows.len());
            for (i, r) in rows.iter().enumerate() {
                let got = v.get(NodeId(i as u32));
                assert_eq!(got, &r[..], "dim {dim} row {i}");
                let addr = got.as_ptr() as usize;
                let align = (v.stride * 4).min(64);
                assert_eq!(addr % align, 0, "dim {dim} row {i} at {addr:#x} is not {align}-aligned");
            }
        }
    }

    /// The stride is `dim` rounded up to whole lines, or below a line to a
    /// power of two; `set` overwrites its own row only; a reserve is checked.
    #[test]
    fn rows_have_their_stride_and_set_touches_one_row() {
        for (dim, stride) in [(1, 1), (2, 2), (3, 4), (5, 8), (9, 16), (16, 16), (17, 32), (33, 48)] {
            assert_eq!(Vectors::new(dim).stride, stride, "dim {dim}");
        }
        let mut v = Vectors::new(3);
        v.reserve(10).unwrap();
        assert!(v.memory_bytes() >= 10 * 4 * 4, "{}", v.memory_bytes());
        let rows: Vec<[f32; 3]> = (0..10).map(|i| [i as f32, -(i as f32), 0.5]).collect();
        for r in &rows {
            v.push(r);
        }
        v.set(NodeId(4), &[9.0, 9.0, 9.0]);
        for (i, r) in rows.iter().enumerate() {
            let want: &[f32] = if i == 4 { &[9.0, 9.0, 9.0] } else { r };
            assert_eq!(v.get(NodeId(i as u32)), want, "row {i}");
        }
        assert_eq!(v.dim(), 3);
        assert!(v.memory_bytes() >= 10 * 4 * 4 && v.memory_bytes().is_multiple_of(64));
        assert!(v.reserve(usize::MAX).is_err());
        assert!(v.reserve(usize::MAX / 2).is_err());
    }

    /// The label map stays a bijection over mapped labels: a taken label is
    /// refused, a forgotten one frees its label but keeps it on the id.
    #[test]
    fn labels_map_both_ways_and_refuse_a_taken_label() {
        let mut l = Labels::default();
        assert!(l.push(10) && l.push(20));
        assert!(!l.push(10), "taken");
        assert_eq!((l.id(10), l.id(20), l.id(30)), (Some(NodeId(0)), Some(NodeId(1)), None));
        l.push_unmapped(10);
        assert_eq!((l.label(NodeId(2)), l.id(10)), (10, Some(NodeId(0))), "an unmapped push maps nothing");
        assert_eq!(l.forget(10), Some(NodeId(0)));
        assert_eq!(l.forget(10), None);
        assert_eq!((l.label(NodeId(0)), l.id(10)), (10, None));
        assert!(!l.assign(NodeId(0), 20), "20 is taken");
        assert_eq!(l.label(NodeId(0)), 10);
        assert!(l.assign(NodeId(0), 30));
        assert_eq!((l.label(NodeId(0)), l.id(30)), (30, Some(NodeId(0))));
    }

    #[test]
    fn labels_memory_counts_both_maps_per_label() {
        let mut l = Labels::default();
        for x in 0..1000u64 {
            assert!(l.push(x * 7));
        }
        // 8 bytes per id -> label slot and 16 per label -> id entry, for at least 1000 of each.
        assert!(l.memory_bytes() >= 1000 * (8 + 16), "{} bytes for 1000 labels", l.memory_bytes());
        // The accounting: every slot either map holds, used or not.
        assert_eq!(l.memory_bytes(), l.by_id.capacity() * 8 + l.by_label.capacity() * 16);
    }
}

/// External `u64` labels, bijective with node ids.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    by_id: Vec<u64>,
    by_label: HashMap<u64, NodeId>,
}

impl Labels {
    /// Record `label` for the next id; false (and no change) if the label is taken.
    pub fn push(&mut self, label: u64) -> bool {
        let id = NodeId(self.by_id.len() as u32);
        if self.by_label.contains_key(&label) {
            return false;
        }
        self.by_label.insert(label, id);
        self.by_id.push(label);
        true
    }
    /// Record `label` for the next id without mapping it back (a dead slot's
    /// old label, which may repeat a live one).
    pub fn push_unmapped(&mut self, label: u64) {
        self.by_id.push(label);
    }
    /// Take `label` out of the lookup (its id keeps the old label, which no
    /// longer maps back to it); the id it had, if any.
    pub fn forget(&mut self, label: u64) -> Option<NodeId> {
        self.by_label.remove(&label)
    }
    /// Give the existing `id`, whose label was forgotten, the new `label`;
    /// false (and no change) if the label is taken.
    pub fn assign(&mut self, id: NodeId, label: u64) -> bool {
        if self.by_label.contains_key(&label) {
            return false;
        }
        self.by_label.insert(label, id);
        self.by_id[id.index()] = label;
        true
    }
    /// Label of `id`.
    #[inline]
    pub fn label(&self, id: NodeId) -> u64 {
        self.by_id[id.index()]
    }
    /// Id of `label`.
    pub fn id(&self, label: u64) -> Option<NodeId> {
        self.by_label.get(&label).copied()
    }
    /// Approximate bytes used.
    pub fn memory_bytes(&self) -> usize {
        self.by_id.capacity() * 8 + self.by_label.capacity() * 16
    }
}
