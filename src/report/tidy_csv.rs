//! The tidy CSV files: `trials.csv` (one row per trial) and `summary.csv` (one row per point).

use std::path::Path;

use super::atomic::write_bytes_atomically;
use super::summary::PointSummary;
use super::ReportError;
use crate::records::{RunResult, TrialRecord};

/// Trial columns after `point,trial,seed` and the axis columns.
const TRIAL_COLUMNS: [&str; 15] = [
    "n",
    "f",
    "byzantine",
    "success",
    "safety_ok",
    "requests",
    "completed",
    "latency_ms",
    "commit_ms",
    "messages",
    "time_ms",
    "view_changes",
    "final_view",
    "state_transfers",
    "violations",
];

/// Summary columns after `point` and the axis columns.
const SUMMARY_COLUMNS: [&str; 10] = [
    "trials",
    "success_rate",
    "safety_violations",
    "latency_mean_ms",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "commit_mean_ms",
    "messages_mean",
    "view_changes_mean",
];

/// Writes `trials.csv`: one row per record, in the given order. Header:
/// `point,trial,seed,<axis paths...>,n,f,byzantine,success,safety_ok,requests,completed,`
/// `latency_ms,commit_ms,messages,time_ms,view_changes,final_view,state_transfers,violations`.
/// Millisecond values use three decimals; unknown values are empty; violations are joined
/// with `"; "`.
pub fn write_trials_csv(path: &Path, run: &RunResult) -> Result<(), ReportError> {
    write_trials_rows(path, &run.axes, &run.records)
}

/// Writes a `trials.csv` of `records` (in the given order) under the header for `axes`.
pub fn write_trials_rows(
    path: &Path,
    axes: &[String],
    records: &[TrialRecord],
) -> Result<(), ReportError> {
    let rows = records.iter().map(|record| trial_row(record, axes.len()));
    write_csv(path, trials_header(axes), rows)
}

/// One `trials.csv` row, encoded as a whole line (for appending as trials finish).
pub fn encode_trial_row(record: &TrialRecord, axis_count: usize) -> Result<Vec<u8>, csv::Error> {
    super::rows_csv::encode(&trial_row(record, axis_count))
}

fn trials_header(axes: &[String]) -> Vec<String> {
    let mut header = vec!["point".to_string(), "trial".into(), "seed".into()];
    header.extend(axes.iter().cloned());
    header.extend(TRIAL_COLUMNS.iter().map(|c| c.to_string()));
    header
}

/// Writes `summary.csv`: one row per point summary. Header: `point,<axis paths...>,trials,`
/// `success_rate,safety_violations,latency_mean_ms,latency_p50_ms,latency_p95_ms,`
/// `latency_p99_ms,commit_mean_ms,messages_mean,view_changes_mean`.
pub fn write_summary_csv(
    path: &Path,
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<(), ReportError> {
    let mut header = vec!["point".to_string()];
    header.extend(run.axes.iter().cloned());
    header.extend(SUMMARY_COLUMNS.iter().map(|c| c.to_string()));
    let rows = summaries.iter().map(|s| summary_row(s, run.axes.len()));
    write_csv(path, header, rows)
}

fn trial_row(record: &TrialRecord, axis_count: usize) -> Vec<String> {
    let o = &record.outcome;
    let mut row = vec![
        record.point.to_string(),
        record.trial.to_string(),
        record.seed.to_string(),
    ];
    row.extend(padded_axis_values(&record.axis_values, axis_count));
    row.extend([
        record.n.to_string(),
        record.f.to_string(),
        record.byzantine.to_string(),
        o.success.to_string(),
        o.safety_ok.to_string(),
        o.requests.to_string(),
        o.completed.to_string(),
        format_optional_ms(o.latency_ms),
        format_optional_ms(o.commit_ms),
        o.messages.to_string(),
        format_ms(o.time_ms),
        o.view_changes.to_string(),
        o.final_view.to_string(),
        o.state_transfers.to_string(),
        o.violations.join("; "),
    ]);
    row
}

fn summary_row(summary: &PointSummary, axis_count: usize) -> Vec<String> {
    let mut row = vec![summary.point.to_string()];
    row.extend(padded_axis_values(&summary.axis_values, axis_count));
    row.extend([
        summary.trials.to_string(),
        format_rate(summary.success_rate),
        summary.safety_violations.to_string(),
        format_optional_ms(summary.latency_mean_ms),
        format_optional_ms(summary.latency_p50_ms),
        format_optional_ms(summary.latency_p95_ms),
        format_optional_ms(summary.latency_p99_ms),
        format_optional_ms(summary.commit_mean_ms),
        format_mean(summary.messages_mean),
        format_mean(summary.view_changes_mean),
    ]);
    row
}

/// Exactly `axis_count` values: missing ones are empty, extra ones dropped, so every row has
/// as many fields as the header.
fn padded_axis_values(values: &[String], axis_count: usize) -> impl Iterator<Item = String> + '_ {
    (0..axis_count).map(move |i| values.get(i).cloned().unwrap_or_default())
}

/// Milliseconds: fixed three decimals.
pub(crate) fn format_ms(value: f64) -> String {
    format!("{value:.3}")
}

/// Milliseconds or an empty field.
pub(crate) fn format_optional_ms(value: Option<f64>) -> String {
    value.map(format_ms).unwrap_or_default()
}

/// Rates in 0..=1: fixed four decimals.
pub(crate) fn format_rate(value: f64) -> String {
    format!("{value:.4}")
}

/// Per-trial means of counts: fixed three decimals.
fn format_mean(value: f64) -> String {
    format!("{value:.3}")
}

/// Encodes the header and rows into memory, then writes the file atomically.
pub(crate) fn write_csv(
    path: &Path,
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).map_err(csv_error)?;
    for row in rows {
        writer.write_record(&row).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| ReportError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    write_bytes_atomically(path, &bytes)
}
