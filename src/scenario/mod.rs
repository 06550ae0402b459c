//! Scenarios: RON files in, validated and expanded sweeps out.
//!
//! `load` reads a file, parses it, checks every value of every sweep point, and returns a
//! `Plan`: the points in order, each a complete scenario. Any problem is one `ScenarioError`
//! whose message is a single line `FILE:LINE:COL: what is wrong` (or `FILE: field.path: what is
//! wrong` where no position is known and the field is not written in the file).
//!
//! Where the position comes from: syntax errors, unknown fields and values out of their type's
//! range (the schema's checked numbers, `net::checked`) are the parser's own, at the value; a
//! check across fields (`validate`) names a field path, which `locate` finds in the text; a
//! sweep point's value that its field refuses is placed at that value in the axis's `Values`
//! list, else at the sweep axis that set it. A point is named in a message only when its swept
//! values are the cause (the scenario as written does not fail the same check).

mod cases;
mod hints;
pub(crate) mod locate;
mod schema;
pub(crate) mod sweep;
pub(crate) mod validate;
mod validate_costs;
mod validate_reference;
mod validate_replication;
pub(crate) mod validate_workload;

use std::path::Path;

pub use schema::{
    Arrivals, Case, ProtocolConfig, Reference, ReferenceCell, Replication, Scalar, Scenario,
    SweepAxis, SweepValues, Workload,
};

pub use sweep::{PathError, PointError};

use crate::net::{ms_to_ns, FaultPlan, FieldError, Topology};
use crate::protocol::ReplicaConfig;
use crate::sim::{TrialSpec, TrialWorkload};

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
    /// A problem placed at a line and column of the file.
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

    /// Under a cost model (`costs:` in the scenario), each point's `costs.warmup`, by point;
    /// `None` without one.
    pub fn cost_warmups(&self) -> Option<Vec<f64>> {
        self.scenario.costs.as_ref()?;
        Some(
            self.points
                .iter()
                .map(|p| p.scenario.costs.as_ref().map_or(0.0, |c| c.warmup.get()))
                .collect(),
        )
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
    let scenario = read(file, source)?;
    let located = |line: usize, col: usize, message: String| ScenarioError::At {
        file: file.to_string(),
        line,
        col,
        message,
    };
    let field_error = |e: FieldError| match locate::locate(source, &e.path) {
        Some((line, col)) => located(line, col, e.to_string()),
        None => ScenarioError::Field {
            file: file.to_string(),
            path: e.path,
            message: e.message,
        },
    };
    // At the sweep axis `axis`, else where the field is written.
    let axis_error =
        |axis: usize, e: FieldError| match locate::locate(source, &format!("sweep[{axis}].path")) {
            Some((line, col)) => located(line, col, e.to_string()),
            None => field_error(e),
        };
    // A point's bad value is placed where the field is written, else at the sweep axis that
    // set it.
    let point_error = |e: FieldError| {
        let written = locate::locate(source, &e.path).is_some();
        let sets = |a: &SweepAxis| match &a.values {
            SweepValues::Cases(cases) => cases.iter().any(|c| c.set.contains_key(&e.path)),
            _ => a.path == e.path,
        };
        match scenario.sweep.iter().position(sets) {
            Some(axis) if !written => axis_error(axis, e),
            _ => field_error(e),
        }
    };
    // With a sweep, the values as written may be ones every point replaces (`replicas: 4`
    // with `f: Some(2)`, `replicas` swept over 7 and 10): each point is checked instead.
    // Each check's message with its fix where one is known (bounds the wrong way round).
    let with_fix = |e: FieldError| match hints::swap_bounds(&e.message) {
        Some(fix) => FieldError::new(e.path, format!("{}; {fix}", e.message)),
        None => e,
    };
    // The scenario as written refuses what a point refuses: the point's swept values are not
    // the cause, and naming the point would mislead.
    let written_error = validate::validate(&scenario).err();
    if scenario.sweep.is_empty() {
        if let Some(e) = written_error {
            return Err(field_error(with_fix(e)));
        }
    }
    let json = sweep::to_json(&scenario)
        .map_err(|e| field_error(FieldError::new("sweep", e.to_string())))?;
    let mut count = u64::from(scenario.trials);
    for (i, axis) in scenario.sweep.iter().enumerate() {
        if axis.values.is_empty() {
            let why = match &axis.values {
                SweepValues::Range { from, to } => format!(
                    "`from` is above `to`, so the axis has no values: write \
                     `Range(from: {to}, to: {from})`"
                ),
                _ => "the axis has no values".to_string(),
            };
            return Err(field_error(FieldError::new(
                format!("sweep[{i}].values"),
                why,
            )));
        }
        count = count.saturating_mul(axis.values.len());
        if let Some(label) = &axis.label {
            check_axis_label(label)
                .map_err(|why| field_error(FieldError::new(format!("sweep[{i}].label"), why)))?;
        }
    }
    check_trial_count(count).map_err(|e| field_error(FieldError::new("sweep", e.to_string())))?;
    cases::check_cases(&scenario, &json).map_err(|e| {
        match locate::locate_value(source, &e.place) {
            Some((line, col)) => located(line, col, e.error.message),
            None => axis_error(e.axis, e.error),
        }
    })?;
    let mut axes_values = Vec::new();
    for (i, axis) in scenario.sweep.iter().enumerate() {
        let values = axis.values.expand();
        if matches!(axis.values, SweepValues::Cases(_)) {
            // Its path is a column name; its cases' paths were checked above.
            axes_values.push(values);
            continue;
        }
        sweep::set_path(&mut json.clone(), &axis.path, values[0].to_json()).map_err(|e| {
            let hint = match &e {
                PathError::NoField { name, known, .. } => hints::did_you_mean(name, known),
                _ => None,
            };
            // The hint right after the name it is about, before the list of fields.
            let why = match (hint, &e) {
                (Some(hint), PathError::NoField { name, .. }) => {
                    let here = format!("no `{name}` here");
                    e.to_string().replacen(&here, &format!("{here} {hint}"), 1)
                }
                _ => e.to_string(),
            };
            field_error(FieldError::new(format!("sweep[{i}].path"), why))
        })?;
        axes_values.push(values);
    }
    let axes: Vec<String> = scenario.sweep.iter().map(|a| a.path.clone()).collect();
    let mut points = Vec::new();
    for (index, values) in sweep::product(&axes_values).into_iter().enumerate() {
        let at = describe_point(&axes, &values);
        let settings = sweep::settings(&scenario.sweep, &values);
        let point = sweep::apply_settings(&json, &settings).map_err(|e| match e {
            PointError::Path { axis, error } => field_error(FieldError::new(
                format!("sweep[{axis}].path"),
                format!("{error} (at sweep point {at})"),
            )),
            PointError::Value {
                axis: Some(axis),
                error,
            } => {
                // The value set at the refused field (a case's, for a `Cases` axis).
                let value = settings
                    .iter()
                    .find(|s| s.axis == axis && s.path == error.path)
                    .map_or(&values[axis], |s| &s.value);
                let hint = match value {
                    Scalar::Str(name) => hints::did_you_mean_variant(&error.path, name)
                        .map(|hint| format!(" {hint}"))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let error = FieldError::new(
                    error.path,
                    format!(
                        "{}{hint} (at sweep point {at}; set by sweep[{axis}])",
                        error.message
                    ),
                );
                // At the value in the axis's list, where it is one; else at the axis.
                let listed = match &scenario.sweep[axis].values {
                    SweepValues::Values(list) => list.iter().position(|v| {
                        let both_nan = matches!((v, value),
                            (Scalar::Float(a), Scalar::Float(b)) if a.is_nan() && b.is_nan());
                        v == value || both_nan
                    }),
                    SweepValues::Cases(cases) => {
                        let name = values[axis].label();
                        cases.iter().position(|c| c.name == name)
                    }
                    _ => None,
                };
                match listed.and_then(|k| {
                    locate::locate_value(source, &format!("sweep[{axis}].values[{k}]"))
                }) {
                    Some((line, col)) => located(line, col, error.to_string()),
                    None => axis_error(axis, error),
                }
            }
            PointError::Value { axis: None, error } => field_error(FieldError::new(
                error.path,
                format!("{} (at sweep point {at})", error.message),
            )),
        })?;
        validate::validate(&point).map_err(|e| {
            if written_error.as_ref() == Some(&e) {
                return point_error(with_fix(e));
            }
            let e = with_fix(e);
            point_error(FieldError::new(
                e.path,
                format!("{} (at sweep point {at})", e.message),
            ))
        })?;
        points.push(Point {
            index,
            values,
            scenario: point,
        });
    }
    validate_reference::validate_reference(&scenario, &axes, &points).map_err(|e| {
        match locate::locate_value(source, &e.path) {
            Some((line, col)) => located(line, col, e.to_string()),
            None => field_error(e),
        }
    })?;
    Ok(Plan {
        file: file.to_string(),
        scenario,
        axes,
        points,
    })
}

/// Reads the scenario's RON. Every error is the parser's, at its LINE:COL, with a hint on how
/// to fix it where one is known (`hints`); a value its field's type refuses is named by its
/// field path (`network.drop: must be a probability ...`). An empty file says so.
fn read(file: &str, source: &str) -> Result<Scenario, ScenarioError> {
    if let Some(message) = hints::empty_file(source) {
        return Err(ScenarioError::At {
            file: file.to_string(),
            line: 1,
            col: 1,
            message,
        });
    }
    read_ron(file, source, &ron::Options::default())
}

/// Reads any RON file of the crate's schemas (a scenario, a search space) with `options`:
/// every error is the parser's, at its LINE:COL, with the hints a scenario's errors get; a
/// value its field's type refuses is named by its field path. The caller says what an empty
/// file is.
pub(crate) fn read_ron<T: serde::de::DeserializeOwned>(
    file: &str,
    source: &str,
    options: &ron::Options,
) -> Result<T, ScenarioError> {
    // The parser's place and message, made to say how to fix the mistake (`hints`).
    let at = |e: ron::error::SpannedError, path: &str, message: String| {
        // A file that does not even start as a scenario (`README.md`): say that, not what the
        // parser expected at its first character.
        if let Some((line, col, message)) = hints::not_a_scenario(source) {
            return ScenarioError::At {
                file: file.to_string(),
                line,
                col,
                message,
            };
        }
        let (line, col, message) = hints::explain(
            source,
            e.span.start.line,
            e.span.start.col,
            path,
            &e.code,
            message,
        );
        ScenarioError::At {
            file: file.to_string(),
            line,
            col,
            message,
        }
    };
    let mut de = ron::Deserializer::from_str_with_options(source, options).map_err(|e| {
        let message = e.code.to_string();
        at(e, "", message)
    })?;
    let value = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        Err(e) => {
            let path = field_path(e.path());
            let code = e.into_inner();
            let message = match &code {
                ron::Error::Message(why) if !path.is_empty() => match hints::swap_bounds(why) {
                    Some(fix) => format!("{path}: {why}; {fix}"),
                    None => format!("{path}: {why}"),
                },
                other => other.to_string(),
            };
            return Err(at(de.span_error(code), &path, message));
        }
    };
    de.end().map_err(|code| {
        let message = code.to_string();
        at(de.span_error(code), "", message)
    })?;
    Ok(value)
}

/// A field path as sweeps and errors write it (`network.delay.min_ms`, `byzantine[0].count`):
/// serde's path without the names of the enum variants it passes through (`Uniform`).
pub(crate) fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        let name = match segment {
            Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } => key.as_str(),
            Segment::Enum { .. } => continue,
            Segment::Unknown => "?",
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(name);
    }
    out
}

/// A run asking for more trials than [`MAX_TRIALS`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{count} trials requested (points x trials); at most {MAX_TRIALS} per run")]
pub struct TooManyTrials {
    /// Points x trials asked for.
    pub count: u64,
}

/// Checks a run's size (points x trials) against `MAX_TRIALS`.
pub fn check_trial_count(count: u64) -> Result<(), TooManyTrials> {
    if count > MAX_TRIALS {
        Err(TooManyTrials { count })
    } else {
        Ok(())
    }
}

/// The longest axis label accepted (it has to fit under a chart's x axis).
pub const MAX_AXIS_LABEL_CHARS: usize = 60;

/// Why an axis `label` cannot name a chart axis, if it cannot.
fn check_axis_label(label: &str) -> Result<(), String> {
    let chars = label.chars().count();
    if label.trim().is_empty() {
        Err("must not be empty (leave `label` out for the default name)".to_string())
    } else if label.contains(['\n', '\r']) {
        Err("must be one line (no line break)".to_string())
    } else if chars > MAX_AXIS_LABEL_CHARS {
        Err(format!(
            "must be at most {MAX_AXIS_LABEL_CHARS} characters, got {chars}"
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
    let p = &s.protocol;
    // The unreplicated baseline is one server, replica 0, whatever `replicas` and `f` say.
    let unreplicated = p.replication == Replication::Unreplicated;
    let (n, f) = if unreplicated {
        (1, 0)
    } else {
        (s.replicas, validate::effective_f(s))
    };
    TrialSpec {
        seed,
        replica: ReplicaConfig {
            n,
            f,
            view_change: p.view_change,
            view_change_timeout_ns: ms_to_ns(p.view_change_timeout_ms.get()),
            checkpoint_interval: p.checkpoint_interval.get(),
            watermark_span: p.log_window,
            batch_size: p.batch_size.get() as usize,
            batch_timeout_ns: ms_to_ns(p.batch_timeout_ms.get()),
            max_in_flight: p.window.get(),
            status_period_ns: ms_to_ns(p.status_period_ms()),
            tentative_execution: p.tentative_execution,
            unreplicated,
            #[cfg(feature = "planted-bug")]
            planted_bug: p.planted_bug,
        },
        clients: s.workload.clients.get(),
        requests_per_client: s.workload.requests.get(),
        retransmit_ns: ms_to_ns(p.request_timeout_ms.get()),
        network: s.network.clone(),
        topology: Topology::resolve(&s.regions, &s.links, n, s.workload.clients.get()),
        faults: FaultPlan::new(s.faults.clone()),
        byzantine: s.byzantine.clone(),
        time_limit_ns: ms_to_ns(s.time_limit_ms.get()),
        workload: TrialWorkload {
            arg_bytes: s.workload.request_bytes,
            result_bytes: s.workload.reply_bytes,
            think_ns: ms_to_ns(s.workload.think_time_ms.get()),
            poisson_per_second: match s.workload.arrivals {
                Arrivals::Closed => None,
                Arrivals::Poisson { per_second } => Some(per_second.get()),
            },
            read_only: s.workload.read_only.get(),
        },
        costs: s.costs.clone(),
    }
}

/// The scenario as RON, every default filled in (written as `scenario.ron` with results).
pub fn to_ron(s: &Scenario) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .depth_limit(6);
    ron::ser::to_string_pretty(s, config)
}
