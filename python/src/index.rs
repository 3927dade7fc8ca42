//! `hnswlab.Index`: an HNSW built by any hnswlab strategy (or mutant), searched
//! and checked from Python.
//!
//! Labels: the core labels each node by its insertion position; this class
//! keeps the caller's labels beside it (`labels[position]`) and maps search
//! results back, so every strategy, whose builds label rows by position, takes
//! user labels alike.

use std::collections::HashMap;

use hnswlab::registry;
use hnswlab::strategy::{BuildInput, Built};
use hnswlab::{Hnsw, Metric, Params, PrunePolicy, Scratch, Selection};
use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::check;
use crate::input::{first_non_finite, Rows};
use crate::InvariantViolation;

/// Rows inserted between two looks at Ctrl-C during an incremental add.
const CHUNK: usize = 1024;

/// Most threads a build or a batch search may ask for.
const MAX_THREADS: usize = 1024;

/// An HNSW index over `dim`-dimensional float32 vectors.
#[pyclass(module = "hnswlab._hnswlab")]
pub struct Index {
    dim: usize,
    params: Params,
    strategy: String,
    threads: usize,
    built: Option<Built>,
    /// The caller's label of each node, by insertion position.
    labels: Vec<u64>,
    /// Label to position, for duplicate detection.
    positions: HashMap<u64, usize>,
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn metric(name: &str) -> PyResult<Metric> {
    match name {
        "l2" => Ok(Metric::L2),
        "ip" => Ok(Metric::InnerProduct),
        "cosine" => Ok(Metric::Cosine),
        _ => Err(PyValueError::new_err(format!("unknown metric {name:?}; known: \"l2\", \"ip\", \"cosine\""))),
    }
}

fn prune(name: &str) -> PyResult<PrunePolicy> {
    match name {
        "standard" => Ok(PrunePolicy::Standard),
        "symmetric" => Ok(PrunePolicy::Symmetric),
        _ => Err(PyValueError::new_err(format!("unknown prune {name:?}; known: \"standard\", \"symmetric\""))),
    }
}

fn selection(name: &str) -> PyResult<Selection> {
    let all = [
        Selection::Simple,
        Selection::Heuristic { extend_candidates: false, keep_pruned: false },
        Selection::Heuristic { extend_candidates: true, keep_pruned: false },
        Selection::Heuristic { extend_candidates: false, keep_pruned: true },
        Selection::Heuristic { extend_candidates: true, keep_pruned: true },
    ];
    all.into_iter().find(|s| s.name() == name).ok_or_else(|| {
        let names: Vec<_> = all.iter().map(|s| s.name()).collect();
        PyValueError::new_err(format!("unknown selection {name:?}; known: {}", names.join(", ")))
    })
}

#[pymethods]
impl Index {
    /// A new, empty index. `strategy` is any name of `hnswlab.strategies()` or
    /// `hnswlab.mutants()`; `threads` are the build threads of the parallel strategies.
    #[new]
    #[pyo3(signature = (dim, metric = "l2", m = 16, ef_construction = 200, seed = 42, prune = "standard",
                        selection = "heuristic", strategy = "sequential", threads = 1, verify_inserts = false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        dim: usize,
        metric: &str,
        m: usize,
        ef_construction: usize,
        seed: u64,
        prune: &str,
        selection: &str,
        strategy: &str,
        threads: usize,
        verify_inserts: bool,
    ) -> PyResult<Self> {
        if dim == 0 {
            return Err(PyValueError::new_err("dim must be at least 1"));
        }
        if threads == 0 || threads > MAX_THREADS {
            return Err(PyValueError::new_err(format!("threads must be in 1..={MAX_THREADS}, got {threads}")));
        }
        if registry::by_name(strategy).is_none() {
            return Err(PyValueError::new_err(format!(
                "unknown strategy {strategy:?}; known: {}",
                registry::names().join(", ")
            )));
        }
        let params = Params::builder()
            .m(m)
            .ef_construction(ef_construction)
            .seed(seed)
            .metric(self::metric(metric)?)
            .prune(self::prune(prune)?)
            .selection(self::selection(selection)?)
            .verify_inserts(verify_inserts)
            .build()
            .map_err(value_error)?;
        Ok(Index {
            dim,
            params,
            strategy: strategy.to_string(),
            threads,
            built: None,
            labels: Vec::new(),
            positions: HashMap::new(),
        })
    }

    /// Add rows of a C-contiguous float32 array (read in place; `copy=True`
    /// converts anything else first). `labels` default to the insertion
    /// positions. The first `add` of a non-sequential strategy builds with that
    /// strategy; later adds insert one by one (Alg. 1) into its graph.
    #[pyo3(signature = (vectors, labels = None, copy = false))]
    fn add(
        &mut self,
        py: Python<'_>,
        vectors: &Bound<'_, PyAny>,
        labels: Option<Vec<u64>>,
        copy: bool,
    ) -> PyResult<()> {
        let rows = Rows::new(vectors, copy, "vectors")?;
        if rows.dim != self.dim {
            return Err(PyValueError::new_err(format!(
                "vectors have {} columns, the index has dim {}",
                rows.dim, self.dim
            )));
        }
        let start = self.labels.len();
        let labels = match labels {
            Some(l) if l.len() != rows.n => {
                return Err(PyValueError::new_err(format!("{} labels for {} rows", l.len(), rows.n)));
            }
            Some(l) => l,
            None => (start as u64..(start + rows.n) as u64).collect(),
        };
        let mut batch = HashMap::with_capacity(rows.n);
        for (row, &label) in labels.iter().enumerate() {
            if self.positions.contains_key(&label) || batch.insert(label, row).is_some() {
                return Err(PyValueError::new_err(format!("duplicate label {label} at row {row}")));
            }
        }
        let data = rows.slice()?;
        let dim = self.dim;
        if let Some((row, col, value)) = py.detach(|| first_non_finite(data, dim)) {
            return Err(PyValueError::new_err(format!("row {row}, column {col} is {value}: vectors must be finite")));
        }
        if rows.n == 0 {
            return Ok(());
        }
        let result = if self.built.is_none() && self.strategy != "sequential" {
            self.build_batch(py, data)
        } else {
            self.insert_rows(py, data)
        };
        let done = self.built.as_ref().map_or(0, Built::len) - start;
        for (row, &label) in labels.iter().enumerate().take(done) {
            self.positions.insert(label, start + row);
            self.labels.push(label);
        }
        result
    }

    /// The `k` nearest stored vectors to each query row, as `(labels, distances)`
    /// arrays of shape `(queries, k)`, ascending by distance (Alg. 5 at beam
    /// width `ef`, default `max(k, 10)`). Queries are split over `threads`.
    #[pyo3(signature = (queries, k = 10, ef = None, threads = 1))]
    #[allow(clippy::type_complexity)]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        ef: Option<usize>,
        threads: usize,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let rows = Rows::new(queries, true, "queries")?;
        if rows.dim != self.dim {
            return Err(PyValueError::new_err(format!(
                "queries have {} columns, the index has dim {}",
                rows.dim, self.dim
            )));
        }
        let built = self.built.as_ref().filter(|b| !b.is_empty()).ok_or_else(|| value_error("the index is empty"))?;
        if k == 0 || k > built.len() {
            return Err(PyValueError::new_err(format!("k must be in 1..={} (the index size), got {k}", built.len())));
        }
        if threads == 0 || threads > MAX_THREADS {
            return Err(PyValueError::new_err(format!("threads must be in 1..={MAX_THREADS}, got {threads}")));
        }
        let ef = ef.unwrap_or(k.max(10));
        let data = rows.slice()?;
        let (dim, n) = (self.dim, rows.n);
        let mut ids = vec![0u64; n * k];
        let mut dists = vec![0f32; n * k];
        let found = py.detach(|| search_all(built, data, dim, k, ef, threads, &mut ids, &mut dists));
        found?;
        for id in &mut ids {
            *id = self.labels[*id as usize];
        }
        let ids = ids.into_pyarray(py).reshape([n, k])?.into_any();
        let dists = dists.into_pyarray(py).reshape([n, k])?.into_any();
        Ok((ids, dists))
    }

    /// Run the checker over the whole graph. Returns the census (the fields of
    /// `hnswlab build --json`'s `health`; with several segments, `{"segments": [...]}`).
    /// A failed hard invariant raises `InvariantViolation` (its `.violations`
    /// list them), or, with `raise_on_violation=False`, is returned as that list.
    #[pyo3(signature = (raise_on_violation = true))]
    fn check<'py>(&self, py: Python<'py>, raise_on_violation: bool) -> PyResult<Bound<'py, PyAny>> {
        let Some(built) = self.built.as_ref() else {
            let empty = Built::single(Hnsw::new(self.dim, self.params.clone()).map_err(value_error)?);
            return self.census(py, &empty, raise_on_violation);
        };
        self.census(py, built, raise_on_violation)
    }

    /// Number of stored vectors.
    fn __len__(&self) -> usize {
        self.labels.len()
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.dim
    }

    /// The strategy (or mutant) that builds this index.
    #[getter]
    fn strategy(&self) -> &str {
        &self.strategy
    }

    /// Bytes held by the index (vectors, lists, labels).
    fn memory_bytes(&self) -> usize {
        self.built.as_ref().map_or(0, Built::memory_bytes)
    }

    /// The caller's labels, in insertion order.
    fn labels<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.labels.clone().into_pyarray(py).into_any()
    }

    fn __repr__(&self) -> String {
        format!(
            "hnswlab.Index(dim={}, metric={:?}, m={}, ef_construction={}, strategy={:?}, len={})",
            self.dim,
            self.params.metric().name(),
            self.params.m(),
            self.params.ef_construction(),
            self.strategy,
            self.labels.len()
        )
    }
}

impl Index {
    /// Build from one batch with the configured strategy (no interpreter held).
    fn build_batch(&mut self, py: Python<'_>, data: &[f32]) -> PyResult<()> {
        let strategy = registry::by_name(&self.strategy).expect("validated in new");
        let input = BuildInput { dim: self.dim, params: &self.params, data, threads: self.threads };
        let built = py.detach(|| strategy.build(&input, None)).map_err(value_error)?;
        self.built = Some(built);
        Ok(())
    }

    /// Insert rows one by one (Alg. 1), `CHUNK` at a time without the
    /// interpreter, looking for Ctrl-C between chunks: an interrupted add keeps
    /// the rows inserted before it.
    fn insert_rows(&mut self, py: Python<'_>, data: &[f32]) -> PyResult<()> {
        if self.built.is_none() {
            self.built = Some(Built::single(Hnsw::new(self.dim, self.params.clone()).map_err(value_error)?));
        }
        let built = self.built.as_mut().expect("set above");
        if built.segments.len() != 1 {
            return Err(PyValueError::new_err(format!(
                "{} builds {} segments from one add(); it cannot take more rows",
                self.strategy,
                built.segments.len()
            )));
        }
        let index = &mut built.segments[0];
        let base = index.len();
        for chunk in data.chunks(CHUNK * self.dim) {
            py.detach(|| chunk.chunks(self.dim).try_for_each(|row| index.insert(index.len() as u64, row).map(drop)))
                .map_err(|e| PyValueError::new_err(format!("row {}: {e}", index.len() - base)))?;
            py.check_signals()?;
        }
        Ok(())
    }

    fn census<'py>(&self, py: Python<'py>, built: &Built, raise_on_violation: bool) -> PyResult<Bound<'py, PyAny>> {
        let outcome = py.detach(|| check::run(built, &self.params, self.labels.len()));
        if !outcome.violations.is_empty() {
            let list = check::violation_list(py, &outcome.violations)?;
            if !raise_on_violation {
                return Ok(list.into_any());
            }
            let first = outcome.violations[0].1.to_string();
            let err = InvariantViolation::new_err(format!(
                "{} hard invariant violation(s); first: {first}",
                outcome.violations.len()
            ));
            err.value(py).setattr("violations", list)?;
            return Err(err);
        }
        if outcome.health.len() == 1 {
            return check::health_dict(py, &outcome.health[0]);
        }
        let segments = pyo3::types::PyList::empty(py);
        for h in &outcome.health {
            segments.append(check::health_dict(py, h)?)?;
        }
        let d = pyo3::types::PyDict::new(py);
        d.set_item("segments", segments)?;
        Ok(d.into_any())
    }
}

/// Search every query row of `data`, `threads` ways, into `ids`/`dists` (`k` per row).
#[allow(clippy::too_many_arguments)]
fn search_all(
    built: &Built,
    data: &[f32],
    dim: usize,
    k: usize,
    ef: usize,
    threads: usize,
    ids: &mut [u64],
    dists: &mut [f32],
) -> PyResult<()> {
    let n = data.len() / dim;
    let per = n.div_ceil(threads.min(n.max(1)));
    std::thread::scope(|s| {
        let workers: Vec<_> = data
            .chunks(per * dim)
            .zip(ids.chunks_mut(per * k).zip(dists.chunks_mut(per * k)))
            .enumerate()
            .map(|(w, (queries, (ids, dists)))| {
                s.spawn(move || -> PyResult<()> {
                    let mut scratch = Scratch::new();
                    for (i, q) in queries.chunks(dim).enumerate() {
                        let found = built
                            .search_with(&mut scratch, q, k, ef)
                            .map_err(|e| PyValueError::new_err(format!("query row {}: {e}", w * per + i)))?;
                        for (j, hit) in found.iter().enumerate() {
                            ids[i * k + j] = hit.label;
                            dists[i * k + j] = hit.distance;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().expect("search worker panicked"))
    })
}
