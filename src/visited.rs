//! A visited set cleared in O(1) by bumping a generation tag.
//!
//! Invariant: `contains(id)` is true iff `insert(id)` was called since the
//! last `clear`. When the 16-bit generation wraps (every 65,535 clears), the
//! tags are zeroed once. 16-bit tags, as in hnswlib, halve the set's cache
//! footprint: on 100k nodes it is 200 KB, which stays in L2.

use crate::ids::NodeId;

/// Generation-tagged visited set over node ids.
#[derive(Clone, Debug, Default)]
pub struct Visited {
    tags: Vec<u16>,
    generation: u16,
}

impl Visited {
    /// Forget every visit and make room for ids `0..n`.
    pub fn clear(&mut self, n: usize) {
        if self.tags.len() < n {
            self.tags.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.tags.iter_mut().for_each(|t| *t = 0);
            self.generation = 1;
        }
    }

    /// Mark `id` visited; true if it was not visited before.
    #[inline]
    pub fn insert(&mut self, id: NodeId) -> bool {
        let t = &mut self.tags[id.index()];
        if *t == self.generation {
            false
        } else {
            *t = self.generation;
            true
        }
    }

    /// True if `id` was visited since the last clear (the invariant the
    /// tests state; search itself only needs [`Visited::insert`]'s answer).
    #[cfg(test)]
    pub fn contains(&self, id: NodeId) -> bool {
        self.tags.get(id.index()) == Some(&self.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_wrap_forgets_old_visits() {
        let mut v = Visited::default();
        v.clear(4);
        v.generation = u16::MAX - 1;
        v.clear(4); // generation u16::MAX
        assert!(v.insert(NodeId(1)));
        v.clear(4); // wraps: tags zeroed, generation 1
        assert!(!v.contains(NodeId(1)), "a visit from before the wrap must be forgotten");
        assert!(v.insert(NodeId(1)));
        assert!(!v.insert(NodeId(1)));
    }

    /// The other side of the wrap: a tag written at generation `g` must not
    /// read as visited when the counter comes back round to `g`, 65,535
    /// clears later. Only zeroing the tags at the wrap guarantees that; a
    /// test one generation after the wrap passes without it.
    #[test]
    fn a_visit_is_forgotten_a_full_cycle_later() {
        for g in [1u16, 2, 1000, u16::MAX - 1, u16::MAX] {
            let mut v = Visited::default();
            v.clear(3);
            v.generation = g;
            assert!(v.insert(NodeId(2)));
            for i in 1..=2 * u32::from(u16::MAX) + 3 {
                v.clear(3);
                assert!(!v.contains(NodeId(2)), "generation {g}: visit read back {i} clears later");
            }
        }
    }

    /// Against a set model over 200,000 clears (three wraps), growing the id
    /// range now and then (new tags start at 0, which no generation uses).
    #[test]
    fn agrees_with_a_set_over_three_wraps() {
        let mut v = Visited::default();
        let mut model = std::collections::HashSet::new();
        let mut n = 4usize;
        for round in 0..200_000u32 {
            if round % 50_000 == 0 {
                n += 3;
            }
            v.clear(n);
            model.clear();
            let a = NodeId(round % n as u32);
            let b = NodeId((round * 7 + 1) % n as u32);
            for id in [a, b, a] {
                assert_eq!(v.insert(id), model.insert(id), "round {round}, id {id:?}");
            }
            for i in 0..n as u32 {
                assert_eq!(v.contains(NodeId(i)), model.contains(&NodeId(i)), "round {round}, id {i}");
            }
        }
    }
}
