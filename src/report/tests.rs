//! Unit tests of the report module on small hand-built runs.

use std::fs;
use std::path::{Path, PathBuf};

use super::chart_data::tick_label;
use super::summary::nearest_rank_percentile;
use super::*;
use crate::records::{RunResult, TrialOutcome, TrialRecord};

/// A fresh, empty directory under the system temp dir, removed on drop.
struct TempDir(tempfile::TempDir);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("pbft-sim-report-{tag}-"))
            .tempdir()
            .expect("create temp dir");
        TempDir(dir)
    }

    fn root(&self) -> &Path {
        self.0.path()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// The names of the files in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

pub(super) fn outcome(latencies: &[f64], messages: u64) -> TrialOutcome {
    let completed = latencies.len() as u64;
    let mean = (!latencies.is_empty()).then(|| latencies.iter().sum::<f64>() / completed as f64);
    TrialOutcome {
        success: completed == 4,
        safety_ok: true,
        requests: 4,
        completed,
        latencies_ms: latencies.to_vec(),
        latency_ms: mean,
        commit_ms: mean.map(|m| m - 0.5),
        messages,
        events: messages + 10,
        time_ms: 1000.0 + messages as f64 / 3.0,
        view_changes: 0,
        final_view: 0,
        violations: Vec::new(),
        effects: crate::records::FaultEffects {
            dropped_loss: messages / 100,
            rejected_stale: 7,
            ..Default::default()
        },
        ..TrialOutcome::default()
    }
}

pub(super) fn record(
    point: usize,
    trial: usize,
    axis: [&str; 2],
    outcome: TrialOutcome,
) -> TrialRecord {
    TrialRecord {
        point,
        trial,
        seed: 1000 + (point * 10 + trial) as u64,
        axis_values: axis.iter().map(|v| v.to_string()).collect(),
        n: 4,
        f: 1,
        byzantine: axis[0].parse().unwrap_or(0),
        outcome,
    }
}

/// Two axes (byzantine count 0/1 x drop 0/0.1), two trials per point. Point 3 trial 1 has no
/// completed request; point 2 trial 0 has a safety violation.
pub(super) fn two_axis_run() -> RunResult {
    let axis = |p: usize| [["0", "0"], ["1", "0"], ["0", "0.1"], ["1", "0.1"]][p];
    let mut unsafe_trial = outcome(&[20.0, 22.0, 24.0, 26.0], 500);
    unsafe_trial.safety_ok = false;
    unsafe_trial.success = false;
    unsafe_trial.view_changes = 1;
    unsafe_trial.final_view = 1;
    unsafe_trial.violations = vec![
        "agreement: seq 3 \"a\" vs \"b\"".to_string(),
        "validity, at seq 4".to_string(),
    ];
    let mut stuck = outcome(&[], 900);
    stuck.commit_ms = None;
    stuck.view_changes = 2;
    let records = vec![
        record(0, 0, axis(0), outcome(&[10.0, 11.0, 12.0, 13.0], 400)),
        record(0, 1, axis(0), outcome(&[10.5, 11.5, 12.5, 13.5], 402)),
        record(1, 0, axis(1), outcome(&[15.0, 16.0, 17.0, 30.0], 450)),
        record(1, 1, axis(1), outcome(&[15.0, 16.0, 18.0, 31.0], 452)),
        record(2, 0, axis(2), unsafe_trial),
        record(2, 1, axis(2), outcome(&[21.0, 23.0, 25.0, 27.0], 505)),
        record(3, 0, axis(3), outcome(&[40.0, 45.0, 50.0], 700)),
        record(3, 1, axis(3), stuck),
    ];
    RunResult {
        name: "crash-sweep".to_string(),
        axes: vec!["byzantine[0].count".to_string(), "net.drop".to_string()],
        axis_labels: vec![None, None],
        axis_numbers: vec![
            vec![Some(0.0), Some(0.0)],
            vec![Some(1.0), Some(0.0)],
            vec![Some(0.0), Some(0.1)],
            vec![Some(1.0), Some(0.1)],
        ],
        records,
        points: 4,
        wall_s: 2.0,
        cost_warmups: None,
    }
}

/// No sweep axis at all: a single point.
pub(super) fn no_axis_run() -> RunResult {
    let mut run = two_axis_run();
    run.axes.clear();
    run.axis_labels.clear();
    run.axis_numbers = vec![Vec::new()];
    run.points = 1;
    run.records.truncate(2);
    for r in &mut run.records {
        r.axis_values.clear();
    }
    run
}

#[test]
fn trials_csv_header_and_rows_are_exact() {
    let dir = TempDir::new("trials");
    let path = dir.path("trials.csv");
    write_trials_csv(&path, &two_axis_run()).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "point,trial,seed,byzantine[0].count,net.drop,n,f,byzantine,success,safety_ok,requests,\
         completed,latency_ms,commit_ms,messages,time_ms,view_changes,final_view,state_transfers,\
         violations,dropped_loss,dropped_burst,dropped_partition,dropped_crash,duplicated,\
         reordered,slowed,behaviour_dropped,behaviour_changed,behaviour_added,behaviour_hid,\
         rejected_auth,rejected_view,rejected_watermarks,rejected_conflict,rejected_invalid,\
         rejected_stale,violation_details"
    );
    assert_eq!(
        lines[1],
        "0,0,1000,0,0,4,1,0,true,true,4,4,11.500,11.000,400,1133.333,0,0,0,,\
         4,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7,"
    );
    assert_eq!(
        lines[5],
        "2,0,1020,0,0.1,4,1,0,false,false,4,4,23.000,22.500,500,1166.667,1,1,0,\
         \"agreement: seq 3 \"\"a\"\" vs \"\"b\"\"; validity, at seq 4\",\
         5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7,"
    );
    assert_eq!(
        lines[8],
        "3,1,1031,1,0.1,4,1,1,false,true,4,0,,,900,1300.000,2,0,0,,\
         9,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,7,"
    );
    assert_eq!(lines.len(), 9);
    assert_eq!(dir.names(), ["trials.csv"], "no temporary file remains");
}

#[test]
fn writing_twice_gives_identical_csv_bytes() {
    let dir = TempDir::new("twice");
    let run = two_axis_run();
    let summaries = summarize(&run);
    let (a, b) = (dir.path("a.csv"), dir.path("b.csv"));
    write_trials_csv(&a, &run).unwrap();
    write_trials_csv(&b, &run).unwrap();
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    write_summary_csv(&a, &run, &summaries).unwrap();
    write_summary_csv(&b, &run, &summaries).unwrap();
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn nearest_rank_percentiles_of_one_to_hundred() {
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(nearest_rank_percentile(&values, 50.0), Some(50.0));
    assert_eq!(nearest_rank_percentile(&values, 95.0), Some(95.0));
    assert_eq!(nearest_rank_percentile(&values, 99.0), Some(99.0));
    assert_eq!(nearest_rank_percentile(&values, 100.0), Some(100.0));
    assert_eq!(nearest_rank_percentile(&values, 0.0), Some(1.0));
    assert_eq!(nearest_rank_percentile(&[7.0], 95.0), Some(7.0));
    assert_eq!(nearest_rank_percentile(&[], 50.0), None);
    assert_eq!(
        nearest_rank_percentile(&[1.0, 2.0, 3.0, 4.0], 50.0),
        Some(2.0)
    );
}

#[test]
fn summarize_rates_violations_and_pooled_latency() {
    let summaries = summarize(&two_axis_run());
    assert_eq!(summaries.len(), 4);
    let [p0, p1, p2, p3] = [&summaries[0], &summaries[1], &summaries[2], &summaries[3]];
    assert_eq!(p0.axis_values, ["0", "0"]);
    assert_eq!(
        (p0.trials, p0.success_rate, p0.safety_violations),
        (2, 1.0, 0)
    );
    assert_eq!((p2.success_rate, p2.safety_violations), (0.5, 1));
    assert_eq!((p3.success_rate, p3.safety_violations), (0.0, 0));
    // Pooled: 15,15,16,16,17,18,30,31 -> mean 19.75, p50 = rank 4 = 16, p95 = rank 8 = 31.
    assert_eq!(p1.latency_mean_ms, Some(19.75));
    assert_eq!(p1.latency_p50_ms, Some(16.0));
    assert_eq!(p1.latency_p95_ms, Some(31.0));
    // Point 3 pools only the trial that completed anything; commit_ms only where known.
    assert_eq!(p3.latency_mean_ms, Some(45.0));
    assert_eq!(p3.commit_mean_ms, Some(44.5));
    assert_eq!(p3.messages_mean, 800.0);
    assert_eq!(p3.view_changes_mean, 1.0);
}

#[test]
fn summary_csv_is_exact() {
    let dir = TempDir::new("summary");
    let path = dir.path("summary.csv");
    let run = two_axis_run();
    write_summary_csv(&path, &run, &summarize(&run)).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "point,byzantine[0].count,net.drop,trials,success_rate,safety_violations,latency_mean_ms,\
         latency_p50_ms,latency_p95_ms,latency_p99_ms,commit_mean_ms,messages_mean,\
         view_changes_mean,success_ci_low,success_ci_high,safety_ci_low,safety_ci_high,\
         latency_samples,latency_p50_ci_low_ms,latency_p50_ci_high_ms,latency_p95_ci_low_ms,\
         latency_p95_ci_high_ms"
    );
    // 0 of 2 succeeded, 0 of 2 unsafe: Wilson [0, 0.6576] for both. Three latencies cannot
    // bound the median at 95 %; the p95's lower bound is rank 2 (Binomial(3, 0.95):
    // P(B <= 1) = 0.0073, P(B <= 2) = 0.1426), its upper side open.
    assert_eq!(
        lines[4],
        "3,1,0.1,2,0.0000,0,45.000,45.000,50.000,50.000,44.500,800.000,1.000,\
         0.0000,0.6576,0.0000,0.6576,3,,,45.000,"
    );
}

#[test]
fn draw_charts_writes_six_non_empty_files_and_lists_them() {
    let files = [
        "latency-cdf.png",
        "latency-cdf.svg",
        "latency.png",
        "latency.svg",
        "success.png",
        "success.svg",
    ];
    for (tag, run) in [("charts2", two_axis_run()), ("charts0", no_axis_run())] {
        let dir = TempDir::new(tag);
        let drawn = draw_charts(dir.root(), &run, &summarize(&run)).unwrap();
        let stems: Vec<&str> = drawn.iter().map(|c| c.stem.as_str()).collect();
        assert_eq!(
            stems,
            ["success", "latency", "latency-cdf"],
            "display order"
        );
        assert!(drawn.iter().all(|c| !c.title.is_empty()));
        for name in files {
            let len = fs::metadata(dir.path(name)).map(|m| m.len()).unwrap_or(0);
            assert!(len > 1000, "{tag}/{name} has {len} bytes");
        }
        assert_eq!(dir.names(), files, "no temporary files remain");
    }
}

#[test]
fn run_json_keys_in_order_with_extra() {
    let dir = TempDir::new("json");
    let path = dir.path("run.json");
    let mut extra = serde_json::Map::new();
    extra.insert("scenario".into(), "crash-sweep".into());
    extra.insert("jobs".into(), 8.into());
    write_run_json(&path, &two_axis_run(), &extra).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    let mut expected_extra: Vec<&str> = extra.keys().map(String::as_str).collect();
    let mut expected = vec![
        "wall_s",
        "trials",
        "messages",
        "events",
        "points",
        "messages_per_s",
    ];
    expected.append(&mut expected_extra);
    assert_eq!(keys, expected);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["messages"], 4309);
    assert_eq!(value["events"], 4389);
    assert_eq!(value["messages_per_s"], 2154.5);
}

#[test]
fn throughput_line_and_table() {
    let run = two_axis_run();
    assert_eq!(
        throughput_line(&run),
        "8 trials, 4309 messages in 2.000 s (2155 messages/s)"
    );
    let table = summary_table(&run, &summarize(&run));
    let expected = "\
point  byzantine[0].count  net.drop  trials  success  safety_viol  lat_mean_ms  lat_p95_ms  msgs_mean
    0                   0         0       2   100.0%            0         11.8        13.5      401.0
    1                   1         0       2   100.0%            0         19.8        31.0      451.0
    2                   0       0.1       2    50.0%            1         23.5        27.0      502.5
    3                   1       0.1       2     0.0%            0         45.0        50.0      800.0
";
    assert_eq!(table, expected);
}

#[test]
fn atomic_write_failure_leaves_no_file() {
    let dir = TempDir::new("atomic");
    let missing = dir.path("no-such-dir").join("trials.csv");
    let err = write_trials_csv(&missing, &two_axis_run()).unwrap_err();
    assert!(matches!(err, ReportError::Io { ref path, .. } if path == &missing));
    assert!(!Path::new(&missing).exists());
    assert!(dir.names().is_empty());
}

#[test]
fn atomic_writes_replace_the_file_readable_as_file_create_makes_it() {
    let dir = TempDir::new("replace");
    let path = dir.path("summary.csv");
    fs::write(&path, "old contents, longer than the new\n").unwrap();
    write_bytes_atomically(&path, b"new\n").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new\n");
    assert_eq!(dir.names(), ["summary.csv"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let reference = dir.path("reference");
        fs::File::create(&reference).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&path),
            mode(&reference),
            "not tempfile's owner-only 0o600"
        );
    }
}

#[test]
fn empty_run_writes_every_file() {
    let dir = TempDir::new("empty");
    let run = RunResult {
        name: "empty".to_string(),
        axes: vec!["x".to_string()],
        axis_labels: vec![None],
        axis_numbers: Vec::new(),
        records: Vec::new(),
        points: 0,
        wall_s: 0.0,
        cost_warmups: None,
    };
    let summaries = summarize(&run);
    assert!(summaries.is_empty());
    write_trials_csv(&dir.path("trials.csv"), &run).unwrap();
    write_summary_csv(&dir.path("summary.csv"), &run, &summaries).unwrap();
    write_run_json(&dir.path("run.json"), &run, &serde_json::Map::new()).unwrap();
    draw_charts(dir.root(), &run, &summaries).unwrap();
    assert_eq!(dir.names().len(), 9);
    assert_eq!(
        throughput_line(&run),
        "0 trials, 0 messages in 0.000 s (0 messages/s)"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path("run.json")).unwrap()).unwrap();
    assert!(json["messages_per_s"].is_null());
}

#[test]
fn tick_labels_are_short() {
    assert_eq!(tick_label(2.0), "2");
    assert_eq!(tick_label(-0.0001), "0");
    assert_eq!(tick_label(0.25), "0.25");
    assert_eq!(tick_label(1.0 / 3.0), "0.333");
}
