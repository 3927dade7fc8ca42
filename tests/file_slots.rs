//! Slot states in index files (catalogue F22): deleted labels stay deleted
//! and free slots stay free (and reusable) across save/load; version-1 files
//! load as all live; a damaged or inconsistent slots section is a typed
//! `CorruptFile` error naming the section and byte.

mod file_support;

use file_support::{built, every_flip_is_typed_in_its_section, put, section_name_at, span, spans};
use hnswlab::file::{reseal, FileProblem, Section};
use hnswlab::{synthetic, Defect, ErrorKind, GraphView, Hnsw, Layer, Metric, NodeId, PrunePolicy, Slot, Snapshot};

/// Kind numbers of the sections these tests edit (from `src/file/format.rs`).
const ENTRY: u32 = 5;
const LISTS: u32 = 6;
const SLOTS: u32 = 8;

fn load_err(bytes: &[u8]) -> (Section, u64, FileProblem) {
    match Hnsw::from_bytes(bytes).map_err(|e| e.kind().clone()) {
        Ok(_) => panic!("a corrupted file loaded"),
        Err(ErrorKind::CorruptFile { section, offset, problem }) => (section, offset, problem),
        Err(other) => panic!("expected CorruptFile, got {other:?}"),
    }
}

/// Edit the bytes of `h`, reseal the checksums, and return the load error.
fn planted(h: &Hnsw, edit: impl FnOnce(&mut Vec<u8>)) -> (Section, u64, FileProblem) {
    let mut bytes = h.to_bytes();
    edit(&mut bytes);
    reseal(&mut bytes);
    load_err(&bytes)
}

fn version(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[8..12].try_into().unwrap())
}

/// Labels of the fixture's node `i` (`file_support::built`).
fn label(i: u64) -> u64 {
    1000 + 7 * i
}

/// 200 3-d points, with the labels of every 5th node (and the entry point's) deleted.
fn with_tombstones(seed: u64) -> (Hnsw, Vec<u64>) {
    let mut h = built(200, 3, Metric::L2, PrunePolicy::Standard, seed);
    let entry = h.entry_point().expect("non-empty");
    let mut deleted: Vec<u64> = (0..200).step_by(5).map(label).collect();
    deleted.push(h.label(entry));
    deleted.sort_unstable();
    deleted.dedup();
    for &l in &deleted {
        h.delete(l).expect("delete a live label");
    }
    (h, deleted)
}

/// Every slot's state, in id order.
fn states(h: &Hnsw) -> Vec<Slot> {
    (0..h.slots() as u32).map(|i| h.slot(NodeId(i))).collect()
}

#[test]
fn a_deleted_label_stays_deleted_after_save_and_load() {
    let seed = 31;
    println!("seed {seed}");
    let (h, deleted) = with_tombstones(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index.hnswlab");
    h.save(&path).expect("save");
    let bytes = std::fs::read(&path).expect("read back");
    assert_eq!(version(&bytes), 2, "an index with tombstones is written as version 2");
    let mut g = Hnsw::load(&path).expect("load");

    assert_eq!((g.len(), g.slots(), g.deleted_count()), (h.len(), h.slots(), h.deleted_count()));
    assert_eq!(states(&g), states(&h));
    assert_eq!(Snapshot::of(&g), Snapshot::of(&h), "graph, labels, vectors and slots");
    assert_eq!(g.to_bytes(), bytes, "save -> load -> save is byte-identical");
    for &l in &deleted {
        assert_eq!(g.id_of(l), None, "deleted label {l} maps to an id after the load");
        assert!(matches!(g.delete(l).map_err(|e| e.kind().clone()), Err(ErrorKind::UnknownLabel { .. })));
    }
    let k = 10;
    for q in synthetic::gaussian(60, 3, seed + 1).chunks_exact(3) {
        let got = g.search(q, k, 40).expect("search");
        let want = h.search(q, k, 40).expect("search");
        assert_eq!(got, want, "query {q:?}: the loaded index searches as the saved one");
        assert_eq!(got.len(), k, "k live results (tombstones are walked, not returned)");
        for n in &got {
            assert!(!deleted.contains(&n.label), "query {q:?} returned deleted label {}", n.label);
            assert_eq!(g.slot(n.id), Slot::Live);
        }
    }
    // Searching every stored vector of a tombstone still finds only live labels.
    for &l in &deleted {
        let id = (0..h.slots() as u32).map(NodeId).find(|&id| h.label(id) == l).expect("the slot keeps its label");
        let found = g.search(g.vector(id), 1, 40).expect("search");
        assert_ne!(found[0].id, id, "tombstone {id} returned for its own vector");
    }
}

#[test]
fn a_label_reinserted_after_its_delete_loads_on_its_new_slot() {
    let seed = 37;
    println!("seed {seed}");
    let (mut h, deleted) = with_tombstones(seed);
    let again = deleted[0];
    let v = synthetic::gaussian(1, 3, seed + 5);
    let id = h.insert(again, &v).expect("a deleted label is free");
    let g = Hnsw::from_bytes(&h.to_bytes()).expect("load: a dead slot may carry a live label's number");
    assert_eq!(g.id_of(again), Some(id));
    assert_eq!(Snapshot::of(&g), Snapshot::of(&h));
}

#[test]
fn free_slots_survive_a_load_and_are_reused_after_it() {
    let seed = 41;
    println!("seed {seed}");
    let (mut h, deleted) = with_tombstones(seed);
    let done = h.consolidate().expect("consolidate (standard prune)");
    assert_eq!(done.freed, deleted.len());
    let mut g = Hnsw::from_bytes(&h.to_bytes()).expect("load");
    assert_eq!(states(&g), states(&h));
    assert!(states(&g).iter().all(|&s| s != Slot::Deleted), "consolidate frees every tombstone");
    assert_eq!(states(&g).iter().filter(|&&s| s == Slot::Free).count(), deleted.len());
    assert_eq!(g.entry_point(), h.entry_point());
    assert_eq!(g.slot(g.entry_point().expect("live nodes remain")), Slot::Live);

    let first_free = (0..g.slots() as u32).map(NodeId).find(|&id| g.slot(id) == Slot::Free).expect("a free slot");
    for (i, v) in synthetic::gaussian(deleted.len() + 3, 3, seed + 9).chunks_exact(3).enumerate() {
        let l = 5_000_000 + i as u64;
        let (a, b) = (g.insert_replacing(l, v).expect("insert"), h.insert_replacing(l, v).expect("insert"));
        assert_eq!(a, b, "insert {i} after the load takes the slot it takes without the save");
        if i == 0 {
            assert_eq!(a, first_free, "the lowest free slot is reused first");
        }
    }
    assert_eq!(g.slots(), h.slots());
    assert_eq!(g.deleted_count(), 0);
    assert_eq!(g.to_bytes(), h.to_bytes());
    assert_eq!(version(&g.to_bytes()), 1, "all live again: written as version 1");
}

#[test]
fn an_index_without_deletes_is_still_version_1_and_loads_all_live() {
    let h = built(50, 3, Metric::L2, PrunePolicy::Standard, 3);
    let bytes = h.to_bytes();
    assert_eq!(version(&bytes), 1);
    assert!(spans(&bytes).iter().all(|s| s.kind != SLOTS), "no slots section in version 1");
    let g = Hnsw::from_bytes(&bytes).expect("load");
    assert_eq!(g.deleted_count(), 0);
    assert!(states(&g).iter().all(|&s| s == Slot::Live));
    // The committed seed files of the fuzz corpus are version 1 and still load.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/load_hnswlab");
    for name in ["seed-l2-standard", "seed-m2-deep", "seed-empty"] {
        let file = std::fs::read(dir.join(name)).expect("seed file");
        assert_eq!(version(&file[1..]), 1, "{name}");
        Hnsw::from_bytes(&file[1..]).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// A consolidated index with a deleted slot beside the free ones, small
/// enough to flip every byte of.
fn mixed(seed: u64) -> Hnsw {
    let mut h = built(40, 2, Metric::L2, PrunePolicy::Standard, seed);
    for i in [3, 8, 20] {
        h.delete(label(i)).expect("delete");
    }
    h.consolidate().expect("consolidate");
    h.delete(label(11)).expect("delete");
    h
}

#[test]
fn every_flipped_byte_of_a_version_2_file_is_a_typed_error_in_its_section() {
    let seed = 43;
    println!("seed {seed}");
    let h = mixed(seed);
    let bytes = h.to_bytes();
    assert_eq!(version(&bytes), 2);
    every_flip_is_typed_in_its_section(&bytes, seed);
}

#[test]
fn every_truncation_of_a_version_2_file_is_a_typed_error() {
    let bytes = mixed(47).to_bytes();
    for len in 0..bytes.len() {
        let (_, _, problem) = load_err(&bytes[..len]);
        if len >= 36 {
            assert_eq!(problem, FileProblem::Truncated { needed: bytes.len() as u64, available: len as u64 });
        }
    }
    for len in 36..bytes.len() {
        let mut b = bytes[..len].to_vec();
        reseal(&mut b);
        let (section, _, problem) = load_err(&b);
        assert!(matches!(problem, FileProblem::Truncated { .. }), "resealed cut at {len}: {section}: {problem}");
    }
}

#[test]
fn planted_slot_defects_are_named() {
    let h = mixed(53);
    let bytes = h.to_bytes();
    let slots = span(&bytes, SLOTS);
    let n = h.slots();
    let free = (0..n).find(|&i| h.slot(NodeId(i as u32)) == Slot::Free).expect("a free slot");
    let deleted = (0..n).find(|&i| h.slot(NodeId(i as u32)) == Slot::Deleted).expect("a tombstone");

    // A state byte out of range, at its own offset.
    let (section, offset, problem) = planted(&h, |b| b[slots.payload + 5] = 3);
    assert_eq!((section, offset), (Section::Slots, (slots.payload + 5) as u64));
    assert!(matches!(problem, FileProblem::BadValue { field: "slot", .. }), "{problem}");

    // Version 2 with every slot live is not the canonical encoding.
    let (section, _, problem) = planted(&h, |b| b[slots.payload..slots.payload + n].fill(0));
    assert_eq!(section, Section::Slots);
    assert!(matches!(problem, FileProblem::BadValue { field: "slots", .. }), "{problem}");

    // A payload shorter than the count: the size is checked before any state is read.
    let (section, _, problem) = planted(&h, |b| {
        put(b, slots.start + 8, &(n as u64 - 1).to_le_bytes());
        b.remove(slots.payload);
    });
    assert_eq!(section, Section::Slots);
    assert!(matches!(problem, FileProblem::SizeMismatch { what: "payload length", .. }), "{problem}");
    // A length that runs past the end of the file.
    let (section, _, problem) = planted(&h, |b| put(b, slots.start + 8, &(1u64 << 40).to_le_bytes()));
    assert_eq!(section, Section::Slots);
    assert!(matches!(problem, FileProblem::Truncated { .. }), "{problem}");

    // A linked node made free (not the entry point): caught on layer 0, at
    // its own list or at the first list that links to it, whichever comes first.
    let entry = h.entry_point().expect("entry");
    let linked = (0..n)
        .map(|i| NodeId(i as u32))
        .find(|&id| id != entry && h.slot(id) == Slot::Live && !h.neighbours(id, Layer(0)).is_empty())
        .expect("a linked live node");
    let (section, _, problem) = planted(&h, |b| b[slots.payload + linked.index()] = 2);
    assert_eq!(section, Section::Lists(0), "{problem}");
    assert!(
        matches!(
            problem,
            FileProblem::Graph(Defect::FreeSlotWithLinks { node, .. } | Defect::LinkToFreeSlot { target: node, .. })
                if node == linked
        ),
        "{problem}"
    );

    // The entry point made free.
    let (section, offset, problem) = planted(&h, |b| b[slots.payload + entry.index()] = 2);
    let entry_span = span(&bytes, ENTRY);
    assert_eq!((section, offset), (Section::Entry, entry_span.payload as u64 + 4), "{problem}");
    assert_eq!(problem, FileProblem::Graph(Defect::EntryPointFree { entry }));

    // Links into a free slot, and links of a free slot, planted in the lists themselves.
    let lists0 = span(&bytes, LISTS);
    let list_at = |b: &[u8], node: usize| -> usize {
        let mut at = lists0.payload + 4;
        for _ in 0..node {
            at += 4 + 4 * u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        }
        at
    };
    let owner = linked;
    let at = list_at(&bytes, owner.index());
    let (section, offset, problem) = planted(&h, |b| put(b, at + 4, &(free as u32).to_le_bytes()));
    assert_eq!((section, offset), (Section::Lists(0), (at + 4) as u64));
    assert_eq!(
        problem,
        FileProblem::Graph(Defect::LinkToFreeSlot { node: owner, layer: Layer(0), target: NodeId(free as u32) })
    );
    // Free slot `free` given the list of a tombstone (its slot was consolidated: count 0).
    let free_at = list_at(&bytes, free);
    assert_eq!(&bytes[free_at..free_at + 4], &[0, 0, 0, 0], "a free slot's list is empty");
    let (section, offset, problem) = planted(&h, |b| {
        put(b, free_at, &1u32.to_le_bytes());
        let other = if deleted == 0 { 1 } else { 0 };
        let tail = b.split_off(free_at + 4);
        b.extend_from_slice(&(other as u32).to_le_bytes());
        b.extend_from_slice(&tail);
        let len = u64::from_le_bytes(b[lists0.start + 8..lists0.start + 16].try_into().unwrap()) + 4;
        put(b, lists0.start + 8, &len.to_le_bytes());
    });
    assert_eq!((section, offset), (Section::Lists(0), free_at as u64));
    assert_eq!(problem, FileProblem::Graph(Defect::FreeSlotWithLinks { node: NodeId(free as u32), layer: Layer(0) }));

    // Two live slots with one label are still rejected; a tombstone may share it.
    let labels = span(&bytes, 3);
    let live = (0..n).filter(|&i| h.slot(NodeId(i as u32)) == Slot::Live).take(2).collect::<Vec<_>>();
    let first = bytes[labels.payload + 8 * live[0]..labels.payload + 8 * live[0] + 8].to_vec();
    let (section, _, problem) = planted(&h, |b| put(b, labels.payload + 8 * live[1], &first));
    assert_eq!(section, Section::Labels);
    assert!(matches!(problem, FileProblem::Graph(Defect::LabelMappedTwice { .. })), "{problem}");
    let mut b = bytes.clone();
    put(&mut b, labels.payload + 8 * deleted, &first);
    reseal(&mut b);
    let g = Hnsw::from_bytes(&b).expect("a tombstone may carry a live label's number");
    assert_eq!(g.id_of(u64::from_le_bytes(first.try_into().unwrap())), Some(NodeId(live[0] as u32)));
    assert_eq!(section_name_at(&bytes, slots.payload), "slots");
}
