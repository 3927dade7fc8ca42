//! The exact brute-force k-NN oracle.
//!
//! Invariant: the result is the `k` smallest (distance, id) pairs over all
//! nodes, ascending — ties are broken by id, so the oracle is a function.

use std::collections::BinaryHeap;

use crate::distance::Metric;
use crate::ids::NodeId;
use crate::search::{Adjacency, Scored};

/// Exact k-NN over every node of `g`.
pub fn exact_knn<A: Adjacency + ?Sized>(g: &A, q: &[f32], k: usize) -> Vec<Scored> {
    let metric = g.metric();
    top_k((0..g.len() as u32).map(|i| Scored { dist: metric.distance(q, g.vector(NodeId(i))), id: NodeId(i) }), k)
}

/// Exact k-NN over vectors stored back to back (`dim` floats each).
pub fn exact_knn_flat(metric: Metric, data: &[f32], dim: usize, q: &[f32], k: usize) -> Vec<Scored> {
    top_k(
        data.chunks_exact(dim).enumerate().map(|(i, v)| Scored { dist: metric.distance(q, v), id: NodeId(i as u32) }),
        k,
    )
}

fn top_k(items: impl Iterator<Item = Scored>, k: usize) -> Vec<Scored> {
    let mut heap = BinaryHeap::with_capacity(k + 1);
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
