//! The mutation matrix's parts on their own: its recall column judged by an
//! independent count (the f64 reference ground truth, hits counted by
//! hand), and its per-build checks on a build that passes, and on recalls
//! below each of its two bounds. `mutation_matrix.rs` runs the whole
//! matrix; these pin the numbers it is built from.

use hnswlab::search::Scratch;
use hnswlab::strategy::BuildInput;
use hnswlab::{registry, synthetic, Params};
use hnswlab_invariants::matrix::{check_build, default_shapes, recall_at_10, recall_floor, throughput, Shape};

/// A lattice (exact distances, many ties) built with a graph too sparse to
/// be exact, so recall lies strictly between 0 and 1.
fn weak_shape() -> Shape {
    Shape {
        name: "weak lattice".into(),
        kind: "lattice-2d",
        dim: 2,
        data: synthetic::lattice(500, 2, 40, 3),
        queries: synthetic::lattice(40, 2, 40, 4),
        params: Params::builder().m(2).ef_construction(2).seed(3).build().unwrap(),
    }
}

#[test]
fn recall_at_10_is_the_share_of_results_within_the_10th_true_distance() {
    let shape = weak_shape();
    let seq = registry::by_name("sequential").unwrap();
    let input = BuildInput { dim: 2, params: &shape.params, data: &shape.data, threads: 1 };
    let built = seq.build(&input, None).unwrap();
    let mut s = Scratch::new();
    let (mut hits, mut total) = (0, 0);
    for q in shape.queries.chunks(2) {
        let truth = hnswlab::reference::exact_knn(shape.params.metric(), &shape.data, 2, q, 10);
        let kth = truth.last().unwrap().0;
        total += truth.len();
        let got = built.search_with(&mut s, q, 10, 10).unwrap();
        hits += got.iter().filter(|g| f64::from(g.distance) <= kth).count();
    }
    let want = hits as f64 / total as f64;
    let r = recall_at_10(&built, &shape, 10);
    assert_eq!(r, want, "{hits} of {total}");
    assert!(r > 0.3 && r < 1.0, "the fixture must miss some and find some: {r}");
    // ef below 10 searches with ef 10.
    assert_eq!(recall_at_10(&built, &shape, 1), r);
    assert!(recall_at_10(&built, &shape, 500) >= r);
    let none = Shape { queries: Vec::new(), ..weak_shape() };
    assert_eq!(recall_at_10(&built, &none, 10), 1.0, "no query: nothing missed");
}

#[test]
fn a_correct_build_passes_every_check_and_recall_is_judged_both_ways() {
    let shape = default_shapes(0).remove(0);
    let seq = registry::by_name("sequential").unwrap();
    let run = check_build(seq.as_ref(), &shape, 1, None);
    assert!(run.found.is_empty(), "{:?}", run.found);
    assert_eq!(run.shape, shape.name);
    assert_eq!(run.commits, shape.rows(), "sequential commits once per insert");
    assert!(run.recall_at_10 >= recall_floor("lattice-2d"), "{}", run.recall_at_10);
    // A baseline far above what any build reaches fails the relative column.
    let run = check_build(seq.as_ref(), &shape, 1, Some(2.0));
    assert_eq!(run.found.iter().map(|f| f.check.as_str()).collect::<Vec<_>>(), ["recall"]);
    let run = check_build(seq.as_ref(), &shape, 1, Some(run.recall_at_10 + 0.05));
    assert!(run.found.is_empty(), "within the slack: {:?}", run.found);
    assert_eq!(recall_floor("no-such-shape"), 0.0);
    // A weak graph falls below the lattice floor.
    let weak = weak_shape();
    let run = check_build(seq.as_ref(), &weak, 1, None);
    assert!(run.found.iter().any(|f| f.check == "recall" && f.message.contains("absolute floor")), "{:?}", run.found);
}

/// The throughput column is the vectors built per second of the build's own
/// wall time: at least the rows over the wall time measured around the whole
/// call (which contains the build), and 0 for a build that fails. No speed is
/// asserted, only that the number is rows over a time the call spent.
#[test]
fn throughput_is_rows_over_the_time_the_build_took() {
    let shape = weak_shape();
    let rows = shape.data.len() / shape.dim;
    for name in ["sequential", "batched-deterministic-parallel"] {
        let s = registry::by_name(name).unwrap();
        let t = std::time::Instant::now();
        let vps = throughput(s.as_ref(), &shape, 2);
        let outer = t.elapsed().as_secs_f64();
        assert!(vps.is_finite(), "{name}: {vps}");
        assert!(vps >= rows as f64 / outer, "{name}: {vps} vectors/s is below {rows} rows in {outer} s");
    }
    let broken = Shape { dim: 3, ..weak_shape() }; // 1000 floats are not whole 3-d rows
    assert_eq!(throughput(registry::by_name("sequential").unwrap().as_ref(), &broken, 1), 0.0);
}
