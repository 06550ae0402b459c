//! What the cost model adds to the tidy files, and only under one (`costs:` in the scenario):
//! the last columns of `trials.csv` (throughput, CPU utilisation, bytes), the last columns of
//! `summary.csv` (their means per point), and `nodes.csv`, one row per node per trial
//! (`docs/data.md`). Each node's load is the engine's (`TrialOutcome::load`); a trial that has
//! none leaves its CPU and byte fields empty and adds no `nodes.csv` row.
//!
//! Utilisation is busy time over the trial's virtual time (`time_ms`), in 0..=1; throughput is
//! `sim::throughput_rps` of the trial's request times after the point's warm-up share.

use std::path::Path;

use serde::Serialize;

use super::atomic::write_bytes_atomically;
use super::tidy_csv::{CsvBytes, Decimals, Ms, Rate};
use super::ReportError;
use crate::records::{throughput_rps, NodeLoad, TrialOutcome, TrialRecord};

/// `trials.csv`'s columns under a cost model, after every other column.
#[derive(Serialize, Default, Debug, PartialEq)]
pub(crate) struct TrialCosts {
    /// Requests completed per virtual second after the warm-up.
    pub(crate) throughput_rps: Option<Ms>,
    /// The highest replica CPU utilisation.
    pub(crate) cpu_busiest: Option<Rate>,
    /// The replicas' mean CPU utilisation.
    pub(crate) cpu_replicas_mean: Option<Rate>,
    /// The clients' mean CPU utilisation.
    pub(crate) cpu_clients_mean: Option<Rate>,
    /// Bytes every node put on its link.
    pub(crate) bytes_sent: Option<u64>,
    /// `bytes_sent` per completed request.
    pub(crate) bytes_per_request: Option<Ms>,
}

/// One trial's cost figures, unrounded.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct TrialLoad {
    /// `sim::throughput_rps` after the warm-up; `None` with too few completions.
    pub(crate) throughput_rps: Option<f64>,
    /// The highest replica utilisation; `None` without load or replicas.
    pub(crate) cpu_busiest: Option<f64>,
    /// The replicas' mean utilisation.
    pub(crate) cpu_replicas_mean: Option<f64>,
    /// The clients' mean utilisation.
    pub(crate) cpu_clients_mean: Option<f64>,
    /// Bytes sent by all nodes.
    pub(crate) bytes_sent: Option<u64>,
    /// Bytes sent per completed request; `None` when nothing completed.
    pub(crate) bytes_per_request: Option<f64>,
}

/// A node's CPU utilisation: busy over the trial's virtual time, 0 for a trial of no time.
fn utilisation(busy_ns: u64, outcome: &TrialOutcome) -> f64 {
    let time_ns = outcome.time_ms * 1e6;
    if time_ns > 0.0 {
        busy_ns as f64 / time_ns
    } else {
        0.0
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The cost figures of `record` (a trial of a point whose warm-up share is `warmup`). The
/// first `record.n` nodes of its load are the replicas, the rest the clients.
pub(crate) fn trial_load(record: &TrialRecord, warmup: f64) -> TrialLoad {
    let o = &record.outcome;
    let mut load = TrialLoad {
        throughput_rps: throughput_rps(&o.request_times, warmup),
        ..TrialLoad::default()
    };
    let Some(nodes) = &o.load else {
        return load;
    };
    let split = (record.n as usize).min(nodes.nodes.len());
    let (replicas, clients) = nodes.nodes.split_at(split);
    // A mean utilisation is the nodes' busy time together over theirs (one division, so
    // equal loads give exactly their share).
    let mean_use = |nodes: &[NodeLoad]| {
        let busy: u64 = nodes.iter().map(|n| n.busy_ns).sum();
        (!nodes.is_empty()).then(|| utilisation(busy, o) / nodes.len() as f64)
    };
    load.cpu_busiest = replicas
        .iter()
        .map(|n| utilisation(n.busy_ns, o))
        .reduce(f64::max);
    load.cpu_replicas_mean = mean_use(replicas);
    load.cpu_clients_mean = mean_use(clients);
    let bytes: u64 = nodes.nodes.iter().map(|n| n.bytes_sent).sum();
    load.bytes_sent = Some(bytes);
    load.bytes_per_request = (o.completed > 0).then(|| bytes as f64 / o.completed as f64);
    load
}

/// The `trials.csv` fields of `record` under a cost model with warm-up share `warmup`.
pub(crate) fn trial_costs(record: &TrialRecord, warmup: f64) -> TrialCosts {
    let load = trial_load(record, warmup);
    TrialCosts {
        throughput_rps: load.throughput_rps.map(Decimals),
        cpu_busiest: load.cpu_busiest.map(Decimals),
        cpu_replicas_mean: load.cpu_replicas_mean.map(Decimals),
        cpu_clients_mean: load.cpu_clients_mean.map(Decimals),
        bytes_sent: load.bytes_sent,
        bytes_per_request: load.bytes_per_request.map(Decimals),
    }
}

/// `summary.csv`'s columns under a cost model, after every other column: the means over the
/// point's trials that have the figure (empty when none has).
#[derive(Serialize, Default, Debug, PartialEq)]
pub(crate) struct SummaryCosts {
    /// Mean of the trials' `throughput_rps`.
    pub(crate) throughput_mean_rps: Option<Ms>,
    /// Mean of the trials' `cpu_busiest`.
    pub(crate) cpu_busiest_mean: Option<Rate>,
    /// Mean of the trials' `bytes_per_request`.
    pub(crate) bytes_per_request_mean: Option<Ms>,
}

/// A point's cost means, unrounded (`PointSummary::costs`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PointCosts {
    /// Mean of the trials' throughput (requests per virtual second after the warm-up).
    pub throughput_mean_rps: Option<f64>,
    /// Mean of the trials' busiest replica CPU utilisation.
    pub cpu_busiest_mean: Option<f64>,
    /// Mean of the trials' bytes sent per completed request.
    pub bytes_per_request_mean: Option<f64>,
    /// The lowest and highest trial throughput (the throughput chart's bars; not a column).
    pub throughput_range: Option<(f64, f64)>,
}

/// The cost means of a point's `records` under warm-up share `warmup`.
pub(crate) fn point_costs(records: &[&TrialRecord], warmup: f64) -> PointCosts {
    let loads: Vec<TrialLoad> = records.iter().map(|r| trial_load(r, warmup)).collect();
    let mean_of = |pick: fn(&TrialLoad) -> Option<f64>| {
        mean(&loads.iter().filter_map(pick).collect::<Vec<f64>>())
    };
    PointCosts {
        throughput_mean_rps: mean_of(|l| l.throughput_rps),
        cpu_busiest_mean: mean_of(|l| l.cpu_busiest),
        bytes_per_request_mean: mean_of(|l| l.bytes_per_request),
        throughput_range: loads
            .iter()
            .filter_map(|l| l.throughput_rps)
            .fold(None, |range, t| match range {
                None => Some((t, t)),
                Some((low, high)) => Some((f64::min(low, t), f64::max(high, t))),
            }),
    }
}

/// The `summary.csv` fields of a point's cost means.
pub(crate) fn summary_costs(costs: &PointCosts) -> SummaryCosts {
    SummaryCosts {
        throughput_mean_rps: costs.throughput_mean_rps.map(Decimals),
        cpu_busiest_mean: costs.cpu_busiest_mean.map(Decimals),
        bytes_per_request_mean: costs.bytes_per_request_mean.map(Decimals),
    }
}

/// The header of `nodes.csv`, in order.
pub const NODES_COLUMNS: [&str; 8] = [
    "point",
    "trial",
    "node",
    "role",
    "busy_ms",
    "utilisation",
    "transmissions",
    "bytes_sent",
];

/// One row of `nodes.csv`.
#[derive(Serialize)]
struct NodeRow {
    point: usize,
    trial: usize,
    node: String,
    role: &'static str,
    busy_ms: Ms,
    utilisation: Rate,
    transmissions: u64,
    bytes_sent: u64,
}

/// Writes `nodes.csv`: per record in the given order (the run's (point, trial) order), one
/// row per node of its load, replicas (`r0`, `r1`...) then clients (`c0`...), as the trace
/// names them. A record without load has no row.
pub fn write_nodes_csv(path: &Path, records: &[TrialRecord]) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let header: Vec<String> = NODES_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut file = CsvBytes::new(&header).map_err(csv_error)?;
    for record in records {
        let Some(load) = &record.outcome.load else {
            continue;
        };
        let replicas = record.n as usize;
        for (i, node) in load.nodes.iter().enumerate() {
            let (name, role) = node_name(i, replicas);
            file.serialize(&NodeRow {
                point: record.point,
                trial: record.trial,
                node: name,
                role,
                busy_ms: Decimals(node.busy_ns as f64 / 1e6),
                utilisation: Decimals(utilisation(node.busy_ns, &record.outcome)),
                transmissions: node.transmissions,
                bytes_sent: node.bytes_sent,
            })
            .map_err(csv_error)?;
        }
    }
    write_bytes_atomically(path, &file.finish().map_err(csv_error)?)
}

/// The name (as the trace writes it: `r0`, `c0`) and role of the `i`-th node of a load whose
/// first `replicas` nodes are the replicas.
fn node_name(i: usize, replicas: usize) -> (String, &'static str) {
    if i < replicas {
        (format!("r{i}"), "replica")
    } else {
        (format!("c{}", i - replicas), "client")
    }
}
