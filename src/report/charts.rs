//! Drawing the charts with plotters: one generic drawing function, rendered to PNG and SVG.

use std::path::Path;

use plotters::chart::{ChartContext, SeriesLabelPosition};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::atomic::{write_atomically, write_bytes_atomically};
use super::chart_data::{latency_chart, success_chart, tick_label, ChartSpec, Corner, Series};
use super::fonts::{ensure_fonts, FONT_FAMILY};
use super::summary::PointSummary;
use super::ReportError;
use crate::records::RunResult;

/// Chart size in pixels.
const SIZE: (u32, u32) = (900, 560);

/// Distinguishable line colors (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// One chart that [`draw_charts`] wrote, as `<stem>.png` and `<stem>.svg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnChart {
    /// The file name without its extension, e.g. `success`.
    pub stem: String,
    /// A one-line caption for the chart.
    pub title: String,
}

/// Draws `latency.png`, `latency.svg` (mean and p95 latency of completed requests) and
/// `success.png`, `success.svg` (success rate and share of trials with a safety violation)
/// into `dir`. The x axis is the first sweep axis (or the point index, "sweep point", when
/// there is none or it is not numeric); a second sweep axis gives one line per value.
/// Returns the charts drawn in the order a report shows them: `success`, then `latency`.
pub fn draw_charts(
    dir: &Path,
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<Vec<DrawnChart>, ReportError> {
    let charts = [
        ("latency", latency_chart(run, summaries)),
        ("success", success_chart(run, summaries)),
    ];
    // Each bitmap (rasterized and compressed, the slow part) on a thread of its own, beside
    // the SVGs: the trials have freed the cores by now.
    std::thread::scope(|scope| {
        let pngs: Vec<_> = charts
            .iter()
            .map(|(name, spec)| {
                let path = dir.join(format!("{name}.png"));
                scope.spawn(move || render_png(&path, spec))
            })
            .collect();
        let svgs = charts
            .iter()
            .try_for_each(|(name, spec)| render_svg(&dir.join(format!("{name}.svg")), spec));
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
    let drawn = ["success", "latency"].iter().filter_map(|stem| {
        let (_, spec) = charts.iter().find(|(name, _)| name == stem)?;
        Some(DrawnChart {
            stem: (*stem).to_string(),
            title: spec.title.clone(),
        })
    });
    Ok(drawn.collect())
}

fn render_png(path: &Path, spec: &ChartSpec) -> Result<(), ReportError> {
    ensure_fonts(path)?;
    write_atomically(path, |tmp| {
        let root = BitMapBackend::new(tmp, SIZE).into_drawing_area();
        draw_chart(root, spec).map_err(|e| chart_error(path, e))
    })
}

fn render_svg(path: &Path, spec: &ChartSpec) -> Result<(), ReportError> {
    ensure_fonts(path)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw_chart(root, spec).map_err(|e| chart_error(path, e))?;
    }
    write_bytes_atomically(path, svg.as_bytes())
}

fn chart_error(path: &Path, error: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Draws `spec` on any backend and presents (saves) it.
fn draw_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (x0, x1) = spec.x_range;
    let (y0, y1) = spec.y_range;
    let mut chart = ChartBuilder::on(&root)
        .caption(&spec.title, (FONT_FAMILY, 21))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    draw_mesh(&mut chart, spec)?;
    for series in &spec.series {
        draw_series(&mut chart, series)?;
    }
    draw_legend(&mut chart, spec.legend)?;
    root.present()
}

fn draw_mesh<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    spec: &ChartSpec,
) -> DrawResult<DB> {
    let format_tick = |v: &f64| tick_label(*v);
    chart
        .configure_mesh()
        .bold_line_style(RGBColor(222, 222, 222))
        .light_line_style(RGBColor(243, 243, 243))
        .axis_style(RGBColor(90, 90, 90))
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .x_labels(spec.x_ticks)
        .max_light_lines(1)
        .x_label_formatter(&format_tick)
        .y_label_formatter(&format_tick)
        .label_style((FONT_FAMILY, 14))
        .axis_desc_style((FONT_FAMILY, 16))
        .draw()
}

fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    series: &Series,
) -> DrawResult<DB> {
    let color = PALETTE[series.color % PALETTE.len()];
    let line = color.stroke_width(2);
    let dashed = series.metric % 2 == 1;
    if dashed {
        chart.draw_series(DashedLineSeries::new(series.points.clone(), 8, 5, line))?;
    } else {
        chart.draw_series(LineSeries::new(series.points.clone(), line))?;
    }
    let fill = if dashed {
        WHITE.filled()
    } else {
        color.filled()
    };
    let ring = color.stroke_width(2);
    chart.draw_series(series.points.iter().map(|&p| Circle::new(p, 4, fill)))?;
    chart
        .draw_series(series.points.iter().map(|&p| Circle::new(p, 4, ring)))?
        .label(series.label.as_str())
        .legend(move |at| {
            // A short (solid or dashed) line through a marker, 20 px wide.
            let (left, right) = legend_line_segments(dashed);
            EmptyElement::at(at)
                + PathElement::new(left, ring)
                + PathElement::new(right, ring)
                + Circle::new((10, 0), 4, fill)
                + Circle::new((10, 0), 4, ring)
        });
    Ok(())
}

/// A line segment in legend pixel coordinates.
type Segment = [(i32, i32); 2];

/// The two pieces of the legend sample line: touching for solid, apart for dashed.
fn legend_line_segments(dashed: bool) -> (Segment, Segment) {
    if dashed {
        ([(0, 0), (6, 0)], [(14, 0), (20, 0)])
    } else {
        ([(0, 0), (10, 0)], [(10, 0), (20, 0)])
    }
}

fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    corner: Corner,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(label_position(corner))
        .legend_area_size(26)
        .margin(10)
        .label_font((FONT_FAMILY, 14))
        .background_style(WHITE.mix(0.88))
        .border_style(RGBColor(170, 170, 170))
        .draw()
}

fn label_position(corner: Corner) -> SeriesLabelPosition {
    match corner {
        Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
        Corner::UpperRight => SeriesLabelPosition::UpperRight,
        Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
        Corner::LowerRight => SeriesLabelPosition::LowerRight,
    }
}
