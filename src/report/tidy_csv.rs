//! The tidy CSV files for people and plotting tools: `trials.csv` (one row per trial) and
//! `summary.csv` (one row per point), and the serde plumbing `index.csv` shares.
//!
//! Each file's columns are declared once, as the fields of a serde row struct; the header is
//! the struct's field names. Only the sweep axes' columns, which differ from scenario to
//! scenario, are not derived: a row is the tuple (key struct, axis values, columns struct),
//! which the `csv` crate flattens into one record, and the header is built the same way.
//! Floats are written with a fixed number of decimals ([`Decimals`]), so identical inputs give
//! byte-identical files.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use serde::{Serialize, Serializer};

use super::atomic::write_bytes_atomically;
use super::costs_csv::{summary_costs, trial_costs, SummaryCosts, TrialCosts};
use super::summary::PointSummary;
use super::ReportError;
use crate::records::{warmup_of, FaultEffects, RunResult, TrialRecord, ViolationDetail};

/// A float written with `D` decimals (`{:.D}`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Decimals<const D: usize>(pub f64);

/// Milliseconds (and seconds, and per-trial means): three decimals.
pub(crate) type Ms = Decimals<3>;
/// Rates in 0..=1: four decimals.
pub(crate) type Rate = Decimals<4>;

impl<const D: usize> fmt::Display for Decimals<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.*}", D, self.0)
    }
}

impl<const D: usize> Serialize for Decimals<D> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `value` with three decimals, or an empty field.
pub(crate) fn optional_ms(value: Option<f64>) -> Option<Ms> {
    value.map(Decimals)
}

/// `trials.csv`, before the axis columns.
#[derive(Serialize, Default)]
struct TrialKey {
    point: usize,
    trial: usize,
    seed: u64,
}

/// `trials.csv`, after the axis columns.
#[derive(Serialize, Default)]
struct TrialColumns<'a> {
    n: u32,
    f: u32,
    byzantine: u32,
    success: bool,
    safety_ok: bool,
    requests: u64,
    completed: u64,
    latency_ms: Option<Ms>,
    commit_ms: Option<Ms>,
    messages: u64,
    time_ms: Ms,
    view_changes: u64,
    final_view: u64,
    state_transfers: u64,
    /// Every violation, joined with `"; "`.
    violations: Cow<'a, str>,
}

/// `trials.csv`, after the fault effects: columns added since, kept last so that existing
/// column positions do not move.
#[derive(Serialize, Default)]
struct TrialTail {
    /// The violations as data (`docs/data.md`, "violation_details").
    violation_details: String,
}

/// `summary.csv`, before the axis columns.
#[derive(Serialize, Default)]
struct SummaryKey {
    point: usize,
}

/// `summary.csv`, after the axis columns.
#[derive(Serialize, Default)]
struct SummaryColumns {
    trials: usize,
    success_rate: Rate,
    safety_violations: usize,
    latency_mean_ms: Option<Ms>,
    latency_p50_ms: Option<Ms>,
    latency_p95_ms: Option<Ms>,
    latency_p99_ms: Option<Ms>,
    commit_mean_ms: Option<Ms>,
    messages_mean: Ms,
    view_changes_mean: Ms,
    success_ci_low: Option<Rate>,
    success_ci_high: Option<Rate>,
    safety_ci_low: Option<Rate>,
    safety_ci_high: Option<Rate>,
    latency_samples: usize,
    latency_p50_ci_low_ms: Option<Ms>,
    latency_p50_ci_high_ms: Option<Ms>,
    latency_p95_ci_low_ms: Option<Ms>,
    latency_p95_ci_high_ms: Option<Ms>,
}

/// Writes `trials.csv`: one row per record, in the given order. Header:
/// `point,trial,seed,<axis paths...>,n,f,byzantine,success,safety_ok,requests,completed,`
/// `latency_ms,commit_ms,messages,time_ms,view_changes,final_view,state_transfers,violations`,
/// then what the faults did (`FaultEffects`: `dropped_loss,dropped_burst,dropped_partition,`
/// `dropped_crash,duplicated,reordered,slowed,behaviour_dropped,behaviour_changed,`
/// `behaviour_added,behaviour_hid,rejected_auth,rejected_view,rejected_watermarks,`
/// `rejected_conflict,rejected_invalid,rejected_stale`), then `violation_details` (the
/// violations as data, [`violation_details`]). Millisecond values use three decimals; unknown
/// values are empty; violations are joined with `"; "`. Under a cost model
/// (`run.cost_warmups`), the cost columns follow (`costs_csv::TrialCosts`:
/// `throughput_rps,cpu_busiest,cpu_replicas_mean,cpu_clients_mean,bytes_sent,`
/// `bytes_per_request`).
pub fn write_trials_csv(path: &Path, run: &RunResult) -> Result<(), ReportError> {
    write_trials_rows(path, &run.axes, run.cost_warmups.as_deref(), &run.records)
}

/// Writes a `trials.csv` of `records` (in the given order) under the header for `axes`, with
/// the cost columns when `warmups` (each point's warm-up share) is given.
pub fn write_trials_rows(
    path: &Path,
    axes: &[String],
    warmups: Option<&[f64]>,
    records: &[TrialRecord],
) -> Result<(), ReportError> {
    let bytes = trials_rows_bytes(path, axes, warmups, records)?;
    write_bytes_atomically(path, &bytes)
}

/// [`write_trials_rows`] without the flush to disk: for the `trials.csv` a run starts with and
/// rewrites at its end (`super::atomic`'s module documentation says why).
pub(crate) fn write_trials_rows_unsynced(
    path: &Path,
    axes: &[String],
    warmups: Option<&[f64]>,
    records: &[TrialRecord],
) -> Result<(), ReportError> {
    let bytes = trials_rows_bytes(path, axes, warmups, records)?;
    super::atomic::write_bytes_atomically_unsynced(path, &bytes)
}

/// The bytes of a `trials.csv` of `records` under the header for `axes` (`path` names it in
/// errors).
fn trials_rows_bytes(
    path: &Path,
    axes: &[String],
    warmups: Option<&[f64]>,
    records: &[TrialRecord],
) -> Result<Vec<u8>, ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let header = trials_header(axes, warmups.is_some()).map_err(csv_error)?;
    let mut file = CsvBytes::new(&header).map_err(csv_error)?;
    for record in records {
        let row = trial_row(record, axes.len());
        match warmup_of(warmups, record.point) {
            Some(warmup) => file.serialize(&costed(row, trial_costs(record, warmup))),
            None => file.serialize(&row),
        }
        .map_err(csv_error)?;
    }
    file.finish().map_err(csv_error)
}

/// `trials.csv`'s header for a run over `axes` (as [`write_trials_rows`] writes it), with the
/// cost columns when `costs`, for `pbft-sim list columns`.
pub(crate) fn trials_header(axes: &[String], costs: bool) -> Result<Vec<String>, csv::Error> {
    let mut header = header::<TrialKey, TrialColumns>(axes)?;
    header.extend(column_names::<FaultEffects>()?);
    header.extend(column_names::<TrialTail>()?);
    if costs {
        header.extend(column_names::<TrialCosts>()?);
    }
    Ok(header)
}

/// `summary.csv`'s header for a run over `axes` (as [`write_summary_csv`] writes it), with the
/// cost columns when `costs`, for `pbft-sim list columns`.
pub(crate) fn summary_header(axes: &[String], costs: bool) -> Result<Vec<String>, csv::Error> {
    let mut header = header::<SummaryKey, SummaryColumns>(axes)?;
    if costs {
        header.extend(column_names::<SummaryCosts>()?);
    }
    Ok(header)
}

/// One `trials.csv` row, encoded as a whole line (for appending as trials finish), with the
/// cost columns when `warmup` (its point's warm-up share) is given.
pub fn encode_trial_row(
    record: &TrialRecord,
    axis_count: usize,
    warmup: Option<f64>,
) -> Result<Vec<u8>, csv::Error> {
    // A row is written the moment its trial ends, so the buffer is sized for one line, not
    // csv's default 8 KiB.
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .buffer_capacity(512)
        .from_writer(Vec::with_capacity(256));
    let row = trial_row(record, axis_count);
    match warmup {
        Some(warmup) => writer.serialize(costed(row, trial_costs(record, warmup)))?,
        None => writer.serialize(row)?,
    }
    into_bytes(writer)
}

/// Writes `summary.csv`, and returns the bytes written: one row per point summary. Header: `point,<axis paths...>,trials,`
/// `success_rate,safety_violations,latency_mean_ms,latency_p50_ms,latency_p95_ms,`
/// `latency_p99_ms,commit_mean_ms,messages_mean,view_changes_mean,success_ci_low,`
/// `success_ci_high,safety_ci_low,safety_ci_high,latency_samples,latency_p50_ci_low_ms,`
/// `latency_p50_ci_high_ms,latency_p95_ci_low_ms,latency_p95_ci_high_ms` (95 % intervals:
/// Wilson for the rates, order statistics for the percentiles; an empty bound is one the
/// sample cannot give, see `docs/charts.md`).
pub fn write_summary_csv(
    path: &Path,
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<Vec<u8>, ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let bytes = summary_bytes(run, summaries).map_err(csv_error)?;
    write_bytes_atomically(path, &bytes)?;
    Ok(bytes)
}

/// `summary.csv`'s bytes: the header, then a row per point summary (with the cost columns
/// under a cost model).
fn summary_bytes(run: &RunResult, summaries: &[PointSummary]) -> Result<Vec<u8>, csv::Error> {
    let costs = run.cost_warmups.is_some();
    let mut file = CsvBytes::new(&summary_header(&run.axes, costs)?)?;
    for summary in summaries {
        let (key, axes, columns) = summary_row(summary, run.axes.len());
        if costs {
            let extra = summary_costs(&summary.costs.unwrap_or_default());
            file.serialize(&(key, axes, columns, extra))?;
        } else {
            file.serialize(&(key, axes, columns))?;
        }
    }
    file.finish()
}

/// A `trials.csv` row with the cost columns after every other.
type CostedTrialRow<'a> = (
    TrialKey,
    Vec<&'a str>,
    TrialColumns<'a>,
    FaultEffects,
    TrialTail,
    TrialCosts,
);

fn costed(row: TrialRow<'_>, costs: TrialCosts) -> CostedTrialRow<'_> {
    let (key, axes, columns, effects, tail) = row;
    (key, axes, columns, effects, tail, costs)
}

type TrialRow<'a> = (
    TrialKey,
    Vec<&'a str>,
    TrialColumns<'a>,
    FaultEffects,
    TrialTail,
);

fn trial_row(record: &TrialRecord, axis_count: usize) -> TrialRow<'_> {
    let o = &record.outcome;
    // Borrowed unless there are several to join.
    let violations = match o.violations.as_slice() {
        [] => Cow::Borrowed(""),
        [one] => Cow::Borrowed(one.as_str()),
        several => Cow::Owned(several.join("; ")),
    };
    (
        TrialKey {
            point: record.point,
            trial: record.trial,
            seed: record.seed,
        },
        padded(&record.axis_values, axis_count),
        TrialColumns {
            n: record.n,
            f: record.f,
            byzantine: record.byzantine,
            success: o.success,
            safety_ok: o.safety_ok,
            requests: o.requests,
            completed: o.completed,
            latency_ms: optional_ms(o.latency_ms),
            commit_ms: optional_ms(o.commit_ms),
            messages: o.messages,
            time_ms: Decimals(o.time_ms),
            view_changes: o.view_changes,
            final_view: o.final_view,
            state_transfers: o.state_transfers,
            violations,
        },
        o.effects,
        TrialTail {
            violation_details: violation_details(&o.violation_details),
        },
    )
}

/// The `violation_details` field: one entry per violation, joined with `;`, each
/// `KIND:key=value:...` with the keys `at_ms` (three decimals), `seq`, `replicas` (ids joined
/// with `+`), `client` and `timestamp`, a key left out when it does not apply; e.g.
/// `agreement:at_ms=52.000:seq=1:replicas=1+2;state:at_ms=60.500:seq=1:replicas=2`. Empty
/// when there is no violation.
pub fn violation_details(details: &[ViolationDetail]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (i, d) in details.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{}:at_ms={:.3}", d.kind.label(), d.at_ms);
        if let Some(seq) = d.seq {
            let _ = write!(out, ":seq={seq}");
        }
        if !d.replicas.is_empty() {
            let ids: Vec<String> = d.replicas.iter().map(u32::to_string).collect();
            let _ = write!(out, ":replicas={}", ids.join("+"));
        }
        if let Some(client) = d.client {
            let _ = write!(out, ":client={client}");
        }
        if let Some(timestamp) = d.timestamp {
            let _ = write!(out, ":timestamp={timestamp}");
        }
    }
    out
}

/// `summary.csv`'s header and rows as the file writes them (each field as text): what
/// `summary.json` is built from, so that both files always hold the same columns.
pub(crate) fn summary_table_fields(
    run: &RunResult,
    summaries: &[PointSummary],
) -> Result<(Vec<String>, Vec<Vec<String>>), csv::Error> {
    let header = summary_header(&run.axes, run.cost_warmups.is_some())?;
    let bytes = summary_bytes(run, summaries)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let rows = reader
        .records()
        .map(|r| r.map(|r| r.iter().map(String::from).collect()))
        .collect::<Result<Vec<Vec<String>>, csv::Error>>()?;
    Ok((header, rows))
}

fn summary_row(
    summary: &PointSummary,
    axis_count: usize,
) -> (SummaryKey, Vec<&str>, SummaryColumns) {
    (
        SummaryKey {
            point: summary.point,
        },
        padded(&summary.axis_values, axis_count),
        SummaryColumns {
            trials: summary.trials,
            success_rate: Decimals(summary.success_rate),
            safety_violations: summary.safety_violations,
            latency_mean_ms: optional_ms(summary.latency_mean_ms),
            latency_p50_ms: optional_ms(summary.latency_p50_ms),
            latency_p95_ms: optional_ms(summary.latency_p95_ms),
            latency_p99_ms: optional_ms(summary.latency_p99_ms),
            commit_mean_ms: optional_ms(summary.commit_mean_ms),
            messages_mean: Decimals(summary.messages_mean),
            view_changes_mean: Decimals(summary.view_changes_mean),
            success_ci_low: summary.success_ci.map(|(low, _)| Decimals(low)),
            success_ci_high: summary.success_ci.map(|(_, high)| Decimals(high)),
            safety_ci_low: summary.safety_ci.map(|(low, _)| Decimals(low)),
            safety_ci_high: summary.safety_ci.map(|(_, high)| Decimals(high)),
            latency_samples: summary.latency_samples,
            latency_p50_ci_low_ms: optional_ms(summary.latency_p50_ci_ms.0),
            latency_p50_ci_high_ms: optional_ms(summary.latency_p50_ci_ms.1),
            latency_p95_ci_low_ms: optional_ms(summary.latency_p95_ci_ms.0),
            latency_p95_ci_high_ms: optional_ms(summary.latency_p95_ci_ms.1),
        },
    )
}

/// Exactly `axis_count` values: missing ones are empty, extra ones dropped, so every row has
/// as many fields as the header.
fn padded(values: &[String], axis_count: usize) -> Vec<&str> {
    (0..axis_count)
        .map(|i| values.get(i).map_or("", String::as_str))
        .collect()
}

/// The header of a file whose rows are (`K`, axis values, `C`): `K`'s field names, the axes'
/// paths, `C`'s field names.
fn header<K, C>(axes: &[String]) -> Result<Vec<String>, csv::Error>
where
    K: Serialize + Default,
    C: Serialize + Default,
{
    let mut header = column_names::<K>()?;
    header.extend(axes.iter().cloned());
    header.extend(column_names::<C>()?);
    Ok(header)
}

/// The column names of the row struct `T`: its serde field names, in order, as csv writes them
/// in the header before a first row of `T` (found by writing a default row, so that the names
/// are declared on `T` alone).
pub(crate) fn column_names<T: Serialize + Default>() -> Result<Vec<String>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.serialize(T::default())?;
    let bytes = into_bytes(writer)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    match reader.records().next() {
        Some(names) => Ok(names?.iter().map(String::from).collect()),
        None => Ok(Vec::new()),
    }
}

/// A CSV file built in memory: the header, then serialized rows.
pub(crate) struct CsvBytes {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvBytes {
    /// A file that starts with `header`.
    pub(crate) fn new(header: &[String]) -> Result<CsvBytes, csv::Error> {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.write_record(header)?;
        Ok(CsvBytes { writer })
    }

    /// Appends one row (a serde value that csv flattens into one record).
    pub(crate) fn serialize(&mut self, row: &impl Serialize) -> Result<(), csv::Error> {
        self.writer.serialize(row)
    }

    /// The file's bytes.
    pub(crate) fn finish(self) -> Result<Vec<u8>, csv::Error> {
        into_bytes(self.writer)
    }
}

fn into_bytes(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
