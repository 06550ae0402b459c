//! Trial rows kept on disk: the scenario fingerprint that ties them to one scenario as run, the
//! appender that saves each trial's row the moment it finishes (`trials.partial.jsonl`, and the
//! tidy `trials.csv` of a whole run), and the reader that gives them back, checked, to resume a
//! run or merge shards. The rows file's format is [`super::rows_file`]'s: lossless JSON Lines,
//! one whole line per row.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::rows_file::{self, RowsFileError};
use super::session::SessionError;
use crate::records::TrialRecord;
use crate::report::{self, ReportError};
use crate::scenario::{self, Plan};
use crate::sim::seeds::trial_seed;

/// Where `run` appends each finished trial's row; removed once the run's files are written.
pub const PARTIAL: &str = "trials.partial.jsonl";

/// Saved rows that cannot be used for this run (bad input: exit 2 at the command line).
#[derive(Debug, thiserror::Error)]
pub enum SavedRowsError {
    /// The file is not a rows file of this scenario's shape.
    #[error("{path}: {source}")]
    File {
        /// The rows file.
        path: PathBuf,
        /// What is wrong, with its line.
        source: RowsFileError,
    },
    /// The rows are another scenario's.
    #[error(
        "{path}: holds trials of another scenario (fingerprint {found}, this run's is \
         {expected}); give the same scenario and --trials/--seed, or another --out"
    )]
    ForeignScenario {
        /// The rows file.
        path: PathBuf,
        /// The file's fingerprint.
        found: String,
        /// This run's.
        expected: String,
    },
    /// One row does not belong to this run.
    #[error("{path}: point {point}, trial {trial}: {problem}")]
    Row {
        /// The rows file.
        path: PathBuf,
        /// The row's point.
        point: usize,
        /// The row's trial.
        trial: usize,
        /// How it does not belong.
        problem: RowProblem,
    },
}

/// How a saved row does not belong to the run reading it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RowProblem {
    /// Its point is past the sweep's last.
    #[error("the scenario has {0} points")]
    NoSuchPoint(usize),
    /// Its trial is past the point's last.
    #[error("the scenario has {0} trials per point")]
    NoSuchTrial(u32),
    /// Its seed is not the one that trial derives.
    #[error("seed {0} is not this trial's")]
    Seed(u64),
    /// Its sweep values are not the point's.
    #[error("sweep values {found:?} are not this point's {expected:?}")]
    AxisValues {
        /// The row's.
        found: Vec<String>,
        /// The point's.
        expected: Vec<String>,
    },
    /// The trial is not one of those this run (or shard) covers.
    #[error("not one of this run's trials (a row of another shard?)")]
    NotWanted,
    /// The trial appears again with another result.
    #[error("appears twice with different results")]
    Conflict,
}

/// The fingerprint of `plan` as run: the first 16 hex digits of the SHA-256 of its
/// `scenario.ron` text (the scenario with every default filled in and `--trials`/`--seed`
/// applied). Equal fingerprints mean equal trials.
pub fn fingerprint(plan: &Plan) -> Result<String, ReportError> {
    let ron = scenario::to_ron(&plan.scenario).map_err(|e| ReportError::Ron {
        path: PathBuf::from("scenario.ron"),
        message: e.to_string(),
    })?;
    Ok(fingerprint_of(ron.as_bytes()))
}

/// The fingerprint of a `scenario.ron` text.
pub fn fingerprint_of(ron: &[u8]) -> String {
    Sha256::digest(ron)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Rows of trials with at least this many requests are streamed to the rows file as they are
/// encoded, instead of waiting in the buffer: such a row takes about 60 bytes per request
/// (its request times and latencies), and held twice (encoded, then copied into the buffer,
/// each in a vector grown by doubling) it was most of a long trial's peak memory (measured:
/// 10^6 requests at n = 4, one trial, whole `run` command: 130.0 -> 63.6 MiB peak RSS).
const STREAMED_ROW_REQUESTS: usize = 4096;

/// A file that whole lines are appended to: they wait in a buffer until `flush`, which
/// writes them all with one write (one write per line took a fifth of a core at thousands of
/// trials a second), so a kill leaves whole lines (or, mid-way through a streamed row, a
/// last line cut short, which the reader ignores).
struct LineFile {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    /// The first line that could not be encoded, reported at the next flush.
    failed: Option<ReportError>,
    /// A streamed row failed part-way: nothing more is written after the line it cut short.
    poisoned: bool,
}

impl LineFile {
    fn open(path: &Path) -> Result<LineFile, ReportError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| io_error(path, source))?;
        Ok(LineFile {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            failed: None,
            poisoned: false,
        })
    }

    /// Adds `record`'s row: to the buffer, or, for a long trial's row, written through to the
    /// file after the lines before it (see [`STREAMED_ROW_REQUESTS`]).
    fn append_row(&mut self, record: &TrialRecord) {
        let json_error = |path: &Path, source| ReportError::Json {
            path: path.to_path_buf(),
            source,
        };
        if record.outcome.request_times.len() < STREAMED_ROW_REQUESTS {
            let start = self.pending.len();
            if let Err(e) = rows_file::write_row(&mut self.pending, record) {
                self.pending.truncate(start);
                self.failed.get_or_insert(json_error(&self.path, e));
            }
            return;
        }
        if self.poisoned {
            return;
        }
        let streamed = self.write_pending().and_then(|()| {
            let mut out = BufWriter::with_capacity(1 << 16, &self.file);
            rows_file::write_row(&mut out, record)
                .map_err(|e| json_error(&self.path, e))
                .and_then(|()| out.flush().map_err(|e| io_error(&self.path, e)))
        });
        if let Err(e) = streamed {
            self.poisoned = true;
            self.failed.get_or_insert(e);
        }
    }

    /// Writes the buffered lines (none once a streamed row failed).
    fn write_pending(&mut self) -> Result<(), ReportError> {
        if !self.pending.is_empty() && !self.poisoned {
            self.file
                .write_all(&self.pending)
                .map_err(|source| io_error(&self.path, source))?;
        }
        self.pending.clear();
        Ok(())
    }

    fn append(&mut self, line: Result<Vec<u8>, ReportError>) {
        match line {
            Ok(line) => self.pending.extend_from_slice(&line),
            Err(e) => {
                self.failed.get_or_insert(e);
            }
        }
    }

    /// Writes the pending lines, then reports a line that could not be encoded, if any.
    fn flush(&mut self) -> Result<(), ReportError> {
        self.write_pending()?;
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The open files that finished trials are appended to: the lossless rows file, and, for a
/// whole run, the tidy `trials.csv` (in finishing order until the run ends and rewrites it in
/// (point, trial) order), so that a kill leaves a `trials.csv` of complete rows.
pub struct RowsAppender {
    rows: LineFile,
    tidy: Option<(LineFile, usize)>,
    /// Each point's warm-up share under a cost model (`trials.csv`'s cost columns).
    warmups: Option<Vec<f64>>,
}

impl RowsAppender {
    /// Replaces `path` (atomically) with the header line and `records`, and `tidy` (if given) with
    /// the `trials.csv` header and `records`, then opens them to append.
    pub fn create(
        path: &Path,
        tidy: Option<&Path>,
        fingerprint: &str,
        plan: &Plan,
        records: &[TrialRecord],
    ) -> Result<RowsAppender, ReportError> {
        // Unsynced: the rows appended next are not synced either (`report::atomic`).
        let bytes = rows_bytes(path, fingerprint, plan, records)?;
        report::write_bytes_atomically_unsynced(path, &bytes)?;
        let warmups = plan.cost_warmups();
        let tidy = match tidy {
            Some(tidy) => {
                report::write_trials_rows_unsynced(tidy, &plan.axes, warmups.as_deref(), records)?;
                Some((LineFile::open(tidy)?, plan.axes.len()))
            }
            None => None,
        };
        Ok(RowsAppender {
            rows: LineFile::open(path)?,
            tidy,
            warmups,
        })
    }

    /// Adds `record`'s row for each file; the next `flush` writes it.
    pub fn append(&mut self, record: &TrialRecord) {
        self.rows.append_row(record);
        let warmup = crate::records::warmup_of(self.warmups.as_deref(), record.point);
        if let Some((tidy, axis_count)) = &mut self.tidy {
            let line = report::encode_trial_row(record, *axis_count, warmup).map_err(|source| {
                ReportError::Csv {
                    path: tidy.path.clone(),
                    source,
                }
            });
            tidy.append(line);
        }
    }

    /// Writes the rows appended since the last flush, one write per file.
    pub fn flush(&mut self) -> Result<(), ReportError> {
        self.rows.flush()?;
        if let Some((tidy, _)) = &mut self.tidy {
            tidy.flush()?;
        }
        Ok(())
    }
}

/// Writes a whole rows file atomically: the header, then `records` in the given order.
pub fn write_rows(
    path: &Path,
    fingerprint: &str,
    plan: &Plan,
    records: &[TrialRecord],
) -> Result<(), ReportError> {
    let bytes = rows_bytes(path, fingerprint, plan, records)?;
    report::write_bytes_atomically(path, &bytes)
}

/// The bytes of a rows file: the header, then `records` in the given order (`path` names it
/// in errors).
fn rows_bytes(
    path: &Path,
    fingerprint: &str,
    plan: &Plan,
    records: &[TrialRecord],
) -> Result<Vec<u8>, ReportError> {
    let json_error = |source| ReportError::Json {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes =
        rows_file::header_line(&plan.scenario.name, fingerprint, &plan.axes).map_err(json_error)?;
    for record in records {
        bytes.extend(rows_file::encode_row(record).map_err(json_error)?);
    }
    Ok(bytes)
}

/// Reads the rows file `path` of a run of `plan` whose fingerprint is `fingerprint`, and
/// checks every row: same scenario, a (point, trial) of the plan accepted by `wanted`, the
/// seed and sweep values that trial has. A row repeated identically counts once. An
/// unterminated last line (a row cut short) is ignored.
pub fn read_rows(
    path: &Path,
    plan: &Plan,
    fingerprint: &str,
    wanted: &dyn Fn(usize, usize) -> bool,
) -> Result<Vec<TrialRecord>, SessionError> {
    let text = std::fs::read_to_string(path).map_err(|source| SessionError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file_error = |source| SavedRowsError::File {
        path: path.to_path_buf(),
        source,
    };
    let parsed = rows_file::parse(&text).map_err(file_error)?;
    if parsed.header.fingerprint != fingerprint {
        return Err(SavedRowsError::ForeignScenario {
            path: path.to_path_buf(),
            found: parsed.header.fingerprint,
            expected: fingerprint.to_string(),
        }
        .into());
    }
    rows_file::check_axes(&parsed.header, &plan.axes).map_err(file_error)?;
    let mut rows: BTreeMap<(usize, usize), TrialRecord> = BTreeMap::new();
    for record in parsed.records {
        let (point, trial) = (record.point, record.trial);
        let problem = match check_row(plan, &record) {
            Err(problem) => Some(problem),
            Ok(()) if !wanted(point, trial) => Some(RowProblem::NotWanted),
            Ok(()) => match rows.get(&(point, trial)) {
                Some(earlier) if *earlier != record => Some(RowProblem::Conflict),
                Some(_) => None,
                None => {
                    rows.insert((point, trial), record);
                    None
                }
            },
        };
        if let Some(problem) = problem {
            return Err(SavedRowsError::Row {
                path: path.to_path_buf(),
                point,
                trial,
                problem,
            }
            .into());
        }
    }
    Ok(rows.into_values().collect())
}

/// A row belongs to `plan`: its point and trial exist, and its seed and axis values are theirs.
fn check_row(plan: &Plan, record: &TrialRecord) -> Result<(), RowProblem> {
    let Some(point) = plan.points.get(record.point) else {
        return Err(RowProblem::NoSuchPoint(plan.points.len()));
    };
    if record.trial >= plan.trials() as usize {
        return Err(RowProblem::NoSuchTrial(plan.trials()));
    }
    if record.seed != trial_seed(point.scenario.seed, record.point, record.trial) {
        return Err(RowProblem::Seed(record.seed));
    }
    let labels: Vec<String> = point.values.iter().map(|v| v.label()).collect();
    if record.axis_values != labels {
        return Err(RowProblem::AxisValues {
            found: record.axis_values.clone(),
            expected: labels,
        });
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RequestTimes;
    use crate::sim::TrialOutcome;

    fn record(point: usize, trial: usize, requests: u64) -> TrialRecord {
        let times: Vec<RequestTimes> = (1..=requests)
            .map(|t| RequestTimes::new(0, t, Some(t * 1_000_000), Some(t * 1_000_000 + 3_217)))
            .collect();
        TrialRecord {
            point,
            trial,
            seed: 7,
            axis_values: Vec::new(),
            n: 4,
            f: 1,
            byzantine: 0,
            outcome: TrialOutcome {
                latencies_ms: times.iter().filter_map(RequestTimes::latency_ms).collect(),
                request_times: times,
                requests,
                completed: requests,
                ..Default::default()
            },
        }
    }

    #[test]
    fn long_rows_are_streamed_between_buffered_ones_in_order() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let path = dir.path().join(PARTIAL);
        let plan = scenario::parse("p.ron", r#"Scenario(name: "rows", replicas: 4)"#)
            .expect("a valid scenario");
        let mut appender = RowsAppender::create(&path, None, "0123", &plan, &[]).expect("created");
        let rows = [
            record(0, 0, 3),
            record(0, 1, STREAMED_ROW_REQUESTS as u64 + 5),
            record(0, 2, 1),
        ];
        for row in &rows {
            appender.append(row);
        }
        appender.flush().expect("flushed");
        let mut expected = rows_file::header_line("rows", "0123", &[]).expect("header");
        for row in &rows {
            expected.extend(rows_file::encode_row(row).expect("encoded"));
        }
        let written = std::fs::read(&path).expect("read back");
        assert!(written == expected, "the file is the rows' lines, in order");
        let parsed = rows_file::parse(&String::from_utf8(written).expect("UTF-8")).expect("rows");
        assert_eq!(parsed.records, rows.to_vec());
    }
}
