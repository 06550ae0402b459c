//! What the sweep charts show, independent of how they are drawn: panels of series with
//! markers, 95 % interval bars and line segments, the f line, per-point sample counts, a
//! legend (drawn beside the plot, never over it) and notes. `success` has two panels (success
//! rate above, safety violation share below); `latency` one (median and p95).
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
type Metric = (&'static str, fn(&PointSummary) -> Option<Marker>);

fn rate(value: f64, ci: Option<(f64, f64)>) -> Marker {
    Marker {
        x: 0.0,
        y: value,
        low: ci.map(|c| c.0),
        high: ci.map(|c| c.1),
        broke_safety: false,
    }
}

/// A latency y axis ends at this multiple of the largest plotted median or p95 when some
/// interval reaches beyond [`CLIP_TRIGGER`] times it (one straggler would otherwise squash
/// every point into a strip); the interval ends beyond are drawn as arrows at the top edge
/// with their value.
pub(crate) const CLIP_AT: f64 = 1.5;

/// See [`CLIP_AT`].
pub(crate) const CLIP_TRIGGER: f64 = 2.0;

/// The latency panel's y range (from 0) and, when it is clipped, the note saying so.
fn latency_range(series: &[Series]) -> ((f64, f64), Option<String>) {
    let markers = || series.iter().flat_map(|s| s.markers.iter());
    let largest_value = markers().map(|m| m.y).fold(0.0_f64, f64::max);
    let largest_end = markers()
        .map(|m| m.high.unwrap_or(m.y).max(m.y))
        .fold(0.0_f64, f64::max);
    if largest_value <= 0.0 {
        return (
            (
                0.0,
                if largest_end > 0.0 {
                    largest_end * 1.1
                } else {
                    1.0
                },
            ),
            None,
        );
    }
    if largest_end <= largest_value * CLIP_TRIGGER {
        return ((0.0, largest_end * 1.1), None);
    }
    let top = largest_value * CLIP_AT;
    let beyond = markers()
        .filter(|m| m.high.is_some_and(|h| h > top))
        .count();
    let note = format!(
        "y axis clipped at {} ms ({CLIP_AT}x the largest median or p95): {beyond} interval \
         end{} beyond it, drawn as an arrow at the top edge with its value",
        ms_label(top),
        if beyond == 1 { "" } else { "s" }
    );
    ((0.0, top), Some(note))
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

/// Median and p95 latency of completed requests with their 95 % order-statistic intervals;
/// points without a completed request have none, and a note says so.
pub(crate) fn latency_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let median: Metric = ("median (p50)", |s| {
        Some(Marker {
            x: 0.0,
            y: s.latency_p50_ms?,
            low: s.latency_p50_ci_ms.0,
            high: s.latency_p50_ci_ms.1,
            broke_safety: s.safety_violations > 0,
        })
    });
    let p95: Metric = ("p95", |s| {
        Some(Marker {
            x: 0.0,
            y: s.latency_p95_ms?,
            low: s.latency_p95_ci_ms.0,
            high: s.latency_p95_ci_ms.1,
            broke_safety: s.safety_violations > 0,
        })
    });
    let x = XAxis::of(run);
    let groups = groups(run, summaries);
    let one_group = groups.len() == 1;
    let series = build_series(
        &x,
        &groups,
        &[(median, Style::Solid), (p95, Style::Dashed)],
        |g, m| PALETTE[if one_group { [0, 3][m % 2] } else { g } % PALETTE.len()],
    );
    let (y_range, clip_note) = latency_range(&series);
    let open = series
        .iter()
        .flat_map(|s| s.markers.iter())
        .any(|m| m.low.is_none() || m.high.is_none());
    let broke_safety = series
        .iter()
        .flat_map(|s| s.markers.iter())
        .any(|m| m.broke_safety);
    let panels = vec![Panel {
        y_label: "latency (virtual ms)".to_string(),
        y_range,
        series,
    }];
    let mut legend = series_legend(&panels, &groups);
    if !one_group {
        for (label, style) in [("median (p50)", Style::Solid), ("p95", Style::Dashed)] {
            legend.push(LegendEntry::Series {
                label: label.to_string(),
                color: PALETTE[7],
                style,
            });
        }
    }
    legend.push(LegendEntry::Text(
        "bars: 95 % order-statistic interval".to_string(),
    ));
    if open {
        legend.push(LegendEntry::OpenEnd(
            "open end: too few requests to bound the interval on that side".to_string(),
        ));
    }
    if clip_note.is_some() {
        legend.push(LegendEntry::OffScale(
            "interval end beyond the clipped y axis (its value beside it)".to_string(),
        ));
    }
    if broke_safety {
        legend.push(LegendEntry::BrokeSafety(
            "red ring: trials at this point broke safety (see the note)".to_string(),
        ));
    }
    let samples: Vec<(f64, usize)> = summaries
        .iter()
        .filter_map(|s| Some((*x.positions.get(s.point)?, s.latency_samples)))
        .collect();
    let counts = count_row(&samples, "completed requests", &mut legend);
    let mut notes = no_latency_notes(&x, &groups);
    notes.extend(clip_note);
    finish(
        format!(
            "{}: latency of completed requests{}",
            run.name,
            n_f_suffix(summaries)
        ),
        run,
        x,
        summaries,
        panels,
        counts,
        legend,
        notes,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
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
fn build_series(
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
fn series_legend(panels: &[Panel], groups: &[Group<'_>]) -> Vec<LegendEntry> {
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
fn count_row(
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

/// "no request completed at <x> = 9" for the points with trials but no latency sample, a
/// note for points where no trial succeeded although requests completed (their latency is
/// drawn, and would otherwise look like a contradiction of the success chart), and one for
/// points with latency whose trials broke safety (the requests completed with wrong
/// results, or replicas disagreed: a latency there is no sign of a working system).
fn no_latency_notes(x: &XAxis, groups: &[Group<'_>]) -> Vec<String> {
    let mut notes = Vec::new();
    for group in groups {
        let empty: Vec<String> = group
            .members
            .iter()
            .filter(|s| s.trials > 0 && s.latency_samples == 0)
            .filter_map(|s| Some(x.value_text(*x.positions.get(s.point)?)))
            .collect();
        let failed: Vec<String> = group
            .members
            .iter()
            .filter(|s| s.trials > 0 && s.latency_samples > 0 && s.success_rate == 0.0)
            .filter(|s| s.safety_violations == 0)
            .filter_map(|s| Some(x.value_text(*x.positions.get(s.point)?)))
            .collect();
        let broke: Vec<(String, String)> = group
            .members
            .iter()
            .filter(|s| s.latency_samples > 0 && s.safety_violations > 0)
            .filter_map(|s| {
                let at = x.value_text(*x.positions.get(s.point)?);
                Some((at, format!("{} of {}", s.safety_violations, s.trials)))
            })
            .collect();
        let within = group
            .label
            .as_ref()
            .map_or(String::new(), |g| format!(" ({g})"));
        if !empty.is_empty() {
            notes.push(format!(
                "no request completed at {} = {}{within}: no latency point there",
                x.quantity(),
                empty.join(", ")
            ));
        }
        if !failed.is_empty() {
            notes.push(format!(
                "no trial succeeded at {} = {}{within}, yet requests completed there: their \
                 latency is shown (success also needs every honest replica to commit every \
                 request in time)",
                x.quantity(),
                failed.join(", ")
            ));
        }
        if !broke.is_empty() {
            let at: Vec<&str> = broke.iter().map(|b| b.0.as_str()).collect();
            let shares = match broke.as_slice() {
                [(_, share)] => format!("{share} trials"),
                several => {
                    let each: Vec<String> =
                        several.iter().map(|(a, s)| format!("{a}: {s}")).collect();
                    format!("trials ({})", each.join("; "))
                }
            };
            notes.push(format!(
                "requests completed at {} = {}{within}, but {shares} broke safety there: \
                 clients accepted wrong results or replicas disagreed (red rings; the \
                 violations column of trials.csv says which)",
                x.quantity(),
                at.join(", "),
            ));
        }
    }
    notes
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
