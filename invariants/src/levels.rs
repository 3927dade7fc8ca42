//! I7 levels: the level histogram fits the paper's law.
//!
//! Levels are `floor(-ln(u) mL)` capped at `cap`, so for `1 <= l <= cap`,
//! `P(level >= l) = p_l = exp(-l / mL)` (levels at or above the cap are lumped
//! into the cap). Runs when `level_law = Some((mL, cap))` and
//! `n >= level_law_min_nodes`. Every node with `level > cap` is reported
//! ([`Violation::LevelAboveCap`]). Then for each `l` in `1..=cap`, with `c_l`
//! the number of nodes of level `>= l` (a Binomial(n, p_l) count when levels
//! are independent draws), the test statistic is
//!
//! `G_l = n KL(c_l / n || p_l) = c ln(c / (n p)) + (n - c) ln((n - c) / (n (1 - p)))`
//!
//! and the check fails when `G_l > ln(1e9)` ([`THRESHOLD`]). By the Chernoff
//! bound `P(Binomial(n, p) >= c) <= exp(-n KL(c/n || p))` for `c >= np` (and
//! the mirror bound below `np`), so each level falsely fails with
//! probability `< 2e-9` for any `n` and `p` (no normal approximation, valid
//! for small expected counts), and a whole check with `cap <= 32` levels
//! falsely fails with probability `< 7e-8`.
//!
//! Power (by the same formula): with `n = 1000`, `mL = 1/ln 16`, "every level
//! is 0" gives `G_1 = n ln(16/15) = 64.5`; "mL twice too large" gives
//! `c_1 ~ n/4` against `p_1 = 1/16`. "Levels capped at 1" leaves
//! `c_2 = 0` against `n p_2 = n/256`, so `G_2 ~ n/256` needs `n > ~5300` at
//! m = 16 (`n > ~330` at `mL = 1/ln 4`): with fewer nodes a cap at 1 is not
//! distinguishable from chance and the check rightly passes.

use hnswlab::NodeId;

use crate::layout::Layout;
use crate::violation::{Collector, Violation};

/// `ln(1e9)`: fail a level when `G_l` exceeds it.
pub const THRESHOLD: f64 = 20.723_265_836_946_41;

/// `n KL(c/n || p)` for a count `c` of `n` against probability
/// `p = exp(-log_p_neg)`, i.e. `ln p = -log_p_neg` (passed as a log so that
/// tiny `p` does not underflow).
pub(crate) fn statistic(c: usize, n: usize, log_p_neg: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (c, n) = (c as f64, n as f64);
    let ln_p = -log_p_neg;
    // ln(1 - p) without cancellation: 1 - exp(-x) = -expm1(-x).
    let ln_q = (-(-log_p_neg).exp_m1()).ln();
    let term = |count: f64, ln_prob: f64| {
        if count == 0.0 {
            0.0
        } else {
            count * (count.ln() - n.ln() - ln_prob)
        }
    };
    term(c, ln_p) + term(n - c, ln_q)
}

/// Check I7 against `(ml, cap)`. Returns a reason if the check cannot run.
pub(crate) fn check(layout: &Layout, ml: f64, cap: u8, out: &mut Collector) -> Result<(), String> {
    if !(ml.is_finite() && ml > 0.0) {
        return Err(format!("I7: mL = {ml} is not a positive finite number"));
    }
    for (i, &level) in layout.levels.iter().enumerate() {
        if level.0 > cap {
            out.push(Violation::LevelAboveCap { node: NodeId(i as u32), level, cap });
        }
    }
    let n = layout.n;
    // at_least[l] = nodes with level >= l.
    let mut at_least = vec![0usize; layout.histogram.len() + 1];
    for l in (0..layout.histogram.len()).rev() {
        at_least[l] = at_least[l + 1] + layout.histogram[l];
    }
    for l in 1..=cap {
        let observed = at_least.get(usize::from(l)).copied().unwrap_or(0);
        let x = f64::from(l) / ml;
        let g = statistic(observed, n, x);
        if g > THRESHOLD {
            out.push(Violation::LevelLaw { level: l, observed, expected: n as f64 * (-x).exp(), n, ml, statistic: g });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use hnswlab::level::level;
    use hnswlab::{Layer, NodeId};

    use super::{statistic, THRESHOLD};
    use crate::testutil::{assert_kinds, assert_pass, fabricate};
    use crate::violation::Violation;
    use crate::{check_all, Expectations};

    fn ml(m: f64) -> f64 {
        1.0 / m.ln()
    }

    /// Expectations that run only I7 (and the cheap structural checks).
    fn expect(ml: f64, cap: u8) -> Expectations {
        Expectations {
            symmetric: false,
            ef_construction: 1,
            strict_findability: false,
            require_reachable: false,
            exact_queries: 0,
            exact_max_nodes: 0,
            level_law: Some((ml, cap)),
            level_law_min_nodes: 1000,
            inserted: None,
        }
    }

    fn drawn(seed: u64, n: usize, ml: f64, cap: u8) -> Vec<Layer> {
        (0..n as u32).map(|i| level(seed, NodeId(i), ml, cap)).collect()
    }

    /// Exact binomial tail `P(X >= c)` / `P(X <= c)` for small n, in f64.
    fn binomial_pmf(n: usize, p: f64) -> Vec<f64> {
        let mut pmf = vec![0.0; n + 1];
        let mut ln_choose = 0.0f64;
        for (k, x) in pmf.iter_mut().enumerate() {
            if k > 0 {
                ln_choose += ((n - k + 1) as f64).ln() - (k as f64).ln();
            }
            *x = (ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp();
        }
        pmf
    }

    #[test]
    fn statistic_bounds_the_exact_binomial_tails() {
        // The documented false-positive rate rests on P(tail beyond c) <= exp(-G(c)).
        for (n, p) in [(50usize, 0.3f64), (200, 0.02), (1000, 1.0 / 16.0), (40, 0.9)] {
            let pmf = binomial_pmf(n, p);
            let mean = n as f64 * p;
            let x = -p.ln();
            for c in 0..=n {
                let tail: f64 = if c as f64 >= mean { pmf[c..].iter().sum() } else { pmf[..=c].iter().sum() };
                let bound = (-statistic(c, n, x)).exp();
                assert!(
                    tail <= bound * (1.0 + 1e-9) + 1e-300,
                    "n {n} p {p} c {c}: tail {tail} > Chernoff bound {bound}"
                );
            }
            let at_mean = statistic(mean.round() as usize, n, x);
            assert!(at_mean < 1.0, "G at the mean is small, got {at_mean}");
        }
    }

    #[test]
    fn levels_drawn_from_the_law_pass() {
        for (m, n, cap) in [(16.0, 1000, 16), (16.0, 100_000, 16), (4.0, 2000, 16), (2.0, 50_000, 5)] {
            for seed in 0..20u64 {
                println!("level law pass: m {m} n {n} cap {cap} seed {seed}");
                let s = fabricate(&drawn(seed, n, ml(m), cap));
                let h = assert_pass(check_all(&s, &expect(ml(m), cap)), &format!("m {m} n {n} seed {seed}"));
                assert!(!h.skipped.iter().any(|r| r.starts_with("I7")), "I7 must have run: {:?}", h.skipped);
            }
        }
    }

    #[test]
    fn all_levels_zero_is_caught() {
        let n = 1000;
        let s = fabricate(&vec![Layer(0); n]);
        let v = assert_kinds(check_all(&s, &expect(ml(16.0), 16)), &["LevelLaw"]);
        match &v.0[0] {
            Violation::LevelLaw { level, observed, expected, statistic, .. } => {
                assert_eq!((*level, *observed), (1, 0));
                assert!((expected - 62.5).abs() < 1e-6, "expected {expected}");
                assert!(*statistic > THRESHOLD);
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn ml_twice_too_large_is_caught() {
        for seed in [1u64, 2, 3] {
            println!("mL doubled, seed {seed}");
            let s = fabricate(&drawn(seed, 1000, 2.0 * ml(16.0), 16));
            assert_kinds(check_all(&s, &expect(ml(16.0), 16)), &["LevelLaw"]);
        }
    }

    #[test]
    fn levels_capped_at_one_are_caught() {
        // n p_2 must be well above ln(1e9): n/256 at m = 16, n/16 at m = 4.
        for (m, n) in [(16.0, 20_000), (4.0, 1000)] {
            for seed in [1u64, 2, 3] {
                println!("capped at 1: m {m} n {n} seed {seed}");
                let s = fabricate(&drawn(seed, n, ml(m), 1));
                let v = assert_kinds(check_all(&s, &expect(ml(m), 16)), &["LevelLaw"]);
                assert!(v.0.iter().any(|x| matches!(x, Violation::LevelLaw { level: 2, observed: 0, .. })), "{v}");
            }
        }
    }

    #[test]
    fn level_above_cap_is_reported() {
        let seed = 5;
        let mut levels = drawn(seed, 2000, ml(16.0), 3);
        levels[17] = Layer(4);
        let s = fabricate(&levels);
        let v = assert_kinds(check_all(&s, &expect(ml(16.0), 3)), &["LevelAboveCap"]);
        assert_eq!(v.0[0], Violation::LevelAboveCap { node: NodeId(17), level: Layer(4), cap: 3 });
    }

    /// Levels drawn as the build draws them: with the params' own mL.
    fn drawn_by(params: &hnswlab::Params, seed: u64, n: usize) -> Vec<Layer> {
        drawn(seed, n, params.ml(), params.level_cap())
    }

    /// The oracle is the paper's formula, not the params: a params object
    /// whose mL is off (here the mL of M = 8 under M = 16, as a wrong default
    /// formula would give) fails I7 under `Expectations::for_params`, while
    /// the documented default passes.
    #[test]
    fn a_params_ml_off_the_documented_formula_is_caught() {
        let good = hnswlab::Params::builder().m(16).build().unwrap();
        let off = hnswlab::Params::builder().m(16).ml(crate::documented_ml(8)).build().unwrap();
        for seed in [1u64, 2, 3] {
            println!("params mL vs documented formula, seed {seed}");
            let only_i7 = |p: &hnswlab::Params| Expectations { exact_queries: 0, ..Expectations::for_params(p) };
            let s = fabricate(&drawn_by(&good, seed, 5000));
            assert_pass(check_all(&s, &only_i7(&good)), "default mL");
            let s = fabricate(&drawn_by(&off, seed, 5000));
            assert_kinds(check_all(&s, &only_i7(&off)), &["LevelLaw"]);
        }
    }

    #[test]
    fn small_graphs_skip_the_law() {
        let s = fabricate(&vec![Layer(0); 999]);
        let h = assert_pass(check_all(&s, &expect(ml(16.0), 16)), "999 nodes");
        assert!(h.skipped.iter().any(|r| r.starts_with("I7")), "{:?}", h.skipped);
    }
}
