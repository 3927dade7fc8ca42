//! Level assignment: a pure function of (seed, node id).
//!
//! Paper §4: `l = floor(-ln(unif(0..1)) * mL)`. Here the uniform draw comes
//! from a SplitMix64 hash of (seed, id), so levels do not depend on thread
//! scheduling or a shared RNG (F5), and strategies that insert in a
//! different order still give each node the same level.
//!
//! Invariant: the uniform draw is in `(0, 1]`, never 0, so `-ln(u)` is finite
//! (F10); the result is capped at `cap`.

use crate::ids::{Layer, NodeId};

/// SplitMix64 finaliser: a bijective 64-bit mix.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The uniform draw for `id`: in `(0, 1]`, 53 bits of resolution.
#[inline]
pub fn unit_draw(seed: u64, id: NodeId) -> f64 {
    draw_from_hash(splitmix64(splitmix64(seed) ^ u64::from(id.0)))
}

/// A 64-bit hash to `(0, 1]`: its top 53 bits `k` give `(k + 1) / 2^53`, so
/// hash 0 gives `2^-53` (never 0) and `u64::MAX` gives exactly 1.
#[inline]
fn draw_from_hash(h: u64) -> f64 {
    ((h >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Level from a uniform draw `u` in `(0, 1]`. Total: `u <= 0` or NaN map to
/// `cap` rather than infinity.
#[inline]
pub fn level_from_draw(u: f64, ml: f64, cap: u8) -> Layer {
    let r = -u.ln() * ml;
    if r.is_nan() || r >= f64::from(cap) {
        return Layer(cap);
    }
    Layer(r.max(0.0).floor() as u8)
}

/// The level of node `id` under `seed`, geometric with `P(level >= l) = exp(-l / mL)`.
#[inline]
pub fn level(seed: u64, id: NodeId, ml: f64, cap: u8) -> Layer {
    level_from_draw(unit_draw(seed, id), ml, cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_zero_does_not_overflow() {
        assert_eq!(level_from_draw(0.0, 1.0 / 16f64.ln(), 16), Layer(16));
        assert_eq!(level_from_draw(f64::NAN, 1.0, 5), Layer(5));
        assert_eq!(level_from_draw(1.0, 1.0, 5), Layer(0));
    }

    /// Both ends of the draw's range `(0, 1]`, and one step in from each.
    #[test]
    fn the_draw_is_in_the_half_open_unit_interval_at_both_ends() {
        let ulp = 1.0 / (1u64 << 53) as f64;
        assert_eq!(draw_from_hash(0), ulp, "hash 0 must not draw 0 (-ln 0 is infinite)");
        assert_eq!(draw_from_hash(1 << 11), 2.0 * ulp);
        assert_eq!(draw_from_hash(u64::MAX), 1.0);
        assert_eq!(draw_from_hash(u64::MAX - (1 << 11)), 1.0 - ulp);
        assert_eq!(draw_from_hash((1 << 11) - 1), ulp, "the low 11 bits are dropped");
    }

    #[test]
    fn levels_are_pure() {
        for id in 0..1000 {
            let a = level(7, NodeId(id), 0.5, 16);
            assert_eq!(a, level(7, NodeId(id), 0.5, 16));
        }
    }
}
