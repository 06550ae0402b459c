//! What the charts show, independent of how they are drawn: x positions, series per metric and
//! per value of the second sweep axis, axis ranges and a legend corner that avoids the data.

use super::summary::PointSummary;
use crate::records::RunResult;

/// One drawn line: a metric for one group of points.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    /// Legend text.
    pub label: String,
    /// (x, y) in ascending x.
    pub points: Vec<(f64, f64)>,
    /// Index into the chart palette.
    pub color: usize,
    /// Index of the metric (0 = solid line and filled markers, 1 = dashed and hollow).
    pub metric: usize,
}

/// A corner of the plotting area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Corner {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// Everything needed to draw one chart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChartSpec {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    /// Most x tick labels to draw (chosen so integer sweeps get a tick per integer).
    pub x_ticks: usize,
    pub y_range: (f64, f64),
    pub series: Vec<Series>,
    pub legend: Corner,
}

/// A metric plotted against the x axis: its name and its value at a point (if defined).
type Metric = (&'static str, fn(&PointSummary) -> Option<f64>);

/// Mean and p95 latency of completed requests; points without any are skipped.
pub(crate) fn latency_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let metrics: [Metric; 2] = [
        ("mean latency", |s| s.latency_mean_ms),
        ("p95 latency", |s| s.latency_p95_ms),
    ];
    let x = x_axis(run);
    let series = build_series(run, summaries, &x.values, &metrics);
    let y_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let y_range = (0.0, if y_max > 0.0 { y_max * 1.12 } else { 1.0 });
    finish_spec(
        format!("{}: latency of completed requests (mean, p95)", run.name),
        "latency (virtual ms)",
        x,
        y_range,
        series,
    )
}

/// Success rate and share of trials with a safety violation, both in 0..=1.
pub(crate) fn success_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let metrics: [Metric; 2] = [
        ("success rate", |s| (s.trials > 0).then_some(s.success_rate)),
        ("safety violation share", |s| {
            (s.trials > 0).then(|| s.safety_violation_rate())
        }),
    ];
    let x = x_axis(run);
    let series = build_series(run, summaries, &x.values, &metrics);
    finish_spec(
        format!("{}: success rate and safety violations", run.name),
        "share of trials (0..1)",
        x,
        (-0.02, 1.02),
        series,
    )
}

fn finish_spec(
    title: String,
    y_label: &str,
    x: XAxis,
    y_range: (f64, f64),
    series: Vec<Series>,
) -> ChartSpec {
    let x_range = padded_range(&x.values);
    let legend = least_crowded_corner(&series, x_range, y_range);
    ChartSpec {
        title,
        y_label: y_label.to_string(),
        x_range,
        x_ticks: x_tick_count(&x.values),
        x_label: x.label,
        y_range,
        series,
        legend,
    }
}

/// The x axis: its label and each point's position.
struct XAxis {
    label: String,
    values: Vec<f64>,
}

/// The first sweep axis if every point has a finite number for it, else the point index
/// labelled "sweep point".
fn x_axis(run: &RunResult) -> XAxis {
    let numeric: Option<Vec<f64>> = (0..run.points)
        .map(|p| axis_number(run, p, 0).filter(|v| v.is_finite()))
        .collect();
    match (run.axes.first(), numeric) {
        (Some(name), Some(values)) => XAxis {
            label: name.clone(),
            values,
        },
        _ => XAxis {
            label: "sweep point".to_string(),
            values: (0..run.points).map(|p| p as f64).collect(),
        },
    }
}

fn axis_number(run: &RunResult, point: usize, axis: usize) -> Option<f64> {
    run.axis_numbers.get(point)?.get(axis).copied().flatten()
}

/// One series per (group, metric); groups are the distinct values of the second sweep axis in
/// order of first appearance (a single unnamed group without a second axis).
fn build_series(
    run: &RunResult,
    summaries: &[PointSummary],
    xs: &[f64],
    metrics: &[Metric],
) -> Vec<Series> {
    let groups = group_by_second_axis(run, summaries);
    let multiple_groups = groups.len() > 1;
    let mut series = Vec::new();
    for (group_index, (group_label, members)) in groups.iter().enumerate() {
        for (metric_index, (metric_name, value)) in metrics.iter().enumerate() {
            let mut points: Vec<(f64, f64)> = members
                .iter()
                .filter_map(|s| Some((*xs.get(s.point)?, value(s)?)))
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            series.push(Series {
                label: series_label(metric_name, group_label.as_deref()),
                points,
                color: if multiple_groups {
                    group_index
                } else {
                    metric_index
                },
                metric: metric_index,
            });
        }
    }
    series
}

type Group<'a> = (Option<String>, Vec<&'a PointSummary>);

fn group_by_second_axis<'a>(run: &RunResult, summaries: &'a [PointSummary]) -> Vec<Group<'a>> {
    let Some(axis) = run.axes.get(1) else {
        return vec![(None, summaries.iter().collect())];
    };
    let mut groups: Vec<(String, Vec<&PointSummary>)> = Vec::new();
    for summary in summaries {
        let value = summary.axis_values.get(1).cloned().unwrap_or_default();
        match groups.iter_mut().find(|(v, _)| *v == value) {
            Some((_, members)) => members.push(summary),
            None => groups.push((value, vec![summary])),
        }
    }
    groups
        .into_iter()
        .map(|(value, members)| (Some(format!("{axis} = {value}")), members))
        .collect()
}

fn series_label(metric: &str, group: Option<&str>) -> String {
    match group {
        Some(group) => format!("{metric}, {group}"),
        None => metric.to_string(),
    }
}

/// The values' span plus 5% on each side (a fixed margin when all values are equal).
fn padded_range(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        (lo.abs() * 0.1).max(0.5)
    };
    (lo - pad, hi + pad)
}

/// A tick per integer for short integer sweeps (one more than the integers in range, so the
/// tick spacing cannot drop to a half), otherwise about ten.
fn x_tick_count(values: &[f64]) -> usize {
    let integral = values.iter().all(|v| v.fract() == 0.0);
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    if integral && span.is_finite() && span <= 12.0 {
        span as usize + 2
    } else {
        10
    }
}

/// Estimated legend size as a share of the plotting area (width, height).
fn legend_extent(series: &[Series]) -> (f64, f64) {
    const PLOT_W: f64 = 780.0;
    const PLOT_H: f64 = 430.0;
    let longest = series
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0);
    let width = 7.5 * longest as f64 + 55.0;
    let height = 17.0 * series.len() as f64 + 16.0;
    ((width / PLOT_W).min(1.0), (height / PLOT_H).min(1.0))
}

/// The corner whose legend-sized box covers the fewest data points and line samples
/// (ties go to the earlier corner in upper-right, upper-left, lower-right, lower-left order).
fn least_crowded_corner(series: &[Series], x: (f64, f64), y: (f64, f64)) -> Corner {
    let (w, h) = legend_extent(series);
    let samples = normalized_samples(series, x, y);
    let corners = [
        (Corner::UpperRight, (1.0 - w, 1.0 - h)),
        (Corner::UpperLeft, (0.0, 1.0 - h)),
        (Corner::LowerRight, (1.0 - w, 0.0)),
        (Corner::LowerLeft, (0.0, 0.0)),
    ];
    let crowding = |(x0, y0): (f64, f64)| {
        samples
            .iter()
            .filter(|(sx, sy)| *sx >= x0 && *sx <= x0 + w && *sy >= y0 && *sy <= y0 + h)
            .count()
    };
    corners
        .iter()
        .min_by_key(|(_, origin)| crowding(*origin))
        .map_or(Corner::UpperRight, |(corner, _)| *corner)
}

/// Points along every series (markers and 8 samples per segment), mapped to 0..1 on both axes.
fn normalized_samples(series: &[Series], x: (f64, f64), y: (f64, f64)) -> Vec<(f64, f64)> {
    let norm = |(px, py): (f64, f64)| ((px - x.0) / (x.1 - x.0), (py - y.0) / (y.1 - y.0));
    let mut samples = Vec::new();
    for s in series {
        samples.extend(s.points.iter().copied().map(norm));
        for (&from, &to) in s.points.iter().zip(s.points.iter().skip(1)) {
            let (a, b) = (norm(from), norm(to));
            samples.extend((1..8).map(|i| {
                let t = f64::from(i) / 8.0;
                (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            }));
        }
    }
    samples
}

/// Tick label text: integers without decimals, other values with up to three decimals.
pub(crate) fn tick_label(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    if rounded == 0.0 {
        "0".to_string()
    } else if rounded == rounded.trunc() {
        format!("{rounded:.0}")
    } else {
        let text = format!("{rounded:.3}");
        text.trim_end_matches('0').to_string()
    }
}
