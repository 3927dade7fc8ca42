//! The insertion profile (`BuildStats::profile`): its phases account for the
//! build's time and its distances, for every strategy and mutant.

use std::time::Instant;

use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built};
use hnswlab::{synthetic, BuildStats, Params, Phase, Profile, PrunePolicy};

const DIM: usize = 16;

fn merged(b: &Built) -> BuildStats {
    let mut stats = BuildStats::default();
    for seg in &b.segments {
        stats.merge(seg.stats());
    }
    stats
}

fn params(seed: u64, prune: PrunePolicy, verify: bool) -> Params {
    Params::builder().m(8).ef_construction(64).seed(seed).prune(prune).verify_inserts(verify).build().unwrap()
}

#[test]
fn phases_cover_the_single_thread_build_time() {
    let data = synthetic::clustered(4000, DIM, 20, 0.3, 11, 0);
    let params = params(11, PrunePolicy::Standard, false);
    for name in ["sequential", "batched", "batched-deterministic-parallel", "segment-parallel", "concurrent"] {
        let s = registry::by_name(name).unwrap();
        let start = Instant::now();
        let built = s.build(&BuildInput { dim: DIM, params: &params, data: &data, threads: 1 }, None).unwrap();
        let total = start.elapsed().as_nanos() as u64;
        let p = merged(&built).profile;
        let sum = p.total_nanos();
        let share = sum as f64 / total as f64;
        println!("{name}: phases {sum} ns of {total} ns measured around the build ({:.1}%): {p:?}", 100.0 * share);
        // One thread: the phases are disjoint intervals inside the build.
        assert!(sum <= total, "{name}: phases sum to {sum} ns, more than the {total} ns the build took");
        assert!(share >= 0.9, "{name}: phases cover only {:.1}% of the build time (expected >= 90%)", 100.0 * share);
        for phase in Phase::ALL {
            assert!(p.nanos(phase) > 0, "{name}: no time charged to {}: {p:?}", phase.name());
        }
    }
}

#[test]
fn phase_distances_sum_to_build_distances_for_every_strategy_and_mutant() {
    let n = 1500;
    let data = synthetic::clustered(n, DIM, 10, 0.3, 7, 0);
    for prune in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
        for verify in [false, true] {
            let params = params(7, prune, verify);
            for s in registry::all() {
                for threads in [1, 2] {
                    let input = BuildInput { dim: DIM, params: &params, data: &data, threads };
                    let Ok(built) = s.build(&input, None) else {
                        // concurrent rejects Symmetric: nothing to profile.
                        continue;
                    };
                    let what = format!("{} prune {prune:?} verify {verify} threads {threads}", s.name());
                    let stats = merged(&built);
                    let p = stats.profile;
                    assert_eq!(
                        p.total_distances(),
                        stats.distances,
                        "{what}: phase distances {p:?} do not sum to BuildStats.distances"
                    );
                    assert!(
                        p.descent_distances >= (n - built.segments.len()) as u64,
                        "{what}: every insert but a segment's first measures the entry point; {p:?}"
                    );
                    // one-way-edges never links back, so its searches reach only the entry
                    // point; Standard keeps a pool smaller than m whole (hnswlib), measuring nothing.
                    let selects_nothing = s.name() == "one-way-edges" && prune == PrunePolicy::Standard;
                    assert!(p.search_distances > 0 && (p.select_distances > 0 || selects_nothing), "{what}: {p:?}");
                }
            }
        }
    }
}

/// Every counter adds, each with its own value (a forced repair or an
/// unrepaired node is rare in a real build, so a build alone would not show a
/// counter that merges wrongly).
#[test]
fn build_stats_merge_adds_every_counter() {
    let stats = |k: u64| BuildStats {
        distances: k,
        reselections: 2 * k,
        symmetric_drops: 3 * k,
        repairs: 4 * k,
        forced_repairs: 5 * k,
        unrepaired: 6 * k,
        repair_distances: 7 * k,
        repair_nanos: 8 * k,
        findability_repairs: 9 * k,
        findability_failures: 10 * k,
        profile: Profile::default(),
    };
    let mut a = stats(1);
    a.merge(&stats(10));
    assert_eq!(a, stats(11), "merging stats(10) into stats(1)");
    let mut z = BuildStats::default();
    z.merge(&stats(3));
    assert_eq!(z, stats(3), "merging into the default");
}

#[test]
fn build_stats_merge_adds_the_profiles() {
    let data = synthetic::gaussian(600, DIM, 3);
    let params = params(3, PrunePolicy::Standard, false);
    let s = registry::by_name("segment-parallel").unwrap();
    let built = s.build(&BuildInput { dim: DIM, params: &params, data: &data, threads: 3 }, None).unwrap();
    assert_eq!(built.segments.len(), 3);
    let stats = merged(&built);
    let mut expected = Profile::default();
    for seg in &built.segments {
        let p = seg.stats().profile;
        assert!(p.search_distances > 0, "segment has no profile: {p:?}");
        for phase in Phase::ALL {
            expected.add(phase, p.nanos(phase), p.distances(phase));
        }
    }
    assert_eq!(stats.profile, expected, "merged profile is not the per-segment sum");
    let twice = {
        let mut t = stats.clone();
        t.merge(&stats);
        t.profile
    };
    assert_eq!(twice.total_nanos(), 2 * stats.profile.total_nanos());
    assert_eq!(twice.total_distances(), 2 * stats.distances);
}
