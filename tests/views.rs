//! Every `GraphView` answers as the graph it views: the index, an owned
//! `Snapshot` of it, a full `PrefixView` of either, read accessor by
//! accessor against the snapshot's public fields (not through
//! `Snapshot::of`, which reads through the same accessors). With tombstones,
//! so slots, `id_of` and `is_deleted` are exercised on both sides.

use hnswlab::view::PrefixView;
use hnswlab::{synthetic, GraphView, Hnsw, Layer, Metric, NodeId, Params, Slot, Snapshot};

const N: usize = 80;

fn index() -> Hnsw {
    let p = Params::builder().m(3).ef_construction(16).metric(Metric::InnerProduct).seed(4).build().unwrap();
    let mut h = Hnsw::new(3, p).unwrap();
    for (i, v) in synthetic::gaussian(N, 3, 4).chunks(3).enumerate() {
        h.insert(100 + i as u64, v).unwrap();
    }
    for label in [100, 117, 150] {
        h.delete(label).unwrap();
    }
    h
}

/// Every accessor of `v` against the fields of `s`.
fn answers_as(v: &dyn GraphView, s: &Snapshot, what: &str) {
    let n = s.levels.len();
    assert_eq!((v.len(), v.is_empty()), (n, n == 0), "{what}");
    assert_eq!((v.dim(), v.metric(), v.m(), v.m0()), (s.dim, s.metric, s.m, s.m0), "{what}");
    assert_eq!((v.entry_point(), v.max_level()), (s.entry, s.max_level), "{what}");
    for i in 0..n {
        let id = NodeId(i as u32);
        assert_eq!(v.level(id), s.levels[i], "{what}: level of {i}");
        for (l, list) in s.lists[i].iter().enumerate() {
            let layer = Layer(l as u8);
            assert_eq!(v.neighbours(id, layer), &list[..], "{what}: {i} on {l}");
            let mut copy = vec![NodeId(999)];
            hnswlab::search::Adjacency::copy_neighbours(v, id, layer, &mut copy);
            assert_eq!(copy, *list, "{what}: copy of {i} on {l}");
            assert_eq!(
                hnswlab::search::Adjacency::borrow_neighbours(v, id, layer),
                Some(&list[..]),
                "{what}: borrow of {i} on {l}"
            );
        }
        assert_eq!(v.vector(id), &s.vectors[i * s.dim..(i + 1) * s.dim], "{what}: vector of {i}");
        assert_eq!(hnswlab::search::Adjacency::vector(v, id), v.vector(id), "{what}");
        assert_eq!(v.label(id), s.labels[i], "{what}: label of {i}");
        let slot = s.slots.get(i).copied().unwrap_or(Slot::Live);
        assert_eq!((v.slot(id), v.is_deleted(id)), (slot, slot == Slot::Deleted), "{what}: slot of {i}");
        let found = v.id_of(s.labels[i]);
        assert_eq!(found, (slot == Slot::Live).then_some(id), "{what}: id_of({})", s.labels[i]);
    }
    assert_eq!(v.id_of(99), None, "{what}: an unknown label");
    assert_eq!((hnswlab::search::Adjacency::len(v), hnswlab::search::Adjacency::metric(v)), (n, s.metric), "{what}");
}

#[test]
fn every_view_of_an_index_answers_as_its_snapshot() {
    let h = index();
    let s = Snapshot::of(&h);
    assert_eq!(s.slots.iter().filter(|&&x| x == Slot::Deleted).count(), 3);
    assert!(s.levels.iter().any(|l| l.0 > 0), "the fixture has an upper layer");
    answers_as(&h, &s, "index");
    answers_as(&s, &s, "snapshot");
    answers_as(&PrefixView::new(&h, N), &s, "full prefix of the index");
    answers_as(&PrefixView::new(&s, N + 5), &s, "prefix longer than the snapshot");
}

/// A prefix is the first `k` nodes: labels of later nodes are not found in it.
#[test]
fn a_prefix_hides_the_later_nodes() {
    let h = index();
    let s = Snapshot::of(&h);
    let p = PrefixView::new(&h, 40);
    assert_eq!(p.len(), 40);
    assert_eq!(p.id_of(s.labels[39]), Some(NodeId(39)));
    assert_eq!(p.id_of(s.labels[40]), None);
    assert_eq!(p.id_of(s.labels[17]), None, "deleted");
    assert_eq!((p.dim(), p.m(), p.m0(), p.metric()), (3, 3, 6, Metric::InnerProduct));
    assert_eq!(p.vector(NodeId(39)), h.vector(NodeId(39)));
}

/// `to_bytes` is a canonical encoding: a change to any part of a graph
/// changes it.
#[test]
fn a_change_to_any_part_changes_the_canonical_bytes() {
    let s = Snapshot::of(&index());
    let base = s.to_bytes();
    let top = (0..N).find(|&i| s.levels[i].0 > 0).unwrap();
    type Edit = Box<dyn Fn(&mut Snapshot)>;
    let edits: Vec<(&str, Edit)> = vec![
        ("dim", Box::new(|s| s.dim = 4)),
        ("m", Box::new(|s| s.m = 4)),
        ("m0", Box::new(|s| s.m0 = 7)),
        ("a node", Box::new(|s| s.levels.push(Layer(0)))),
        ("entry", Box::new(|s| s.entry = None)),
        ("max level", Box::new(|s| s.max_level = Layer(s.max_level.0 + 1))),
        ("a level", Box::new(|s| s.levels[5] = Layer(s.levels[5].0 + 1))),
        ("a label", Box::new(|s| s.labels[5] += 1000)),
        ("a list length", Box::new(|s| s.lists[5][0].pop().map_or((), drop))),
        ("a list entry", Box::new(|s| s.lists[5][0][0] = NodeId(s.lists[5][0][0].0 ^ 1))),
        ("an upper list", Box::new(move |s| s.lists[top][1].clear())),
        ("a vector bit", Box::new(|s| s.vectors[7] = f32::from_bits(s.vectors[7].to_bits() ^ 1))),
        ("a slot", Box::new(|s| s.slots[0] = Slot::Free)),
    ];
    for (what, edit) in edits {
        let mut t = s.clone();
        edit(&mut t);
        assert_ne!(t.to_bytes(), base, "{what}");
    }
    assert_eq!(s.clone().to_bytes(), base);
}

/// A planted defect reads as an empty answer, not a panic.
#[test]
fn a_snapshot_answers_empty_past_its_data() {
    let mut s = Snapshot::of(&index());
    assert!(s.neighbours(NodeId(0), Layer(40)).is_empty());
    assert!(s.neighbours(NodeId(N as u32 + 3), Layer(0)).is_empty());
    s.vectors.truncate(3 * 10 + 2);
    assert_eq!(s.vector(NodeId(9)).len(), 3);
    assert!(s.vector(NodeId(10)).is_empty());
    assert!(s.vector(NodeId(u32::MAX)).is_empty());
}
