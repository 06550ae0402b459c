//! The latency chart's content: median and p95 latency of completed requests per sweep
//! point with 95 % order-statistic intervals (open where the sample cannot bound them), a red
//! ring on points whose trials broke safety, a y axis clipped past a straggler, and the notes
//! that explain points without latency, without success or without safety.

use super::chart_axis::{groups, n_f_suffix, Group, XAxis};
use super::chart_data::{
    build_series, count_row, finish, ms_label, series_legend, ChartSpec, LegendEntry, Marker,
    Metric, Panel, Series, Style, PALETTE,
};
use super::summary::PointSummary;
use crate::records::RunResult;

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
