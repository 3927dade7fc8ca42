//! ann-benchmarks HDF5 files (`train`, `test`, `neighbors`, `distances`)
//! through the pure-Rust `hdf5-pure` reader (cargo feature `hdf5`, on by
//! default), so users can run SIFT1M, GloVe or Fashion-MNIST they already have.
//!
//! `train` and `test` are `[rows, dim]` float datasets; `neighbors` holds the
//! true neighbour ids per test row, nearest first. `distances` is not read:
//! true distances are recomputed from the ids under the configured metric
//! (and spot-checked against brute force, see `metrics::truth`). The file's
//! `distance` attribute ("euclidean", "angular") is not read either: set the
//! data set's `metric` to `l2` or `cosine` to match it.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use hdf5_pure::File;

use crate::data::{Dataset, GroundTruth, Source};

fn rows_of(shape: &[u64], what: &str) -> Result<(usize, usize)> {
    ensure!(shape.len() == 2, "`{what}` has shape {shape:?}; expected [rows, columns]");
    Ok((shape[0] as usize, shape[1] as usize))
}

/// Load `path`: the first `n` train rows (default all), the first `queries`
/// test rows (default all), and the `neighbors` ground truth when every id
/// falls inside the loaded base rows (otherwise it is computed exactly).
pub fn load(path: &Path, n: Option<usize>, queries: Option<usize>) -> Result<Dataset> {
    let file = File::open_streaming(path).with_context(|| format!("opening HDF5 file {}", path.display()))?;
    // (rows in the file, dim, the first `limit` rows)
    let read = |name: &str, limit: Option<usize>| -> Result<(usize, usize, Vec<f32>)> {
        let ds = file.dataset(name).with_context(|| format!("{}: no `{name}` dataset", path.display()))?;
        let (rows, dim) = rows_of(&ds.shape()?, name)?;
        let take = limit.unwrap_or(rows).min(rows);
        crate::limits::floats(&format!("{}: `{name}`", path.display()), take, dim)?;
        let data = ds.read_f32_rows(0, take as u64).with_context(|| format!("{}: reading `{name}`", path.display()))?;
        ensure!(data.len() == take * dim, "{}: `{name}` gave {} values for {take} x {dim}", path.display(), data.len());
        Ok((rows, dim, data))
    };
    let (train_rows, dim, base) = read("train", n)?;
    let (_, qdim, queries_data) = read("test", queries)?;
    ensure!(dim >= 1 && !base.is_empty(), "{}: `train` is empty", path.display());
    ensure!(qdim == dim, "{}: `test` has dimension {qdim}, `train` {dim}", path.display());
    let (n_base, n_queries) = (base.len() / dim, queries_data.len() / dim);
    let ground_truth = match file.dataset("neighbors") {
        Err(_) => None,
        Ok(ds) => {
            let (rows, k) = rows_of(&ds.shape()?, "neighbors")?;
            ensure!(rows >= n_queries, "{}: {rows} `neighbors` rows for {n_queries} queries", path.display());
            crate::limits::floats(&format!("{}: `neighbors`", path.display()), n_queries, k)?;
            let ids = ds.read_i32_rows(0, n_queries as u64)?;
            // An id outside the file's own `train` rows is a broken file, whatever was loaded.
            if let Some((i, &id)) = ids.iter().enumerate().find(|(_, &id)| id < 0 || id as usize >= train_rows) {
                bail!(
                    "{}: `neighbors` row {}, column {} is id {id}, outside the {train_rows} `train` rows",
                    path.display(),
                    i / k.max(1),
                    i % k.max(1)
                );
            }
            // With fewer base rows loaded than the file has (`n`), ids may
            // point past them: the file's truth does not apply; compute it exactly.
            let in_range = ids.iter().all(|&id| (id as usize) < n_base);
            in_range.then(|| GroundTruth { k, ids: ids.into_iter().map(|id| id as u32).collect() })
        }
    };
    Ok(Dataset {
        name: path.file_stem().and_then(|s| s.to_str()).unwrap_or("hdf5").to_string(),
        source: Source::Texmex {
            base: path.to_path_buf(),
            query: path.to_path_buf(),
            groundtruth: ground_truth.as_ref().map(|_| path.to_path_buf()),
        },
        dim,
        base,
        queries: queries_data,
        ground_truth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdf5_pure::FileBuilder;
    use hnswlab::oracle::exact_knn_flat;
    use hnswlab::{synthetic, Metric};

    /// An ann-benchmarks-shaped file: 200 x 6 train, 7 test, exact top-10 neighbours.
    fn write_file(path: &Path) -> (Vec<f32>, Vec<f32>, Vec<i32>) {
        let (dim, k) = (6, 10);
        let train = synthetic::gaussian(200, dim, 1);
        let test = synthetic::gaussian(7, dim, 2);
        let neighbors: Vec<i32> = test
            .chunks(dim)
            .flat_map(|q| exact_knn_flat(Metric::L2, &train, dim, q, k).unwrap().into_iter().map(|s| s.id.0 as i32))
            .collect();
        let mut b = FileBuilder::new();
        b.create_dataset("train").with_f32_data(&train).with_shape(&[200, dim as u64]);
        b.create_dataset("test").with_f32_data(&test).with_shape(&[7, dim as u64]);
        b.create_dataset("neighbors").with_i32_data(&neighbors).with_shape(&[7, k as u64]);
        b.write(path).expect("write HDF5");
        (train, test, neighbors)
    }

    #[test]
    fn reads_train_test_and_neighbors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny-euclidean.hdf5");
        let (train, test, neighbors) = write_file(&path);
        let ds = load(&path, None, None).unwrap();
        assert_eq!((ds.name.as_str(), ds.n(), ds.dim, ds.query_count()), ("tiny-euclidean", 200, 6, 7));
        assert_eq!((ds.base, ds.queries), (train, test));
        let gt = ds.ground_truth.expect("neighbors read");
        assert_eq!(gt.k, 10);
        assert_eq!(gt.ids, neighbors.iter().map(|&i| i as u32).collect::<Vec<_>>());
    }

    #[test]
    fn neighbors_outside_the_train_rows_are_an_error_naming_the_cell() {
        let dir = tempfile::tempdir().unwrap();
        let (dim, k) = (3, 4);
        let train = synthetic::gaussian(50, dim, 1);
        let test = synthetic::gaussian(5, dim, 2);
        // (row, column, bad id): negative, one past the end, far past the end.
        for (row, col, bad) in [(0usize, 0usize, -1i32), (2, 3, 50), (4, 1, i32::MAX), (1, 2, i32::MIN)] {
            let mut neighbors: Vec<i32> = (0..5 * k as i32).map(|i| i % 50).collect();
            neighbors[row * k + col] = bad;
            let path = dir.path().join(format!("bad-{row}-{col}.hdf5"));
            let mut b = FileBuilder::new();
            b.create_dataset("train").with_f32_data(&train).with_shape(&[50, dim as u64]);
            b.create_dataset("test").with_f32_data(&test).with_shape(&[5, dim as u64]);
            b.create_dataset("neighbors").with_i32_data(&neighbors).with_shape(&[5, k as u64]);
            b.write(&path).unwrap();
            for n in [None, Some(10)] {
                let e = format!("{:#}", load(&path, n, None).unwrap_err());
                assert!(e.contains(&format!("row {row}, column {col} is id {bad}")), "n {n:?}: {e}");
            }
        }
    }

    #[test]
    fn limits_rows_and_drops_a_ground_truth_that_points_past_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.hdf5");
        write_file(&path);
        let ds = load(&path, Some(20), Some(3)).unwrap();
        assert_eq!((ds.n(), ds.query_count()), (20, 3));
        assert!(ds.ground_truth.is_none(), "ids beyond row 20 must not be used");
        let err = format!("{:#}", load(&dir.path().join("missing.hdf5"), None, None).unwrap_err());
        assert!(err.contains("missing.hdf5"), "{err}");
    }
}
