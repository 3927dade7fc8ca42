//! The insertion profile: where the time and the distance computations of
//! INSERT (paper Alg. 1) go, per phase.
//!
//! | phase | Alg. 1 | code |
//! |---|---|---|
//! | [`Phase::Descent`] | lines 1-7: distance to the entry point, then SEARCH-LAYER with ef = 1 on every layer above the new node's level | `insert::plan` (`search::descend`) |
//! | [`Phase::Search`] | line 9: SEARCH-LAYER (Alg. 2) with efConstruction on each insertion layer `lc <= min(l, L)` | `insert::plan` (`search::search_layer`) |
//! | [`Phase::Select`] | line 10: SELECT-NEIGHBORS (Alg. 3 or 4) of the new node | `insert::plan` (`select::select`) |
//! | [`Phase::Link`] | lines 11-19: the new node's lists, back-links, re-selection of overflowing lists (line 16), entry-point promotion; and beyond the paper the Symmetric drops and repairs and the `verify_inserts` self-search and repair | `insert::commit`, the strategies' commit sections |
//! | [`Phase::Alloc`] | before line 1: validating and storing the vector and label, drawing the level (line 4) and adding the node's empty lists; growing the storage | the strategies |
//!
//! Each phase is timed with a handful of [`Instant::now`] calls per insert
//! (one per phase boundary, never one per distance), so the profile is always
//! on; its distances are read from `Scratch::distances` at the same
//! boundaries. The phases of one insert are disjoint, consecutive intervals,
//! so on one thread they sum to (nearly all of) the build's wall time.
//!
//! Parallel strategies add up each thread's time: their profile is CPU time
//! summed over threads, which may exceed the build's wall time.

use std::time::Instant;

/// A phase of an insert (see the module table for the Alg. 1 lines each covers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Alg. 1 lines 1-7: greedy ef = 1 descent through the layers above the new node's level.
    Descent,
    /// Alg. 1 line 9: SEARCH-LAYER with efConstruction on each insertion layer.
    Search,
    /// Alg. 1 line 10: SELECT-NEIGHBORS (Alg. 3/4) for the new node.
    Select,
    /// Alg. 1 lines 11-19: writing lists, back-links, pruning, repairs, promotion.
    Link,
    /// Storing the vector, label and empty lists; storage growth.
    Alloc,
}

impl Phase {
    /// Every phase, in the order of an insert's timeline (allocation last, as in reports).
    pub const ALL: [Phase; 5] = [Phase::Descent, Phase::Search, Phase::Select, Phase::Link, Phase::Alloc];

    /// Stable name (CLI, JSON, CSV columns).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Descent => "descent",
            Phase::Search => "search",
            Phase::Select => "select",
            Phase::Link => "link",
            Phase::Alloc => "alloc",
        }
    }

    /// One line for tables and legends.
    pub fn description(self) -> &'static str {
        match self {
            Phase::Descent => "descent through the upper layers, ef = 1 (Alg. 1 lines 1-7)",
            Phase::Search => "candidate search, efConstruction (Alg. 1 line 9)",
            Phase::Select => "neighbour selection, Alg. 3/4 (Alg. 1 line 10)",
            Phase::Link => "linking and pruning (Alg. 1 lines 11-19)",
            Phase::Alloc => "allocation: vectors, labels, levels, lists",
        }
    }
}

/// Per-phase wall time (nanoseconds) and distance computations of a build.
///
/// Allocation computes no distances, so it has no distance counter. For a
/// build on several threads the nanoseconds are summed over threads (CPU
/// time), see the module doc.
///
/// Invariant (checked by the tests): the four distance counters sum to the
/// build's `BuildStats::distances`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Profile {
    /// [`Phase::Descent`] time, nanoseconds.
    pub descent_nanos: u64,
    /// [`Phase::Search`] time, nanoseconds.
    pub search_nanos: u64,
    /// [`Phase::Select`] time, nanoseconds.
    pub select_nanos: u64,
    /// [`Phase::Link`] time, nanoseconds.
    pub link_nanos: u64,
    /// [`Phase::Alloc`] time, nanoseconds.
    pub alloc_nanos: u64,
    /// Distance computations in [`Phase::Descent`] (including the one to the entry point).
    pub descent_distances: u64,
    /// Distance computations in [`Phase::Search`].
    pub search_distances: u64,
    /// Distance computations in [`Phase::Select`] (Alg. 4 compares candidates with each other).
    pub select_distances: u64,
    /// Distance computations in [`Phase::Link`] (re-selections, repairs, self-searches).
    pub link_distances: u64,
}

impl Profile {
    /// Nanoseconds spent in `phase`.
    pub fn nanos(&self, phase: Phase) -> u64 {
        match phase {
            Phase::Descent => self.descent_nanos,
            Phase::Search => self.search_nanos,
            Phase::Select => self.select_nanos,
            Phase::Link => self.link_nanos,
            Phase::Alloc => self.alloc_nanos,
        }
    }

    /// Distance computations in `phase` (0 for [`Phase::Alloc`]).
    pub fn distances(&self, phase: Phase) -> u64 {
        match phase {
            Phase::Descent => self.descent_distances,
            Phase::Search => self.search_distances,
            Phase::Select => self.select_distances,
            Phase::Link => self.link_distances,
            Phase::Alloc => 0,
        }
    }

    /// Nanoseconds over all phases.
    pub fn total_nanos(&self) -> u64 {
        Phase::ALL.iter().map(|&p| self.nanos(p)).sum()
    }

    /// Distance computations over all phases.
    pub fn total_distances(&self) -> u64 {
        Phase::ALL.iter().map(|&p| self.distances(p)).sum()
    }

    /// Charge `nanos` and `distances` to `phase`.
    ///
    /// Panics in debug builds if distances are charged to [`Phase::Alloc`].
    pub fn add(&mut self, phase: Phase, nanos: u64, distances: u64) {
        let (n, d) = match phase {
            Phase::Descent => (&mut self.descent_nanos, Some(&mut self.descent_distances)),
            Phase::Search => (&mut self.search_nanos, Some(&mut self.search_distances)),
            Phase::Select => (&mut self.select_nanos, Some(&mut self.select_distances)),
            Phase::Link => (&mut self.link_nanos, Some(&mut self.link_distances)),
            Phase::Alloc => (&mut self.alloc_nanos, None),
        };
        *n += nanos;
        match d {
            Some(d) => *d += distances,
            None => debug_assert_eq!(distances, 0, "allocation computes no distances"),
        }
    }

    /// Add another profile (a segment's, or another thread's): times add up, so
    /// a merged profile of parallel work is CPU time summed over threads.
    pub fn merge(&mut self, o: &Profile) {
        for p in Phase::ALL {
            self.add(p, o.nanos(p), o.distances(p));
        }
    }
}

/// A running interval of one phase: the instant and the distance count at
/// its start. [`Lap::charge`] closes it and opens the next, so consecutive
/// phases share their boundary and leave no gap between them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lap {
    at: Instant,
    distances: u64,
}

impl Lap {
    /// Open an interval now; `distances` is the scratch's counter now.
    #[inline]
    pub(crate) fn start(distances: u64) -> Lap {
        Lap { at: Instant::now(), distances }
    }

    /// Charge the time and distances since the interval opened to `phase` of
    /// `profile`, and open the next interval at the same instant.
    #[inline]
    pub(crate) fn charge(&mut self, profile: &mut Profile, phase: Phase, distances: u64) {
        let now = Instant::now();
        profile.add(phase, now.duration_since(self.at).as_nanos() as u64, distances - self.distances);
        *self = Lap { at: now, distances };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(k: u64) -> Profile {
        Profile {
            descent_nanos: k,
            search_nanos: 2 * k,
            select_nanos: 3 * k,
            link_nanos: 4 * k,
            alloc_nanos: 5 * k,
            descent_distances: 6 * k,
            search_distances: 7 * k,
            select_distances: 8 * k,
            link_distances: 9 * k,
        }
    }

    #[test]
    fn merge_adds_every_field() {
        let mut a = sample(1);
        a.merge(&sample(10));
        assert_eq!(a, sample(11), "merge must add field by field");
        assert_eq!(a.total_nanos(), 11 * (1 + 2 + 3 + 4 + 5));
        assert_eq!(a.total_distances(), 11 * (6 + 7 + 8 + 9));
        let mut z = Profile::default();
        z.merge(&sample(3));
        assert_eq!(z, sample(3), "merging into an empty profile copies");
    }

    #[test]
    fn accessors_and_add_agree_per_phase() {
        for (i, p) in Phase::ALL.into_iter().enumerate() {
            let mut prof = Profile::default();
            let d = if p == Phase::Alloc { 0 } else { 7 };
            prof.add(p, 100 + i as u64, d);
            assert_eq!((prof.nanos(p), prof.distances(p)), (100 + i as u64, d), "{}", p.name());
            assert_eq!((prof.total_nanos(), prof.total_distances()), (100 + i as u64, d), "only {} changed", p.name());
        }
    }

    #[test]
    fn laps_are_consecutive_and_count_distances() {
        let mut prof = Profile::default();
        let t0 = Instant::now();
        let mut lap = Lap::start(5);
        std::thread::sleep(std::time::Duration::from_millis(2));
        lap.charge(&mut prof, Phase::Search, 12);
        std::thread::sleep(std::time::Duration::from_millis(2));
        lap.charge(&mut prof, Phase::Select, 20);
        let outer = t0.elapsed().as_nanos() as u64;
        assert_eq!((prof.search_distances, prof.select_distances), (7, 8));
        assert!(prof.search_nanos >= 2_000_000 && prof.select_nanos >= 2_000_000, "{prof:?}");
        assert!(prof.total_nanos() <= outer, "laps {} ns inside an interval of {outer} ns", prof.total_nanos());
    }
}
