//! One scenario's results folder, shared by `run` and `suite`: prepared before the trials run
//! (a previous run's `run.json` removed), then filled with `trials.csv`, `summary.csv`,
//! `summary.json`, `requests.csv`, the charts, `scenario.ron` and, last, `run.json`, whose presence marks a complete folder.

use std::path::Path;

use crate::records::RunResult;
use crate::report::{self, PointSummary, ReportError};
use crate::scenario::{self, Plan};

/// Creates the output folder and removes a previous run's `run.json`, so that a run that
/// stops half-way never leaves a folder that looks complete.
pub fn prepare_output(out: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let marker = out.join("run.json");
    if marker.exists() {
        std::fs::remove_file(&marker).map_err(|source| ReportError::RemoveStale {
            path: marker.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Writes every result file of `result` (a run of `plan` on `threads` worker threads) into the
/// prepared folder `out`: `trials.csv`, `summary.csv`, `summary.json`, `requests.csv`,
/// `success.{png,svg}`,
/// `latency.{png,svg}`, `scenario.ron` (the scenario as run, every default filled in) and, last,
/// `run.json` (totals plus `scenario`, `file` and `threads`). Returns the per-point summaries.
pub fn write_outputs(
    out: &Path,
    plan: &Plan,
    result: &RunResult,
    threads: usize,
) -> Result<Vec<PointSummary>, ReportError> {
    let summaries = report::summarize(result);
    report::write_trials_csv(&out.join("trials.csv"), result)?;
    report::write_summary_csv(&out.join("summary.csv"), result, &summaries)?;
    report::write_summary_json(&out.join("summary.json"), result, &summaries)?;
    report::write_requests_csv(&out.join("requests.csv"), &result.records)?;
    report::draw_charts(out, result, &summaries)?;
    let ron_path = out.join("scenario.ron");
    let ron = scenario::to_ron(&plan.scenario).map_err(|e| ReportError::Ron {
        path: ron_path.clone(),
        message: e.to_string(),
    })?;
    report::write_bytes_atomically(&ron_path, ron.as_bytes())?;
    let mut extra = serde_json::Map::new();
    extra.insert("scenario".into(), plan.scenario.name.clone().into());
    extra.insert("file".into(), plan.file.clone().into());
    extra.insert("threads".into(), threads.into());
    // run.json last: its presence marks a complete results folder.
    report::write_run_json(&out.join("run.json"), result, &extra)?;
    Ok(summaries)
}
