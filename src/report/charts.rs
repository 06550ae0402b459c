//! The sweep charts as files: `success`, `latency` and `latency-cdf` (and, under a cost model,
//! `throughput` and `latency-throughput`), each as PNG and SVG,
//! drawn from their specs (`chart_data`, `cdf`) by `chart_draw`.

use std::path::Path;

use plotters::prelude::*;

use super::atomic::write_bytes_atomically_unsynced;
use super::cdf::latency_cdf_chart;
use super::chart_data::{success_chart, ChartSpec};
use super::chart_draw::{draw_chart, SIZE};
use super::fonts::ensure_fonts;
use super::latency_chart::latency_chart;
use super::summary::PointSummary;
use super::throughput_chart::{latency_throughput_chart, throughput_chart};
use super::ReportError;
use crate::records::RunResult;

/// A chart `draw_charts` wrote: `OUT/<stem>.png` and `OUT/<stem>.svg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnChart {
    /// The file name without its extension, e.g. `success`.
    pub stem: String,
    /// A one-line caption.
    pub title: String,
}

/// Draws into `dir`, as PNG and SVG: `success` (success rate and share of trials with a
/// safety violation, with 95 % Wilson intervals and the f line when byzantine replicas are
/// swept), `latency` (median and p95 latency of completed requests with 95 % order-statistic
/// intervals) and `latency-cdf` (the distribution of request latency, one curve per point);
/// under a cost model also `throughput` and, when the clients or the arrival rate are swept,
/// `latency-throughput` (`throughput_chart`).
/// The x axis is the first sweep axis (its `label`, or a readable name for its path), as
/// categories when its values are not numbers; a second axis gives one colour per value.
/// Returns the charts in the order a report should show them.
pub fn draw_charts(
    dir: &Path,
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<Vec<DrawnChart>, ReportError> {
    let mut charts = vec![
        (
            "success",
            "Success rate and safety violations per point, with 95 % intervals",
            success_chart(run, summaries),
        ),
        (
            "latency",
            "Median and p95 latency of completed requests, with 95 % intervals",
            latency_chart(run, summaries),
        ),
        (
            "latency-cdf",
            "Distribution of request latency at each point",
            latency_cdf_chart(run, summaries),
        ),
    ];
    // Under a cost model only: throughput, and latency against it where the load is swept.
    if run.cost_warmups.is_some() {
        charts.push((
            "throughput",
            "Throughput per point (completed requests per virtual second after the warm-up)",
            throughput_chart(run, summaries),
        ));
        if let Some(spec) = latency_throughput_chart(run, summaries) {
            charts.push((
                "latency-throughput",
                "Median latency against throughput, one curve per value of the other axis",
                spec,
            ));
        }
    }
    // Each bitmap (rasterized and compressed, the slow part) on a thread of its own, beside
    // the SVGs: the trials have freed the cores by now.
    std::thread::scope(|scope| {
        let pngs: Vec<_> = charts
            .iter()
            .map(|(name, _, spec)| {
                let path = dir.join(format!("{name}.png"));
                scope.spawn(move || render_png(&path, spec))
            })
            .collect();
        let svgs = charts
            .iter()
            .try_for_each(|(name, _, spec)| render_svg(&dir.join(format!("{name}.svg")), spec));
        let pngs = pngs.into_iter().try_for_each(|png| {
            png.join().unwrap_or_else(|_| {
                Err(ReportError::Chart {
                    path: dir.to_path_buf(),
                    message: "a chart thread panicked".into(),
                })
            })
        });
        svgs.and(pngs)
    })?;
    Ok(charts
        .iter()
        .map(|(stem, title, _)| DrawnChart {
            stem: (*stem).to_string(),
            title: (*title).to_string(),
        })
        .collect())
}

/// Rasterizes `spec` and writes it as PNG: every row with the same filter (Up: each byte less
/// the one above it) rather than trying all five on every row, and the `png` crate's fast
/// compression (its `fdeflate` encoder, the crate's default, named so that it stays). Up
/// turns the charts' flat background and horizontal runs into zeros, which `fdeflate` packs
/// as runs; measured on the seed's three charts (callgrind, the same pixels encoded alone):
/// 3.6 to 4.2 M instructions fewer per chart than Paeth (about 6.1 M against 10 M), for files
/// 1.5 to 2.2 times as large (110 to 160 KB). The pixels are the same.
fn render_png(path: &Path, spec: &ChartSpec) -> Result<(), ReportError> {
    ensure_fonts(path)?;
    let (width, height) = SIZE;
    let mut pixels = vec![0_u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw_chart(root, spec).map_err(|e| chart_error(path, e))?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::FilterType::Up);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        let mut writer = encoder.write_header().map_err(|e| chart_error(path, e))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| chart_error(path, e))?;
        writer.finish().map_err(|e| chart_error(path, e))?;
    }
    // Unsynced: a picture of `summary.csv`, which is (`super::atomic`).
    write_bytes_atomically_unsynced(path, &bytes)
}

fn render_svg(path: &Path, spec: &ChartSpec) -> Result<(), ReportError> {
    ensure_fonts(path)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw_chart(root, spec).map_err(|e| chart_error(path, e))?;
    }
    write_bytes_atomically_unsynced(path, svg.as_bytes())
}

fn chart_error(path: &Path, error: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
