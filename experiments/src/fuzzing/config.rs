//! The `config` fuzz body: TOML in, "a typed error or a valid plan, never a
//! panic". A config that parses must satisfy everything the run relies on
//! before any data is made: every data set name is one safe path component,
//! every size within [`crate::limits`], and the config survives a TOML round
//! trip.

use crate::compare::config::CompareConfig;
use crate::config::Config;
use crate::data::{check_component, DEFAULT_QUERIES};

/// Inputs larger than this are rejected, not run slowly.
pub const MAX_INPUT: usize = 16 * 1024;

/// Parse `data` as an experiment config and as a comparison config; panic
/// only if a config is accepted that the run could not rely on.
pub fn config_text(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(c) = Config::parse(text) {
        check_plan(c.datasets.iter(), &c.name, &c.threads);
        let again = toml::to_string(&c).expect("a parsed config serialises");
        let back = Config::parse(&again).unwrap_or_else(|e| panic!("round trip of {text:?} fails: {e:#}\n{again}"));
        assert_eq!(back.name, c.name);
    }
    if let Ok(c) = CompareConfig::parse(text) {
        check_plan(c.datasets.iter(), &c.name, &c.threads);
        assert!((1..=crate::limits::MAX_PASSES).contains(&c.search_passes), "{text:?}");
    }
}

fn check_plan<'a>(datasets: impl Iterator<Item = &'a crate::data::DatasetSpec>, name: &str, threads: &[usize]) {
    check_component("name", name).unwrap_or_else(|e| panic!("accepted name {name:?}: {e}"));
    assert!(threads.iter().all(|&t| (1..=crate::limits::MAX_THREADS).contains(&t)), "threads {threads:?}");
    for d in datasets {
        d.validate().unwrap_or_else(|e| panic!("accepted data set fails validation: {e:#}"));
        let component = std::path::Path::new(&d.name).components().count() == 1
            && !d.name.contains(['/', '\\'])
            && d.name != ".."
            && d.name != ".";
        assert!(component, "data set name {:?} is not one path component", d.name);
        if let (Some(n), Some(dim)) = (d.n, d.dim) {
            crate::limits::floats("n", n, dim).expect("validated n x dim");
            crate::limits::floats("queries", d.queries.unwrap_or(DEFAULT_QUERIES), dim).expect("validated queries");
        }
        if let (Some(n), Some(copies)) = (d.n, d.copies) {
            assert!(copies >= 1 && copies <= n, "copies {copies} of n {n}");
        }
    }
}
