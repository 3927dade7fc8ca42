//! Structural validation: every defect planted into a snapshot of a real
//! index is reported exactly, and a well-formed graph reports none.

use hnswlab::{check, synthetic, Defect, ErrorKind, Hnsw, Layer, Metric, NodeId, Params, Snapshot};

const DIM: usize = 3;
const SEED: u64 = 11;

fn params() -> Params {
    Params::builder().m(4).ef_construction(32).seed(SEED).build().expect("params")
}

/// A 300-node index (m = 4, so some nodes reach layer 1 and above) and its snapshot.
fn built() -> (Hnsw, Snapshot) {
    println!("seed {SEED}");
    let data = synthetic::gaussian(300, DIM, SEED);
    let mut h = Hnsw::new(DIM, params()).expect("index");
    for (label, v) in data.chunks_exact(DIM).enumerate() {
        h.insert(1000 + label as u64, v).expect("insert");
    }
    let s = Snapshot::of(&h);
    (h, s)
}

/// A node whose layer-0 list holds at least two links.
fn busy(s: &Snapshot) -> usize {
    (0..s.levels.len()).find(|&i| s.lists[i][0].len() >= 2).expect("a node with two links")
}

/// A node above layer 0 whose layer-1 list is not empty.
fn upper(s: &Snapshot) -> usize {
    (0..s.levels.len()).find(|&i| s.levels[i].0 >= 1 && !s.lists[i][1].is_empty()).expect("an upper node")
}

/// A node on layer 0 only.
fn ground(s: &Snapshot) -> usize {
    (0..s.levels.len()).find(|&i| s.levels[i] == Layer(0)).expect("a level-0 node")
}

fn top(s: &Snapshot) -> Layer {
    s.levels.iter().copied().max().expect("non-empty")
}

#[test]
fn a_built_graph_has_no_defects() {
    let (h, s) = built();
    assert!(top(&s).0 >= 1, "the fixture needs an upper layer, top is {}", top(&s));
    assert_eq!(check(&s), Vec::<Defect>::new());
    assert_eq!(check(&h), Vec::<Defect>::new());
    let empty = Hnsw::new(DIM, params()).expect("index");
    assert_eq!(check(&empty), Vec::<Defect>::new());
}

/// Push distinct, in-range, level-fitting links onto `node`'s list on `layer`
/// until it holds one more than the layer's capacity.
fn overfill(s: &mut Snapshot, node: usize, layer: Layer) -> Defect {
    let cap = if layer == Layer(0) { s.m0 } else { s.m };
    let have = s.lists[node][layer.index()].clone();
    let extra: Vec<NodeId> = (0..s.levels.len() as u32)
        .map(NodeId)
        .filter(|t| t.index() != node && !have.contains(t) && s.levels[t.index()] >= layer)
        .take(cap + 1 - have.len())
        .collect();
    assert_eq!(have.len() + extra.len(), cap + 1, "enough nodes on {layer} to overfill");
    s.lists[node][layer.index()].extend(extra);
    Defect::ListTooLong { node: NodeId(node as u32), layer, len: cap + 1, capacity: cap }
}

type Plant = fn(&mut Snapshot) -> Defect;

fn plants() -> Vec<(&'static str, Plant)> {
    vec![
        ("list too long", |s| overfill(s, busy(s), Layer(0))),
        ("list too long above layer 0", |s| overfill(s, upper(s), Layer(1))),
        ("link out of range", |s| {
            let node = busy(s);
            let target = NodeId(s.levels.len() as u32 + 5);
            s.lists[node][0][0] = target;
            Defect::LinkOutOfRange { node: NodeId(node as u32), layer: Layer(0), target, len: s.levels.len() }
        }),
        ("self-link", |s| {
            let node = busy(s);
            s.lists[node][0][0] = NodeId(node as u32);
            Defect::SelfLink { node: NodeId(node as u32), layer: Layer(0) }
        }),
        ("duplicate link", |s| {
            let node = busy(s);
            let target = s.lists[node][0][0];
            s.lists[node][0][1] = target;
            Defect::DuplicateLink { node: NodeId(node as u32), layer: Layer(0), target }
        }),
        ("link below level", |s| {
            let node = upper(s);
            let target = ground(s);
            s.lists[node][1][0] = NodeId(target as u32);
            Defect::LinkBelowLevel {
                node: NodeId(node as u32),
                layer: Layer(1),
                target: NodeId(target as u32),
                target_level: Layer(0),
            }
        }),
        ("missing entry point", |s| {
            s.entry = None;
            Defect::MissingEntryPoint { len: s.levels.len() }
        }),
        ("entry point out of range", |s| {
            let entry = NodeId(s.levels.len() as u32);
            s.entry = Some(entry);
            Defect::EntryPointOutOfRange { entry, len: s.levels.len() }
        }),
        ("entry point not on top", |s| {
            let entry = NodeId(ground(s) as u32);
            s.entry = Some(entry);
            Defect::EntryPointNotOnTop { entry, level: Layer(0), top: top(s) }
        }),
        ("max level matches no node", |s| {
            let stored = Layer(top(s).0 + 1);
            s.max_level = stored;
            Defect::MaxLevelMismatch { stored, top: top(s) }
        }),
        ("label mapped twice", |s| {
            let label = s.labels[2];
            s.labels[7] = label;
            Defect::LabelMappedTwice { label, first: NodeId(2), second: NodeId(7) }
        }),
        ("non-finite component", |s| {
            s.vectors[4 * s.dim + 1] = f32::NAN;
            Defect::NonFiniteComponent { node: NodeId(4), coordinate: 1, value: f32::NAN }
        }),
        ("infinite component", |s| {
            s.vectors[9 * s.dim] = f32::NEG_INFINITY;
            Defect::NonFiniteComponent { node: NodeId(9), coordinate: 0, value: f32::NEG_INFINITY }
        }),
        ("vector length", |s| {
            s.vectors.pop();
            let node = NodeId(s.levels.len() as u32 - 1);
            Defect::VectorLength { node, expected: s.dim, got: 0 }
        }),
    ]
}

/// NaN never equals itself, so compare defects through their Debug text.
fn same(got: &[Defect], want: &Defect) -> bool {
    got.len() == 1 && format!("{:?}", got[0]) == format!("{want:?}")
}

#[test]
fn each_planted_defect_is_reported_exactly() {
    let (_, clean) = built();
    for (name, plant) in plants() {
        let mut s = clean.clone();
        let want = plant(&mut s);
        let got = check(&s);
        assert!(same(&got, &want), "{name}: expected [{want:?}], got {got:?}");
        assert!(!want.to_string().is_empty(), "{name}: Display prints something");
        println!("{name}: {}", got[0]);
    }
}

#[test]
fn entry_point_in_an_empty_graph_is_reported() {
    let empty = Hnsw::new(DIM, params()).expect("index");
    let mut s = Snapshot::of(&empty);
    s.entry = Some(NodeId(0));
    assert_eq!(check(&s), vec![Defect::EntryPointInEmptyGraph { entry: NodeId(0) }]);
}

#[test]
fn every_defect_of_a_badly_broken_graph_is_reported_without_panicking() {
    let (_, clean) = built();
    let mut s = clean.clone();
    let mut want = Vec::new();
    for (_, plant) in plants() {
        // Plants that touch the same field overwrite each other; keep the ones that survive.
        want.push(plant(&mut s));
    }
    let got = check(&s);
    assert!(!got.is_empty());
    // The last plant of each kind is still in the graph and must be among the reports.
    for w in [&want[want.len() - 1], &want[want.len() - 4]] {
        assert!(got.iter().any(|g| format!("{g:?}") == format!("{w:?}")), "missing {w:?} in {got:?}");
    }
    // A view whose vectors and lists are both gone is still walked without a panic.
    let mut bare = clean.clone();
    bare.vectors.clear();
    bare.lists.clear();
    let got = check(&bare);
    assert_eq!(got.len(), bare.levels.len(), "one VectorLength per node: {:?}", &got[..3.min(got.len())]);
    assert!(got.iter().all(|d| matches!(d, Defect::VectorLength { got: 0, .. })));
}

#[test]
fn from_view_adopts_a_valid_graph_unchanged() {
    let (h, s) = built();
    let adopted = Hnsw::from_view(&s, params()).expect("a valid graph is adopted");
    assert_eq!(Snapshot::of(&adopted).to_bytes(), s.to_bytes());
    let q = [0.1, -0.2, 0.3];
    assert_eq!(adopted.search(&q, 5, 20).expect("search"), h.search(&q, 5, 20).expect("search"));
}

#[test]
fn from_view_returns_a_typed_error_for_each_defect() {
    let (_, clean) = built();
    for (name, plant) in plants() {
        let mut s = clean.clone();
        let want = plant(&mut s);
        match Hnsw::from_view(&s, params()).map(|_| ()).map_err(|e| e.kind().clone()) {
            Err(ErrorKind::InvalidGraph { defect, count }) => {
                assert_eq!(defect, want.to_string(), "{name}");
                assert_eq!(count, 1, "{name}");
            }
            other => panic!("{name}: expected InvalidGraph({want}), got {other:?}"),
        }
    }
}

#[test]
fn from_view_rejects_a_metric_mismatch_and_lists_too_long_for_its_params() {
    let (_, s) = built();
    let cosine = Params::builder().m(4).seed(SEED).metric(Metric::Cosine).build().expect("params");
    let got = Hnsw::from_view(&s, cosine).map(|_| ()).map_err(|e| e.kind().clone());
    assert_eq!(got, Err(ErrorKind::MetricMismatch { expected: Metric::Cosine, got: Metric::L2 }));
    // Lists valid for the view's m0 = 8 but longer than a smaller index allows: an error, not a panic.
    let small = Params::builder().m(2).seed(SEED).build().expect("params");
    let longest = s.lists.iter().map(|l| l[0].len()).max().expect("nodes");
    assert!(longest > 2 * 2, "fixture has a layer-0 list of {longest} > m0 of m = 2");
    match Hnsw::from_view(&s, small).map(|_| ()).map_err(|e| e.kind().clone()) {
        Err(ErrorKind::InvalidGraph { count, .. }) => assert!(count >= 1),
        other => panic!("expected InvalidGraph, got {other:?}"),
    }
}
