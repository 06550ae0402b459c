//! Unit tests of the chart specs: the f line, axis names, categories, lines that stop at the
//! f cliff, series of a second axis, notes, the CDF, and the files' determinism
//! (`chart_review_tests` has those of the new-user review's fixes).

use std::fs;

use super::cdf::{evenly_spaced, latency_cdf_chart, steps, MAX_CURVES};
use super::chart_data::{success_chart, ChartSpec, LegendEntry, Series};
use super::latency_chart::latency_chart;
use super::tests::{outcome, record, two_axis_run};
use super::*;
use crate::records::{RunResult, TrialRecord};

/// A seed-like run: n = 10, f = 3, `byzantine[0].count` swept 0..=5, two trials per point;
/// every trial up to f succeeds with one request, none beyond f completes anything.
pub(super) fn seed_like_run() -> RunResult {
    let mut records = Vec::new();
    for point in 0..6 {
        for trial in 0..2 {
            let latencies: &[f64] = if point <= 3 {
                &[10.0, 12.0, 14.0, 16.0]
            } else {
                &[]
            };
            let value = point.to_string();
            let mut r = record(point, trial, [value.as_str(), ""], outcome(latencies, 300));
            r.axis_values.truncate(1);
            (r.n, r.f, r.byzantine) = (10, 3, point as u32);
            records.push(r);
        }
    }
    RunResult {
        name: "seed".to_string(),
        axes: vec!["byzantine[0].count".to_string()],
        axis_labels: vec![None],
        axis_numbers: (0..6).map(|p| vec![Some(f64::from(p))]).collect(),
        records,
        points: 6,
        wall_s: 1.0,
        cost_warmups: None,
    }
}

/// A byzantine-zoo-like run: the behaviour of group 0 swept over three names.
fn zoo_run() -> RunResult {
    let names = ["Silent", "SeedAdversary", "Replay"];
    let records: Vec<TrialRecord> = names
        .iter()
        .enumerate()
        .map(|(point, name)| {
            let mut r = record(point, 0, [name, ""], outcome(&[5.0, 6.0, 7.0, 8.0], 100));
            r.axis_values.truncate(1);
            r.byzantine = 1;
            r
        })
        .collect();
    RunResult {
        name: "zoo".to_string(),
        axes: vec!["byzantine[0].behaviour".to_string()],
        axis_labels: vec![None],
        axis_numbers: vec![vec![None]; 3],
        records,
        points: 3,
        wall_s: 1.0,
        cost_warmups: None,
    }
}

fn f_lines(spec: &ChartSpec) -> usize {
    spec.legend
        .iter()
        .filter(|e| matches!(e, LegendEntry::FLine(_)))
        .count()
}

pub(super) fn panel_series(spec: &ChartSpec, panel: usize) -> &[Series] {
    spec.panels.get(panel).map_or(&[], |p| p.series.as_slice())
}

#[test]
fn a_swept_byzantine_count_gets_the_f_line_and_n_f_in_the_title() {
    let run = seed_like_run();
    let summaries = summarize(&run);
    for spec in [
        success_chart(&run, &summaries),
        latency_chart(&run, &summaries),
    ] {
        assert_eq!(
            spec.f_line,
            Some((3.5, "f = 3".to_string())),
            "{}",
            spec.title
        );
        assert_eq!(f_lines(&spec), 1);
        assert!(spec.title.contains("n = 10, f = 3"), "{}", spec.title);
        assert_eq!(spec.x.label, "byzantine replicas");
    }
}

#[test]
fn no_f_line_without_a_byzantine_axis_or_when_f_varies() {
    let mut run = seed_like_run();
    run.axes = vec!["network.drop".to_string()];
    for r in &mut run.records {
        r.byzantine = 1;
    }
    let spec = success_chart(&run, &summarize(&run));
    assert_eq!((spec.f_line.clone(), f_lines(&spec)), (None, 0));
    assert_eq!(spec.x.label, "message loss probability");
    // The byzantine count swept, but n (and f) with it: no single f to mark.
    let mut run = seed_like_run();
    for r in &mut run.records {
        (r.n, r.f) = (3 * r.point as u32 + 1, r.point as u32);
    }
    let spec = success_chart(&run, &summarize(&run));
    assert_eq!(spec.f_line, None);
    assert!(!spec.title.contains("f ="), "{}", spec.title);
    // The x axis equals the byzantine count although its path does not say so.
    let mut run = seed_like_run();
    run.axes = vec!["faults[0].at_ms".to_string()];
    assert_eq!(
        success_chart(&run, &summarize(&run)).f_line,
        Some((3.5, "f = 3".into()))
    );
}

#[test]
fn lines_stop_at_the_f_cliff() {
    let run = seed_like_run();
    let spec = success_chart(&run, &summarize(&run));
    let success = &panel_series(&spec, 0)[0];
    assert_eq!(success.markers.len(), 6);
    let runs: Vec<Vec<f64>> = success
        .segments
        .iter()
        .map(|s| s.iter().map(|p| p.0).collect())
        .collect();
    assert_eq!(runs, [vec![0.0, 1.0, 2.0, 3.0], vec![4.0, 5.0]]);
    // Wilson bars: 2 of 2 succeeded -> [0.3424, 1].
    let first = success.markers[0];
    assert!((first.low.unwrap() - 0.3424).abs() < 1e-4 && first.high == Some(1.0));
}

#[test]
fn a_point_without_completed_requests_has_no_latency_and_a_note() {
    let run = seed_like_run();
    let spec = latency_chart(&run, &summarize(&run));
    let median = &panel_series(&spec, 0)[0];
    let xs: Vec<f64> = median.markers.iter().map(|m| m.x.round()).collect();
    assert_eq!(xs, [0.0, 1.0, 2.0, 3.0]);
    assert_eq!(
        spec.notes,
        ["no request completed at byzantine replicas = 4, 5: no latency point there"]
    );
    // Eight requests per point up to f, none beyond: counts under the axis, not one line.
    assert_eq!(spec.counts.len(), 6);
    assert_eq!(spec.counts[4], (4.0, "n=0".to_string()));
    // Requests completed but no trial succeeded (not every honest replica committed): the
    // latency is drawn, and a note says why the two charts seem to disagree.
    let mut failing = run.clone();
    for r in failing.records.iter_mut().filter(|r| r.point == 3) {
        r.outcome.success = false;
    }
    let notes = latency_chart(&failing, &summarize(&failing)).notes;
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[1].starts_with("no trial succeeded at byzantine replicas = 3, yet requests"),
        "{notes:?}"
    );
    let cdf = latency_cdf_chart(&run, &summarize(&run));
    assert_eq!(panel_series(&cdf, 0).len(), 4);
    assert!(
        cdf.notes.iter().any(|n| n.contains("= 4, 5: no curve")),
        "{:?}",
        cdf.notes
    );
}

#[test]
fn behaviour_names_are_categories_without_lines() {
    let run = zoo_run();
    let summaries = summarize(&run);
    for spec in [
        success_chart(&run, &summaries),
        latency_chart(&run, &summaries),
    ] {
        assert_eq!(spec.x.label, "behaviour of byzantine group 0");
        let names = spec.x.categories.clone().unwrap_or_default();
        assert_eq!(names, ["Silent", "SeedAdversary", "Replay"]);
        assert_eq!(spec.x.range, (-0.5, 2.5));
        assert_eq!(spec.f_line, None);
        for series in spec.panels.iter().flat_map(|p| &p.series) {
            assert!(series.segments.is_empty(), "{} is not joined", series.label);
            assert_eq!(series.markers.len(), 3);
        }
    }
}

#[test]
fn a_second_axis_gives_one_colour_per_value_offset_apart() {
    let run = two_axis_run();
    let spec = success_chart(&run, &summarize(&run));
    let top = panel_series(&spec, 0);
    assert_eq!(top.len(), 2);
    assert_ne!(top[0].color, top[1].color);
    assert_eq!(
        top[0].color,
        panel_series(&spec, 1)[0].color,
        "same value, same colour"
    );
    // Equal values at the same x stay apart.
    let (a, b) = (top[0].markers[0], top[1].markers[0]);
    assert_eq!((a.y, b.y), (1.0, 0.5));
    assert!(a.x < b.x && (b.x - a.x) < 0.5, "{} vs {}", a.x, b.x);
    let groups: Vec<String> = spec
        .legend
        .iter()
        .filter_map(|e| match e {
            LegendEntry::Series { label, .. } => Some(label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(groups, ["net.drop = 0", "net.drop = 0.1"]);
    let latency = latency_chart(&run, &summarize(&run));
    let labels: Vec<&str> = panel_series(&latency, 0)
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "median (p50), net.drop = 0",
            "p95, net.drop = 0",
            "median (p50), net.drop = 0.1",
            "p95, net.drop = 0.1"
        ]
    );
}

#[test]
fn a_scenario_label_names_the_axis() {
    let mut run = two_axis_run();
    run.axis_labels = vec![Some("coalition".to_string()), Some("loss".to_string())];
    let spec = success_chart(&run, &summarize(&run));
    assert_eq!(spec.x.label, "coalition");
    assert!(spec.legend.contains(&LegendEntry::Series {
        label: "loss = 0.1".to_string(),
        color: panel_series(&spec, 0)[1].color,
        style: super::chart_data::Style::Solid,
    }));
}

#[test]
fn the_cdf_steps_through_each_value_and_keeps_at_most_ten_curves() {
    assert_eq!(
        steps(&[1.0, 2.0, 4.0]),
        [
            (1.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0 / 3.0),
            (2.0, 1.0 / 3.0),
            (2.0, 2.0 / 3.0),
            (4.0, 2.0 / 3.0),
            (4.0, 1.0)
        ]
    );
    let all: Vec<usize> = (0..25).collect();
    let picked = evenly_spaced(&all, MAX_CURVES);
    assert_eq!(picked.len(), MAX_CURVES);
    assert_eq!((picked[0], picked[MAX_CURVES - 1]), (0, 24));
    assert_eq!(evenly_spaced(&all[..4], MAX_CURVES), [0, 1, 2, 3]);
}

#[test]
fn chart_files_are_byte_identical_across_runs() {
    let run = seed_like_run();
    let summaries = summarize(&run);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for dir in &dirs {
        draw_charts(dir.path(), &run, &summaries).unwrap();
    }
    for name in [
        "success.png",
        "success.svg",
        "latency.png",
        "latency.svg",
        "latency-cdf.png",
        "latency-cdf.svg",
    ] {
        let read = |i: usize| fs::read(dirs[i].path().join(name)).unwrap();
        assert_eq!(read(0), read(1), "{name}");
    }
}
