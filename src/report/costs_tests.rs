//! Unit tests of the cost columns, `nodes.csv`, the throughput charts and `reference.csv` on
//! hand-built runs whose trials carry a load (`TrialOutcome::load`), as the engine fills it
//! under a cost model.

use std::collections::BTreeMap;

use super::costs_csv::{point_costs, trial_costs, trial_load, write_nodes_csv, TrialLoad};
use super::reference::{compare, reference_table, write_reference_csv, Published};
use super::summary::summarize;
use super::throughput_chart::{latency_throughput_chart, throughput_chart};
use super::tidy_csv::{write_summary_csv, write_trials_csv};
use crate::records::{LoadOutcome, NodeLoad, RequestTimes, RunResult, TrialOutcome, TrialRecord};

/// A trial of 4 replicas and 2 clients that ran 100 ms: ten requests completed every 10 ms
/// from 10 ms, and each node's load given as (busy ms, transmissions, bytes).
fn loaded(point: usize, trial: usize, nodes: &[(u64, u64, u64)]) -> TrialRecord {
    let request_times: Vec<RequestTimes> = (1..=10)
        .map(|i| RequestTimes::new(i % 2, i as u64, Some(0), Some(i as u64 * 10_000_000)))
        .collect();
    TrialRecord {
        point,
        trial,
        seed: 7,
        axis_values: vec![["1", "2"][point].to_string()],
        n: 4,
        f: 1,
        byzantine: 0,
        outcome: TrialOutcome {
            success: true,
            safety_ok: true,
            requests: 10,
            completed: 10,
            latencies_ms: vec![5.0; 10],
            latency_ms: Some(5.0),
            time_ms: 100.0,
            request_times,
            load: Some(LoadOutcome {
                nodes: nodes
                    .iter()
                    .map(|&(busy_ms, transmissions, bytes_sent)| NodeLoad {
                        busy_ns: busy_ms * 1_000_000,
                        transmissions,
                        bytes_sent,
                    })
                    .collect(),
            }),
            ..TrialOutcome::default()
        },
    }
}

const NODES: [(u64, u64, u64); 6] = [
    (50, 30, 3000),
    (20, 10, 1000),
    (20, 10, 1000),
    (10, 10, 1000),
    (5, 5, 500),
    (15, 5, 1500),
];

#[test]
fn a_trials_cost_figures_are_computed_from_its_load() {
    let record = loaded(0, 0, &NODES);
    let load = trial_load(&record, 0.1);
    // K = 10 completions, k0 = 1: nine after the first, over 90 ms.
    assert_eq!(
        load,
        TrialLoad {
            throughput_rps: Some(100.0),
            cpu_busiest: Some(0.5),
            cpu_replicas_mean: Some(0.25),
            cpu_clients_mean: Some(0.1),
            bytes_sent: Some(8000),
            bytes_per_request: Some(800.0),
        }
    );
    // Without a load, only the throughput is known.
    let mut bare = record.clone();
    bare.outcome.load = None;
    let costs = trial_costs(&bare, 0.5);
    assert_eq!(costs.throughput_rps.map(|t| t.0), Some(100.0));
    assert_eq!(costs.cpu_busiest, None);
    assert_eq!(costs.bytes_sent, None);
    // Nothing completed: no bytes per request.
    let mut idle = record;
    idle.outcome.completed = 0;
    idle.outcome.request_times.clear();
    let load = trial_load(&idle, 0.1);
    assert_eq!((load.throughput_rps, load.bytes_per_request), (None, None));
    assert_eq!(load.bytes_sent, Some(8000));
}

#[test]
fn a_points_cost_means_pool_its_trials() {
    let faster: Vec<(u64, u64, u64)> = NODES.iter().map(|&(b, t, s)| (b / 5, t, s * 2)).collect();
    let a = loaded(0, 0, &NODES);
    let b = loaded(0, 1, &faster);
    let costs = point_costs(&[&a, &b], 0.1);
    assert_eq!(costs.throughput_mean_rps, Some(100.0));
    assert_eq!(costs.cpu_busiest_mean, Some((0.5 + 0.1) / 2.0));
    assert_eq!(costs.bytes_per_request_mean, Some((800.0 + 1600.0) / 2.0));
    assert_eq!(costs.throughput_range, Some((100.0, 100.0)));
}

fn costed_run(records: Vec<TrialRecord>, points: usize) -> RunResult {
    RunResult {
        name: "costed".into(),
        axes: vec!["workload.clients".into()],
        axis_labels: vec![None],
        axis_numbers: (0..points).map(|p| vec![Some(p as f64 + 1.0)]).collect(),
        records,
        points,
        wall_s: 1.0,
        cost_warmups: Some(vec![0.1; points]),
    }
}

#[test]
fn the_files_gain_the_cost_columns_and_nodes_csv() {
    let dir = tempfile::tempdir().expect("a scratch folder");
    let run = costed_run(vec![loaded(0, 0, &NODES), loaded(1, 0, &NODES)], 2);
    write_trials_csv(&dir.path().join("trials.csv"), &run).expect("written");
    let trials = std::fs::read_to_string(dir.path().join("trials.csv")).expect("read");
    let header = trials.lines().next().unwrap_or_default();
    assert!(
        header.ends_with(
            ",violation_details,throughput_rps,cpu_busiest,cpu_replicas_mean,\
             cpu_clients_mean,bytes_sent,bytes_per_request"
        ),
        "{header}"
    );
    let first = trials.lines().nth(1).unwrap_or_default();
    assert!(
        first.ends_with(",100.000,0.5000,0.2500,0.1000,8000,800.000"),
        "{first}"
    );
    let summaries = summarize(&run);
    let bytes =
        write_summary_csv(&dir.path().join("summary.csv"), &run, &summaries).expect("written");
    let summary = String::from_utf8(bytes).expect("utf-8");
    let mut lines = summary.lines();
    assert!(lines
        .next()
        .unwrap_or_default()
        .ends_with(",throughput_mean_rps,cpu_busiest_mean,bytes_per_request_mean"));
    assert!(lines
        .next()
        .unwrap_or_default()
        .ends_with(",100.000,0.5000,800.000"));
    write_nodes_csv(&dir.path().join("nodes.csv"), &run.records).expect("written");
    let nodes = std::fs::read_to_string(dir.path().join("nodes.csv")).expect("read");
    let expected = "point,trial,node,role,busy_ms,utilisation,transmissions,bytes_sent\n\
        0,0,r0,replica,50.000,0.5000,30,3000\n\
        0,0,r1,replica,20.000,0.2000,10,1000\n\
        0,0,r2,replica,20.000,0.2000,10,1000\n\
        0,0,r3,replica,10.000,0.1000,10,1000\n\
        0,0,c0,client,5.000,0.0500,5,500\n\
        0,0,c1,client,15.000,0.1500,5,1500\n";
    assert!(nodes.starts_with(expected), "{nodes}");
    assert_eq!(nodes.lines().count(), 1 + 12);
}

#[test]
fn node_names_are_the_traces() {
    use crate::protocol::NodeId;
    use crate::sim::trace::Node;
    let dir = tempfile::tempdir().expect("a scratch folder");
    write_nodes_csv(&dir.path().join("nodes.csv"), &[loaded(0, 0, &NODES)]).expect("written");
    let nodes = std::fs::read_to_string(dir.path().join("nodes.csv")).expect("read");
    let names: Vec<&str> = nodes
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(2))
        .collect();
    let traced: Vec<String> = (0..4)
        .map(|r| Node(NodeId::Replica(r)).to_string())
        .chain((0..2).map(|c| Node(NodeId::Client(c)).to_string()))
        .collect();
    assert_eq!(names, traced);
}

#[test]
fn the_throughput_charts_show_each_point() {
    let mut slow = loaded(1, 0, &NODES);
    // Point 1: completions every 20 ms, so 50 per second.
    for (i, t) in slow.outcome.request_times.iter_mut().enumerate() {
        *t = RequestTimes::new(0, i as u64, Some(0), Some((i as u64 + 1) * 20_000_000));
    }
    let run = costed_run(vec![loaded(0, 0, &NODES), slow], 2);
    let summaries = summarize(&run);
    let spec = throughput_chart(&run, &summaries);
    let ys: Vec<f64> = spec.panels[0].series[0]
        .markers
        .iter()
        .map(|m| m.y)
        .collect();
    assert_eq!(ys, [100.0, 50.0]);
    let curve = latency_throughput_chart(&run, &summaries).expect("clients are swept");
    let series = &curve.panels[0].series[0];
    let placed: Vec<(f64, f64)> = series.markers.iter().map(|m| (m.x, m.y)).collect();
    // Joined in the order of the clients axis, not of throughput.
    assert_eq!(placed, [(100.0, 5.0), (50.0, 5.0)]);
    assert_eq!(series.segments, vec![placed]);
    let mut unswept = run.clone();
    unswept.axes = vec!["network.drop".into()];
    assert!(latency_throughput_chart(&unswept, &summaries).is_none());
}

#[test]
fn reference_cells_are_set_beside_the_runs_values() {
    let run = costed_run(vec![loaded(0, 0, &NODES), loaded(1, 0, &NODES)], 2);
    let summaries = summarize(&run);
    let one: BTreeMap<String, String> = [("workload.clients".to_string(), "2".to_string())].into();
    let cells = [(&one, 4.0)];
    let published = Published {
        source: "a paper",
        column: "latency_p50_ms",
        cells: &cells,
    };
    let compared = compare(&run, &summaries, &published).expect("compared");
    assert_eq!(compared[0].ours.as_deref(), Some("5.000"));
    assert_eq!(compared[0].difference_pct, Some(25.0));
    let table = reference_table(&run, &published, &compared);
    assert!(
        table.starts_with("reference: a paper (latency_p50_ms"),
        "{table}"
    );
    assert!(table.contains("5.000"), "{table}");
    assert!(table.contains("+25.0 %"), "{table}");
    let dir = tempfile::tempdir().expect("a scratch folder");
    let path = dir.path().join("reference.csv");
    write_reference_csv(&path, &run, &published, &compared).expect("written");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "cell,ours,published,difference_pct,workload.clients\n0,5.000,4.0,25.000,2\n"
    );
}
