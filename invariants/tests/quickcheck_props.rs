//! quickcheck properties of the small pure pieces: distances (and the SIMD
//! kernels against the scalar reference loops), neighbour selection (Alg. 3
//! and 4) and the level function.
//!
//! Each property runs quickcheck's default 100 cases (`QUICKCHECK_TESTS`
//! overrides); on failure quickcheck prints the shrunk input.

use hnswlab::distance::{dot, dot_scalar, l2_squared, l2_squared_scalar, prepare};
use hnswlab::level::{level, level_from_draw, unit_draw};
use hnswlab::select::{select_heuristic, select_simple};
use hnswlab::{GraphView, Hnsw, Layer, Metric, NodeId, Params, PrunePolicy, Scored, Scratch};
use quickcheck::{quickcheck, TestResult};

/// quickcheck's f32 includes NaN, infinities and huge values: fold them into
/// a finite range so distances stay finite (`prepare` rejects the rest).
fn tame(x: f32, bound: f32) -> f32 {
    if x.is_finite() {
        x % bound
    } else {
        0.0
    }
}

fn pair(xs: &[(f32, f32)], bound: f32) -> (Vec<f32>, Vec<f32>) {
    xs.iter().map(|&(a, b)| (tame(a, bound), tame(b, bound))).unzip()
}

#[test]
fn distances_are_symmetric() {
    fn prop(xs: Vec<(f32, f32)>) -> TestResult {
        let (a, b) = pair(&xs, 1e3);
        for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
            let (Ok(pa), Ok(pb)) = (prepare(metric, a.len(), &a), prepare(metric, b.len(), &b)) else {
                continue; // zero vector under cosine
            };
            let (ab, ba) = (metric.distance(&pa, &pb), metric.distance(&pb, &pa));
            if ab != ba {
                return TestResult::error(format!("{metric:?}: d(a,b) = {ab} but d(b,a) = {ba}"));
            }
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(f32, f32)>) -> TestResult);
}

#[test]
fn l2_is_nonnegative_and_zero_on_identical() {
    fn prop(xs: Vec<(f32, f32)>) -> TestResult {
        let (a, b) = pair(&xs, 1e3);
        let d = l2_squared(&a, &b);
        if d.is_nan() || d < 0.0 {
            return TestResult::error(format!("l2({a:?}, {b:?}) = {d}"));
        }
        let z = l2_squared(&a, &a);
        if z != 0.0 {
            return TestResult::error(format!("l2(a, a) = {z} for a = {a:?}"));
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(f32, f32)>) -> TestResult);
}

#[test]
fn cosine_is_in_zero_two_and_zero_on_itself() {
    fn prop(xs: Vec<(f32, f32)>) -> TestResult {
        let (a, b) = pair(&xs, 1e3);
        let (Ok(pa), Ok(pb)) = (prepare(Metric::Cosine, a.len(), &a), prepare(Metric::Cosine, b.len(), &b)) else {
            return TestResult::discard();
        };
        let d = Metric::Cosine.distance(&pa, &pb);
        if !(0.0..=2.0).contains(&d) {
            return TestResult::error(format!("cosine = {d} outside [0, 2]"));
        }
        let own = Metric::Cosine.distance(&pa, &pa);
        if own > 1e-5 {
            return TestResult::error(format!("cosine(a, a) = {own} for a = {a:?}"));
        }
        // Unit norm after prepare.
        let n2 = dot_scalar(&pa, &pa);
        if (n2 - 1.0).abs() > 1e-4 {
            return TestResult::error(format!("|prepare(a)|^2 = {n2}"));
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(f32, f32)>) -> TestResult);
}

#[test]
fn simd_kernels_agree_with_scalar() {
    // quickcheck's Vec sizes are small; pad to random lengths up to ~70 so
    // both the 8-wide body and the scalar tail of the AVX2 kernels run.
    fn prop(xs: Vec<(f32, f32)>, extra: u8) -> TestResult {
        let (mut a, mut b) = pair(&xs, 100.0);
        for i in 0..usize::from(extra % 48) {
            a.push(((i * 7919) % 201) as f32 / 2.0 - 50.0);
            b.push(((i * 104_729) % 199) as f32 / 3.0 - 33.0);
        }
        let (fast, slow) = (l2_squared(&a, &b), l2_squared_scalar(&a, &b));
        let scale: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>() + 1.0;
        if (fast - slow).abs() > 1e-5 * scale {
            return TestResult::error(format!(
                "len {}: l2 simd {fast} vs scalar {slow} (tolerance {})",
                a.len(),
                1e-5 * scale
            ));
        }
        let (fast, slow) = (dot(&a, &b), dot_scalar(&a, &b));
        let scale: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum::<f32>() + 1.0;
        if (fast - slow).abs() > 1e-5 * scale {
            return TestResult::error(format!(
                "len {}: dot simd {fast} vs scalar {slow} (tolerance {})",
                a.len(),
                1e-5 * scale
            ));
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(f32, f32)>, u8) -> TestResult);
}

fn scored(xs: &[(u8, u8)]) -> Vec<Scored> {
    // Few distinct distances and ids with repeats: ties and duplicate ids happen.
    // A node's distance is a function of its id (as when scored against one
    // query): `select_simple` dedups adjacent ids after sorting, so a list
    // holding one id at two different distances is outside its contract
    // (quickcheck found `[(1, #11), (0, #12), (0, #11)]` keeping #11 twice).
    let mut dist = [0u8; 32];
    for &(d, id) in xs {
        dist[usize::from(id % 32)] = d % 8;
    }
    xs.iter()
        .map(|&(_, id)| Scored { dist: f32::from(dist[usize::from(id % 32)]), id: NodeId(u32::from(id % 32)) })
        .collect()
}

#[test]
fn select_simple_keeps_the_m_nearest() {
    fn prop(xs: Vec<(u8, u8)>, m: u8) -> TestResult {
        let m = usize::from(m % 10);
        let cands = scored(&xs);
        let mut out = Vec::new();
        select_simple(&cands, m, &mut out);
        // Reference: distinct candidates (by id, the nearest copy), sorted by (dist, id).
        let mut all = cands.clone();
        all.sort();
        all.dedup_by_key(|s| s.id);
        let distinct = {
            let mut ids: Vec<NodeId> = cands.iter().map(|s| s.id).collect();
            ids.sort();
            ids.dedup();
            ids.len()
        };
        if out.len() != m.min(distinct) {
            return TestResult::error(format!("m {m}: got {} of {distinct} distinct", out.len()));
        }
        if out.windows(2).any(|w| w[0] > w[1]) {
            return TestResult::error(format!("not ascending: {out:?}"));
        }
        if !out.iter().all(|o| cands.contains(o)) {
            return TestResult::error(format!("{out:?} not a subset of the candidates"));
        }
        // Nothing left out is strictly nearer than something kept.
        let worst_kept = out.last().copied();
        for c in &cands {
            if !out.iter().any(|o| o.id == c.id) {
                if let Some(w) = worst_kept {
                    if *c < w {
                        return TestResult::error(format!("dropped {c:?} nearer than kept {w:?}"));
                    }
                }
            }
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(u8, u8)>, u8) -> TestResult);
}

/// An index over small integer points in 2-d (ties and duplicates happen).
fn lattice_index(points: &[(i8, i8)], m: usize) -> Hnsw {
    let params = Params::builder().m(m).ef_construction(8).seed(5).build().unwrap();
    let mut index = Hnsw::new(2, params).unwrap();
    for (i, &(x, y)) in points.iter().enumerate() {
        index.insert(i as u64, &[f32::from(x % 4), f32::from(y % 4)]).unwrap();
    }
    index
}

#[test]
fn select_heuristic_returns_a_small_subset_with_the_nearest() {
    fn prop(points: Vec<(i8, i8)>, m: u8, extend: bool, keep: bool, symmetric: bool) -> TestResult {
        if points.len() < 2 {
            return TestResult::discard();
        }
        let m = 1 + usize::from(m % 6);
        let index = lattice_index(&points, m.max(2));
        let q = NodeId(0);
        let qv = index.vector(q).to_vec();
        // Candidates: every other node, plus q itself (which must be filtered out).
        let cands: Vec<Scored> = {
            let mut c: Vec<Scored> = (0..points.len() as u32)
                .map(|i| Scored { dist: Metric::L2.distance(&qv, index.vector(NodeId(i))), id: NodeId(i) })
                .collect();
            c.sort();
            c
        };
        let mut out = Vec::new();
        let mut scratch = Scratch::new();
        let prune = if symmetric { PrunePolicy::Symmetric } else { PrunePolicy::Standard };
        select_heuristic(&index, q, &qv, &cands, m, Layer(0), extend, keep, prune, &mut scratch, &mut out);
        let ctx = format!("m {m} extend {extend} keep {keep} {prune:?} points {points:?} -> {out:?}");
        if out.len() > m {
            return TestResult::error(format!("too many: {ctx}"));
        }
        if out.iter().any(|o| o.id == q) {
            return TestResult::error(format!("selected q itself: {ctx}"));
        }
        if out.windows(2).any(|w| w[0] >= w[1]) {
            return TestResult::error(format!("not strictly ascending: {ctx}"));
        }
        let pool_ok = |o: &Scored| {
            cands.contains(o) || (extend && cands.iter().any(|c| index.neighbours(c.id, Layer(0)).contains(&o.id)))
        };
        if !out.iter().all(pool_ok) {
            return TestResult::error(format!("not from the pool: {ctx}"));
        }
        // Every other node is a candidate, so extension adds nothing: the pool is `others`.
        let others = cands.len() - 1;
        // Standard considers ties newest first: the nearest kept is the newest at the least distance.
        let nearest = match prune {
            PrunePolicy::Symmetric => cands.iter().find(|c| c.id != q).copied(),
            PrunePolicy::Standard => {
                let least = cands.iter().find(|c| c.id != q).map(|c| c.dist);
                cands.iter().filter(|c| c.id != q && Some(c.dist) == least).max_by_key(|c| c.id).copied()
            }
        };
        if nearest.is_some_and(|n| !out.contains(&n)) || out.first().map(|o| o.dist) != nearest.map(|n| n.dist) {
            return TestResult::error(format!("nearest {nearest:?} not kept first: {ctx}"));
        }
        // hnswlib returns a pool smaller than m whole.
        let whole = prune == PrunePolicy::Standard && others < m;
        if whole && out.len() != others {
            return TestResult::error(format!("Standard pruned a pool smaller than m: {ctx}"));
        }
        if keep && !extend && out.len() != m.min(others) {
            return TestResult::error(format!("keep_pruned did not fill to m: {ctx}"));
        }
        // Alg. 4's rule: every kept e (without refill) is no farther from q than from
        // any kept element before it.
        if !keep && !whole {
            for (i, e) in out.iter().enumerate() {
                for r in &out[..i] {
                    let d = Metric::L2.distance(index.vector(e.id), index.vector(r.id));
                    if d < e.dist {
                        return TestResult::error(format!("{e:?} kept although d(e, {r:?}) = {d} < {}: {ctx}", e.dist));
                    }
                }
            }
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(Vec<(i8, i8)>, u8, bool, bool, bool) -> TestResult);
}

#[test]
fn level_is_pure_and_capped() {
    fn prop(seed: u64, id: u32, ml10: u8, cap: u8) -> TestResult {
        let ml = 0.05 + f64::from(ml10 % 100) / 10.0; // (0, 10]
        let cap = cap % 33;
        let a = level(seed, NodeId(id), ml, cap);
        let b = level(seed, NodeId(id), ml, cap);
        if a != b {
            return TestResult::error(format!("level not pure: {a:?} vs {b:?}"));
        }
        if a.0 > cap {
            return TestResult::error(format!("level {a:?} above cap {cap}"));
        }
        let u = unit_draw(seed, NodeId(id));
        if !(u > 0.0 && u <= 1.0) {
            return TestResult::error(format!("unit_draw = {u} outside (0, 1]"));
        }
        if level_from_draw(u, ml, cap) != a {
            return TestResult::error("level != level_from_draw(unit_draw)");
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(u64, u32, u8, u8) -> TestResult);
}

#[test]
fn level_from_draw_is_monotone_and_total() {
    fn prop(u1: u32, u2: u32, ml10: u8, cap: u8) -> TestResult {
        let ml = 0.05 + f64::from(ml10 % 100) / 10.0;
        let cap = cap % 33;
        // Draws in [0, 1] including both ends.
        let (x, y) = (f64::from(u1) / f64::from(u32::MAX), f64::from(u2) / f64::from(u32::MAX));
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let (l_lo, l_hi) = (level_from_draw(lo, ml, cap), level_from_draw(hi, ml, cap));
        if l_lo < l_hi {
            return TestResult::error(format!("not non-increasing: level({lo}) = {l_lo:?} < level({hi}) = {l_hi:?}"));
        }
        if l_lo.0 > cap || l_hi.0 > cap {
            return TestResult::error(format!("above cap {cap}"));
        }
        for edge in [0.0, f64::MIN_POSITIVE, 1e-300, 1.0] {
            let l = level_from_draw(edge, ml, cap);
            if l.0 > cap {
                return TestResult::error(format!("level_from_draw({edge}) = {l:?} > cap {cap}"));
            }
        }
        if level_from_draw(0.0, ml, cap) != Layer(cap) {
            return TestResult::error("u = 0 must give the cap");
        }
        if level_from_draw(1.0, ml, cap) != Layer(0) {
            return TestResult::error("u = 1 must give level 0");
        }
        TestResult::passed()
    }
    quickcheck(prop as fn(u32, u32, u8, u8) -> TestResult);
}
