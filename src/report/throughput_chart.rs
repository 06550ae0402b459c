//! The cost model's two charts (drawn only under a `costs` section): `throughput`, the mean
//! throughput per sweep point against the first sweep axis (one line per value of the second,
//! as the latency chart), with bars from the lowest to the highest trial; and
//! `latency-throughput`, drawn when the number of clients or the arrival rate is swept: the
//! median latency against the throughput at each load, one curve per value of the other axis
//! (batching on and off, say), its points joined in the order of the load axis, so that a
//! curve that turns back at saturation shows it.

use super::axis_names::axis_name;
use super::chart_axis::{groups, n_f_suffix, XAxis};
use super::chart_data::{
    build_series, count_row, finish, series_legend, ChartSpec, LegendEntry, Marker, Metric, Panel,
    Series, Style, PALETTE,
};
use super::summary::PointSummary;
use crate::records::RunResult;

/// The sweep paths that set the offered load, for `latency-throughput`.
pub(crate) const LOAD_AXES: [&str; 2] = ["workload.clients", "workload.arrivals.per_second"];

/// The y range from 0 to a little above the largest value (1 when there is none).
fn from_zero(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let top = values.filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    (0.0, if top > 0.0 { top * 1.1 } else { 1.0 })
}

/// Mean throughput per point with the lowest-to-highest trial range as its bar.
pub(crate) fn throughput_chart(run: &RunResult, summaries: &[PointSummary]) -> ChartSpec {
    let mean: Metric = ("throughput", |s| {
        let costs = s.costs?;
        Some(Marker {
            x: 0.0,
            y: costs.throughput_mean_rps?,
            low: costs.throughput_range.map(|r| r.0),
            high: costs.throughput_range.map(|r| r.1),
            broke_safety: s.safety_violations > 0,
        })
    });
    let x = XAxis::of(run);
    let groups = groups(run, summaries);
    let series = build_series(&x, &groups, &[(mean, Style::Solid)], |g, _| {
        PALETTE[g % PALETTE.len()]
    });
    let y_range = from_zero(
        series
            .iter()
            .flat_map(|s| s.markers.iter().map(|m| m.high.unwrap_or(m.y).max(m.y))),
    );
    let broke_safety = series
        .iter()
        .flat_map(|s| s.markers.iter())
        .any(|m| m.broke_safety);
    let panels = vec![Panel {
        y_label: "throughput (requests per virtual s)".to_string(),
        y_range,
        series,
    }];
    let mut legend = series_legend(&panels, &groups);
    legend.push(LegendEntry::Text(
        "marker: mean over trials; bar: lowest to highest trial".to_string(),
    ));
    legend.push(LegendEntry::Text(
        "throughput: completions after the warm-up per virtual second (docs/costs.md)".to_string(),
    ));
    if broke_safety {
        legend.push(LegendEntry::BrokeSafety(
            "red ring: trials at this point broke safety".to_string(),
        ));
    }
    let samples: Vec<(f64, usize)> = summaries
        .iter()
        .filter_map(|s| Some((*x.positions.get(s.point)?, s.trials)))
        .collect();
    let counts = count_row(&samples, "trials", &mut legend);
    let missing: Vec<String> = summaries
        .iter()
        .filter(|s| s.trials > 0 && s.costs.and_then(|c| c.throughput_mean_rps).is_none())
        .filter_map(|s| Some(x.value_text(*x.positions.get(s.point)?)))
        .collect();
    let mut notes = Vec::new();
    if !missing.is_empty() {
        notes.push(format!(
            "no throughput at {} = {}: fewer than two requests completed after the warm-up",
            x.quantity(),
            missing.join(", ")
        ));
    }
    finish(
        format!("{}: throughput{}", run.name, n_f_suffix(summaries)),
        run,
        x,
        summaries,
        panels,
        counts,
        legend,
        notes,
    )
}

/// The index of the first sweep axis that sets the offered load, if any.
pub(crate) fn load_axis(run: &RunResult) -> Option<usize> {
    run.axes
        .iter()
        .position(|a| LOAD_AXES.contains(&a.as_str()))
}

/// Median latency against throughput, one curve per value of the axis other than the load
/// axis `load` (the first such); `None` when the run sweeps no load axis.
pub(crate) fn latency_throughput_chart(
    run: &RunResult,
    summaries: &[PointSummary],
) -> Option<ChartSpec> {
    let load = load_axis(run)?;
    let other = (0..run.axes.len()).find(|&a| a != load);
    // The curves: points sharing the other axis's value, in point (so load-axis) order.
    let mut curves: Vec<(Option<String>, Vec<&PointSummary>)> = Vec::new();
    for s in summaries {
        let key = other.map(|a| {
            let name = axis_name(
                &run.axes[a],
                run.axis_labels.get(a).and_then(Option::as_deref),
            );
            format!(
                "{name} = {}",
                s.axis_values.get(a).cloned().unwrap_or_default()
            )
        });
        match curves.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(s),
            None => curves.push((key, vec![s])),
        }
    }
    let throughput = |s: &PointSummary| s.costs.and_then(|c| c.throughput_mean_rps);
    let positions: Vec<f64> = (0..run.points)
        .map(|p| {
            summaries
                .iter()
                .find(|s| s.point == p)
                .and_then(throughput)
                .unwrap_or(f64::NAN)
        })
        .collect();
    let range = from_zero(positions.iter().copied());
    let x = XAxis {
        label: "throughput (requests per virtual s)".to_string(),
        positions,
        categories: None,
        range,
        ticks: 10,
        reversed: false,
        ordinal: false,
    };
    let series: Vec<Series> = curves
        .iter()
        .enumerate()
        .map(|(c, (label, members))| {
            let markers: Vec<Marker> = members
                .iter()
                .filter_map(|s| {
                    Some(Marker {
                        x: throughput(s)?,
                        y: s.latency_p50_ms?,
                        low: s.latency_p50_ci_ms.0,
                        high: s.latency_p50_ci_ms.1,
                        broke_safety: s.safety_violations > 0,
                    })
                })
                .collect();
            let joined: Vec<(f64, f64)> = markers.iter().map(|m| (m.x, m.y)).collect();
            Series {
                label: label.clone().unwrap_or_else(|| "median (p50)".to_string()),
                color: PALETTE[c % PALETTE.len()],
                style: Style::Solid,
                segments: if joined.len() > 1 {
                    vec![joined]
                } else {
                    Vec::new()
                },
                markers,
            }
        })
        .collect();
    let y_range = from_zero(series.iter().flat_map(|s| s.markers.iter().map(|m| m.y)));
    // Interval ends above the axis are drawn as arrows with their value, as on the latency
    // chart; the y axis is not stretched for them.
    let load_name = axis_name(
        &run.axes[load],
        run.axis_labels.get(load).and_then(Option::as_deref),
    );
    let mut legend: Vec<LegendEntry> = series
        .iter()
        .map(|s| LegendEntry::Series {
            label: s.label.clone(),
            color: s.color,
            style: s.style,
        })
        .collect();
    legend.push(LegendEntry::Text(format!(
        "one marker per value of {load_name}, joined in that order; bar: 95 % interval of the median"
    )));
    let loads: Vec<String> = summaries
        .iter()
        .filter(|s| s.trials > 0 && (throughput(s).is_none() || s.latency_p50_ms.is_none()))
        .map(|s| s.axis_values.get(load).cloned().unwrap_or_default())
        .collect();
    let mut notes = Vec::new();
    if !loads.is_empty() {
        notes.push(format!(
            "not drawn: {load_name} = {} (no throughput or no completed request)",
            loads.join(", ")
        ));
    }
    let panels = vec![Panel {
        y_label: "median latency (virtual ms)".to_string(),
        y_range,
        series,
    }];
    Some(ChartSpec {
        title: format!(
            "{}: median latency against throughput{}",
            run.name,
            n_f_suffix(summaries)
        ),
        x,
        panels,
        f_line: None,
        counts: Vec::new(),
        legend,
        notes,
    })
}
