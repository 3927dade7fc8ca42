//! Numpy arrays in: C-contiguous `float32` rows read in place, everything else
//! a `TypeError`/`ValueError` naming the problem unless a copy was asked for.

use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A borrowed `(rows, dim)` float32 array (a 1-D array is one row).
pub struct Rows<'py> {
    array: PyReadonlyArrayDyn<'py, f32>,
    /// Number of rows.
    pub n: usize,
    /// Row length.
    pub dim: usize,
}

impl<'py> Rows<'py> {
    /// Borrow `obj` as rows. With `copy`, anything numpy can turn into a
    /// float32 array is converted first (one copy); without it, only a
    /// C-contiguous float32 array is accepted, and it is not copied.
    pub fn new(obj: &Bound<'py, PyAny>, copy: bool, what: &str) -> PyResult<Self> {
        let obj = if copy {
            let np = obj.py().import("numpy")?;
            np.call_method1("ascontiguousarray", (obj, np.getattr("float32")?))?
        } else {
            obj.clone()
        };
        let array = match obj.cast::<PyArrayDyn<f32>>() {
            Ok(a) => a.clone(),
            Err(_) => return Err(not_float32(&obj, what)),
        };
        let shape = array.shape().to_vec();
        let (n, dim) = match shape.as_slice() {
            [d] => (1, *d),
            [n, d] => (*n, *d),
            _ => {
                return Err(PyValueError::new_err(format!("{what} must be 1-D or 2-D, got {} dimensions", shape.len())))
            }
        };
        if !array.is_c_contiguous() {
            return Err(PyValueError::new_err(format!(
                "{what} must be C-contiguous (got a strided view); pass copy=True to copy it"
            )));
        }
        let array = array.try_readonly().map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?;
        Ok(Rows { array, n, dim })
    }

    /// The rows, row-major, read in place.
    pub fn slice(&self) -> PyResult<&[f32]> {
        self.array.as_slice().map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

/// The error for an object that is not a float32 array: names its type or dtype.
fn not_float32(obj: &Bound<'_, PyAny>, what: &str) -> PyErr {
    let found = match obj.getattr("dtype") {
        Ok(dtype) => format!("dtype {}", dtype.str().map(|s| s.to_string()).unwrap_or_default()),
        Err(_) => format!("type {}", obj.get_type().name().map(|s| s.to_string()).unwrap_or_default()),
    };
    PyTypeError::new_err(format!("{what} must be a float32 numpy array (got {found}); pass copy=True to convert"))
}

/// The first non-finite coordinate of row-major `data`, as `(row, column, value)`.
pub fn first_non_finite(data: &[f32], dim: usize) -> Option<(usize, usize, f32)> {
    let i = data.iter().position(|x| !x.is_finite())?;
    Some((i / dim, i % dim, data[i]))
}
