//! Quality metrics: exact ground truth, recall@k with the ann-benchmarks ε rule,
//! and the registry saying which direction is better for each reported number.

use std::borrow::Cow;

use anyhow::{ensure, Context, Result};
use hnswlab::distance::prepare;
use hnswlab::reference;
use hnswlab::Metric;

use crate::data::Dataset;
use crate::progress;

/// Recall is measured at this k.
pub const K: usize = 10;

/// Slack of the ε rule, relative and absolute.
pub const EPSILON: f32 = 1e-6;

/// The ε rule (ann-benchmarks): a returned neighbour counts as a hit when its
/// distance is at most `threshold(kth)`, `kth` being the k-th true distance.
/// Ties at the k-th distance therefore do not distort recall.
pub fn threshold(kth: f32) -> f32 {
    kth * (1.0 + EPSILON) + EPSILON
}

/// A search asked for `k` neighbours returned another number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the search returned {returned} results for k = {k}")]
pub struct WrongCount {
    /// Results returned.
    pub returned: usize,
    /// Results asked for.
    pub k: usize,
    /// Hits among the first `min(returned, k)` results.
    pub hits: usize,
}

/// Hits among the `k` rows `found` for query `q` of `ds`, whose k-th true
/// distance is `kth`: each returned row is re-measured by the reference
/// kernel, so neither the truth nor the judgement uses the index's kernels (a
/// kernel that under-reports distances cannot make wrong rows look like
/// hits). A search asked for `k` over an index of at least `k` vectors must
/// return exactly `k`: fewer (a short list) or more is [`WrongCount`], which
/// a caller reports as a defect, not as a lower or higher recall. A row
/// outside the base set is a miss.
pub fn hits(
    ds: &Dataset,
    metric: Metric,
    q: &[f32],
    found: impl ExactSizeIterator<Item = usize>,
    k: usize,
    kth: f32,
) -> std::result::Result<usize, WrongCount> {
    let t = f64::from(threshold(kth));
    let returned = found.len();
    let hits = found.take(k).filter(|&row| row < ds.n() && reference_distance(metric, q, ds.vector(row)) <= t).count();
    let found = returned;
    if found == k {
        Ok(hits)
    } else {
        Err(WrongCount { returned: found, k, hits })
    }
}

/// Recall@k that does not rise with ef, as a violation message.
///
/// `points` are `(ef, recall)` pairs. Compares the smallest ef with the largest
/// when the largest is at least [`FLAT_RECALL_EF_RATIO`] times the smallest and
/// the smallest's recall is below [`FLAT_RECALL_SATURATED`]: a beam four times
/// wider explores a superset of the region in every healthy build measured
/// here, so equal or lower recall means the search does not use its ef (it
/// stops at the wrong moment or ignores its bound). Above the saturation
/// level a flat line is just the ceiling.
pub fn flat_recall(points: &[(usize, f64)]) -> Option<String> {
    let lo = points.iter().min_by_key(|p| p.0)?;
    let hi = points.iter().max_by_key(|p| p.0)?;
    (hi.0 >= FLAT_RECALL_EF_RATIO * lo.0 && lo.1 < FLAT_RECALL_SATURATED && hi.1 <= lo.1).then(|| {
        format!(
            "search: recall@{K} does not rise with ef ({:.4} at ef {} and {:.4} at ef {}): the search does \
             not use its beam",
            lo.1, lo.0, hi.1, hi.0
        )
    })
}

/// [`flat_recall`] compares ef values at least this far apart.
pub const FLAT_RECALL_EF_RATIO: usize = 4;
/// [`flat_recall`] ignores a flat line from this recall on.
pub const FLAT_RECALL_SATURATED: f64 = 0.99;

/// `data` as the index stores it (unit norm under cosine), checked finite.
pub fn prepared(metric: Metric, dim: usize, data: &[f32]) -> Result<Cow<'_, [f32]>> {
    if metric == Metric::Cosine {
        let mut out = Vec::with_capacity(data.len());
        for (i, v) in data.chunks_exact(dim).enumerate() {
            out.extend(prepare(metric, dim, v).with_context(|| format!("vector {i}"))?);
        }
        Ok(Cow::Owned(out))
    } else {
        for (i, v) in data.chunks_exact(dim).enumerate() {
            prepare(metric, dim, v).with_context(|| format!("vector {i}"))?;
        }
        Ok(Cow::Borrowed(data))
    }
}

/// Where the true distances came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TruthSource {
    /// Brute force over the base set.
    Exact,
    /// Ids from a ground-truth file, distances recomputed.
    File,
}

impl TruthSource {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            TruthSource::Exact => "exact",
            TruthSource::File => "file",
        }
    }
}

/// The k-th true distance of every query, plus notes about the ground truth.
#[derive(Clone, Debug)]
pub struct Truth {
    /// k used (min of [`K`] and n).
    pub k: usize,
    /// k-th true distance per query.
    pub kth: Vec<f32>,
    /// Exact or from a file.
    pub source: TruthSource,
    /// The metric the distances are under.
    pub metric: Metric,
    /// Warnings, e.g. a file that disagrees with brute force.
    pub notes: Vec<String>,
}

/// The k-th true distance of each query of `ds` under `metric`: from the
/// ground-truth file when there is one, else by brute force (threaded, with a
/// progress bar).
pub fn truth(ds: &Dataset, metric: Metric, show_progress: bool) -> Result<Truth> {
    // Validated as the index will see them (finite; non-zero under cosine),
    // then measured on the raw rows by the reference kernel.
    prepared(metric, ds.dim, &ds.base).context("base set")?;
    prepared(metric, ds.dim, &ds.queries).context("query set")?;
    let k = K.min(ds.n());
    let dim = ds.dim;
    let Some(gt) = &ds.ground_truth else {
        let kth = exact_kth(metric, &ds.base, &ds.queries, dim, k, show_progress);
        return Ok(Truth { k, kth, source: TruthSource::Exact, metric, notes: Vec::new() });
    };
    ensure!(gt.k >= k, "ground truth has {} neighbours per query; recall@{K} needs {k}", gt.k);
    let kth: Vec<f32> = (0..ds.query_count())
        .map(|i| {
            let q = ds.query(i);
            gt.row(i)[..k]
                .iter()
                .map(|&id| reference_distance(metric, q, ds.vector(id as usize)))
                .fold(f64::NEG_INFINITY, f64::max) as f32
        })
        .collect();
    let mut notes = Vec::new();
    if let Some(problem) = spot_check(metric, &ds.base, &ds.queries, dim, k, &kth) {
        ensure!(gt.trusted, "{problem}; pass --trust-groundtruth (config: trust_groundtruth = true) to use it anyway");
        notes.push(problem);
    }
    Ok(Truth { k, kth, source: TruthSource::File, metric, notes })
}

/// Rows of a ground-truth file checked against brute force by [`spot_check`].
pub const SPOT_CHECK_ROWS: usize = 20;

/// Compare the file's k-th distance (`kth`, from its ids) with brute force
/// on [`SPOT_CHECK_ROWS`] rows spread over the queries, both ways: farther
/// than the true k-th (its ids are not the nearest: recall inflated) or
/// nearer (impossible for k distinct true neighbours: recall deflated). A
/// file made for another metric or base set fails one way or the other.
/// Returns what disagrees, if anything.
fn spot_check(metric: Metric, base: &[f32], queries: &[f32], dim: usize, k: usize, kth: &[f32]) -> Option<String> {
    let count = kth.len();
    let sample = count.min(SPOT_CHECK_ROWS);
    let rows: Vec<usize> = (0..sample).map(|j| j * count / sample).collect();
    let picked: Vec<f32> = rows.iter().flat_map(|&i| queries[i * dim..(i + 1) * dim].iter().copied()).collect();
    let exact = exact_kth(metric, base, &picked, dim, k, false);
    let slack = |d: f32| threshold(d) * (1.0 + 1e-4);
    let farther: Vec<usize> = rows.iter().zip(&exact).filter(|&(&i, &e)| kth[i] > slack(e)).map(|(&i, _)| i).collect();
    let nearer: Vec<usize> = rows.iter().zip(&exact).filter(|&(&i, &e)| slack(kth[i]) < e).map(|(&i, _)| i).collect();
    let what = |rows: &[usize], how: &str| {
        format!(
            "ground truth disagrees with brute force under metric {}: on {} of {sample} sampled queries \
             (first: query {}) its k-th neighbour is {how} than the true k-th (was it made for another \
             metric or base set?)",
            metric.name(),
            rows.len(),
            rows[0]
        )
    };
    match (farther.is_empty(), nearer.is_empty()) {
        (true, true) => None,
        (false, _) => Some(what(&farther, "farther (recall would be inflated)")),
        (true, false) => Some(what(&nearer, "nearer (recall would be deflated)")),
    }
}

/// The reference distance ([`hnswlab::reference`]) of two rows that passed
/// [`prepared`]; infinite if the metric cannot measure them.
pub fn reference_distance(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    reference::distance(metric, a, b).unwrap_or(f64::INFINITY)
}

/// Brute-force k-th distance per query by the reference kernel (scalar f64,
/// independent of the index's SIMD kernels), split over the available cores.
fn exact_kth(metric: Metric, base: &[f32], queries: &[f32], dim: usize, k: usize, show_progress: bool) -> Vec<f32> {
    let count = queries.len() / dim;
    let bar = progress::bar(count as u64, "ground truth", show_progress);
    let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).min(count.max(1));
    let per = count.div_ceil(threads).max(1);
    let kth = std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(per * dim)
            .map(|chunk| {
                let bar = bar.clone();
                s.spawn(move || {
                    chunk
                        .chunks_exact(dim)
                        .map(|q| {
                            let top = reference::exact_knn(metric, base, dim, q, k);
                            bar.inc(1);
                            top.last().map_or(f32::INFINITY, |&(d, _)| d as f32)
                        })
                        .collect::<Vec<f32>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("ground-truth worker panicked")).collect()
    });
    bar.finish_and_clear();
    kth
}

/// Which direction of a reported number is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Larger is better.
    Higher,
    /// Smaller is better.
    Lower,
}

/// A reported number: its JSON key, unit and better direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricInfo {
    /// Key in the JSON output.
    pub key: &'static str,
    /// Unit, for chart axes.
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
}

/// Every number `hnswlab build` and `hnswlab report` report that a chart or Pareto frontier may use.
pub const REGISTRY: &[MetricInfo] = &[
    MetricInfo { key: "recall_at_10", unit: "fraction", better: Better::Higher },
    MetricInfo { key: "qps", unit: "queries/s", better: Better::Higher },
    MetricInfo { key: "distances_per_query", unit: "distance computations", better: Better::Lower },
    MetricInfo { key: "build_seconds", unit: "s", better: Better::Lower },
    MetricInfo { key: "vectors_per_second", unit: "vectors/s", better: Better::Higher },
    MetricInfo { key: "memory_bytes", unit: "bytes", better: Better::Lower },
    MetricInfo { key: "latency_p50_us", unit: "µs", better: Better::Lower },
    MetricInfo { key: "latency_p95_us", unit: "µs", better: Better::Lower },
    MetricInfo { key: "latency_p99_us", unit: "µs", better: Better::Lower },
    MetricInfo { key: "peak_rss_bytes", unit: "bytes", better: Better::Lower },
    MetricInfo { key: "one_way_fraction", unit: "fraction of edges", better: Better::Lower },
    MetricInfo { key: "unreachable", unit: "nodes", better: Better::Lower },
    MetricInfo { key: "zero_in_degree", unit: "(node, layer) pairs", better: Better::Lower },
    MetricInfo { key: "descent_seconds", unit: "s, summed over build threads", better: Better::Lower },
    MetricInfo { key: "search_seconds", unit: "s, summed over build threads", better: Better::Lower },
    MetricInfo { key: "select_seconds", unit: "s, summed over build threads", better: Better::Lower },
    MetricInfo { key: "link_seconds", unit: "s, summed over build threads", better: Better::Lower },
    MetricInfo { key: "alloc_seconds", unit: "s, summed over build threads", better: Better::Lower },
    MetricInfo { key: "distances_per_insert", unit: "distance computations", better: Better::Lower },
];

/// The registry entry of `key`.
pub fn info(key: &str) -> Option<&'static MetricInfo> {
    REGISTRY.iter().find(|m| m.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataKind, DatasetSpec, GroundTruth, Source};

    /// A synthetic set of `n` vectors of `dim` and `queries` queries.
    fn synthetic_set(kind: DataKind, n: usize, dim: usize, queries: usize, seed: u64) -> Result<Dataset> {
        crate::data::load(&DatasetSpec::synthetic(kind, n, dim, queries), seed)
    }

    /// One-dimensional rows at squared distance `d` from the query 0.
    fn rows_at(ds: &[f64]) -> Dataset {
        let base = ds.iter().map(|&d| d.sqrt() as f32).collect();
        Dataset {
            name: "t".into(),
            source: Source::Synthetic(DataKind::Gaussian),
            dim: 1,
            base,
            queries: vec![0.0],
            ground_truth: None,
        }
    }

    #[test]
    fn epsilon_rule_counts_ties_and_rounding_as_hits() {
        let ds = rows_at(&[0.5, 1.0, 1.0 + 5e-7, 1.01, 1e-7]);
        assert_eq!(hits(&ds, Metric::L2, &[0.0], 0..4, 4, 1.0).unwrap(), 3);
        assert_eq!(hits(&ds, Metric::L2, &[0.0], [4].into_iter(), 1, 0.0).unwrap(), 1, "absolute slack at distance 0");
    }

    #[test]
    fn hits_are_judged_by_the_reference_distance_not_the_reported_one() {
        // Whatever distance the index reported, row 3 (1.01) is not within the 10th true distance 1.0.
        let ds = rows_at(&[0.5, 1.0, 1.0 + 5e-7, 1.01]);
        assert_eq!(hits(&ds, Metric::L2, &[0.0], [3].into_iter(), 1, 1.0).unwrap(), 0);
        assert_eq!(
            hits(&ds, Metric::L2, &[0.0], [99].into_iter(), 1, 1.0).unwrap(),
            0,
            "a row outside the base is a miss"
        );
    }

    #[test]
    fn a_short_or_long_result_list_is_an_error_not_a_recall() {
        let ds = rows_at(&[0.5, 1.0]);
        for k in [1, 3, 10] {
            let e = hits(&ds, Metric::L2, &[0.0], 0..2, k, 1.0).unwrap_err();
            assert_eq!((e.returned, e.k, e.hits), (2, k, k.min(2)), "k {k}");
            assert!(e.to_string().contains(&format!("returned 2 results for k = {k}")), "{e}");
        }
        assert_eq!(hits(&ds, Metric::L2, &[0.0], 0..2, 2, 1.0).unwrap(), 2);
        assert!(hits(&ds, Metric::L2, &[0.0], 0..0, 1, 1.0).is_err());
    }

    #[test]
    fn flat_recall_is_flagged_on_both_sides_of_each_boundary() {
        // The collapse: the same recall at every ef.
        let flat = [(10, 0.21), (20, 0.21), (40, 0.21), (80, 0.21), (160, 0.21), (320, 0.21)];
        assert!(flat_recall(&flat).unwrap().contains("0.2100 at ef 10"));
        // Rising, even slightly: healthy.
        assert_eq!(flat_recall(&[(10, 0.5), (40, 0.5001)]), None);
        // Falling: flagged.
        assert!(flat_recall(&[(10, 0.5), (40, 0.4)]).is_some());
        // ef ratio just below / at the bound.
        assert_eq!(flat_recall(&[(10, 0.5), (39, 0.5)]), None);
        assert!(flat_recall(&[(10, 0.5), (40, 0.5)]).is_some());
        // Saturation just below / at the bound.
        assert!(flat_recall(&[(10, 0.9899), (40, 0.9899)]).is_some());
        assert_eq!(flat_recall(&[(10, FLAT_RECALL_SATURATED), (40, FLAT_RECALL_SATURATED)]), None);
        // One point, or none: nothing to compare.
        assert_eq!(flat_recall(&[(10, 0.1)]), None);
        assert_eq!(flat_recall(&[]), None);
        // Order of the points does not matter.
        assert!(flat_recall(&[(320, 0.21), (10, 0.21), (80, 0.3)]).is_some());
    }

    #[test]
    fn exact_truth_matches_the_oracle() {
        let ds = synthetic_set(DataKind::Gaussian, 200, 5, 9, 3).unwrap();
        let t = truth(&ds, Metric::L2, false).unwrap();
        assert_eq!((t.k, t.kth.len(), t.source), (K, 9, TruthSource::Exact));
        for i in 0..9 {
            let top = reference::exact_knn(Metric::L2, &ds.base, 5, ds.query(i), K);
            assert_eq!(t.kth[i], top[K - 1].0 as f32, "query {i}");
            // The index's kernel agrees to rounding, so recall is not skewed by the change of kernel.
            let kernel = Metric::L2.distance(ds.query(i), ds.vector(top[K - 1].1));
            assert!((kernel - t.kth[i]).abs() <= 1e-5 * t.kth[i].max(1.0), "query {i}: {kernel} vs {}", t.kth[i]);
        }
    }

    #[test]
    fn file_truth_recomputes_distances_and_flags_a_wrong_file() {
        let mut ds = synthetic_set(DataKind::Gaussian, 100, 4, 3, 5).unwrap();
        let ids: Vec<u32> = (0..3)
            .flat_map(|i| reference::exact_knn(Metric::L2, &ds.base, 4, ds.query(i), K))
            .map(|s| s.1 as u32)
            .collect();
        ds.ground_truth = Some(GroundTruth { k: K, ids: ids.clone(), trusted: false });
        let exact = truth(&ds, Metric::L2, false).unwrap();
        assert!(exact.notes.is_empty(), "{:?}", exact.notes);
        ds.ground_truth = Some(GroundTruth { k: K, ids: (0..30).map(|i| 99 - i % 10).collect(), trusted: false });
        let wrong = format!("{:#}", truth(&ds, Metric::L2, false).unwrap_err());
        assert!(wrong.contains("farther") && wrong.contains("--trust-groundtruth"), "{wrong}");
        ds.ground_truth.as_mut().unwrap().trusted = true;
        let trusted = truth(&ds, Metric::L2, false).unwrap();
        assert_eq!(trusted.notes.len(), 1, "a trusted wrong file is a note");
        // Under another metric the same ids are not the nearest either.
        ds.ground_truth = Some(GroundTruth { k: K, ids, trusted: false });
        assert!(truth(&ds, Metric::InnerProduct, false).is_err(), "an l2 file accepted under ip");
    }

    #[test]
    fn spot_check_catches_files_too_good_and_too_bad() {
        // 1-d base 0, 1, ..., 99: every query's true k-th distance is known.
        let base: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let seed = 17;
        println!("seed {seed}");
        let mut r = hnswlab::synthetic::Rng::new(seed);
        for case in 0..50 {
            let queries: Vec<f32> = (0..30).map(|_| (r.below(100)) as f32).collect();
            let k = 5;
            let exact = exact_kth(Metric::L2, &base, &queries, 1, k, false);
            assert_eq!(spot_check(Metric::L2, &base, &queries, 1, k, &exact), None, "case {case}");
            // The sampled rows of 30 queries are j * 30 / 20 for j in 0..20.
            let row = (r.below(SPOT_CHECK_ROWS as u64) as usize) * 30 / SPOT_CHECK_ROWS;
            for (scale, how) in [(4.0f32, "farther"), (0.0, "nearer")] {
                let mut kth = exact.clone();
                kth[row] = exact[row] * scale + if scale == 0.0 { -1.0 } else { 1.0 };
                let got = spot_check(Metric::L2, &base, &queries, 1, k, &kth);
                let text = got.unwrap_or_else(|| panic!("case {case}: row {row} {how} went unnoticed"));
                assert!(text.contains(how) && text.contains(&format!("query {row}")), "case {case}: {text}");
            }
        }
    }

    #[test]
    fn k_shrinks_to_n() {
        let ds = synthetic_set(DataKind::Clustered, 4, 3, 2, 1).unwrap();
        assert_eq!(truth(&ds, Metric::Cosine, false).unwrap().k, 4);
    }
}
