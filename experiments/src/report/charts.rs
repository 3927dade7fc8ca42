//! The report's charts (plotters, PNG and SVG): recall@10 vs QPS with a
//! Pareto frontier per strategy; build throughput vs threads; build throughput
//! vs recall@10 at a fixed ef (mutants included); health per strategy; the
//! insertion profile (share of insertion time per phase) per strategy.
//!
//! Text is drawn with ab_glyph from the DejaVu Sans font the `dejavu` crate
//! ships ([`register_font`]), so no system font library is needed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Result};
use hnswlab::Phase;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::results::{pareto, RunKind, RunResult};

/// Font family every chart uses (registered by [`register_font`]).
pub(crate) const FONT: &str = "sans-serif";

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (1280, 800);

/// Width of the legend column on the right.
const LEGEND_WIDTH: u32 = 360;

/// Matplotlib's tab10: distinguishable, print-safe colours.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(crate) fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Register DejaVu Sans as `sans-serif` for plotters' ab_glyph text.
pub fn register_font() -> Result<()> {
    plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| anyhow!("cannot register the DejaVu Sans font for chart text"))
}

/// A chart written as `<stem>.png` and `<stem>.svg`.
#[derive(Clone, Debug)]
pub struct Chart {
    /// File name without extension.
    pub stem: String,
    /// Title drawn on the chart.
    pub title: String,
    /// One or two sentences for the report.
    pub caption: String,
}

/// How a legend entry is marked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mark {
    Line,
    Dot,
    Square,
    Triangle,
}

pub(crate) struct Entry {
    pub(crate) label: String,
    pub(crate) colour: RGBColor,
    pub(crate) mark: Mark,
}

pub(crate) type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;
pub(crate) type DrawResult<DB> = Result<(), DrawError<DB>>;
pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

/// A series' one point on the throughput-vs-recall chart: name, kind, (recall, vectors/s).
type Point = (String, RunKind, Option<(f64, f64)>);

/// A panel of the health chart: area, axis description, value of a (one-way fraction, unreachable) pair.
type Panel<'a, DB> = (&'a Area<DB>, &'a str, Box<dyn Fn(&(f64, usize)) -> f64>);

/// Draw the chart `$draw(&root)` once on a PNG and once on an SVG backend.
macro_rules! render {
    ($dir:expr, $stem:expr, |$root:ident| $draw:expr) => {{
        let png = $dir.join(format!("{}.png", $stem));
        {
            let $root = BitMapBackend::new(&png, SIZE).into_drawing_area();
            let drawn = $draw.and_then(|()| $root.present());
            drawn.map_err(|e| anyhow!("drawing {}: {e:?}", png.display()))?;
        }
        let svg = $dir.join(format!("{}.svg", $stem));
        {
            let $root = SVGBackend::new(&svg, SIZE).into_drawing_area();
            let drawn = $draw.and_then(|()| $root.present());
            drawn.map_err(|e| anyhow!("drawing {}: {e:?}", svg.display()))?;
        }
    }};
}
pub(crate) use render;

/// A series name: the strategy, plus the build label when the report has several.
fn key(r: &RunResult, several_builds: bool) -> String {
    if several_builds {
        format!("{} [{}]", r.strategy, r.build)
    } else {
        r.strategy.clone()
    }
}

/// Series in first-seen order.
fn group<'a>(runs: &[&'a RunResult], several_builds: bool) -> Vec<(String, Vec<&'a RunResult>)> {
    let mut out: Vec<(String, Vec<&RunResult>)> = Vec::new();
    for r in runs {
        let k = key(r, several_builds);
        match out.iter_mut().find(|(n, _)| *n == k) {
            Some((_, v)) => v.push(r),
            None => out.push((k, vec![r])),
        }
    }
    out
}

/// `1234.5` as `1.2k`, `2_000_000` as `2M`.
pub fn si(v: f64) -> String {
    let (x, unit) = if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = if x.abs() >= 100.0 || x.fract() == 0.0 { format!("{x:.0}") } else { format!("{x:.1}") };
    format!("{}{unit}", s.trim_end_matches(".0"))
}

pub(crate) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[Entry],
) -> DrawResult<DB> {
    let x0 = 12;
    let mut y = 40;
    area.draw(&Text::new(heading.to_string(), (x0, y - 28), (FONT, 19)))?;
    for e in entries {
        match e.mark {
            Mark::Line => {
                area.draw(&PathElement::new(vec![(x0, y), (x0 + 26, y)], e.colour.stroke_width(3)))?;
                area.draw(&Circle::new((x0 + 13, y), 4, e.colour.filled()))?;
            }
            Mark::Dot => area.draw(&Circle::new((x0 + 13, y), 6, e.colour.filled()))?,
            Mark::Square => area.draw(&Rectangle::new([(x0 + 7, y - 6), (x0 + 19, y + 6)], e.colour.filled()))?,
            Mark::Triangle => area.draw(&TriangleMarker::new((x0 + 13, y), 8, e.colour.filled()))?,
        }
        area.draw(&Text::new(e.label.clone(), (x0 + 36, y - 9), (FONT, 16)))?;
        y += 26;
    }
    Ok(())
}

/// Split `root` under a title into a plot area and a legend column.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(Area<DB>, Area<DB>), DrawError<DB>> {
    root.fill(&WHITE)?;
    let body = root.margin(12, 0, 0, 0).titled(title, (FONT, 28))?;
    let width = body.dim_in_pixel().0;
    Ok(body.split_horizontally(width.saturating_sub(LEGEND_WIDTH)))
}

/// The axes of a recall@10 vs QPS chart in `plot`.
pub(crate) type RecallQpsChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, LogCoord<f64>>>;

/// Labelled recall@10 vs QPS axes fitting `points` (recall, qps): recall from
/// just below the lowest (in steps of 0.05) to 1, QPS on a log scale with
/// headroom; points without a positive QPS only widen the recall axis.
pub(crate) fn recall_qps_axes<DB: DrawingBackend>(
    plot: &Area<DB>,
    points: impl Iterator<Item = (f64, f64)>,
) -> Result<RecallQpsChart<'_, DB>, DrawError<DB>> {
    let (mut r0, mut q0, mut q1) = (1.0f64, f64::INFINITY, 0.0f64);
    for (r, q) in points {
        r0 = r0.min(r);
        if q > 0.0 {
            q0 = q0.min(q);
            q1 = q1.max(q);
        }
    }
    if q1 <= 0.0 {
        (q0, q1) = (1.0, 10.0);
    }
    let r0 = ((r0 - 0.02) * 20.0).floor() / 20.0;
    let mut chart = ChartBuilder::on(plot)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(r0.max(0.0)..1.005, (q0 * 0.7..q1 * 1.4).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("recall@10 (fraction of the true 10 nearest neighbours found)")
        .y_desc("queries per second, one thread (log scale)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| si(*v))
        .draw()?;
    Ok(chart)
}

fn recall_qps<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(String, Vec<&RunResult>)],
) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let points: Vec<(String, Vec<(f64, f64)>)> = series
        .iter()
        .map(|(k, runs)| {
            let pts = runs.iter().flat_map(|r| r.search.iter().map(|s| (s.recall_at_10, s.qps))).collect();
            (k.clone(), pts)
        })
        .collect();
    let mut chart = recall_qps_axes(&plot, points.iter().flat_map(|(_, p)| p.iter().copied()))?;
    let mut entries = Vec::new();
    for (i, (k, pts)) in points.iter().enumerate() {
        let c = colour(i);
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.mix(0.3).filled())))?;
        let front = pareto(pts);
        chart.draw_series(LineSeries::new(front.iter().copied(), c.stroke_width(2)))?;
        chart.draw_series(front.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
        entries.push(Entry { label: k.clone(), colour: c, mark: Mark::Line });
    }
    legend(&side, "Pareto frontier per strategy", &entries)?;
    side.draw(&Text::new("faint dots: every (build, ef) point", (12, 60 + 26 * entries.len() as i32), (FONT, 14)))?;
    Ok(())
}

fn throughput_threads<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[(String, Vec<&RunResult>)],
) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let t_max = series.iter().flat_map(|(_, rs)| rs.iter().map(|r| r.threads)).max().unwrap_or(1) as f64;
    let v_max = series.iter().flat_map(|(_, rs)| rs.iter().map(|r| r.vectors_per_second)).fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(0.5..t_max + 0.5, 0.0..v_max * 1.15)?;
    chart
        .configure_mesh()
        .x_desc("build threads")
        .y_desc("build throughput (vectors/s)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_labels((2 * t_max as usize + 2).min(40))
        .x_label_formatter(&|v| if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() })
        .y_label_formatter(&|v| si(*v))
        .draw()?;
    let mut entries = Vec::new();
    for (i, (k, runs)) in series.iter().enumerate() {
        let c = colour(i);
        let mut by_threads: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for r in runs {
            by_threads.entry(r.threads).or_default().push(r.vectors_per_second);
        }
        let best: Vec<(f64, f64)> =
            by_threads.iter().map(|(&t, v)| (t as f64, v.iter().copied().fold(0.0, f64::max))).collect();
        chart.draw_series(runs.iter().map(|r| Circle::new((r.threads as f64, r.vectors_per_second), 3, c.mix(0.3))))?;
        chart.draw_series(LineSeries::new(best.iter().copied(), c.stroke_width(2)))?;
        chart.draw_series(best.iter().map(|&p| Circle::new(p, 5, c.filled())))?;
        entries.push(Entry { label: k.clone(), colour: c, mark: Mark::Line });
    }
    legend(&side, "best of repetitions (line)", &entries)?;
    side.draw(&Text::new("faint dots: each repetition", (12, 60 + 26 * entries.len() as i32), (FONT, 14)))?;
    Ok(())
}

fn throughput_recall<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    ef: usize,
    series: &[(String, Vec<&RunResult>)],
) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    // One point per series: mean recall at `ef` and best build throughput over repetitions.
    let points: Vec<Point> = series
        .iter()
        .map(|(k, runs)| {
            let pts: Vec<(f64, f64)> =
                runs.iter().filter_map(|r| r.at(ef).map(|s| (s.recall_at_10, r.vectors_per_second))).collect();
            let kind = runs.first().map(|r| r.kind).unwrap_or_default();
            let n = pts.len() as f64;
            let mean = (!pts.is_empty())
                .then(|| (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).fold(0.0, f64::max)));
            (k.clone(), kind, mean)
        })
        .collect();
    let vs = points.iter().filter_map(|p| p.2.map(|m| m.1)).filter(|v| *v > 0.0);
    let (lo, hi) = vs.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if hi > 0.0 { (lo * 0.6, hi * 1.6) } else { (1.0, 10.0) };
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.02..1.02, (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(format!("recall@10 at search ef = {ef}"))
        .y_desc("build throughput (vectors/s, log scale)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| si(*v))
        .draw()?;
    let mut entries = Vec::new();
    let (mut strategies, mut mutants) = (0, 0);
    for (k, kind, mean) in &points {
        let (c, mark) = if *kind == RunKind::MUTANT {
            mutants += 1;
            (colour(mutants - 1), Mark::Triangle)
        } else {
            strategies += 1;
            (colour(strategies - 1), if *kind == RunKind::Peer { Mark::Square } else { Mark::Dot })
        };
        if let Some((x, y)) = *mean {
            match mark {
                Mark::Triangle => chart.draw_series(std::iter::once(TriangleMarker::new((x, y), 9, c.filled())))?,
                Mark::Square => chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.008, y / 1.04), (x + 0.008, y * 1.04)],
                    c.filled(),
                )))?,
                _ => chart.draw_series(std::iter::once(Circle::new((x, y), 7, c.filled())))?,
            };
        }
        let label = if mean.is_some() { k.clone() } else { format!("{k} (build failed)") };
        entries.push(Entry { label, colour: c, mark });
    }
    let mut kinds = vec!["● strategy"];
    if points.iter().any(|p| p.1 == RunKind::Peer) {
        kinds.push("■ peer");
    }
    if points.iter().any(|p| p.1 == RunKind::MUTANT) {
        kinds.push("▲ mutant");
    }
    let heading = kinds.join("   ");
    legend(&side, &heading, &entries)?;
    Ok(())
}

fn health<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    rows: &[(String, Option<(f64, usize)>)],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let body = root.margin(12, 0, 0, 0).titled(title, (FONT, 28))?;
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
    let k = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    let panels: [Panel<DB>; 2] = [
        (&top, "one-way edges / all edges, all layers", Box::new(|h: &(f64, usize)| h.0)),
        (&bottom, "nodes unreachable from the entry point (sum over layers)", Box::new(|h: &(f64, usize)| h.1 as f64)),
    ];
    for (i, (area, desc, value)) in panels.into_iter().enumerate() {
        let max = rows.iter().filter_map(|(_, h)| h.as_ref().map(&value)).fold(0.0, f64::max);
        let x_max = if max > 0.0 {
            max * 1.25
        } else if i == 0 {
            0.01
        } else {
            1.0
        };
        let label_names = names.clone();
        let mut chart = ChartBuilder::on(area)
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(300)
            .build_cartesian_2d(0.0..x_max, -0.5..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(desc)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .y_labels(k.max(2))
            .y_label_formatter(&move |v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < k {
                    label_names[k - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|v| {
                if *v >= 1000.0 {
                    si(*v)
                } else {
                    format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
                }
            })
            .draw()?;
        for (j, (_, h)) in rows.iter().enumerate() {
            let y = (k - 1 - j) as f64;
            let c = colour(j);
            match h {
                Some(h) => {
                    let v = value(h);
                    chart.draw_series(std::iter::once(Rectangle::new([(0.0, y - 0.3), (v, y + 0.3)], c.filled())))?;
                    let text = if i == 0 { format!("{v:.4}") } else { format!("{v:.0}") };
                    chart.draw_series(std::iter::once(Text::new(text, (v + x_max * 0.01, y + 0.15), (FONT, 15))))?;
                }
                None => {
                    let text = "no census: check_all found violations".to_string();
                    chart.draw_series(std::iter::once(Text::new(text, (x_max * 0.01, y + 0.15), (FONT, 15))))?;
                }
            }
        }
    }
    Ok(())
}

/// One bar of the insertion-profile chart: its label, and the phase times
/// (nanoseconds, in [`Phase::ALL`] order) summed over its repetitions.
type ProfileBar = (String, [f64; 5]);

/// Legend text per phase, in [`Phase::ALL`] order.
const PHASE_LEGEND: [&str; 5] = [
    "descent: upper layers, ef = 1",
    "search: efConstruction beam",
    "select: neighbours, Alg. 3/4",
    "link: back-links, pruning",
    "alloc: vectors, lists",
];

/// The insertion-profile bars of `runs` (strategies with a profile): one per
/// series and thread count, phase times summed over repetitions, labelled
/// with the CPU time per insert.
fn profile_bars(runs: &[&RunResult], several_builds: bool) -> Vec<ProfileBar> {
    let mut out: Vec<(String, [f64; 5], f64)> = Vec::new();
    for r in runs.iter().filter(|r| r.kind == RunKind::STRATEGY) {
        let Some(p) = r.profile else { continue };
        let label = format!("{}, {} thr", key(r, several_builds), r.threads);
        let i = match out.iter().position(|b| b.0 == label) {
            Some(i) => i,
            None => {
                out.push((label, [0.0; 5], 0.0));
                out.len() - 1
            }
        };
        for (j, ph) in Phase::ALL.into_iter().enumerate() {
            out[i].1[j] += p.nanos(ph) as f64;
        }
        out[i].2 += r.n as f64;
    }
    out.into_iter()
        .map(|(label, nanos, inserts)| {
            let us = nanos.iter().sum::<f64>() / inserts.max(1.0) / 1e3;
            (format!("{label} ({us:.0} µs/insert)"), nanos)
        })
        .collect()
}

fn profile_shares<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[ProfileBar],
) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let k = bars.len().max(1);
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(380)
        .build_cartesian_2d(0.0..100.0, -0.5..(k as f64 - 0.5))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("share of insertion time (%; phase times summed over build threads)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .y_labels(k.max(2))
        .y_label_formatter(&move |v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < k {
                names[k - 1 - i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (j, (_, nanos)) in bars.iter().enumerate() {
        let y = (k - 1 - j) as f64;
        let total: f64 = nanos.iter().sum();
        let mut x = 0.0;
        for (i, v) in nanos.iter().enumerate() {
            let w = if total > 0.0 { 100.0 * v / total } else { 0.0 };
            chart.draw_series(std::iter::once(Rectangle::new([(x, y - 0.3), (x + w, y + 0.3)], colour(i).filled())))?;
            if w >= 7.0 {
                let text =
                    Text::new(format!("{w:.0}%"), (x + w / 2.0 - 2.0, y + 0.08), (FONT, 15).into_font().color(&WHITE));
                chart.draw_series(std::iter::once(text))?;
            }
            x += w;
        }
    }
    let entries: Vec<Entry> = PHASE_LEGEND
        .iter()
        .enumerate()
        .map(|(i, l)| Entry { label: l.to_string(), colour: colour(i), mark: Mark::Square })
        .collect();
    legend(&side, "phase of Alg. 1", &entries)?;
    Ok(())
}

/// Draw every chart for every data set into `dir`; `fixed_ef` is the ef of the
/// build-throughput-vs-recall chart.
pub fn draw_all(runs: &[RunResult], dir: &Path, fixed_ef: usize) -> Result<Vec<Chart>> {
    register_font()?;
    let mut datasets: Vec<&str> = Vec::new();
    for r in runs {
        if !datasets.contains(&r.dataset.as_str()) {
            datasets.push(&r.dataset);
        }
    }
    let mut builds: Vec<&str> = runs.iter().map(|r| r.build.as_str()).collect();
    builds.sort();
    builds.dedup();
    let several = builds.len() > 1;
    let max_threads = runs.iter().map(|r| r.threads).max().unwrap_or(1);
    let mut charts = Vec::new();
    for ds in datasets {
        let here: Vec<&RunResult> = runs.iter().filter(|r| r.dataset == ds).collect();
        let strategies: Vec<&RunResult> = here.iter().copied().filter(|r| r.kind != RunKind::MUTANT).collect();
        let series = group(&strategies, several);

        let stem = format!("recall-qps-{ds}");
        let title = format!("{ds}: recall@10 vs queries per second");
        render!(dir, &stem, |root| recall_qps(&root, &title, &series));
        charts.push(Chart {
            stem,
            title,
            caption: "Each strategy's speed-recall trade-off over the search ef sweep (single-threaded \
                      search, log-scale QPS); the line joins its Pareto-optimal points, up and to the right is better."
                .into(),
        });

        let stem = format!("build-threads-{ds}");
        let title = format!("{ds}: build throughput vs threads");
        render!(dir, &stem, |root| throughput_threads(&root, &title, &series));
        charts.push(Chart {
            stem,
            title,
            caption: "Vectors inserted per second of wall time for each build thread count (line: best of \
                      repetitions, dots: each one). Sequential and batched link on one thread, so a difference between their \
                      points is measurement noise."
                .into(),
        });

        let at_max: Vec<&RunResult> = here.iter().copied().filter(|r| r.threads == max_threads).collect();
        let series_fixed = group(&at_max, several);
        let stem = format!("build-vs-recall-{ds}");
        let title = format!("{ds}: build throughput vs recall@10 (ef {fixed_ef}, {max_threads} threads)");
        render!(dir, &stem, |root| throughput_recall(&root, &title, fixed_ef, &series_fixed));
        let mutants = at_max.iter().any(|r| r.kind == RunKind::MUTANT);
        let peers = if at_max.iter().any(|r| r.kind == RunKind::Peer) { " (peers as squares)" } else { "" };
        charts.push(Chart {
            stem,
            title,
            caption: if mutants {
                format!(
                    "Build speed against search quality at ef {fixed_ef}: the strategies as dots{peers}, the \
                     deliberate mutants as triangles. Mutants that skip part of the work build fast but land on the \
                     left; a correct build must land on the right."
                )
            } else {
                format!("Build speed against search quality at ef {fixed_ef}, one point per strategy{peers}.")
            },
        });

        let rows: Vec<(String, Option<(f64, usize)>)> = series
            .iter()
            .filter(|(_, rs)| rs.iter().all(|r| r.kind != RunKind::Peer))
            .map(|(k, rs)| {
                let r = rs.iter().filter(|r| r.threads == max_threads).min_by_key(|r| r.repetition).unwrap_or(&rs[0]);
                (k.clone(), r.health.as_ref().map(|h| (h.one_way_fraction, h.unreachable)))
            })
            .collect();
        let stem = format!("health-{ds}");
        let title = format!("{ds}: graph health per strategy ({max_threads} build threads)");
        render!(dir, &stem, |root| health(&root, &title, &rows));
        charts.push(Chart {
            stem,
            title,
            caption: "The invariant checker's census of each finished graph: the share of edges without their \
                      reverse (top) and the nodes a search from the entry point cannot reach (bottom); lower is \
                      better."
                .into(),
        });

        let bars = profile_bars(&strategies, several);
        if !bars.is_empty() {
            let stem = format!("profile-{ds}");
            let title = format!("{ds}: where insertion time goes, per strategy");
            render!(dir, &stem, |root| profile_shares(&root, &title, &bars));
            charts.push(Chart {
                stem,
                title,
                caption: "The insertion profile (`hnswlab build --profile`): each bar splits a strategy's insertion \
                          time into the phases of Alg. 1 (repetitions summed; label: time per insert). With several \
                          build threads the phases are CPU time summed over threads. Peers and mutants are not \
                          profiled."
                    .into(),
            });
        }
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_formats_compactly() {
        assert_eq!(si(950.0), "950");
        assert_eq!(si(1500.0), "1.5k");
        assert_eq!(si(20_000.0), "20k");
        assert_eq!(si(2_000_000.0), "2M");
        assert_eq!(si(0.5), "0.5");
    }
}
