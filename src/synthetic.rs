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

    /// The stream is xoshiro256** seeded through SplitMix64 as documented:
    /// the first outputs for two seeds, from an independent implementation
    /// of both (a script written from the published algorithms). Every data
    /// set and report depends on this stream staying the same.
    #[test]
    fn the_stream_is_xoshiro256_starstar_from_splitmix64() {
        for (seed, want) in [
            (0u64, [0x422e_a740_d097_7210u64, 0xe062_b061_b42e_2928, 0x5a07_1fc5_9308_41b6]),
            (42, [0xbe15_272c_df80_b6c2, 0xaf6e_2ee4_9ff5_d0e3, 0xca56_edd0_338a_318f]),
        ] {
            let mut r = Rng::new(seed);
            assert_eq!([r.next_u64(), r.next_u64(), r.next_u64()], want, "seed {seed}");
        }
    }

    /// Mean and variance of `xs` (f64).
    fn moments(xs: impl Iterator<Item = f64>) -> (f64, f64, usize) {
        let v: Vec<f64> = xs.collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
        (mean, var, v.len())
    }

    #[test]
    fn the_draws_have_their_documented_laws() {
        let mut r = Rng::new(5);
        let u: Vec<f64> = (0..100_000).map(|_| r.uniform()).collect();
        assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
        let (mean, var, _) = moments(u.iter().copied());
        assert!((mean - 0.5).abs() < 0.005 && (var - 1.0 / 12.0).abs() < 0.002, "uniform: {mean} {var}");
        // below(n): every value of 0..n, each about as often.
        for n in [1u64, 2, 7, 1000] {
            let mut counts = vec![0usize; n as usize];
            for _ in 0..70_000 {
                counts[r.below(n) as usize] += 1;
            }
            let expected = 70_000.0 / n as f64;
            let worst = counts.iter().map(|&c| (c as f64 - expected).abs() / expected).fold(0.0, f64::max);
            assert!(worst < if n == 1000 { 0.5 } else { 0.05 }, "below({n}): {counts:?}");
        }
        // Tolerances of about 5 standard errors (the draws are fixed by the
        // seed, so this is a check of the law, not a flaky test).
        let (mean, var, _) = moments((0..100_001).map(|_| r.normal()));
        assert!(mean.abs() < 0.016 && (var - 1.0).abs() < 0.025, "normal: {mean} {var}");
        // Box-Muller hands out its pair: the second of two draws is the spare.
        let mut a = Rng::new(9);
        let mut b = a.clone();
        let (z0, z1) = (a.normal(), a.normal());
        let (u1, u2) = (1.0 - b.uniform(), b.uniform());
        let rad = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        assert_eq!((z0, z1), (rad * t.cos(), rad * t.sin()));
        let (mean, var, n) = moments(gaussian(2000, 10, 3).into_iter().map(f64::from));
        assert!(n == 20_000 && mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "gaussian: {mean} {var}");
    }

    #[test]
    fn clustered_points_scatter_around_centres_shared_by_every_stream() {
        let (n, dim, centres, seed) = (3000, 4, 5, 11);
        let c = gaussian(centres, dim, seed);
        let rows = |v: &[f32]| v.chunks(dim).map(|r| r.to_vec()).collect::<Vec<_>>();
        let c = rows(&c);
        // Spread 0: every point is a centre, and every centre is drawn.
        for stream in [0, 1] {
            let pts = rows(&clustered(n, dim, centres, 0.0, seed, stream));
            assert!(pts.iter().all(|p| c.contains(p)), "stream {stream}");
            for (k, centre) in c.iter().enumerate() {
                let share = pts.iter().filter(|p| *p == centre).count() as f64 / n as f64;
                assert!((share - 0.2).abs() < 0.03, "stream {stream}: centre {k} drawn {share}");
            }
        }
        assert_ne!(clustered(n, dim, centres, 0.0, seed, 0), clustered(n, dim, centres, 0.0, seed, 1));
        // The first point is the documented formula: centre k = below(centres)
        // of its stream, plus spread times that stream's normals.
        let mut r = Rng::new(splitmix64(seed ^ 0xC1A5_7E2D) ^ 1);
        let k = r.below(centres as u64) as usize;
        let first: Vec<f32> = c[k].iter().map(|&x| x + 0.5 * r.normal() as f32).collect();
        assert_eq!(clustered(1, dim, centres, 0.5, seed, 1), first);
        // Spread s: offsets from the nearest centre are N(0, s^2) per coordinate.
        let s = 0.01f32;
        let pts = rows(&clustered(n, dim, centres, s, seed, 0));
        let offsets = pts.iter().flat_map(|p| {
            let near = c
                .iter()
                .min_by(|a, b| {
                    let d = |q: &Vec<f32>| q.iter().zip(p).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
                    d(a).total_cmp(&d(b))
                })
                .unwrap();
            near.iter().zip(p).map(|(x, y)| f64::from(y - x)).collect::<Vec<_>>()
        });
        let (mean, var, _) = moments(offsets);
        let want = f64::from(s) * f64::from(s);
        assert!(mean.abs() < 0.001 && (var - want).abs() < 0.05 * want, "offsets: {mean} {var} (want {want})");
    }

    #[test]
    fn lattice_coordinates_cover_the_range_evenly() {
        assert!(lattice(50, 3, 0, 1).iter().all(|&x| x == 0.0));
        let v = lattice(10_000, 3, 2, 7);
        for k in -2..=2 {
            let share = v.iter().filter(|&&x| x == k as f32).count() as f64 / v.len() as f64;
            assert!((share - 0.2).abs() < 0.02, "{k}: {share}");
        }
        assert!(v.iter().all(|&x| (-2.0..=2.0).contains(&x) && x.fract() == 0.0));
        let v = lattice(1000, 2, MAX_LATTICE_RANGE, 7);
        assert!(v.iter().any(|&x| x > 3000.0) && v.iter().any(|&x| x < -3000.0));
    }

    #[test]
    fn duplicates_are_each_gaussian_row_copies_times_shuffled() {
        let (distinct, copies, dim, seed) = (6, 4, 3, 13);
        let base: Vec<Vec<f32>> = gaussian(distinct, dim, seed).chunks(dim).map(|r| r.to_vec()).collect();
        let v: Vec<Vec<f32>> = duplicates(distinct, copies, dim, seed).chunks(dim).map(|r| r.to_vec()).collect();
        assert_eq!(v.len(), distinct * copies);
        for row in &base {
            assert_eq!(v.iter().filter(|r| *r == row).count(), copies);
        }
        let unshuffled: Vec<Vec<f32>> = (0..distinct * copies).map(|i| base[i % distinct].clone()).collect();
        assert_ne!(v, unshuffled, "the copies are shuffled");
        assert_ne!(v[..copies], vec![base[0].clone(); copies][..], "not grouped");
        assert_ne!(duplicates(distinct, copies, dim, seed + 1), duplicates(distinct, copies, dim, seed));
    }

    /// The shuffle is uniform: over 2,400 seeds, each of 4 distinct rows
    /// (one copy each) lands in each position about a quarter of the time
    /// (600 expected, sd 21; the band is about 5 sd). A shuffle that never
    /// leaves a row in place (Sattolo's cycles), or never draws the last
    /// position's own row, fails it.
    #[test]
    fn the_duplicates_shuffle_is_uniform_over_positions() {
        let (n, seeds) = (4, 2400u64);
        let mut counts = [[0u32; 4]; 4];
        for seed in 0..seeds {
            let base = gaussian(n, 1, seed);
            for (pos, x) in duplicates(n, 1, 1, seed).iter().enumerate() {
                let row = base.iter().position(|b| b == x).expect("a row of the base");
                counts[pos][row] += 1;
            }
        }
        for (pos, by_row) in counts.iter().enumerate() {
            for (row, &c) in by_row.iter().enumerate() {
                assert!((500..=700).contains(&c), "row {row} at position {pos}: {c} of {seeds} ({counts:?})");
            }
        }
    }

    /// The shuffle takes the whole seed: seeds that differ in any one bit
    /// give different orders of the copies (compared as the sequence of
    /// which distinct row each copy is, so only the order counts, not the
    /// Gaussian values the seed also draws).
    #[test]
    fn every_seed_bit_moves_the_duplicates_shuffle() {
        let (distinct, copies, dim) = (5, 6, 2);
        let pattern = |seed: u64| {
            let v = duplicates(distinct, copies, dim, seed);
            let rows: Vec<&[f32]> = v.chunks(dim).collect();
            let mut firsts: Vec<&[f32]> = Vec::new();
            let mut out = Vec::new();
            for r in rows {
                let k = firsts.iter().position(|f| *f == r).unwrap_or_else(|| {
                    firsts.push(r);
                    firsts.len() - 1
                });
                out.push(k);
            }
            out
        };
        let seed = 0x5EED;
        let base = pattern(seed);
        for bit in 0..64 {
            assert_ne!(pattern(seed ^ 1 << bit), base, "seed bit {bit} does not move the shuffle");
        }
    }
}
