//! `hnswlab build --profile`: where insertion time went, per phase of Alg. 1
//! (the core's `hnswlab::profile`), with distance computations per insert and
//! per query, as a table and as the `profile` object of the JSON report.

use std::io::{self, Write};

use hnswlab::{Phase, Profile};
use serde::Serialize;

/// One phase of the insertion profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhaseReport {
    /// Time in the phase, seconds (summed over build threads).
    pub seconds: f64,
    /// Fraction of the time of all phases.
    pub share: f64,
    /// Distance computations in the phase.
    pub distances: u64,
    /// `distances / inserts`.
    pub distances_per_insert: f64,
}

/// Distance computations per query at one search ef.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryDistances {
    /// Search beam width.
    pub ef: usize,
    /// Mean distance computations per query.
    pub distances_per_query: f64,
}

/// The insertion profile of one build, as reported. Phase names are the keys
/// of [`Phase::name`]; phase times of parallel builds are CPU time summed over
/// threads, so `phase_seconds` may exceed `build_seconds`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileReport {
    /// Alg. 1 lines 1-7: greedy ef = 1 descent through the layers above the new node's level.
    pub descent: PhaseReport,
    /// Alg. 1 line 9: SEARCH-LAYER with efConstruction on the insertion layers.
    pub search: PhaseReport,
    /// Alg. 1 line 10: SELECT-NEIGHBORS (Alg. 3/4) of the new node.
    pub select: PhaseReport,
    /// Alg. 1 lines 11-19: lists, back-links, pruning, Symmetric repairs, `verify_inserts`.
    pub link: PhaseReport,
    /// Validating and storing vectors and labels, levels, empty lists, storage growth.
    pub alloc: PhaseReport,
    /// Sum of the phases' seconds.
    pub phase_seconds: f64,
    /// Wall time of the build (per-insert checks excluded).
    pub build_seconds: f64,
    /// Vectors inserted.
    pub inserts: usize,
    /// All build distance computations / inserts.
    pub distances_per_insert: f64,
    /// Per swept ef, as in the `search` list.
    pub distances_per_query: Vec<QueryDistances>,
}

impl ProfileReport {
    /// The report of `profile` for a build of `inserts` vectors that took
    /// `build_seconds`; `queries` is `(ef, distances per query)` per swept ef.
    pub fn new(profile: &Profile, inserts: usize, build_seconds: f64, queries: &[(usize, f64)]) -> Self {
        let total = profile.total_nanos().max(1) as f64;
        let per = |d: u64| d as f64 / inserts.max(1) as f64;
        let phase = |p: Phase| PhaseReport {
            seconds: profile.nanos(p) as f64 / 1e9,
            share: profile.nanos(p) as f64 / total,
            distances: profile.distances(p),
            distances_per_insert: per(profile.distances(p)),
        };
        ProfileReport {
            descent: phase(Phase::Descent),
            search: phase(Phase::Search),
            select: phase(Phase::Select),
            link: phase(Phase::Link),
            alloc: phase(Phase::Alloc),
            phase_seconds: profile.total_nanos() as f64 / 1e9,
            build_seconds,
            inserts,
            distances_per_insert: per(profile.total_distances()),
            distances_per_query: queries
                .iter()
                .map(|&(ef, distances_per_query)| QueryDistances { ef, distances_per_query })
                .collect(),
        }
    }

    /// The report of `phase`.
    pub fn phase(&self, phase: Phase) -> &PhaseReport {
        match phase {
            Phase::Descent => &self.descent,
            Phase::Search => &self.search,
            Phase::Select => &self.select,
            Phase::Link => &self.link,
            Phase::Alloc => &self.alloc,
        }
    }
}

/// Print the profile table: one row per phase, then the total.
pub fn print_table(r: &ProfileReport, threads: u32, out: &mut impl Write) -> io::Result<()> {
    let summed = if threads > 1 { ", summed over threads (CPU time)" } else { "" };
    writeln!(
        out,
        "profile  {:.3} s in the phases{summed}; build wall time {:.3} s; {:.1} distances per insert",
        r.phase_seconds, r.build_seconds, r.distances_per_insert
    )?;
    writeln!(
        out,
        "{:<7}  {:>9}  {:>6}  {:>12}  {:>11}  what",
        "phase", "seconds", "share", "distances", "dist/insert"
    )?;
    for p in Phase::ALL {
        let ph = r.phase(p);
        writeln!(
            out,
            "{:<7}  {:>9.3}  {:>5.1}%  {:>12}  {:>11.1}  {}",
            p.name(),
            ph.seconds,
            100.0 * ph.share,
            ph.distances,
            ph.distances_per_insert,
            p.description()
        )?;
    }
    let distances: u64 = Phase::ALL.iter().map(|&p| r.phase(p).distances).sum();
    writeln!(
        out,
        "{:<7}  {:>9.3}  {:>5.1}%  {:>12}  {:>11.1}",
        "total", r.phase_seconds, 100.0, distances, r.distances_per_insert
    )?;
    let per_query: Vec<String> =
        r.distances_per_query.iter().map(|q| format!("ef {} {:.1}", q.ef, q.distances_per_query)).collect();
    writeln!(out, "distances per query: {}", per_query.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Profile {
        Profile {
            descent_nanos: 100_000_000,
            search_nanos: 600_000_000,
            select_nanos: 200_000_000,
            link_nanos: 50_000_000,
            alloc_nanos: 50_000_000,
            descent_distances: 4_000,
            search_distances: 60_000,
            select_distances: 30_000,
            link_distances: 6_000,
        }
    }

    #[test]
    fn shares_and_per_insert_counts_follow_the_profile() {
        let r = ProfileReport::new(&sample(), 1000, 1.25, &[(10, 55.5), (20, 80.0)]);
        assert_eq!(r.search.share, 0.6);
        assert_eq!(r.search.seconds, 0.6);
        assert_eq!(r.select.distances_per_insert, 30.0);
        assert_eq!(r.alloc.distances, 0);
        assert_eq!(r.distances_per_insert, 100.0);
        assert_eq!(r.phase_seconds, 1.0);
        let shares: f64 = Phase::ALL.iter().map(|&p| r.phase(p).share).sum();
        assert!((shares - 1.0).abs() < 1e-12, "shares sum to {shares}");
        assert_eq!(r.distances_per_query[1], QueryDistances { ef: 20, distances_per_query: 80.0 });
    }

    #[test]
    fn json_has_every_phase_by_name_and_the_table_a_row_each() {
        let r = ProfileReport::new(&sample(), 1000, 1.25, &[(10, 55.5)]);
        let v = serde_json::to_value(&r).unwrap();
        for p in Phase::ALL {
            assert!(v[p.name()]["seconds"].is_f64(), "{} missing: {v}", p.name());
            assert!(v[p.name()]["distances"].is_u64(), "{} missing: {v}", p.name());
        }
        assert_eq!(v["distances_per_query"][0]["ef"], 10);
        let mut out = Vec::new();
        print_table(&r, 2, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("summed over threads"), "{text}");
        for p in Phase::ALL {
            assert!(text.lines().any(|l| l.starts_with(p.name())), "no row for {}: {text}", p.name());
        }
        assert!(text.contains("ef 10 55.5"), "{text}");
    }

    #[test]
    fn an_empty_build_does_not_divide_by_zero() {
        let r = ProfileReport::new(&Profile::default(), 0, 0.0, &[]);
        assert_eq!((r.search.share, r.distances_per_insert), (0.0, 0.0));
    }
}
