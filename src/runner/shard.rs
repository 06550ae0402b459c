//! Sweeps that outgrow one machine: `run --shard I/N` runs every N-th trial (job k of the
//! (point, trial) list, in order, belongs to shard (k mod N) + 1) into a shard folder, and
//! `merge` checks that a set of shard folders holds one scenario's trials exactly once and
//! writes the files an unsharded run writes, `trials.csv` and `summary.csv` byte-identical.
//!
//! A shard folder holds `shard.csv` (its rows, lossless, in (point, trial) order; see
//! [`crate::report::rows_preamble`]), `scenario.ron` (the scenario as run) and, written last,
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
use crate::scenario::{self, Plan};

/// A finished shard's marker file.
pub const SHARD_MARKER: &str = "shard.json";
/// A shard's rows.
pub const SHARD_ROWS: &str = "shard.csv";
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

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with 1 <= I <= N.
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("expected I/N with 1 <= I <= N (e.g. 2/8), got `{text}`");
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

/// Writes a finished shard into the prepared folder `out`: `shard.csv`, `scenario.ron`, then
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
    let ron = scenario::to_ron(&plan.scenario).map_err(|message| ReportError::Ron {
        path: ron_path.clone(),
        message,
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

/// Reads the marker of the shard folder `dir`.
pub fn read_marker(dir: &Path) -> Result<ShardMarker, SessionError> {
    let path = dir.join(SHARD_MARKER);
    if !dir.is_dir() {
        return Err(SessionError::Input(format!(
            "{}: no such folder",
            dir.display()
        )));
    }
    if !path.is_file() {
        return Err(SessionError::Input(format!(
            "{}: not a finished shard (no {SHARD_MARKER}; resume it with `run --shard I/N \
             --resume --out {}`)",
            dir.display(),
            dir.display()
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|source| SessionError::Read {
        path: path.clone(),
        source,
    })?;
    let marker: ShardMarker = serde_json::from_str(&text)
        .map_err(|e| SessionError::Input(format!("{}: {e}", path.display())))?;
    if marker.format != FORMAT {
        return Err(SessionError::Input(format!(
            "{}: format `{}`, expected `{FORMAT}`",
            path.display(),
            marker.format
        )));
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
    let input = |m: String| SessionError::Input(format!("merge: {m}"));
    let Some(first_dir) = dirs.first() else {
        return Err(input("no shard folders given".into()));
    };
    let markers = dirs
        .iter()
        .map(|d| read_marker(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &markers[0];
    let mut given: BTreeMap<Shard, &Path> = BTreeMap::new();
    for (dir, marker) in dirs.iter().zip(&markers) {
        if marker.fingerprint != first.fingerprint {
            return Err(input(format!(
                "{} holds scenario {:?} (fingerprint {}) but {} holds {:?} (fingerprint {}): \
                 not shards of one run",
                dir.display(),
                marker.scenario,
                marker.fingerprint,
                first_dir.display(),
                first.scenario,
                first.fingerprint
            )));
        }
        if let Some(earlier) = given.insert(marker.shard(), dir) {
            return Err(input(format!(
                "shard {} is given twice ({} and {})",
                marker.shard(),
                earlier.display(),
                dir.display()
            )));
        }
    }
    let mut plan = scenario::load(&first_dir.join("scenario.ron"))
        .map_err(|e| SessionError::Input(e.to_string()))?;
    if fingerprint(&plan)? != first.fingerprint {
        return Err(input(format!(
            "{}: scenario.ron does not match {SHARD_MARKER} (was it edited?)",
            first_dir.display()
        )));
    }
    plan.file = first.file.clone();
    let mut owner: BTreeMap<(usize, usize), &Path> = BTreeMap::new();
    let mut records: Vec<TrialRecord> = Vec::new();
    for (dir, marker) in dirs.iter().zip(&markers) {
        let rows = read_rows(&dir.join(SHARD_ROWS), &plan, &first.fingerprint, &|_, _| {
            true
        })?;
        if rows.len() != marker.trials {
            return Err(input(format!(
                "{}: {SHARD_ROWS} holds {} trials but {SHARD_MARKER} says {}",
                dir.display(),
                rows.len(),
                marker.trials
            )));
        }
        for record in rows {
            let key = (record.point, record.trial);
            if let Some(other) = owner.insert(key, dir) {
                return Err(input(format!(
                    "{} and {} both hold trial {} of point {} (overlapping shards)",
                    other.display(),
                    dir.display(),
                    key.1,
                    key.0
                )));
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
        return Err(input(missing_trials(&missing, all.len(), &markers)));
    }
    let wall_s = markers.iter().map(|m| m.wall_s).sum();
    let result = assemble(&plan, records, wall_s);
    Ok(MergedShards {
        plan,
        result,
        markers,
    })
}

/// `K of M trials missing: (point, trial) (0, 2), ...; shards not given: 3/3`.
fn missing_trials(missing: &[(usize, usize)], total: usize, markers: &[ShardMarker]) -> String {
    const SHOWN: usize = 8;
    let mut listed: Vec<String> = missing
        .iter()
        .take(SHOWN)
        .map(|(p, t)| format!("({p}, {t})"))
        .collect();
    if missing.len() > SHOWN {
        listed.push("...".into());
    }
    let mut line = format!(
        "{} of {total} trials missing, as (point, trial): {}",
        missing.len(),
        listed.join(", ")
    );
    let count = markers[0].of;
    if markers.iter().all(|m| m.of == count) {
        let absent: Vec<String> = (1..=count)
            .filter(|i| !markers.iter().any(|m| m.shard == *i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        if !absent.is_empty() {
            line.push_str(&format!("; shards not given: {}", absent.join(", ")));
        }
    }
    line
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

/// Reads, checks and writes shards in one call: [`load_shards`] then [`write_merged`].
pub fn merge_shards(dirs: &[PathBuf], out: &Path) -> Result<MergeReport, SessionError> {
    let merged = load_shards(dirs)?;
    Ok(write_merged(out, &merged)?)
}
