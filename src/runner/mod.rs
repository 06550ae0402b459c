//! The runner: every trial of a plan, spread over worker threads, each thread with its own
//! actix System. A trial's seed depends only on (scenario seed, point, trial), and results are
//! put back in (point, trial) order, so the output is the same at any thread count.
//! `output` lays out one run's results folder (which files, in which order, `run.json` last),
//! writing them with `report`'s encoders; `session` runs a scenario into it, saving each
//! trial's row as it finishes (`saved`, in the `rows_file` format) so that an interrupted run
//! can be resumed, or runs one shard of it; `shard` merges shards; `suite` runs many scenarios
//! and indexes them; `progress` is how a caller is told that trials finish; `stats` says how
//! fast a session ran; `pool` is the worker pool trials run on.

// The modules are the crate's; what a user needs is re-exported below.
pub(crate) mod output;
pub(crate) mod pool;
pub(crate) mod progress;
pub(crate) mod rows_file;
pub(crate) mod saved;
pub(crate) mod session;
pub(crate) mod shard;
pub(crate) mod stats;
pub(crate) mod suite;
pub(crate) mod trace;

use std::time::Instant;

pub use crate::records::{RunResult, TrialRecord};
use crate::report::ReportError;
use crate::scenario::{trial_spec, Plan};
use crate::sim::seeds::trial_seed;
use crate::sim::{run_trial, SimError, TrialOutcome, TrialSpec};
pub(crate) use output::reference_table;
pub use output::write_outputs;
pub use progress::{NoProgress, Progress};
// The CLI's verbs (resume, shards, suites): crate-internal, reached through `cli`.
pub(crate) use session::{run_session, SessionError, SessionOptions};
pub(crate) use shard::{load_shards, write_merged, Shard};
pub(crate) use stats::peak_rss_bytes;
pub(crate) use suite::{load_suite, run_suite, SuiteOptions};

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: default_threads(),
        }
    }
}

/// All cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// A run that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The engine failed in some trial.
    #[error("trial {trial} of point {point} failed in the engine: {source}")]
    Trial {
        /// Point index.
        point: usize,
        /// Trial index.
        trial: usize,
        /// Why.
        source: SimError,
    },
    /// Some trials were never returned: a worker thread died.
    #[error("a worker thread failed: {returned} of {expected} trials returned")]
    Worker {
        /// Trials returned.
        returned: usize,
        /// Trials asked for.
        expected: usize,
    },
    /// A finished trial's row could not be saved.
    #[error("cannot save a finished trial: {0}")]
    Save(#[source] ReportError),
    /// The run was told to stop after this many trials (a test hook that mimics a kill).
    #[error("stopped after {0} trials, as asked")]
    Stopped(usize),
}

/// The (point, trial) pairs of a plan, in output order.
pub(crate) fn jobs(plan: &Plan) -> Vec<(usize, usize)> {
    let trials = plan.trials() as usize;
    (0..plan.points.len())
        .flat_map(|p| (0..trials).map(move |t| (p, t)))
        .collect()
}

async fn run_job(plan: &Plan, point: usize, trial: usize) -> Result<TrialRecord, RunError> {
    let (seed, spec) = job_spec(plan, point, trial);
    let outcome = run_trial(&spec).await.map_err(|source| RunError::Trial {
        point,
        trial,
        source,
    })?;
    Ok(job_record(plan, point, trial, seed, &spec, outcome))
}

/// The seed and resolved spec of trial `trial` of point `point` (both in range).
pub(crate) fn job_spec(plan: &Plan, point: usize, trial: usize) -> (u64, TrialSpec) {
    let p = &plan.points[point];
    let seed = trial_seed(p.scenario.seed, point, trial);
    (seed, trial_spec(&p.scenario, seed))
}

/// The record of a trial of `plan` that ran `spec` with `seed` and gave `outcome`.
pub(crate) fn job_record(
    plan: &Plan,
    point: usize,
    trial: usize,
    seed: u64,
    spec: &TrialSpec,
    outcome: TrialOutcome,
) -> TrialRecord {
    let p = &plan.points[point];
    let byzantine = p.scenario.byzantine.iter().map(|g| g.count).sum::<u32>();
    TrialRecord {
        point,
        trial,
        seed,
        axis_values: p.values.iter().map(|v| v.label()).collect(),
        n: spec.replica.n,
        f: spec.replica.f,
        byzantine: byzantine.min(spec.replica.n),
        outcome,
    }
}

/// Runs every trial of `plan`, telling `progress` (a run labelled with the scenario's name)
/// as trials finish; pass [`NoProgress`] to be told nothing.
pub fn run(
    plan: &Plan,
    options: &RunOptions,
    progress: &mut dyn Progress,
) -> Result<RunResult, RunError> {
    let started = Instant::now();
    progress.run_started(&plan.scenario.name, plan.total_trials(), 0);
    let records = run_jobs(plan, &jobs(plan), options, progress, &mut |_| Ok(()));
    progress.run_finished();
    Ok(assemble(plan, records?, started.elapsed().as_secs_f64()))
}

/// A run's result from its records, sorted here into (point, trial) order.
pub(crate) fn assemble(plan: &Plan, mut records: Vec<TrialRecord>, wall_s: f64) -> RunResult {
    records.sort_by_key(|r| (r.point, r.trial));
    RunResult {
        name: plan.scenario.name.clone(),
        axes: plan.axes.clone(),
        axis_labels: plan
            .scenario
            .sweep
            .iter()
            .map(|a| a.label.clone())
            .collect(),
        axis_numbers: plan
            .points
            .iter()
            .map(|p| p.values.iter().map(|v| v.number()).collect())
            .collect(),
        records,
        points: plan.points.len(),
        wall_s,
        cost_warmups: plan.cost_warmups(),
    }
}

/// What `run_jobs` tells its caller as trials finish, on the calling thread.
pub(crate) enum Finishing<'a> {
    /// A trial finished (in completion order).
    Trial(&'a TrialRecord),
    /// Every trial finished so far has been told, and the collecting thread is about to wait
    /// a moment: the time to write them out.
    Gathered,
}

/// Runs the trials `jobs` ((point, trial) pairs) of `plan` and returns their records in the
/// order of `jobs`, on [`pool::run_pool`]'s workers. As each trial finishes (in completion
/// order, on the calling thread), `on_record` is given its record and `progress` is told, and
/// after each gathering of finished trials it is told so; an error from `on_record` stops the
/// run (trials already started finish, unreported) and is returned.
pub(crate) fn run_jobs(
    plan: &Plan,
    jobs: &[(usize, usize)],
    options: &RunOptions,
    progress: &mut dyn Progress,
    on_record: &mut dyn FnMut(Finishing<'_>) -> Result<(), RunError>,
) -> Result<Vec<TrialRecord>, RunError> {
    let work = |i: usize| {
        let job = jobs.get(i).copied();
        async move {
            let (point, trial) = job.ok_or(RunError::Worker {
                returned: i,
                expected: jobs.len(),
            })?;
            run_job(plan, point, trial).await
        }
    };
    let done = pool::run_pool(
        jobs.len(),
        options.threads,
        None,
        &work,
        &mut |told| match told {
            pool::Told::Done(record) => {
                on_record(Finishing::Trial(record))?;
                progress.trial_finished();
                Ok(())
            }
            pool::Told::Gathered => on_record(Finishing::Gathered),
        },
    )?;
    let records: Vec<TrialRecord> = done.into_iter().map(|(_, record)| record).collect();
    if records.len() != jobs.len() {
        return Err(RunError::Worker {
            returned: records.len(),
            expected: jobs.len(),
        });
    }
    Ok(records)
}
