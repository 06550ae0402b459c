//! `pbft-sim trace`: one trial of a plan re-run exactly (same trial seed, same engine) with its
//! event trace written (`docs/trace.md`): `trace.jsonl` streamed to disk as the trial runs,
//! `trial.csv` (its `trials.csv` row, identical to the row a normal run writes), the space-time
//! chart (`spacetime.svg`, `.png`) and the viewer (`trace.html`). A window (`--from`,
//! `--until`) and filters (`--only` kinds, `--nodes`) choose what is written; the trial always
//! runs whole. The chart and the viewer hold at most [`KEPT_EVENTS`] events in memory, so a
//! long trial's trace streams with flat memory; they say so when they show fewer.
//!
//! `run --trace-failures N` traces the first N unsuccessful or unsafe trials of a finished run,
//! in (point, trial) order, under `OUT/traces/`.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::{job_record, job_spec};
use crate::protocol::message::NodeId;
use crate::records::{RunResult, TrialRecord};
use crate::report::{self, ReportError};
use crate::scenario::{describe_point, Plan};
use crate::sim::trace::{
    TraceEvent, TraceSink, TraceTrial, EVENT_KINDS, MESSAGE_KINDS, TRACE_VERSION,
};
use crate::sim::{run_trial_traced, SimError};

/// At most this many events (those the window and filters keep, from the first) are held for
/// the chart and the viewer; `trace.jsonl` has them all.
pub(crate) const KEPT_EVENTS: usize = 50_000;

/// What to trace and where.
#[derive(Clone, Debug, Default)]
pub(crate) struct TraceOptions {
    /// The output folder.
    pub(crate) out: PathBuf,
    /// Only events at or after this virtual time, ms.
    pub(crate) from_ms: Option<f64>,
    /// Only events before this virtual time, ms.
    pub(crate) until_ms: Option<f64>,
    /// Only events of these kinds (event kinds such as `deliver`, or message kinds such as
    /// `prepare`); empty: all.
    pub(crate) only: Vec<String>,
    /// Only events at or concerning these nodes (`r0`, `c1`, or a bare replica id); empty: all.
    pub(crate) nodes: Vec<String>,
}

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TraceError {
    /// `--point` out of range.
    #[error("--point {point}: the scenario has points 0..={last}")]
    Point {
        /// Asked for.
        point: usize,
        /// The last point.
        last: usize,
    },
    /// `--trial` out of range.
    #[error("--trial {trial}: each point has trials 0..={last}")]
    Trial {
        /// Asked for.
        trial: usize,
        /// The last trial.
        last: usize,
    },
    /// `--only` names no kind.
    #[error("--only {given:?}: not an event or message kind{}; event kinds: {events}; message kinds: {messages}", suggestion(.given), events = EVENT_KINDS.join(", "), messages = MESSAGE_KINDS.join(", "))]
    Kind {
        /// As given.
        given: String,
    },
    /// `--nodes` names no node.
    #[error("--nodes {given:?}: not a node of this trial (replicas r0..r{last_replica} or 0..{last_replica}, clients c0..c{last_client})")]
    Node {
        /// As given.
        given: String,
        /// The last replica id.
        last_replica: u32,
        /// The last client id.
        last_client: u32,
    },
    /// `--from` not before `--until`, or negative.
    #[error("{0}")]
    Window(String),
    /// The trial could not run.
    #[error("the trial could not run: {0}")]
    Sim(#[from] SimError),
    /// Writing the row, the chart or the viewer failed.
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl TraceError {
    /// Whether the error is the user's input (exit 2).
    pub(crate) fn is_bad_input(&self) -> bool {
        matches!(
            self,
            TraceError::Point { .. }
                | TraceError::Trial { .. }
                | TraceError::Kind { .. }
                | TraceError::Node { .. }
                | TraceError::Window(_)
        )
    }
}

/// A traced trial: its record and what was written.
#[derive(Debug)]
pub(crate) struct Traced {
    /// The trial's record (its `trials.csv` row).
    pub(crate) record: TrialRecord,
    /// Events the trial produced.
    pub(crate) events: u64,
    /// Events written to `trace.jsonl` (those the window and filters keep).
    pub(crate) written: u64,
    /// The folder written.
    pub(crate) out: PathBuf,
}

/// Which events are written.
#[derive(Clone, Debug, Default)]
struct Filter {
    from_ns: u64,
    until_ns: u64,
    kinds: BTreeSet<String>,
    nodes: BTreeSet<NodeId>,
}

impl Filter {
    fn keeps(&self, event: &TraceEvent) -> bool {
        if event.t_ns < self.from_ns || event.t_ns >= self.until_ns {
            return false;
        }
        if !self.kinds.is_empty()
            && !self.kinds.contains(event.what.name())
            && !event
                .what
                .message_kind()
                .is_some_and(|kind| self.kinds.contains(kind))
        {
            return false;
        }
        // Events at no node (a partition starting) concern every node.
        self.nodes.is_empty()
            || event.node.is_none()
            || [event.node, event.what.peer()]
                .iter()
                .flatten()
                .any(|node| self.nodes.contains(&node.0))
    }
}

fn filter(options: &TraceOptions, n: u32, clients: u32) -> Result<Filter, TraceError> {
    let from = options.from_ms.unwrap_or(0.0);
    let until = options.until_ms.unwrap_or(f64::INFINITY);
    if from.is_nan() || from < 0.0 {
        return Err(TraceError::Window(format!(
            "--from {from}: must be 0 or later (virtual ms since the trial began)"
        )));
    }
    if until.is_nan() || from >= until {
        return Err(TraceError::Window(format!(
            "--from {from} --until {until}: --from must be before --until"
        )));
    }
    let mut kinds = BTreeSet::new();
    for kind in &options.only {
        let kind = kind.trim();
        if !EVENT_KINDS.contains(&kind) && !MESSAGE_KINDS.contains(&kind) {
            return Err(TraceError::Kind {
                given: kind.to_string(),
            });
        }
        kinds.insert(kind.to_string());
    }
    let mut nodes = BTreeSet::new();
    for given in &options.nodes {
        let bad = || TraceError::Node {
            given: given.clone(),
            last_replica: n.saturating_sub(1),
            last_client: clients.saturating_sub(1),
        };
        let text = given.trim();
        let node = if let Some(c) = text.strip_prefix('c') {
            NodeId::Client(c.parse().map_err(|_| bad())?)
        } else {
            NodeId::Replica(text.trim_start_matches('r').parse().map_err(|_| bad())?)
        };
        let known = match node {
            NodeId::Replica(r) => r < n,
            NodeId::Client(c) => c < clients,
        };
        if !known {
            return Err(bad());
        }
        nodes.insert(node);
    }
    Ok(Filter {
        from_ns: crate::net::ms_to_ns(from),
        until_ns: if until.is_finite() {
            crate::net::ms_to_ns(until)
        } else {
            u64::MAX
        },
        kinds,
        nodes,
    })
}

/// ", did you mean `x` (or `y`)?" for a kind given with the wrong case or separators
/// (`pre_prepare`, `Reject`, `preprepare`), or nothing.
fn suggestion(given: &str) -> String {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = squash(given);
    let close: Vec<&str> = EVENT_KINDS
        .iter()
        .chain(MESSAGE_KINDS.iter())
        .copied()
        .filter(|kind| {
            let k = squash(kind);
            !wanted.is_empty() && (k == wanted || k.starts_with(&wanted) || wanted.starts_with(&k))
        })
        .collect();
    match close.as_slice() {
        [] => String::new(),
        [one] => format!(", did you mean {one}?"),
        several => format!(", did you mean one of {}?", several.join(", ")),
    }
}

/// The first line of `trace.jsonl`.
#[derive(Serialize)]
struct Header<'a> {
    version: u32,
    scenario: &'a str,
    file: &'a str,
    point: usize,
    trial: usize,
    /// The point's sweep values, described (`"" ` without a sweep).
    at: String,
    #[serde(flatten)]
    trial_info: &'a TraceTrial,
    window: Window<'a>,
}

/// The window and filters the trace was written with.
#[derive(Serialize)]
struct Window<'a> {
    from_ms: Option<f64>,
    until_ms: Option<f64>,
    only: &'a [String],
    nodes: &'a [String],
}

/// What the sink shares with the caller once the trial is over.
#[derive(Default)]
struct Collected {
    trial: Option<TraceTrial>,
    kept: Vec<TraceEvent>,
    seen: u64,
    written: u64,
    error: Option<std::io::Error>,
}

/// Makes the header line from what the trial announces.
type HeaderLine = Box<dyn Fn(&TraceTrial) -> serde_json::Result<Vec<u8>>>;

/// Writes kept events to `trace.jsonl` as they come and keeps the first [`KEPT_EVENTS`] of them.
struct FileSink {
    writer: BufWriter<File>,
    filter: Filter,
    header: HeaderLine,
    shared: Arc<Mutex<Collected>>,
}

/// Appends `line` and a newline to `writer`, unless an error was kept already; keeps the first.
fn append(writer: &mut BufWriter<File>, shared: &mut Collected, line: serde_json::Result<Vec<u8>>) {
    if shared.error.is_some() {
        return;
    }
    let written = line
        .map_err(std::io::Error::from)
        .and_then(|bytes| writer.write_all(&bytes))
        .and_then(|()| writer.write_all(b"\n"));
    if let Err(e) = written {
        shared.error = Some(e);
    }
}

impl TraceSink for FileSink {
    fn start(&mut self, trial: &TraceTrial) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        append(&mut self.writer, &mut shared, (self.header)(trial));
        shared.trial = Some(trial.clone());
    }

    fn event(&mut self, event: TraceEvent) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.seen += 1;
        if !self.filter.keeps(&event) {
            return;
        }
        shared.written += 1;
        append(&mut self.writer, &mut shared, serde_json::to_vec(&event));
        if shared.kept.len() < KEPT_EVENTS {
            shared.kept.push(event);
        }
    }

    fn finish(&mut self) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = self.writer.flush() {
            shared.error.get_or_insert(e);
        }
    }
}

/// Re-runs trial `trial` of point `point` of `plan` with its trace, into `options.out`.
pub(crate) fn trace(
    plan: &Plan,
    point: usize,
    trial: usize,
    options: &TraceOptions,
) -> Result<Traced, TraceError> {
    if point >= plan.points.len() {
        return Err(TraceError::Point {
            point,
            last: plan.points.len().saturating_sub(1),
        });
    }
    let trials = plan.trials() as usize;
    if trial >= trials {
        return Err(TraceError::Trial {
            trial,
            last: trials.saturating_sub(1),
        });
    }
    let (seed, spec) = job_spec(plan, point, trial);
    let filter = filter(options, spec.replica.n, spec.clients)?;
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.clone(),
        source,
    })?;
    let jsonl = out.join("trace.jsonl");
    let shared = Arc::new(Mutex::new(Collected::default()));
    let mut outcome = None;
    let at = describe_point(&plan.axes, &plan.points[point].values);
    let (name, file) = (plan.scenario.name.clone(), plan.file.clone());
    let window = (
        options.from_ms,
        options.until_ms,
        options.only.clone(),
        options.nodes.clone(),
    );
    let mut failure = None;
    // The whole trial runs while the trace goes to a temporary file, renamed into place only
    // when complete: an interrupted trace never looks whole.
    let written = report::write_atomically(&jsonl, |tmp| {
        let io = |source| ReportError::Io {
            path: jsonl.clone(),
            source,
        };
        let sink = FileSink {
            writer: BufWriter::with_capacity(1 << 16, File::create(tmp).map_err(io)?),
            filter: filter.clone(),
            header: Box::new(move |trial_info: &TraceTrial| {
                serde_json::to_vec(&Header {
                    version: TRACE_VERSION,
                    scenario: &name,
                    file: &file,
                    point,
                    trial,
                    at: at.clone(),
                    trial_info,
                    window: Window {
                        from_ms: window.0,
                        until_ms: window.1,
                        only: &window.2,
                        nodes: &window.3,
                    },
                })
            }),
            shared: Arc::clone(&shared),
        };
        let run = actix::System::new().block_on(run_trial_traced(&spec, Box::new(sink)));
        let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        match (run, shared.error.take()) {
            (Ok(o), None) => {
                outcome = Some(o);
                Ok(())
            }
            (_, Some(source)) => Err(io(source)),
            // A trial that did not finish leaves no trace under the final name.
            (Err(e), None) => {
                failure = Some(e);
                Err(io(std::io::Error::other("the trial did not finish")))
            }
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    written?;
    let Some(outcome) = outcome else {
        return Err(SimError::System("the trial returned no outcome".into()).into());
    };
    let record = job_record(plan, point, trial, seed, &spec, outcome);
    report::write_trials_rows(
        &out.join("trial.csv"),
        &plan.axes,
        plan.cost_warmups().as_deref(),
        std::slice::from_ref(&record),
    )?;
    let collected = std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner));
    if let Some(trial_info) = &collected.trial {
        let kept = collected.kept.len() as u64;
        let mut notes: Vec<String> = filter_notes(options);
        if collected.written > kept {
            notes.push(format!(
                "the first {kept} of the {} events written only",
                collected.written
            ));
        }
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        let chart = report::SpacetimeChart {
            trial: trial_info,
            events: &collected.kept,
            title: format!(
                "{} · point {point} · trial {trial} · n = {}, f = {}",
                plan.scenario.name, trial_info.n, trial_info.f
            ),
            note: note.clone(),
        };
        report::draw_spacetime(
            &chart,
            &out.join("spacetime.svg"),
            &out.join("spacetime.png"),
        )?;
        let page = report::TracePage {
            trial: trial_info,
            events: &collected.kept,
            title: format!("{} · point {point} · trial {trial}", plan.scenario.name),
            row: &row_pairs(&out.join("trial.csv"))?,
            note,
        };
        report::write_trace_html(&page, &out.join("trace.html"))?;
    }
    Ok(Traced {
        record,
        events: collected.seen,
        written: collected.written,
        out: out.clone(),
    })
}

/// The one row of `trial.csv` as (column, value) pairs, for the viewer's summary box.
fn row_pairs(path: &Path) -> Result<Vec<(String, String)>, ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(csv_error)?;
    let header = reader.headers().map_err(csv_error)?.clone();
    let row = reader.records().next().transpose().map_err(csv_error)?;
    Ok(header
        .iter()
        .zip(row.iter().flatten())
        .map(|(column, value)| (column.to_string(), value.to_string()))
        .collect())
}

/// What the window and filters of `options` keep, in words, for the chart and the viewer.
fn filter_notes(options: &TraceOptions) -> Vec<String> {
    let mut notes = Vec::new();
    match (options.from_ms, options.until_ms) {
        (Some(from), Some(until)) => notes.push(format!("events from {from} ms until {until} ms")),
        (Some(from), None) => notes.push(format!("events from {from} ms")),
        (None, Some(until)) => notes.push(format!("events until {until} ms")),
        (None, None) => {}
    }
    if !options.only.is_empty() {
        notes.push(format!("only {}", options.only.join(", ")));
    }
    if !options.nodes.is_empty() {
        notes.push(format!("nodes {}", options.nodes.join(", ")));
    }
    notes
}

/// `run --trace-failures N`: traces the first `count` trials of `result` (in (point, trial)
/// order) that were unsuccessful or unsafe, each into `out/traces/trace-P-T/`, then links
/// them from the traces section of `out/index.html` (rewritten atomically; left alone when the
/// folder has no page).
pub(crate) fn trace_failures(
    plan: &Plan,
    result: &RunResult,
    count: usize,
    out: &Path,
) -> Result<Vec<Traced>, TraceError> {
    let mut failed: Vec<&TrialRecord> = result
        .records
        .iter()
        .filter(|r| !r.outcome.success || !r.outcome.safety_ok)
        .collect();
    failed.sort_by_key(|r| (r.point, r.trial));
    let traced = failed
        .into_iter()
        .take(count)
        .map(|record| {
            let options = TraceOptions {
                out: out.join("traces").join(folder(record.point, record.trial)),
                ..TraceOptions::default()
            };
            trace(plan, record.point, record.trial, &options)
        })
        .collect::<Result<Vec<Traced>, TraceError>>()?;
    let links: Vec<report::TraceLink> = traced
        .iter()
        .map(|t| trace_link(&result.axes, &t.record))
        .collect();
    report::add_trace_links(&out.join("index.html"), &links)?;
    Ok(traced)
}

/// The page's link to the trace of `record`, written by [`trace_failures`].
fn trace_link(axes: &[String], record: &TrialRecord) -> report::TraceLink {
    let at: Vec<String> = axes
        .iter()
        .zip(&record.axis_values)
        .map(|(axis, value)| format!("{axis} = {value}"))
        .collect();
    let problem = match (record.outcome.success, record.outcome.safety_ok) {
        (false, false) => "unsuccessful and unsafe",
        (true, false) => "unsafe",
        _ => "unsuccessful",
    };
    report::TraceLink {
        point: record.point,
        trial: record.trial,
        at: at.join(", "),
        problem: problem.to_string(),
        href: format!("traces/{}/trace.html", folder(record.point, record.trial)),
    }
}

/// A trace's folder name: `trace-P-T`.
pub(crate) fn folder(point: usize, trial: usize) -> String {
    format!("trace-{point}-{trial}")
}
