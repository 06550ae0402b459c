//! One scenario's results folder, shared by `run` and `suite`: prepared before the trials run
//! (a previous run's `run.json` removed), then filled with `trials.csv`, `summary.csv`,
//! `summary.json`, `requests.csv`, the charts, `scenario.ron`, `index.html` and, last,
//! `run.json`, whose presence marks a complete folder. Before that, [`results_of_another`]
//! tells whether a folder holds another scenario's results, and [`suite_index_in`] whether it
//! holds a suite's, so that the command line refuses to write over them unless told to.

use std::path::{Path, PathBuf};

use crate::records::RunResult;
use crate::report::{self, PointSummary, ReportError};
use crate::scenario::{self, Plan};

/// The files that say whose results a folder holds, in the order they are asked: a complete
/// run's `run.json`, a shard's `shard.json`, the saved rows of an unfinished run or of a
/// shard (their first line), the scenario as run.
const OWNER_FILES: [&str; 5] = [
    "run.json",
    "shard.json",
    "trials.partial.jsonl",
    "shard.jsonl",
    "scenario.ron",
];

/// Results found in a folder: the file that names their scenario, and that name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultsFound {
    /// The file (`OUT/run.json`, `OUT/scenario.ron`, ...).
    pub file: PathBuf,
    /// The scenario it names.
    pub scenario: String,
}

/// The results in `out` of a scenario whose name is not `name`, if any: the first of
/// `run.json`, `shard.json`, `trials.partial.jsonl`, `shard.jsonl` and `scenario.ron` that
/// names a scenario decides. A folder that does not exist, holds none of them, or whose files
/// name no scenario (unreadable, or not pbft-sim's) gives `None`; so does one holding `name`'s
/// results, which a re-run or `--resume` may write over.
pub fn results_of_another(out: &Path, name: &str) -> Option<ResultsFound> {
    let found = results_in(out)?;
    (found.scenario != name).then_some(found)
}

/// Whose results `out` holds, by the first of [`OWNER_FILES`] that names a scenario.
pub fn results_in(out: &Path) -> Option<ResultsFound> {
    OWNER_FILES.iter().find_map(|file| {
        let path = out.join(file);
        let scenario = scenario_named_by(&path)?;
        Some(ResultsFound {
            file: path,
            scenario,
        })
    })
}

/// The scenario name in a results file: the `scenario` key of a JSON object (the first line of
/// a `.jsonl` file), the `name` field of a `scenario.ron`.
fn scenario_named_by(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let is = |extension: &str| path.extension().is_some_and(|e| e == extension);
    if is("ron") {
        /// Only the name of a scenario file; every other field is skipped.
        #[derive(serde::Deserialize)]
        #[serde(rename = "Scenario")]
        struct Named {
            name: String,
        }
        return ron::from_str::<Named>(&text).ok().map(|n| n.name);
    }
    let json = if is("jsonl") {
        text.lines().next()?
    } else {
        text.as_str()
    };
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value.get("scenario")?.as_str().map(str::to_string)
}

/// The start of the first line of a suite's `index.csv` (its first column names).
const SUITE_CSV_HEADER: &str = "name,file,points,trials,success_rate,";

/// The first line of a suite's `index.md`.
const SUITE_MD_HEADING: &str = "# pbft-sim suite";

/// The index a suite wrote in `out`, if it holds one: `index.csv` whose header starts with the
/// suite's columns (`name,file,points,trials,success_rate,...`), or `index.md` whose first line
/// is `# pbft-sim suite`. Files of those names written by anything else are not a suite's.
pub fn suite_index_in(out: &Path) -> Option<PathBuf> {
    let first_line = |name: &str| {
        let path = out.join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        let line = text.lines().next()?.trim_end().to_string();
        Some((path, line))
    };
    if let Some((path, line)) = first_line("index.csv") {
        if line.starts_with(SUITE_CSV_HEADER) {
            return Some(path);
        }
    }
    first_line("index.md")
        .filter(|(_, line)| line == SUITE_MD_HEADING)
        .map(|(path, _)| path)
}

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
/// prepared folder `out`: `trials.csv`, `summary.csv`, `summary.json`, `requests.csv`, the
/// charts (`success`, `latency`, `latency-cdf`, each `.png` and `.svg`), `scenario.ron` (the
/// scenario as run, every default filled in), `index.html` (the report page of all these) and,
/// last, `run.json` (totals plus `scenario`, `file` and `threads`). Under a cost model also
/// `nodes.csv` (and the cost columns and charts); with a `reference`, `reference.csv`.
/// Returns the per-point summaries.
pub fn write_outputs(
    out: &Path,
    plan: &Plan,
    result: &RunResult,
    threads: usize,
) -> Result<Vec<PointSummary>, ReportError> {
    let summaries = report::summarize(result);
    report::write_trials_csv(&out.join("trials.csv"), result)?;
    let summary_csv = report::write_summary_csv(&out.join("summary.csv"), result, &summaries)?;
    report::write_summary_json(&out.join("summary.json"), result, &summaries)?;
    report::write_requests_csv(&out.join("requests.csv"), &result.records)?;
    let mut extra_files = Vec::new();
    if result.cost_warmups.is_some() {
        report::write_nodes_csv(&out.join("nodes.csv"), &result.records)?;
        extra_files.push("nodes.csv".to_string());
    }
    if let Some(compared) = compare_reference(plan, result, &summaries)? {
        let path = out.join("reference.csv");
        with_published(plan, |published| {
            report::write_reference_csv(&path, result, published, &compared)
        })
        .unwrap_or(Ok(()))?;
        extra_files.push("reference.csv".to_string());
    }
    let charts = report::draw_charts(out, result, &summaries)?;
    let ron_path = out.join("scenario.ron");
    let ron = scenario::to_ron(&plan.scenario).map_err(|e| ReportError::Ron {
        path: ron_path.clone(),
        message: e.to_string(),
    })?;
    report::write_bytes_atomically(&ron_path, ron.as_bytes())?;
    let summary_csv = String::from_utf8_lossy(&summary_csv);
    write_report_page(out, plan, result, &charts, &summary_csv, &ron, &extra_files)?;
    let mut extra = serde_json::Map::new();
    extra.insert("scenario".into(), plan.scenario.name.clone().into());
    extra.insert("file".into(), plan.file.clone().into());
    extra.insert("threads".into(), threads.into());
    // run.json last: its presence marks a complete results folder.
    report::write_run_json(&out.join("run.json"), result, &extra)?;
    Ok(summaries)
}

/// Calls `with` on the scenario's `reference` as the report takes it; `None` without one.
fn with_published<T>(plan: &Plan, with: impl FnOnce(&report::Published<'_>) -> T) -> Option<T> {
    let reference = plan.scenario.reference.as_ref()?;
    let cells: Vec<_> = reference.cells.iter().map(|c| (&c.at, c.value)).collect();
    Some(with(&report::Published {
        source: &reference.source,
        column: &reference.column,
        cells: &cells,
    }))
}

/// The scenario's reference cells compared with `result`'s summaries; `None` without a
/// `reference`.
fn compare_reference(
    plan: &Plan,
    result: &RunResult,
    summaries: &[PointSummary],
) -> Result<Option<Vec<report::ComparedCell>>, ReportError> {
    let csv_error = |source| ReportError::Csv {
        path: PathBuf::from("summary.csv"),
        source,
    };
    with_published(plan, |published| {
        report::compare(result, summaries, published)
    })
    .transpose()
    .map_err(csv_error)
}

/// The table `run` prints after a run of a scenario with a `reference`: each cell's own value
/// beside the published one (`report::reference_table`); `None` without one.
pub(crate) fn reference_table(
    plan: &Plan,
    result: &RunResult,
    summaries: &[PointSummary],
) -> Result<Option<String>, ReportError> {
    let Some(compared) = compare_reference(plan, result, summaries)? else {
        return Ok(None);
    };
    Ok(with_published(plan, |published| {
        report::reference_table(result, published, &compared)
    }))
}

/// The result files `index.html` links, in order; `run.json` is written after the page.
const LINKED_FILES: [&str; 6] = [
    "trials.csv",
    "summary.csv",
    "summary.json",
    "requests.csv",
    "scenario.ron",
    "run.json",
];

/// Writes `out/index.html` for the files already in `out`; its table is `summary_csv`, the
/// text written to `summary.csv`, so the page shows every column of the file.
fn write_report_page(
    out: &Path,
    plan: &Plan,
    result: &RunResult,
    charts: &[report::DrawnChart],
    summary_csv: &str,
    scenario_ron: &str,
    extra_files: &[String],
) -> Result<(), ReportError> {
    // The cost model's files after `requests.csv`, where they are written.
    let mut files: Vec<String> = LINKED_FILES
        .iter()
        .map(|name| (*name).to_string())
        .collect();
    let after_requests = files
        .iter()
        .position(|f| f == "requests.csv")
        .map_or(0, |i| i + 1);
    files.splice(after_requests..after_requests, extra_files.iter().cloned());
    let page = report::RunPage {
        name: &plan.scenario.name,
        description: &plan.scenario.description,
        file: &plan.file,
        run: result,
        charts,
        summary_csv,
        scenario_ron,
        files: &files,
    };
    report::write_run_html(&out.join("index.html"), &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_names_its_scenario_by_its_first_results_file() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        assert_eq!(results_in(dir.path()), None);
        let plan = scenario::parse("p.ron", r#"Scenario(name: "shown", replicas: 4)"#)
            .expect("a valid scenario");
        let ron = scenario::to_ron(&plan.scenario).expect("encodes");
        std::fs::write(dir.path().join("scenario.ron"), ron).expect("written");
        let found = results_in(dir.path()).expect("found");
        assert_eq!(found.scenario, "shown");
        assert_eq!(found.file, dir.path().join("scenario.ron"));
        assert_eq!(results_of_another(dir.path(), "shown"), None);
        assert!(results_of_another(dir.path(), "other").is_some());
        // run.json is asked first; a file that names no scenario is passed over.
        std::fs::write(dir.path().join("run.json"), r#"{"scenario": "first"}"#).expect("written");
        std::fs::write(dir.path().join("shard.json"), "not json").expect("written");
        assert_eq!(
            results_in(dir.path()).map(|f| f.scenario).as_deref(),
            Some("first")
        );
    }

    #[test]
    fn a_suite_folder_is_told_by_its_index() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        assert_eq!(suite_index_in(dir.path()), None);
        // Files of those names that a suite did not write are not a suite's.
        std::fs::write(dir.path().join("index.csv"), "a,b\n1,2\n").expect("written");
        std::fs::write(dir.path().join("index.md"), "# My notes\n").expect("written");
        assert_eq!(suite_index_in(dir.path()), None);
        std::fs::write(
            dir.path().join("index.md"),
            "# pbft-sim suite\n\n2 scenarios\n",
        )
        .expect("written");
        assert_eq!(
            suite_index_in(dir.path()),
            Some(dir.path().join("index.md"))
        );
        std::fs::write(
            dir.path().join("index.csv"),
            "name,file,points,trials,success_rate,safety_violations\n",
        )
        .expect("written");
        assert_eq!(
            suite_index_in(dir.path()),
            Some(dir.path().join("index.csv"))
        );
    }
}
