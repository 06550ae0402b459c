//! Trial rows kept on disk: the scenario fingerprint that ties them to one scenario as run, the
//! appender that saves each trial's row the moment it finishes (`trials.partial.csv`, and the
//! tidy `trials.csv` of a whole run), and the reader that gives them back, checked, to resume a
//! run or merge shards. The rows file's format is [`crate::report::rows_preamble`]'s: lossless,
//! one whole line per row.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::session::SessionError;
use crate::records::TrialRecord;
use crate::report::{self, ReportError};
use crate::scenario::{self, Plan};
use crate::sim::seeds::trial_seed;

/// Where `run` appends each finished trial's row; removed once the run's files are written.
pub const PARTIAL: &str = "trials.partial.csv";

/// The fingerprint of `plan` as run: the first 16 hex digits of the SHA-256 of its
/// `scenario.ron` text (the scenario with every default filled in and `--trials`/`--seed`
/// applied). Equal fingerprints mean equal trials.
pub fn fingerprint(plan: &Plan) -> Result<String, ReportError> {
    let ron = scenario::to_ron(&plan.scenario).map_err(|message| ReportError::Ron {
        path: PathBuf::from("scenario.ron"),
        message,
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

/// A file that whole lines are appended to: they wait in a buffer until `flush`, which
/// writes them all with one write (one write per line took a fifth of a core at thousands of
/// trials a second), so a kill leaves whole lines.
struct LineFile {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    /// The first line that could not be encoded, reported at the next flush.
    failed: Option<csv::Error>,
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
        })
    }

    fn append(&mut self, line: Result<Vec<u8>, csv::Error>) {
        match line {
            Ok(line) => self.pending.extend_from_slice(&line),
            Err(e) => {
                self.failed.get_or_insert(e);
            }
        }
    }

    /// Writes the pending lines, then reports a line that could not be encoded, if any.
    fn flush(&mut self) -> Result<(), ReportError> {
        if !self.pending.is_empty() {
            self.file
                .write_all(&self.pending)
                .map_err(|source| io_error(&self.path, source))?;
            self.pending.clear();
        }
        match self.failed.take() {
            Some(source) => Err(ReportError::Csv {
                path: self.path.clone(),
                source,
            }),
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
}

impl RowsAppender {
    /// Replaces `path` (atomically) with the preamble and `records`, and `tidy` (if given) with
    /// the `trials.csv` header and `records`, then opens them to append.
    pub fn create(
        path: &Path,
        tidy: Option<&Path>,
        fingerprint: &str,
        plan: &Plan,
        records: &[TrialRecord],
    ) -> Result<RowsAppender, ReportError> {
        write_rows(path, fingerprint, plan, records)?;
        let tidy = match tidy {
            Some(tidy) => {
                report::write_trials_rows(tidy, &plan.axes, records)?;
                Some((LineFile::open(tidy)?, plan.axes.len()))
            }
            None => None,
        };
        Ok(RowsAppender {
            rows: LineFile::open(path)?,
            tidy,
        })
    }

    /// Adds `record`'s row for each file; the next `flush` writes it.
    pub fn append(&mut self, record: &TrialRecord) {
        self.rows.append(report::encode_row(record));
        if let Some((tidy, axis_count)) = &mut self.tidy {
            tidy.append(report::encode_trial_row(record, *axis_count));
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

/// Writes a whole rows file atomically: the preamble, then `records` in the given order.
pub fn write_rows(
    path: &Path,
    fingerprint: &str,
    plan: &Plan,
    records: &[TrialRecord],
) -> Result<(), ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = report::rows_preamble(fingerprint, &plan.axes).map_err(csv_error)?;
    for record in records {
        bytes.extend(report::encode_row(record).map_err(csv_error)?);
    }
    report::write_bytes_atomically(path, &bytes)
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
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|source| SessionError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parsed = report::parse_rows(&text, &plan.axes)
        .map_err(|e| SessionError::Input(format!("{shown}: {e}")))?;
    if parsed.fingerprint != fingerprint {
        return Err(SessionError::Input(format!(
            "{shown}: holds trials of another scenario (fingerprint {}, this run's is \
             {fingerprint}); give the same scenario and --trials/--seed, or another --out",
            parsed.fingerprint
        )));
    }
    let mut rows: BTreeMap<(usize, usize), TrialRecord> = BTreeMap::new();
    for record in parsed.records {
        let (point, trial) = (record.point, record.trial);
        let at = format!("{shown}: point {point}, trial {trial}");
        check_row(plan, &record).map_err(|e| SessionError::Input(format!("{at}: {e}")))?;
        if !wanted(point, trial) {
            return Err(SessionError::Input(format!(
                "{at}: not one of this run's trials (a row of another shard?)"
            )));
        }
        match rows.get(&(point, trial)) {
            Some(earlier) if *earlier != record => {
                return Err(SessionError::Input(format!(
                    "{at}: appears twice with different results"
                )));
            }
            Some(_) => {}
            None => {
                rows.insert((point, trial), record);
            }
        }
    }
    Ok(rows.into_values().collect())
}

/// A row belongs to `plan`: its point and trial exist, and its seed and axis values are theirs.
fn check_row(plan: &Plan, record: &TrialRecord) -> Result<(), String> {
    let Some(point) = plan.points.get(record.point) else {
        return Err(format!("the scenario has {} points", plan.points.len()));
    };
    if record.trial >= plan.trials() as usize {
        return Err(format!(
            "the scenario has {} trials per point",
            plan.trials()
        ));
    }
    if record.seed != trial_seed(point.scenario.seed, record.point, record.trial) {
        return Err(format!("seed {} is not this trial's", record.seed));
    }
    let labels: Vec<String> = point.values.iter().map(|v| v.label()).collect();
    if record.axis_values != labels {
        return Err(format!(
            "sweep values {:?} are not this point's {labels:?}",
            record.axis_values
        ));
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}
