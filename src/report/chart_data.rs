//! What the sweep charts show, independent of how they are drawn: panels of series with
//! markers, 95 % interval bars and line segments, the f line, per-point sample counts, a
//! legend (drawn beside the plot, never over it) and notes; the `success` chart (success rate
//! above, safety violation share below) and the builders it shares with `latency_chart`.
//!
//! Lines join neighbouring points of a series only on a numeric axis, never across a point
//! without a value and never between a point within f and one beyond it; categories get
//! unconnected markers. Series sharing a panel are offset sideways a little so that equal
//! values stay visible.

use super::chart_axis::{f_line, groups, n_f_suffix, Group, XAxis};
use super::summary::PointSummary;
use crate::records::RunResult;

/// An RGB colour.
pub(crate) type Rgb = (u8, u8, u8);

/// Distinguishable colours (Tableau 10), for series and groups.
pub(crate) const PALETTE: [Rgb; 10] = [
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Solid line, filled markers.
    Solid,
    /// Dashed line, hollow markers.
    Dashed,
    /// A line only (CDF curves).
    Curve,
}

/// One point of a series with its 95 % interval; a `None` bound is open on that side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Marker {
    /// Drawn x (the point's position plus the series' sideways offset).
    pub x: f64,
    /// The value.
    pub y: f64,
    /// Lower bound of the interval.
    pub low: Option<f64>,
    /// Upper bound of the interval.
    pub high: Option<f64>,
    /// Some trials of the point broke safety (drawn with a red ring, explained in the legend).
    pub broke_safety: bool,
}

/// One metric for one group of points.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Series {
    /// Legend text.
    pub label: String,
    /// Line and marker colour.
    pub color: Rgb,
    /// Line and marker style.
    pub style: Style,
    /// Markers in ascending x.
    pub markers: Vec<Marker>,
    /// Polylines to draw (none on a categorical axis).
    pub segments: Vec<Vec<(f64, f64)>>,
}

/// One plotting area with its own y axis.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Panel {
    /// The y axis title.
    pub y_label: String,
    /// The visible y range.
    pub y_range: (f64, f64),
    /// What is drawn in it.
    pub series: Vec<Series>,
}

/// A line of the legend.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum LegendEntry {
    /// A sample of a series' line and marker, then its label.
    Series {
        /// The text.
        label: String,
        /// Its colour.
        color: Rgb,
        /// Its style.
        style: Style,
    },
    /// The f line's sample, then its text.
    FLine(String),
    /// The red ring of a point whose trials broke safety, then its text.
    BrokeSafety(String),
    /// The dotted arrow of an open interval end, then its text.
    OpenEnd(String),
    /// The arrow of an interval end beyond the clipped y axis, then its text.
    OffScale(String),
    /// Explanatory text.
    Text(String),
}

/// Everything needed to draw one chart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChartSpec {
    /// The caption.
    pub title: String,
    /// The x axis (shared by the panels).
    pub x: XAxis,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
    /// The f line: its x and its label (`f = 3`).
    pub f_line: Option<(f64, String)>,
    /// Sample counts written under the x axis, (x, text); empty when the legend says it.
    pub counts: Vec<(f64, String)>,
    /// The legend, beside the plot.
    pub legend: Vec<LegendEntry>,
    /// Notes under the legend (e.g. why a point has no latency).
    pub notes: Vec<String>,
}

/// A plotted metric: its name, its value at a point with the interval bounds, if defined.
pub(super) type Metric = (&'static str, fn(&PointSummary) -> Option<Marker>);

fn rate(value: f64, ci: Option<(f64, f64)>) -> Marker {
    Marker {
        x: 0.0,
        y: value,
        low: ci.map(|c| c.0),
        high: ci.map(|c| c.1),
        broke_safety: false,
    }
}

/// Success rate (upper panel) and share of trials with a safety violation (lower panel),
/// with 95 % Wilson intervals, the f line when byzantine replicas are swept, and the trials
/// per point.
pub(crate) fn success_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let success: Metric = ("success rate", |s| {
        (s.trials > 0).then(|| rate(s.success_rate, s.success_ci))
    });
    let safety: Metric = ("safety violation share", |s| {
        (s.trials > 0).then(|| rate(s.safety_violation_rate(), s.safety_ci))
    });
    let x = XAxis::of(run);
    let groups = groups(run, summaries);
    let one_group = groups.len() == 1;
    let panel = |metric: Metric, color: usize, y_label: &str| Panel {
        y_label: y_label.to_string(),
        y_range: (-0.04, 1.04),
        series: build_series(&x, &groups, &[(metric, Style::Solid)], |g, _| {
            PALETTE[if one_group { color } else { g } % PALETTE.len()]
        }),
    };
    let panels = vec![
        panel(success, 0, "success rate"),
        panel(safety, 1, "safety violation share"),
    ];
    let mut legend = series_legend(&panels, &groups);
    legend.push(LegendEntry::Text("bars: 95 % Wilson interval".to_string()));
    let trials: Vec<(f64, usize)> = summaries
        .iter()
        .filter_map(|s| Some((*x.positions.get(s.point)?, s.trials)))
        .collect();
    let counts = count_row(&trials, "trials", &mut legend);
    finish(
        format!(
            "{}: success and safety per point{}",
            run.name,
            n_f_suffix(summaries)
        ),
        run,
        x,
        summaries,
        panels,
        counts,
        legend,
        Vec::new(),
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    title: String,
    run: &RunResult,
    x: XAxis,
    summaries: &[PointSummary],
    panels: Vec<Panel>,
    counts: Vec<(f64, String)>,
    mut legend: Vec<LegendEntry>,
    notes: Vec<String>,
) -> ChartSpec {
    let f_line = f_line(run, &x, summaries).map(|(at, f)| (at, format!("f = {f}")));
    if let Some((_, label)) = &f_line {
        legend.push(LegendEntry::FLine(format!(
            "{label}: the most byzantine replicas tolerated; the line lies between f and \
             f + 1, where the cliff is"
        )));
    }
    ChartSpec {
        title,
        x,
        panels,
        f_line,
        counts,
        legend,
        notes,
    }
}

/// One series per (group, metric), offset sideways so that series sharing a panel do not
/// hide each other; `color(group, metric)` picks the colour.
pub(super) fn build_series(
    x: &XAxis,
    groups: &[Group<'_>],
    metrics: &[(Metric, Style)],
    color: impl Fn(usize, usize) -> Rgb,
) -> Vec<Series> {
    let count = groups.len() * metrics.len();
    let share = if x.is_categorical() { 0.5 } else { 0.3 };
    let spread = if count > 1 {
        x.min_step() * share / count as f64
    } else {
        0.0
    };
    let mut series = Vec::with_capacity(count);
    for (g, group) in groups.iter().enumerate() {
        for (m, ((name, value), style)) in metrics.iter().enumerate() {
            let index = series.len() as f64;
            let offset = (index - (count as f64 - 1.0) / 2.0) * spread;
            let mut members: Vec<(f64, &PointSummary)> = group
                .members
                .iter()
                .filter_map(|s| Some((*x.positions.get(s.point)?, *s)))
                .filter(|(px, _)| px.is_finite())
                .collect();
            members.sort_by(|a, b| a.0.total_cmp(&b.0));
            let placed: Vec<(Option<Marker>, bool)> = members
                .iter()
                .map(|(px, s)| {
                    let marker = value(s).filter(|m| m.y.is_finite()).map(|m| Marker {
                        x: px + offset,
                        ..m
                    });
                    (marker, s.within_f)
                })
                .collect();
            let label = match &group.label {
                Some(group) if metrics.len() > 1 => format!("{name}, {group}"),
                Some(group) => group.clone(),
                None => name.to_string(),
            };
            series.push(Series {
                label,
                color: color(g, m),
                style: *style,
                markers: placed.iter().filter_map(|p| p.0).collect(),
                segments: if x.is_categorical() {
                    Vec::new()
                } else {
                    segments(&placed)
                },
            });
        }
    }
    series
}

/// Runs of neighbouring markers to join: a run ends at a point without a value and where
/// the points cross from within f to beyond it.
fn segments(placed: &[(Option<Marker>, bool)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut side: Option<bool> = None;
    for (marker, within_f) in placed {
        match marker {
            Some(m) if side.is_none_or(|s| s == *within_f) => current.push((m.x, m.y)),
            Some(m) => {
                runs.push(std::mem::take(&mut current));
                current.push((m.x, m.y));
            }
            None => runs.push(std::mem::take(&mut current)),
        }
        side = marker.map(|_| *within_f);
    }
    runs.push(current);
    runs.retain(|r| r.len() > 1);
    runs
}

/// Legend lines for the series: one per group (its colour) when there are groups, otherwise
/// one per series of every panel.
pub(super) fn series_legend(panels: &[Panel], groups: &[Group<'_>]) -> Vec<LegendEntry> {
    if groups.len() > 1 {
        return groups
            .iter()
            .enumerate()
            .map(|(g, group)| LegendEntry::Series {
                label: group.label.clone().unwrap_or_default(),
                color: PALETTE[g % PALETTE.len()],
                style: Style::Solid,
            })
            .collect();
    }
    panels
        .iter()
        .flat_map(|p| p.series.iter())
        .map(|s| LegendEntry::Series {
            label: s.label.clone(),
            color: s.color,
            style: s.style,
        })
        .collect()
}

/// Per-position counts for under the x axis, or one legend line when every point has the
/// same count (`n = 6 trials at every point`).
pub(super) fn count_row(
    counts: &[(f64, usize)],
    what: &str,
    legend: &mut Vec<LegendEntry>,
) -> Vec<(f64, String)> {
    let first = counts.first().map(|c| c.1);
    if counts.iter().all(|c| Some(c.1) == first) {
        if let Some(n) = first {
            legend.push(LegendEntry::Text(format!("n = {n} {what} at every point")));
        }
        return Vec::new();
    }
    legend.push(LegendEntry::Text(format!(
        "n = {what} per point (under the axis)"
    )));
    let mut by_x: Vec<(f64, usize, usize)> = Vec::new();
    for &(x, n) in counts {
        match by_x.iter_mut().find(|e| e.0 == x) {
            Some(e) => {
                e.1 = e.1.min(n);
                e.2 = e.2.max(n);
            }
            None => by_x.push((x, n, n)),
        }
    }
    by_x.into_iter()
        .map(|(x, lo, hi)| {
            let text = if lo == hi {
                format!("n={lo}")
            } else {
                format!("n={lo}-{hi}")
            };
            (x, text)
        })
        .collect()
}

/// A millisecond value for a note or a label: whole ms from 100 ms on, else as a tick label.
pub(crate) fn ms_label(ms: f64) -> String {
    if ms.abs() >= 100.0 {
        format!("{ms:.0}")
    } else {
        tick_label(ms)
    }
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
