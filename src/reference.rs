//! Reference distances for oracles: plain scalar loops accumulating in f64,
//! on the vectors as the user gave them (cosine normalises inside).
//!
//! Ground truth and recall judged with these do not move with the index's
//! kernels: a bug in a SIMD kernel (a lane or a tail dropped, a wrong
//! horizontal sum) changes the answers but not the truth they are judged by.
//! The metrics' definitions match [`Metric::distance`] on prepared vectors:
//! L2 is the squared Euclidean distance, inner product `1 - a.b`, cosine
//! `1 - a.b / (|a| |b|)` clamped to `[0, 2]`.

use crate::distance::Metric;

/// The reference distance between `a` and `b` under `metric`, or `None`
/// when the lengths differ or a cosine operand has zero norm.
pub fn distance(metric: Metric, a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    match metric {
        Metric::L2 => Some(sum4(a, b, |x, y| (x - y) * (x - y))),
        Metric::InnerProduct => Some(1.0 - sum4(a, b, |x, y| x * y)),
        Metric::Cosine => {
            let norms = sum4(a, a, |x, y| x * y).sqrt() * sum4(b, b, |x, y| x * y).sqrt();
            (norms > 0.0).then(|| (1.0 - sum4(a, b, |x, y| x * y) / norms).clamp(0.0, 2.0))
        }
    }
}

/// `sum f(a_i, b_i)` in f64 over four interleaved partial sums (so the
/// compiler can keep them in registers side by side), then the tail.
#[inline]
fn sum4(a: &[f32], b: &[f32], f: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ta, tb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..4 {
            acc[j] += f(f64::from(x[j]), f64::from(y[j]));
        }
    }
    let tail: f64 = ta.iter().zip(tb).map(|(&x, &y)| f(f64::from(x), f64::from(y))).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The `k` nearest rows of `data` (`dim` floats each) to `q` by the
/// reference distance, ascending by (distance, row); rows the metric cannot
/// measure (zero norm under cosine) are left out. Empty when `dim` is 0 or
/// `q` is not `dim` long.
pub fn exact_knn(metric: Metric, data: &[f32], dim: usize, q: &[f32], k: usize) -> Vec<(f64, usize)> {
    if dim == 0 || q.len() != dim {
        return Vec::new();
    }
    let mut all: Vec<(f64, usize)> =
        data.chunks_exact(dim).enumerate().filter_map(|(i, v)| distance(metric, q, v).map(|d| (d, i))).collect();
    let k = k.min(all.len());
    if k == 0 {
        return Vec::new();
    }
    all.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.truncate(k);
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::prepare;

    #[test]
    fn agrees_with_the_kernels_on_prepared_vectors_to_rounding() {
        let mut r = crate::synthetic::Rng::new(3);
        for dim in [1usize, 3, 7, 8, 9, 15, 16, 17, 31, 33, 128, 131] {
            for _ in 0..20 {
                let a: Vec<f32> = (0..dim).map(|_| r.uniform() as f32 * 2.0 - 1.0).collect();
                let b: Vec<f32> = (0..dim).map(|_| r.uniform() as f32 * 2.0 - 1.0).collect();
                for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                    let want = distance(metric, &a, &b).unwrap();
                    let (pa, pb) = (prepare(metric, dim, &a).unwrap(), prepare(metric, dim, &b).unwrap());
                    let got = f64::from(metric.distance(&pa, &pb));
                    let scale = want.abs().max(1.0);
                    assert!((got - want).abs() <= 1e-5 * scale, "{metric:?} dim {dim}: kernel {got}, reference {want}");
                }
            }
        }
    }

    #[test]
    fn exact_knn_orders_by_distance_then_row_and_skips_what_it_cannot_measure() {
        let data = [0.0f32, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        assert_eq!(exact_knn(Metric::L2, &data, 2, &[1.0, 0.0], 3), vec![(0.0, 2), (0.0, 3), (1.0, 0)]);
        assert_eq!(exact_knn(Metric::Cosine, &data, 2, &[1.0, 0.0], 10).len(), 3, "the zero row is left out");
        assert!(exact_knn(Metric::L2, &data, 0, &[], 3).is_empty());
        assert!(exact_knn(Metric::L2, &data, 2, &[1.0], 3).is_empty());
        assert!(exact_knn(Metric::L2, &data, 2, &[1.0, 0.0], 0).is_empty());
        assert_eq!(distance(Metric::L2, &[1.0], &[1.0, 2.0]), None);
    }
}
