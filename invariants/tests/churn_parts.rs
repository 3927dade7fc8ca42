//! The churn-rot check's parts (F15): the scenario it runs, counted label
//! by label, the rebuild it compares with, and its tolerance on both sides.

use hnswlab::churn::{self, DeletePolicy};
use hnswlab::{synthetic, GraphView, Hnsw, Params, Snapshot};
use hnswlab_invariants::churn_rot::{rebuild_live, run_churn};
use hnswlab_invariants::{check_churn_rot, live_census, Churn, Rot, Violation};

const DIM: usize = 2;

fn params() -> Params {
    Params::builder().m(3).ef_construction(12).seed(8).build().unwrap()
}

fn scenario<'a>(p: &'a Params, initial: &'a [f32], fresh: &'a [f32], rounds: usize, fraction: f64) -> Churn<'a> {
    Churn { dim: DIM, params: p, initial, fresh, rounds, fraction, seed: 5 }
}

#[test]
fn a_round_deletes_its_batch_and_inserts_as_many_under_new_labels() {
    let p = params();
    let initial = synthetic::lattice(100, DIM, 9, 1);
    let fresh = synthetic::lattice(100, DIM, 9, 2);
    for (fraction, batch) in [(0.1, 10), (0.25, 25), (0.125, 13), (0.0, 0)] {
        assert_eq!(scenario(&p, &initial, &fresh, 3, fraction).batch(), batch, "{fraction}");
    }
    let c = scenario(&p, &initial, &fresh, 3, 0.1);
    let tombstone = churn::by_name("tombstone").unwrap();
    let (index, per_round) = run_churn(tombstone.as_ref(), &c).unwrap();
    assert_eq!(per_round.len(), 3);
    assert_eq!(*per_round.last().unwrap(), live_census(&index).unreachable(0));
    assert_eq!((index.len(), index.deleted_count(), index.slots()), (100, 30, 130));
    // Labels 100..130 are the fresh rows, in order (a later round may have
    // deleted some); 100 of the 130 labels are live, none beyond.
    let mut fresh_live = 0;
    for (i, v) in fresh.chunks(DIM).take(30).enumerate() {
        if let Some(id) = index.id_of(100 + i as u64) {
            assert_eq!(GraphView::vector(&index, id), v);
            fresh_live += 1;
        }
    }
    assert!(fresh_live >= 20, "the last round's 10 at least, and most of the others: {fresh_live}");
    assert_eq!((0..130).filter(|&l| index.id_of(l).is_some()).count(), 100);
    assert!(index.id_of(130).is_none());
}

#[test]
fn the_rebuild_is_a_sequential_build_of_the_live_rows_in_id_order() {
    let p = params();
    let initial = synthetic::lattice(80, DIM, 9, 3);
    let fresh = synthetic::lattice(40, DIM, 9, 4);
    let c = scenario(&p, &initial, &fresh, 2, 0.2);
    let replace = churn::by_name("replace").unwrap();
    let (index, _) = run_churn(replace.as_ref(), &c).unwrap();
    let mut want = Hnsw::new(DIM, p.clone()).unwrap();
    for id in (0..index.slots() as u32).map(hnswlab::NodeId) {
        if !index.is_deleted(id) {
            want.insert(GraphView::label(&index, id), GraphView::vector(&index, id)).unwrap();
        }
    }
    assert_eq!(Snapshot::of(&rebuild_live(&index).unwrap()), Snapshot::of(&want));
}

#[test]
fn rot_is_judged_against_the_rebuild_with_its_tolerance() {
    let p = params();
    let initial = synthetic::duplicates(20, 5, DIM, 6);
    let fresh = synthetic::duplicates(20, 5, DIM, 7);
    let c = scenario(&p, &initial, &fresh, 4, 0.2);
    let policy: Box<dyn DeletePolicy> =
        hnswlab::mutants::churn::policies().into_iter().find(|p| p.name() == "replace-without-repair").unwrap();
    let rot = match check_churn_rot(policy.as_ref(), &c, 1.0) {
        Ok(rot) => rot,
        Err(v) => panic!("delta 1 tolerates everything: {v}"),
    };
    assert_eq!(rot.unreachable_per_round.len(), 4);
    assert_eq!(rot.unreachable, *rot.unreachable_per_round.last().unwrap());
    assert_eq!(rot.live, 100);
    assert!(rot.unreachable > rot.rebuild_unreachable, "the fixture must rot: {rot:?}");
    let excess = rot.fraction() - rot.rebuild_fraction();
    assert_eq!(rot.fraction(), rot.unreachable as f64 / 100.0);
    assert_eq!(rot.rebuild_fraction(), rot.rebuild_unreachable as f64 / 100.0);
    assert!(check_churn_rot(policy.as_ref(), &c, excess).is_ok(), "at the bound");
    let v = check_churn_rot(policy.as_ref(), &c, excess - 1e-9).unwrap_err();
    assert!(matches!(&v.0[..], [Violation::ChurnRot { rounds: 4, live: 100, .. }]), "{v}");
}

#[test]
fn the_fractions_are_of_the_live_nodes() {
    let rot = Rot { live: 50, unreachable: 5, rebuild_unreachable: 2, ..Rot::default() };
    assert_eq!((rot.fraction(), rot.rebuild_fraction()), (0.1, 0.04));
    let none = Rot { live: 0, unreachable: 3, rebuild_unreachable: 1, ..Rot::default() };
    assert_eq!((none.fraction(), none.rebuild_fraction()), (3.0, 1.0), "no live node counts as one");
}
