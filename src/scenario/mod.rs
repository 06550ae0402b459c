//! Scenarios: RON files in, validated and expanded sweeps out.
//!
//! `load` reads a file, parses it (syntax and unknown fields are reported at LINE:COL),
//! checks every value of every sweep point, and returns a `Plan`: the points in order, each a
//! complete scenario. Any problem is one `ScenarioError` whose message is a single line
//! `FILE:LINE:COL: what is wrong` (or `FILE: field.path: what is wrong` where the parser knows no
//! position and the field is not written in the file).

pub mod locate;
pub mod schema;
pub mod sweep;
pub mod validate;

use std::path::Path;

pub use schema::{ProtocolConfig, Scalar, Scenario, SweepAxis, SweepValues, Workload};

use crate::net::{ms_to_ns, FaultPlan, Topology};
use crate::protocol::ReplicaConfig;
use crate::sim::TrialSpec;

/// At most this many trials in one run (points x trials).
pub const MAX_TRIALS: u64 = 10_000_000;

/// A scenario file that cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the file: {reason}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// A problem the parser located.
    #[error("{file}:{line}:{col}: {message}")]
    At {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// A problem with a field's value, where no position is known.
    #[error("{file}: {path}: {message}")]
    Field {
        /// The file.
        file: String,
        /// The field's path.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct Point {
    /// Index in sweep order.
    pub index: usize,
    /// The axes' values here.
    pub values: Vec<Scalar>,
    /// The scenario with those values set.
    pub scenario: Scenario,
}

/// A validated scenario, expanded.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The file it came from.
    pub file: String,
    /// The scenario as written, every default filled in.
    pub scenario: Scenario,
    /// The axes' paths.
    pub axes: Vec<String>,
    /// The points, first axis slowest.
    pub points: Vec<Point>,
}

impl Plan {
    /// Trials per point.
    pub fn trials(&self) -> u32 {
        self.scenario.trials
    }

    /// Total trials.
    pub fn total_trials(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.trials())
    }

    /// Overrides trials per point (CLI `--trials`).
    pub fn set_trials(&mut self, trials: u32) {
        self.scenario.trials = trials;
        for point in &mut self.points {
            point.scenario.trials = trials;
        }
    }

    /// Overrides the scenario seed (CLI `--seed`).
    pub fn set_seed(&mut self, seed: u64) {
        self.scenario.seed = seed;
        for point in &mut self.points {
            point.scenario.seed = seed;
        }
    }
}

/// Reads, parses, validates and expands a scenario file.
pub fn load(path: &Path) -> Result<Plan, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    parse(&file, &source)
}

/// Parses, validates and expands scenario text; `file` names it in errors.
pub fn parse(file: &str, source: &str) -> Result<Plan, ScenarioError> {
    let scenario: Scenario = ron::from_str(source).map_err(|e| ScenarioError::At {
        file: file.to_string(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    })?;
    let field_error = |path: String, message: String| match locate::locate(source, &path) {
        Some((line, col)) => ScenarioError::At {
            file: file.to_string(),
            line,
            col,
            message: format!("{path}: {message}"),
        },
        None => ScenarioError::Field {
            file: file.to_string(),
            path: path.clone(),
            message,
        },
    };
    // A point's bad value is placed where the field is written, else at the sweep axis that
    // set it.
    let point_error = |path: String, message: String| {
        let written = locate::locate(source, &path).is_some();
        let axis = scenario.sweep.iter().position(|a| a.path == path);
        match (written, axis) {
            (false, Some(i)) => match locate::locate(source, &format!("sweep[{i}].path")) {
                Some((line, col)) => ScenarioError::At {
                    file: file.to_string(),
                    line,
                    col,
                    message: format!("{path}: {message}"),
                },
                None => field_error(path, message),
            },
            _ => field_error(path, message),
        }
    };
    // With a sweep, the values as written may be ones every point replaces (`replicas: 4`
    // with `f: Some(2)`, `replicas` swept over 7 and 10): each point is checked instead.
    if scenario.sweep.is_empty() {
        validate::validate(&scenario).map_err(|(p, m)| field_error(p, m))?;
    }
    let json = sweep::to_json(&scenario).map_err(|m| field_error("sweep".into(), m))?;
    let mut count = u64::from(scenario.trials);
    for (i, axis) in scenario.sweep.iter().enumerate() {
        if axis.values.is_empty() {
            return Err(field_error(
                format!("sweep[{i}].values"),
                "the axis has no values".into(),
            ));
        }
        count = count.saturating_mul(axis.values.len());
    }
    check_trial_count(count).map_err(|m| field_error("sweep".into(), m))?;
    let mut axes_values = Vec::new();
    for (i, axis) in scenario.sweep.iter().enumerate() {
        let values = axis.values.expand();
        sweep::set_path(&mut json.clone(), &axis.path, values[0].to_json())
            .map_err(|m| field_error(format!("sweep[{i}].path"), m))?;
        axes_values.push(values);
    }
    let axes: Vec<String> = scenario.sweep.iter().map(|a| a.path.clone()).collect();
    let mut points = Vec::new();
    for (index, values) in sweep::product(&axes_values).into_iter().enumerate() {
        let at = describe_point(&axes, &values);
        let point = sweep::apply(&json, &axes, &values)
            .map_err(|(p, m)| field_error(p, format!("{m} (at sweep point {at})")))?;
        validate::validate(&point)
            .map_err(|(p, m)| point_error(p, format!("{m} (at sweep point {at})")))?;
        points.push(Point {
            index,
            values,
            scenario: point,
        });
    }
    Ok(Plan {
        file: file.to_string(),
        scenario,
        axes,
        points,
    })
}

/// Checks a run's size (points x trials) against `MAX_TRIALS`.
pub fn check_trial_count(count: u64) -> Result<(), String> {
    if count > MAX_TRIALS {
        Err(format!(
            "{count} trials requested (points x trials); at most {MAX_TRIALS} per run"
        ))
    } else {
        Ok(())
    }
}

/// `path = value, ...` for one point.
pub fn describe_point(axes: &[String], values: &[Scalar]) -> String {
    if axes.is_empty() {
        return "(no sweep)".to_string();
    }
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{a} = {}", v.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fully resolved parameters of one trial of a point.
pub fn trial_spec(s: &Scenario, seed: u64) -> TrialSpec {
    let f = validate::effective_f(s);
    let p = &s.protocol;
    TrialSpec {
        seed,
        replica: ReplicaConfig {
            n: s.replicas,
            f,
            view_change: p.view_change,
            view_change_timeout_ns: ms_to_ns(p.view_change_timeout_ms),
            checkpoint_interval: p.checkpoint_interval,
            watermark_span: p.log_window,
            batch_size: p.batch_size as usize,
            batch_timeout_ns: ms_to_ns(p.batch_timeout_ms),
            max_in_flight: p.window,
            status_period_ns: ms_to_ns(p.status_period_ms()),
        },
        clients: s.workload.clients,
        requests_per_client: s.workload.requests,
        retransmit_ns: ms_to_ns(p.request_timeout_ms),
        network: s.network.clone(),
        topology: Topology::resolve(&s.regions, &s.links, s.replicas, s.workload.clients),
        faults: FaultPlan::new(s.faults.clone()),
        byzantine: s.byzantine.clone(),
        time_limit_ns: ms_to_ns(s.time_limit_ms),
    }
}

/// The scenario as RON, every default filled in (written as `scenario.ron` with results).
pub fn to_ron(s: &Scenario) -> Result<String, String> {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .depth_limit(6);
    ron::ser::to_string_pretty(s, config).map_err(|e| e.to_string())
}
