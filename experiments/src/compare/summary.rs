//! From measurements to numbers: QPS at a target recall read off an ef sweep,
//! ratios per round between entrants measured in the same round, and each
//! ratio's median with its min–max spread across rounds.

use serde::{Deserialize, Serialize};

use super::measure::Measurement;
use super::plan::Entrant;

/// One point of a search sweep.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
pub struct Point {
    /// Search beam width.
    pub ef: usize,
    /// Mean fraction of the 10 true neighbours found (ε rule).
    pub recall_at_10: f64,
    /// Queries per second over the whole query set, one thread.
    pub qps: f64,
}

/// QPS at a target recall, read off a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AtRecall {
    /// Queries per second.
    pub qps: f64,
    /// The (interpolated) ef at which the sweep crosses the target.
    pub ef: f64,
    /// The sweep's smallest ef already reaches the target: its QPS is a lower
    /// bound of the QPS at the target (the sweep should start lower).
    pub lower_bound: bool,
}

/// QPS at recall `target` on `points`: the sweep is taken in ef order, and
/// between the first two neighbouring points that bracket the target
/// (`recall_a < target <= recall_b`) log QPS is interpolated linearly in
/// recall. `None` when no point reaches the target.
pub fn qps_at_recall(points: &[Point], target: f64) -> Option<AtRecall> {
    let mut sorted: Vec<Point> = points.iter().copied().filter(|p| p.qps > 0.0 && p.recall_at_10.is_finite()).collect();
    sorted.sort_by_key(|p| p.ef);
    let i = sorted.iter().position(|p| p.recall_at_10 >= target)?;
    let b = sorted[i];
    if i == 0 {
        return Some(AtRecall { qps: b.qps, ef: b.ef as f64, lower_bound: true });
    }
    let a = sorted[i - 1];
    let t = (target - a.recall_at_10) / (b.recall_at_10 - a.recall_at_10);
    let qps = (a.qps.ln() + t * (b.qps.ln() - a.qps.ln())).exp();
    Some(AtRecall { qps, ef: a.ef as f64 + t * (b.ef as f64 - a.ef as f64), lower_bound: false })
}

/// Median and range of a set of values (one per round).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Spread {
    /// Median (mean of the middle two for an even count).
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// How many values.
    pub n: usize,
}

/// The spread of the finite `values`; `None` when there are none.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    Some(Spread { median, min: v[0], max: v[n - 1], n })
}

/// One ratio between two entrants (or one entrant at two thread counts),
/// taken per round and summarised across rounds.
#[derive(Clone, Debug, Serialize)]
pub struct Ratio {
    /// Data set.
    pub dataset: String,
    /// What is compared, e.g. `build vectors/s`.
    pub metric: String,
    /// The numerator: `<entrant> t<threads>`.
    pub numerator: String,
    /// The denominator: `<entrant> t<threads>`.
    pub denominator: String,
    /// How to read it, e.g. `> 1: hnswlab faster`.
    pub reading: String,
    /// The ratio in each round (`None`: a side failed or never reached the target recall).
    pub per_round: Vec<Option<f64>>,
    /// Median and min–max over the rounds that have a value.
    pub spread: Option<Spread>,
}

/// A side of a ratio: an entrant at a thread count.
type Side<'a> = (&'a Entrant, usize);

fn side_name((e, t): Side<'_>) -> String {
    format!("{} t{t}", e.label())
}

/// The rows of `dataset` by (entrant, threads, round).
struct Table<'a> {
    dataset: &'a str,
    rows: &'a [Measurement],
    rounds: usize,
}

impl Table<'_> {
    fn get(&self, (e, t): Side<'_>, round: usize) -> Option<&Measurement> {
        self.rows.iter().find(|m| {
            m.dataset == self.dataset && m.round == round && m.threads == t && m.entrant() == *e && m.error.is_none()
        })
    }

    /// `f(a's row, b's row)` per round.
    fn ratio(
        &self,
        metric: &str,
        reading: &str,
        a: Side<'_>,
        b: Side<'_>,
        f: impl Fn(&Measurement, &Measurement) -> Option<f64>,
    ) -> Ratio {
        let per_round: Vec<Option<f64>> = (0..self.rounds)
            .map(|r| match (self.get(a, r), self.get(b, r)) {
                (Some(x), Some(y)) => f(x, y).filter(|v| v.is_finite()),
                _ => None,
            })
            .collect();
        let values: Vec<f64> = per_round.iter().flatten().copied().collect();
        Ratio {
            dataset: self.dataset.to_string(),
            metric: metric.to_string(),
            numerator: side_name(a),
            denominator: side_name(b),
            reading: reading.to_string(),
            spread: spread(&values),
            per_round,
        }
    }
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?).filter(|v| v.is_finite())
}

fn bytes(v: Option<u64>) -> Option<f64> {
    v.filter(|&b| b > 0).map(|b| b as f64)
}

/// Every ratio of the comparison on `dataset`. For each library and thread
/// count, each hnswlab strategy at that count against the library: build
/// vectors/s and QPS at the target recall (hnswlab ÷ library); at more than
/// one thread, build vectors/s where both indexes reach the target; at the
/// smallest thread count, memory (library ÷ hnswlab). Then each entrant's
/// build scaling: vectors/s at each larger thread count ÷ at the smallest
/// (hnswlab: each strategy ÷ the first strategy of the smallest count).
pub fn ratios(
    rows: &[Measurement],
    dataset: &str,
    threads: &[usize],
    strategies: &dyn Fn(usize) -> Vec<Entrant>,
    libs: &[Entrant],
    rounds: usize,
    target: f64,
) -> Vec<Ratio> {
    let table = Table { dataset, rows, rounds };
    let at_target = format!("QPS @ recall {target}");
    let reached = format!("build vectors/s, both reach {target}");
    let t_min = threads.iter().copied().min().unwrap_or(1);
    let mut out = Vec::new();
    for lib in libs {
        for &t in threads {
            for s in strategies(t) {
                let (a, b) = ((&s, t), (lib, t));
                let faster = "> 1: hnswlab faster";
                out.push(
                    table.ratio("build vectors/s", faster, a, b, |x, y| {
                        Some(x.vectors_per_second / y.vectors_per_second)
                    }),
                );
                out.push(table.ratio(&at_target, faster, a, b, |x, y| div(x.qps_at_target, y.qps_at_target)));
                if t > 1 {
                    out.push(table.ratio(&reached, faster, a, b, |x, y| {
                        (x.qps_at_target.is_some() && y.qps_at_target.is_some())
                            .then(|| x.vectors_per_second / y.vectors_per_second)
                    }));
                }
                if t == t_min {
                    let smaller = "≥ 1: hnswlab uses no more";
                    let (b, a) = (a, b);
                    out.push(table.ratio("memory: RSS growth over the build", smaller, a, b, |x, y| {
                        div(bytes(x.rss_growth_bytes), bytes(y.rss_growth_bytes))
                    }));
                    out.push(table.ratio("memory: RSS growth ÷ hnswlab index bytes", smaller, a, b, |x, y| {
                        div(bytes(x.rss_growth_bytes), bytes(y.memory_bytes))
                    }));
                }
            }
        }
    }
    let scaling = "build scaling (vectors/s)";
    let first = strategies(t_min).into_iter().next();
    for &t in threads.iter().filter(|&&t| t > t_min) {
        let mut pairs: Vec<(Entrant, Entrant)> =
            strategies(t).into_iter().filter_map(|s| first.clone().map(|f| (s, f))).collect();
        pairs.extend(libs.iter().map(|l| (l.clone(), l.clone())));
        for (hi, lo) in &pairs {
            out.push(table.ratio(scaling, "> 1: faster with more threads", (hi, t), (lo, t_min), |x, y| {
                Some(x.vectors_per_second / y.vectors_per_second)
            }));
        }
    }
    out
}

/// One entrant at one thread count on one data set, across rounds.
#[derive(Clone, Debug, Serialize)]
pub struct Median {
    /// Data set.
    pub dataset: String,
    /// `hnswlab/sequential`, `hnswlib`, ...
    pub entrant: String,
    /// Build threads.
    pub threads: usize,
    /// Rounds measured without error.
    pub rounds: usize,
    /// Build throughput.
    pub vectors_per_second: Option<Spread>,
    /// QPS at the target recall, over the rounds that reach it.
    pub qps_at_target: Option<Spread>,
    /// Rounds whose sweep reaches the target recall.
    pub reached_target: usize,
    /// RSS growth over the build.
    pub rss_growth_bytes: Option<Spread>,
    /// The index's own byte count (hnswlab only).
    pub memory_bytes: Option<Spread>,
    /// Highest recall@10 of the sweep, best round.
    pub max_recall: f64,
    /// Per ef: median recall@10 and median QPS across rounds (the chart's curve).
    pub curve: Vec<Point>,
}

/// One [`Median`] per (data set, entrant, threads), in first-seen order.
pub fn medians(rows: &[Measurement]) -> Vec<Median> {
    let mut keys: Vec<(String, Entrant, usize)> = Vec::new();
    for m in rows {
        let k = (m.dataset.clone(), m.entrant(), m.threads);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|(dataset, entrant, threads)| {
            let ok: Vec<&Measurement> = rows
                .iter()
                .filter(|m| m.dataset == dataset && m.entrant() == entrant && m.threads == threads)
                .filter(|m| m.error.is_none())
                .collect();
            let of =
                |f: &dyn Fn(&Measurement) -> Option<f64>| spread(&ok.iter().filter_map(|m| f(m)).collect::<Vec<_>>());
            let mut efs: Vec<usize> = ok.iter().flat_map(|m| m.search.iter().map(|p| p.ef)).collect();
            efs.sort_unstable();
            efs.dedup();
            let curve = efs
                .into_iter()
                .filter_map(|ef| {
                    let pts: Vec<Point> =
                        ok.iter().flat_map(|m| m.search.iter().copied()).filter(|p| p.ef == ef).collect();
                    let recall = spread(&pts.iter().map(|p| p.recall_at_10).collect::<Vec<_>>())?;
                    let qps = spread(&pts.iter().map(|p| p.qps).collect::<Vec<_>>())?;
                    Some(Point { ef, recall_at_10: recall.median, qps: qps.median })
                })
                .collect();
            Median {
                entrant: entrant.label(),
                threads,
                rounds: ok.len(),
                vectors_per_second: of(&|m| Some(m.vectors_per_second)),
                qps_at_target: of(&|m| m.qps_at_target),
                reached_target: ok.iter().filter(|m| m.qps_at_target.is_some()).count(),
                rss_growth_bytes: of(&|m| bytes(m.rss_growth_bytes)),
                memory_bytes: of(&|m| bytes(m.memory_bytes)),
                max_recall: ok.iter().map(|m| m.max_recall).fold(0.0, f64::max),
                curve,
                dataset,
            }
        })
        .collect()
}
