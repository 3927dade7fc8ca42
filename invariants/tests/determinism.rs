//! Same seed, same parameters and same insertion order give the same graph,
//! byte for byte (`Snapshot::to_bytes`); a different seed changes the levels.

use hnswlab::{synthetic, GraphView, Hnsw, Layer, Metric, NodeId, Params, PrunePolicy, Selection, Snapshot};

fn build(params: &Params, dim: usize, data: &[f32]) -> Hnsw {
    let mut index = Hnsw::new(dim, params.clone()).expect("valid dim");
    for (i, v) in data.chunks_exact(dim).enumerate() {
        index.insert(i as u64, v).expect("valid insert");
    }
    index
}

fn configs() -> Vec<(String, Params, usize, Vec<f32>)> {
    let mut out = Vec::new();
    let selections =
        [Selection::Simple, Selection::HEURISTIC, Selection::Heuristic { extend_candidates: true, keep_pruned: true }];
    for (i, &seed) in [0u64, 1, 42, 0xDEAD_BEEF].iter().enumerate() {
        for prune in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            let selection = selections[i % selections.len()];
            // Lattice data holds the zero vector: never under cosine.
            let metric = [Metric::Cosine, Metric::L2, Metric::InnerProduct][i % 3];
            let m = 3 + 2 * i;
            let params = Params::builder()
                .m(m)
                .ef_construction(24)
                .seed(seed)
                .selection(selection)
                .prune(prune)
                .metric(metric)
                .build()
                .expect("valid params");
            let (dim, data) = match i % 3 {
                0 => (8, synthetic::clustered(400, 8, 10, 0.3, seed, 0)),
                1 => (4, synthetic::lattice(300, 4, 2, seed)),
                _ => (6, synthetic::duplicates(40, 6, 6, seed)),
            };
            let name = format!("seed {seed} m {m} {} {} {}", selection.name(), prune.name(), metric.name());
            out.push((name, params, dim, data));
        }
    }
    out
}

#[test]
fn same_seed_same_order_same_bytes() {
    for (name, params, dim, data) in configs() {
        let a = Snapshot::of(&build(&params, dim, &data)).to_bytes();
        let b = Snapshot::of(&build(&params, dim, &data)).to_bytes();
        println!("{name}: {} nodes, {} snapshot bytes", data.len() / dim, a.len());
        assert!(a.len() > 64, "{name}: snapshot suspiciously small");
        if let Some(pos) = a.iter().zip(&b).position(|(x, y)| x != y) {
            panic!("{name}: two builds differ at byte {pos} of {}", a.len());
        }
        assert_eq!(a.len(), b.len(), "{name}: snapshot lengths differ");
    }
}

#[test]
fn searches_are_deterministic() {
    for (name, params, dim, data) in configs().into_iter().take(4) {
        let a = build(&params, dim, &data);
        let b = build(&params, dim, &data);
        for q in data.chunks_exact(dim).step_by(17) {
            let ra = a.search(q, 5, 16).expect("search");
            let rb = b.search(q, 5, 16).expect("search");
            assert_eq!(ra, rb, "{name}: search({q:?}) differs between identical builds");
        }
    }
}

#[test]
fn level_is_a_pure_function_of_seed_and_id() {
    // The level of a node does not depend on the data or on what else was inserted.
    let params = Params::builder().m(4).seed(9).build().unwrap();
    let a = build(&params, 2, &synthetic::gaussian(300, 2, 1));
    let b = build(&params, 2, &synthetic::lattice(300, 2, 1, 2));
    for i in 0..300u32 {
        let id = NodeId(i);
        let expected = hnswlab::level::level(9, id, params.ml(), params.level_cap());
        assert_eq!(GraphView::level(&a, id), expected, "node {i} in build a");
        assert_eq!(GraphView::level(&b, id), expected, "node {i} in build b");
    }
}

#[test]
fn different_seeds_give_different_levels() {
    let data = synthetic::gaussian(500, 4, 3);
    let levels = |seed: u64| -> Vec<Layer> {
        let params = Params::builder().m(4).seed(seed).build().unwrap();
        let index = build(&params, 4, &data);
        (0..500u32).map(|i| GraphView::level(&index, NodeId(i))).collect()
    };
    let base = levels(1);
    for seed in [2u64, 3, 1 << 40, u64::MAX] {
        let other = levels(seed);
        let differ = base.iter().zip(&other).filter(|(a, b)| a != b).count();
        println!("seed 1 vs {seed}: {differ} of 500 levels differ");
        // With m = 4, P(level > 0) = 1/4, so two independent draws differ for
        // about 2 * 1/4 * 3/4 = 37.5 % of the nodes; 10 % is far in the tail.
        assert!(differ >= 50, "seed 1 vs {seed}: only {differ} of 500 levels differ (expected ~190)");
        let a = Snapshot::of(&build(&Params::builder().m(4).seed(1).build().unwrap(), 4, &data));
        let b = Snapshot::of(&build(&Params::builder().m(4).seed(seed).build().unwrap(), 4, &data));
        assert_ne!(a.to_bytes(), b.to_bytes(), "seed 1 vs {seed}: identical graphs");
    }
}
