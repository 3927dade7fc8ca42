//! The sizes the CLI accepts, stated once: every user-given count that
//! multiplies into an allocation is checked here, with checked arithmetic,
//! before anything is allocated.

use anyhow::{bail, Result};

/// Build threads: `--threads`, config `threads` (the core's bound).
pub const MAX_THREADS: usize = hnswlab::strategy::MAX_THREADS;

/// Timed search passes per ef (`compare-worker --passes`, config `search_passes`).
pub const MAX_PASSES: usize = 100;

/// Times `hnswlab report` builds and measures each (data set, build,
/// strategy, threads): config `repetitions`. Each is a whole build, so a
/// hundred already means hours on the default data.
pub const MAX_REPETITIONS: usize = 100;

/// Rounds of `hnswlab compare` (config `rounds`, `--rounds`): every entrant
/// is built and swept once per round.
pub const MAX_ROUNDS: usize = 100;

/// The most f32 components one vector set (base or queries) may hold:
/// 2^31 floats = 8 GiB, a third of this project's 24 GiB machines. A larger
/// request is refused up front instead of aborting in the allocator.
pub const MAX_FLOATS: usize = 1 << 31;

/// `rows x dim` components, checked against overflow and [`MAX_FLOATS`];
/// `what` names the flag or key in the error.
pub fn floats(what: &str, rows: usize, dim: usize) -> Result<usize> {
    match rows.checked_mul(dim) {
        Some(c) if c <= MAX_FLOATS => Ok(c),
        Some(c) => bail!(
            "{what}: {rows} vectors x dim {dim} = {c} floats ({} GiB) exceeds the limit of {MAX_FLOATS} floats (8 GiB)",
            c / (1 << 28)
        ),
        None => bail!("{what}: {rows} vectors x dim {dim} overflows (limit: {MAX_FLOATS} floats, 8 GiB)"),
    }
}

/// A count `what` (the key or flag, named in the error) in `1..=max`.
pub fn count(what: &str, value: usize, max: usize) -> Result<usize> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        bail!("{what} {value}: must be in 1..={max}")
    }
}

/// A `Vec` with room for `n` elements, or an error naming `what` when the
/// allocator refuses (never an abort).
pub fn try_vec<T>(what: &'static str, n: usize) -> Result<Vec<T>> {
    Ok(hnswlab::error::try_vec(what, n)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_refuses_overflow_and_the_limit_and_names_the_input() {
        let cases: &[(usize, usize, bool)] = &[
            (1, 1, true),
            (20_000, 128, true),
            (MAX_FLOATS, 1, true),
            (1, MAX_FLOATS, true),
            (MAX_FLOATS / 128, 128, true),
            (MAX_FLOATS + 1, 1, false),
            (MAX_FLOATS / 128 + 1, 128, false),
            (1_000_000_000, 128, false),
            (usize::MAX, 1, false),
            (usize::MAX, 2, false),
            (1 << 33, 1 << 31, false),
            (usize::MAX / 3 + 1, 3, false),
        ];
        for &(rows, dim, ok) in cases {
            match floats("--queries", rows, dim) {
                Ok(c) => {
                    assert!(ok, "{rows} x {dim} accepted");
                    assert_eq!(c, rows * dim);
                }
                Err(e) => {
                    assert!(!ok, "{rows} x {dim} refused: {e}");
                    let text = e.to_string();
                    assert!(text.starts_with("--queries") && text.contains(&rows.to_string()), "{text}");
                }
            }
        }
        assert!(try_vec::<f32>("test", usize::MAX).is_err());
    }

    #[test]
    fn count_accepts_one_to_max_and_names_the_key() {
        for max in [MAX_PASSES, MAX_REPETITIONS, MAX_ROUNDS] {
            for (value, ok) in
                [(0, false), (1, true), (max - 1, true), (max, true), (max + 1, false), (usize::MAX, false)]
            {
                match count("rounds", value, max) {
                    Ok(v) => assert!(ok && v == value, "{value} of max {max} accepted"),
                    Err(e) => {
                        assert!(!ok, "{value} of max {max} refused: {e}");
                        assert_eq!(e.to_string(), format!("rounds {value}: must be in 1..={max}"));
                    }
                }
            }
        }
        assert!(try_vec::<u64>("test", usize::MAX / 4).is_err());
    }
}
