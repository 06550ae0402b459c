//! Sweeps that outgrow one machine: `run --shard I/N` runs every N-th trial (job k of the
//! (point, trial) list, in order, belongs to shard (k mod N) + 1) into a shard folder, and
//! `merge` checks that a set of shard folders holds one scenario's trials exactly once and
//! writes the files an unsharded run writes, `trials.csv` and `summary.csv` byte-identical.
//!
//! A shard folder holds `shard.jsonl` (its rows, lossless, in (point, trial) order; see
//! [`super::rows_file`]), `scenario.ron` (the scenario as run) and, written last,
//! `shard.json` ([`ShardMarker`]), whose presence marks a finished shard.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::output::{prepare_output, write_outputs};
use super::saved::{fingerprint, read_rows, write_rows};
use super::session::SessionError;
use super::{assemble, jobs};
use crate::records::{RunResult, TrialRecord};
use crate::report::{self, PointSummary, ReportError};
use crate::scenario::{self, Plan, ScenarioError};

/// A finished shard's marker file.
pub const SHARD_MARKER: &str = "shard.json";
/// A shard's rows.
pub const SHARD_ROWS: &str = "shard.jsonl";
/// The `format` of a shard marker this version writes and reads.
const FORMAT: &str = "pbft-sim shard v1";

/// Shard `index` of `count` (1 <= index <= count), written `I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The jobs of this shard: job k of `jobs` when k mod count = index - 1, in order.
    pub fn share(&self, jobs: &[(usize, usize)]) -> Vec<(usize, usize)> {
        jobs.iter()
            .enumerate()
            .filter(|(k, _)| k % self.count == self.index - 1)
            .map(|(_, job)| *job)
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Text that is not a shard `I/N`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected I/N with 1 <= I <= N (e.g. 2/8), got `{0}`")]
pub struct BadShard(pub String);

impl FromStr for Shard {
    type Err = BadShard;

    /// `I/N` with 1 <= I <= N.
    fn from_str(text: &str) -> Result<Shard, BadShard> {
        let bad = || BadShard(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// `shard.json`: which shard of which scenario, and what it took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardMarker {
    /// Always `pbft-sim shard v1`.
    pub format: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file as given to `run`.
    pub file: String,
    /// The scenario's fingerprint (see [`super::saved::fingerprint`]).
    pub fingerprint: String,
    /// This shard's index, 1-based.
    pub shard: usize,
    /// The number of shards.
    pub of: usize,
    /// Trials in this shard.
    pub trials: usize,
    /// Trials in the whole run.
    pub total_trials: usize,
    /// Point-to-point messages over the shard's trials.
    pub messages: u64,
    /// Events over the shard's trials.
    pub events: u64,
    /// Wall-clock seconds the shard's trials took (in the session that finished it).
    pub wall_s: f64,
    /// Worker threads.
    pub threads: usize,
}

impl ShardMarker {
    /// The marker of `shard` of `plan`, whose trials are `result`'s.
    pub fn new(
        plan: &Plan,
        fingerprint: &str,
        shard: Shard,
        result: &RunResult,
        threads: usize,
    ) -> ShardMarker {
        ShardMarker {
            format: FORMAT.to_string(),
            scenario: plan.scenario.name.clone(),
            file: plan.file.clone(),
            fingerprint: fingerprint.to_string(),
            shard: shard.index,
            of: shard.count,
            trials: result.records.len(),
            total_trials: plan.total_trials() as usize,
            messages: result.records.iter().map(|r| r.outcome.messages).sum(),
            events: result.records.iter().map(|r| r.outcome.events).sum(),
            wall_s: result.wall_s,
            threads,
        }
    }

    /// Which shard.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.shard,
            count: self.of,
        }
    }
}

/// Writes a finished shard into the prepared folder `out`: `shard.jsonl`, `scenario.ron`, then
/// `shard.json`.
pub fn write_shard(
    out: &Path,
    plan: &Plan,
    marker: &ShardMarker,
    result: &RunResult,
) -> Result<(), ReportError> {
    write_rows(
        &out.join(SHARD_ROWS),
        &marker.fingerprint,
        plan,
        &result.records,
    )?;
    let ron_path = out.join("scenario.ron");
    let ron = scenario::to_ron(&plan.scenario).map_err(|e| ReportError::Ron {
        path: ron_path.clone(),
        message: e.to_string(),
    })?;
    report::write_bytes_atomically(&ron_path, ron.as_bytes())?;
    let path = out.join(SHARD_MARKER);
    let mut bytes = serde_json::to_vec_pretty(marker).map_err(|source| ReportError::Json {
        path: path.clone(),
        source,
    })?;
    bytes.push(b'\n');
    report::write_bytes_atomically(&path, &bytes)
}

/// Shard folders that cannot be merged (or resumed), each one line of bad input.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// No folder was given.
    #[error("merge: no shard folders given")]
    NoFolders,
    /// A folder does not exist.
    #[error("{0}: no such folder")]
    NoSuchFolder(PathBuf),
    /// A folder without `shard.json`.
    #[error(
        "{}: not a finished shard (no {SHARD_MARKER}; resume it with `run --shard I/N \
         --resume --out {}`)",
        .0.display(),
        .0.display()
    )]
    Unfinished(PathBuf),
    /// `shard.json` is not a marker.
    #[error("{path}: {source}")]
    BadMarker {
        /// The marker file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// `shard.json` of another format version.
    #[error("{path}: format `{found}`, expected `{FORMAT}`")]
    Format {
        /// The marker file.
        path: PathBuf,
        /// The format found.
        found: String,
    },
    /// Two folders hold shards of different scenarios.
    #[error(
        "merge: {} holds scenario {:?} (fingerprint {}) but {} holds {:?} (fingerprint {}): \
         not shards of one run",
        .folder.display(), .scenario, .fingerprint, .first.display(), .first_scenario,
        .first_fingerprint
    )]
    Mixed {
        /// The folder that differs from the first.
        folder: PathBuf,
        /// Its scenario's name.
        scenario: String,
        /// Its fingerprint.
        fingerprint: String,
        /// The first folder.
        first: PathBuf,
        /// The first folder's scenario's name.
        first_scenario: String,
        /// The first folder's fingerprint.
        first_fingerprint: String,
    },
    /// One shard given in two folders.
    #[error("merge: shard {shard} is given twice ({} and {})", .first.display(), .second.display())]
    Twice {
        /// The shard.
        shard: Shard,
        /// Where it was first given.
        first: PathBuf,
        /// Where again.
        second: PathBuf,
    },
    /// The first shard's `scenario.ron` does not load.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The first shard's `scenario.ron` is not the scenario its marker names.
    #[error("merge: {}: scenario.ron does not match {SHARD_MARKER} (was it edited?)", .0.display())]
    EditedScenario(PathBuf),
    /// A shard's rows and its marker disagree on how many trials it holds.
    #[error("merge: {}: {SHARD_ROWS} holds {rows} trials but {SHARD_MARKER} says {marker}", .folder.display())]
    CountMismatch {
        /// The shard folder.
        folder: PathBuf,
        /// Trials in its rows file.
        rows: usize,
        /// Trials its marker counts.
        marker: usize,
    },
    /// Two shards hold the same trial.
    #[error(
        "merge: {} and {} both hold trial {trial} of point {point} (overlapping shards)",
        .first.display(), .second.display()
    )]
    Overlap {
        /// The folder that held it first.
        first: PathBuf,
        /// The other.
        second: PathBuf,
        /// The point.
        point: usize,
        /// The trial.
        trial: usize,
    },
    /// Trials no shard holds.
    #[error("merge: {0}")]
    Missing(MissingTrials),
}

/// Trials of the run that no given shard holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingTrials {
    /// The (point, trial) pairs missing, in order.
    pub missing: Vec<(usize, usize)>,
    /// Trials in the whole run.
    pub total: usize,
    /// The shards `I/N` not given, when every shard given has the same N.
    pub absent_shards: Vec<Shard>,
}

impl fmt::Display for MissingTrials {
    /// `K of M trials missing, as (point, trial): (0, 2), ...; shards not given: 3/3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 8;
        let mut listed: Vec<String> = self
            .missing
            .iter()
            .take(SHOWN)
            .map(|(p, t)| format!("({p}, {t})"))
            .collect();
        if self.missing.len() > SHOWN {
            listed.push("...".into());
        }
        write!(
            f,
            "{} of {} trials missing, as (point, trial): {}",
            self.missing.len(),
            self.total,
            listed.join(", ")
        )?;
        if !self.absent_shards.is_empty() {
            let absent: Vec<String> = self.absent_shards.iter().map(Shard::to_string).collect();
            write!(f, "; shards not given: {}", absent.join(", "))?;
        }
        Ok(())
    }
}

/// Reads the marker of the shard folder `dir`.
pub fn read_marker(dir: &Path) -> Result<ShardMarker, SessionError> {
    let path = dir.join(SHARD_MARKER);
    if !dir.is_dir() {
        return Err(ShardError::NoSuchFolder(dir.to_path_buf()).into());
    }
    if !path.is_file() {
        return Err(ShardError::Unfinished(dir.to_path_buf()).into());
    }
    let text = std::fs::read_to_string(&path).map_err(|source| SessionError::Read {
        path: path.clone(),
        source,
    })?;
    let marker: ShardMarker = match serde_json::from_str(&text) {
        Ok(marker) => marker,
        Err(source) => return Err(ShardError::BadMarker { path, source }.into()),
    };
    if marker.format != FORMAT {
        return Err(ShardError::Format {
            path,
            found: marker.format,
        }
        .into());
    }
    Ok(marker)
}

/// Shards read and checked, ready to be written as one run.
#[derive(Clone, Debug)]
pub struct MergedShards {
    /// The scenario (from the first shard's `scenario.ron`; `file` as first given to `run`).
    pub plan: Plan,
    /// Every trial, in (point, trial) order, with the shards' wall times summed.
    pub result: RunResult,
    /// The shards' markers, in the order given.
    pub markers: Vec<ShardMarker>,
}

/// What `merge` wrote.
#[derive(Clone, Debug)]
pub struct MergeReport {
    /// The merged run.
    pub result: RunResult,
    /// Per-point summaries.
    pub summaries: Vec<PointSummary>,
    /// Number of shards merged.
    pub shards: usize,
}

/// Reads the shard folders `dirs` and checks that they are finished shards of one scenario
/// that together hold every trial exactly once. Every problem is one line of bad input.
pub fn load_shards(dirs: &[PathBuf]) -> Result<MergedShards, SessionError> {
    let Some(first_dir) = dirs.first() else {
        return Err(ShardError::NoFolders.into());
    };
    let markers = dirs
        .iter()
        .map(|d| read_marker(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = markers.first().ok_or(ShardError::NoFolders)?;
    let mut given: BTreeMap<Shard, &Path> = BTreeMap::new();
    for (dir, marker) in dirs.iter().zip(&markers) {
        if marker.fingerprint != first.fingerprint {
            return Err(ShardError::Mixed {
                folder: dir.clone(),
                scenario: marker.scenario.clone(),
                fingerprint: marker.fingerprint.clone(),
                first: first_dir.clone(),
                first_scenario: first.scenario.clone(),
                first_fingerprint: first.fingerprint.clone(),
            }
            .into());
        }
        if let Some(earlier) = given.insert(marker.shard(), dir) {
            return Err(ShardError::Twice {
                shard: marker.shard(),
                first: earlier.to_path_buf(),
                second: dir.clone(),
            }
            .into());
        }
    }
    let mut plan = scenario::load(&first_dir.join("scenario.ron")).map_err(ShardError::Scenario)?;
    if fingerprint(&plan)? != first.fingerprint {
        return Err(ShardError::EditedScenario(first_dir.clone()).into());
    }
    plan.file = first.file.clone();
    let mut owner: BTreeMap<(usize, usize), &Path> = BTreeMap::new();
    let mut records: Vec<TrialRecord> = Vec::new();
    for (dir, marker) in dirs.iter().zip(&markers) {
        let rows = read_rows(&dir.join(SHARD_ROWS), &plan, &first.fingerprint, &|_, _| {
            true
        })?;
        if rows.len() != marker.trials {
            return Err(ShardError::CountMismatch {
                folder: dir.clone(),
                rows: rows.len(),
                marker: marker.trials,
            }
            .into());
        }
        for record in rows {
            let key = (record.point, record.trial);
            if let Some(other) = owner.insert(key, dir) {
                return Err(ShardError::Overlap {
                    first: other.to_path_buf(),
                    second: dir.clone(),
                    point: key.0,
                    trial: key.1,
                }
                .into());
            }
            records.push(record);
        }
    }
    let all = jobs(&plan);
    let missing: Vec<(usize, usize)> = all
        .iter()
        .filter(|job| !owner.contains_key(job))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(ShardError::Missing(missing_trials(missing, all.len(), &markers)).into());
    }
    let wall_s = markers.iter().map(|m| m.wall_s).sum();
    let result = assemble(&plan, records, wall_s);
    Ok(MergedShards {
        plan,
        result,
        markers,
    })
}

/// The trials `missing` of `total`, and the shards not given when every marker has one count.
fn missing_trials(
    missing: Vec<(usize, usize)>,
    total: usize,
    markers: &[ShardMarker],
) -> MissingTrials {
    let count = markers.first().map_or(0, |m| m.of);
    let absent_shards = if markers.iter().all(|m| m.of == count) {
        (1..=count)
            .filter(|i| !markers.iter().any(|m| m.shard == *i))
            .map(|index| Shard { index, count })
            .collect()
    } else {
        Vec::new()
    };
    MissingTrials {
        missing,
        total,
        absent_shards,
    }
}

/// Writes `merged` into `out` as an unsharded run writes it (`run.json` last; its `threads` is
/// the largest of the shards').
pub fn write_merged(out: &Path, merged: &MergedShards) -> Result<MergeReport, ReportError> {
    prepare_output(out)?;
    let threads = merged.markers.iter().map(|m| m.threads).max().unwrap_or(1);
    let summaries = write_outputs(out, &merged.plan, &merged.result, threads)?;
    Ok(MergeReport {
        result: merged.result.clone(),
        summaries,
        shards: merged.markers.len(),
    })
}
