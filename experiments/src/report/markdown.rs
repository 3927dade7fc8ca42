//! `report.md`: provenance, the headline table per data set, the mutants, the
//! insertion profile, the charts with a sentence each, and the metric registry.

use std::fmt::Write as _;

use hnswlab::{Phase, Profile};

use super::charts::{si, Chart};
use super::results::{pareto, Meta, Results, RunKind, RunResult};
use crate::config::Config;
use crate::metrics::REGISTRY;

fn best(v: impl Iterator<Item = f64>) -> Option<f64> {
    v.fold(None, |m, x| Some(m.map_or(x, |m: f64| m.max(x))))
}

fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.filter(|v| v.is_finite()).map(f).unwrap_or_else(|| "—".into())
}

/// Best single-thread QPS among a strategy's sweep points with recall >= `target`.
pub fn qps_at_recall(runs: &[&RunResult], target: f64) -> Option<f64> {
    let pts: Vec<(f64, f64)> = runs.iter().flat_map(|r| r.search.iter().map(|s| (s.recall_at_10, s.qps))).collect();
    pareto(&pts).iter().filter(|p| p.0 >= target).map(|p| p.1).fold(None, |m, q| Some(m.map_or(q, |m: f64| m.max(q))))
}

/// The insertion profile per data set: per strategy and thread count (summed
/// over repetitions), CPU time per insert, build distances per insert in
/// total and per phase, and search distances per query at the fixed ef.
fn profile_section(w: &mut String, results: &Results) {
    let config = &results.config;
    let ef = config.fixed_ef;
    if !results.runs.iter().any(|r| r.kind == RunKind::STRATEGY && r.profile.is_some()) {
        return;
    }
    let _ = writeln!(w, "## Insertion profile\n");
    let _ = writeln!(
        w,
        "Where insertion goes, per phase of Alg. 1 (`hnswlab build --profile`; chart below): time per insert summed \
         over build threads (CPU time) and over repetitions, and distance computations per insert — in the \
         descent through the upper layers, the efConstruction candidate search, neighbour selection (Alg. 4 \
         compares candidates with each other) and linking (re-selection of full lists) — beside the distance \
         computations per query at search ef {ef}. Peers and mutants are not profiled.\n"
    );
    let several = config.builds.len() > 1;
    for d in &config.datasets {
        let here: Vec<&RunResult> = results
            .runs
            .iter()
            .filter(|r| r.dataset == d.name && r.kind == RunKind::STRATEGY && r.profile.is_some())
            .collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(w, "### {}\n", d.name);
        let _ = writeln!(
            w,
            "| strategy | threads | µs per insert | distances per insert | descent | search | select | link | \
             distances per query @ ef {ef} |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let mut keys: Vec<(String, String, usize)> = Vec::new();
        for r in &here {
            let k = (r.strategy.clone(), r.build.clone(), r.threads);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for (strategy, build, threads) in keys {
            let rs: Vec<&RunResult> = here
                .iter()
                .copied()
                .filter(|r| r.strategy == strategy && r.build == build && r.threads == threads)
                .collect();
            let mut sum = Profile::default();
            for r in &rs {
                sum.merge(&r.profile.expect("filtered on a profile"));
            }
            let inserts = rs.iter().map(|r| r.n).sum::<usize>().max(1) as f64;
            let per = |v: u64| format!("{:.0}", v as f64 / inserts);
            let name = if several { format!("{strategy} [{build}]") } else { strategy.clone() };
            let _ = writeln!(
                w,
                "| {name} | {threads} | {:.1} | {} | {} | {} | {} | {} | {} |",
                sum.total_nanos() as f64 / inserts / 1e3,
                per(sum.total_distances()),
                per(sum.distances(Phase::Descent)),
                per(sum.distances(Phase::Search)),
                per(sum.distances(Phase::Select)),
                per(sum.distances(Phase::Link)),
                fmt_opt(rs[0].at(ef).map(|s| s.distances_per_query), |v| format!("{v:.0}")),
            );
        }
        let _ = writeln!(w);
    }
}

/// The `[fidelity]` comparison: what it compares, the table per shape, the chart.
fn fidelity_section(w: &mut String, results: &Results) {
    let Some(f) = &results.fidelity else { return };
    let _ = writeln!(w, "## Fidelity to hnswlib\n");
    let _ = writeln!(
        w,
        "The same vectors in the same order built by hnswlab (sequential, `--prune standard`) and by hnswlib \
         (one thread), over several seeds, and compared through the same checker census (`hnswlab fidelity`; \
         see the README, \"Fidelity to hnswlib\"). A metric is **FLAGGED** when the two seed means differ by \
         more than both libraries' seed ranges and a noise floor.\n"
    );
    let mut tables = Vec::new();
    if crate::cmd::fidelity::print_tables(f, &mut tables).is_ok() {
        let _ = writeln!(w, "{}", String::from_utf8_lossy(&tables));
    }
    if !f.rows.is_empty() {
        let _ = writeln!(
            w,
            "![fidelity: metric by shape, both libraries](fidelity.png)\n\n[SVG](fidelity.svg)\n\nFour metrics by \
             shape, hnswlib and hnswlab side by side: bars are seed means, whiskers the seed range.\n"
        );
    }
}

/// The `[churn]` experiment: the summary and per-policy tables, the charts.
fn churn_section(w: &mut String, results: &Results) {
    let Some(c) = &results.churn else { return };
    let _ = writeln!(w, "## Churn\n");
    let _ = writeln!(
        w,
        "Rounds of deletes and inserts (and updates) through each delete policy and through hnswlib's \
         `mark_deleted` / `replace_deleted`, every graph censused by the same deletion-aware census \
         (`hnswlab churn`; `churn.md`, `churn.json`).\n"
    );
    let mut tables = Vec::new();
    if crate::cmd::churn::print_tables(c, &mut tables).is_ok() {
        let _ = writeln!(w, "{}", String::from_utf8_lossy(&tables));
    }
    if !c.rows.is_empty() {
        for (stem, what) in
            [("churn-unreachable", "unreachable live nodes per round"), ("churn-recall", "recall@10 per round")]
        {
            let _ = writeln!(w, "![churn: {what}]({stem}.png)\n\n[SVG]({stem}.svg)\n");
        }
    }
}

/// The provenance bullets every report carries: commit, date and run time,
/// machine (with its load when the run started) and compiler.
pub fn stamp(w: &mut String, s: &Meta) {
    let dirty = if s.dirty == Some(true) { " (with uncommitted changes to tracked files)" } else { "" };
    let _ = writeln!(w, "- **Commit:** `{}`{dirty}", s.commit);
    let _ = writeln!(w, "- **Date:** {}; run time {:.0} s", s.date, s.duration_seconds);
    let load = s.machine.load_average_at_start.map(|l| format!(", load average {l:.2} at start")).unwrap_or_default();
    let _ = writeln!(w, "- **Machine:** {} × {} ({}){load}", s.machine.nproc, s.machine.cpu_model, s.machine.os);
    let opt = if s.optimised { "release build" } else { "UNOPTIMISED debug build: timings are not representative" };
    let _ = writeln!(w, "- **Compiler:** {} ({opt})", s.rustc);
}

/// The report as Markdown.
pub fn render(results: &Results, charts: &[Chart]) -> String {
    let meta = &results.meta;
    let config: &Config = &results.config;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# hnswlab report: {}\n", meta.name);
    if !config.description.is_empty() {
        let _ = writeln!(w, "{}\n", config.description);
    }
    let _ = writeln!(w, "- **Command:** `{}`", meta.command);
    stamp(w, meta);
    if !config.datasets.is_empty() {
        let _ = writeln!(
            w,
            "- **Seed:** {} (data sets and level function); threads {:?}; {} repetition(s); search ef {:?}",
            meta.seed, config.threads, config.repetitions, config.ef
        );
        let builds: Vec<String> = config.builds.iter().map(|b| format!("`{}`", b.label())).collect();
        let _ = writeln!(w, "- **Build parameters:** {}", builds.join(", "));
    }
    let churn_files =
        if results.churn.is_some() { ", `churn.md` / `churn.json` (the churn experiment, below)" } else { "" };
    let fidelity_files = if results.fidelity.is_some() {
        ", `fidelity.md` / `fidelity.json` (the comparison with hnswlib, below)"
    } else {
        ""
    };
    let _ = writeln!(
        w,
        "- **Files:** `results.csv` (one row per run and ef), `results.json` (runs in full and this \
         provenance){fidelity_files}{churn_files}\n"
    );
    for n in &meta.notes {
        let _ = writeln!(w, "> note: {n}\n");
    }
    if config.datasets.is_empty() {
        fidelity_section(w, results);
        churn_section(w, results);
        return s;
    }

    let _ = writeln!(w, "## Data sets\n");
    let _ = writeln!(w, "| name | kind | base vectors | dim | queries | metric |");
    let _ = writeln!(w, "|---|---|---:|---:|---:|---|");
    for d in &config.datasets {
        let Some(r) = results.runs.iter().find(|r| r.dataset == d.name) else { continue };
        let kind = d.kind.name();
        let _ = writeln!(w, "| {} | {kind} | {} | {} | {} | {} |", d.name, r.n, r.dim, r.queries, d.metric);
    }
    let _ = writeln!(w);

    let ef = config.fixed_ef;
    let t_min = config.threads.iter().copied().min().unwrap_or(1);
    let t_max = config.threads.iter().copied().max().unwrap_or(1);
    let several = config.builds.len() > 1;
    let _ = writeln!(w, "## Headline numbers\n");
    let _ = writeln!(
        w,
        "Best of repetitions for build throughput; the columns at ef {ef} come from the repetition with the \
         highest QPS there ({t_max} build threads). Search is single-threaded; recall@10 counts a result within ε of the 10th true \
         distance. \"QPS @ recall ≥ x\" is the best Pareto point reaching that recall (— if none does).\n"
    );
    for d in &config.datasets {
        let here: Vec<&RunResult> = results.runs.iter().filter(|r| r.dataset == d.name).collect();
        if here.is_empty() {
            continue;
        }
        let _ = writeln!(w, "### {}\n", d.name);
        let _ = writeln!(
            w,
            "| strategy | vectors/s, {t_min} thr | vectors/s, {t_max} thr | recall@10 @ ef {ef} | QPS @ ef {ef} | \
             p99 µs @ ef {ef} | dist/query @ ef {ef} | QPS @ recall ≥ 0.9 | QPS @ recall ≥ 0.99 | index MiB | \
             peak RSS MiB | one-way | unreachable | violations |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        let mut keys: Vec<(String, String)> = Vec::new();
        for r in here.iter().filter(|r| r.kind != RunKind::MUTANT) {
            let k = (r.strategy.clone(), r.build.clone());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        for (strategy, build) in keys {
            let rs: Vec<&RunResult> =
                here.iter().copied().filter(|r| r.strategy == strategy && r.build == build).collect();
            // Best of repetitions for speed (ann-benchmarks keeps the best run too): on a shared
            // machine, interference only ever slows a run down.
            let vps = |t: usize| best(rs.iter().filter(|r| r.threads == t).map(|r| r.vectors_per_second));
            let fixed = rs
                .iter()
                .filter(|r| r.threads == t_max)
                .filter_map(|r| r.at(ef))
                .max_by(|a, b| a.qps.total_cmp(&b.qps));
            let at = |f: &dyn Fn(&super::results::SearchRow) -> f64| fixed.map(f);
            let head = rs.iter().find(|r| r.threads == t_max).unwrap_or(&rs[0]);
            let name = if several { format!("{strategy} [{build}]") } else { strategy.clone() };
            let _ = writeln!(
                w,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                fmt_opt(vps(t_min), si),
                fmt_opt(vps(t_max), si),
                fmt_opt(at(&|s| s.recall_at_10), |v| format!("{v:.4}")),
                fmt_opt(at(&|s| s.qps), si),
                fmt_opt(at(&|s| s.latency_p99_us), |v| format!("{v:.0}")),
                fmt_opt(at(&|s| s.distances_per_query), |v| format!("{v:.0}")),
                fmt_opt(qps_at_recall(&rs, 0.9), si),
                fmt_opt(qps_at_recall(&rs, 0.99), si),
                fmt_opt((head.memory_bytes > 0).then(|| head.memory_bytes as f64 / 1048576.0), |v| format!("{v:.1}")),
                fmt_opt(head.peak_rss_bytes.map(|b| b as f64 / 1048576.0), |v| format!("{v:.0}")),
                fmt_opt(head.health.as_ref().map(|h| h.one_way_fraction), |v| format!("{v:.4}")),
                head.health.as_ref().map(|h| h.unreachable.to_string()).unwrap_or_else(|| "—".into()),
                if head.kind == RunKind::Peer { "—".to_string() } else { head.violations.to_string() },
            );
        }
        let _ = writeln!(w);
        let mutants: Vec<&RunResult> = here.iter().copied().filter(|r| r.kind == RunKind::MUTANT).collect();
        if !mutants.is_empty() {
            let _ = writeln!(w, "Mutants on {} ({t_max} threads):\n", d.name);
            let _ = writeln!(w, "| mutant | vectors/s | recall@10 @ ef {ef} | violations | first violation |");
            let _ = writeln!(w, "|---|---:|---:|---:|---|");
            for r in mutants {
                let first = r
                    .error
                    .as_deref()
                    .or(r.first_violation.as_deref())
                    .map(|v| v.chars().take(140).collect::<String>().replace('|', "\\|"))
                    .unwrap_or_else(|| {
                        "none in the finished graph (the per-insert checks of `hnswlab mutants` catch it)".into()
                    });
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {first} |",
                    r.strategy,
                    si(r.vectors_per_second),
                    fmt_opt(r.at(ef).map(|s| s.recall_at_10), |v| format!("{v:.4}")),
                    r.violations
                );
            }
            let _ = writeln!(w);
        }
    }

    if results.runs.iter().any(|r| r.kind == RunKind::Peer) {
        let _ = writeln!(
            w,
            "Peers have no health census, index size or distance counter (—). instant-distance fixes M = 32 \
             and its search ef at build time: it is rebuilt for each ef, and its build throughput is the best of \
             those builds, on every core. hnswlib and faiss are searched one query at a time through their Python \
             bindings, whose call overhead (a few µs) is part of their latency.\n"
        );
    }
    profile_section(w, results);
    fidelity_section(w, results);
    churn_section(w, results);
    let _ = writeln!(w, "## Charts\n");
    for c in charts {
        let _ = writeln!(w, "### {}\n", c.title);
        let _ = writeln!(w, "{}\n", c.caption);
        let _ = writeln!(w, "![{}]({}.png)\n\n[SVG]({}.svg)\n", c.title, c.stem, c.stem);
    }

    let _ = writeln!(w, "## Metrics\n");
    let _ = writeln!(w, "| column | unit | better |");
    let _ = writeln!(w, "|---|---|---|");
    for m in REGISTRY {
        let better = match m.better {
            crate::metrics::Better::Higher => "higher",
            crate::metrics::Better::Lower => "lower",
        };
        let _ = writeln!(w, "| `{}` | {} | {better} |", m.key, m.unit);
    }
    let _ = writeln!(
        w,
        "\nBuild time is the wall time of one unobserved `Strategy::build`; `check_all` runs after it, untimed. \
         Latency percentiles time each query on its own after an untimed warm-up. Peak RSS is the process's VmHWM \
         during the run (reset before each build where Linux allows; it includes the data set and ground truth). \
         Timings on a shared machine are noisy: compare strategies within one report, not across reports."
    );
    s
}
