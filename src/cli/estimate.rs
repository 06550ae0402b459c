//! What a run will cost, said before it starts: the bytes its trials' rows will take on disk
//! and the time its trials will take, so that a run of 10^7 trials does not start silently.
//! When either passes [`BYTES_LIMIT`] or [`SECONDS_LIMIT`], the command line prints one
//! warning line on stderr and goes on (it never waits for an answer: CI has no terminal).
//!
//! - **Bytes**: each trial leaves one row in `trials.csv` and one in `trials.partial.jsonl`
//!   (kept until the run completes), and the latter holds every completed request's latency,
//!   so a trial's rows take about [`ROW_BYTES`] + [`REQUEST_BYTES`] x its requests (clients x
//!   requests per client, at its sweep point). Both constants were measured on the catalogue
//!   (`docs/cli.md` gives the figures). Every request counts as completed, so the estimate is
//!   an upper bound when the time limit cuts requests short.
//! - **Time**: a pilot runs trial 0 of up to [`PILOT_POINTS`] sweep points spread over the
//!   sweep, on the run's threads: once to warm up, then r times and 2r times over (r chosen so
//!   that a round lasts about [`PILOT_ROUND_S`], as far as the run can afford), and the
//!   difference of the last two (r samples' own time, without the fixed cost of starting a
//!   round) is scaled to the run's trials. The pilot's trials are thrown away (the run runs
//!   them again, so no file changes), and it runs at most a twentieth of the run's trials, and
//!   only when the run has at least [`PILOT_SHARE`] times the sample's trials. Smaller runs
//!   get no time estimate.

use std::time::Instant;

use crate::runner::{run_jobs, NoProgress, RunOptions};
use crate::scenario::Plan;

/// Warn when the rows are estimated to take more bytes than this (1 GB).
pub(super) const BYTES_LIMIT: f64 = 1e9;
/// Warn when the trials are estimated to take longer than this (10 minutes).
pub(super) const SECONDS_LIMIT: f64 = 600.0;
/// Bytes of one trial's two rows (`trials.csv` and `trials.partial.jsonl`), requests apart.
pub(super) const ROW_BYTES: f64 = 830.0;
/// Bytes per request in a trial's rows (its latency in the `.jsonl` row).
pub(super) const REQUEST_BYTES: f64 = 10.0;
/// Sweep points the pilot samples, at most.
const PILOT_POINTS: usize = 8;
/// The pilot runs only when the run has at least this many times its smallest form (the
/// sample's trials four times over), so that it costs at most a twentieth of the run.
const PILOT_SHARE: u64 = 80;
/// How long the pilot's measured rounds should last, at least, when the run can afford it.
const PILOT_ROUND_S: f64 = 0.05;
/// The most times a measured round repeats the sample.
const MAX_REPEATS: u64 = 32;

/// What a run (or a suite) is estimated to cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Estimate {
    /// Trials to run.
    pub(super) trials: u64,
    /// Bytes of their rows.
    pub(super) bytes: f64,
    /// Wall-clock seconds, when a pilot ran (for a suite, the sum over the scenarios piloted).
    pub(super) seconds: Option<f64>,
}

impl Estimate {
    /// `self` and `other` together (a suite's scenarios, one after another).
    pub(super) fn plus(self, other: Estimate) -> Estimate {
        let seconds = match (self.seconds, other.seconds) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        Estimate {
            trials: self.trials + other.trials,
            bytes: self.bytes + other.bytes,
            seconds,
        }
    }

    /// Whether the bytes or the time pass their limit.
    pub(super) fn is_large(&self) -> bool {
        self.bytes > BYTES_LIMIT || self.seconds.is_some_and(|s| s > SECONDS_LIMIT)
    }

    /// The warning line for a run of this estimate (`what`: "this run", "this suite") on
    /// `threads` threads, or `None` when it is within the limits.
    pub(super) fn warning(&self, what: &str, threads: usize) -> Option<String> {
        if !self.is_large() {
            return None;
        }
        let time = match self.seconds {
            Some(s) => format!(" and to take {} on {threads} threads", duration(s)),
            None => String::new(),
        };
        Some(format!(
            "warning: {what} is estimated to write up to {} of trial rows ({} trial{}){time}; it \
             goes on (Ctrl-C stops it and --resume finishes it later; --trials N runs fewer; \
             --no-estimate-warning silences this)",
            size(self.bytes),
            self.trials,
            if self.trials == 1 { "" } else { "s" }
        ))
    }
}

/// The estimate for running `fraction` of `plan`'s trials (1 for a whole run, 1/N for a
/// shard) on `threads` threads; `pilot` says whether a pilot may run for the time.
pub(super) fn estimate(plan: &Plan, fraction: f64, threads: usize, pilot: bool) -> Estimate {
    let per_point = f64::from(plan.trials()) * fraction;
    let bytes = plan
        .points
        .iter()
        .map(|p| {
            let workload = &p.scenario.workload;
            let requests = f64::from(workload.clients.get()) * workload.requests.get() as f64;
            per_point * (ROW_BYTES + REQUEST_BYTES * requests)
        })
        .sum();
    let trials = (plan.total_trials() as f64 * fraction).ceil() as u64;
    let seconds = if pilot {
        pilot_seconds(plan, trials, threads)
    } else {
        None
    };
    Estimate {
        trials,
        bytes,
        seconds,
    }
}

/// The pilot's estimate of the wall time of `trials` trials of `plan` on `threads` threads,
/// or `None` when the run is too small for a pilot or the pilot fails (the run will then say
/// why).
fn pilot_seconds(plan: &Plan, trials: u64, threads: usize) -> Option<f64> {
    let points = plan.points.len();
    let sampled = points.min(PILOT_POINTS);
    if sampled == 0 || trials < PILOT_SHARE * sampled as u64 {
        return None;
    }
    // Evenly spread over the sweep, first and last point included when there is room.
    let jobs: Vec<(usize, usize)> = (0..sampled)
        .map(|i| {
            let point = if sampled == 1 {
                0
            } else {
                i * (points - 1) / (sampled - 1)
            };
            (point, 0)
        })
        .collect();
    let threads = threads.max(1);
    let options = RunOptions { threads };
    let wall = |jobs: &[(usize, usize)]| -> Option<f64> {
        let started = Instant::now();
        run_jobs(plan, jobs, &options, &mut NoProgress, &mut |_| Ok(())).ok()?;
        Some(started.elapsed().as_secs_f64())
    };
    // The first round warms up and sizes the others: the sample is repeated `r` times so that
    // a round lasts about PILOT_ROUND_S, within the pilot's share of the run.
    let warm = wall(&jobs)?;
    let affordable = (trials / (PILOT_SHARE / 4) / sampled as u64).saturating_sub(1) / 3;
    let wanted = (PILOT_ROUND_S / warm.max(1e-6)).ceil() as u64;
    let r = wanted.clamp(1, affordable.clamp(1, MAX_REPEATS)) as usize;
    let repeated = |times: usize| -> Vec<(usize, usize)> {
        std::iter::repeat_n(&jobs, times)
            .flatten()
            .copied()
            .collect()
    };
    // The difference between running the sample 2r times and r times is r samples' own time,
    // without what a round costs whatever it runs (worker threads, actix systems).
    let once = wall(&repeated(r))?;
    let both = wall(&repeated(2 * r))?;
    let diff = if both > once { both - once } else { both / 2.0 };
    // Thread-seconds per trial, then the run's trials spread over its threads.
    let measured = (r * sampled) as f64;
    let per_trial = diff * threads.min(r * sampled) as f64 / measured;
    Some(trials as f64 * per_trial / threads as f64)
}

/// `bytes` for people: `1.7 GB`, `350 MB`, `12 kB` (powers of 1000).
fn size(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else if bytes >= 1e6 {
        format!("{:.0} MB", bytes / 1e6)
    } else {
        format!("{:.0} kB", bytes / 1e3)
    }
}

/// `seconds` for people: `2.3 s`, `45 s`, `12 min`, `3 h 20 min`.
pub(super) fn duration(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as u64;
    if seconds < 10.0 {
        format!("{seconds:.1} s")
    } else if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_as_people_write_them() {
        assert_eq!(size(1.7e9), "1.7 GB");
        assert_eq!(size(3.5e8), "350 MB");
        assert_eq!(size(12_000.0), "12 kB");
        assert_eq!(duration(45.2), "45 s");
        assert_eq!(duration(2.34), "2.3 s");
        assert_eq!(duration(720.0), "12 min");
        assert_eq!(duration(12_000.0), "3 h 20 min");
    }

    #[test]
    fn only_an_estimate_past_a_limit_warns() {
        let small = Estimate {
            trials: 60,
            bytes: 60.0 * ROW_BYTES,
            seconds: Some(0.04),
        };
        assert_eq!(small.warning("this run", 2), None);
        let big = Estimate {
            trials: 10_000_000,
            bytes: 1.7e9,
            seconds: None,
        };
        let line = big.warning("this run", 2).expect("1.7 GB warns");
        assert!(
            line.contains("1.7 GB") && line.contains("--no-estimate-warning"),
            "{line}"
        );
        let long = Estimate {
            seconds: Some(601.0),
            ..small
        };
        let line = long.warning("this suite", 2).expect("10 min warns");
        assert!(line.contains("10 min on 2 threads"), "{line}");
        assert_eq!(small.plus(long).trials, 120);
    }
}
