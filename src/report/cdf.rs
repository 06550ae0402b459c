//! The latency CDF chart's content: the empirical distribution function of the latency of
//! every completed request at a sweep point (all its trials pooled, from
//! `TrialOutcome::latencies_ms`), one step curve per point. At most [`MAX_CURVES`] curves are
//! drawn (evenly spaced points, first and last included), coloured along a ramp on a numeric
//! axis and from the palette on a categorical one.

use super::axis_names::axis_name;
use super::chart_axis::{n_f_suffix, XAxis};
use super::chart_data::{ms_label, ChartSpec, LegendEntry, Panel, Rgb, Series, Style, PALETTE};
use super::summary::PointSummary;
use crate::records::RunResult;

/// Most curves on one chart; more would not be told apart.
pub(crate) const MAX_CURVES: usize = 10;

/// Most steps of one curve (a larger sample is drawn through evenly spaced ranks; a chart
/// 700 pixels wide shows no more).
const MAX_STEPS: usize = 1000;

/// Dark blue to yellow-green (viridis-like, without its palest end, which white hides).
const RAMP: [Rgb; 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (53, 183, 121),
    (160, 190, 30),
];

/// The empirical CDF of per-request latency, one curve per sweep point.
pub(crate) fn latency_cdf_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let x_axis = XAxis::of(run);
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); run.points];
    for record in &run.records {
        if let Some(sample) = samples.get_mut(record.point) {
            sample.extend(record.outcome.latencies_ms.iter().copied());
        }
    }
    for sample in &mut samples {
        sample.retain(|v| v.is_finite());
        sample.sort_by(f64::total_cmp);
    }
    let with_data: Vec<usize> = (0..run.points)
        .filter(|&p| samples.get(p).is_some_and(|s| !s.is_empty()))
        .collect();
    let shown = evenly_spaced(&with_data, MAX_CURVES);
    let top = shown
        .iter()
        .filter_map(|&p| samples.get(p)?.last().copied())
        .fold(0.0_f64, f64::max);
    let clip = clip_at(&shown, &samples, top);
    let series: Vec<Series> = shown
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let sample = samples.get(p).map_or(&[][..], Vec::as_slice);
            let color = if x_axis.is_categorical() {
                PALETTE[i % PALETTE.len()]
            } else {
                ramp(i, shown.len())
            };
            Series {
                label: format!("{} ({} req.)", point_text(run, &x_axis, p), sample.len()),
                color,
                style: Style::Curve,
                markers: Vec::new(),
                segments: vec![clipped(steps(sample), clip.map(|c| c.0))],
            }
        })
        .collect();
    let mut legend = vec![LegendEntry::Text(format!("{}:", x_axis.quantity()))];
    legend.extend(series.iter().map(|s| LegendEntry::Series {
        label: s.label.clone(),
        color: s.color,
        style: Style::Curve,
    }));
    legend.push(LegendEntry::Text(
        "each curve: every completed request of the point's trials".to_string(),
    ));
    let mut notes = Vec::new();
    if shown.len() < with_data.len() {
        notes.push(format!(
            "{} of {} points shown (evenly spaced)",
            shown.len(),
            with_data.len()
        ));
    }
    let empty: Vec<String> = summaries
        .iter()
        .filter(|s| s.trials > 0 && s.latency_samples == 0)
        .map(|s| point_text(run, &x_axis, s.point))
        .collect();
    if !empty.is_empty() {
        notes.push(format!(
            "no request completed at {} = {}: no curve",
            x_axis.quantity(),
            empty.join(", ")
        ));
    }
    if let Some((at, beyond, total)) = clip {
        notes.push(format!(
            "x axis clipped at {} ms (1.1x the p99 of the requests shown): {beyond} of \
             {total} requests beyond it, up to {} ms; their curves reach 1 off the chart",
            ms_label(at),
            ms_label(top)
        ));
    }
    let right = match clip {
        Some((at, _, _)) => at,
        None if top > 0.0 => top * 1.03,
        None => 1.0,
    };
    let fastest = shown
        .iter()
        .filter_map(|&p| samples.get(p)?.first().copied())
        .fold(f64::INFINITY, f64::min);
    // From 0, unless every request took longer than 40 % of the right end (a WAN's floor of
    // 170 ms): then from just below the fastest, so that the curves get the width.
    let left = if fastest.is_finite() && fastest > right * 0.4 {
        fastest - (right - fastest) * 0.05
    } else {
        0.0
    };
    let range = (left, right);
    ChartSpec {
        title: format!(
            "{}: latency distribution (CDF) per point{}",
            run.name,
            n_f_suffix(summaries)
        ),
        x: XAxis {
            label: "latency of a completed request (virtual ms)".to_string(),
            positions: Vec::new(),
            categories: None,
            range,
            ticks: 10,
            reversed: false,
            ordinal: false,
        },
        panels: vec![Panel {
            y_label: "share of completed requests at or below".to_string(),
            y_range: (0.0, 1.02),
            series,
        }],
        f_line: None,
        counts: Vec::new(),
        legend,
        notes,
    }
}

/// The x axis is clipped when the slowest request shown is more than this many times the
/// p99 of all requests shown (wan-aws: a 3.2 s straggler over a 180-290 ms story).
pub(crate) const CDF_CLIP_TRIGGER: f64 = 3.0;

/// Where to clip the CDF's x axis, with the requests beyond and the requests shown: at 1.1x
/// the pooled p99 of the shown points' requests when the largest exceeds
/// [`CDF_CLIP_TRIGGER`] times it; `None` to draw every request.
fn clip_at(shown: &[usize], samples: &[Vec<f64>], top: f64) -> Option<(f64, usize, usize)> {
    let mut pooled: Vec<f64> = shown
        .iter()
        .filter_map(|&p| samples.get(p))
        .flatten()
        .copied()
        .collect();
    pooled.sort_by(f64::total_cmp);
    let p99 = super::summary::nearest_rank_percentile(&pooled, 99.0)?;
    if p99 <= 0.0 || top <= p99 * CDF_CLIP_TRIGGER {
        return None;
    }
    let at = p99 * 1.1;
    let beyond = pooled.iter().filter(|v| **v > at).count();
    Some((at, beyond, pooled.len()))
}

/// `line` up to x = `limit` (its last point moved onto the limit), or all of it.
fn clipped(line: Vec<(f64, f64)>, limit: Option<f64>) -> Vec<(f64, f64)> {
    let Some(limit) = limit else { return line };
    let mut kept: Vec<(f64, f64)> = line.iter().copied().take_while(|p| p.0 <= limit).collect();
    if let Some(&(_, share)) = kept.last() {
        if kept.len() < line.len() {
            kept.push((limit, share));
        }
    }
    kept
}

/// The point's axis values as a legend label (`3`, or `5, drop = 0.1` with two axes).
fn point_text(run: &RunResult, x: &XAxis, point: usize) -> String {
    let first = x.value_text(x.positions.get(point).copied().unwrap_or(0.0));
    let rest: Vec<String> = run
        .records
        .iter()
        .find(|r| r.point == point)
        .map(|r| {
            r.axis_values
                .iter()
                .enumerate()
                .skip(1)
                .filter_map(|(axis, value)| {
                    let path = run.axes.get(axis)?;
                    let label = run.axis_labels.get(axis).and_then(Option::as_deref);
                    Some(format!("{} = {value}", axis_name(path, label)))
                })
                .collect()
        })
        .unwrap_or_default();
    std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most `most` of `items`, evenly spaced, the first and the last included.
pub(crate) fn evenly_spaced(items: &[usize], most: usize) -> Vec<usize> {
    if items.len() <= most {
        return items.to_vec();
    }
    if most < 2 {
        return items.iter().copied().take(most).collect();
    }
    let last = items.len() - 1;
    let mut picked: Vec<usize> = (0..most)
        .filter_map(|i| items.get((i * last + (most - 1) / 2) / (most - 1)).copied())
        .collect();
    picked.dedup();
    picked
}

/// Colour `i` of `count` along the ramp.
fn ramp(i: usize, count: usize) -> Rgb {
    let t = if count > 1 {
        i as f64 / (count - 1) as f64
    } else {
        0.0
    };
    let scaled = t * (RAMP.len() - 1) as f64;
    let at = (scaled.floor() as usize).min(RAMP.len() - 2);
    let frac = scaled - at as f64;
    let (a, b) = (RAMP[at], RAMP[at + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * frac).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The step polyline of the empirical CDF of ascending `sorted`: 0 left of the smallest
/// value, rising by 1/N at each value (through at most `MAX_STEPS` evenly spaced ranks).
pub(crate) fn steps(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len();
    let Some(&first) = sorted.first() else {
        return Vec::new();
    };
    let ranks: Vec<usize> = if n <= MAX_STEPS {
        (0..n).collect()
    } else {
        let last = n - 1;
        (0..MAX_STEPS).map(|j| j * last / (MAX_STEPS - 1)).collect()
    };
    let mut line = vec![(first, 0.0)];
    let mut below = 0.0;
    for rank in ranks {
        let Some(&x) = sorted.get(rank) else { continue };
        let share = (rank + 1) as f64 / n as f64;
        line.push((x, below));
        line.push((x, share));
        below = share;
    }
    line
}
