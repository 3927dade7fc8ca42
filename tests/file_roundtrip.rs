//! Index files: what is saved comes back exactly (labels, vectors, graph,
//! search results, further inserts), and save -> load -> save is
//! byte-identical for every strategy and both prune policies.

mod file_support;

use file_support::built;
use hnswlab::registry;
use hnswlab::strategy::BuildInput;
use hnswlab::{synthetic, GraphView, Hnsw, Metric, NodeId, Params, PrunePolicy, Selection, Snapshot};
use proptest::prelude::*;

#[test]
fn save_and_load_keep_labels_vectors_and_search() {
    for (metric, prune) in [
        (Metric::L2, PrunePolicy::Standard),
        (Metric::Cosine, PrunePolicy::Symmetric),
        (Metric::InnerProduct, PrunePolicy::Standard),
    ] {
        let seed = 5;
        println!("seed {seed}, {metric:?}, {prune:?}");
        let h = built(400, 6, metric, prune, seed);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("index.hnswlab");
        h.save(&path).expect("save");
        let g = Hnsw::load(&path).expect("load");
        assert_eq!(g.params(), h.params());
        assert_eq!(Snapshot::of(&g), Snapshot::of(&h), "graph, labels and vectors");
        for i in 0..h.len() as u32 {
            let label = h.label(NodeId(i));
            let id = g.id_of(label).unwrap_or_else(|| panic!("label {label} lost"));
            assert_eq!(g.vector(id), h.vector(NodeId(i)), "vector of label {label}");
        }
        for q in synthetic::gaussian(50, 6, seed + 1).chunks_exact(6) {
            let want = h.search(q, 10, 40).expect("search");
            let got = g.search(q, 10, 40).expect("search");
            let pairs =
                |r: &[hnswlab::Neighbour]| r.iter().map(|n| (n.label, n.distance.to_bits())).collect::<Vec<_>>();
            assert_eq!(pairs(&got), pairs(&want), "query {q:?}");
        }
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names, ["index.hnswlab"], "no temporary file left by a completed save");
    }
}

#[test]
fn inserts_after_a_load_continue_as_without_the_save() {
    let seed = 17;
    println!("seed {seed}");
    let mut h = built(300, 5, Metric::L2, PrunePolicy::Symmetric, seed);
    let mut g = Hnsw::from_bytes(&h.to_bytes()).expect("load");
    for (i, v) in synthetic::gaussian(200, 5, seed + 9).chunks_exact(5).enumerate() {
        let label = 1_000_000 + i as u64;
        assert_eq!(g.insert(label, v).expect("insert after load"), h.insert(label, v).expect("insert"));
    }
    assert_eq!(Snapshot::of(&g), Snapshot::of(&h));
    assert_eq!(g.to_bytes(), h.to_bytes());
}

#[test]
fn an_empty_index_round_trips() {
    let h = Hnsw::new(3, Params::builder().m(5).seed(3).metric(Metric::Cosine).build().unwrap()).unwrap();
    let bytes = h.to_bytes();
    let g = Hnsw::from_bytes(&bytes).expect("load empty");
    assert!(g.is_empty());
    assert_eq!(g.dim(), 3);
    assert_eq!(g.params(), h.params());
    assert_eq!(g.to_bytes(), bytes);
}

#[test]
fn a_duplicate_label_after_load_is_still_rejected() {
    let h = built(50, 3, Metric::L2, PrunePolicy::Standard, 2);
    let mut g = Hnsw::from_bytes(&h.to_bytes()).unwrap();
    let e = g.insert(1000, &[0.0, 0.0, 0.0]).unwrap_err();
    assert!(matches!(e.kind(), hnswlab::ErrorKind::DuplicateLabel { label: 1000 }), "{e}");
}

fn strategy_params(m: usize, ef: usize, seed: u64, prune: PrunePolicy, simple: bool) -> Params {
    let selection = if simple { Selection::Simple } else { Selection::HEURISTIC };
    Params::builder().m(m).ef_construction(ef).seed(seed).prune(prune).selection(selection).build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// save -> load -> save is byte-identical, and the loaded graph equals
    /// the built one, for every strategy and both prune policies.
    #[test]
    fn save_load_save_is_byte_identical(
        n in 0usize..120,
        dim in 1usize..6,
        m in 2usize..7,
        ef in 1usize..40,
        seed in any::<u64>(),
        simple in any::<bool>(),
    ) {
        println!("seed {seed}, n {n}, dim {dim}, m {m}, ef {ef}, simple {simple}");
        let data = synthetic::gaussian(n, dim, seed);
        for prune in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            let params = strategy_params(m, ef, seed, prune, simple);
            for s in registry::strategies() {
                let input = BuildInput { dim, params: &params, data: &data, threads: 2 };
                let built = match s.build(&input, None) {
                    Ok(b) => b,
                    // A strategy that does not implement this policy says so; nothing to save.
                    Err(e) if matches!(e.kind(), hnswlab::ErrorKind::InvalidParam { name: "prune", .. }) => continue,
                    Err(e) => panic!("{} {prune:?}: {e}", s.name()),
                };
                for (i, seg) in built.segments.iter().enumerate() {
                    let bytes = seg.to_bytes();
                    let loaded = Hnsw::from_bytes(&bytes)
                        .unwrap_or_else(|e| panic!("{} {prune:?} segment {i}: {e}", s.name()));
                    prop_assert_eq!(Snapshot::of(&loaded), Snapshot::of(seg), "{} {:?} segment {}", s.name(), prune, i);
                    prop_assert!(loaded.to_bytes() == bytes, "{} {:?} segment {}: second save differs", s.name(), prune, i);
                }
            }
        }
    }
}

#[test]
fn io_failures_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.hnswlab");
    let e = Hnsw::load(&missing).unwrap_err();
    assert!(matches!(e.kind(), hnswlab::ErrorKind::Io { op: "read", kind: std::io::ErrorKind::NotFound, .. }), "{e:?}");
    let h = built(10, 2, Metric::L2, PrunePolicy::Standard, 1);
    let e = h.save(dir.path().join("no-such-folder").join("x.hnswlab")).unwrap_err();
    assert!(matches!(e.kind(), hnswlab::ErrorKind::Io { .. }), "{e:?}");
    // Not an index file at all.
    std::fs::write(&missing, b"just some text, not an index").unwrap();
    let e = Hnsw::load(&missing).unwrap_err();
    assert!(matches!(e.kind(), hnswlab::ErrorKind::CorruptFile { .. }), "{e:?}");
    println!("{e}");
}

#[cfg(unix)]
#[test]
fn save_gives_new_files_plain_permissions_and_keeps_existing_ones() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.hnswlab");
    let h = built(10, 2, Metric::L2, PrunePolicy::Standard, 1);
    h.save(&path).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o644);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    h.save(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}
