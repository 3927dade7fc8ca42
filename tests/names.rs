//! The stable names: what the command line parses, what the JSON reports
//! and the README print, and what `by_name` looks up. A renamed variant
//! would silently break every saved report and script that spells it, so
//! each spelling is pinned here, and each lookup is tested to round-trip.

use hnswlab::foreign::Format;
use hnswlab::strategy::Kind;
use hnswlab::{churn, registry, Metric, Phase, PrunePolicy, Selection};

#[test]
fn the_enums_are_spelled_as_documented() {
    assert_eq!([Metric::L2, Metric::InnerProduct, Metric::Cosine].map(Metric::name), ["l2", "ip", "cosine"]);
    assert_eq!([PrunePolicy::Standard, PrunePolicy::Symmetric].map(PrunePolicy::name), ["standard", "symmetric"]);
    let heuristic = |extend_candidates, keep_pruned| Selection::Heuristic { extend_candidates, keep_pruned };
    assert_eq!(
        [
            Selection::Simple,
            heuristic(false, false),
            heuristic(true, false),
            heuristic(false, true),
            heuristic(true, true)
        ]
        .map(Selection::name),
        ["simple", "heuristic", "heuristic+extend", "heuristic+keep", "heuristic+extend+keep"]
    );
    assert_eq!(Phase::ALL.map(Phase::name), ["descent", "search", "select", "link", "alloc"]);
    assert_eq!([Kind::Strategy, Kind::Mutant].map(Kind::name), ["strategy", "mutant"]);
    assert_eq!([Format::Hnswlab, Format::Hnswlib, Format::Faiss].map(Format::name), ["hnswlab", "hnswlib", "faiss"]);
}

/// Each phase's description names the lines of Alg. 1 it covers (or, for
/// allocation, what is allocated): the profile report prints them as its
/// legend.
#[test]
fn each_phase_describes_its_part_of_alg_1() {
    let words = [
        (Phase::Descent, "Alg. 1 lines 1-7"),
        (Phase::Search, "Alg. 1 line 9"),
        (Phase::Select, "Alg. 1 line 10"),
        (Phase::Link, "Alg. 1 lines 11-19"),
        (Phase::Alloc, "allocation"),
    ];
    for (phase, words) in words {
        assert!(phase.description().contains(words), "{}: {:?}", phase.name(), phase.description());
    }
}

#[test]
fn every_strategy_and_policy_is_found_by_its_name() {
    let real: Vec<&str> = registry::strategies().iter().map(|s| s.name()).collect();
    assert_eq!(real, ["sequential", "batched", "batched-deterministic-parallel", "segment-parallel", "concurrent"]);
    let names = registry::names();
    assert!(names.len() > real.len(), "the mutants are registered too");
    for (i, name) in names.iter().enumerate() {
        assert!(!names[..i].contains(name), "{name} is registered twice");
        assert_eq!(registry::by_name(name).map(|s| s.name()), Some(*name));
    }
    assert!(registry::by_name("no-such-strategy").is_none());
    assert_eq!(churn::names(), ["tombstone", "replace", "consolidate", "rebuild"]);
    for name in churn::names() {
        assert_eq!(churn::by_name(name).map(|p| p.name()), Some(name));
    }
    assert!(churn::by_name("no-such-policy").is_none());
}

/// Each real strategy's one-line description (the CLI's list and the
/// reports print it) names what sets the strategy apart.
#[test]
fn each_strategy_description_names_what_sets_it_apart() {
    let words = [
        ("sequential", "Alg. 1"),
        ("batched", "batch"),
        ("batched-deterministic-parallel", "commit in id order"),
        ("segment-parallel", "segment"),
        ("concurrent", "lock"),
    ];
    for (name, words) in words {
        let s = registry::by_name(name).unwrap();
        assert!(s.description().contains(words), "{name}: {:?}", s.description());
        assert_eq!(s.kind(), Kind::Strategy, "{name}");
    }
}

/// What `--prune` parses: each policy's own name, and nothing else (the
/// error names what it got and what it expects).
#[test]
fn a_prune_policy_parses_from_its_name_only() {
    for p in [PrunePolicy::Standard, PrunePolicy::Symmetric] {
        assert_eq!(p.name().parse::<PrunePolicy>(), Ok(p));
    }
    for bad in ["", "Standard", "symmetric ", "hnswlib"] {
        let e = bad.parse::<PrunePolicy>().unwrap_err();
        assert!(e.contains(&format!("`{bad}`")) && e.contains("standard or symmetric"), "{e}");
    }
}
