//! `Hnsw::memory_bytes` (the build report's memory column) is the sum of
//! what the index holds: bounded below by the bytes its parts must hold and
//! above by what a vector's doubling growth can leave unused.

use hnswlab::{synthetic, Hnsw, Params};

#[test]
fn the_memory_reported_is_what_the_index_holds() {
    let (n, dim, m) = (200usize, 16usize, 4usize);
    let p = Params::builder().m(m).ef_construction(16).seed(2).build().unwrap();
    let mut h = Hnsw::new(dim, p).unwrap();
    let empty = h.memory_bytes();
    for (i, v) in synthetic::gaussian(n, dim, 2).chunks(dim).enumerate() {
        h.insert(i as u64, v).unwrap();
    }
    // Vectors, layer-0 blocks (count + 2M ids), upper offsets, levels,
    // labels both ways (8 bytes an id, 16 a map entry).
    let must = n * dim * 4 + n * (1 + 2 * m) * 4 + n * 8 + n + n * (8 + 16);
    let live = h.memory_bytes();
    assert!(live >= must, "{live} bytes reported, the parts hold at least {must}");
    assert!(live <= 3 * must, "{live} bytes reported for {must} held");
    assert!(empty < must / 10, "an empty index holds {empty}");
    // Deletes add the reusable ids (8 bytes each); the label map may count
    // up to 16 bytes fewer per removed label (how many of its buckets a
    // removal frees depends on the hasher's random seed).
    for label in 0..50 {
        h.delete(label).unwrap();
    }
    let after = h.memory_bytes();
    assert!(after + 50 * 16 >= live + 50 * 8, "{after} after deletes, {live} before");
    assert!(after <= live + 50 * 8, "{after} after deletes, {live} before");
}

/// A build's memory is its segments' together.
#[test]
fn a_segmented_build_holds_its_segments_memory() {
    let p = Params::builder().m(4).ef_construction(16).seed(3).build().unwrap();
    let data = synthetic::gaussian(300, 8, 3);
    let input = hnswlab::strategy::BuildInput { dim: 8, params: &p, data: &data, threads: 2 };
    let built = hnswlab::registry::by_name("segment-parallel").unwrap().build(&input, None).unwrap();
    assert_eq!(built.segments.len(), 2);
    let parts: usize = built.segments.iter().map(Hnsw::memory_bytes).sum();
    assert_eq!(built.memory_bytes(), parts);
    assert!(parts >= 300 * 8 * 4, "{parts}");
}
