//! Distances: squared L2, inner product and cosine, with a scalar reference
//! kernel and AVX2+FMA and AVX-512 kernels chosen at run time.
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
    ///
    /// # Panics
    /// When `a.len() != b.len()`, with every kernel alike (the answer never
    /// depends on the CPU); [`Metric::try_distance`] returns an error instead.
    #[inline]
    pub fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        self.kernel()(a, b)
    }

    /// [`Metric::distance`] for slices of unchecked lengths:
    /// [`ErrorKind::DimensionMismatch`] (`expected` = `a.len()`) when they differ.
    pub fn try_distance(self, a: &[f32], b: &[f32]) -> Result<f32> {
        if a.len() != b.len() {
            return Err(ErrorKind::DimensionMismatch { expected: a.len(), got: b.len() }.into());
        }
        Ok(self.distance(a, b))
    }

    /// This metric's distance with the kernel chosen once, for hot loops:
    /// `self.kernel()(a, b) == self.distance(a, b)` for every pair.
    pub fn kernel(self) -> DistanceFn {
        let k = best_kernel();
        match self {
            Metric::L2 => k.l2,
            Metric::InnerProduct => k.ip,
            Metric::Cosine => k.cosine,
        }
    }
}

/// A distance between two vectors of equal length; every kernel panics alike
/// (through one length check) when the lengths differ.
pub type DistanceFn = fn(&[f32], &[f32]) -> f32;

/// One implementation of the distance primitives (scalar, AVX2+FMA, AVX-512).
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// Name for benchmarks and reports: `scalar`, `avx2`, `avx512`.
    pub name: &'static str,
    /// Squared L2.
    pub l2: DistanceFn,
    /// Dot product.
    pub dot: DistanceFn,
    /// `1 - dot` ([`Metric::InnerProduct`]).
    pub ip: DistanceFn,
    /// `clamp(1 - dot, 0, 2)` ([`Metric::Cosine`]).
    pub cosine: DistanceFn,
}

/// Wraps the dot of a kernel into the inner-product and cosine distances.
macro_rules! kernel {
    ($name:expr, $l2:path, $dot:path) => {{
        fn ip(a: &[f32], b: &[f32]) -> f32 {
            1.0 - $dot(a, b)
        }
        fn cosine(a: &[f32], b: &[f32]) -> f32 {
            (1.0 - $dot(a, b)).clamp(0.0, 2.0)
        }
        Kernel { name: $name, l2: $l2, dot: $dot, ip, cosine }
    }};
}

/// Every kernel this CPU can run, slowest first; the scalar one is always there.
/// Tests compare each against the scalar reference; benchmarks time each.
pub fn kernels() -> Vec<Kernel> {
    let mut out = vec![kernel!("scalar", l2_squared_scalar, dot_scalar)];
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() {
            out.push(kernel!("avx2", simd::l2_avx2_checked, simd::dot_avx2_checked));
        }
        if has_avx512() {
            out.push(kernel!("avx512", simd::l2_avx512_checked, simd::dot_avx512_checked));
        }
    }
    out
}

/// The kernel every distance uses, chosen once per process: the fastest this
/// CPU runs, or the one named by the environment variable `HNSWLAB_KERNEL`
/// (`scalar`, `avx2`, `avx512`) when this CPU has it, to measure one against another.
pub fn best_kernel() -> Kernel {
    static BEST: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
    *BEST.get_or_init(|| {
        let all = kernels();
        let wanted = std::env::var("HNSWLAB_KERNEL").ok();
        let named = wanted.and_then(|w| all.iter().find(|k| k.name == w).copied());
        named.unwrap_or_else(|| *all.last().expect("the scalar kernel is always present"))
    })
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn has_avx2() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn has_avx512() -> bool {
    is_x86_feature_detected!("avx512f")
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

/// Largest accepted squared norm: a quarter of f32::MAX, so that L2 between
/// two such vectors (at most `4 x` it) stays finite.
pub const MAX_NORM2: f64 = f32::MAX as f64 / 4.0;

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
    if norm2 > MAX_NORM2 {
        return Err(ErrorKind::NormTooLarge { norm2, max: MAX_NORM2 }.into());
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

/// Squared L2 distance with [`best_kernel`]. Every distance in the crate goes
/// through the same kernel, so a pair gets the same value on every path.
#[inline]
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    (best_kernel().l2)(a, b)
}

/// Dot product with [`best_kernel`].
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    (best_kernel().dot)(a, b)
}

/// The one length check every kernel makes before it reads a float, so slices
/// of different lengths panic the same way on every CPU instead of one kernel
/// indexing out of bounds and another silently using the shorter length.
#[inline(always)]
pub(crate) fn same_len(a: &[f32], b: &[f32]) {
    if a.len() != b.len() {
        length_mismatch(a.len(), b.len());
    }
}

#[cold]
#[inline(never)]
fn length_mismatch(a: usize, b: usize) -> ! {
    panic!("distance between vectors of different lengths ({a} and {b}); use Metric::try_distance")
}

/// Reference squared L2: the obviously-correct loop the SIMD kernel is tested against.
pub fn l2_squared_scalar(a: &[f32], b: &[f32]) -> f32 {
    same_len(a, b);
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
    same_len(a, b);
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

    /// # Safety
    /// The CPU must support avx512f; `a.len() == b.len()`.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn l2_avx512(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc0 = _mm512_setzero_ps();
        let mut acc1 = _mm512_setzero_ps();
        let mut i = 0;
        while i + 32 <= n {
            let d0 = _mm512_sub_ps(_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
            let d1 = _mm512_sub_ps(_mm512_loadu_ps(pa.add(i + 16)), _mm512_loadu_ps(pb.add(i + 16)));
            acc0 = _mm512_fmadd_ps(d0, d0, acc0);
            acc1 = _mm512_fmadd_ps(d1, d1, acc1);
            i += 32;
        }
        if i + 16 <= n {
            let d = _mm512_sub_ps(_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)));
            acc0 = _mm512_fmadd_ps(d, d, acc0);
            i += 16;
        }
        if i < n {
            // Masked loads read only the `n - i < 16` remaining lanes; the others are zero.
            let mask: __mmask16 = (1u32 << (n - i)) as u16 - 1;
            let d = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, pa.add(i)), _mm512_maskz_loadu_ps(mask, pb.add(i)));
            acc1 = _mm512_fmadd_ps(d, d, acc1);
        }
        _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1))
    }

    /// # Safety
    /// The CPU must support avx512f; `a.len() == b.len()`.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
        let n = a.len().min(b.len());
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let mut acc0 = _mm512_setzero_ps();
        let mut acc1 = _mm512_setzero_ps();
        let mut i = 0;
        while i + 32 <= n {
            acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)), acc0);
            acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(pa.add(i + 16)), _mm512_loadu_ps(pb.add(i + 16)), acc1);
            i += 32;
        }
        if i + 16 <= n {
            acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(pa.add(i)), _mm512_loadu_ps(pb.add(i)), acc0);
            i += 16;
        }
        if i < n {
            let mask: __mmask16 = (1u32 << (n - i)) as u16 - 1;
            acc1 =
                _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, pa.add(i)), _mm512_maskz_loadu_ps(mask, pb.add(i)), acc1);
        }
        _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1))
    }

    // Safe entry points for `Kernel`: `kernels()` hands them out only after
    // detecting the CPU feature, and they are not reachable any other way.
    pub(super) fn l2_avx2_checked(a: &[f32], b: &[f32]) -> f32 {
        super::same_len(a, b);
        // SAFETY: only reachable through `kernels()`, which checked avx2 and fma.
        unsafe { l2_avx2(a, b) }
    }
    pub(super) fn dot_avx2_checked(a: &[f32], b: &[f32]) -> f32 {
        super::same_len(a, b);
        // SAFETY: as above.
        unsafe { dot_avx2(a, b) }
    }
    pub(super) fn l2_avx512_checked(a: &[f32], b: &[f32]) -> f32 {
        super::same_len(a, b);
        // SAFETY: only reachable through `kernels()`, which checked avx512f.
        unsafe { l2_avx512(a, b) }
    }
    pub(super) fn dot_avx512_checked(a: &[f32], b: &[f32]) -> f32 {
        super::same_len(a, b);
        // SAFETY: as above.
        unsafe { dot_avx512(a, b) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_matches_scalar_on_every_length() {
        // Seeded, deterministic values; lengths cover every 32-, 16-, 8-lane and masked/scalar tail.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        let all = kernels();
        eprintln!("kernels on this CPU: {:?}", all.iter().map(|k| k.name).collect::<Vec<_>>());
        for len in 0..140 {
            let a: Vec<f32> = (0..len).map(|_| next()).collect();
            let b: Vec<f32> = (0..len).map(|_| next()).collect();
            let (l2s, ds) = (l2_squared_scalar(&a, &b), dot_scalar(&a, &b));
            for k in &all {
                let (l2, d) = ((k.l2)(&a, &b), (k.dot)(&a, &b));
                let name = k.name;
                assert!((l2 - l2s).abs() <= 1e-4 * (1.0 + l2s.abs()), "{name} len {len}: l2 {l2} vs scalar {l2s}");
                assert!((d - ds).abs() <= 1e-4 * (1.0 + ds.abs()), "{name} len {len}: dot {d} vs scalar {ds}");
                assert_eq!((k.ip)(&a, &b), 1.0 - d, "{name} len {len}: ip");
                assert_eq!((k.cosine)(&a, &b), (1.0 - d).clamp(0.0, 2.0), "{name} len {len}: cosine");
            }
            // The dispatched entry points use the best kernel, bit for bit.
            let best = best_kernel();
            assert_eq!(l2_squared(&a, &b).to_bits(), (best.l2)(&a, &b).to_bits());
            assert_eq!(Metric::L2.distance(&a, &b).to_bits(), (best.l2)(&a, &b).to_bits());
        }
    }

    #[test]
    fn every_kernel_rejects_slices_of_different_lengths_alike() {
        // Every (la, lb) pair up to 40 floats: try_distance is a typed error
        // naming both lengths, and every kernel on this CPU panics (none
        // silently truncates to the shorter length).
        let all = kernels();
        for la in 0..40usize {
            for lb in 0..40usize {
                let a = vec![0.5f32; la];
                let b = vec![0.25f32; lb];
                for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                    let got = metric.try_distance(&a, &b);
                    if la == lb {
                        assert_eq!(got.unwrap().to_bits(), metric.distance(&a, &b).to_bits(), "{metric:?} {la}");
                    } else {
                        let kind = got.unwrap_err().kind().clone();
                        assert_eq!(kind, ErrorKind::DimensionMismatch { expected: la, got: lb }, "{metric:?}");
                    }
                }
                if la == lb {
                    continue;
                }
                for k in &all {
                    for (what, f) in [("l2", k.l2), ("dot", k.dot), ("ip", k.ip), ("cosine", k.cosine)] {
                        let r = std::panic::catch_unwind(|| f(&a, &b));
                        assert!(r.is_err(), "{} {what} on lengths {la} and {lb} returned {:?}", k.name, r.ok());
                    }
                }
            }
        }
    }

    #[test]
    fn prepare_rejects_bad_vectors() {
        use crate::error::ErrorKind as K;
        let e = |r: Result<Vec<f32>>| r.unwrap_err().kind().clone();
        assert!(matches!(e(prepare(Metric::L2, 2, &[1.0])), K::DimensionMismatch { expected: 2, got: 1 }));
        assert!(matches!(e(prepare(Metric::L2, 2, &[1.0, f32::NAN])), K::NonFinite { coordinate: 1, .. }));
        assert!(matches!(e(prepare(Metric::L2, 1, &[f32::INFINITY])), K::NonFinite { coordinate: 0, .. }));
        assert!(matches!(e(prepare(Metric::InnerProduct, 2, &[3e38, 3e38])), K::NormTooLarge { .. }));
        assert!(matches!(e(prepare(Metric::Cosine, 2, &[0.0, 0.0])), K::ZeroVector { .. }));
        assert!(matches!(e(prepare(Metric::Cosine, 1, &[1e-40])), K::ZeroVector { .. }));
        let v = prepare(Metric::Cosine, 2, &[3.0, 4.0]).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6, "{v:?}");
    }

    /// `kernels()` offers every kernel this CPU runs (so the tests above
    /// compare each, and the best is the fastest), and the metric's name
    /// parses back.
    #[test]
    fn every_kernel_this_cpu_runs_is_offered_and_the_last_is_the_best() {
        let names: Vec<&str> = kernels().iter().map(|k| k.name).collect();
        let mut want = vec!["scalar"];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                want.push("avx2");
            }
            if is_x86_feature_detected!("avx512f") {
                want.push("avx512");
            }
        }
        assert_eq!(names, want);
        match std::env::var("HNSWLAB_KERNEL") {
            Ok(k) if names.contains(&k.as_str()) => assert_eq!(best_kernel().name, k),
            _ => assert_eq!(best_kernel().name, *want.last().unwrap()),
        }
        for m in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
            assert_eq!(m.name().parse::<Metric>(), Ok(m));
        }
        assert!("L2".parse::<Metric>().unwrap_err().contains("unknown metric `L2`"));
    }
}
