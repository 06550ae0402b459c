//! What a run produced, as data: a trial's place in the sweep with its outcome
//! ([`TrialRecord`]), a whole run's records ([`RunResult`]) and a scenario file a suite left out
//! ([`InvalidScenario`]).
//!
//! This is the leaf the output layers share: `runner` makes these values, `report` turns them
//! into files and text, and neither needs the other to name them (the flow is scenario ->
//! runner -> sim -> records -> report). It depends only on the engine's [`TrialOutcome`], which
//! it re-exports so that the report can name everything it reads from here.

use serde::{Deserialize, Serialize};

pub use crate::costs::{LoadOutcome, NodeLoad};
pub use crate::oracle::{Property, ViolationDetail};
pub use crate::sim::outcome::{throughput_rps, FaultEffects, RequestTimes, TrialOutcome};

/// A trial's event trace, as the report draws it (the engine records it: `sim::trace`).
pub mod trace {
    pub use crate::sim::trace::{
        timer_name, DropCause, FaultPeriod, Happening, MessageSummary, Node, NodeRole, TraceEvent,
        TraceTrial, TRACE_VERSION,
    };
}

/// A trial's identity and result: one row of `trials.csv`, one line of the lossless rows file
/// that `--resume`, `--shard` and `merge` read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRecord {
    /// Index of the sweep point.
    pub point: usize,
    /// Index of the trial within the point.
    pub trial: usize,
    /// The trial's own seed (derived from the scenario seed, point and trial).
    pub seed: u64,
    /// The sweep axes' values at this point, formatted, one per axis in sweep order.
    pub axis_values: Vec<String>,
    /// Number of replicas.
    pub n: u32,
    /// Fault bound.
    pub f: u32,
    /// Number of byzantine replicas.
    pub byzantine: u32,
    /// What happened.
    pub outcome: TrialOutcome,
}

impl TrialRecord {
    /// At most f byzantine replicas: where PBFT promises safety and liveness. Reports give
    /// these trials' rates apart from the others' ("beyond f").
    pub fn within_f(&self) -> bool {
        self.byzantine <= self.f
    }
}

/// Everything the report needs about a finished run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The scenario's name.
    pub name: String,
    /// The sweep axes' paths (CSV column names), in order.
    pub axes: Vec<String>,
    /// The axes' chart names given in the scenario (`label`), one per axis (`None`: derive a
    /// readable name from the path).
    pub axis_labels: Vec<Option<String>>,
    /// The axes' values as numbers where they are numbers (for chart x positions), per point.
    pub axis_numbers: Vec<Vec<Option<f64>>>,
    /// Rows in (point, trial) order.
    pub records: Vec<TrialRecord>,
    /// Number of sweep points.
    pub points: usize,
    /// Wall-clock seconds the trials took.
    pub wall_s: f64,
    /// Under a cost model (`costs:`), each point's warm-up share (`costs.warmup`), by point:
    /// the run's files then gain the cost columns, `nodes.csv` and the throughput charts.
    /// `None`: no cost model, and the files are what they were before it existed.
    pub cost_warmups: Option<Vec<f64>>,
}

impl RunResult {
    /// The warm-up share of point `point` under the cost model; `None` without one.
    pub fn warmup_of(&self, point: usize) -> Option<f64> {
        warmup_of(self.cost_warmups.as_deref(), point)
    }
}

/// Point `point`'s warm-up share in `warmups` (by point), 0 for a point past the list;
/// `None` without a cost model.
pub fn warmup_of(warmups: Option<&[f64]>, point: usize) -> Option<f64> {
    warmups.map(|w| w.get(point).copied().unwrap_or(0.0))
}

/// A scenario file left out of a suite, and why (listed in the suite's `index.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidScenario {
    /// The file (or folder), as given or as found.
    pub file: String,
    /// One line, `FILE:LINE:COL: what is wrong` or `FILE: what is wrong` (as `check` prints it
    /// after `error: `).
    pub message: String,
}
