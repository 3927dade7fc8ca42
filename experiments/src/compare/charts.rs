//! The comparison's charts (plotters, PNG and SVG, in the style and font of
//! `report/charts.rs`): build throughput per entrant and thread count (bars:
//! median of the rounds, whiskers: min–max), and recall@10 vs QPS per data
//! set (each entrant's median curve across rounds).

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::summary::Median;
use crate::report::charts::{
    colour, frame, legend, recall_qps_axes, register_font, render, si, Chart, DrawResult, Entry, Mark, FONT, SIZE,
};

/// `hnswlab/sequential t1`: the entrant and its build threads, as in the ratio table.
fn series_name(m: &Median) -> String {
    format!("{} t{}", m.entrant, m.threads)
}

/// A stable colour per entrant (not per thread count), so one library keeps its colour.
fn entrant_colours(medians: &[&Median]) -> Vec<RGBColor> {
    let mut seen: Vec<&str> = Vec::new();
    medians
        .iter()
        .map(|m| {
            let i = seen.iter().position(|e| *e == m.entrant).unwrap_or_else(|| {
                seen.push(&m.entrant);
                seen.len() - 1
            });
            colour(i)
        })
        .collect()
}

fn throughput_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, rows: &[&Median]) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let k = rows.len().max(1);
    let x_max = rows.iter().filter_map(|m| m.vectors_per_second.map(|s| s.max)).fold(1.0, f64::max) * 1.2;
    let names: Vec<String> = rows.iter().map(|m| series_name(m)).collect();
    let colours = entrant_colours(rows);
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(380)
        .build_cartesian_2d(0.0..x_max, -0.5..(k as f64 - 0.5))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("build throughput (vectors inserted per second of wall time)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .y_labels(k.max(2))
        .y_label_formatter(&|v| {
            let i = v.round();
            let row = (i >= 0.0 && (i as usize) < k).then(|| k - 1 - i as usize);
            row.filter(|_| (v - i).abs() < 1e-6).and_then(|r| names.get(r).cloned()).unwrap_or_default()
        })
        .x_label_formatter(&|v| si(*v))
        .draw()?;
    for (j, m) in rows.iter().enumerate() {
        let y = (k - 1 - j) as f64;
        let c = colours[j];
        let Some(s) = m.vectors_per_second else { continue };
        chart.draw_series(std::iter::once(Rectangle::new([(0.0, y - 0.3), (s.median, y + 0.3)], c.filled())))?;
        let whisker = vec![(s.min, y), (s.max, y)];
        chart.draw_series(std::iter::once(PathElement::new(whisker, BLACK.stroke_width(2))))?;
        for x in [s.min, s.max] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, y - 0.12), (x, y + 0.12)],
                BLACK.stroke_width(2),
            )))?;
        }
        let label = Text::new(si(s.median), (s.max + x_max * 0.01, y + 0.15), (FONT, 15));
        chart.draw_series(std::iter::once(label))?;
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (m, &c) in rows.iter().zip(&colours) {
        if !entries.iter().any(|e| e.label == m.entrant) {
            entries.push(Entry { label: m.entrant.clone(), colour: c, mark: Mark::Square });
        }
    }
    legend(&side, "bar: median of rounds", &entries)?;
    side.draw(&Text::new("whiskers: min–max over rounds", (12, 60 + 26 * entries.len() as i32), (FONT, 14)))?;
    Ok(())
}

fn recall_qps<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    rows: &[&Median],
    target: f64,
) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let pts = rows.iter().flat_map(|m| m.curve.iter().map(|p| (p.recall_at_10, p.qps)));
    // The target recall is always on the chart.
    let mut chart = recall_qps_axes(&plot, pts.chain(std::iter::once((target, 0.0))))?;
    let y = chart.y_range();
    let target_line = vec![(target, y.start), (target, y.end)];
    chart.draw_series(std::iter::once(PathElement::new(target_line, RGBColor(110, 110, 110).stroke_width(2))))?;
    let colours = entrant_colours(rows);
    let mut entries = Vec::new();
    for (m, &c) in rows.iter().zip(&colours) {
        let line: Vec<(f64, f64)> = m.curve.iter().filter(|p| p.qps > 0.0).map(|p| (p.recall_at_10, p.qps)).collect();
        // Thicker lines for more build threads: same colour per entrant.
        let style = c.stroke_width(if m.threads > 1 { 3 } else { 1 });
        chart.draw_series(LineSeries::new(line.iter().copied(), style))?;
        if m.threads > 1 {
            chart.draw_series(line.iter().map(|&p| TriangleMarker::new(p, 6, c.filled())))?;
        } else {
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
        }
        let mark = if m.threads > 1 { Mark::Triangle } else { Mark::Dot };
        entries.push(Entry { label: series_name(m), colour: c, mark });
    }
    legend(&side, "median of rounds per ef", &entries)?;
    let note = format!("grey line: recall {target}; tN: N build threads");
    side.draw(&Text::new(note, (12, 60 + 26 * entries.len() as i32), (FONT, 14)))?;
    Ok(())
}

/// Draw both charts for every data set of `medians` into `dir`.
pub fn draw_all(medians: &[Median], dir: &Path, target: f64, rounds: usize) -> Result<Vec<Chart>> {
    register_font()?;
    let mut datasets: Vec<&str> = Vec::new();
    for m in medians {
        if !datasets.contains(&m.dataset.as_str()) {
            datasets.push(&m.dataset);
        }
    }
    let mut charts = Vec::new();
    for ds in datasets {
        let mut rows: Vec<&Median> = medians.iter().filter(|m| m.dataset == ds && m.rounds > 0).collect();
        rows.sort_by_key(|m| (m.threads, !m.entrant.starts_with("hnswlab")));
        let stem = format!("build-throughput-{ds}");
        let title = format!("{ds}: build throughput by library and threads ({rounds} round(s))");
        render!(dir, &stem, |root| throughput_bars(&root, &title, &rows));
        charts.push(Chart {
            stem,
            title,
            caption: "Vectors inserted per second of wall time, per entrant and build thread count: the bar is the \
                      median over rounds, the whiskers the slowest and fastest round; longer is better."
                .into(),
        });
        let stem = format!("recall-qps-{ds}");
        let title = format!("{ds}: recall@10 vs queries per second, all libraries");
        render!(dir, &stem, |root| recall_qps(&root, &title, &rows, target));
        charts.push(Chart {
            stem,
            title,
            caption: format!(
                "Each entrant's ef sweep (single-threaded queries; median recall and median QPS over rounds at \
                 each ef; dots: 1-thread builds, triangles and thick lines: multi-thread builds). Up and to the \
                 right is better; the grey line marks recall {target}, where the ratio table reads QPS."
            ),
        });
    }
    Ok(charts)
}
