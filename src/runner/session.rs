//! One `run` of a scenario into its folder, made to survive interruption: each trial's row is
//! appended to `trials.partial.jsonl` (lossless, for `--resume`) and to `trials.csv` (tidy) the
//! moment it finishes, so a kill or Ctrl-C loses only the trials in flight and leaves a
//! `trials.csv` whose rows are all complete (in finishing order; the end of the run rewrites
//! it in (point, trial) order). With `resume`, the rows already in the folder are read back (checked
//! against the scenario's fingerprint) and only the missing trials run; the files written at
//! the end are then byte-identical to an uninterrupted run's (`run.json` apart from wall time).
//!
//! With a [`Shard`], only that share of the trials runs and the folder receives the shard's
//! rows (`shard.jsonl`, lossless, in (point, trial) order), `scenario.ron` and, last, the marker
//! `shard.json`, for `merge` to assemble.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::output::{prepare_output, write_outputs};
use super::saved::{fingerprint, read_rows, RowsAppender, SavedRowsError, PARTIAL};
use super::shard::{self, Shard, ShardError, ShardMarker, SHARD_MARKER};
use super::stats::RunStats;
use super::{assemble, jobs, run_jobs, Finishing, Progress, RunError, RunOptions};
use crate::records::{RunResult, TrialRecord};
use crate::report::{self, PointSummary, ReportError};
use crate::scenario::Plan;

/// How to run a scenario into its folder.
#[derive(Clone, Debug)]
pub struct SessionOptions {
    /// The results folder (created if needed).
    pub out: PathBuf,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Keep the trials already saved in `out` (after checking they are this scenario's).
    pub resume: bool,
    /// Run only this share of the trials and write a shard folder.
    pub shard: Option<Shard>,
    /// Stop (as a kill would) once this many trials have been saved; for tests.
    pub stop_after: Option<usize>,
}

/// What a session left in its folder.
#[derive(Clone, Debug)]
pub enum Finished {
    /// Every trial: the run's files are written.
    Run {
        /// All the trials, in (point, trial) order.
        result: RunResult,
        /// Per-point summaries.
        summaries: Vec<PointSummary>,
    },
    /// The shard's trials: `shard.jsonl`, `scenario.ron` and `shard.json` are written.
    Shard {
        /// Which shard.
        shard: Shard,
        /// The shard's trials, in (point, trial) order.
        result: RunResult,
        /// Trials in the whole run.
        total: usize,
    },
    /// `resume` found the folder complete and changed nothing.
    AlreadyComplete {
        /// The completion marker found (`run.json` or `shard.json`).
        marker: PathBuf,
    },
}

/// What a session did.
#[derive(Clone, Debug)]
pub struct SessionReport {
    /// The folder's state at the end.
    pub finished: Finished,
    /// Trials found already saved and kept.
    pub reused: usize,
    /// The trials run now.
    pub stats: RunStats,
}

/// A session that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Saved rows that do not fit this run (bad input).
    #[error(transparent)]
    Rows(Box<SavedRowsError>),
    /// The output folder holds another run's results (bad input).
    #[error(transparent)]
    Folder(Box<FolderError>),
    /// Shard folders that cannot be merged, or a shard marker that cannot be read (bad input).
    #[error(transparent)]
    Shards(Box<ShardError>),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The trials could not run (or the run was stopped).
    #[error(transparent)]
    Run(#[from] RunError),
    /// A result file could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
}

// Boxed, so that a `Result<_, SessionError>` stays small on the success path.
impl From<SavedRowsError> for SessionError {
    fn from(e: SavedRowsError) -> Self {
        SessionError::Rows(Box::new(e))
    }
}

impl From<FolderError> for SessionError {
    fn from(e: FolderError) -> Self {
        SessionError::Folder(Box::new(e))
    }
}

impl From<ShardError> for SessionError {
    fn from(e: ShardError) -> Self {
        SessionError::Shards(Box::new(e))
    }
}

impl SessionError {
    /// Whether the error is bad input (saved rows, folders or shards that do not fit this run:
    /// the command line exits 2 with the one-line message) rather than a failure.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SessionError::Rows(_) | SessionError::Folder(_) | SessionError::Shards(_)
        )
    }
}

/// An output folder that `--resume` found complete, but with another run in it.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// A shard folder of this scenario, but another shard.
    #[error("{folder}: holds shard {found}, not {wanted}; give another --out")]
    OtherShard {
        /// The folder.
        folder: PathBuf,
        /// The shard it holds.
        found: Shard,
        /// The shard asked for.
        wanted: Shard,
    },
    /// A complete run (or shard) of another scenario.
    #[error(
        "{folder}: holds a complete run of another scenario ({file} has fingerprint {found}, \
         this run's is {expected}); give the same scenario and --trials/--seed, or another --out"
    )]
    OtherScenario {
        /// The folder.
        folder: PathBuf,
        /// The file whose fingerprint differs (`scenario.ron` or `shard.json`).
        file: PathBuf,
        /// Its fingerprint.
        found: String,
        /// This run's.
        expected: String,
    },
}

/// Runs `plan` (or its shard) into `options.out`, saving rows as trials finish and telling
/// `progress` (one run, labelled with the scenario's name and the shard); see the module
/// documentation.
pub fn run_session(
    plan: &Plan,
    options: &SessionOptions,
    progress: &mut dyn Progress,
) -> Result<SessionReport, SessionError> {
    let fingerprint = fingerprint(plan)?;
    let all = jobs(plan);
    let total = all.len();
    let share = match options.shard {
        Some(shard) => shard.share(&all),
        None => all,
    };
    let out = &options.out;
    let marker = out.join(match options.shard {
        Some(_) => SHARD_MARKER,
        None => "run.json",
    });
    let partial = out.join(PARTIAL);
    let mut done = Vec::new();
    if options.resume {
        if partial.is_file() {
            let wanted: BTreeSet<(usize, usize)> = share.iter().copied().collect();
            done = read_rows(&partial, plan, &fingerprint, &|p, t| {
                wanted.contains(&(p, t))
            })?;
        } else if is_complete(out, &marker, &fingerprint, options.shard)? {
            return Ok(SessionReport {
                finished: Finished::AlreadyComplete { marker },
                reused: share.len(),
                stats: RunStats::default(),
            });
        }
    }
    prepare_output(out)?;
    remove_if_present(&marker)?;
    let reused = done.len();
    let saved: BTreeSet<(usize, usize)> = done.iter().map(|r| (r.point, r.trial)).collect();
    let todo: Vec<(usize, usize)> = share
        .iter()
        .filter(|job| !saved.contains(job))
        .copied()
        .collect();

    let tidy = out.join("trials.csv");
    let tidy = options.shard.is_none().then_some(tidy.as_path());
    let mut appender = RowsAppender::create(&partial, tidy, &fingerprint, plan, &done)?;
    let label = match options.shard {
        Some(shard) => format!("{} {shard}", plan.scenario.name),
        None => plan.scenario.name.clone(),
    };
    progress.run_started(&label, share.len() as u64, reused as u64);
    let run_options = RunOptions {
        threads: options.threads,
    };
    let started = Instant::now();
    let mut count = 0;
    let ran = run_jobs(plan, &todo, &run_options, progress, &mut |finishing| {
        match finishing {
            Finishing::Trial(record) => {
                appender.append(record);
                count += 1;
                if options.stop_after.is_some_and(|limit| count >= limit) {
                    appender.flush().map_err(RunError::Save)?;
                    return Err(RunError::Stopped(count));
                }
            }
            Finishing::Gathered => appender.flush().map_err(RunError::Save)?,
        }
        Ok(())
    });
    progress.run_finished();
    // What finished is saved even if the run stopped on an error.
    let flushed = appender.flush().map_err(RunError::Save);
    let ran = ran?;
    flushed?;
    let wall_s = started.elapsed().as_secs_f64();
    drop(appender);
    let stats = RunStats::of(&ran, wall_s);
    let mut records: Vec<TrialRecord> = done;
    records.extend(ran);
    let result = assemble(plan, records, wall_s);

    let finished = match options.shard {
        None => {
            let summaries = write_outputs(out, plan, &result, options.threads)?;
            Finished::Run { result, summaries }
        }
        Some(shard) => {
            let marker = ShardMarker::new(plan, &fingerprint, shard, &result, options.threads);
            shard::write_shard(out, plan, &marker, &result)?;
            Finished::Shard {
                shard,
                result,
                total,
            }
        }
    };
    // Last: until the completion marker is written, the saved rows are the run's memory.
    remove_if_present(&partial)?;
    Ok(SessionReport {
        finished,
        reused,
        stats,
    })
}

/// Whether `out` already holds the complete run (or shard) of this scenario: its completion
/// marker is there and its scenario is this one. Another scenario's complete folder is an
/// error; a folder without the marker is not complete.
fn is_complete(
    out: &Path,
    marker: &Path,
    fingerprint: &str,
    shard: Option<Shard>,
) -> Result<bool, SessionError> {
    if !marker.is_file() {
        return Ok(false);
    }
    let (found, at) = match shard {
        None => {
            let ron = out.join("scenario.ron");
            if !ron.is_file() {
                return Ok(false);
            }
            let bytes = std::fs::read(&ron).map_err(|source| SessionError::Read {
                path: ron.clone(),
                source,
            })?;
            (super::saved::fingerprint_of(&bytes), ron)
        }
        Some(shard) => {
            let found = shard::read_marker(out)?;
            if found.fingerprint == fingerprint && found.shard() != shard {
                return Err(FolderError::OtherShard {
                    folder: out.to_path_buf(),
                    found: found.shard(),
                    wanted: shard,
                }
                .into());
            }
            (found.fingerprint, marker.to_path_buf())
        }
    };
    if found != fingerprint {
        return Err(FolderError::OtherScenario {
            folder: out.to_path_buf(),
            file: at,
            found,
            expected: fingerprint.to_string(),
        }
        .into());
    }
    Ok(true)
}

fn remove_if_present(path: &Path) -> Result<(), ReportError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ReportError::RemoveStale {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// A one-line description of a finished session's folder, for stdout.
pub fn describe(report: &SessionReport, out: &Path) -> String {
    let shown = out.display();
    match &report.finished {
        Finished::AlreadyComplete { marker } => format!(
            "{shown} is already complete ({} trials, {} present): nothing to do",
            report.reused,
            marker.display()
        ),
        Finished::Run { .. } if report.reused > 0 => format!(
            "resumed: {} trials were already saved in {shown}, {} run now",
            report.reused, report.stats.trials
        ),
        Finished::Run { .. } => String::new(),
        Finished::Shard {
            shard,
            result,
            total,
        } => format!(
            "shard {shard}: {} of {total} trials ({} already saved) in {}",
            result.records.len(),
            report.reused,
            out.join(shard::SHARD_ROWS).display()
        ),
    }
}

/// The summary table of a complete run, for stdout.
pub fn table(report: &SessionReport) -> Option<String> {
    match &report.finished {
        Finished::Run { result, summaries } => Some(report::summary_table(result, summaries)),
        _ => None,
    }
}
