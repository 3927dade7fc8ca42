//! Deterministic synthetic data, shared by tests, the CLI and the benches.
//!
//! Every generator is a pure function of its arguments and seed (xoshiro256**
//! seeded through SplitMix64, Box-Muller normals), so a data set can be
//! regenerated anywhere without files.

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

/// `n` points of `dim` i.i.d. standard normal coordinates, back to back.
pub fn gaussian(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n * dim).map(|_| r.normal() as f32).collect()
}

/// `n` points around `centres` Gaussian centres: point = centre + `spread` x N(0, I).
/// Centres depend only on (`centres`, `dim`, `seed`), so base and query sets
/// drawn with different `stream`s share them.
pub fn clustered(n: usize, dim: usize, centres: usize, spread: f32, seed: u64, stream: u64) -> Vec<f32> {
    let c = gaussian(centres.max(1), dim, seed);
    let mut r = Rng::new(splitmix64(seed ^ 0xC1A5_7E2D) ^ stream);
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let k = r.below(centres.max(1) as u64) as usize;
        let centre = &c[k * dim..(k + 1) * dim];
        out.extend(centre.iter().map(|&x| x + spread * r.normal() as f32));
    }
    out
}

/// Integer-lattice points with coordinates in `-range..=range`: ties and duplicates abound.
pub fn lattice(n: usize, dim: usize, range: i32, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    let width = (2 * range + 1) as u64;
    (0..n * dim).map(|_| (r.below(width) as i32 - range) as f32).collect()
}

/// `copies` copies each of `distinct` Gaussian vectors, in a seeded shuffled order.
pub fn duplicates(distinct: usize, copies: usize, dim: usize, seed: u64) -> Vec<f32> {
    let base = gaussian(distinct, dim, seed);
    let mut order: Vec<usize> = (0..distinct * copies).map(|i| i % distinct.max(1)).collect();
    let mut r = Rng::new(seed ^ 0x00D0_B1E5);
    for i in (1..order.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order.iter().flat_map(|&k| base[k * dim..(k + 1) * dim].iter().copied()).collect()
}
