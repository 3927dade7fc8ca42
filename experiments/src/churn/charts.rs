//! The churn charts (PNG and SVG): unreachable live nodes vs round (layers 0
//! and 1) and recall@10 vs round, one line per policy, with the fresh
//! rebuild drawn as the black reference line.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use super::{Churn, Row, REFERENCE};
use crate::report::charts::{
    colour, frame, legend, register_font, render, Area, Chart, DrawResult, Entry, Mark, FONT, SIZE,
};

/// What a panel plots of a row.
type Value = fn(&Row) -> f64;

/// Draw both charts into `dir`; returns what was drawn.
pub fn draw_all(c: &Churn, dir: &Path) -> Result<Vec<Chart>> {
    if c.rows.is_empty() {
        return Ok(Vec::new());
    }
    register_font()?;
    let s = &c.spec;
    let setup = format!("{} x {} {}, M {}, efC {}", s.n, s.dim, s.data.name(), s.m, s.ef_construction);
    let churn = format!("{:.0} % churn per round", s.fraction * 100.0);
    let unreachable = Chart {
        stem: "churn-unreachable".into(),
        title: format!("Unreachable live nodes ({setup}; {churn})"),
        caption: "Live nodes the entry point does not reach on layer 0 (top) and layer 1 (bottom), deleted \
                  nodes traversable, after each round; round 0 is the initial build. The black line is the \
                  fresh rebuild from the live vectors, the reference."
            .into(),
    };
    let panels: [(&str, Value); 2] = [
        ("unreachable live nodes, layer 0", |r| r.unreachable_l0 as f64),
        ("unreachable live nodes, layer 1", |r| r.unreachable_l1 as f64),
    ];
    render!(dir, unreachable.stem, |root| chart(&root, &unreachable.title, c, &panels));
    let recall = Chart {
        stem: "churn-recall".into(),
        title: format!("Recall@10 at ef {} ({setup}; {churn})", s.ef),
        caption: format!(
            "Recall@10 at ef {} against the exact ground truth over the live set, after each round (ε rule; \
             one thread). The black line is the fresh rebuild, the reference.",
            s.ef
        ),
    };
    let panels: [(&str, Value); 1] =
        [("recall@10 (fraction of the true 10 nearest live neighbours found)", |r| r.recall_at_10)];
    render!(dir, recall.stem, |root| chart(&root, &recall.title, c, &panels));
    Ok(vec![unreachable, recall])
}

/// One panel per `(axis, value)`, stacked, sharing the legend.
fn chart<DB: DrawingBackend>(root: &Area<DB>, title: &str, c: &Churn, panels: &[(&str, Value)]) -> DrawResult<DB> {
    let (plot, side) = frame(root, title)?;
    let policies = c.policies();
    let rounds = c.spec.rounds.max(1) as f64;
    let entries: Vec<Entry> = policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (label, colour) =
                if *p == REFERENCE { (format!("{p} (reference)"), BLACK) } else { (p.to_string(), colour(i)) };
            Entry { label, colour, mark: Mark::Line }
        })
        .collect();
    for (area, (axis, value)) in plot.split_evenly((panels.len(), 1)).iter().zip(panels) {
        let values = c.rows.iter().map(value);
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (y0, y1) =
            if hi - lo < 1e-9 { (lo - 0.5, hi + 0.5) } else { (lo - 0.05 * (hi - lo), hi + 0.08 * (hi - lo)) };
        let y0 = if lo >= 0.0 { y0.max(0.0) } else { y0 };
        let mut chart = ChartBuilder::on(area)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.3..rounds + 0.3, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("round (0 = initial build)")
            .y_desc(*axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .x_labels(c.spec.rounds.clamp(1, 20) + 1)
            .x_label_formatter(&|v| if (v - v.round()).abs() < 1e-6 { format!("{v:.0}") } else { String::new() })
            .draw()?;
        for (p, e) in policies.iter().zip(&entries) {
            let pts: Vec<(f64, f64)> = c.rows_of(p).map(|r| (r.round as f64, value(r))).collect();
            let width = if *p == REFERENCE { 3 } else { 2 };
            chart.draw_series(LineSeries::new(pts.iter().copied(), e.colour.stroke_width(width)))?;
            chart.draw_series(pts.iter().map(|&pt| Circle::new(pt, 3, e.colour.filled())))?;
        }
    }
    legend(&side, "policy", &entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::churn::Spec;

    #[test]
    fn both_charts_are_written_as_png_and_svg() {
        let row = |policy: &str, round| Row {
            policy: policy.into(),
            round,
            live: 100,
            unreachable_l0: round * 3,
            unreachable_l1: 0,
            zero_in_degree_l0: 0,
            one_way_fraction_l0: 0.1,
            mean_live_degree_l0: 8.0,
            edges_into_dead_l0: 0,
            recall_at_10: 0.9 - 0.01 * round as f64,
            qps: 1000.0,
            seconds: 0.1,
            short_results: 0,
        };
        let rows = (0..3).flat_map(|r| [row("replace", r), row("rebuild", r)]).collect();
        let c = Churn { rows, summary: Vec::new(), spec: Spec { rounds: 2, ..Spec::default() }, notes: Vec::new() };
        let dir = tempfile::tempdir().unwrap();
        let charts = draw_all(&c, dir.path()).unwrap();
        assert_eq!(charts.iter().map(|c| c.stem.as_str()).collect::<Vec<_>>(), ["churn-unreachable", "churn-recall"]);
        for stem in ["churn-unreachable", "churn-recall"] {
            for ext in ["png", "svg"] {
                let len = std::fs::metadata(dir.path().join(format!("{stem}.{ext}"))).map(|m| m.len()).unwrap_or(0);
                assert!(len > 1000, "{stem}.{ext}: {len} bytes");
            }
        }
        let svg = std::fs::read_to_string(dir.path().join("churn-recall.svg")).unwrap();
        assert!(svg.contains("rebuild (reference)") && svg.contains("Recall@10 at ef 64"), "legend or title missing");
    }
}
