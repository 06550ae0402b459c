//! Helpers shared by the CLI tests: a scratch folder per test and a bounded run of the binary
//! that captures exit status, stdout and stderr.

#![allow(dead_code)] // each test file uses its own subset

pub mod campaign;
pub mod keys;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The `pbft-sim` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_pbft-sim");

/// No CLI invocation in these tests should take anywhere near this long.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// A fresh folder under the system temp dir, removed when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    /// A new empty folder whose name includes `tag`, the process id and a counter.
    pub fn new(tag: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("pbft-sim-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch folder");
        Scratch { dir }
    }

    /// `dir/name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `text` to `dir/name` and returns the path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write a scenario file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one invocation of the binary did.
pub struct Run {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
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
            "pbft-sim {}\n  status: {:?}\n  --- stdout ---\n{}\n  --- stderr ---\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        )
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `pbft-sim args...` with stdin closed; kills it and panics after `TIMEOUT`.
pub fn pbft_sim<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut child = Command::new(BIN)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pbft-sim");
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pbft-sim") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "pbft-sim {} did not finish within {TIMEOUT:?}",
                shown.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        args: shown,
        status,
        stdout: stdout.join().expect("read stdout"),
        stderr: stderr.join().expect("read stderr"),
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
