//! The files of a campaign's folder, apart from the counterexamples: the rows saved as trials
//! finish (`campaign.partial.jsonl`, JSON lines after a header naming the space, so that
//! `--resume` finds them; kept as `campaign-shard.jsonl` in a finished shard, for `merge`),
//! `campaign.csv`, `failures.csv` and `campaign.json`, written last. Every file but the
//! appended rows goes through `report`'s atomic writers.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::campaign_rows::{CampaignRow, CAMPAIGN_COLUMNS};
use super::ExploreError;
use crate::report::{self, ReportError};

/// Where the rows of an unfinished campaign are saved as trials finish.
pub(crate) const PARTIAL: &str = "campaign.partial.jsonl";
/// A finished shard's rows, for `merge`.
pub(crate) const SHARD_ROWS: &str = "campaign-shard.jsonl";
/// The campaign's summary, written last.
pub(crate) const CAMPAIGN_JSON: &str = "campaign.json";
/// The `format` of a rows file's header.
const ROWS_FORMAT: &str = "pbft-sim explore rows v1";
/// The `format` of `campaign.json`.
pub(crate) const CAMPAIGN_FORMAT: &str = "pbft-sim explore v1";

/// The columns of `failures.csv`, in order.
pub(crate) const FAILURES_COLUMNS: &[&str] = &[
    "signature",
    "trials",
    "first_index",
    "examples",
    "counterexample",
    "shrunk_n",
    "shrunk_byzantine",
    "shrunk_faults",
    "shrunk_requests",
    "shrink_runs",
    "detail",
];

/// A rows file's first line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct RowsHeader {
    format: String,
    space: String,
    fingerprint: String,
}

/// The counterexample written for one signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CounterexampleEntry {
    /// The failure's signature.
    pub signature: String,
    /// The index of the failure that was shrunk (the signature's first).
    pub first_index: u64,
    /// The scenario file, relative to the campaign's folder.
    pub file: String,
    /// Its trace folder, relative to the campaign's folder, if one was written.
    pub trace: Option<String>,
    /// The shrunk scenario's replicas.
    pub n: u32,
    /// Its byzantine replicas.
    pub byzantine: u32,
    /// Its timed faults.
    pub faults: u32,
    /// Its requests (clients x requests per client).
    pub requests: u64,
    /// Trials run while shrinking.
    pub runs: u32,
    /// The shrunk failure's detail.
    pub detail: String,
}

/// `campaign.json`: what was explored, how fast, and what failed; its presence marks a
/// finished campaign (or shard).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CampaignJson {
    /// Always `pbft-sim explore v1`.
    pub format: String,
    /// The space's name.
    pub space: String,
    /// The space file, as given.
    pub file: String,
    /// The space's fingerprint (a hash of its parsed form).
    pub fingerprint: String,
    /// The space seed.
    pub seed: u64,
    /// `--budget` (or its default); `None` when only `--time` bounded the campaign.
    pub budget: Option<u64>,
    /// The shard (`I/N`) this folder holds, if it is one.
    pub shard: Option<String>,
    /// Which indices: `0..B`, or `i % N == I - 1 in 0..B` for a shard.
    pub indices: String,
    /// Trials (drawn scenarios) with a row.
    pub trials: u64,
    /// Trials run by the session(s) that wrote this (saved ones apart).
    pub ran: u64,
    /// Wall-clock seconds of those trials.
    pub wall_s: f64,
    /// `ran / wall_s`.
    pub trials_per_s: f64,
    /// `--time`, if given.
    pub time_limit_s: Option<f64>,
    /// Whether `--time` ran out before the budget.
    pub time_ran_out: bool,
    /// Whether every index of the campaign (or shard) has a row.
    pub complete: bool,
    /// Worker threads (the most of any shard after `merge`).
    pub threads: usize,
    /// Failing trials per signature.
    pub failures: BTreeMap<String, u64>,
    /// The counterexample of each signature, in first-index order.
    pub counterexamples: Vec<CounterexampleEntry>,
}

/// Appends rows as trials finish: whole lines, flushed at each gathering.
pub(crate) struct RowsAppender {
    path: PathBuf,
    file: BufWriter<File>,
}

impl RowsAppender {
    /// Writes `path` afresh (atomically) with its header and `kept`, then opens it to append.
    pub(crate) fn create(
        path: &Path,
        space: &str,
        fingerprint: &str,
        kept: &[CampaignRow],
    ) -> Result<RowsAppender, ExploreError> {
        let header = RowsHeader {
            format: ROWS_FORMAT.to_string(),
            space: space.to_string(),
            fingerprint: fingerprint.to_string(),
        };
        let mut bytes = json_line(path, &header)?;
        for row in kept {
            bytes.extend(json_line(path, row)?);
        }
        report::write_bytes_atomically(path, &bytes)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| io(path, source))?;
        Ok(RowsAppender {
            path: path.to_path_buf(),
            file: BufWriter::new(file),
        })
    }

    /// Saves one row.
    pub(crate) fn push(&mut self, row: &CampaignRow) -> Result<(), ExploreError> {
        let line = json_line(&self.path, row)?;
        self.file
            .write_all(&line)
            .map_err(|source| io(&self.path, source))
    }

    /// Puts what was pushed on disk.
    pub(crate) fn flush(&mut self) -> Result<(), ExploreError> {
        self.file.flush().map_err(|source| io(&self.path, source))
    }
}

fn io(path: &Path, source: std::io::Error) -> ExploreError {
    ExploreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `value` as one JSON line.
fn json_line<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>, ExploreError> {
    let mut bytes = serde_json::to_vec(value).map_err(|source| {
        ExploreError::Report(ReportError::Json {
            path: path.to_path_buf(),
            source,
        })
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The rows saved in `path` for the space with `fingerprint`. A last line cut short (a kill
/// while it was written) is dropped; any other unreadable line, or rows of another space, is
/// bad input naming the file and the line.
pub(crate) fn read_rows(path: &Path, fingerprint: &str) -> Result<Vec<CampaignRow>, ExploreError> {
    let text = std::fs::read_to_string(path).map_err(|source| io(path, source))?;
    let bad = |line: usize, what: String| {
        ExploreError::Input(format!("{}:{line}: {what}", path.display()))
    };
    let mut lines = text.split_inclusive('\n').enumerate();
    let header: RowsHeader = match lines.next() {
        Some((_, line)) => serde_json::from_str(line)
            .map_err(|e| bad(1, format!("not a campaign's saved rows ({e})")))?,
        None => return Err(bad(1, "empty, not a campaign's saved rows".into())),
    };
    if header.format != ROWS_FORMAT {
        return Err(bad(
            1,
            format!("format {:?}, expected {ROWS_FORMAT:?}", header.format),
        ));
    }
    if header.fingerprint != fingerprint {
        return Err(bad(
            1,
            format!(
                "holds trials of another space ({:?}, fingerprint {}; this one's is \
                 {fingerprint}); give the same space file, or another --out",
                header.space, header.fingerprint
            ),
        ));
    }
    let mut rows = Vec::new();
    for (k, line) in lines {
        match serde_json::from_str::<CampaignRow>(line) {
            Ok(row) => rows.push(row),
            // A kill while the last line was written: that trial runs again.
            Err(_) if !line.ends_with('\n') => break,
            Err(e) => return Err(bad(k + 1, format!("not a campaign row ({e})"))),
        }
    }
    Ok(rows)
}

/// Writes `campaign.csv`: `rows`, in index order.
pub(crate) fn write_campaign_csv(path: &Path, rows: &[CampaignRow]) -> Result<(), ExploreError> {
    write_csv(path, CAMPAIGN_COLUMNS, rows.iter().map(CampaignRow::cells))
}

/// Writes a CSV file of `header` and `records`, streamed to a temporary file renamed over
/// `path` (a campaign's rows can be millions).
pub(crate) fn write_csv(
    path: &Path,
    header: &[&str],
    records: impl Iterator<Item = Vec<String>>,
) -> Result<(), ExploreError> {
    let csv_error = |source: csv::Error| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    report::write_atomically(path, |tmp| {
        let file = File::create(tmp).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        writer.write_record(header).map_err(csv_error)?;
        for record in records {
            writer.write_record(&record).map_err(csv_error)?;
        }
        writer.flush().map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
    })?;
    Ok(())
}

/// Writes `campaign.json`.
pub(crate) fn write_campaign_json(path: &Path, json: &CampaignJson) -> Result<(), ExploreError> {
    let mut bytes = serde_json::to_vec_pretty(json).map_err(|source| {
        ExploreError::Report(ReportError::Json {
            path: path.to_path_buf(),
            source,
        })
    })?;
    bytes.push(b'\n');
    Ok(report::write_bytes_atomically(path, &bytes)?)
}

/// Reads `dir/campaign.json`, if the folder holds one.
pub(crate) fn read_campaign_json(dir: &Path) -> Result<Option<CampaignJson>, ExploreError> {
    let path = dir.join(CAMPAIGN_JSON);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|source| io(&path, source))?;
    let json: CampaignJson = serde_json::from_str(&text).map_err(|e| {
        ExploreError::Input(format!(
            "{}: not a campaign's summary ({e})",
            path.display()
        ))
    })?;
    if json.format != CAMPAIGN_FORMAT {
        return Err(ExploreError::Input(format!(
            "{}: format {:?}, expected {CAMPAIGN_FORMAT:?}",
            path.display(),
            json.format
        )));
    }
    Ok(Some(json))
}

/// The space a campaign folder's files name (its `campaign.json`, else its saved rows), if any.
pub(crate) fn space_named_in(dir: &Path) -> Option<String> {
    if let Ok(Some(json)) = read_campaign_json(dir) {
        return Some(json.space);
    }
    let text = std::fs::read_to_string(dir.join(PARTIAL)).ok()?;
    let header: RowsHeader = serde_json::from_str(text.lines().next()?).ok()?;
    Some(header.space)
}
