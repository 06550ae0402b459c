//! A suite: many scenarios run one after another, each on all the worker threads, each into
//! its own results folder `OUT/<name>/` (the same files as a single run), then indexed in
//! `OUT/index.csv`, `OUT/index.md` and `OUT/index.html`.
//!
//! Loading comes first and never stops at a bad file: a file that does not load or validate,
//! a folder without scenario files, or a second file using a name already taken is recorded as
//! an [`InvalidScenario`] with a one-line error, and the suite goes on with the others. Only I/O
//! failures and engine failures end a suite early.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::output::{prepare_output, write_outputs};
use super::{run, Progress, RunError, RunOptions};
use crate::records::InvalidScenario;
use crate::report::{self, IndexRow, ReportError};
use crate::scenario::{self, locate::locate, Plan};

/// Where a suite writes when no output folder is given.
pub const DEFAULT_OUT: &str = "results/suite";

/// Scenario names that would collide with the suite's own files in the output folder.
const RESERVED_NAMES: [&str; 3] = ["index.csv", "index.md", "index.html"];

/// The scenarios of a suite, loaded and validated, in order.
#[derive(Clone, Debug, Default)]
pub struct LoadedSuite {
    /// The valid scenarios, in the order they run, their names distinct.
    pub plans: Vec<Plan>,
    /// The files left out, in the order they were met.
    pub invalid: Vec<InvalidScenario>,
}

/// How to run a suite.
#[derive(Clone, Debug)]
pub struct SuiteOptions {
    /// The output folder: one folder per scenario, plus `index.csv`, `index.md` and
    /// `index.html`.
    pub out: PathBuf,
    /// Worker threads (at least 1) for each scenario's trials.
    pub threads: usize,
}

/// What a suite did.
#[derive(Clone, Debug)]
pub struct SuiteReport {
    /// One row per scenario that ran, in order.
    pub rows: Vec<IndexRow>,
    /// The files left out.
    pub invalid: Vec<InvalidScenario>,
    /// Wall-clock seconds from the first trial to the index written.
    pub wall_s: f64,
}

impl SuiteReport {
    /// Trials over all scenarios.
    pub fn trials(&self) -> usize {
        self.rows.iter().map(|r| r.trials).sum()
    }

    /// Point-to-point messages over all scenarios.
    pub fn messages(&self) -> u64 {
        self.rows.iter().map(|r| r.messages).sum()
    }

    /// Exactly `N scenarios, T trials, M messages in X s`, X with three decimals.
    pub fn totals_line(&self) -> String {
        format!(
            "{} scenarios, {} trials, {} messages in {:.3} s",
            self.rows.len(),
            self.trials(),
            self.messages(),
            self.wall_s
        )
    }
}

/// A suite that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A folder of scenarios could not be listed.
    #[error("cannot read the folder {path}")]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A scenario's trials could not run.
    #[error("running scenario {name}")]
    Run {
        /// The scenario's name.
        name: String,
        /// Why.
        source: RunError,
    },
    /// A result file could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// Loads the scenarios of `inputs`: a folder stands for every `*.ron` directly in it (not
/// hidden, not a folder), sorted by file name; a file stands for itself; order is kept. Files
/// that do not load or validate, folders without scenario files, reserved names and names
/// already used by an earlier file are recorded as invalid. Fails only when a folder cannot be
/// listed.
pub fn load_suite(inputs: &[PathBuf]) -> Result<LoadedSuite, SuiteError> {
    let mut loaded = LoadedSuite::default();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for input in inputs {
        if input.is_dir() {
            let files = scenario_files_in(input)?;
            if files.is_empty() {
                let file = input.display().to_string();
                loaded.invalid.push(InvalidScenario {
                    message: format!("{file}: no scenario files (*.ron) in the folder"),
                    file,
                });
            }
            for file in files {
                load_one(&file, &mut loaded, &mut names);
            }
        } else {
            load_one(input, &mut loaded, &mut names);
        }
    }
    Ok(loaded)
}

/// The `*.ron` entries directly in `dir` that are not hidden and not folders, by file name
/// (also what `check DIR` reads).
pub(crate) fn scenario_files_in(dir: &Path) -> Result<Vec<PathBuf>, SuiteError> {
    let read_error = |source| SuiteError::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut found: Vec<(OsString, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let path = entry.path();
        if text.ends_with(".ron") && !text.starts_with('.') && !path.is_dir() {
            found.push((name, path));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// Loads one file into `loaded`, as a plan or as an invalid entry; `names` maps each name
/// taken so far to its file.
fn load_one(path: &Path, loaded: &mut LoadedSuite, names: &mut BTreeMap<String, String>) {
    let file = path.display().to_string();
    let plan = match scenario::load(path) {
        Ok(plan) => plan,
        Err(e) => {
            loaded.invalid.push(InvalidScenario {
                file,
                message: e.to_string(),
            });
            return;
        }
    };
    let name = plan.scenario.name.clone();
    let problem = if let Some(first) = names.get(&name) {
        Some(format!(
            "{name:?} is already the name of {first} (names must be unique in a suite)"
        ))
    } else if RESERVED_NAMES.contains(&name.as_str()) {
        Some(format!(
            "{name:?} is reserved for the suite's index (choose another name)"
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => loaded.invalid.push(InvalidScenario {
            message: name_error(path, &file, &problem),
            file,
        }),
        None => {
            names.insert(name, file);
            loaded.plans.push(plan);
        }
    }
}

/// `FILE:LINE:COL: name: problem` at the written `name` field, or `FILE: name: problem`.
fn name_error(path: &Path, file: &str, problem: &str) -> String {
    let at = std::fs::read_to_string(path)
        .ok()
        .and_then(|source| locate(&source, "name"));
    match at {
        Some((line, col)) => format!("{file}:{line}:{col}: name: {problem}"),
        None => format!("{file}: name: {problem}"),
    }
}

/// Runs every plan of `loaded` in order into `options.out/<name>/` (prepared first, written as
/// [`write_outputs`] does, `run.json` last), then writes `index.csv`, `index.md` and
/// `index.html` there (a previous suite's index is removed before the first trial). `progress` is told of the suite
/// and of each scenario's run, and that the suite ended even when it failed.
pub fn run_suite(
    loaded: &LoadedSuite,
    options: &SuiteOptions,
    progress: &mut dyn Progress,
) -> Result<SuiteReport, SuiteError> {
    let started = Instant::now();
    prepare_suite_output(&options.out)?;
    let names: Vec<&str> = loaded
        .plans
        .iter()
        .map(|p| p.scenario.name.as_str())
        .collect();
    let total: u64 = loaded.plans.iter().map(Plan::total_trials).sum();
    progress.suite_started(&names, total);
    let result = run_all(loaded, options, progress);
    progress.suite_finished();
    let rows = result?;
    report::write_index_csv(&options.out.join("index.csv"), &rows)?;
    report::write_index_md(&options.out.join("index.md"), &rows, &loaded.invalid)?;
    report::write_suite_html(&options.out.join("index.html"), &rows, &loaded.invalid)?;
    Ok(SuiteReport {
        rows,
        invalid: loaded.invalid.clone(),
        wall_s: started.elapsed().as_secs_f64(),
    })
}

/// Creates the suite's folder and removes a previous suite's index, so that an index is only
/// ever found next to the results it describes.
fn prepare_suite_output(out: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(out).map_err(|source| ReportError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    for name in RESERVED_NAMES {
        let stale = out.join(name);
        if stale.is_file() {
            std::fs::remove_file(&stale).map_err(|source| ReportError::RemoveStale {
                path: stale.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

fn run_all(
    loaded: &LoadedSuite,
    options: &SuiteOptions,
    progress: &mut dyn Progress,
) -> Result<Vec<IndexRow>, SuiteError> {
    let run_options = RunOptions {
        threads: options.threads,
    };
    let mut rows = Vec::with_capacity(loaded.plans.len());
    for plan in &loaded.plans {
        let name = &plan.scenario.name;
        let dir = options.out.join(name);
        prepare_output(&dir)?;
        let result = run(plan, &run_options, progress).map_err(|source| SuiteError::Run {
            name: name.clone(),
            source,
        })?;
        write_outputs(&dir, plan, &result, options.threads)?;
        rows.push(IndexRow::from_run(
            &plan.file,
            &plan.scenario.description,
            &result,
        ));
    }
    Ok(rows)
}
