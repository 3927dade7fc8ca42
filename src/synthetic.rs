//! Deterministic synthetic data, shared by tests, the CLI and the benches.
//!
//! Every generator is a pure function of its arguments and seed (xoshiro256**
//! seeded through SplitMix64, Box-Muller normals), so a data set can be
//! regenerated anywhere without files.
//!
//! Each generator has a checked form (`try_*`) that validates its parameters
//! and sizes (checked arithmetic, `try_reserve`) and returns a typed error;
//! the plain form is for fixed, known-good parameters in tests and benches and
//! panics where the checked one errs. Callers holding user input use `try_*`.

use crate::error::{checked_product, try_vec, Error, Result};
use crate::index::MAX_DIM;
use crate::level::splitmix64;

/// xoshiro256** with a SplitMix64 seeding: small, fast, reproducible.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
    spare: Option<f64>,
}

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut s = [0u64; 4];
        for w in &mut s {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            *w = splitmix64(x);
        }
        Rng { s, spare: None }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let r = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        r
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }
}

/// Floats for `n` rows of `dim`, validated: `dim` in `1..=MAX_DIM` (the
/// index's limit), `n x dim` fits, and the allocator grants it.
fn rows_buffer(what: &'static str, n: usize, dim: usize) -> Result<Vec<f32>> {
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::invalid("dim", dim, "must be in 1..=65536"));
    }
    try_vec(what, checked_product(what, n, dim)?)
}

/// `n` points of `dim` i.i.d. standard normal coordinates, back to back.
pub fn try_gaussian(n: usize, dim: usize, seed: u64) -> Result<Vec<f32>> {
    let mut out = rows_buffer("gaussian (n x dim)", n, dim)?;
    let mut r = Rng::new(seed);
    out.extend((0..n * dim).map(|_| r.normal() as f32));
    Ok(out)
}

/// [`try_gaussian`] for known-good parameters.
///
/// # Panics
/// Where [`try_gaussian`] errs.
pub fn gaussian(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    try_gaussian(n, dim, seed).unwrap_or_else(|e| panic!("synthetic::gaussian: {e}"))
}

/// `n` points around `centres` Gaussian centres: point = centre + `spread` x N(0, I).
/// Centres depend only on (`centres`, `dim`, `seed`), so base and query sets
/// drawn with different `stream`s share them. Needs `centres >= 1` and a
/// finite `spread >= 0`.
pub fn try_clustered(n: usize, dim: usize, centres: usize, spread: f32, seed: u64, stream: u64) -> Result<Vec<f32>> {
    if centres == 0 {
        return Err(Error::invalid("centres", centres, "must be at least 1"));
    }
    if !(spread.is_finite() && spread >= 0.0) {
        return Err(Error::invalid("spread", spread, "must be finite and >= 0"));
    }
    let mut out = rows_buffer("clustered (n x dim)", n, dim)?;
    let c = try_gaussian(centres, dim, seed)?;
    let mut r = Rng::new(splitmix64(seed ^ 0xC1A5_7E2D) ^ stream);
    for _ in 0..n {
        let k = r.below(centres as u64) as usize;
        let centre = &c[k * dim..(k + 1) * dim];
        out.extend(centre.iter().map(|&x| x + spread * r.normal() as f32));
    }
    Ok(out)
}

/// [`try_clustered`] for known-good parameters.
///
/// # Panics
/// Where [`try_clustered`] errs.
pub fn clustered(n: usize, dim: usize, centres: usize, spread: f32, seed: u64, stream: u64) -> Vec<f32> {
    try_clustered(n, dim, centres, spread, seed, stream).unwrap_or_else(|e| panic!("synthetic::clustered: {e}"))
}

/// Largest lattice `range`: every coordinate, and the L2 distance between
/// two points of a 65536-d lattice, stay exact in f32 (2^24).
pub const MAX_LATTICE_RANGE: i32 = 1 << 12;

/// Integer-lattice points with coordinates in `-range..=range`: ties and
/// duplicates abound. Needs `0 <= range <= MAX_LATTICE_RANGE`.
pub fn try_lattice(n: usize, dim: usize, range: i32, seed: u64) -> Result<Vec<f32>> {
    if !(0..=MAX_LATTICE_RANGE).contains(&range) {
        return Err(Error::invalid("range", range, "must be in 0..=4096 (synthetic::MAX_LATTICE_RANGE)"));
    }
    let mut out = rows_buffer("lattice (n x dim)", n, dim)?;
    let mut r = Rng::new(seed);
    let width = (2 * range + 1) as u64;
    out.extend((0..n * dim).map(|_| (r.below(width) as i32 - range) as f32));
    Ok(out)
}

/// [`try_lattice`] for known-good parameters.
///
/// # Panics
/// Where [`try_lattice`] errs.
pub fn lattice(n: usize, dim: usize, range: i32, seed: u64) -> Vec<f32> {
    try_lattice(n, dim, range, seed).unwrap_or_else(|e| panic!("synthetic::lattice: {e}"))
}

/// `copies` copies each of `distinct` Gaussian vectors, in a seeded shuffled
/// order. Needs `copies >= 1`.
pub fn try_duplicates(distinct: usize, copies: usize, dim: usize, seed: u64) -> Result<Vec<f32>> {
    if copies == 0 {
        return Err(Error::invalid("copies", copies, "must be at least 1"));
    }
    let rows = checked_product("duplicates (distinct x copies)", distinct, copies)?;
    let mut out = rows_buffer("duplicates (distinct x copies x dim)", rows, dim)?;
    let base = try_gaussian(distinct, dim, seed)?;
    let mut order: Vec<usize> = try_vec("duplicates order", rows)?;
    order.extend((0..rows).map(|i| i % distinct));
    let mut r = Rng::new(seed ^ 0x00D0_B1E5);
    for i in (1..order.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    out.extend(order.iter().flat_map(|&k| base[k * dim..(k + 1) * dim].iter().copied()));
    Ok(out)
}

/// [`try_duplicates`] for known-good parameters.
///
/// # Panics
/// Where [`try_duplicates`] errs.
pub fn duplicates(distinct: usize, copies: usize, dim: usize, seed: u64) -> Vec<f32> {
    try_duplicates(distinct, copies, dim, seed).unwrap_or_else(|e| panic!("synthetic::duplicates: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// The parameter an error names, or the size class it reports.
    fn named(e: &Error) -> String {
        match e.kind() {
            ErrorKind::InvalidParam { name, .. } => (*name).to_string(),
            ErrorKind::TooLarge { .. } => "too large".into(),
            ErrorKind::AllocationFailed { .. } => "allocation".into(),
            other => panic!("unexpected error kind {other:?}"),
        }
    }

    #[test]
    fn generators_validate_every_parameter() {
        let sizes = [0usize, 1, 3, usize::MAX / 2, usize::MAX];
        let dims = [0usize, 1, 4, MAX_DIM + 1, usize::MAX];
        for &n in &sizes {
            for &dim in &dims {
                let seed = (n ^ dim) as u64;
                // Only small, non-zero dims with small n are valid; everything
                // else is a typed error naming `dim` or the size, never an abort.
                let ok = (1..=4).contains(&dim) && n <= 3;
                for (what, got) in [
                    ("gaussian", try_gaussian(n, dim, seed)),
                    ("clustered", try_clustered(n, dim, 2, 0.5, seed, 1)),
                    ("lattice", try_lattice(n, dim, 2, seed)),
                ] {
                    match got {
                        Ok(v) => {
                            assert!(ok, "{what}({n}, {dim}) accepted");
                            assert_eq!(v.len(), n * dim, "{what}({n}, {dim})");
                            assert!(v.iter().all(|x| x.is_finite()), "{what}({n}, {dim}): {v:?}");
                        }
                        Err(e) => {
                            assert!(!ok, "{what}({n}, {dim}) rejected: {e}");
                            let got = named(&e);
                            if dim == 0 || dim > MAX_DIM {
                                assert_eq!(got, "dim", "{what}({n}, {dim}): {e}");
                            } else {
                                assert!(got == "too large" || got == "allocation", "{what}({n}, {dim}): {e}");
                            }
                        }
                    }
                }
            }
        }
        for range in [i32::MIN, -5, -1, MAX_LATTICE_RANGE + 1, i32::MAX] {
            let e = try_lattice(4, 2, range, 1).unwrap_err();
            assert_eq!(named(&e), "range", "range {range}: {e}");
        }
        for range in [0, 1, MAX_LATTICE_RANGE] {
            let v = try_lattice(50, 2, range, 1).unwrap();
            assert!(v.iter().all(|&x| x.abs() <= range as f32 && x.fract() == 0.0), "range {range}: {v:?}");
        }
        for spread in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.5, -f32::MIN_POSITIVE] {
            let e = try_clustered(4, 2, 3, spread, 1, 0).unwrap_err();
            assert_eq!(named(&e), "spread", "spread {spread}: {e}");
        }
        assert_eq!(named(&try_clustered(4, 2, 0, 0.5, 1, 0).unwrap_err()), "centres");
        for (distinct, copies, dim, want) in [
            (5, 0, 2, "copies"),
            (0, 0, 2, "copies"),
            (5, 1, 0, "dim"),
            (usize::MAX, 2, 1, "too large"),
            (usize::MAX / 4, 2, 4, "too large"),
        ] {
            let e = try_duplicates(distinct, copies, dim, 3).unwrap_err();
            assert_eq!(named(&e), want, "duplicates({distinct}, {copies}, {dim}): {e}");
        }
        for (distinct, copies) in [(0, 3), (1, 1), (4, 3), (7, 1)] {
            let v = try_duplicates(distinct, copies, 3, 9).unwrap();
            assert_eq!(v.len(), distinct * copies * 3, "duplicates({distinct}, {copies})");
        }
    }

    #[test]
    fn plain_forms_equal_the_checked_ones() {
        for seed in 0..20u64 {
            assert_eq!(gaussian(7, 3, seed), try_gaussian(7, 3, seed).unwrap(), "seed {seed}");
            assert_eq!(clustered(7, 3, 2, 0.3, seed, 1), try_clustered(7, 3, 2, 0.3, seed, 1).unwrap());
            assert_eq!(lattice(7, 3, 2, seed), try_lattice(7, 3, 2, seed).unwrap(), "seed {seed}");
            assert_eq!(duplicates(3, 4, 2, seed), try_duplicates(3, 4, 2, seed).unwrap(), "seed {seed}");
        }
    }
}
