//! The `load_hnswlab` fuzz body: hnswlab's file loader on arbitrary bytes.
//!
//! What must hold: `Hnsw::from_bytes` returns a typed `CorruptFile` error, or
//! an index that passes [`check_all`]'s structural checks, answers a search
//! from every stored vector, and re-encodes to exactly the bytes it was
//! loaded from (the encoding is canonical). Never a panic.

use hnswlab::file::reseal;
use hnswlab::{synthetic, ErrorKind, GraphView, Hnsw, Metric, NodeId, Params, PrunePolicy, Selection};

use crate::{check_all, Expectations};

/// Largest input run; longer ones return at once.
pub const MAX_FILE_BYTES: usize = 1 << 16;

/// The body. The first byte chooses the mode: odd means "recompute the
/// checksums first" ([`reseal`]), so edits reach the checks behind them; the
/// rest is the file.
pub fn load_hnswlab(data: &[u8]) {
    let Some((&mode, file)) = data.split_first() else { return };
    if file.len() > MAX_FILE_BYTES {
        return;
    }
    let mut bytes = file.to_vec();
    if mode & 1 == 1 {
        reseal(&mut bytes);
    }
    let h = match Hnsw::from_bytes(&bytes) {
        Ok(h) => h,
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::CorruptFile { .. }), "untyped load error: {e:?}");
            return;
        }
    };
    if let Err(v) = check_all(&h, &Expectations { inserted: Some(h.len()), ..Expectations::structural() }) {
        panic!("a loaded file fails the structural checks:\n{v}");
    }
    assert!(h.to_bytes() == bytes, "a loaded file re-encodes to other bytes ({} nodes)", h.len());
    for i in 0..h.len().min(8) as u32 {
        let q = h.vector(NodeId(i)).to_vec();
        let k = h.len().min(3);
        let found = h.search(&q, k, 16).unwrap_or_else(|e| panic!("search from stored vector #{i}: {e}"));
        // A file may hold a disconnected graph, so fewer than k results are
        // allowed; the entry point is always reached.
        assert!((1..=k).contains(&found.len()), "search from #{i} returned {} of {k}", found.len());
        assert!(found.windows(2).all(|w| w[0].distance <= w[1].distance), "results out of order: {found:?}");
        for n in &found {
            assert_eq!(h.id_of(n.label), Some(n.id), "result label {} does not map to id {}", n.label, n.id);
        }
    }
}

/// Valid small files for the seed corpus, by name: each metric, both prune
/// policies, both selections, m = 2, an empty index. Each is prefixed with
/// the mode byte 0 (load as is).
pub fn load_hnswlab_seeds() -> Vec<(String, Vec<u8>)> {
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
