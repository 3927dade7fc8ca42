//! The exact brute-force k-NN oracle.
//!
//! Invariant: the result is the `k` smallest (distance, id) pairs over all
//! nodes, ascending — ties are broken by id, so the oracle is a function.

use std::collections::BinaryHeap;

use crate::distance::Metric;
use crate::error::{Error, ErrorKind, Result};
use crate::ids::NodeId;
use crate::index::check_node_count;
use crate::search::{Adjacency, Scored};

/// Exact k-NN over every node of `g`.
pub fn exact_knn<A: Adjacency + ?Sized>(g: &A, q: &[f32], k: usize) -> Vec<Scored> {
    let metric = g.metric();
    top_k((0..g.len() as u32).map(|i| Scored { dist: metric.distance(q, g.vector(NodeId(i))), id: NodeId(i) }), k)
}

/// Exact k-NN over vectors stored back to back (`dim` floats each).
///
/// Errors: `dim` = 0 ([`ErrorKind::InvalidParam`]), `data` not a whole number
/// of rows or `q` not `dim` long ([`ErrorKind::DimensionMismatch`]), more rows
/// than [`NodeId`]s ([`ErrorKind::CapacityExceeded`]).
pub fn exact_knn_flat(metric: Metric, data: &[f32], dim: usize, q: &[f32], k: usize) -> Result<Vec<Scored>> {
    if dim == 0 {
        return Err(Error::invalid("dim", dim, "must be at least 1"));
    }
    if !data.len().is_multiple_of(dim) {
        return Err(ErrorKind::DimensionMismatch { expected: dim, got: data.len() % dim }.into());
    }
    if q.len() != dim {
        return Err(ErrorKind::DimensionMismatch { expected: dim, got: q.len() }.into());
    }
    check_node_count(data.len() / dim)?;
    Ok(top_k(
        data.chunks_exact(dim).enumerate().map(|(i, v)| Scored { dist: metric.distance(q, v), id: NodeId(i as u32) }),
        k,
    ))
}

fn top_k(items: impl Iterator<Item = Scored>, k: usize) -> Vec<Scored> {
    // k may be absurdly large: it bounds the result, never the allocation.
    let mut heap = BinaryHeap::new();
    for s in items {
        if heap.len() < k {
            heap.push(s);
        } else if let Some(top) = heap.peek() {
            if s < *top {
                heap.pop();
                heap.push(s);
            }
        }
    }
    let mut v = heap.into_vec();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_oracle_rejects_every_malformed_shape() {
        let metric = Metric::L2;
        // (data length, dim, query length): each row of the table is malformed one way.
        for dim in 0..6usize {
            for len in 0..20usize {
                for qlen in 0..8usize {
                    let data = vec![1.0f32; len];
                    let q = vec![0.5f32; qlen];
                    let got = exact_knn_flat(metric, &data, dim, &q, 3);
                    let well_formed = dim > 0 && len % dim == 0 && qlen == dim;
                    match got {
                        Ok(hits) => {
                            assert!(well_formed, "dim {dim} len {len} q {qlen}: accepted");
                            assert_eq!(hits.len(), (len / dim).min(3), "dim {dim} len {len}");
                        }
                        Err(e) => {
                            assert!(!well_formed, "dim {dim} len {len} q {qlen}: rejected with {e}");
                            let expected = if dim == 0 {
                                matches!(e.kind(), ErrorKind::InvalidParam { name: "dim", .. })
                            } else {
                                // `got`: the stray floats of a partial row, else the query's length.
                                let got = if len % dim != 0 { len % dim } else { qlen };
                                matches!(e.kind(), ErrorKind::DimensionMismatch { expected, got: g } if *expected == dim && *g == got)
                            };
                            assert!(expected, "dim {dim} len {len} q {qlen}: {e:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn huge_k_returns_every_row_without_allocating_k() {
        let data = [0.0f32, 1.0, 2.0];
        let hits = exact_knn_flat(Metric::L2, &data, 1, &[1.1], usize::MAX).unwrap();
        assert_eq!(hits.iter().map(|s| s.id.0).collect::<Vec<_>>(), vec![1, 2, 0]);
    }
}
