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

#[cfg(test)]
mod tests {
    use super::*;

    /// A faiss `IndexHNSWFlat` file as `write_index` lays it out, written
    /// field by field so a test can change one field and name its offset.
    #[derive(Clone)]
    struct Spec {
        magic: [u8; 4],
        d: i32,
        metric: i32,
        cum: Vec<i32>,
        /// Per node, `level + 1` as faiss stores it.
        levels: Vec<i32>,
        /// Per node, per layer `0..levels[i]`: its list (padded with -1).
        lists: Vec<Vec<Vec<i32>>>,
        entry: i32,
        max_level: i32,
        ef_construction: i32,
        storage: [u8; 4],
        storage_d: i32,
        storage_ntotal: i64,
        storage_metric: i32,
        vectors: Vec<f32>,
    }

    /// Where `write` put the fields a test changes or a reader reports.
    #[derive(Debug, Default)]
    struct At {
        cum: usize,
        levels: usize,
        offsets: usize,
        neighbors: usize,
        entry: usize,
        max_level: usize,
        storage: usize,
        storage_d: usize,
        storage_ntotal: usize,
        storage_metric: usize,
        codes: usize,
        end: usize,
    }

    /// The header fields at fixed offsets: fourcc 0, d 4, ntotal 8, the two
    /// dummies 16 and 24, is_trained 32, metric_type 33.
    const D_AT: usize = 4;
    const NTOTAL_AT: usize = 8;
    const METRIC_AT: usize = 33;

    fn header(b: &mut Vec<u8>, d: i32, ntotal: i64, metric: i32) -> (usize, usize, usize) {
        let d_at = b.len();
        b.extend_from_slice(&d.to_le_bytes());
        let n_at = b.len();
        b.extend_from_slice(&ntotal.to_le_bytes());
        b.extend_from_slice(&[0; 16]);
        b.push(1);
        let m_at = b.len();
        b.extend_from_slice(&metric.to_le_bytes());
        (d_at, n_at, m_at)
    }

    fn vec_of<T: Copy>(b: &mut Vec<u8>, xs: &[T], bytes: impl Fn(T) -> Vec<u8>) -> usize {
        let at = b.len();
        b.extend_from_slice(&(xs.len() as u64).to_le_bytes());
        for &x in xs {
            b.extend(bytes(x));
        }
        at
    }

    /// The offsets table follows from the levels: `offsets[i + 1] =
    /// offsets[i] + cum[levels[i]]`.
    fn offsets(spec: &Spec) -> Vec<u64> {
        let mut o = vec![0u64];
        for &lv in &spec.levels {
            o.push(o.last().unwrap() + spec.cum[lv as usize] as u64);
        }
        o
    }

    fn write_with(spec: &Spec, offsets: &[u64]) -> (Vec<u8>, At) {
        let mut at = At::default();
        let mut b = spec.magic.to_vec();
        header(&mut b, spec.d, spec.levels.len() as i64, spec.metric);
        vec_of(&mut b, &[0.5f64, 0.25], |x| x.to_le_bytes().to_vec());
        at.cum = vec_of(&mut b, &spec.cum, |x| x.to_le_bytes().to_vec());
        at.levels = vec_of(&mut b, &spec.levels, |x| x.to_le_bytes().to_vec());
        at.offsets = vec_of(&mut b, offsets, |x| x.to_le_bytes().to_vec());
        let mut nb = Vec::new();
        for (i, &lv) in spec.levels.iter().enumerate() {
            for l in 0..lv.max(0) as usize {
                let slots = match (spec.cum.get(l), spec.cum.get(l + 1)) {
                    (Some(a), Some(b)) => (b - a).max(0) as usize,
                    _ => 0,
                };
                let list = spec.lists[i].get(l).cloned().unwrap_or_default();
                nb.extend((0..slots).map(|j| list.get(j).copied().unwrap_or(-1)));
            }
        }
        at.neighbors = vec_of(&mut b, &nb, |x| x.to_le_bytes().to_vec());
        at.entry = b.len();
        at.max_level = at.entry + 4;
        for x in [spec.entry, spec.max_level, spec.ef_construction, 16, 1] {
            b.extend_from_slice(&x.to_le_bytes());
        }
        at.storage = b.len();
        b.extend_from_slice(&spec.storage);
        (at.storage_d, at.storage_ntotal, at.storage_metric) =
            header(&mut b, spec.storage_d, spec.storage_ntotal, spec.storage_metric);
        at.codes = vec_of(&mut b, &spec.vectors, |x| x.to_le_bytes().to_vec());
        at.end = b.len();
        (b, at)
    }

    fn write(spec: &Spec) -> (Vec<u8>, At) {
        write_with(spec, &offsets(spec))
    }

    /// M = 2 in 2-d: node 0 on layers 0..=1, node 1 on layer 0, node 2 on
    /// layers 0..=2 and the entry point.
    fn three_layers() -> Spec {
        Spec {
            magic: *b"IHNf",
            d: 2,
            metric: 1,
            cum: vec![0, 4, 6, 8],
            levels: vec![2, 1, 3],
            lists: vec![vec![vec![1, 2], vec![2]], vec![vec![0, 2]], vec![vec![0, 1], vec![0], vec![]]],
            entry: 2,
            max_level: 2,
            ef_construction: 40,
            storage: *b"IxF2",
            storage_d: 2,
            storage_ntotal: 3,
            storage_metric: 1,
            vectors: vec![0.0, 1.0, 1.0, 1.0, 2.0, 0.5],
        }
    }

    fn header_error_of(bytes: &[u8]) -> (&'static str, u64, i128) {
        match read(bytes) {
            Err(ReadError::Header { field, offset, found, .. }) => (field, offset, found),
            other => panic!("expected a header error, got {other:?}"),
        }
    }

    fn put_i32(b: &mut [u8], at: usize, x: i32) {
        b[at..at + 4].copy_from_slice(&x.to_le_bytes());
    }

    #[test]
    fn a_hand_written_file_reads_back_exactly() {
        let (bytes, _) = write(&three_layers());
        let idx = read(&bytes).expect("reads");
        assert!(idx.defects.is_empty(), "{:?}", idx.defects);
        assert_eq!(idx.format, Format::Faiss);
        let g = &idx.graph;
        assert_eq!((g.dim, g.metric, g.m, g.m0), (2, Metric::L2, 2, 4));
        assert_eq!(g.levels, vec![Layer(1), Layer(0), Layer(2)]);
        let ids = |xs: &[u32]| xs.iter().map(|&x| NodeId(x)).collect::<Vec<_>>();
        assert_eq!(g.lists[0], vec![ids(&[1, 2]), ids(&[2])]);
        assert_eq!(g.lists[1], vec![ids(&[0, 2])]);
        assert_eq!(g.lists[2], vec![ids(&[0, 1]), ids(&[0]), vec![]]);
        assert_eq!((g.entry, g.max_level), (Some(NodeId(2)), Layer(2)));
        assert_eq!(g.vectors, three_layers().vectors);
        assert_eq!(g.labels, vec![0, 1, 2]);
        assert_eq!(idx.deleted, vec![false; 3]);
        let want = FileParams { m: 2, m0: 4, ef_construction: 40, ml: None, max_elements: None };
        assert_eq!(idx.params, want);
        assert!(crate::validate::check(g).is_empty());
    }

    /// A non-finite coordinate is located at its own float in the storage,
    /// for every node and coordinate.
    #[test]
    fn a_non_finite_coordinate_is_located_at_its_own_float() {
        for node in 0..3 {
            for coordinate in 0..2 {
                let mut spec = three_layers();
                spec.vectors[2 * node + coordinate] = f32::NAN;
                let (bytes, at) = write(&spec);
                let idx = read(&bytes).expect("a vector defect is reported, not refused");
                let offset = (at.codes + 8 + 4 * (2 * node + coordinate)) as u64;
                let want = FileDefect::NonFinite { node: NodeId(node as u32), offset, coordinate };
                assert_eq!(idx.defects, vec![want], "node {node}, coordinate {coordinate}");
            }
        }
    }

    /// A file whose levels table defines layer 0 only takes faiss's own rule,
    /// M = layer 0's slots / 2.
    #[test]
    fn a_single_layer_file_has_m_half_its_layer_0_slots() {
        let spec = Spec {
            cum: vec![0, 6],
            levels: vec![1, 1, 1],
            lists: vec![vec![vec![1, 2]], vec![vec![0]], vec![vec![0, 1]]],
            entry: 0,
            max_level: 0,
            ..three_layers()
        };
        let idx = read(&write(&spec).0).expect("reads");
        assert!(idx.defects.is_empty(), "{:?}", idx.defects);
        assert_eq!((idx.graph.m, idx.graph.m0, idx.params.m, idx.params.m0), (3, 6, 3, 6));
        assert_eq!(idx.graph.lists[2], vec![vec![NodeId(0), NodeId(1)]]);
    }

    #[test]
    fn the_inner_product_metric_is_read_from_both_headers() {
        let spec = Spec { metric: 0, storage: *b"IxFI", storage_metric: 0, ..three_layers() };
        let idx = read(&write(&spec).0).expect("reads");
        assert!(idx.defects.is_empty(), "{:?}", idx.defects);
        assert_eq!(idx.graph.metric, Metric::InnerProduct);
        let spec = Spec { storage_metric: 1, ..spec };
        let (bytes, at) = write(&spec);
        let idx = read(&bytes).expect("reads");
        let expected = FileDefect::HeaderMismatch {
            field: "storage metric_type",
            offset: at.storage_metric as u64,
            found: 1,
            rule: "differs from the index's (ip)".into(),
        };
        assert_eq!(idx.defects, vec![expected]);
    }

    #[test]
    fn the_dimension_is_bounded_on_both_sides() {
        let mut spec = Spec { levels: vec![], lists: vec![], entry: -1, max_level: -1, ..three_layers() };
        spec.storage_ntotal = 0;
        spec.vectors.clear();
        for d in [1, MAX_DIM] {
            let idx = read(&write(&Spec { d, storage_d: d, ..spec.clone() }).0).expect("reads");
            // An empty index stores entry and max level -1: no defect.
            assert!(idx.defects.is_empty(), "d = {d}: {:?}", idx.defects);
            assert_eq!((idx.graph.dim, idx.graph.entry), (d as usize, None), "d = {d}");
        }
        for d in [0, -1, MAX_DIM + 1] {
            let (bytes, _) = write(&Spec { d, storage_d: d, ..spec.clone() });
            assert_eq!(header_error_of(&bytes), ("d", D_AT as u64, d.into()), "d = {d}");
        }
    }

    #[test]
    fn the_header_rejects_what_it_cannot_lay_out() {
        let (good, at) = write(&three_layers());
        let mut b = good.clone();
        b[NTOTAL_AT..NTOTAL_AT + 8].copy_from_slice(&(-1i64).to_le_bytes());
        assert_eq!(header_error_of(&b), ("ntotal", NTOTAL_AT as u64, -1));
        let mut b = good.clone();
        put_i32(&mut b, METRIC_AT, 2);
        assert!(matches!(read(&b), Err(ReadError::Unsupported { offset, .. }) if offset == METRIC_AT as u64));
        let mut b = good.clone();
        b[..4].copy_from_slice(b"IHNp");
        assert!(matches!(read(&b), Err(ReadError::Unsupported { offset: 0, .. })));
        b[..4].copy_from_slice(b"IHNx");
        assert_eq!(read(&b).err(), Some(ReadError::BadMagic { found: b"IHNx".to_vec(), expected: "IHNf" }));
        let mut b = good.clone();
        b[at.storage..at.storage + 4].copy_from_slice(b"IxHN");
        assert!(matches!(read(&b), Err(ReadError::Unsupported { offset, .. }) if offset == at.storage as u64));
        let cut = &good[..at.end - 1];
        assert_eq!(header_error_of(cut), ("storage codes", at.codes as u64, 6));
    }

    #[test]
    fn the_level_table_must_start_at_zero_rise_and_hold_2_to_257_entries() {
        let spec = three_layers();
        let at = write(&spec).1.cum as u64;
        for cum in [vec![0], vec![1, 4, 6, 8], vec![0, 4, 3, 8]] {
            let (bytes, _) = write_with(&Spec { cum: cum.clone(), ..spec.clone() }, &offsets(&spec));
            assert_eq!(header_error_of(&bytes), ("cum_nneighbor_per_level", at, cum.len() as i128), "{cum:?}");
        }
        let flat = |layers: usize| Spec {
            cum: (0..=layers as i32).map(|l| if l == 0 { 0 } else { 2 + 2 * l }).collect(),
            levels: vec![1],
            lists: vec![vec![]],
            entry: 0,
            max_level: 0,
            storage_ntotal: 1,
            vectors: vec![0.0, 0.0],
            ..spec.clone()
        };
        assert!(read(&write(&flat(256)).0).is_ok(), "257 entries");
        assert_eq!(header_error_of(&write(&flat(257)).0), ("cum_nneighbor_per_level", at, 258));
    }

    /// Capacities above layer 0 must agree with layer 1's: the first layer
    /// that differs is reported at its own entry, and the graph still read.
    #[test]
    fn an_upper_layer_of_another_capacity_is_located() {
        let spec = Spec { cum: vec![0, 4, 6, 9], ..three_layers() };
        let (bytes, at) = write(&spec);
        let idx = read(&bytes).expect("reads");
        match &idx.defects[..] {
            [FileDefect::HeaderMismatch { field: "cum_nneighbor_per_level", offset, found: 3, .. }] => {
                assert_eq!(*offset, (at.cum + 8 + 4 * 3) as u64)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(idx.graph.m, 2);
    }

    #[test]
    fn levels_and_offsets_must_agree_with_ntotal_and_each_other() {
        let spec = three_layers();
        let (good, at) = write(&spec);
        let o = offsets(&spec);
        // One level too few.
        let short = Spec { levels: vec![2, 1], ..spec.clone() };
        let (b, _) = write_with(&short, &o);
        let mut b = b;
        b[NTOTAL_AT..NTOTAL_AT + 8].copy_from_slice(&3i64.to_le_bytes());
        assert_eq!(header_error_of(&b), ("levels", at.levels as u64, 2));
        // The offsets table one entry short, or not starting at 0.
        assert_eq!(header_error_of(&write_with(&spec, &o[..3]).0), ("offsets", at.offsets as u64, 3));
        let shifted: Vec<u64> = o.iter().map(|x| x + 1).collect();
        assert_eq!(header_error_of(&write_with(&spec, &shifted).0), ("offsets", at.offsets as u64, 4));
        // Node 1's end disagrees with its level.
        let mut wrong = o.clone();
        wrong[2] += 1;
        wrong[3] += 1;
        let (b, at2) = write_with(&spec, &wrong);
        assert_eq!(header_error_of(&b), ("offsets", (at2.offsets + 8 + 8 * 2) as u64, o[2] as i128 + 1));
        // A level outside the table, and one below zero.
        for lv in [4, -1] {
            let mut b = good.clone();
            put_i32(&mut b, at.levels + 8 + 4, lv);
            assert_eq!(header_error_of(&b), ("levels", (at.levels + 8 + 4) as u64, lv.into()), "level {lv}");
        }
    }

    /// The last node's lists may end exactly at the end of the neighbours
    /// table, not beyond it.
    #[test]
    fn the_lists_must_fit_in_the_neighbours_table() {
        let spec = three_layers();
        let mut o = offsets(&spec);
        assert!(read(&write_with(&spec, &o).0).is_ok());
        let (b, at) = write_with(&spec, &{
            o[3] += 1;
            o.clone()
        });
        assert_eq!(header_error_of(&b), ("offsets", (at.offsets + 8 + 8 * 3) as u64, 19));
    }

    /// Offsets that agree with the levels still fail where the neighbours
    /// table ends before the last node's lists: the error names the last
    /// offset, not an earlier one that still fits.
    #[test]
    fn offsets_agreeing_with_the_levels_must_still_fit_the_table() {
        let spec = three_layers();
        let o = offsets(&spec);
        let (mut b, at) = write(&spec);
        let count = u64::from_le_bytes(b[at.neighbors..at.neighbors + 8].try_into().unwrap());
        assert_eq!(count, o[3]);
        let last = at.neighbors + 8 + 4 * (count as usize - 1);
        b.drain(last..last + 4);
        b[at.neighbors..at.neighbors + 8].copy_from_slice(&(count - 1).to_le_bytes());
        assert_eq!(header_error_of(&b), ("offsets", (at.offsets + 8 + 8 * 3) as u64, o[3] as i128));
    }

    #[test]
    fn a_node_without_layers_is_a_defect_and_reads_on_layer_0() {
        let spec = Spec {
            levels: vec![2, 0, 3],
            lists: vec![vec![vec![2], vec![2]], vec![], vec![vec![0], vec![0], vec![]]],
            ..three_layers()
        };
        let (bytes, at) = write(&spec);
        let idx = read(&bytes).expect("reads");
        let rule = "levels entry 0: the node has no layer at all (faiss writes level + 1 >= 1)";
        let want = FileDefect::BadRecord { node: NodeId(1), offset: (at.levels + 8 + 4) as u64, found: 0, rule };
        assert_eq!(idx.defects, vec![want]);
        assert_eq!(idx.graph.levels, vec![Layer(1), Layer(0), Layer(2)]);
        assert_eq!(idx.graph.lists[1], vec![Vec::<NodeId>::new()]);
    }

    /// Links are located at their own slot: node 2's layer-0 list is its
    /// second block after nodes 0 and 1 (6 + 4 slots), its second slot.
    #[test]
    fn a_bad_link_names_its_own_slot() {
        let mut spec = three_layers();
        spec.lists[2][0] = vec![0, 7];
        let (bytes, at) = write(&spec);
        let idx = read(&bytes).expect("reads");
        let want = FileDefect::LinkOutOfRange {
            node: NodeId(2),
            layer: Layer(0),
            offset: (at.neighbors + 8 + 4 * (10 + 1)) as u64,
            target: 7,
            len: 3,
        };
        assert_eq!(idx.defects, vec![want]);
        assert_eq!(idx.graph.lists[2][0], vec![NodeId(0)]);
    }

    #[test]
    fn the_storage_must_match_the_index() {
        let spec = three_layers();
        let (_, at) = write(&spec);
        let (b, _) = write(&Spec { storage_d: 3, ..spec.clone() });
        assert_eq!(header_error_of(&b), ("storage d", at.storage_d as u64, 3));
        let (b, _) = write(&Spec { storage_ntotal: 4, ..spec.clone() });
        assert_eq!(header_error_of(&b), ("storage ntotal", at.storage_ntotal as u64, 4));
        let (b, _) = write(&Spec { vectors: vec![0.0; 5], ..spec.clone() });
        assert_eq!(header_error_of(&b), ("storage codes", at.codes as u64, 5));
    }

    #[test]
    fn bytes_after_the_storage_are_a_located_defect() {
        let (mut b, at) = write(&three_layers());
        b.extend_from_slice(&[1, 2, 3]);
        let idx = read(&b).expect("reads");
        assert_eq!(idx.defects, vec![FileDefect::TrailingBytes { offset: at.end as u64, len: 3 }]);
    }

    #[test]
    fn the_entry_point_and_max_level_are_read_from_their_fields() {
        let mut spec = three_layers();
        spec.entry = 0;
        spec.max_level = 1;
        let (bytes, at) = write(&spec);
        let idx = read(&bytes).expect("reads");
        let want = vec![
            FileDefect::EntryNotOnTop { offset: at.entry as u64, entry: NodeId(0), level: Layer(1), top: Layer(2) },
            FileDefect::MaxLevelMismatch { offset: at.max_level as u64, stored: 1, top: Some(Layer(2)) },
        ];
        assert_eq!(idx.defects, want);
        assert_eq!((idx.graph.entry, idx.graph.max_level), (Some(NodeId(2)), Layer(2)));
    }
}
