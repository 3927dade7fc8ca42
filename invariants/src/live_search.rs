//! Searches after deletes return live labels only, and enough of them
//! (catalogue F14: tombstones filtered after the result bound give short
//! lists; deleted objects returned by an unfiltered search).
//!
//! Invariant, for each query `q` and a search asked for `k` results:
//! - every result is a live node whose label maps back to it
//!   ([`Violation::ReturnedDead`]);
//! - no label appears twice ([`Violation::RepeatedLabel`]);
//! - results ascend by distance ([`Violation::ResultsNotSorted`]);
//! - there are at least `min(k, r)` results, where `r` is the least number
//!   of live nodes reachable on layer 0 (through tombstones) from any
//!   non-free node: wherever the descent lands, the tombstone-aware
//!   SEARCH-LAYER keeps expanding until it holds `ef >= k` live nodes or has
//!   expanded everything it can reach ([`Violation::ShortResults`]). When
//!   every live node is reachable from every node, `r = live`, so the count
//!   is exactly `min(k, live)`;
//! - with a live node, the search does not fail ([`Violation::SearchFailed`]).
//!
//! `r` comes from the layer-0 census: `live` when layer 0 is one strongly
//! connected component, otherwise a walk from every node (graphs of at most
//! [`REACH_WALK_MAX`] ids; above that the count is not checked, see
//! [`LiveSearch::count_checked`]).

use hnswlab::{GraphView, Layer, Neighbour, Slot};

use crate::census::{walk, LayerGraph};
use crate::layout::Layout;
use crate::violation::{Collector, Violation, Violations};

/// Largest graph on which the per-node reachability walk runs (`O(n (n + e))`).
pub const REACH_WALK_MAX: usize = 4096;

/// What [`check_live_search`] measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveSearch {
    /// Queries run.
    pub queries: usize,
    /// Live nodes.
    pub live: usize,
    /// `r`: the fewest live nodes reachable on layer 0 from a non-free node
    /// (`None` when not computed).
    pub reachable_floor: Option<usize>,
    /// Whether the result count was checked.
    pub count_checked: bool,
}

/// Run `search(q, k)` for every query (rows of `queries`, `view.dim()`
/// long) and check its results against `view` (see the module doc).
pub fn check_live_search<V, F>(view: &V, queries: &[f32], k: usize, mut search: F) -> Result<LiveSearch, Violations>
where
    V: GraphView + ?Sized,
    F: FnMut(&[f32], usize) -> hnswlab::Result<Vec<Neighbour>>,
{
    let mut out = Collector::new();
    let layout = Layout::of(view);
    let floor = reachable_floor(view, &layout);
    let mut report =
        LiveSearch { queries: 0, live: layout.live, reachable_floor: floor, count_checked: floor.is_some() };
    let n = layout.n;
    for (query, q) in queries.chunks_exact(view.dim().max(1)).enumerate() {
        report.queries += 1;
        let got = match search(q, k) {
            Ok(got) => got,
            Err(e) if layout.live > 0 => {
                out.push(Violation::SearchFailed { query, error: e.to_string() });
                continue;
            }
            Err(_) => continue,
        };
        let mut labels: Vec<u64> = Vec::with_capacity(got.len());
        for r in &got {
            let live = r.id.index() < n
                && layout.slot(r.id) == Slot::Live
                && view.label(r.id) == r.label
                && view.id_of(r.label) == Some(r.id);
            if !live {
                out.push(Violation::ReturnedDead { query, id: r.id, label: r.label });
            }
            if labels.contains(&r.label) {
                out.push(Violation::RepeatedLabel { query, label: r.label });
            }
            labels.push(r.label);
        }
        if let Some(position) = got.windows(2).position(|w| w[0].distance > w[1].distance) {
            out.push(Violation::ResultsNotSorted { query, position });
        }
        if let Some(r) = floor {
            let want = k.min(r);
            if got.len() < want {
                out.push(Violation::ShortResults { query, got: got.len(), want });
            }
        }
    }
    out.finish(report)
}

/// `r` of the module doc, or `None` when it is not computed.
fn reachable_floor<V: GraphView + ?Sized>(view: &V, layout: &Layout) -> Option<usize> {
    if layout.present == 0 {
        return Some(0);
    }
    let mut local_of = vec![0u32; layout.n];
    let g = LayerGraph::build(view, layout, Layer(0), view.entry_point(), &mut local_of);
    if walk(&g).0.count == 1 {
        return Some(layout.live);
    }
    if layout.n > REACH_WALK_MAX {
        return None;
    }
    let mut seen = vec![u32::MAX; g.len()];
    let mut stack = Vec::new();
    let mut floor = usize::MAX;
    for start in 0..g.len() {
        let mark = start as u32;
        seen[start] = mark;
        stack.push(start);
        let mut live = 0;
        while let Some(i) = stack.pop() {
            live += usize::from(g.is_live(i));
            for &j in g.out(i) {
                if seen[j as usize] != mark {
                    seen[j as usize] = mark;
                    stack.push(j as usize);
                }
            }
        }
        floor = floor.min(live);
    }
    Some(floor)
}

#[cfg(test)]
mod tests {
    use hnswlab::mutants::churn::search_filter_after_bound;
    use hnswlab::{synthetic, Hnsw, PrunePolicy};

    use super::check_live_search;
    use crate::testutil::{assert_kinds, build};

    const SEED: u64 = 11;

    /// Half the labels deleted (the entry point among them).
    fn half_deleted() -> (Hnsw, Vec<f32>) {
        let (mut h, _) = build(PrunePolicy::Standard, 4, SEED, 300);
        for i in (0..300).step_by(2) {
            h.delete(1000 + i).expect("live label");
        }
        let ep = hnswlab::GraphView::entry_point(&h).expect("non-empty");
        let _ = h.delete(hnswlab::GraphView::label(&h, ep));
        (h, synthetic::lattice(100, 2, 3, SEED + 1))
    }

    #[test]
    fn the_tombstone_aware_search_passes_and_the_filter_after_the_bound_fails() {
        println!("seed {SEED}");
        let (h, queries) = half_deleted();
        let report = check_live_search(&h, &queries, 5, |q, k| h.search(q, k, k)).expect("live search");
        println!("{report:?}");
        assert!(report.count_checked && report.reachable_floor.is_some_and(|r| r >= 5), "{report:?}");
        let v = assert_kinds(
            check_live_search(&h, &queries, 5, |q, k| search_filter_after_bound(&h, q, k, k)),
            &["ShortResults"],
        );
        println!("{v}");
    }

    #[test]
    fn returning_a_tombstone_or_a_repeat_or_a_misorder_fails() {
        let (h, queries) = half_deleted();
        let dead = (0..hnswlab::GraphView::len(&h) as u32)
            .map(hnswlab::NodeId)
            .find(|&i| hnswlab::GraphView::is_deleted(&h, i))
            .unwrap();
        let with_dead = |q: &[f32], k: usize| {
            let mut r = h.search(q, k, k)?;
            r[0].id = dead;
            Ok(r)
        };
        assert!(check_live_search(&h, &queries, 5, with_dead).unwrap_err().has("ReturnedDead"));
        let repeated = |q: &[f32], k: usize| {
            let mut r = h.search(q, k, k)?;
            r[1] = r[0];
            Ok(r)
        };
        assert!(check_live_search(&h, &queries, 5, repeated).unwrap_err().has("RepeatedLabel"));
        let reversed = |q: &[f32], k: usize| {
            let mut r = h.search(q, k, k)?;
            r.reverse();
            Ok(r)
        };
        let v = check_live_search(&h, &queries, 5, reversed).unwrap_err();
        assert!(v.has("ResultsNotSorted"), "{v}");
    }
}
