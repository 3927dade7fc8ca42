//! Quality metrics: exact ground truth, recall@k with the ann-benchmarks ε rule,
//! and the registry saying which direction is better for each reported number.

use std::borrow::Cow;

use anyhow::{ensure, Context, Result};
use hnswlab::distance::prepare;
use hnswlab::oracle::exact_knn_flat;
use hnswlab::{Metric, Neighbour};

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

/// Hits among `found` for a query whose k-th true distance is `kth`.
pub fn hits(found: &[Neighbour], kth: f32) -> usize {
    let t = threshold(kth);
    found.iter().filter(|n| n.distance <= t).count()
}

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
    /// Warnings, e.g. a file that disagrees with brute force.
    pub notes: Vec<String>,
}

/// The k-th true distance of each query of `ds` under `metric`: from the
/// ground-truth file when there is one, else by brute force (threaded, with a
/// progress bar).
pub fn truth(ds: &Dataset, metric: Metric, show_progress: bool) -> Result<Truth> {
    let base = prepared(metric, ds.dim, &ds.base).context("base set")?;
    let queries = prepared(metric, ds.dim, &ds.queries).context("query set")?;
    let k = K.min(ds.n());
    let dim = ds.dim;
    let Some(gt) = &ds.ground_truth else {
        let kth = exact_kth(metric, &base, &queries, dim, k, show_progress)?;
        return Ok(Truth { k, kth, source: TruthSource::Exact, notes: Vec::new() });
    };
    ensure!(gt.k >= k, "ground truth has {} neighbours per query; recall@{K} needs {k}", gt.k);
    let kth: Vec<f32> = queries
        .chunks_exact(dim)
        .enumerate()
        .map(|(i, q)| {
            gt.row(i)[..k]
                .iter()
                .map(|&id| metric.distance(q, &base[id as usize * dim..(id as usize + 1) * dim]))
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect();
    let mut notes = Vec::new();
    if let Some(problem) = spot_check(metric, &base, &queries, dim, k, &kth)? {
        ensure!(gt.trusted, "{problem}; pass --trust-groundtruth (config: trust_groundtruth = true) to use it anyway");
        notes.push(problem);
    }
    Ok(Truth { k, kth, source: TruthSource::File, notes })
}

/// Rows of a ground-truth file checked against brute force by [`spot_check`].
pub const SPOT_CHECK_ROWS: usize = 20;

/// Compare the file's k-th distance (`kth`, from its ids) with brute force
/// on [`SPOT_CHECK_ROWS`] rows spread over the queries, both ways: farther
/// than the true k-th (its ids are not the nearest: recall inflated) or
/// nearer (impossible for k distinct true neighbours: recall deflated). A
/// file made for another metric or base set fails one way or the other.
/// Returns what disagrees, if anything.
fn spot_check(
    metric: Metric,
    base: &[f32],
    queries: &[f32],
    dim: usize,
    k: usize,
    kth: &[f32],
) -> Result<Option<String>> {
    let count = kth.len();
    let sample = count.min(SPOT_CHECK_ROWS);
    let rows: Vec<usize> = (0..sample).map(|j| j * count / sample).collect();
    let picked: Vec<f32> = rows.iter().flat_map(|&i| queries[i * dim..(i + 1) * dim].iter().copied()).collect();
    let exact = exact_kth(metric, base, &picked, dim, k, false)?;
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
    Ok(match (farther.is_empty(), nearer.is_empty()) {
        (true, true) => None,
        (false, _) => Some(what(&farther, "farther (recall would be inflated)")),
        (true, false) => Some(what(&nearer, "nearer (recall would be deflated)")),
    })
}

/// Brute-force k-th distance per query, split over the available cores.
fn exact_kth(
    metric: Metric,
    base: &[f32],
    queries: &[f32],
    dim: usize,
    k: usize,
    show_progress: bool,
) -> Result<Vec<f32>> {
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
                            let top = exact_knn_flat(metric, base, dim, q, k)?;
                            bar.inc(1);
                            Ok(top.last().map_or(f32::INFINITY, |s| s.dist))
                        })
                        .collect::<hnswlab::Result<Vec<f32>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for h in handles {
            all.extend(h.join().expect("ground-truth worker panicked")?);
        }
        Ok::<_, hnswlab::Error>(all)
    });
    bar.finish_and_clear();
    Ok(kth?)
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
    use crate::cli::DataKind;
    use crate::data::{synthetic_set, GroundTruth};
    use hnswlab::NodeId;

    fn hit(distance: f32) -> Neighbour {
        Neighbour { label: 0, id: NodeId(0), distance }
    }

    #[test]
    fn epsilon_rule_counts_ties_and_rounding_as_hits() {
        let found = [hit(0.5), hit(1.0), hit(1.0 + 5e-7), hit(1.01)];
        assert_eq!(hits(&found, 1.0), 3);
        assert_eq!(hits(&[hit(1e-7)], 0.0), 1, "absolute slack at distance 0");
    }

    #[test]
    fn exact_truth_matches_the_oracle() {
        let ds = synthetic_set(DataKind::Gaussian, 200, 5, 9, 3).unwrap();
        let t = truth(&ds, Metric::L2, false).unwrap();
        assert_eq!((t.k, t.kth.len(), t.source), (K, 9, TruthSource::Exact));
        for i in 0..9 {
            let top = exact_knn_flat(Metric::L2, &ds.base, 5, ds.query(i), K).unwrap();
            assert_eq!(t.kth[i], top[K - 1].dist, "query {i}");
        }
    }

    #[test]
    fn file_truth_recomputes_distances_and_flags_a_wrong_file() {
        let mut ds = synthetic_set(DataKind::Gaussian, 100, 4, 3, 5).unwrap();
        let ids: Vec<u32> = (0..3)
            .flat_map(|i| exact_knn_flat(Metric::L2, &ds.base, 4, ds.query(i), K).unwrap())
            .map(|s| s.id.0)
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
        // 1-d base 0, 1, ..., 99: the true k-th distance of query q is known.
        let base: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let seed = 17;
        println!("seed {seed}");
        let mut r = hnswlab::synthetic::Rng::new(seed);
        for case in 0..50 {
            let queries: Vec<f32> = (0..30).map(|_| (r.below(100)) as f32).collect();
            let k = 5;
            let exact = exact_kth(Metric::L2, &base, &queries, 1, k, false).unwrap();
            assert_eq!(spot_check(Metric::L2, &base, &queries, 1, k, &exact).unwrap(), None, "case {case}");
            // Spot rows are 0, 1, 2, ... for 30 queries (all sampled up to 20 of them).
            let row = (r.below(SPOT_CHECK_ROWS as u64) as usize) * 30 / SPOT_CHECK_ROWS;
            for (scale, how) in [(4.0f32, "farther"), (0.0, "nearer")] {
                let mut kth = exact.clone();
                kth[row] = exact[row] * scale + if scale == 0.0 { -1.0 } else { 1.0 };
                let got = spot_check(Metric::L2, &base, &queries, 1, k, &kth).unwrap();
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
