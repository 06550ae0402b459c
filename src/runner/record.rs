//! One row of `trials.csv`: a trial's place in the sweep and its outcome.

use crate::sim::outcome::TrialOutcome;

/// A trial's identity and result.
#[derive(Clone, Debug, PartialEq)]
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

/// Everything the report needs about a finished run.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The scenario's name.
    pub name: String,
    /// The sweep axes' paths (CSV column names), in order.
    pub axes: Vec<String>,
    /// The axes' values as numbers where they are numbers (for chart x positions), per point.
    pub axis_numbers: Vec<Vec<Option<f64>>>,
    /// Rows in (point, trial) order.
    pub records: Vec<TrialRecord>,
    /// Number of sweep points.
    pub points: usize,
    /// Wall-clock seconds the trials took.
    pub wall_s: f64,
}
