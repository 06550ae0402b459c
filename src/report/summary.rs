//! Per-point aggregation of trial records, with 95 % intervals (`intervals`) and the sample
//! sizes behind them.

use super::costs_csv::{point_costs, PointCosts};
use super::intervals::{percentile_interval, wilson_interval};
use crate::records::{RunResult, TrialRecord};

/// The aggregate of all trials at one sweep point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSummary {
    /// Index of the sweep point.
    pub point: usize,
    /// The sweep axes' values at this point, formatted, one per axis (empty if the point has
    /// no trials).
    pub axis_values: Vec<String>,
    /// Number of trials at the point.
    pub trials: usize,
    /// Share of trials that succeeded, in 0..=1 (0 when there are no trials).
    pub success_rate: f64,
    /// Number of trials whose safety oracle found a violation (`safety_ok == false`).
    pub safety_violations: usize,
    /// Mean latency of all completed requests of all trials at the point (pooled).
    pub latency_mean_ms: Option<f64>,
    /// Pooled median latency (nearest-rank).
    pub latency_p50_ms: Option<f64>,
    /// Pooled 95th percentile latency (nearest-rank).
    pub latency_p95_ms: Option<f64>,
    /// Pooled 99th percentile latency (nearest-rank).
    pub latency_p99_ms: Option<f64>,
    /// Mean of the trials' `commit_ms` that are known; `None` if none is.
    pub commit_mean_ms: Option<f64>,
    /// Mean point-to-point messages per trial.
    pub messages_mean: f64,
    /// Mean per trial of `view_changes` (views above 0 at least one honest replica entered).
    pub view_changes_mean: f64,
    /// 95 % Wilson interval of the success rate, (low, high); `None` without trials.
    pub success_ci: Option<(f64, f64)>,
    /// 95 % Wilson interval of the safety violation share; `None` without trials.
    pub safety_ci: Option<(f64, f64)>,
    /// Completed requests whose latencies the latency statistics pool.
    pub latency_samples: usize,
    /// 95 % order-statistic interval of the median latency, (low, high); a side the sample
    /// is too small to bound is `None`.
    pub latency_p50_ci_ms: (Option<f64>, Option<f64>),
    /// 95 % order-statistic interval of the 95th percentile latency, as for the median.
    pub latency_p95_ci_ms: (Option<f64>, Option<f64>),
    /// Replicas n of the point's trials (`None` without trials).
    pub n: Option<u32>,
    /// Fault bound f of the point's trials (`None` without trials).
    pub f: Option<u32>,
    /// Byzantine replicas in the point's trials (`None` without trials).
    pub byzantine: Option<u32>,
    /// Whether every trial of the point has at most f byzantine replicas (true without trials).
    pub within_f: bool,
    /// Under a cost model, the means of the trials' throughput, busiest CPU and bytes per
    /// request (`summary.csv`'s cost columns); `None` without one.
    pub costs: Option<PointCosts>,
}

impl PointSummary {
    /// Share of trials with a safety violation, in 0..=1 (0 when there are no trials).
    pub fn safety_violation_rate(&self) -> f64 {
        ratio(self.safety_violations, self.trials)
    }
}

/// Summarizes every sweep point `0..run.points`, in point order.
///
/// Latency statistics pool `outcome.latencies_ms` of all trials at the point; percentiles use
/// the nearest-rank method (`nearest_rank_percentile`). A point without completed
/// requests has `None` latency statistics.
pub fn summarize(run: &RunResult) -> Vec<PointSummary> {
    let mut by_point: Vec<Vec<&TrialRecord>> = vec![Vec::new(); run.points];
    for record in &run.records {
        if let Some(bucket) = by_point.get_mut(record.point) {
            bucket.push(record);
        }
    }
    by_point
        .iter()
        .enumerate()
        .map(|(point, records)| {
            let mut summary = summarize_point(point, run.axes.len(), records);
            summary.costs = run.warmup_of(point).map(|w| point_costs(records, w));
            summary
        })
        .collect()
}

fn summarize_point(point: usize, axis_count: usize, records: &[&TrialRecord]) -> PointSummary {
    let trials = records.len();
    let mut latencies: Vec<f64> = records
        .iter()
        .flat_map(|r| r.outcome.latencies_ms.iter().copied())
        .collect();
    latencies.sort_by(f64::total_cmp);
    let commits: Vec<f64> = records.iter().filter_map(|r| r.outcome.commit_ms).collect();
    let successes = records.iter().filter(|r| r.outcome.success).count();
    let safety_violations = records.iter().filter(|r| !r.outcome.safety_ok).count();
    let first = records.first();
    PointSummary {
        point,
        axis_values: axis_values_of(records, axis_count),
        trials,
        success_rate: ratio(successes, trials),
        safety_violations,
        latency_mean_ms: mean(&latencies),
        latency_p50_ms: nearest_rank_percentile(&latencies, 50.0),
        latency_p95_ms: nearest_rank_percentile(&latencies, 95.0),
        latency_p99_ms: nearest_rank_percentile(&latencies, 99.0),
        commit_mean_ms: mean(&commits),
        messages_mean: mean_of(records, |r| r.outcome.messages as f64),
        view_changes_mean: mean_of(records, |r| r.outcome.view_changes as f64),
        success_ci: wilson_interval(successes, trials),
        safety_ci: wilson_interval(safety_violations, trials),
        latency_samples: latencies.len(),
        latency_p50_ci_ms: percentile_interval(&latencies, 50.0),
        latency_p95_ci_ms: percentile_interval(&latencies, 95.0),
        n: first.map(|r| r.n),
        f: first.map(|r| r.f),
        byzantine: first.map(|r| r.byzantine),
        within_f: records.iter().all(|r| r.within_f()),
        costs: None,
    }
}

/// The point's axis values, taken from its first record, padded to `axis_count`.
fn axis_values_of(records: &[&TrialRecord], axis_count: usize) -> Vec<String> {
    let first = records.first().map(|r| r.axis_values.as_slice());
    (0..axis_count)
        .map(|i| first.and_then(|v| v.get(i)).cloned().unwrap_or_default())
        .collect()
}

/// The `p`-th percentile (0 < p <= 100) of ascending `sorted` values by the nearest-rank
/// method: the value at 1-based rank `ceil(p / 100 * N)`, clamped to `1..=N`. It is always one
/// of the observed values (no interpolation); e.g. for 1..=100, p50 = 50, p95 = 95, p99 = 99.
/// `None` for an empty list.
pub fn nearest_rank_percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (p / 100.0 * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

fn mean_of(records: &[&TrialRecord], value: impl Fn(&TrialRecord) -> f64) -> f64 {
    let values: Vec<f64> = records.iter().map(|r| value(r)).collect();
    mean(&values).unwrap_or(0.0)
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
