//! `hnswlab._hnswlab`: the Python extension module (PyO3 + numpy).
//!
//! The pure-Python package `hnswlab` re-exports it. Vectors come in as
//! C-contiguous `float32` numpy arrays and are read in place ([`input`]); the
//! only copy is into the index's own storage. Builds and batch searches run
//! with the interpreter released ([`Python::detach`]), so other Python threads
//! progress meanwhile.

#![deny(unsafe_code)]

use pyo3::prelude::*;

mod check;
mod index;
mod input;

pyo3::create_exception!(
    _hnswlab,
    InvariantViolation,
    pyo3::exceptions::PyException,
    "A hard HNSW invariant failed; `.violations` lists them (kind, segment, message)."
);

/// Names of the real insertion strategies, in report order.
#[pyfunction]
fn strategies() -> Vec<&'static str> {
    hnswlab::registry::strategies().iter().map(|s| s.name()).collect()
}

/// Names of the deliberate mutants (known HNSW bugs the checks must catch).
#[pyfunction]
fn mutants() -> Vec<&'static str> {
    hnswlab::mutants::mutants().iter().map(|s| s.name()).collect()
}

/// The address of the buffer `add` would read for `vectors` (a test hook: equal to
/// `vectors.ctypes.data` means the array is read in place, not copied).
#[pyfunction]
#[pyo3(signature = (vectors, copy = false))]
fn _buffer_address(vectors: &Bound<'_, PyAny>, copy: bool) -> PyResult<usize> {
    let rows = input::Rows::new(vectors, copy, "vectors")?;
    Ok(rows.slice()?.as_ptr() as usize)
}

#[pymodule]
fn _hnswlab(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("InvariantViolation", m.py().get_type::<InvariantViolation>())?;
    m.add_class::<index::Index>()?;
    m.add_function(wrap_pyfunction!(strategies, m)?)?;
    m.add_function(wrap_pyfunction!(mutants, m)?)?;
    m.add_function(wrap_pyfunction!(_buffer_address, m)?)?;
    Ok(())
}
