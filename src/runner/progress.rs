//! How the runner tells its caller that trials are finishing: a [`Progress`] it calls on the
//! calling thread, in order, so a terminal front end can draw bars (the command line's
//! `cli::progress`) and a headless caller passes [`NoProgress`]. The library itself draws
//! nothing.

/// Told as a run (or a suite of runs) goes. Every method has a do-nothing default, so an
/// implementation writes only what it shows. Calls come from the thread that called the
/// runner, never from its worker threads.
pub trait Progress {
    /// A suite begins: its scenarios' names, in the order they will run, and the trials of all
    /// of them together.
    fn suite_started(&mut self, _names: &[&str], _trials: u64) {}

    /// A run begins: its label (the scenario's name, with the shard when there is one), the
    /// trials it covers and how many of those were already done (saved by an earlier session).
    fn run_started(&mut self, _label: &str, _trials: u64, _done: u64) {}

    /// One more trial of the current run finished.
    fn trial_finished(&mut self) {}

    /// A campaign's trials that failed a property so far (told when the count grows).
    fn failures_so_far(&mut self, _failures: u64) {}

    /// The current run ended, complete or not.
    fn run_finished(&mut self) {}

    /// The suite ended, complete or not.
    fn suite_finished(&mut self) {}
}

/// Shows nothing: for callers without a terminal (tests, benchmarks, other programs).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::suite::LoadedSuite;
    use crate::runner::{
        run, run_session, run_suite, RunError, RunOptions, SessionError, SessionOptions,
        SuiteOptions,
    };
    use crate::scenario::{self, Plan};

    /// Every call, written down.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Progress for Log {
        fn suite_started(&mut self, names: &[&str], trials: u64) {
            self.0.push(format!("suite {names:?} {trials}"));
        }
        fn run_started(&mut self, label: &str, trials: u64, done: u64) {
            self.0.push(format!("run {label} {trials} {done}"));
        }
        fn trial_finished(&mut self) {
            self.0.push("trial".into());
        }
        fn run_finished(&mut self) {
            self.0.push("end run".into());
        }
        fn suite_finished(&mut self) {
            self.0.push("end suite".into());
        }
    }

    /// Two points of two trials.
    fn plan(name: &str) -> Plan {
        let text = format!(
            r#"Scenario(name: "{name}", replicas: 4, trials: 2,
                network: (delay: Constant(ms: 10.0)),
                sweep: [(path: "protocol.batch_size", values: Range(from: 1, to: 2))])"#
        );
        scenario::parse("p.ron", &text).expect("a valid scenario")
    }

    /// `head`, then `trials` times `trial`, then `tail`.
    fn calls(head: &[&str], trials: usize, tail: &[&str]) -> Vec<String> {
        let mut calls: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        calls.extend(std::iter::repeat_n("trial".to_string(), trials));
        calls.extend(tail.iter().map(|s| s.to_string()));
        calls
    }

    #[test]
    fn a_run_is_told_each_trial_between_start_and_end() {
        let mut log = Log::default();
        let options = RunOptions { threads: 2 };
        let result = run(&plan("a"), &options, &mut log).expect("the run completes");
        assert_eq!(result.records.len(), 4);
        assert_eq!(log.0, calls(&["run a 4 0"], 4, &["end run"]));
    }

    #[test]
    fn a_resumed_session_starts_from_the_saved_trials() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let plan = plan("a");
        let mut options = SessionOptions {
            out: dir.path().join("a"),
            threads: 1,
            resume: false,
            shard: None,
            stop_after: Some(1),
        };
        let mut first = Log::default();
        let stopped = run_session(&plan, &options, &mut first).expect_err("stopped");
        assert!(matches!(stopped, SessionError::Run(RunError::Stopped(1))));
        // The trial that stopped the run was saved but not counted; the run still ended.
        assert_eq!(first.0, ["run a 4 0", "end run"]);

        options.resume = true;
        options.stop_after = None;
        let mut second = Log::default();
        let report = run_session(&plan, &options, &mut second).expect("resumes");
        assert_eq!(report.reused, 1);
        assert_eq!(second.0, calls(&["run a 4 1"], 3, &["end run"]));
    }

    #[test]
    fn a_suite_frames_its_runs() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let loaded = LoadedSuite {
            plans: vec![plan("a"), plan("b")],
            invalid: Vec::new(),
        };
        let options = SuiteOptions {
            out: dir.path().to_path_buf(),
            threads: 2,
        };
        let mut log = Log::default();
        run_suite(&loaded, &options, &mut log).expect("the suite completes");
        let mut expected = calls(&[r#"suite ["a", "b"] 8"#, "run a 4 0"], 4, &["end run"]);
        expected.extend(calls(&["run b 4 0"], 4, &["end run", "end suite"]));
        assert_eq!(log.0, expected);
    }
}
