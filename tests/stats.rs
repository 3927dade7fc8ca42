//! `BuildStats` counted against what the inserts' traces show: each counter
//! is incremented in one place of the engine, and the trace records the
//! same event independently (the list length each back-link met), so a
//! counter that drifts from the events it counts fails here.

use hnswlab::{synthetic, Hnsw, Params, PrunePolicy, Selection};

fn build(prune: PrunePolicy, selection: Selection, seed: u64) -> (Hnsw, u64) {
    let p = Params::builder().m(3).ef_construction(16).prune(prune).selection(selection).seed(seed).build().unwrap();
    let mut h = Hnsw::new(2, p.clone()).unwrap();
    let mut overflows = 0;
    for (i, v) in synthetic::lattice(300, 2, 6, seed).chunks(2).enumerate() {
        let t = h.insert_traced(i as u64, v).unwrap();
        for l in &t.layers {
            let cap = p.capacity(l.layer.index());
            overflows += l.back_links.iter().filter(|b| b.len_before >= cap).count() as u64;
        }
    }
    (h, overflows)
}

#[test]
fn every_overflowing_back_link_is_one_reselection() {
    for seed in 0..4 {
        for prune in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
            for selection in [Selection::Simple, Selection::Heuristic { extend_candidates: true, keep_pruned: false }] {
                let (h, overflows) = build(prune, selection, seed);
                let s = h.stats();
                let what = format!("seed {seed} {prune:?} {selection:?}: {s:?}");
                assert!(overflows > 100, "{what}: the build must overflow lists ({overflows})");
                assert_eq!(s.reselections, overflows, "{what}");
                match prune {
                    PrunePolicy::Standard => assert_eq!(s.symmetric_drops, 0, "{what}"),
                    // Each re-selection drops at most the one entry it had too
                    // many, plus what the heuristic prunes; each dropped node
                    // loses at most its one edge back.
                    PrunePolicy::Symmetric => {
                        assert!(s.symmetric_drops > 0, "{what}");
                        assert!(s.symmetric_drops <= overflows * (3 * 2 + 1), "{what}");
                    }
                }
                assert!(s.distances > 300, "{what}");
            }
        }
    }
}
