//! I1 (well-formed view), the vector half: every node's vector has exactly
//! `dim` coordinates, all finite. A view loaded from someone else's file can
//! break this (a short buffer, NaNs); every distance-based check (I4, I6)
//! presupposes it, so `check_all` runs it first and skips them when it fails.

use hnswlab::{GraphView, NodeId};

use crate::violation::{Collector, Violation};

/// Push a violation for each node whose vector is malformed; true when none is.
pub(crate) fn check<V: GraphView + ?Sized>(view: &V, n: usize, out: &mut Collector) -> bool {
    let dim = view.dim();
    let mut ok = true;
    for i in 0..n {
        let node = NodeId(i as u32);
        let v = view.vector(node);
        if v.len() != dim {
            out.push(Violation::VectorLength { node, expected: dim, got: v.len() });
            ok = false;
        } else if let Some((coordinate, &value)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            out.push(Violation::NonFiniteVector { node, coordinate, value });
            ok = false;
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use hnswlab::PrunePolicy;

    use crate::check_all;
    use crate::testutil::{assert_kinds, fixture};

    const SEED: u64 = 11;

    #[test]
    fn malformed_vectors_are_violations_not_panics() {
        println!("seed {SEED}");
        // Truncate the buffer to every length short of n x dim, and poison
        // every coordinate of every vector with each non-finite value.
        let (s, e) = fixture(PrunePolicy::Standard, SEED);
        let full = s.vectors.len();
        assert_eq!(full, s.levels.len() * s.dim);
        for cut in [0, 1, s.dim - 1, s.dim, full / 2, full - 1] {
            let mut t = s.clone();
            t.vectors.truncate(cut);
            let v = assert_kinds(check_all(&t, &e), &["VectorLength"]);
            let short = s.levels.len() - cut / s.dim;
            let reported: usize =
                v.0.iter().map(|v| if let crate::Violation::Omitted { omitted, .. } = v { *omitted } else { 1 }).sum();
            assert_eq!(reported, short, "buffer cut to {cut} of {full}");
        }
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut t = s.clone();
            t.vectors.iter_mut().for_each(|x| *x = bad);
            assert_kinds(check_all(&t, &e), &["NonFiniteVector"]);
            for at in [0, s.dim + 1, full - 1] {
                let mut t = s.clone();
                t.vectors[at] = bad;
                let v = assert_kinds(check_all(&t, &e), &["NonFiniteVector"]);
                let [crate::Violation::NonFiniteVector { node, coordinate, value }] = v.0[..] else {
                    panic!("{bad} at {at}: {v:?}");
                };
                assert_eq!((node.index(), coordinate), (at / s.dim, at % s.dim), "{bad} at {at}");
                assert_eq!(value.to_bits(), bad.to_bits(), "{bad} at {at}");
            }
        }
    }
}
