//! The `load_hnswlab` fuzz body: hnswlab's file loader on arbitrary bytes.
//!
//! What must hold: `Hnsw::from_bytes` returns a typed `CorruptFile` error, or
//! an index that passes [`check_all`]'s structural checks, answers a search
//! from every stored vector with live labels only, and re-encodes to exactly
//! the bytes it was loaded from (the encoding is canonical, slot states
//! included). Never a panic.

use hnswlab::file::reseal;
use hnswlab::{synthetic, ErrorKind, GraphView, Hnsw, Metric, Neighbour, NodeId, Params, PrunePolicy, Selection};

use super::Ran;
use crate::{check_all, Expectations};

/// Largest input run; longer ones return at once.
pub const MAX_FILE_BYTES: usize = 1 << 16;

/// The body. The first byte chooses the mode: odd means "recompute the
/// checksums first" ([`reseal`]), so edits reach the checks behind them; the
/// rest is the file.
pub fn load_hnswlab(data: &[u8]) -> Ran {
    let Some((&mode, file)) = data.split_first() else { return Ran::default() };
    if file.len() > MAX_FILE_BYTES {
        return Ran::default();
    }
    let mut bytes = file.to_vec();
    if mode & 1 == 1 {
        reseal(&mut bytes);
    }
    let h = match Hnsw::from_bytes(&bytes) {
        Ok(h) => h,
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::CorruptFile { .. }), "untyped load error: {e:?}");
            return Ran::default();
        }
    };
    // Every slot, live or not (`Hnsw::len` counts live labels only).
    let slots = GraphView::len(&h);
    if let Err(v) = check_all(&h, &Expectations { inserted: Some(h.len()), ..Expectations::structural() }) {
        panic!("a loaded file fails the structural checks:\n{v}");
    }
    assert!(h.to_bytes() == bytes, "a loaded file re-encodes to other bytes ({slots} slots)");
    let mut ran = Ran { checks: 1, ..Ran::default() };
    if h.is_empty() {
        return ran;
    }
    for i in 0..slots.min(8) as u32 {
        let q = h.vector(NodeId(i)).to_vec();
        let k = h.len().min(3);
        let found = h.search(&q, k, 16).unwrap_or_else(|e| panic!("search from stored vector #{i}: {e}"));
        judge_loaded_search(&h, i, k, &found);
        ran.searches += 1;
    }
    ran
}

/// The judge of one search on a loaded index, from stored vector `#from` for
/// `k` results: between `least` and `k` results, where `least` is 1 without
/// tombstones (the entry point is then always reached and live) and 0 with
/// them (a file may hold a disconnected graph, and a deleted entry point is
/// walked, not returned); live slots only, in distance order, each label
/// mapping back to its id. Panics on a breach.
pub fn judge_loaded_search(h: &Hnsw, from: u32, k: usize, found: &[Neighbour]) {
    let least = usize::from(h.deleted_count() == 0);
    assert!((least..=k).contains(&found.len()), "search from #{from} returned {} of {k}", found.len());
    for n in found {
        assert!(!h.is_deleted(n.id), "search from #{from} returned non-live slot {}", n.id);
    }
    assert!(found.windows(2).all(|w| w[0].distance <= w[1].distance), "results out of order: {found:?}");
    for n in found {
        assert_eq!(h.id_of(n.label), Some(n.id), "result label {} does not map to id {}", n.label, n.id);
    }
}

/// Valid small files for the seed corpus, by name: each metric, both prune
/// policies, both selections, m = 2, an empty index, and two version-2 files
/// with slot states (tombstones, the entry point among them; free slots
/// beside a tombstone after a consolidation). Each is prefixed with the mode
/// byte 0 (load as is).
pub fn load_hnswlab_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = version_1_seeds();
    seeds.extend(slot_seeds());
    seeds
}

/// The version-2 seeds, from one 30-node 2-d index: tombstones (the entry
/// point's label and every 4th), and free slots (every 4th label below the
/// top level, consolidated) beside one tombstone.
fn slot_seeds() -> Vec<(String, Vec<u8>)> {
    let build = || {
        let p = Params::builder().m(3).ef_construction(16).seed(8).build().expect("seed params");
        let mut h = Hnsw::new(2, p).expect("seed index");
        for (i, v) in synthetic::gaussian(30, 2, 8).chunks_exact(2).enumerate() {
            h.insert(10 * i as u64 + 3, v).expect("seed insert");
        }
        h
    };
    let with_file = |h: &Hnsw| {
        let mut file = vec![0u8];
        file.extend_from_slice(&h.to_bytes());
        file
    };
    let every_4th = |h: &Hnsw| (1..h.slots() as u32).step_by(4).map(NodeId).collect::<Vec<_>>();

    let mut h = build();
    let entry = h.entry_point().expect("non-empty");
    h.delete(h.label(entry)).expect("delete the entry point");
    for id in every_4th(&h).into_iter().filter(|&id| id != entry) {
        h.delete(h.label(id)).expect("a live label");
    }
    let tombstones = with_file(&h);

    let mut h = build();
    let top = h.max_level();
    let below_top: Vec<NodeId> = every_4th(&h).into_iter().filter(|&id| h.level(id) < top).collect();
    for id in below_top {
        h.delete(h.label(id)).expect("a live label");
    }
    h.consolidate().expect("consolidate (standard prune)");
    let entry = h.entry_point().expect("live nodes remain");
    let live = (0..h.slots() as u32).map(NodeId).find(|&id| id != entry && !h.is_deleted(id)).expect("a live node");
    h.delete(h.label(live)).expect("a live label");
    vec![("seed-slots-tombstones".to_string(), tombstones), ("seed-slots-free".to_string(), with_file(&h))]
}

/// The version-1 seeds (every slot live).
fn version_1_seeds() -> Vec<(String, Vec<u8>)> {
    let cases: [(&str, usize, usize, Metric, PrunePolicy, Selection, usize); 7] = [
        ("l2-standard", 40, 3, Metric::L2, PrunePolicy::Standard, Selection::HEURISTIC, 4),
        ("l2-symmetric", 40, 3, Metric::L2, PrunePolicy::Symmetric, Selection::HEURISTIC, 4),
        ("cosine-simple", 30, 4, Metric::Cosine, PrunePolicy::Standard, Selection::Simple, 3),
        (
            "ip-keep",
            30,
            2,
            Metric::InnerProduct,
            PrunePolicy::Standard,
            Selection::Heuristic { extend_candidates: true, keep_pruned: true },
            5,
        ),
        ("m2-deep", 60, 2, Metric::L2, PrunePolicy::Standard, Selection::HEURISTIC, 2),
        ("one-node", 1, 2, Metric::L2, PrunePolicy::Standard, Selection::HEURISTIC, 4),
        ("empty", 0, 3, Metric::L2, PrunePolicy::Standard, Selection::HEURISTIC, 4),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(seed, &(name, n, dim, metric, prune, selection, m))| {
            let p = Params::builder()
                .m(m)
                .ef_construction(16)
                .seed(seed as u64)
                .metric(metric)
                .prune(prune)
                .selection(selection)
                .build()
                .expect("seed params");
            let mut h = Hnsw::new(dim, p).expect("seed index");
            for (i, v) in synthetic::gaussian(n, dim, seed as u64).chunks_exact(dim).enumerate() {
                h.insert(10 * i as u64 + 3, v).expect("seed insert");
            }
            let mut file = vec![0u8];
            file.extend_from_slice(&h.to_bytes());
            (format!("seed-{name}"), file)
        })
        .collect()
}
