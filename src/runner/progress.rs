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

    /// The current run ended, complete or not.
    fn run_finished(&mut self) {}

    /// The suite ended, complete or not.
    fn suite_finished(&mut self) {}
}

/// Shows nothing: for callers without a terminal (tests, benchmarks, other programs).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
