//! `Index.check()`: the checker's census and violations as Python objects.
//!
//! The census is `hnswlab_invariants::Health` serialised with serde, so its
//! field names are exactly those of `hnswlab build --json`'s `health`.

use hnswlab::strategy::Built;
use hnswlab::Params;
use hnswlab_invariants::{check_all, Expectations, Health, Violation};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// What `check_all` found over every segment of a build.
pub struct Outcome {
    /// One census per segment that passed.
    pub health: Vec<Health>,
    /// `(segment, violation)` for every segment that failed.
    pub violations: Vec<(usize, Violation)>,
}

/// Run `check_all` on each segment, with the expectations that follow from `params`.
/// I8 (node count) is checked per segment only when there is one segment.
pub fn run(built: &Built, params: &Params, inserted: usize) -> Outcome {
    let single = built.segments.len() == 1;
    let expect = Expectations { inserted: single.then_some(inserted), ..Expectations::for_params(params) };
    let mut out = Outcome { health: Vec::new(), violations: Vec::new() };
    for (i, seg) in built.segments.iter().enumerate() {
        match check_all(seg, &expect) {
            Ok(h) => out.health.push(h),
            Err(vs) => out.violations.extend(vs.0.into_iter().map(|v| (i, v))),
        }
    }
    out
}

/// A census as a dict, through its JSON form (same field names as the CLI's).
pub fn health_dict<'py>(py: Python<'py>, health: &Health) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(health).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// The violations as a list of dicts `{kind, segment, message}`.
pub fn violation_list<'py>(py: Python<'py>, violations: &[(usize, Violation)]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for (segment, v) in violations {
        let d = PyDict::new(py);
        d.set_item("kind", kind(v))?;
        d.set_item("segment", segment)?;
        d.set_item("message", v.to_string())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The variant name of a violation (`"LinkOutOfRange"`, ...).
fn kind(v: &Violation) -> String {
    let debug = format!("{v:?}");
    debug.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_string()
}
