//! Distances: squared L2, inner product and cosine, with a scalar reference
//! kernel and an AVX2+FMA kernel chosen at run time.
//!
//! Invariant: every vector that reaches the graph passed [`prepare`], so it is
//! finite, its squared norm is finite, and under cosine it has unit norm.
//! Distances between prepared vectors are therefore never NaN, and
//! `f32::total_cmp` orders them totally.

use crate::error::{ErrorKind, Result};

/// The distance function of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Metric {
    /// Squared Euclidean distance, `sum (a_i - b_i)^2`.
    #[default]
    L2,
    /// `1 - <a, b>` (hnswlib's "ip"): not a metric; a point need not be its own nearest neighbour.
    InnerProduct,
    /// `1 - cos(a, b)`, in `[0, 2]`; vectors are normalised on the way in.
    Cosine,
}

impl Metric {
    /// Stable lower-case name used by the CLI and reports.
    pub fn name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::InnerProduct => "ip",
            Metric::Cosine => "cosine",
        }
    }

    /// Distance between two prepared vectors of equal length.
    #[inline]
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Metric::L2 => l2_squared(a, b),
            Metric::InnerProduct => 1.0 - dot(a, b),
            Metric::Cosine => (1.0 - dot(a, b)).clamp(0.0, 2.0),
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "l2" => Ok(Metric::L2),
            "ip" => Ok(Metric::InnerProduct),
            "cosine" => Ok(Metric::Cosine),
            other => Err(format!("unknown metric `{other}` (expected l2, ip or cosine)")),
        }
    }
}

/// Validate a vector at the API boundary and return the form stored in the
/// index: finite coordinates, finite squared norm, unit norm under cosine.
pub fn prepare(metric: Metric, dim: usize, v: &[f32]) -> Result<Vec<f32>> {
    if v.len() != dim {
        return Err(ErrorKind::DimensionMismatch { expected: dim, got: v.len() }.into());
    }
    if let Some((i, &x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(ErrorKind::NonFinite { coordinate: i, value: x }.into());
    }
    // Accumulate in f64 so that a norm that overflows f32 is detected, not wrapped into inf later.
    let norm2: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    // Half of f32::MAX leaves room for L2 between two such vectors to stay finite.
    if norm2 > f64::from(f32::MAX) / 4.0 {
        return Err(ErrorKind::NonFinite { coordinate: usize::MAX, value: norm2 as f32 }.into());
    }
    match metric {
        Metric::Cosine => {
            let norm = norm2.sqrt();
            // Below this the normalised vector is dominated by rounding of subnormals.
            if norm < 1e-30 {
                return Err(ErrorKind::ZeroVector { norm: norm as f32 }.into());
            }
            let out: Vec<f32> = v.iter().map(|&x| (f64::from(x) / norm) as f32).collect();
            Ok(out)
        }
        Metric::L2 | Metric::InnerProduct => Ok(v.to_vec()),
    }
}

/// Squared L2 distance, dispatched to the fastest kernel this CPU has.
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    {
        if a.len() >= 8 && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports avx2 and fma, checked just above.
            return unsafe { simd::l2_avx2(a, b) };
        }
    }
    l2_squared_scalar(a, b)
}

/// Dot product, dispatched to the fastest kernel this CPU has.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    {
        if a.len() >= 8 && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports avx2 and fma, checked just above.
            return unsafe { simd::dot_avx2(a, b) };
        }
    }
    dot_scalar(a, b)
}

/// Reference squared L2: the obviously-correct loop the SIMD kernel is tested against.
pub fn l2_squared_scalar(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        for l in 0..8 {
            let d = a[c * 8 + l] - b[c * 8 + l];
            acc[l] += d * d;
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks * 8..a.len() {
        let d = a[i] - b[i];
        s += d * d;
    }
    s
}

/// Reference dot product.
pub fn dot_scalar(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        for l in 0..8 {
            acc[l] += a[c * 8 + l] * b[c * 8 + l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks * 8..a.len() {
        s += a[i] * b[i];
    }
    s
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn hsum(v: __m256) -> f32 {
        let hi = _mm256_extractf128_ps(v, 1);
        let lo = _mm256_castps256_ps128(v);
        let s = _mm_add_ps(hi, lo);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        _mm_cvtss_f32(s)
    }

    /// # Safety
    /// The CPU must support avx2 and fma; `a.len() == b.len()`.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn l2_avx2(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc0 = _mm256_setzero_ps();
        let mut acc1 = _mm256_setzero_ps();
        let mut i = 0;
        while i + 16 <= n {
            let d0 = _mm256_sub_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
            let d1 = _mm256_sub_ps(_mm256_loadu_ps(pa.add(i + 8)), _mm256_loadu_ps(pb.add(i + 8)));
            acc0 = _mm256_fmadd_ps(d0, d0, acc0);
            acc1 = _mm256_fmadd_ps(d1, d1, acc1);
            i += 16;
        }
        while i + 8 <= n {
            let d = _mm256_sub_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)));
            acc0 = _mm256_fmadd_ps(d, d, acc0);
            i += 8;
        }
        let mut s = hsum(_mm256_add_ps(acc0, acc1));
        while i < n {
            let d = *pa.add(i) - *pb.add(i);
            s += d * d;
            i += 1;
        }
        s
    }

    /// # Safety
    /// The CPU must support avx2 and fma; `a.len() == b.len()`.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc0 = _mm256_setzero_ps();
        let mut acc1 = _mm256_setzero_ps();
        let mut i = 0;
        while i + 16 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i + 8)), _mm256_loadu_ps(pb.add(i + 8)), acc1);
            i += 16;
        }
        while i + 8 <= n {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc0);
            i += 8;
        }
        let mut s = hsum(_mm256_add_ps(acc0, acc1));
        while i < n {
            s += *pa.add(i) * *pb.add(i);
            i += 1;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_matches_scalar_on_every_length() {
        // Seeded, deterministic values; lengths cover the 16-, 8- and scalar tails.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        for len in 0..70 {
            let a: Vec<f32> = (0..len).map(|_| next()).collect();
            let b: Vec<f32> = (0..len).map(|_| next()).collect();
            let (l2, l2s) = (l2_squared(&a, &b), l2_squared_scalar(&a, &b));
            let (d, ds) = (dot(&a, &b), dot_scalar(&a, &b));
            assert!((l2 - l2s).abs() <= 1e-4 * (1.0 + l2s.abs()), "len {len}: l2 {l2} vs scalar {l2s}");
            assert!((d - ds).abs() <= 1e-4 * (1.0 + ds.abs()), "len {len}: dot {d} vs scalar {ds}");
        }
    }

    #[test]
    fn prepare_rejects_bad_vectors() {
        use crate::error::ErrorKind as K;
        let e = |r: Result<Vec<f32>>| r.unwrap_err().kind().clone();
        assert!(matches!(e(prepare(Metric::L2, 2, &[1.0])), K::DimensionMismatch { expected: 2, got: 1 }));
        assert!(matches!(e(prepare(Metric::L2, 2, &[1.0, f32::NAN])), K::NonFinite { coordinate: 1, .. }));
        assert!(matches!(e(prepare(Metric::L2, 1, &[f32::INFINITY])), K::NonFinite { coordinate: 0, .. }));
        assert!(matches!(e(prepare(Metric::InnerProduct, 2, &[3e38, 3e38])), K::NonFinite { .. }));
        assert!(matches!(e(prepare(Metric::Cosine, 2, &[0.0, 0.0])), K::ZeroVector { .. }));
        assert!(matches!(e(prepare(Metric::Cosine, 1, &[1e-40])), K::ZeroVector { .. }));
        let v = prepare(Metric::Cosine, 2, &[3.0, 4.0]).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6, "{v:?}");
    }
}
