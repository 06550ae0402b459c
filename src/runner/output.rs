//! One scenario's results folder, shared by `run` and `suite`: prepared before the trials run
//! (a previous run's `run.json` removed), then filled with `trials.csv`, `summary.csv`, the
//! charts, `scenario.ron`, `index.html` and, last, `run.json`, whose presence marks a complete
//! folder.

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
/// prepared folder `out`: `trials.csv`, `summary.csv`, `success.{png,svg}`,
/// `latency.{png,svg}`, `scenario.ron` (the scenario as run, every default filled in),
/// `index.html` (the report page of all these) and, last, `run.json` (totals plus `scenario`,
/// `file` and `threads`). Returns the per-point summaries.
pub fn write_outputs(
    out: &Path,
    plan: &Plan,
    result: &RunResult,
    threads: usize,
) -> Result<Vec<PointSummary>, ReportError> {
    let summaries = report::summarize(result);
    report::write_trials_csv(&out.join("trials.csv"), result)?;
    report::write_summary_csv(&out.join("summary.csv"), result, &summaries)?;
    let charts = report::draw_charts(out, result, &summaries)?;
    let ron_path = out.join("scenario.ron");
    let ron = scenario::to_ron(&plan.scenario).map_err(|e| ReportError::Ron {
        path: ron_path.clone(),
        message: e.to_string(),
    })?;
    report::write_bytes_atomically(&ron_path, ron.as_bytes())?;
    write_report_page(out, plan, result, &charts, &ron)?;
    let mut extra = serde_json::Map::new();
    extra.insert("scenario".into(), plan.scenario.name.clone().into());
    extra.insert("file".into(), plan.file.clone().into());
    extra.insert("threads".into(), threads.into());
    // run.json last: its presence marks a complete results folder.
    report::write_run_json(&out.join("run.json"), result, &extra)?;
    Ok(summaries)
}

/// The result files `index.html` links, in order: those every run writes, then those of newer
/// versions when present (`summary.json`, `requests.csv`), then `run.json` (written after the
/// page).
const LINKED_FILES: [(&str, bool); 6] = [
    ("trials.csv", true),
    ("summary.csv", true),
    ("summary.json", false),
    ("requests.csv", false),
    ("scenario.ron", true),
    ("run.json", true),
];

/// Writes `out/index.html` for the files already in `out` (`summary.csv` is read back, so the
/// page's table has every column of the file).
fn write_report_page(
    out: &Path,
    plan: &Plan,
    result: &RunResult,
    charts: &[report::DrawnChart],
    scenario_ron: &str,
) -> Result<(), ReportError> {
    let summary_path = out.join("summary.csv");
    let summary_csv = std::fs::read_to_string(&summary_path).map_err(|source| ReportError::Io {
        path: summary_path,
        source,
    })?;
    let files: Vec<String> = LINKED_FILES
        .iter()
        .filter(|(name, always)| *always || out.join(name).is_file())
        .map(|(name, _)| (*name).to_string())
        .collect();
    let page = report::RunPage {
        name: &plan.scenario.name,
        description: &plan.scenario.description,
        file: &plan.file,
        run: result,
        charts,
        summary_csv: &summary_csv,
        scenario_ron,
        files: &files,
    };
    report::write_run_html(&out.join("index.html"), &page)
}
