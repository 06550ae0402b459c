//! Helpers shared by the CLI tests: a scratch folder per test (`tempfile`) and a bounded run of
//! a binary (`assert_cmd`, killed after [`TIMEOUT`]) that captures exit status, stdout and stderr.

#![allow(dead_code)] // each test file uses its own subset
#![allow(clippy::panic)] // a helper fails its test by panicking

pub mod campaign;
pub mod chromium;
pub mod keys;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// The `pbft-sim` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_pbft-sim");

/// No CLI invocation in these tests should take anywhere near this long.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh empty folder under the system temp dir, removed when dropped.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A new empty folder whose name starts with `pbft-sim-<tag>-`.
    pub fn new(tag: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("pbft-sim-{tag}-"))
            .tempdir()
            .expect("create the scratch folder");
        Scratch { dir }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `dir/name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `dir/name` and returns the path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write a scenario file");
        path
    }
}

/// What one invocation of a binary did.
pub struct Run {
    /// The command line as shown in messages: the program's name, then its arguments.
    pub args: Vec<String>,
    /// How it ended.
    pub status: ExitStatus,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// The exit code, or `None` when a signal ended the process.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// The invocation and everything it printed, for assertion messages.
    pub fn show(&self) -> String {
        format!(
            "{}\n  status: {:?}\n  --- stdout ---\n{}\n  --- stderr ---\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `pbft-sim args...`; kills it and panics after `TIMEOUT`.
pub fn pbft_sim<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_binary(Path::new(BIN), "pbft-sim", args)
}

/// Runs `binary args...` (shown as `name args...` in messages) with empty stdin; kills it and
/// panics after `TIMEOUT`.
pub fn run_binary<I, S>(binary: &Path, name: &str, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown: Vec<String> = std::iter::once(name.to_string())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    let started = Instant::now();
    let output = assert_cmd::Command::new(binary)
        .args(&args)
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    // On timeout assert_cmd kills the child, which then has no exit code.
    if output.status.code().is_none() && started.elapsed() >= TIMEOUT {
        panic!("{} did not finish within {TIMEOUT:?}", shown.join(" "));
    }
    Run {
        args: shown,
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `path` as the CLI prints it.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Runs scenario text through the library (parse, expand, run on all cores) and returns the
/// trial rows in (point, trial) order.
pub fn run_scenario_text(text: &str) -> Vec<pbft_sim::runner::TrialRecord> {
    let plan = pbft_sim::scenario::parse("test.ron", text).expect("a valid scenario");
    run_plan(&plan)
}

/// Runs a scenario file of the repository (e.g. `scenarios/silent-primary.ron`).
pub fn run_scenario_file(path: &str) -> Vec<pbft_sim::runner::TrialRecord> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let plan = pbft_sim::scenario::load(&full).expect("a valid scenario file");
    run_plan(&plan)
}

fn run_plan(plan: &pbft_sim::scenario::Plan) -> Vec<pbft_sim::runner::TrialRecord> {
    let options = pbft_sim::runner::RunOptions::default();
    pbft_sim::runner::run(plan, &options, &mut pbft_sim::runner::NoProgress)
        .expect("the run completes")
        .records
}

/// The CSV file at `path` as its header and rows of (column -> field).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<std::collections::BTreeMap<String, String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a whole row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// The rows of the CSV file at `path` as maps from column to cell.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    read_csv(path).1
}

/// Exit 2 with exactly one line on stderr, `error: ...` containing every one of `words`.
pub fn assert_bad_input(run: &Run, words: &[&str]) {
    assert_eq!(run.code(), Some(2), "{}", run.show());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr\n{}", run.show());
    assert!(lines[0].starts_with("error: "), "{}", run.show());
    for word in words {
        assert!(
            lines[0].contains(word),
            "`{word}` in the error\n{}",
            run.show()
        );
    }
}
