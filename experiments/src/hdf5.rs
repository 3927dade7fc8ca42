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

/// The `[rows, columns]` of dataset `what` of the file at `path`.
fn rows_of(path: &Path, shape: &[u64], what: &str) -> Result<(usize, usize)> {
    let p = path.display();
    ensure!(shape.len() == 2, "{p}: `{what}` has shape {shape:?}; expected [rows, columns]");
    let (Ok(rows), Ok(columns)) = (usize::try_from(shape[0]), usize::try_from(shape[1])) else {
        bail!("{p}: `{what}` has shape {shape:?}, beyond this machine's address space");
    };
    Ok((rows, columns))
}

/// Load `path`: the first `n` train rows (default all), the first `queries`
/// test rows (default all), and the `neighbors` ground truth when every id
/// falls inside the loaded base rows (otherwise it is computed exactly).
pub fn load(path: &Path, n: Option<usize>, queries: Option<usize>) -> Result<Dataset> {
    let file = File::open_streaming(path).with_context(|| format!("opening HDF5 file {}", path.display()))?;
    // (rows in the file, dim, the first `limit` rows)
    let read = |name: &str, limit: Option<usize>| -> Result<(usize, usize, Vec<f32>)> {
        let ds = file.dataset(name).with_context(|| format!("{}: no `{name}` dataset", path.display()))?;
        let shape = ds.shape().with_context(|| format!("{}: the shape of `{name}`", path.display()))?;
        let (rows, dim) = rows_of(path, &shape, name)?;
        let take = limit.unwrap_or(rows).min(rows);
        crate::limits::floats(&format!("{}: `{name}`", path.display()), take, dim)?;
        let data = ds.read_f32_rows(0, take as u64).with_context(|| format!("{}: reading `{name}`", path.display()))?;
        ensure!(data.len() == take * dim, "{}: `{name}` gave {} values for {take} x {dim}", path.display(), data.len());
        if let Some(i) = data.iter().position(|x| !x.is_finite()) {
            bail!(
                "{}: `{name}` row {}, column {} is {} as f32; every component must be finite \
                 (an f64 beyond f32's range becomes infinite)",
                path.display(),
                i / dim,
                i % dim,
                data[i]
            );
        }
        Ok((rows, dim, data))
    };
    let (train_rows, dim, base) = read("train", n)?;
    let (test_rows, qdim, queries_data) = read("test", queries)?;
    ensure!(dim >= 1 && !base.is_empty(), "{}: `train` is empty", path.display());
    ensure!(!queries_data.is_empty(), "{}: `test` is empty", path.display());
    ensure!(qdim == dim, "{}: `test` has dimension {qdim}, `train` {dim}", path.display());
    let (n_base, n_queries) = (base.len() / dim, queries_data.len() / dim);
    let ground_truth = match file.dataset("neighbors") {
        Err(_) => None,
        Ok(ds) => {
            let shape = ds.shape().with_context(|| format!("{}: the shape of `neighbors`", path.display()))?;
            let (rows, k) = rows_of(path, &shape, "neighbors")?;
            ensure!(
                rows == test_rows,
                "{}: {rows} `neighbors` rows for {test_rows} `test` rows (one row per query)",
                path.display()
            );
            crate::limits::floats(&format!("{}: `neighbors`", path.display()), n_queries, k)?;
            let ids = ds
                .read_i32_rows(0, n_queries as u64)
                .with_context(|| format!("{}: reading `neighbors`", path.display()))?;
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
            let what = format!("{}: `neighbors`", path.display());
            let ids: Vec<i64> = ids.into_iter().map(i64::from).collect();
            if in_range {
                Some(GroundTruth::checked(&what, k, ids, n_queries, n_base, "")?)
            } else {
                None
            }
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
    fn non_finite_components_and_an_empty_test_set_are_errors_naming_the_cell() {
        let dir = tempfile::tempdir().unwrap();
        let (dim, n, q) = (3usize, 8usize, 4usize);
        let train = synthetic::gaussian(n, dim, 1);
        let test = synthetic::gaussian(q, dim, 2);
        let with = |data: &[f32], at: usize, x: f32| {
            let mut d = data.to_vec();
            d[at] = x;
            d
        };
        // (case, train, test, train as f64, text the error must contain)
        type Case<'a> = (&'a str, Vec<f32>, Vec<f32>, Option<Vec<f64>>, &'a str);
        let wide = |at: usize, x: f64| {
            let mut d: Vec<f64> = train.iter().map(|&v| f64::from(v)).collect();
            d[at] = x;
            Some(d)
        };
        let cases: Vec<Case> = vec![
            ("NaN in train", with(&train, 4, f32::NAN), test.clone(), None, "`train` row 1, column 1 is NaN"),
            ("inf in test", train.clone(), with(&test, 11, f32::INFINITY), None, "`test` row 3, column 2 is inf"),
            ("-inf in train", with(&train, 0, f32::NEG_INFINITY), test.clone(), None, "row 0, column 0 is -inf"),
            ("f64 past f32's range", train.clone(), test.clone(), wide(7, 1e300), "`train` row 2, column 1 is inf"),
            ("f64 NaN", train.clone(), test.clone(), wide(23, f64::NAN), "`train` row 7, column 2 is NaN"),
            ("no test rows", train.clone(), vec![], None, "`test` is empty"),
        ];
        for (case, tr, te, tr64, wants) in cases {
            let path = dir.path().join(format!("{}.hdf5", case.replace(' ', "-")));
            let mut b = FileBuilder::new();
            match &tr64 {
                Some(d) => b.create_dataset("train").with_f64_data(d).with_shape(&[n as u64, dim as u64]),
                None => b.create_dataset("train").with_f32_data(&tr).with_shape(&[n as u64, dim as u64]),
            };
            b.create_dataset("test").with_f32_data(&te).with_shape(&[(te.len() / dim) as u64, dim as u64]);
            b.write(&path).expect("write HDF5");
            let e = format!("{:#}", load(&path, None, None).unwrap_err());
            assert!(e.contains(wants) && e.contains(&path.display().to_string()), "{case}: {e}");
        }
        // A finite f64 inside f32's range loads.
        let path = dir.path().join("f64.hdf5");
        let mut b = FileBuilder::new();
        b.create_dataset("train").with_f64_data(&wide(7, -3e38).unwrap()).with_shape(&[n as u64, dim as u64]);
        b.create_dataset("test").with_f32_data(&test).with_shape(&[q as u64, dim as u64]);
        b.write(&path).unwrap();
        assert_eq!(load(&path, None, None).unwrap().base[7], -3e38);
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
