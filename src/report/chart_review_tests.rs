//! Unit tests of the fixes from a new-user review of the charts: points whose trials broke
//! safety (red ring, note), open interval ends, the f line between f and f + 1, axes clipped
//! past a straggler, and reversed and evenly spaced numeric axes.

use super::cdf::latency_cdf_chart;
use super::chart_data::{success_chart, ChartSpec, LegendEntry};
use super::chart_tests::{panel_series, seed_like_run};
use super::latency_chart::{latency_chart, CLIP_AT, CLIP_TRIGGER};
use super::summarize;
use super::tests::{outcome, record};
use crate::records::RunResult;

fn legend_has(spec: &ChartSpec, wanted: fn(&LegendEntry) -> bool) -> bool {
    spec.legend.iter().any(wanted)
}

#[test]
fn a_latency_point_whose_trials_broke_safety_is_ringed_and_its_note_says_so() {
    let mut run = seed_like_run();
    // At 4 byzantine replicas requests complete, but one of the two trials broke safety.
    for r in run.records.iter_mut().filter(|r| r.point == 4) {
        r.outcome = outcome(&[30.0, 31.0, 32.0, 33.0], 300);
        r.outcome.success = false;
        r.outcome.safety_ok = r.trial != 0;
    }
    let spec = latency_chart(&run, &summarize(&run));
    let median = &panel_series(&spec, 0)[0];
    let flagged: Vec<f64> = median
        .markers
        .iter()
        .filter(|m| m.broke_safety)
        .map(|m| m.x.round())
        .collect();
    assert_eq!(flagged, [4.0], "only the point with a violation");
    assert!(legend_has(&spec, |e| matches!(
        e,
        LegendEntry::BrokeSafety(_)
    )));
    let note = spec
        .notes
        .iter()
        .find(|n| n.contains("broke safety"))
        .cloned()
        .unwrap_or_default();
    assert!(
        note.starts_with(
            "requests completed at byzantine replicas = 4, but 1 of 2 trials broke safety there: \
             clients accepted wrong results or replicas disagreed"
        ),
        "{:?}",
        spec.notes
    );
    // The milder note ("no trial succeeded, yet ...") is not given for that point.
    assert!(!spec
        .notes
        .iter()
        .any(|n| n.starts_with("no trial succeeded")));
    // Without violations: no ring, no legend entry.
    let clean = latency_chart(&seed_like_run(), &summarize(&seed_like_run()));
    assert!(!legend_has(&clean, |e| matches!(
        e,
        LegendEntry::BrokeSafety(_)
    )));
    assert!(panel_series(&clean, 0)
        .iter()
        .all(|s| s.markers.iter().all(|m| !m.broke_safety)));
}

#[test]
fn several_points_that_broke_safety_are_listed_with_their_shares() {
    let mut run = seed_like_run();
    for r in run.records.iter_mut().filter(|r| r.point >= 4) {
        r.outcome = outcome(&[30.0, 31.0, 32.0, 33.0], 300);
        r.outcome.safety_ok = r.point == 4 && r.trial == 1;
    }
    let notes = latency_chart(&run, &summarize(&run)).notes;
    assert!(
        notes.iter().any(|n| n.starts_with(
            "requests completed at byzantine replicas = 4, 5, but trials (4: 1 of 2; 5: 2 of 2) \
             broke safety there"
        )),
        "{notes:?}"
    );
}

#[test]
fn an_unbounded_interval_side_is_open_and_the_legend_says_so() {
    // 8 requests per point: the p95 has no upper bound (that needs 72), the median has both.
    let run = seed_like_run();
    let spec = latency_chart(&run, &summarize(&run));
    let (median, p95) = (&panel_series(&spec, 0)[0], &panel_series(&spec, 0)[1]);
    assert!(p95
        .markers
        .iter()
        .all(|m| m.high.is_none() && m.low.is_some()));
    assert!(median
        .markers
        .iter()
        .all(|m| m.high.is_some() && m.low.is_some()));
    assert!(legend_has(&spec, |e| matches!(e, LegendEntry::OpenEnd(_))));
    // The success chart's Wilson bars are always bounded: no open-end entry there.
    let success = success_chart(&run, &summarize(&run));
    assert!(!legend_has(&success, |e| matches!(
        e,
        LegendEntry::OpenEnd(_)
    )));
}

#[test]
fn the_f_line_lies_between_f_and_f_plus_one_clear_of_the_markers() {
    let run = seed_like_run();
    let spec = success_chart(&run, &summarize(&run));
    let (at, _) = spec.f_line.clone().unwrap_or_default();
    for marker in &panel_series(&spec, 0)[0].markers {
        assert!(
            (marker.x - at).abs() >= 0.5,
            "marker at {} under the line",
            marker.x
        );
    }
}

/// One point's trials: 200 requests between 170 and 190 ms, and at `drop` = 0.02 also two of
/// 3200 ms (wan-aws's straggler).
fn straggler_run() -> RunResult {
    let mut records = Vec::new();
    for (point, drop) in ["0", "0.02"].iter().enumerate() {
        let mut latencies: Vec<f64> = (0..200).map(|i| 170.0 + f64::from(i % 20)).collect();
        if point == 1 {
            latencies.truncate(196);
            latencies.extend([3200.0, 3200.0, 3210.0, 3220.0]);
        }
        let mut r = record(point, 0, [drop, ""], outcome(&latencies, 100));
        r.axis_values.truncate(1);
        records.push(r);
    }
    RunResult {
        name: "wan".to_string(),
        axes: vec!["network.drop".to_string()],
        axis_labels: vec![None],
        axis_numbers: vec![vec![Some(0.0)], vec![Some(0.02)]],
        records,
        points: 2,
        wall_s: 1.0,
        cost_warmups: None,
    }
}

#[test]
fn a_straggler_clips_the_latency_axis_and_the_cdf_with_a_note() {
    let run = straggler_run();
    let summaries = summarize(&run);
    let spec = latency_chart(&run, &summaries);
    let panel = &spec.panels[0];
    let largest = panel
        .series
        .iter()
        .flat_map(|s| &s.markers)
        .map(|m| m.y)
        .fold(0.0, f64::max);
    let ends: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|s| &s.markers)
        .filter_map(|m| m.high)
        .collect();
    assert!(ends.iter().any(|h| *h > largest * CLIP_TRIGGER), "{ends:?}");
    assert_eq!(panel.y_range, (0.0, largest * CLIP_AT));
    assert!(
        spec.notes
            .iter()
            .any(|n| n.starts_with("y axis clipped at")),
        "{:?}",
        spec.notes
    );
    assert!(legend_has(&spec, |e| matches!(e, LegendEntry::OffScale(_))));
    let cdf = latency_cdf_chart(&run, &summaries);
    assert!(
        cdf.x.range.1 < 300.0 && cdf.x.range.0 > 100.0,
        "{:?}",
        cdf.x.range
    );
    assert!(
        cdf.notes
            .iter()
            .any(|n| n.contains("4 of 400 requests beyond it, up to 3220 ms")),
        "{:?}",
        cdf.notes
    );
    for curve in panel_series(&cdf, 0) {
        let last = curve.segments[0].last().copied().unwrap_or_default();
        assert!(last.0 <= cdf.x.range.1, "the curve stops at the clip");
    }
    // Without the straggler nothing is clipped; every request is above 40 % of the CDF's
    // right end, so its axis starts just below the fastest.
    let mut calm = straggler_run();
    calm.records.truncate(1);
    calm.points = 1;
    let calm_spec = latency_chart(&calm, &summarize(&calm));
    assert!(!calm_spec.notes.iter().any(|n| n.contains("clipped")));
    let calm_cdf = latency_cdf_chart(&calm, &summarize(&calm));
    assert!(!calm_cdf.notes.iter().any(|n| n.contains("clipped")));
    assert!(
        calm_cdf.x.range.0 > 160.0 && calm_cdf.x.range.0 < 170.0,
        "{:?}",
        calm_cdf.x.range
    );
    // With a fast request among them the CDF starts at 0 ms.
    calm.records[0].outcome.latencies_ms[0] = 5.0;
    assert_eq!(latency_cdf_chart(&calm, &summarize(&calm)).x.range.0, 0.0);
}

#[test]
fn a_descending_sweep_is_drawn_reversed_and_a_wide_one_evenly_spaced() {
    let mut run = seed_like_run();
    run.axes = vec!["network.delay.shape".to_string()];
    let shapes = [4.0, 2.5, 1.8, 1.4, 1.2, 1.1];
    run.axis_numbers = shapes.iter().map(|v| vec![Some(*v)]).collect();
    let spec = latency_chart(&run, &summarize(&run));
    assert!(spec.x.reversed);
    assert_eq!(spec.x.positions, shapes.map(|v| -v));
    assert_eq!(spec.x.value_text(-2.5), "2.5");
    assert!(spec.x.range.0 < -4.0 && spec.x.range.1 > -1.1);
    // checkpoint-gc's 5, 10, 50, 200: placed by rank, labelled by value, still joined.
    let mut run = seed_like_run();
    run.axes = vec!["protocol.checkpoint_interval".to_string()];
    let intervals = [5.0, 10.0, 50.0, 200.0, 400.0, 800.0];
    run.axis_numbers = intervals.iter().map(|v| vec![Some(*v)]).collect();
    let spec = latency_chart(&run, &summarize(&run));
    assert!(spec.x.ordinal && !spec.x.is_categorical());
    assert_eq!(spec.x.positions, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let names = spec.x.categories.clone().unwrap_or_default();
    assert_eq!(names, ["5", "10", "50", "200", "400", "800"]);
    assert!(
        spec.x.label.ends_with(", evenly spaced"),
        "{}",
        spec.x.label
    );
    assert!(
        !panel_series(&spec, 0)[0].segments.is_empty(),
        "still a line"
    );
    // A span within 20x (or one from 0) stays to scale, ascending.
    let spec = latency_chart(&seed_like_run(), &summarize(&seed_like_run()));
    assert!(!spec.x.reversed && !spec.x.ordinal);
}

#[test]
fn a_reversed_byzantine_axis_keeps_its_f_line_between_f_and_f_plus_one() {
    let mut run = seed_like_run();
    run.axis_numbers.reverse();
    for r in &mut run.records {
        r.byzantine = 5 - r.point as u32;
    }
    let spec = success_chart(&run, &summarize(&run));
    assert!(spec.x.reversed);
    assert_eq!(spec.f_line, Some((-3.5, "f = 3".to_string())));
}
