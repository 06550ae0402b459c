//! Drawing a [`ChartSpec`] with plotters on any backend: the title, the panels stacked on the
//! left (lines, interval bars, markers, the f line, sample counts under the x axis) and the
//! legend with its notes in a column of its own on the right, outside the data.

use plotters::chart::ChartContext;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart_data::{
    ms_label, tick_label, ChartSpec, LegendEntry, Marker, Panel, Rgb, Series, Style,
};
use super::fonts::FONT_FAMILY;

/// Chart size in pixels.
pub(crate) const SIZE: (u32, u32) = (1040, 600);

/// Width of the legend column.
const LEGEND_WIDTH: u32 = 280;

/// Characters per legend line before it wraps.
const LEGEND_CHARS: usize = 38;

/// Grey of the counts and the notes.
const GREY: RGBColor = RGBColor(90, 90, 90);

/// Grey of the f line, lighter than the data drawn over it.
const F_GREY: RGBColor = RGBColor(150, 150, 150);

/// The ring around a marker whose trials broke safety.
const UNSAFE_RED: RGBColor = RGBColor(210, 0, 0);

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Draws `spec` on any backend and presents (saves) it.
pub(crate) fn draw_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let body = root.titled(&spec.title, (FONT_FAMILY, 20))?;
    let (plots, legend) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let count = spec.panels.len();
    let mut areas = Vec::with_capacity(count);
    let mut rest = plots;
    for i in 0..count {
        if i + 1 == count {
            areas.push(rest.clone());
        } else {
            // The first panel of two gets 55 % of the height.
            let (top, bottom) = rest.split_vertically(rest.dim_in_pixel().1 * 55 / 100);
            areas.push(top);
            rest = bottom;
        }
    }
    for (i, (panel, area)) in spec.panels.iter().zip(&areas).enumerate() {
        draw_panel(&root, area, spec, panel, i == 0, i + 1 == count)?;
    }
    draw_legend(&legend, spec)?;
    root.present()
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    panel: &Panel,
    first: bool,
    last: bool,
) -> DrawResult<DB> {
    let (x0, x1) = spec.x.range;
    let (y0, y1) = panel.y_range;
    let label_area = match (last, spec.counts.is_empty()) {
        (false, _) => 26,
        (true, true) => 50,
        (true, false) => 68,
    };
    let mut chart = ChartBuilder::on(area)
        .margin_left(14)
        .margin_right(18)
        .margin_top(if first { 22 } else { 10 })
        .x_label_area_size(label_area)
        .y_label_area_size(66)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    draw_mesh(&mut chart, spec, panel, last)?;
    // Under the data: the f line (between f and f + 1), its label above the first panel.
    if let Some((f, label)) = &spec.f_line {
        let line = F_GREY.stroke_width(2);
        chart.draw_series(DashedLineSeries::new([(*f, y0), (*f, y1)], 7, 5, line))?;
        if first {
            let style = TextStyle::from((FONT_FAMILY, 15).into_font())
                .color(&GREY)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            let (px, py) = chart.backend_coord(&(*f, y1));
            root.draw(&Text::new(label.clone(), (px, py - 3), style))?;
        }
    }
    for series in &panel.series {
        draw_series(&mut chart, series, panel.y_range)?;
    }
    if last {
        draw_counts(root, &chart, spec, y0)?;
    }
    Ok(())
}

fn draw_mesh<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    spec: &ChartSpec,
    panel: &Panel,
    last: bool,
) -> DrawResult<DB> {
    let categories = spec.x.categories.clone();
    let format_x = move |v: &f64| match &categories {
        Some(names) if (v - v.round()).abs() < 1e-6 && *v >= 0.0 => {
            names.get(v.round() as usize).cloned().unwrap_or_default()
        }
        Some(_) => String::new(),
        None if spec.x.reversed => tick_label(-*v),
        None => tick_label(*v),
    };
    let format_y = |v: &f64| tick_label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(RGBColor(222, 222, 222))
        .light_line_style(RGBColor(243, 243, 243))
        .axis_style(RGBColor(90, 90, 90))
        .y_desc(panel.y_label.as_str())
        .x_labels(spec.x.ticks)
        .y_labels(if panel.y_range.1 - panel.y_range.0 < 1.5 {
            6
        } else {
            8
        })
        .max_light_lines(1)
        .x_label_formatter(&format_x)
        .y_label_formatter(&format_y)
        .label_style((FONT_FAMILY, 14))
        .axis_desc_style((FONT_FAMILY, 15));
    if last {
        mesh.x_desc(spec.x.label.as_str());
    }
    mesh.draw()
}

fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    series: &Series,
    y_range: (f64, f64),
) -> DrawResult<DB> {
    let color = rgb(series.color);
    let line = color.stroke_width(2);
    for segment in &series.segments {
        match series.style {
            Style::Dashed => {
                chart.draw_series(DashedLineSeries::new(segment.clone(), 8, 5, line))?;
            }
            Style::Solid | Style::Curve => {
                chart.draw_series(LineSeries::new(segment.clone(), line))?;
            }
        }
    }
    for marker in &series.markers {
        draw_interval(chart, marker, color, y_range)?;
    }
    let fill = match series.style {
        Style::Dashed => WHITE.filled(),
        Style::Solid | Style::Curve => color.filled(),
    };
    let ring = color.stroke_width(2);
    chart.draw_series(
        series
            .markers
            .iter()
            .map(|m| Circle::new((m.x, m.y), 4, fill)),
    )?;
    chart.draw_series(
        series
            .markers
            .iter()
            .map(|m| Circle::new((m.x, m.y), 4, ring)),
    )?;
    let unsafe_ring = UNSAFE_RED.stroke_width(2);
    chart.draw_series(
        series
            .markers
            .iter()
            .filter(|m| m.broke_safety)
            .map(|m| Circle::new((m.x, m.y), 8, unsafe_ring)),
    )?;
    Ok(())
}

/// The marker's interval as a vertical bar with a cap at each bounded end. An open end (no
/// bound) is a dotted line to the plot's edge ending in an arrowhead; a bound beyond the
/// visible range (a clipped axis) is a solid line to the edge with an arrowhead and its value.
fn draw_interval<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    marker: &Marker,
    color: RGBColor,
    y_range: (f64, f64),
) -> DrawResult<DB> {
    let style = color.mix(0.8).stroke_width(1);
    let x = marker.x;
    let (y0, y1) = y_range;
    let clamp = |v: f64| v.clamp(y0, y1);
    let low = marker.low.map_or(y0, clamp);
    let high = marker.high.map_or(y1, clamp);
    let bounded = (
        marker.low.map_or(marker.y, clamp),
        marker.high.map_or(marker.y, clamp),
    );
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x, bounded.0), (x, bounded.1)],
        style,
    )))?;
    for (open, from, to) in [
        (marker.low.is_none(), bounded.0, low),
        (marker.high.is_none(), bounded.1, high),
    ] {
        if open && from != to {
            chart.draw_series(DashedLineSeries::new([(x, from), (x, to)], 2, 3, style))?;
        }
    }
    let caps = [marker.low, marker.high];
    chart.draw_series(
        caps.into_iter()
            .flatten()
            .filter(|y| (y0..=y1).contains(y))
            .map(|y| EmptyElement::at((x, y)) + PathElement::new(vec![(-4, 0), (4, 0)], style)),
    )?;
    let filled = color.filled();
    if marker.high.is_none_or(|h| h > y1) {
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y1)) + Polygon::new(vec![(-4, 7), (4, 7), (0, 0)], filled),
        ))?;
    }
    if marker.low.is_none_or(|l| l < y0) && marker.y > y0 {
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y0)) + Polygon::new(vec![(-4, -7), (4, -7), (0, 0)], filled),
        ))?;
    }
    if let Some(h) = marker.high.filter(|h| *h > y1) {
        let text = TextStyle::from((FONT_FAMILY, 12).into_font())
            .color(&color)
            .pos(Pos::new(HPos::Right, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y1)) + Text::new(format!("{} ms", ms_label(h)), (-6, 1), text),
        ))?;
    }
    Ok(())
}

/// The per-point sample counts, centred under their x positions below the tick labels; one
/// that would overlap the previous is left out (summary.csv has every count).
fn draw_counts<'a, DB: DrawingBackend + 'a>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart<'a, DB>,
    spec: &ChartSpec,
    y0: f64,
) -> DrawResult<DB> {
    let style = TextStyle::from((FONT_FAMILY, 12).into_font())
        .color(&GREY)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let mut right_edge = i32::MIN;
    for (x, text) in &spec.counts {
        let (px, py) = chart.backend_coord(&(*x, y0));
        let half = (text.chars().count() as i32 * 7) / 2;
        if px - half < right_edge + 4 {
            continue;
        }
        right_edge = px + half;
        root.draw(&Text::new(text.clone(), (px, py + 24), style.clone()))?;
    }
    Ok(())
}

/// The legend column: a sample and a label per entry, then the notes, wrapped.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB> {
    let left = Pos::new(HPos::Left, VPos::Center);
    let mut y = 22;
    for entry in &spec.legend {
        let (label, color) = match entry {
            LegendEntry::Series {
                label,
                color,
                style,
            } => {
                draw_sample(area, y, rgb(*color), *style)?;
                (label, BLACK)
            }
            LegendEntry::FLine(label) => {
                let line = F_GREY.stroke_width(2);
                area.draw(&PathElement::new(vec![(8, y), (15, y)], line))?;
                area.draw(&PathElement::new(vec![(20, y), (27, y)], line))?;
                (label, BLACK)
            }
            LegendEntry::BrokeSafety(label) => {
                area.draw(&Circle::new((17, y), 4, RGBColor(120, 120, 120).filled()))?;
                area.draw(&Circle::new((17, y), 8, UNSAFE_RED.stroke_width(2)))?;
                (label, BLACK)
            }
            LegendEntry::OpenEnd(label) => {
                draw_arrow_sample(area, y, true)?;
                (label, BLACK)
            }
            LegendEntry::OffScale(label) => {
                draw_arrow_sample(area, y, false)?;
                (label, BLACK)
            }
            LegendEntry::Text(label) => (label, GREY),
        };
        let style = TextStyle::from((FONT_FAMILY, 13).into_font())
            .color(&color)
            .pos(left);
        for line in wrap(label, LEGEND_CHARS) {
            area.draw(&Text::new(line, (34, y), style.clone()))?;
            y += 17;
        }
        y += 5;
    }
    y += 8;
    let note_color = RGBColor(150, 40, 40);
    let note_style = TextStyle::from((FONT_FAMILY, 13).into_font())
        .color(&note_color)
        .pos(left);
    for note in &spec.notes {
        for line in wrap(note, LEGEND_CHARS + 2) {
            area.draw(&Text::new(line, (8, y), note_style.clone()))?;
            y += 17;
        }
        y += 5;
    }
    Ok(())
}

/// A 20-pixel sample of a series' line (solid or dashed) with its marker.
fn draw_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: i32,
    color: RGBColor,
    style: Style,
) -> DrawResult<DB> {
    let line = color.stroke_width(2);
    match style {
        Style::Dashed => {
            area.draw(&PathElement::new(vec![(6, y), (12, y)], line))?;
            area.draw(&PathElement::new(vec![(22, y), (28, y)], line))?;
        }
        Style::Solid | Style::Curve => {
            area.draw(&PathElement::new(vec![(6, y), (28, y)], line))?;
        }
    }
    let fill = match style {
        Style::Dashed => WHITE.filled(),
        Style::Solid => color.filled(),
        Style::Curve => return Ok(()),
    };
    area.draw(&Circle::new((17, y), 4, fill))?;
    area.draw(&Circle::new((17, y), 4, color.stroke_width(2)))
}

/// A vertical sample of an interval end pointing up: dotted (open) or solid (beyond a
/// clipped axis), with an arrowhead.
fn draw_arrow_sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: i32,
    dotted: bool,
) -> DrawResult<DB> {
    let line = GREY.stroke_width(1);
    if dotted {
        for top in (y - 2..y + 8).step_by(4) {
            area.draw(&PathElement::new(vec![(17, top), (17, top + 1)], line))?;
        }
    } else {
        area.draw(&PathElement::new(vec![(17, y - 2), (17, y + 8)], line))?;
    }
    area.draw(&Polygon::new(
        vec![(13, y - 2), (21, y - 2), (17, y - 9)],
        GREY.filled(),
    ))
}

/// `text` in lines of at most `width` characters, broken at spaces where possible.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
